/**
 * Flows in groups (the NAT reconciliation's candidate chains, made by a join of two captures' key
 * orders: nat.ts joinByKey). Endpoint lookups search the key orders themselves (flow-columns.ts
 * udpFlowsAt and lowerBound, router-match.ts): the hash index of endpoint keys that lived here
 * (KeyIndex) served them until session 24.
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
