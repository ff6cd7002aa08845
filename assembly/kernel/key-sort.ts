/**
 * Flow ids sorted by endpoint key, for the NAT reconciliation's join of two captures' flows
 * (src/verify/nat.ts joinByKey; the host: src/wasm/key-sort.ts). Runs in an instance of its own
 * (no init(): the memory from where this instance's pages end is free), never in the instance that
 * scanned a capture.
 *
 * Keys are the host's numeric endpoint keys (FlowTable.endpointKeys): integral doubles in
 * [0, 2^53). The sort is a least-significant-digit radix sort on 11-bit digits (five passes cover
 * 55 bits), stable, over ids that start in ascending order: equal keys keep their ids ascending.
 * A pass whose digit is the same for every key is skipped (the histograms of all five digits are
 * counted in one read of the keys).
 *
 * Regions, from KS (n keys): keys u64[n] | ids u32[n] | keys u64[n] | ids u32[n] | counts u32[5 × 2048].
 */

const DIGIT_BITS: u64 = 11;
const BUCKETS: u32 = 1 << <u32>DIGIT_BITS;
const PASSES: u32 = 5;

let ks: usize = 0;
let ksCap: u32 = 0;

@inline function align64(p: usize): usize {
  return (p + 63) & ~(<usize>63);
}

/**
 * Makes room for `n` keys (growing memory when needed) and returns where the host writes them as
 * f64 (keys[0..n)); 0 when memory cannot grow.
 */
export function keySortReserve(n: u32): usize {
  if (ks != 0 && n <= ksCap) return ks;
  let need = <usize>n * 24 + <usize>(PASSES * BUCKETS) * 4 + 256;
  let base = (<usize>memory.size()) << 16;
  let pages = <i32>((need + 0xffff) >> 16);
  if (memory.grow(pages) < 0) return 0;
  ks = base;
  ksCap = n;
  return ks;
}

/** The regions of the sort under way (keySortStart): keys and ids read by the next pass, and written. */
let keysA: usize = 0;
let idsA: usize = 0;
let keysB: usize = 0;
let idsB: usize = 0;
let counts: usize = 0;

/*
 * A sort of n keys is a sequence of calls, each loop over a range of the keys a call of its own:
 *   keySortStart(n); keySortCount(from, to) over [0, n);
 *   for each digit d, lowest first: keySortPrefix(d), and unless it says the pass is not needed,
 *     keySortScatter(d, from, to) over [0, n) in order, then keySortSwap();
 *   keySortIds(); keySortKeys(from, to) over [0, n).
 * Why ranges: V8 runs a wasm function's call to its end in the code it started with, so the first
 * calls of a function run in its baseline code and the later ones in its optimised code once made
 * (the host calls them over ranges of 16 Ki keys: src/wasm/key-sort.ts).
 */

/** Lays the regions out for n keys (after keySortReserve(n)) and clears the histograms. */
export function keySortStart(n: u32): void {
  keysA = ks;
  idsA = align64(keysA + <usize>n * 8);
  keysB = align64(idsA + <usize>n * 4);
  idsB = align64(keysB + <usize>n * 8);
  counts = align64(idsB + <usize>n * 4);
  memory.fill(counts, 0, <usize>(PASSES * BUCKETS) * 4);
}

/**
 * Keys [from, to) (written as doubles at keySortReserve's pointer, key of id i + 1 at index i;
 * integral, in [0, 2^53)) as integers, their ids, and the histograms of every digit.
 */
export function keySortCount(from: u32, to: u32): void {
  for (let i = from; i < to; i++) {
    let p = keysA + (<usize>i << 3);
    let k = <u64>load<f64>(p);
    store<u64>(p, k);
    store<u32>(idsA + (<usize>i << 2), i + 1);
    for (let d: u32 = 0; d < PASSES; d++) {
      let c = counts + ((<usize>(d * BUCKETS) + <usize>((k >> (<u64>d * DIGIT_BITS)) & <u64>(BUCKETS - 1))) << 2);
      store<u32>(c, load<u32>(c) + 1);
    }
  }
}

/** Digits to pass over (the lowest first). */
export function keySortPasses(): u32 {
  return PASSES;
}

/**
 * The starts of digit d's buckets, for its scatter; 0 when every one of the n keys has the same
 * digit there (the pass would keep the order: skipped), else 1.
 */
export function keySortPrefix(n: u32, d: u32): u32 {
  let c = counts + (<usize>(d * BUCKETS) << 2);
  let trivial = false;
  let sum: u32 = 0;
  for (let b: u32 = 0; b < BUCKETS; b++) {
    let x = load<u32>(c + (<usize>b << 2));
    if (x == n) trivial = true;
    store<u32>(c + (<usize>b << 2), sum);
    sum += x;
  }
  return trivial ? 0 : 1;
}

/** Moves keys and ids [from, to) to their places by digit d (stable: ranges in order). */
export function keySortScatter(d: u32, from: u32, to: u32): void {
  let c = counts + (<usize>(d * BUCKETS) << 2);
  let shift = <u64>d * DIGIT_BITS;
  for (let i = from; i < to; i++) {
    let k = load<u64>(keysA + (<usize>i << 3));
    let slot = c + (<usize>((k >> shift) & <u64>(BUCKETS - 1)) << 2);
    let j = load<u32>(slot);
    store<u32>(slot, j + 1);
    store<u64>(keysB + (<usize>j << 3), k);
    store<u32>(idsB + (<usize>j << 2), load<u32>(idsA + (<usize>i << 2)));
  }
}

/** After a pass's scatter: what it wrote is what the next reads. */
export function keySortSwap(): void {
  let t = keysA;
  keysA = keysB;
  keysB = t;
  t = idsA;
  idsA = idsB;
  idsB = t;
}

/** Where the sorted ids are (u32[n]), once every pass is done. */
export function keySortIds(): usize {
  return idsA;
}

/** Keys [from, to) in sorted order as doubles again; returns where the n keys are (f64[n]). */
export function keySortKeys(from: u32, to: u32): usize {
  for (let i = from; i < to; i++) {
    let p = keysA + (<usize>i << 3);
    store<f64>(p, <f64>load<u64>(p));
  }
  return keysA;
}
