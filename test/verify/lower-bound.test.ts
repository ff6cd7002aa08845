/**
 * lowerBound and runEnd (src/verify/flow-columns.ts), the search of a key order's keys that SIP
 * media's and the router's lookups run: against a linear scan, on orders of 0 to 65 537 keys with
 * runs of equal keys of every length up to 300 (shorter and longer than runEnd's first reads),
 * keys below, between and above all of them.
 */
import { describe, expect, it } from "vitest";
import { lowerBound, runEnd } from "../../src/verify/flow-columns.js";

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
    if (i === n >> 2) for (let len = 1; len <= 12 && i < n; len++, k += 4) for (let r = 0; r < len && i < n; r++) out[i++] = k;
    if (i < n) out[i] = k;
  }
  return out;
}

describe("lowerBound", () => {
  it("lowerBound: the first index whose key is ≥ k; runEnd: the first after it whose key is not k", () => {
    for (const n of [0, 1, 2, 63, 64, 65, 4095, 4096, 4097, 4160, 20000, 65537]) {
      const s = keys(n, n + 1);
      const probes = new Set<number>([-1, 0, 2 ** 53 - 1]);
      for (let i = 0; i < n; i += Math.max(1, n >> 9)) for (const d of [-1, 0, 1]) probes.add(s[i] + d);
      for (let i = 0; i < n; i += 64) for (const d of [-1, 0, 1]) probes.add(s[i] + d);
      // Every key of the short runs (lengths 1 to 12) and of the long one.
      for (let i = n >> 2; i < Math.min(n, (n >> 2) + 90); i++) probes.add(s[i]);
      for (let i = n >> 1; i < Math.min(n, (n >> 1) + 310); i++) probes.add(s[i]);
      if (n) probes.add(s[n - 1] + 1);
      for (const k of probes) {
        const from = lowerBound(s, k);
        expect(from, `n ${n}, k ${k}`).toBe(linear(s, k));
        expect(runEnd(s, from, k), `run of ${k} (n ${n})`).toBe(linear(s, k + 1));
      }
    }
  });
});
