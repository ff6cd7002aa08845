/**
 * The flows an expectation could match, found in ONE walk of the flow table for every matcher of
 * a capture (FTP/RTSP data connections, SIP media, the Linux SIP emulation's admissions).
 *
 * Each matcher first names the ports it looks for (`want`); the first `ids` call walks the table
 * once and keeps the ids of the flows with either port among them, in id order; every matcher
 * then filters that short list exactly as it would have filtered the whole table. The walk reads
 * two ports per flow (FlowTable.idsWithPort: a live flow's from its record, an ended one's from
 * the store's port column, never decoding the record; no object per flow) and tests them in a
 * 64 Ki-entry byte map (no hashing): on the 1 GiB bench capture it costs one pass instead of three.
 */
import type { FlowTable } from "../wasm/core.js";

export class FlowCandidates {
  private readonly wanted = new Uint8Array(65536);
  private any = false;
  private found?: number[];

  constructor(private readonly flows: FlowTable) {}

  /** A port some matcher looks for; only before the first `ids` call. */
  want(port: number): void {
    if (this.found) throw new Error("FlowCandidates.want after the walk");
    if (port >= 0 && port <= 65535) {
      this.wanted[port] = 1;
      this.any = true;
    }
  }

  /** Ids of the flows with either port wanted, ascending (the walk happens on the first call). */
  ids(): readonly number[] {
    if (this.found) return this.found;
    this.found = this.any ? this.flows.idsWithPort(this.wanted) : [];
    return this.found;
  }
}
