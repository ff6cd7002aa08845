/**
 * Endpoint → flows index for the NAT reconciliation, built for captures of hundreds of
 * thousands of flows: numeric endpoint keys (FlowTable.endpointKeys) in an open-addressing table
 * over typed arrays — no per-key heap objects, no boxed numbers. Each distinct key is a group; a
 * group's flows are chained in ascending flow id, i.e. in order of their first packet.
 *
 * A slot holds its key and its group side by side (one cache line read per probe: the build and
 * the lookups are bound by those reads, a few hundred thousand random ones).
 */
export class KeyIndex {
  /** group → first flow id of its chain, and its size. */
  readonly head: Int32Array;
  readonly count: Int32Array;
  /** flow id → next flow id of the same group (0 = end). */
  readonly next: Int32Array;
  /** slot i: key at 2i, group at 2i + 1 (0 = empty). */
  private readonly slots: Float64Array;
  private readonly mask: number;
  private groups = 0;

  /** `keys[id]` for flow ids 1..keys.length − 1. */
  constructor(keys: Float64Array) {
    const n = keys.length - 1;
    let cap = 16;
    while (cap < n * 2) cap <<= 1;
    this.mask = cap - 1;
    // A slot is empty while its group is 0 (fresh typed arrays are zero: nothing to fill).
    this.slots = new Float64Array(cap * 2);
    this.head = new Int32Array(n + 1);
    this.count = new Int32Array(n + 1);
    this.next = new Int32Array(n + 1);
    const tail = new Int32Array(n + 1);
    for (let id = 1; id <= n; id++) {
      const k = keys[id];
      const i = this.slotOf(k) << 1;
      let g = this.slots[i + 1] | 0;
      if (g === 0) {
        this.slots[i] = k;
        g = this.slots[i + 1] = ++this.groups;
        this.head[g] = id;
      } else this.next[tail[g]] = id;
      this.count[g]++;
      tail[g] = id;
    }
  }

  private members?: Int32Array;
  private firstOf?: Int32Array;

  /**
   * The flow ids of every group of more than one flow side by side, ascending (a group's are
   * members[first[g] … first[g] + count[g])): for binary searches over a group (built on first
   * use; a group of one is its head).
   */
  layout(): { members: Int32Array; first: Int32Array } {
    if (!this.members) {
      const first = new Int32Array(this.groups + 1);
      let n = 0;
      for (let g = 1; g <= this.groups; g++) {
        if (this.count[g] < 2) continue;
        first[g] = n;
        n += this.count[g];
      }
      const members = new Int32Array(n);
      for (let g = 1; g <= this.groups; g++) {
        if (this.count[g] < 2) continue;
        let at = first[g];
        for (let id = this.head[g]; id; id = this.next[id]) members[at++] = id;
      }
      this.members = members;
      this.firstOf = first;
    }
    return { members: this.members, first: this.firstOf! };
  }

  /** Slot of key k: where it is, or the empty slot where it would go. */
  private slotOf(k: number): number {
    // k < 2^53: split without a floating-point modulo (a slow path in V8).
    const hi = Math.floor(k / 4294967296);
    const lo = k - hi * 4294967296;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let i = h & this.mask;
    while (this.slots[2 * i + 1] !== 0 && this.slots[2 * i] !== k) i = (i + 1) & this.mask;
    return i;
  }

  /** Group of a key (0 = not in the index). */
  lookup(k: number): number {
    return this.slots[2 * this.slotOf(k) + 1] | 0;
  }

  /**
   * Frees the index's memory now (it is unusable after): its buffers are handed to a clone that
   * is dropped at once, so they go with the next young-generation collection instead of waiting,
   * resident, for a full one (the reconciliation's indexes of a 250 k-flow capture are ~25 MiB,
   * held through verify's peak otherwise).
   */
  release(): void {
    const buffers = [this.slots, this.head, this.count, this.next, this.members, this.firstOf].filter((a) => a !== undefined).map((a) => a!.buffer);
    structuredClone(buffers, { transfer: buffers });
  }
}

const prebuilt = new WeakMap<Float64Array, KeyIndex>();

/**
 * Builds the index of `keys` (and its layout) ahead of its use, e.g. while the other capture is
 * still being analyzed; `takeKeyIndex` hands it over once (it is not kept beyond that use).
 */
export function prebuildKeyIndex(keys: Float64Array): void {
  if (prebuilt.has(keys)) return;
  const x = new KeyIndex(keys);
  x.layout();
  prebuilt.set(keys, x);
}

/** The index of `keys`: the one built ahead (once), else a new one. */
export function takeKeyIndex(keys: Float64Array): KeyIndex {
  const x = prebuilt.get(keys);
  if (!x) return new KeyIndex(keys);
  prebuilt.delete(keys);
  return x;
}
