/**
 * The flows an expectation could match, found in ONE walk of the flow table for every matcher of
 * a capture (FTP/RTSP data connections, SIP media, the Linux SIP emulation's admissions).
 *
 * Each matcher first names the ports it looks for (`want`, as a data or a media matcher); the first
 * `ids` call walks the table once and keeps, for each kind, the ids of the flows with either port
 * among its ports, in id order; every matcher then filters its short list exactly as it would have
 * filtered the whole table. The walk reads
 * two ports per flow (FlowTable.idsWithPort: a live flow's from its record, an ended one's where
 * its compact record keeps them, never decoding the record; no object per flow) and tests them in a
 * 64 Ki-entry byte map (no hashing): on the 1 GiB bench capture it costs one pass instead of three.
 */
import type { FlowTable } from "../wasm/core.js";

/**
 * Who wants a port: the matchers of data connections (FTP/RTSP/TFTP, src/alg/sessions.ts) or of
 * SIP media (src/alg/sip.ts, src/alg/sip-linux.ts). Each reads only the flows on its own ports:
 * on a SIP-dense capture the media candidates outnumber the data ones several times, and each
 * candidate read is an ended flow's record decoded.
 */
export enum Want {
  Data = 1,
  Media = 2,
}

export class FlowCandidates {
  private readonly wanted = new Uint8Array(65536);
  private any = 0;
  private found?: [number[], number[]];

  constructor(private readonly flows: FlowTable) {}

  /** A port some matcher (`who`) looks for; only before the first `ids` call. */
  want(port: number, who: Want = Want.Data): void {
    if (this.found) throw new Error("FlowCandidates.want after the walk");
    if (port >= 0 && port <= 65535) {
      this.wanted[port] |= who;
      this.any |= who;
    }
  }

  /** Ids of the flows with either port wanted by `who`, ascending (the walk, for both, happens on the first call). */
  ids(who: Want = Want.Data): readonly number[] {
    const found = this.found ?? this.walk();
    return who === Want.Media ? found[1] : found[0];
  }

  private walk(): [number[], number[]] {
    if (!this.any) return (this.found = [[], []]);
    // Bit k of a port's mark sends the flow to list k: Want.Data = 1 << 0, Want.Media = 1 << 1.
    const [data, media] = this.flows.idsWithPort(this.wanted, 2);
    return (this.found = [data, media]);
  }
}
