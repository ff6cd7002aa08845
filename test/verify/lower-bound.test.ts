/**
 * lowerBound (src/verify/flow-columns.ts), the search of a key order's keys that SIP media's and
 * the router's lookups run: against a linear scan, on orders of 0 to 65 537 keys with long runs
 * of equal keys, keys below, between and above all of them.
 */
import { describe, expect, it } from "vitest";
import { lowerBound } from "../../src/verify/flow-columns.js";

function linear(sorted: Float64Array, k: number): number {
  let i = 0;
  while (i < sorted.length && sorted[i] < k) i++;
  return i;
}

/** n ascending integer keys: runs of equal keys (some long), gaps between them. */
function keys(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let k = 2 ** 40 + seed;
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    if (x % 7 !== 0) k += 1 + (x % 5) * 4;
    if (i === n >> 1) for (let r = 0; r < 300 && i < n; r++) out[i++] = k;
    if (i < n) out[i] = k;
  }
  return out;
}

describe("lowerBound", () => {
  it("is the first index whose key is ≥ k, sampled or not", () => {
    for (const n of [0, 1, 2, 63, 64, 65, 4095, 4096, 4097, 4160, 20000, 65537]) {
      const s = keys(n, n + 1);
      const probes = new Set<number>([-1, 0, 2 ** 53 - 1]);
      for (let i = 0; i < n; i += Math.max(1, n >> 9)) for (const d of [-1, 0, 1]) probes.add(s[i] + d);
      for (let i = 0; i < n; i += 64) for (const d of [-1, 0, 1]) probes.add(s[i] + d);
      if (n) probes.add(s[n - 1] + 1);
      for (const k of probes) expect(lowerBound(s, k), `n ${n}, k ${k}`).toBe(linear(s, k));
    }
  });
});
