/**
 * Endpoint → flows index for the NAT reconciliation, built for captures of hundreds of
 * thousands of flows: numeric keys live in an open-addressing table over typed arrays (no
 * per-key heap objects, no boxed numbers), other keys in a Map. Each distinct key is a group;
 * a group's flows are chained in ascending flow id, i.e. in order of their first packet.
 */
import type { FlowTable } from "../wasm/core.js";

export class KeyIndex {
  /** group → first / last flow id of its chain, and its size. */
  readonly head: Int32Array;
  readonly count: Int32Array;
  /** flow id → next flow id of the same group (0 = end). */
  readonly next: Int32Array;
  /** flow id → group. */
  readonly groupOf: Int32Array;
  private readonly tail: Int32Array;
  private readonly slotKey: Float64Array;
  private readonly slotGroup: Int32Array;
  private readonly mask: number;
  private readonly strings = new Map<string, number>();
  private groups = 0;

  constructor(private readonly table: FlowTable, private readonly which: 0 | 1) {
    const n = table.count;
    let cap = 16;
    while (cap < n * 2) cap <<= 1;
    this.mask = cap - 1;
    this.slotKey = new Float64Array(cap).fill(NaN);
    this.slotGroup = new Int32Array(cap);
    this.head = new Int32Array(n + 1);
    this.tail = new Int32Array(n + 1);
    this.count = new Int32Array(n + 1);
    this.next = new Int32Array(n + 1);
    this.groupOf = new Int32Array(n + 1);
    for (let id = 1; id <= n; id++) {
      const g = this.group(id, true);
      this.groupOf[id] = g;
      if (this.count[g]++ === 0) this.head[g] = id;
      else this.next[this.tail[g]] = id;
      this.tail[g] = id;
    }
  }

  private slotOf(k: number): number {
    const lo = k % 4294967296;
    const hi = (k - lo) / 4294967296;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let i = h & this.mask;
    while (!Number.isNaN(this.slotKey[i]) && this.slotKey[i] !== k) i = (i + 1) & this.mask;
    return i;
  }

  /** Group of `id`'s endpoint in this index's table (create: add it when new; else 0 = none). */
  private group(id: number, create: boolean): number {
    return this.groupOfKey(this.table, id, this.which, create);
  }

  private groupOfKey(t: FlowTable, id: number, which: 0 | 1, create: boolean): number {
    const num = t.endpointNumber(id, which);
    if (!Number.isNaN(num)) {
      const i = this.slotOf(num);
      if (!Number.isNaN(this.slotKey[i])) return this.slotGroup[i];
      if (!create) return 0;
      this.slotKey[i] = num;
      return (this.slotGroup[i] = ++this.groups);
    }
    const s = t.endpointString(id, which);
    const g = this.strings.get(s);
    if (g !== undefined || !create) return g ?? 0;
    this.strings.set(s, ++this.groups);
    return this.groups;
  }

  /** Group in THIS index of flow `id` of another table `t`, endpoint `which` (0 = none). */
  lookup(t: FlowTable, id: number, which: 0 | 1): number {
    return this.groupOfKey(t, id, which, false);
  }
}
