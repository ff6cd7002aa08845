/**
 * The UDP flows SIP media may have used (the UDP flows among FlowCandidates' ids), as columns for
 * both SIP matchers of a capture: `matchMedia` (src/alg/sip.ts) and the Linux emulation's
 * admissions (src/alg/sip-linux.ts).
 *
 * Why columns: both matchers ran once a capture, mostly before V8 optimised them, and each read
 * every candidate anew — an object per flow with its two addresses as text, and a Map keyed by
 * "ip|port" strings built per flow end and per expectation (thousands of each on a SIP-dense
 * capture). Here each candidate's record is read once (copyRecord: one decode of an ended flow);
 * addresses are numbers (IPv4) and looked up by port in a bucket table (either end of a flow, in
 * id order within a port), so a look-up compares numbers, not strings.
 *
 * Invariant: bucket `p` holds, in ascending id order and once each, exactly the UDP candidates
 * with `p` at either end — what a Map of "ip|port" keys held for every key with port `p`.
 */
import type { FlowTable } from "../wasm/core.js";
import { Want, type FlowCandidates } from "./candidates.js";
import { FL_ADDR_A, FL_ADDR_B, FL_FIRST_TS, FL_IPVER, FL_LAST_PKT, FL_PKTS_AB, FL_PKTS_BA, FL_PORT_A, FL_PORT_B, FL_PROTO, FLOW_SIZE } from "../wasm/abi.js";
import { ipToString } from "../net/addr.js";

const UDP = 17;

export class MediaFlows {
  /** Candidates kept (UDP), index i = 0 … n - 1. */
  readonly n: number;
  readonly id: Uint32Array;
  readonly portA: Uint16Array;
  readonly portB: Uint16Array;
  /** IPv4 address as a number; NaN for IPv6 (its text in `v6`). */
  readonly addrA: Float64Array;
  readonly addrB: Float64Array;
  /** Packets initiator → responder and back. */
  readonly pktsAB: Uint32Array;
  readonly pktsBA: Uint32Array;
  readonly lastPacket: Uint32Array;
  readonly startNs: BigUint64Array;
  /** IPv6 addresses' text, by 2 i + end (only IPv6 candidates have entries). */
  private readonly v6 = new Map<number, string>();
  /** Bucket of port p: `list[start[p]] … list[start[p + 1] - 1]` (candidate indexes). */
  private readonly start: Int32Array;
  private readonly list: Int32Array;

  constructor(flows: FlowTable, candidates: FlowCandidates) {
    const ids = candidates.ids(Want.Media);
    const m = ids.length;
    this.id = new Uint32Array(m);
    this.portA = new Uint16Array(m);
    this.portB = new Uint16Array(m);
    this.addrA = new Float64Array(m);
    this.addrB = new Float64Array(m);
    this.pktsAB = new Uint32Array(m);
    this.pktsBA = new Uint32Array(m);
    this.lastPacket = new Uint32Array(m);
    this.startNs = new BigUint64Array(m);
    const rec = new Uint8Array(FLOW_SIZE);
    const dv = new DataView(rec.buffer);
    let n = 0;
    for (let k = 0; k < m; k++) {
      const id = ids[k]!;
      flows.copyRecord(id, rec, 0);
      if (rec[FL_PROTO] !== UDP) continue;
      this.id[n] = id;
      this.portA[n] = dv.getUint16(FL_PORT_A, true);
      this.portB[n] = dv.getUint16(FL_PORT_B, true);
      if (rec[FL_IPVER] === 6) {
        this.addrA[n] = this.addrB[n] = NaN;
        this.v6.set(2 * n, ipToString(rec, FL_ADDR_A, 6));
        this.v6.set(2 * n + 1, ipToString(rec, FL_ADDR_B, 6));
      } else {
        this.addrA[n] = dv.getUint32(FL_ADDR_A, false);
        this.addrB[n] = dv.getUint32(FL_ADDR_B, false);
      }
      this.pktsAB[n] = dv.getUint32(FL_PKTS_AB, true);
      this.pktsBA[n] = dv.getUint32(FL_PKTS_BA, true);
      this.lastPacket[n] = dv.getUint32(FL_LAST_PKT, true);
      this.startNs[n] = dv.getBigUint64(FL_FIRST_TS, true);
      n++;
    }
    this.n = n;
    // Counting sort of (port, index) pairs: a flow with the same port at both ends goes in once.
    const start = new Int32Array(65537);
    for (let i = 0; i < n; i++) {
      start[this.portA[i]! + 1]++;
      if (this.portB[i] !== this.portA[i]) start[this.portB[i]! + 1]++;
    }
    for (let p = 0; p < 65536; p++) start[p + 1] += start[p]!;
    const list = new Int32Array(start[65536]!);
    const fill = start.slice(0, 65536);
    for (let i = 0; i < n; i++) {
      list[fill[this.portA[i]!]!++] = i;
      if (this.portB[i] !== this.portA[i]) list[fill[this.portB[i]!]!++] = i;
    }
    this.start = start;
    this.list = list;
  }

  /** First position of port `port`'s bucket (read the candidates with `at`, up to `end`). */
  begin(port: number): number {
    return port >= 0 && port <= 65535 ? this.start[port]! : 0;
  }

  end(port: number): number {
    return port >= 0 && port <= 65535 ? this.start[port + 1]! : 0;
  }

  /** The candidate index at bucket position `pos`. */
  at(pos: number): number {
    return this.list[pos]!;
  }

  /** True when end `which` (0 = initiator, 1 = responder) of candidate `i` has address `ip` (`num`: ipv4Number(ip)). */
  hasAddress(i: number, which: 0 | 1, ip: string, num: number): boolean {
    const a = which ? this.addrB[i]! : this.addrA[i]!;
    return a === a ? a === num : this.v6.get(2 * i + which) === ip;
  }

  /** The address text of end `which` of candidate `i` (as FlowTable.address gives it). */
  address(i: number, which: 0 | 1): string {
    const a = which ? this.addrB[i]! : this.addrA[i]!;
    if (a !== a) return this.v6.get(2 * i + which)!;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
}

/**
 * `a` with `v` appended. The lists a negotiation keeps to the end of the report (observed flows,
 * the Linux emulation's expectations and admissions) mostly hold one or two items, and an array
 * grown by push from [] keeps room for 17 (152 bytes): 0.9 MiB of slack on the 4 GiB churn capture
 * (#13). So a short list is copied at its length; from APPEND_COPY_MAX items on it grows in place,
 * so a list a hostile capture makes long (late or refused flows by the thousand) costs linear time,
 * not a copy per item. A list is never shared, so neither way changes what another holder sees.
 */
export function appended<T>(a: T[] | undefined, v: T): T[] {
  if (a === undefined || a.length === 0) return [v];
  if (a.length >= APPEND_COPY_MAX) {
    a.push(v);
    return a;
  }
  return a.concat([v]);
}

/** Items from which `appended` grows a list in place instead of copying it. */
export const APPEND_COPY_MAX = 8;

/**
 * The IPv4 address a canonical dotted quad names, as a number (as FL_ADDR read big-endian); NaN
 * for anything else (IPv6, a name, leading zeros, spaces): such text is never equal to an IPv4
 * flow end's text, since ipv4ToString writes the canonical form.
 */
export function ipv4Number(ip: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let k = 0; k <= ip.length; k++) {
    const c = k < ip.length ? ip.charCodeAt(k) : 46;
    if (c === 46) {
      if (digits === 0 || part > 255 || ++parts > 4) return NaN;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return NaN; // a leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3) return NaN;
    } else return NaN;
  }
  return parts === 4 ? value : NaN;
}
