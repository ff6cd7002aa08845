/** A small deterministic PRNG (mulberry32): the same seed gives the same campaign everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

/** The seed of case `i` of a campaign with seed `seed` (cases are independent of each other). */
export function caseSeed(seed: number, kind: string, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let k = 0; k < kind.length; k++) h = Math.imul(h ^ kind.charCodeAt(k), 0x01000193) >>> 0;
  return Math.imul(h ^ i, 0x85ebca6b) >>> 0;
}
