/**
 * The flows of one capture, by id: those still in the wasm flow table (a view over its memory)
 * and those that left it (records the core moved out when the table needed room, kept here in
 * EndedFlows). Consumers (analyze, verify, the reports) see one table of every flow, ids 1..count.
 */
import {
  FL_ADDR_A, FL_ADDR_B, FL_FIRST_PKT, FL_FIRST_TS, FL_FLAGS, FL_FRAGS, FL_HASH, FL_ID, FL_IFACE,
  FL_IPBYTES_AB, FL_IPVER, FL_LAST_PKT, FL_LAST_TS, FL_PAYLOAD_AB, FL_PKTS_AB, FL_PKTS_BA, FL_PORT_A,
  FL_PORT_B, FL_PROTO, FL_VLAN0, FL_VLAN1, FL_ISN_A, FLOW_SIZE, FlowFlag,
} from "../wasm/abi.js";
import { ipToString } from "../net/addr.js";
import { nsToIso } from "../net/time.js";
import type { Flow, FlowProto } from "../types.js";

/** Records per chunk of the ended-flow store (512 KiB). */
const CHUNK = 4096;

/**
 * Records of flows that left the wasm table (ended, or idle past their timeout), in the order
 * they left, as the core's 128-byte FlowRecords in fixed chunks: no object per flow, no copy
 * when the store grows.
 */
export class EndedFlows {
  private readonly chunks: Uint8Array[] = [];
  count = 0;

  /** Appends `bytes` (whole records) copied from wasm memory. */
  add(bytes: Uint8Array): void {
    for (let off = 0; off < bytes.length; off += FLOW_SIZE) {
      const c = this.count >>> 12;
      if (c === this.chunks.length) this.chunks.push(new Uint8Array(CHUNK * FLOW_SIZE));
      this.chunks[c].set(bytes.subarray(off, off + FLOW_SIZE), (this.count & (CHUNK - 1)) * FLOW_SIZE);
      this.count++;
    }
  }

  /** The chunk holding record i (records at (i % CHUNK) × FLOW_SIZE). */
  chunk(i: number): Uint8Array {
    return this.chunks[i >>> 12];
  }

  /** Bytes held (for memory accounting). */
  get bytes(): number {
    return this.chunks.length * CHUNK * FLOW_SIZE;
  }
}

/** Bit of a location (FlowTable.where) that names an EndedFlows record instead of a table slot. */
export const ENDED_FLOW = 0x80000000;

const PROTO_NAMES: Record<number, FlowProto> = { 6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6" };

/** 52-bit key of a 16-byte address + protocol + port, ≥ 2^51 so it never equals an IPv4 key. */
function mixKey(dv: DataView, o: number, proto: number, port: number): number {
  let h1 = 0x811c9dc5 ^ proto;
  let h2 = 0x01000193 ^ port;
  for (let i = 0; i < 16; i += 4) {
    const w = dv.getUint32(o + i, false);
    h1 = Math.imul(h1 ^ w, 0x9e3779b1);
    h1 ^= h1 >>> 15;
    h2 = Math.imul(h2 ^ w, 0x85ebca6b) ^ (h1 >>> 7);
    h2 ^= h2 >>> 13;
  }
  return 2 ** 51 + ((h1 >>> 0) % 2 ** 19) * 2 ** 32 + (h2 >>> 0);
}

/** Protocols whose flows are keyed by ports. */
export function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17;
}

/**
 * Read-only view of every flow: the FLOWS region of wasm memory (or a dense copy of records, see
 * toDense) plus the EndedFlows store. Flow ids are dense (1..count), so ordering by id is a
 * placement, not a sort: `slotOf[id - 1]` is a table slot, or ENDED_FLOW | store index.
 */
export class FlowTable {
  readonly count: number;
  private readonly slotOf: Uint32Array;
  private readonly tableDv: DataView;
  private readonly tableBytes: Uint8Array;
  private readonly endedViews: DataView[] = [];
  /** The buffer of the record `rec` located last. */
  private dv: DataView;
  private bytes: Uint8Array;

  constructor(buffer: ArrayBuffer, private readonly base: number, cap: number, count: number, private readonly ended?: EndedFlows) {
    this.dv = this.tableDv = new DataView(buffer);
    this.bytes = this.tableBytes = new Uint8Array(buffer);
    this.count = count;
    this.slotOf = new Uint32Array(count);
    for (let s = 0; s < cap; s++) {
      const r = base + s * FLOW_SIZE;
      if (this.dv.getUint32(r + FL_HASH, true) !== 0) {
        const id = this.dv.getUint32(r + FL_ID, true);
        if (id >= 1 && id <= count) this.slotOf[id - 1] = s;
      }
    }
    for (let i = 0; ended && i < ended.count; i++) {
      const c = ended.chunk(i);
      if ((i & (CHUNK - 1)) === 0) this.endedViews.push(new DataView(c.buffer, c.byteOffset, c.byteLength));
      const id = this.endedViews[i >>> 12].getUint32((i & (CHUNK - 1)) * FLOW_SIZE + FL_ID, true);
      if (id >= 1 && id <= count) this.slotOf[id - 1] = (ENDED_FLOW | i) >>> 0;
    }
  }

  /** Where flow `id` is: a table slot, or ENDED_FLOW | index in the ended-flow store. */
  where(id: number): number {
    return this.slotOf[id - 1];
  }

  /** The 128-byte record of a flow in the ended-flow store (index from `where`). */
  endedRecord(i: number): Uint8Array {
    const c = this.ended!.chunk(i);
    const o = (i & (CHUNK - 1)) * FLOW_SIZE;
    return c.subarray(o, o + FLOW_SIZE);
  }

  /** Selects the buffer of flow `id`'s record (this.dv, this.bytes) and returns its offset there. */
  private rec(id: number): number {
    const w = this.slotOf[id - 1];
    if (w & ENDED_FLOW) {
      const i = w & ~ENDED_FLOW;
      const c = this.ended!.chunk(i);
      this.dv = this.endedViews[i >>> 12];
      this.bytes = c;
      return (i & (CHUNK - 1)) * FLOW_SIZE;
    }
    this.dv = this.tableDv;
    this.bytes = this.tableBytes;
    return this.base + w * FLOW_SIZE;
  }

  /** Copies flow `id`'s 128-byte record to `into` at byte `at`. */
  copyRecord(id: number, into: Uint8Array, at: number): void {
    const r = this.rec(id);
    into.set(this.bytes.subarray(r, r + FLOW_SIZE), at);
  }

  /**
   * Every record in id order, count × FLOW_SIZE bytes: what `new FlowTable(buffer, 0, count,
   * count)` reads back (to hand a table to another thread).
   */
  toDense(): ArrayBuffer {
    const out = new Uint8Array(this.count * FLOW_SIZE);
    for (let id = 1; id <= this.count; id++) this.copyRecord(id, out, (id - 1) * FLOW_SIZE);
    return out.buffer;
  }

  /** Raw record fields needed by hot consumers (no object per call beyond the result). */
  flags(id: number): number {
    const r = this.rec(id);
    return this.dv.getUint16(r + FL_FLAGS, true);
  }

  /** Ports of flow `id` (initiator, responder), without materialising it. */
  ports(id: number): [number, number] {
    const r = this.rec(id);
    return [this.dv.getUint16(r + FL_PORT_A, true), this.dv.getUint16(r + FL_PORT_B, true)];
  }

  /**
   * Endpoint keys of every flow in one pass (index = flow id), for hashing: IPv4 TCP/UDP/ICMP
   * endpoints exactly, protocol, address and port packed into 50 bits; other endpoints as a 52-bit mix of protocol, all 16 address bytes and port
   * (distinct from every IPv4 key; a collision between two such endpoints has a probability of
   * about n² / 2^53, ~10^-5 for a million flows).
   */
  endpointKeys(): { initiator: Float64Array; responder: Float64Array } {
    const n = this.count;
    const ini = new Float64Array(n + 1);
    const res = new Float64Array(n + 1);
    for (let id = 1; id <= n; id++) {
      const r = this.rec(id);
      const dv = this.dv;
      const proto = dv.getUint8(r + FL_PROTO);
      const code = proto === 6 ? 0 : proto === 17 ? 1 : proto === 1 ? 2 : -1;
      const ported = proto === 6 || proto === 17;
      const pa = ported ? dv.getUint16(r + FL_PORT_A, true) : 0;
      const pb = ported ? dv.getUint16(r + FL_PORT_B, true) : 0;
      if (code >= 0 && dv.getUint8(r + FL_IPVER) === 4) {
        ini[id] = (dv.getUint32(r + FL_ADDR_A, false) * 65536 + pa) * 4 + code;
        res[id] = (dv.getUint32(r + FL_ADDR_B, false) * 65536 + pb) * 4 + code;
      } else {
        ini[id] = mixKey(dv, r + FL_ADDR_A, proto, pa);
        res[id] = mixKey(dv, r + FL_ADDR_B, proto, pb);
      }
    }
    return { initiator: ini, responder: res };
  }

  /** First-packet time of flow `id` in ms (double; sub-µs precision, no BigInt). */
  firstMs(id: number): number {
    const r = this.rec(id) + FL_FIRST_TS;
    return (this.dv.getUint32(r + 4, true) * 4294967296 + this.dv.getUint32(r, true)) / 1e6;
  }

  /** Address text of one endpoint of flow `id` (0 = initiator, 1 = responder). */
  address(id: number, which: 0 | 1): string {
    const r = this.rec(id);
    return ipToString(this.bytes, r + (which ? FL_ADDR_B : FL_ADDR_A), this.dv.getUint8(r + FL_IPVER) === 6 ? 6 : 4);
  }

  /** IPv4 address of one endpoint as a number (NaN for IPv6). */
  ipv4(id: number, which: 0 | 1): number {
    const r = this.rec(id);
    return this.dv.getUint8(r + FL_IPVER) === 4 ? this.dv.getUint32(r + (which ? FL_ADDR_B : FL_ADDR_A), false) : NaN;
  }

  /** Packets of flow `id`, both directions. */
  totalPackets(id: number): number {
    const r = this.rec(id);
    return this.dv.getUint32(r + FL_PKTS_AB, true) + this.dv.getUint32(r + FL_PKTS_BA, true);
  }

  /** Last-packet time of flow `id` in ms (as firstMs). */
  lastMs(id: number): number {
    const r = this.rec(id) + FL_LAST_TS;
    return (this.dv.getUint32(r + 4, true) * 4294967296 + this.dv.getUint32(r, true)) / 1e6;
  }

  /** Initial sequence number of the initiator's SYN (undefined when no SYN was seen). */
  isn(id: number): number | undefined {
    const r = this.rec(id);
    return (this.dv.getUint16(r + FL_FLAGS, true) & FlowFlag.Syn) !== 0 ? this.dv.getUint32(r + FL_ISN_A, true) : undefined;
  }

  /** First-packet time of flow `id` in ns. */
  firstNs(id: number): bigint {
    const r = this.rec(id);
    return this.dv.getBigUint64(r + FL_FIRST_TS, true);
  }

  /** Materialises flow `id` (1-based) as a report object. */
  get(id: number): Flow {
    const r = this.rec(id);
    const dv = this.dv;
    const ipVersion = dv.getUint8(r + FL_IPVER) === 6 ? 6 : 4;
    const protoNum = dv.getUint8(r + FL_PROTO);
    const ports = hasPorts(protoNum);
    const flags = dv.getUint16(r + FL_FLAGS, true);
    const v0 = dv.getUint16(r + FL_VLAN0, true);
    const v1 = dv.getUint16(r + FL_VLAN1, true);
    const vlan: number[] = [];
    if (v0) vlan.push(v0 - 1);
    if (v1) vlan.push(v1 - 1);
    const flow: Flow = {
      id,
      proto: PROTO_NAMES[protoNum] ?? protoNum,
      ipVersion,
      vlan,
      interface: dv.getUint16(r + FL_IFACE, true),
      initiator: { ip: ipToString(this.bytes, r + FL_ADDR_A, ipVersion), port: ports ? dv.getUint16(r + FL_PORT_A, true) : null },
      responder: { ip: ipToString(this.bytes, r + FL_ADDR_B, ipVersion), port: ports ? dv.getUint16(r + FL_PORT_B, true) : null },
      packets: { initiatorToResponder: dv.getUint32(r + FL_PKTS_AB, true), responderToInitiator: dv.getUint32(r + FL_PKTS_BA, true) },
      ipBytes: { initiatorToResponder: Number(dv.getBigUint64(r + FL_IPBYTES_AB, true)), responderToInitiator: Number(dv.getBigUint64(r + FL_IPBYTES_AB + 8, true)) },
      payloadBytes: { initiatorToResponder: Number(dv.getBigUint64(r + FL_PAYLOAD_AB, true)), responderToInitiator: Number(dv.getBigUint64(r + FL_PAYLOAD_AB + 8, true)) },
      first: { packet: dv.getUint32(r + FL_FIRST_PKT, true), time: nsToIso(dv.getBigUint64(r + FL_FIRST_TS, true)) },
      last: { packet: dv.getUint32(r + FL_LAST_PKT, true), time: nsToIso(dv.getBigUint64(r + FL_LAST_TS, true)) },
      fragments: dv.getUint16(r + FL_FRAGS, true),
    };
    if (protoNum === 6) {
      flow.tcp = {
        syn: (flags & FlowFlag.Syn) !== 0,
        synAck: (flags & FlowFlag.SynAck) !== 0,
        fin: (flags & (FlowFlag.FinA | FlowFlag.FinB)) !== 0,
        rst: (flags & FlowFlag.Rst) !== 0,
      };
    }
    return flow;
  }

  *[Symbol.iterator](): IterableIterator<Flow> {
    for (let id = 1; id <= this.count; id++) yield this.get(id);
  }
}
