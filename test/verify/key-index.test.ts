/**
 * KeyIndex (src/verify/key-index.ts): each distinct key one group, its flows chained in ascending
 * id, a group's members side by side in the layout.
 */
import { describe, expect, it } from "vitest";
import { KeyIndex } from "../../src/verify/key-index.js";

/** keys[id] for ids 1..n: 40 distinct keys, some once, some many times, interleaved. */
function sampleKeys(n: number): Float64Array {
  const keys = new Float64Array(n + 1);
  for (let id = 1; id <= n; id++) keys[id] = ((id * 7) % 40) * 2 ** 33 + (id % 3 === 0 ? 5 : 1);
  return keys;
}

describe("KeyIndex", () => {
  it("groups equal keys and chains their ids in ascending order", () => {
    const keys = sampleKeys(1000);
    const idx = new KeyIndex(keys);
    const want = new Map<number, number[]>();
    for (let id = 1; id < keys.length; id++) want.set(keys[id], [...(want.get(keys[id]) ?? []), id]);
    const { members, first } = idx.layout();
    for (const [k, ids] of want) {
      const g = idx.lookup(k);
      expect(g).toBeGreaterThan(0);
      expect(idx.count[g]).toBe(ids.length);
      const chain: number[] = [];
      for (let id = idx.head[g]; id; id = idx.next[id]) chain.push(id);
      expect(chain).toEqual(ids);
      if (ids.length > 1) expect([...members.subarray(first[g], first[g] + ids.length)]).toEqual(ids);
    }
    expect(idx.lookup(12345)).toBe(0);
  });

  it("finds every key among many distinct ones (long probe runs), and no key it was not given", () => {
    const n = 5000;
    const keys = new Float64Array(n + 1);
    // Distinct keys with only the high bits differing, then repeats of the first ones.
    for (let id = 1; id <= n; id++) keys[id] = (id <= 4000 ? id : id - 4000) * 2 ** 40 + 3;
    const idx = new KeyIndex(keys);
    for (let id = 1; id <= 4000; id++) {
      const g = idx.lookup(keys[id]);
      expect(idx.head[g]).toBe(id);
      expect(idx.count[g]).toBe(id <= 1000 ? 2 : 1);
      expect(idx.next[id]).toBe(id <= 1000 ? id + 4000 : 0);
    }
    for (let k = 4001; k <= 6000; k++) expect(idx.lookup(k * 2 ** 40 + 3)).toBe(0);
    expect(idx.lookup(0)).toBe(0);
  });
});
