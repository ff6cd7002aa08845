/**
 * Endpoint → flows index (the router's records, router-match.ts; the NAT reconciliation's
 * candidate chains are Chains made by a join, nat.ts joinByKey; SIP media's UDP endpoints are
 * searched in key order instead, flow-columns.ts udpFlowsAt), built for captures of hundreds of thousands of flows: numeric endpoint keys (FlowTable.endpointKeys) in an open-addressing table
 * over typed arrays — no per-key heap objects, no boxed numbers. Each distinct key is a group; a
 * group's flows are chained in ascending flow id, i.e. in order of their first packet.
 *
 * Sized for the memory it touches: on the reference VM a fresh page costs ~15 µs of CPU at its
 * first touch, more than the index's own work. A slot holds only its group (4 bytes; the group's
 * key is `keyOf[group]`, written in group order), and the chains are linked in two passes over
 * `next` (no per-group tail array): 2 MiB of slots + 2 MiB of keys for 250 k distinct keys, where
 * 16-byte slots (key and group side by side) and a tail array took 9 MiB.
 */

/**
 * Flows in groups: each group's flow ids chained in ascending order, with the group's size, and
 * on demand the members of every group of more than one side by side (for binary searches).
 */
export class Chains {
  /** group → first flow id of its chain, and its size. */
  readonly head: Int32Array;
  readonly count: Int32Array;
  /** flow id → next flow id of the same group (0 = end). */
  readonly next: Int32Array;
  protected groups = 0;

  /**
   * Room for `groups` groups (numbered from 1) over flow ids 1..`ids`; or the arrays of chains made
   * elsewhere, with their members side by side when those are made too (see layout()).
   */
  constructor(groups: number, ids: number, made?: { head: Int32Array; count: Int32Array; next: Int32Array; members?: Int32Array; first?: Int32Array }) {
    this.head = made?.head ?? new Int32Array(groups + 1);
    this.count = made?.count ?? new Int32Array(groups + 1);
    this.next = made?.next ?? new Int32Array(ids + 1);
    if (made) this.groups = groups;
    if (made?.members && made.first) {
      this.members = made.members;
      this.firstOf = made.first;
    }
  }

  /** Groups, numbered 1..groupCount. */
  get groupCount(): number {
    return this.groups;
  }

  /**
   * Links the chains once `next[id]` holds each flow's group (0: none) and `count` the sizes:
   * from the last id down, so each chain is ascending and its head the smallest id.
   */
  protected link(): void {
    const next = this.next;
    for (let id = next.length - 1; id >= 1; id--) {
      const g = next[id];
      if (g === 0) continue;
      next[id] = this.head[g];
      this.head[g] = id;
    }
  }

  private members?: Int32Array;
  private firstOf?: Int32Array;

  /**
   * The flow ids of every group of more than one flow side by side, ascending (a group's are
   * members[first[g] … first[g] + count[g])): for binary searches over a group (built on first
   * use unless made with the chains; a group of one is its head).
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
}

/** A KeyIndex as plain typed arrays (KeyIndex.parts): to send it to another thread, its buffers transferred. */
export interface KeyIndexParts {
  groups: number;
  slots: Int32Array;
  keyOf: Float64Array;
  head: Int32Array;
  count: Int32Array;
  next: Int32Array;
}

export class KeyIndex extends Chains {
  /** slot → group (0 = empty). */
  private readonly slots: Int32Array;
  /** group → its key. */
  private readonly keyOf: Float64Array;
  private readonly mask: number;

  /** `keys[id]` for flow ids 1..keys.length − 1; or an index made elsewhere (KeyIndex.parts, received from another thread). */
  constructor(keys: Float64Array | KeyIndexParts) {
    if (!(keys instanceof Float64Array)) {
      super(keys.groups, 0, keys);
      this.slots = keys.slots;
      this.keyOf = keys.keyOf;
      this.mask = keys.slots.length - 1;
      return;
    }
    const n = keys.length - 1;
    super(n, n);
    let cap = 16;
    while (cap < n * 2) cap <<= 1;
    this.mask = cap - 1;
    // A slot is empty while its group is 0 (fresh typed arrays are zero: nothing to fill).
    this.slots = new Int32Array(cap);
    this.keyOf = new Float64Array(n + 1);
    const next = this.next;
    // Groups numbered in order of first appearance; next[id] holds id's group until the second pass.
    for (let id = 1; id <= n; id++) {
      const k = keys[id];
      const i = this.slotOf(k);
      let g = this.slots[i];
      if (g === 0) {
        g = this.slots[i] = ++this.groups;
        this.keyOf[g] = k;
      }
      this.count[g]++;
      next[id] = g;
    }
    this.link();
  }

  /** The index's arrays (the same, not copies; the members layout and group of ids are not included). */
  parts(): KeyIndexParts {
    return { groups: this.groups, slots: this.slots, keyOf: this.keyOf, head: this.head, count: this.count, next: this.next };
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
    for (let g = this.slots[i]; g !== 0 && this.keyOf[g] !== k; g = this.slots[i]) i = (i + 1) & this.mask;
    return i;
  }

  /** Group of a key (0 = not in the index). */
  lookup(k: number): number {
    return this.slots[this.slotOf(k)];
  }
}
