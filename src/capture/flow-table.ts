/**
 * The flows of one capture, by id: those still in the wasm flow table (a view over its memory)
 * and those that left it (records the core moved out when the table needed room, kept here in
 * EndedFlows). Consumers (analyze, verify, the reports) see one table of every flow, ids 1..count.
 */
import {
  FL_ADDR_A, FL_ADDR_B, FL_FIRST_PKT, FL_FIRST_TS, FL_FLAGS, FL_FRAGS, FL_HASH, FL_ID, FL_IFACE,
  FL_IPBYTES_AB, FL_IPVER, FL_LAST_PKT, FL_LAST_TS, FL_PAYLOAD_AB, FL_PKTS_AB, FL_PKTS_BA, FL_PORT_A,
  FL_PORT_B, FL_PROTO, FL_VLAN0, FL_VLAN1, FL_ISN_A, FL_CTRL, CTRL_BITS, TCP_LATER_UNKNOWN, FL_IPBYTES_BA, FL_PAYLOAD_BA, FLOW_SIZE, FlowFlag,
  FL_LATER_AB, FL_LATER_BA,
} from "../wasm/abi.js";
import { ipToString } from "../net/addr.js";
import { nsToIso } from "../net/time.js";
import type { DirPair, Endpoint, Flow, FlowProto } from "../types.js";
import { openSpillFile, type SpillFile } from "./spill-file.js";

/** Bytes of the flow table per page mark (assembly/memory.ts flowPagesPtr). */
export const FLOW_PAGE = 4096;
/** Bytes per chunk of the ended-flow store; a record never straddles two. */
const CHUNK_BYTES = 1 << 19;
/** Records per block of the store's index: a block's first position is kept, the others follow from lengths. */
const BLOCK = 64;
/** Blocks per array of block positions. */
const BLOCKS_PER_ARRAY = 1024;
/** Records per array of record lengths. */
const LENGTHS_PER_ARRAY = BLOCK * BLOCKS_PER_ARRAY;
/**
 * Form byte of an encoded record: bit 0, the 128 bytes follow as they are; bit 1, IPv4 addresses
 * in 4 bytes; bit 2, times in µs (the first time's distance to its chunk's base and the duration
 * both whole µs, as in every µs pcap); bit 3, second VLAN, interface, fragments and control slot
 * all 0 (not written); bits 4-5, the protocol: TCP, UDP, or (neither bit) a byte that names it;
 * bit 6, the IP version is a byte of its own (else 4 with bit 1, 6 without); bit 7, the ISN is 0
 * (not written).
 */
const RAW = 1;
const V4 = 2;
const US = 4;
const QUIET = 8;
const TCP = 16;
const UDP = 32;
const IPVER = 64;
const NO_ISN = 128;
const TWO32 = 4294967296;

/** Default memory of the ended-flow store (EndedStoreOptions.memoryBytes): 1 MiB. */
export const DEFAULT_ENDED_MEMORY = 1 << 20;
/** Bytes per piece read back from the temporary file (a chunk is a whole number of them). */
const WINDOW = 1 << 14;
/** Pieces cached at least, whatever the memory limit. */
const MIN_WINDOWS = 8;

export interface EndedStoreOptions {
  /**
   * Memory the store may use for its records (default DEFAULT_ENDED_MEMORY; 0 = no limit). Past
   * it, the full chunks go to a temporary file (spill-file.ts) and are read back through a cache
   * of pieces made of the same memory; only the chunk being filled and the index stay beside it.
   * When no file can be made, the records stay in memory and `notSpilled` says so; where there is
   * no file system (a browser), they stay in memory without a word, as with no limit.
   */
  memoryBytes?: number;
  /** Directory of the temporary file (default: the system's temporary directory). */
  dir?: string;
}

/**
 * Records of flows that left the wasm table (ended, or idle past their timeout), in the order
 * they left. A record is kept compact — about 51 bytes instead of the core's 128 (varints for
 * counters and small fields, 4-byte IPv4 addresses, the last packet and time as differences to the
 * first, the first time as a difference to its chunk's first, times in µs when whole, IP header
 * bytes as the difference to the usual headers of the packets, fields that are usually 0 or
 * implied left out) — in fixed chunks, with a 1-byte length per record and the position of every
 * BLOCK-th: no object per flow, no copy when the store grows. Decoding gives back the 128 bytes
 * exactly; a record that does not fit the compact form (a counter ≥ 2^53, time going back) is
 * kept as it is.
 *
 * Bounded memory: once the chunks would pass `memoryBytes`, every full chunk is written to a
 * temporary file and its memory becomes a cache of WINDOW-byte pieces of that file (clock
 * replacement). Reads in store order take one read per piece; reads in flow-id order (the JSON,
 * the candidates' walk) jump among the records of one sweep (those that left together, in slot
 * order), which span a few MiB: measured on the 4 GiB churn capture (356 k records, 18 MiB), a
 * 2 MiB cache reads about 5 000 pieces over a walk in id order.
 */
/** Why the store's records stopped going to its temporary file, how many stayed in memory past the limit, and the first packet of the first of them. */
export interface NotSpilled {
  reason: string;
  records: number;
  packet?: number;
}

export class EndedFlows {
  /** The chunks still in memory; a chunk written to the file is undefined here. */
  private readonly chunks: (Uint8Array | undefined)[] = [];
  /** Length of each record (LENGTHS_PER_ARRAY a array), and the position of every BLOCK-th. */
  private readonly lengths: Uint8Array[] = [];
  private readonly blockPos: Uint32Array[] = [];
  private fill = CHUNK_BYTES;
  /** Per chunk: the first time (ns, as high and low 32 bits) its records' first times are kept against. */
  private readonly baseHi: number[] = [];
  private readonly baseLo: number[] = [];
  /** Per chunk: the index of its first record. */
  private readonly chunkFirst: number[] = [];
  count = 0;
  private readonly scratch = new Uint8Array(FLOW_SIZE + 64);
  /** The record located last and its position (reads in store order step from it). */
  private lastAt = -1;
  private lastPos = 0;
  private readonly memoryBytes: number;
  private readonly dir?: string;
  /** The temporary file, once the chunks passed memoryBytes. */
  private spill?: SpillFile;
  /** No file system here (a browser): the records stay in memory, as with no limit. */
  private noFiles = false;
  /** Why no file could be made (then every record stays in memory), how many records passed the limit, and the first packet of the first one's flow. */
  notSpilled?: NotSpilled;
  /** The cache of file pieces: views into the memory of the chunks written out, their keys (piece index, -1 none), clock bits. */
  private windows: Uint8Array[] = [];
  private windowKey: number[] = [];
  private windowRef: number[] = [];
  private readonly windowOf = new Map<number, number>();
  private hand = 0;
  /** Pieces read from the file (for tests and the bench). */
  windowReads = 0;
  /** A record that straddles two pieces, put together. */
  private readonly joined = new Uint8Array(FLOW_SIZE + 64);
  /** The buffer of the record located last by `at`. */
  private rbuf: Uint8Array = this.joined;

  constructor(opts: EndedStoreOptions = {}) {
    this.memoryBytes = opts.memoryBytes ?? DEFAULT_ENDED_MEMORY;
    this.dir = opts.dir;
  }

  /** Appends `bytes` (whole records) copied from wasm memory. */
  add(bytes: Uint8Array): void {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off < bytes.length; off += FLOW_SIZE) {
      let n = this.chunks.length ? this.encode(dv, off, bytes) : CHUNK_BYTES + 1;
      if (this.fill + n > CHUNK_BYTES) {
        // A new chunk, based at this record's first time.
        this.chunks.push(this.newChunk());
        this.baseHi.push(dv.getUint32(off + FL_FIRST_TS + 4, true));
        this.baseLo.push(dv.getUint32(off + FL_FIRST_TS, true));
        this.chunkFirst.push(this.count);
        this.fill = 0;
        n = this.encode(dv, off, bytes);
      }
      const c = this.chunks.length - 1;
      this.chunks[c]!.set(this.scratch.subarray(0, n), this.fill);
      const i = this.count;
      if (i % LENGTHS_PER_ARRAY === 0) {
        this.lengths.push(new Uint8Array(LENGTHS_PER_ARRAY));
        this.blockPos.push(new Uint32Array(BLOCKS_PER_ARRAY));
      }
      // A record's length fits a byte: the compact form stays under 150 bytes, RAW is 129.
      this.lengths[(i / LENGTHS_PER_ARRAY) | 0][i % LENGTHS_PER_ARRAY] = n;
      const pos = c * CHUNK_BYTES + this.fill;
      if (i % BLOCK === 0) this.blockPos[(i / LENGTHS_PER_ARRAY) | 0][(i % LENGTHS_PER_ARRAY) / BLOCK] = pos;
      this.fill += n;
      this.count++;
      if (this.notSpilled && this.notSpilled.records++ === 0) this.notSpilled.packet = dv.getUint32(off + FL_FIRST_PKT, true);
    }
  }

  /**
   * The memory of the next chunk: a new one while the chunks stay within memoryBytes; past it,
   * every full chunk goes to the file and the last one's memory is reused (the others' become
   * the cache of pieces).
   */
  private newChunk(): Uint8Array {
    const held = this.chunks.length;
    if (this.memoryBytes <= 0 || this.notSpilled || this.noFiles || (!this.spill && (held + 1) * CHUNK_BYTES <= this.memoryBytes)) return new Uint8Array(CHUNK_BYTES);
    if (!this.spill) {
      const f = openSpillFile(this, this.dir);
      if (f === undefined) {
        // No file system (a browser): memory is all there is, as with no limit.
        this.noFiles = true;
        return new Uint8Array(CHUNK_BYTES);
      }
      if (typeof f === "string") {
        this.notSpilled = { reason: f, records: 0 };
        return new Uint8Array(CHUNK_BYTES);
      }
      this.spill = f;
    }
    let reuse: Uint8Array | undefined;
    for (let c = 0; c < held; c++) {
      const chunk = this.chunks[c];
      if (!chunk) continue;
      try {
        this.spill.write(chunk, c * CHUNK_BYTES);
      } catch (e) {
        // The file stopped taking chunks (no room left, say): what it holds is read back as
        // before, this chunk and the later ones stay in memory (ended_flows_in_memory).
        this.notSpilled = { reason: (e as Error).message ?? String(e), records: 0 };
        return new Uint8Array(CHUNK_BYTES);
      }
      this.chunks[c] = undefined;
      if (c === held - 1) reuse = chunk;
      else this.addWindows(chunk);
    }
    // At least MIN_WINDOWS pieces (a limit under 2 chunks).
    if (this.windows.length < MIN_WINDOWS) this.addWindows(new Uint8Array(MIN_WINDOWS * WINDOW));
    return reuse ?? new Uint8Array(CHUNK_BYTES);
  }

  private addWindows(mem: Uint8Array): void {
    for (let o = 0; o + WINDOW <= mem.length; o += WINDOW) {
      this.windows.push(mem.subarray(o, o + WINDOW));
      this.windowKey.push(-1);
      this.windowRef.push(0);
    }
  }

  /** The cached piece `key` of the file (read on a miss, in place of the least recently used by the clock). */
  private window(key: number): Uint8Array {
    const w = this.windowOf.get(key);
    if (w !== undefined) {
      this.windowRef[w] = 1;
      return this.windows[w];
    }
    const n = this.windows.length;
    while (this.windowRef[this.hand] !== 0) {
      this.windowRef[this.hand] = 0;
      this.hand = (this.hand + 1) % n;
    }
    const s = this.hand;
    this.hand = (this.hand + 1) % n;
    if (this.windowKey[s] >= 0) this.windowOf.delete(this.windowKey[s]);
    this.spill!.read(this.windows[s], 0, WINDOW, key * WINDOW);
    this.windowReads++;
    this.windowKey[s] = key;
    this.windowRef[s] = 1;
    this.windowOf.set(key, s);
    return this.windows[s];
  }

  /** Locates record i: its bytes start at the returned offset of this.rbuf. */
  private at(i: number): number {
    const p = this.position(i);
    const chunk = this.chunks[(p / CHUNK_BYTES) | 0];
    if (chunk) {
      this.rbuf = chunk;
      return p % CHUNK_BYTES;
    }
    const len = this.lengths[(i / LENGTHS_PER_ARRAY) | 0][i % LENGTHS_PER_ARRAY];
    const key = Math.floor(p / WINDOW);
    const o = p % WINDOW;
    if (o + len <= WINDOW) {
      this.rbuf = this.window(key);
      return o;
    }
    // Across two pieces (never across two chunks: a chunk is whole pieces).
    this.joined.set(this.window(key).subarray(o), 0);
    this.joined.set(this.window(key + 1).subarray(0, o + len - WINDOW), WINDOW - o);
    this.rbuf = this.joined;
    return 0;
  }

  /** Encodes the record at `off` into `scratch` against the last chunk's base; its length. */
  private encode(dv: DataView, off: number, bytes: Uint8Array): number {
    const c = this.chunks.length - 1;
    const n = encode(dv, off, this.scratch, this.baseHi[c], this.baseLo[c]);
    if (n >= 0) return n;
    this.scratch[0] = RAW;
    this.scratch.set(bytes.subarray(off, off + FLOW_SIZE), 1);
    return FLOW_SIZE + 1;
  }

  /**
   * Position of record i: stepped from the last one located when that is before it in its block
   * (reads in store order, or in id order, which mostly follows it), else from its block's first.
   */
  private position(i: number): number {
    if (i === this.lastAt) return this.lastPos;
    const first = i - (i % BLOCK);
    let k = first;
    let p: number;
    if (this.lastAt >= first && this.lastAt < i) {
      k = this.lastAt;
      p = this.lastPos;
    } else p = this.blockPos[(first / LENGTHS_PER_ARRAY) | 0][(first % LENGTHS_PER_ARRAY) / BLOCK];
    for (; k < i; k++) p = this.step(p, k);
    this.lastAt = i;
    this.lastPos = p;
    return p;
  }

  /** Position of the record after record k (at position p): the next chunk's start when it begins one. */
  private step(p: number, k: number): number {
    const c = Math.floor(p / CHUNK_BYTES);
    if (this.chunkFirst[c + 1] === k + 1) return (c + 1) * CHUNK_BYTES;
    return p + this.lengths[(k / LENGTHS_PER_ARRAY) | 0][k % LENGTHS_PER_ARRAY];
  }

  /** Flow id of record i (without decoding the rest). */
  id(i: number): number {
    let o = this.at(i) + 1;
    const c = this.rbuf;
    if (c[o - 1] & RAW) return (c[o + FL_ID] | (c[o + FL_ID + 1] << 8) | (c[o + FL_ID + 2] << 16) | (c[o + FL_ID + 3] << 24)) >>> 0;
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = c[o++];
      v += (b & 127) * shift;
      if (b < 128) return v;
    }
  }

  /**
   * Both ports of record i as stored, initiator × 65536 + responder: read where the compact form
   * keeps them (after the form, id, hash, version and protocol bytes, flags and addresses), without
   * decoding the rest. No port column is kept beside the records (it was 4 bytes a flow in memory
   * to the end of the run: 1.4 MiB for the 356 k flows that leave the table of the 4 GiB churn
   * capture); a walk over every record in store order (FlowTable.idsWithPort) reads each piece
   * of the temporary file once.
   */
  ports(i: number): number {
    const at = this.at(i); // (first: it may point rbuf at another chunk or piece)
    return portsOf(this.rbuf, at);
  }

  /** Writes record i's 128 bytes into `into` at byte `at`. */
  decode(i: number, into: DataView, at: number): void {
    const o = this.at(i);
    const c = (this.lastPos / CHUNK_BYTES) | 0;
    decode(this.rbuf, o, into, at, this.baseHi[c], this.baseLo[c]);
  }

  /** Bytes of memory held (for memory accounting): the chunks in memory, the cache of pieces, the index. */
  get bytes(): number {
    let n = 0;
    for (const c of this.chunks) if (c) n += CHUNK_BYTES;
    return n + this.windows.length * WINDOW + this.lengths.length * (LENGTHS_PER_ARRAY + BLOCKS_PER_ARRAY * 4);
  }

  /** Bytes in the temporary file (0: none). */
  get spilledBytes(): number {
    let n = 0;
    for (const c of this.chunks) if (!c) n += CHUNK_BYTES;
    return n;
  }

  /** Closes the temporary file (the store can no longer read what went there). */
  close(): void {
    this.spill?.close();
  }
}

/* The compact form: form byte, id (varint, first: EndedFlows.id reads it alone), hash (4), IP
 * version (when the form says), protocol (when neither TCP nor UDP), flags (varint), addresses (4
 * or 16 bytes each), ports (2 each), VLANs, packet counts, payload byte counts, IP header bytes
 * less packets × the usual header of the version and protocol (zigzag), first packet, last − first
 * packet (varints), first time less the chunk's base (zigzag) and last − first time (both in µs
 * when whole µs), interface, fragments (varints), ISN (4, unless 0), control slot (varint); the
 * second VLAN, interface, fragments and control slot only when one of them is not 0. */

let wp = 0;
let wb: Uint8Array;

function putVar(v: number): void {
  while (v >= 128) {
    wb[wp++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  wb[wp++] = v;
}

/** A signed value (|v| < 2^52) as an unsigned varint: 0, -1, 1, -2 … → 0, 1, 2, 3 … */
function putZig(v: number): void {
  putVar(v >= 0 ? 2 * v : -2 * v - 1);
}

function putRaw(dv: DataView, o: number, n: number): void {
  for (let k = 0; k < n; k++) wb[wp++] = dv.getUint8(o + k);
}

/** A u64 field as a number, or -1 when it is 2^53 or more. */
function u64(dv: DataView, o: number): number {
  const hi = dv.getUint32(o + 4, true);
  return hi < 0x200000 ? hi * TWO32 + dv.getUint32(o, true) : -1;
}

/** IP + transport header bytes of one packet of the version and protocol, without options. */
function usualHeader(ipver: number, proto: number): number {
  return (ipver === 6 ? 40 : 20) + (proto === 6 ? 20 : proto === 17 ? 8 : 0);
}

const BIG = 2 ** 51;

/** Encodes the record at `o` into `out` against a chunk based at (bHi, bLo); its length, or -1 when it has no compact form. */
function encode(dv: DataView, o: number, out: Uint8Array, bHi: number, bLo: number): number {
  const ipver = dv.getUint8(o + FL_IPVER);
  const proto = dv.getUint8(o + FL_PROTO);
  let v4 = ipver === 4;
  for (let k = 4; v4 && k < 16; k += 4) v4 = dv.getUint32(o + FL_ADDR_A + k, true) === 0 && dv.getUint32(o + FL_ADDR_B + k, true) === 0;
  const ipAB = u64(dv, o + FL_IPBYTES_AB), ipBA = u64(dv, o + FL_IPBYTES_BA);
  const payAB = u64(dv, o + FL_PAYLOAD_AB), payBA = u64(dv, o + FL_PAYLOAD_BA);
  if (ipAB < 0 || ipBA < 0 || payAB < 0 || payBA < 0) return -1;
  const pktsAB = dv.getUint32(o + FL_PKTS_AB, true), pktsBA = dv.getUint32(o + FL_PKTS_BA, true);
  const h = usualHeader(ipver, proto);
  const restAB = ipAB - payAB - pktsAB * h, restBA = ipBA - payBA - pktsBA * h;
  const firstPkt = dv.getUint32(o + FL_FIRST_PKT, true);
  const lastPkt = dv.getUint32(o + FL_LAST_PKT, true);
  const hiF = dv.getUint32(o + FL_FIRST_TS + 4, true);
  const hiL = dv.getUint32(o + FL_LAST_TS + 4, true);
  const dHi = hiL - hiF;
  const dTs = dHi * TWO32 + (dv.getUint32(o + FL_LAST_TS, true) - dv.getUint32(o + FL_FIRST_TS, true));
  const fromBase = (hiF - bHi) * TWO32 + (dv.getUint32(o + FL_FIRST_TS, true) - bLo);
  if (lastPkt < firstPkt || dHi < 0 || dHi > 0x100000 || dTs < 0 || Math.abs(hiF - bHi) >= 0x80000 ||
    Math.abs(restAB) >= BIG || Math.abs(restBA) >= BIG) return -1;
  const us = fromBase % 1000 === 0 && dTs % 1000 === 0;
  wb = out;
  wp = 0;
  const vlan1 = dv.getUint16(o + FL_VLAN1, true), iface = dv.getUint16(o + FL_IFACE, true);
  const frags = dv.getUint16(o + FL_FRAGS, true), ctrl = dv.getUint32(o + FL_CTRL, true);
  const quiet = vlan1 === 0 && iface === 0 && frags === 0 && ctrl === 0;
  const isn = dv.getUint32(o + FL_ISN_A, true);
  const ownVer = ipver !== (v4 ? 4 : 6);
  wb[wp++] = (v4 ? V4 : 0) | (us ? US : 0) | (quiet ? QUIET : 0) | (proto === 6 ? TCP : proto === 17 ? UDP : 0) |
    (ownVer ? IPVER : 0) | (isn === 0 ? NO_ISN : 0);
  putVar(dv.getUint32(o + FL_ID, true));
  putRaw(dv, o + FL_HASH, 4);
  if (ownVer) wb[wp++] = ipver;
  if (proto !== 6 && proto !== 17) wb[wp++] = proto;
  putVar(dv.getUint16(o + FL_FLAGS, true));
  putRaw(dv, o + FL_ADDR_A, v4 ? 4 : 16);
  putRaw(dv, o + FL_ADDR_B, v4 ? 4 : 16);
  putRaw(dv, o + FL_PORT_A, 4);
  putVar(dv.getUint16(o + FL_VLAN0, true));
  if (!quiet) putVar(vlan1);
  putVar(pktsAB);
  putVar(pktsBA);
  putVar(payAB);
  putVar(payBA);
  putZig(restAB);
  putZig(restBA);
  putVar(firstPkt);
  putVar(lastPkt - firstPkt);
  putZig(us ? fromBase / 1000 : fromBase);
  putVar(us ? dTs / 1000 : dTs);
  if (!quiet) {
    putVar(iface);
    putVar(frags);
  }
  if (isn !== 0) putRaw(dv, o + FL_ISN_A, 4);
  if (!quiet) putVar(ctrl);
  return wp;
}

let rp = 0;
let rb: Uint8Array;

function getVar(): number {
  let v = 0;
  for (let shift = 1; ; shift *= 128) {
    const b = rb[rp++];
    v += (b & 127) * shift;
    if (b < 128) return v;
  }
}

function getZig(): number {
  const z = getVar();
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

function getRaw(into: DataView, at: number, n: number): void {
  for (let k = 0; k < n; k++) into.setUint8(at + k, rb[rp++]);
}

function setU64(into: DataView, at: number, v: number): void {
  into.setUint32(at, v % TWO32, true);
  into.setUint32(at + 4, Math.floor(v / TWO32), true);
}

/** Writes (hi × 2^32 + lo + t) as a u64 (lo < 2^32, |t| < 2^52). */
function setTime(into: DataView, at: number, hi: number, lo: number, t: number): void {
  const sum = lo + t;
  const low = ((sum % TWO32) + TWO32) % TWO32;
  into.setUint32(at, low, true);
  into.setUint32(at + 4, hi + (sum - low) / TWO32, true);
}

/**
 * Both ports of the record encoded at c[p], initiator × 65536 + responder: `decode`'s layout read
 * up to the ports (form, id, hash, version and protocol bytes, flags, addresses), nothing decoded.
 */
function portsOf(c: Uint8Array, p: number): number {
  const form = c[p++];
  if (form & RAW) return (c[p + FL_PORT_A] | (c[p + FL_PORT_A + 1] << 8)) * 65536 + (c[p + FL_PORT_B] | (c[p + FL_PORT_B + 1] << 8));
  while (c[p++] >= 128); // id
  p += 4; // hash
  if (form & IPVER) p++;
  if ((form & (TCP | UDP)) === 0) p++;
  while (c[p++] >= 128); // flags
  p += form & V4 ? 8 : 32;
  return (c[p] | (c[p + 1] << 8)) * 65536 + (c[p + 2] | (c[p + 3] << 8));
}

function decode(c: Uint8Array, p: number, into: DataView, at: number, bHi: number, bLo: number): void {
  const form = c[p];
  if (form & RAW) {
    for (let k = 0; k < FLOW_SIZE; k++) into.setUint8(at + k, c[p + 1 + k]);
    return;
  }
  rb = c;
  rp = p + 1;
  const v4 = (form & V4) !== 0;
  const quiet = (form & QUIET) !== 0;
  const unit = form & US ? 1000 : 1;
  into.setUint32(at + FL_ID, getVar(), true);
  getRaw(into, at + FL_HASH, 4);
  const ipver = form & IPVER ? rb[rp++] : v4 ? 4 : 6;
  const proto = form & TCP ? 6 : form & UDP ? 17 : rb[rp++];
  into.setUint8(at + FL_IPVER, ipver);
  into.setUint8(at + FL_PROTO, proto);
  into.setUint16(at + FL_FLAGS, getVar(), true);
  getRaw(into, at + FL_ADDR_A, v4 ? 4 : 16);
  getRaw(into, at + FL_ADDR_B, v4 ? 4 : 16);
  if (v4) {
    for (let k = 4; k < 16; k += 4) {
      into.setUint32(at + FL_ADDR_A + k, 0, true);
      into.setUint32(at + FL_ADDR_B + k, 0, true);
    }
  }
  getRaw(into, at + FL_PORT_A, 4);
  into.setUint16(at + FL_VLAN0, getVar(), true);
  into.setUint16(at + FL_VLAN1, quiet ? 0 : getVar(), true);
  const pktsAB = getVar();
  const pktsBA = getVar();
  into.setUint32(at + FL_PKTS_AB, pktsAB, true);
  into.setUint32(at + FL_PKTS_BA, pktsBA, true);
  const payAB = getVar();
  const payBA = getVar();
  setU64(into, at + FL_PAYLOAD_AB, payAB);
  setU64(into, at + FL_PAYLOAD_BA, payBA);
  const h = usualHeader(ipver, proto);
  setU64(into, at + FL_IPBYTES_AB, payAB + pktsAB * h + getZig());
  setU64(into, at + FL_IPBYTES_BA, payBA + pktsBA * h + getZig());
  const firstPkt = getVar();
  into.setUint32(at + FL_FIRST_PKT, firstPkt, true);
  into.setUint32(at + FL_LAST_PKT, firstPkt + getVar(), true);
  setTime(into, at + FL_FIRST_TS, bHi, bLo, getZig() * unit);
  setTime(into, at + FL_LAST_TS, into.getUint32(at + FL_FIRST_TS + 4, true), into.getUint32(at + FL_FIRST_TS, true), getVar() * unit);
  into.setUint16(at + FL_IFACE, quiet ? 0 : getVar(), true);
  into.setUint16(at + FL_FRAGS, quiet ? 0 : getVar(), true);
  if (form & NO_ISN) into.setUint32(at + FL_ISN_A, 0, true);
  else getRaw(into, at + FL_ISN_A, 4);
  into.setUint32(at + FL_CTRL, quiet ? 0 : getVar(), true);
}

/** Bit of a location (FlowTable.where) that names an EndedFlows record instead of a table slot. */
export const ENDED_FLOW = 0x80000000;

/** What a FlowTable reads of the flows that left the table: an EndedFlows store, or their records copied (EndedRecords). */
export type EndedStore = Pick<EndedFlows, "count" | "id" | "ports" | "decode">;

/**
 * The flows that left a table, as whole records side by side (FLOW_SIZE bytes each, in store
 * order): what an EndedFlows store decodes, copied for another thread (src/node/flow-transfer.ts).
 */
export class EndedRecords implements EndedStore {
  private readonly dv: DataView;
  constructor(readonly records: ArrayBuffer, readonly count: number) {
    this.dv = new DataView(records);
  }

  id(i: number): number {
    return this.dv.getUint32(i * FLOW_SIZE + FL_ID, true);
  }

  /** Both ports, initiator × 65536 + responder (as EndedFlows.ports). */
  ports(i: number): number {
    return this.dv.getUint16(i * FLOW_SIZE + FL_PORT_A, true) * 65536 + this.dv.getUint16(i * FLOW_SIZE + FL_PORT_B, true);
  }

  decode(i: number, into: DataView, at: number): void {
    new Uint8Array(into.buffer, into.byteOffset + at, FLOW_SIZE).set(new Uint8Array(this.records, i * FLOW_SIZE, FLOW_SIZE));
  }
}

/**
 * A FlowTable's parts for a FlowTable over the same records in another thread (FlowTable.shared):
 * the table's memory when it is shared (the core built with shared memory), the flow id → where
 * map, the flows that left the table copied (`ended`, with `endedCount` records).
 */
export interface SharedFlowParts {
  buffer: SharedArrayBuffer;
  base: number;
  count: number;
  /** The id map: a view of `buffer` (the core's idle flow index), or a copy. */
  map: Uint32Array;
  ended?: ArrayBuffer;
  endedCount: number;
}

const PROTO_NAMES: Record<number, FlowProto> = { 6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6" };

/** The endpoint keys of the record at `r` of `dv` (FlowTable.endpointKeys) into ini[id] and res[id]. */
function writeKeys(dv: DataView, r: number, id: number, ini: Float64Array, res: Float64Array): void {
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

/** What FlowTable.brief gives: a Flow's fields that a conversation table shows. */
export type FlowBrief = Pick<Flow, "id" | "proto" | "vlan" | "initiator" | "responder" | "packets" | "ipBytes" | "tcp"> & {
  first: { packet: number };
  last: { packet: number };
};

/** Little-endian u64 at `o` as the nearest number (as Number(getBigUint64) gives it), without a BigInt. */
function u64Number(dv: DataView, o: number): number {
  return dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
}

/** 52-bit key of a 16-byte address + protocol + port, ≥ 2^51 so it never equals an IPv4 key. */
function mixKey(dv: DataView, o: number, proto: number, port: number): number {
  return mixWords(dv.getUint32(o, false), dv.getUint32(o + 4, false), dv.getUint32(o + 8, false), dv.getUint32(o + 12, false), proto, port);
}

/**
 * mixKey of the address whose bytes are the big-endian words w0…w3 (the key of an endpoint named
 * by its text: src/verify/flow-columns.ts v6EndpointKey). Different endpoints may share a key.
 */
export function mixWords(w0: number, w1: number, w2: number, w3: number, proto: number, port: number): number {
  let h1 = 0x811c9dc5 ^ proto;
  let h2 = 0x01000193 ^ port;
  // Word by word, in order (chosen by index: no array per call).
  for (let i = 0; i < 4; i++) {
    const w = i === 0 ? w0 : i === 1 ? w1 : i === 2 ? w2 : w3;
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
 * Read-only view of every flow: the FLOWS region of wasm memory (or a copy of its records, see
 * src/node/flow-transfer.ts) plus the EndedFlows store. Flow ids are dense (1..count), so ordering by id is a
 * placement, not a sort: `slotOf[id - 1]` is a table slot, or ENDED_FLOW | store index.
 */
export class FlowTable {
  readonly count: number;
  private readonly slotOf: Uint32Array;
  private readonly tableDv: DataView;
  private readonly tableBytes: Uint8Array;
  /** The last ended-flow record decoded (index in the store; -1: none), in `scratch`. */
  private scratchOf = -1;
  private readonly scratch = new Uint8Array(FLOW_SIZE);
  private readonly scratchDv = new DataView(this.scratch.buffer);
  /** The buffer of the record `rec` located last. */
  private dv: DataView;
  private bytes: Uint8Array;

  /**
   * `pages` (the core's flow-page marks, one byte per FLOW_PAGE bytes of the table from `base`):
   * only the slots of marked pages are read (reading the others would make them resident).
   * `slots`: the map of flow id → where (`count` entries; default a new array), as `slotsHold`
   * says: "nothing" — memory for it, overwritten (the core lends its idle flow index:
   * CaptureCore.flows); "table" — the slots of the flows in the table, written by the core (its
   * flowSlotMap: only the ended flows are marked here); "all" — the map itself, made by another
   * FlowTable over the same records (FlowTable.shared: nothing is read to make it).
   */
  constructor(
    buffer: ArrayBufferLike, private readonly base: number, cap: number, count: number, private readonly ended?: EndedStore,
    pages?: Uint8Array, slots?: Uint32Array, slotsHold: "nothing" | "table" | "all" = "nothing",
  ) {
    this.dv = this.tableDv = new DataView(buffer);
    this.bytes = this.tableBytes = new Uint8Array(buffer);
    this.count = count;
    if (slots && slots.length !== count) throw new RangeError(`flow table: ${slots.length} slots lent for ${count} flows`);
    const hold = slots ? slotsHold : "nothing";
    if (hold === "all") {
      this.slotOf = slots!;
      return;
    }
    this.slotOf = hold === "table" ? slots! : slots ? slots.fill(0) : new Uint32Array(count);
    const perPage = FLOW_PAGE / FLOW_SIZE;
    for (let s = 0; hold === "nothing" && s < cap; s++) {
      if (pages && s % perPage === 0 && pages[s / perPage] === 0) {
        s += perPage - 1;
        continue;
      }
      const r = base + s * FLOW_SIZE;
      if (this.dv.getUint32(r + FL_HASH, true) !== 0) {
        const id = this.dv.getUint32(r + FL_ID, true);
        if (id >= 1 && id <= count) this.slotOf[id - 1] = s;
      }
    }
    for (let i = 0; ended && i < ended.count; i++) {
      const id = ended.id(i);
      if (id >= 1 && id <= count) this.slotOf[id - 1] = (ENDED_FLOW | i) >>> 0;
    }
  }

  /**
   * What another thread needs for a FlowTable over these records without copying them
   * (FlowTable.shared): undefined unless the table's memory is shared. The flows that left the
   * table are copied out of the ended-flow store (decoded, in store order).
   */
  shareParts(): SharedFlowParts | undefined {
    const buffer = this.tableBytes.buffer;
    // (A page that is not cross-origin isolated has no SharedArrayBuffer at all.)
    if (typeof SharedArrayBuffer === "undefined" || !(buffer instanceof SharedArrayBuffer)) return undefined;
    const endedCount = this.ended?.count ?? 0;
    let ended: ArrayBuffer | undefined;
    if (endedCount) {
      ended = new ArrayBuffer(endedCount * FLOW_SIZE);
      const dv = new DataView(ended);
      for (let i = 0; i < endedCount; i++) this.ended!.decode(i, dv, i * FLOW_SIZE);
    }
    // A map lent by the core lives in the shared memory; an own one is copied.
    const map = this.slotOf.buffer === buffer ? this.slotOf : this.slotOf.slice();
    return { buffer, base: this.base, count: this.count, map, ...(ended && { ended }), endedCount };
  }

  /** A FlowTable over the records of `p` (another thread's shareParts): the same flows, read in place. */
  static shared(p: SharedFlowParts): FlowTable {
    const ended = p.endedCount ? new EndedRecords(p.ended!, p.endedCount) : undefined;
    return new FlowTable(p.buffer, p.base, 0, p.count, ended, undefined, p.map, "all");
  }

  /** Where flow `id` is: a table slot, or ENDED_FLOW | index in the ended-flow store. */
  where(id: number): number {
    return this.slotOf[id - 1];
  }

  /** The 128-byte record of a flow in the ended-flow store (index from `where`), valid until the next call. */
  endedRecord(i: number): Uint8Array {
    this.rec(ENDED_FLOW | i, true);
    return this.scratch;
  }

  /** Selects the buffer of flow `id`'s record (this.dv, this.bytes) and returns its offset there. */
  private rec(id: number, located = false): number {
    const w = located ? id : this.slotOf[id - 1];
    if (w & ENDED_FLOW) {
      const i = w & ~ENDED_FLOW;
      if (i !== this.scratchOf) {
        this.ended!.decode(i, this.scratchDv, 0);
        this.scratchOf = i;
      }
      this.dv = this.scratchDv;
      this.bytes = this.scratch;
      return 0;
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
      writeKeys(this.dv, r, id, ini, res);
    }
    return { initiator: ini, responder: res };
  }

  /**
   * What the NAT reconciliation reads of every flow (src/verify/flow-columns.ts), each record read
   * once: its endpoint keys (as endpointKeys) into `ini` and `res`, its first-packet time (as
   * firstMs) into `firstMs`, its packets (as totalPackets) into `packets` (index = flow id). The
   * flows in the order of `ids` (every id once: the caller's storage order), or of their ids when
   * null. Returns the earliest first-packet and the latest last-packet time (ms).
   */
  readColumns(ids: Int32Array | null, ini: Float64Array, res: Float64Array, firstMs: Float64Array, packets: Uint32Array): { firstMs: number; lastMs: number } {
    const n = this.count;
    let first = Infinity;
    let last = -Infinity;
    for (let k = 1; k <= n; k++) {
      const id = ids ? ids[k - 1] : k;
      const r = this.rec(id);
      const dv = this.dv;
      writeKeys(dv, r, id, ini, res);
      const f = (dv.getUint32(r + FL_FIRST_TS + 4, true) * 4294967296 + dv.getUint32(r + FL_FIRST_TS, true)) / 1e6;
      const l = (dv.getUint32(r + FL_LAST_TS + 4, true) * 4294967296 + dv.getUint32(r + FL_LAST_TS, true)) / 1e6;
      firstMs[id] = f;
      packets[id] = dv.getUint32(r + FL_PKTS_AB, true) + dv.getUint32(r + FL_PKTS_BA, true);
      if (f < first) first = f;
      if (l > last) last = l;
    }
    return { firstMs: first, lastMs: last };
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

  /**
   * Datagrams of flow `id` per direction, as conntrack counts them (a fragmented datagram once):
   * packets less the non-first fragments (FL_LATER_AB; a TCP flow keeps those B→A in FL_CTRL's
   * high bits, A→B being FL_FRAGS less them); null for a TCP flow whose fragment counts saturated.
   */
  datagrams(id: number): DirPair | null {
    const r = this.rec(id);
    const dv = this.dv;
    const ab = dv.getUint32(r + FL_PKTS_AB, true);
    const ba = dv.getUint32(r + FL_PKTS_BA, true);
    const frags = dv.getUint16(r + FL_FRAGS, true);
    if (frags === 0) return { initiatorToResponder: ab, responderToInitiator: ba };
    if (dv.getUint8(r + FL_PROTO) === 6) {
      const laterBA = dv.getUint32(r + FL_CTRL, true) >>> CTRL_BITS;
      if (laterBA === TCP_LATER_UNKNOWN) return null;
      return { initiatorToResponder: ab - (frags - laterBA), responderToInitiator: ba - laterBA };
    }
    return { initiatorToResponder: ab - dv.getUint32(r + FL_LATER_AB, true), responderToInitiator: ba - dv.getUint32(r + FL_LATER_BA, true) };
  }

  /** Initial sequence number of the initiator's SYN (undefined when no SYN was seen). */
  isn(id: number): number | undefined {
    const r = this.rec(id);
    return (this.dv.getUint16(r + FL_FLAGS, true) & FlowFlag.Syn) !== 0 ? this.dv.getUint32(r + FL_ISN_A, true) : undefined;
  }

  /** One port of flow `id` (0 = initiator, 1 = responder) as stored: no array per call (an ended flow's read from its compact record, not decoded). */
  port(id: number, which: 0 | 1): number {
    const w = this.slotOf[id - 1];
    if (w & ENDED_FLOW && (w & ~ENDED_FLOW) !== this.scratchOf) {
      // Not the record decoded last (a matcher usually reads a candidate's other fields first).
      const both = this.ended!.ports(w & ~ENDED_FLOW);
      return which ? both & 0xffff : both >>> 16;
    }
    const r = this.rec(id);
    return this.dv.getUint16(r + (which ? FL_PORT_B : FL_PORT_A), true);
  }

  /**
   * The flows with either port marked in `wanted` (a 64 Ki-entry map of bit sets), in one
   * typed-array scan: a flow of the table read from its record; the ended ones first, in store
   * order (each record's ports read where its compact form keeps them, no record decoded, each
   * piece of the store's temporary file read once), their marks kept in a byte per record for
   * the scan. List k holds, ascending, the ids of the flows with bit k set in either port's mark
   * (`lists` of them); each list is made at its length (the ids are counted first: a list grown
   * by push leaves its outgrown copies as garbage, ~0.3 MiB of them on the 4 GiB churn capture).
   */
  idsWithPort(wanted: Uint8Array, lists: number): number[][] {
    const { slotOf, tableDv: dv, base, ended } = this;
    const marks = ended && ended.count ? new Uint8Array(ended.count) : undefined;
    for (let i = 0; marks && i < marks.length; i++) {
      const both = ended!.ports(i);
      marks[i] = wanted[both >>> 16] | wanted[both & 0xffff];
    }
    const mark = (id: number): number => {
      const w = slotOf[id - 1];
      if (w & ENDED_FLOW) return marks![w & ~ENDED_FLOW];
      return wanted[dv.getUint16(base + w * FLOW_SIZE + FL_PORT_A, true)] | wanted[dv.getUint16(base + w * FLOW_SIZE + FL_PORT_B, true)];
    };
    // The records are read once (a cache miss per flow): their marks kept, then counted and listed.
    const n = this.count;
    const byId = new Uint8Array(n + 1);
    const sizes = new Array<number>(lists).fill(0);
    for (let id = 1; id <= n; id++) {
      const m = mark(id);
      if (m === 0) continue;
      byId[id] = m;
      for (let k = 0; k < lists; k++) if (m & (1 << k)) sizes[k]++;
    }
    const out = sizes.map((c) => new Array<number>(c));
    const at = new Array<number>(lists).fill(0);
    for (let id = 1; id <= n; id++) {
      const m = byId[id];
      if (m !== 0) for (let k = 0; k < lists; k++) if (m & (1 << k)) out[k][at[k]++] = id;
    }
    return out;
  }

  /** Packet number of flow `id`'s first packet. */
  firstPacket(id: number): number {
    const r = this.rec(id);
    return this.dv.getUint32(r + FL_FIRST_PKT, true);
  }

  /** Protocol of flow `id`, as Flow.proto names it. */
  proto(id: number): FlowProto | number {
    const r = this.rec(id);
    const p = this.dv.getUint8(r + FL_PROTO);
    return PROTO_NAMES[p] ?? p;
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
    const flow: Flow = {
      id,
      proto: PROTO_NAMES[protoNum] ?? protoNum,
      ipVersion,
      vlan: this.vlanAt(r),
      interface: dv.getUint16(r + FL_IFACE, true),
      initiator: this.endAt(r, 0, ipVersion, protoNum),
      responder: this.endAt(r, 1, ipVersion, protoNum),
      packets: this.packetsAt(r),
      ipBytes: this.pairAt(r + FL_IPBYTES_AB),
      payloadBytes: this.pairAt(r + FL_PAYLOAD_AB),
      first: { packet: dv.getUint32(r + FL_FIRST_PKT, true), time: nsToIso(dv.getBigUint64(r + FL_FIRST_TS, true)) },
      last: { packet: dv.getUint32(r + FL_LAST_PKT, true), time: nsToIso(dv.getBigUint64(r + FL_LAST_TS, true)) },
      fragments: dv.getUint16(r + FL_FRAGS, true),
    };
    if (flow.fragments) flow.datagrams = this.datagrams(id);
    if (protoNum === 6) flow.tcp = this.tcpAt(r);
    return flow;
  }

  /**
   * What a conversation table shows of flow `id` (report/flows-text.ts): `get` without the times,
   * the payload bytes and the fragments, whose ISO texts and 64-bit reads were most of `flows`'
   * text output on a 250 k-flow capture (bench/PERFORMANCE-LOG.md, session 25).
   */
  brief(id: number): FlowBrief {
    const r = this.rec(id);
    const dv = this.dv;
    const ipVersion = dv.getUint8(r + FL_IPVER) === 6 ? 6 : 4;
    const protoNum = dv.getUint8(r + FL_PROTO);
    const brief: FlowBrief = {
      id,
      proto: PROTO_NAMES[protoNum] ?? protoNum,
      vlan: this.vlanAt(r),
      initiator: this.endAt(r, 0, ipVersion, protoNum),
      responder: this.endAt(r, 1, ipVersion, protoNum),
      packets: this.packetsAt(r),
      ipBytes: this.pairAt(r + FL_IPBYTES_AB),
      first: { packet: dv.getUint32(r + FL_FIRST_PKT, true) },
      last: { packet: dv.getUint32(r + FL_LAST_PKT, true) },
    };
    if (protoNum === 6) brief.tcp = this.tcpAt(r);
    return brief;
  }

  /** The VLAN ids of the record at `r` (outer first). */
  private vlanAt(r: number): number[] {
    const v0 = this.dv.getUint16(r + FL_VLAN0, true);
    const v1 = this.dv.getUint16(r + FL_VLAN1, true);
    const vlan: number[] = [];
    if (v0) vlan.push(v0 - 1);
    if (v1) vlan.push(v1 - 1);
    return vlan;
  }

  /** End `which` (0 initiator) of the record at `r`; its port null for a protocol without ports. */
  private endAt(r: number, which: 0 | 1, ipVersion: 4 | 6, protoNum: number): Endpoint {
    const port = hasPorts(protoNum) ? this.dv.getUint16(r + (which ? FL_PORT_B : FL_PORT_A), true) : null;
    return { ip: ipToString(this.bytes, r + (which ? FL_ADDR_B : FL_ADDR_A), ipVersion), port };
  }

  /** The two u64 counts (initiator → responder, then back) at `o`, each the nearest number. */
  private pairAt(o: number): DirPair {
    return { initiatorToResponder: u64Number(this.dv, o), responderToInitiator: u64Number(this.dv, o + 8) };
  }

  private packetsAt(r: number): Flow["packets"] {
    return { initiatorToResponder: this.dv.getUint32(r + FL_PKTS_AB, true), responderToInitiator: this.dv.getUint32(r + FL_PKTS_BA, true) };
  }

  /** The TCP flags seen on the record at `r` (a TCP flow's). */
  private tcpAt(r: number): NonNullable<Flow["tcp"]> {
    const flags = this.dv.getUint16(r + FL_FLAGS, true);
    return {
      syn: (flags & FlowFlag.Syn) !== 0,
      synAck: (flags & FlowFlag.SynAck) !== 0,
      fin: (flags & (FlowFlag.FinA | FlowFlag.FinB)) !== 0,
      rst: (flags & FlowFlag.Rst) !== 0,
    };
  }

  *[Symbol.iterator](): IterableIterator<Flow> {
    for (let id = 1; id <= this.count; id++) yield this.get(id);
  }
}
