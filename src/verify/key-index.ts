/**
 * Endpoint → flows index for the NAT reconciliation, built for captures of hundreds of
 * thousands of flows: numeric endpoint keys (FlowTable.endpointKeys) in an open-addressing table
 * over typed arrays — no per-key heap objects, no boxed numbers. Each distinct key is a group; a
 * group's flows are chained in ascending flow id, i.e. in order of their first packet.
 */
export class KeyIndex {
  /** group → first flow id of its chain, and its size. */
  readonly head: Int32Array;
  readonly count: Int32Array;
  /** flow id → next flow id of the same group (0 = end). */
  readonly next: Int32Array;
  /** flow id → group. */
  readonly groupOf: Int32Array;
  private readonly slotKey: Float64Array;
  private readonly slotGroup: Int32Array;
  private readonly mask: number;
  private groups = 0;

  /** `keys[id]` for flow ids 1..keys.length − 1. */
  constructor(keys: Float64Array) {
    const n = keys.length - 1;
    let cap = 16;
    while (cap < n * 2) cap <<= 1;
    this.mask = cap - 1;
    this.slotKey = new Float64Array(cap).fill(-1);
    this.slotGroup = new Int32Array(cap);
    this.head = new Int32Array(n + 1);
    this.count = new Int32Array(n + 1);
    this.next = new Int32Array(n + 1);
    this.groupOf = new Int32Array(n + 1);
    const tail = new Int32Array(n + 1);
    for (let id = 1; id <= n; id++) {
      const k = keys[id];
      const i = this.slotOf(k);
      let g = this.slotGroup[i];
      if (this.slotKey[i] !== k) {
        this.slotKey[i] = k;
        g = this.slotGroup[i] = ++this.groups;
      }
      this.groupOf[id] = g;
      if (this.count[g]++ === 0) this.head[g] = id;
      else this.next[tail[g]] = id;
      tail[g] = id;
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
    while (this.slotKey[i] !== -1 && this.slotKey[i] !== k) i = (i + 1) & this.mask;
    return i;
  }

  /** Group of a key (0 = not in the index). */
  lookup(k: number): number {
    const i = this.slotOf(k);
    return this.slotKey[i] === k ? this.slotGroup[i] : 0;
  }
}
