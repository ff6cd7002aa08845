/**
 * Typed wrapper over one wasm core instance: streams capture bytes through the fixed INPUT
 * window, then exposes the flow table, counters and reader state as host values.
 *
 * Streaming: the window is allocated once by `init`; each round fills
 * INPUT[carry, cap) — straight from the source into wasm memory when the source can read into a
 * buffer (PullSource, zero copy), else by copying chunks of an AsyncIterable — then calls
 * `feed(carry + n, eof)` once and moves the unconsumed tail to the front. One boundary crossing
 * per window, never per packet; memory never grows after init (asserted after every feed).
 */
import {
  CaptureFormat, ErrorCode, ST_ENDED_COUNT, FLOW_SIZE,
  ST_ERROR, ST_ERROR_DETAIL, ST_ERROR_DETAIL2, ST_ERROR_OFFSET, ST_FLOWS, ST_FORMAT, ST_FULL_PACKET,
  ST_IFACES, ST_LINKTYPES, ST_NLINKTYPES, ST_OFFSET, ST_ORPHAN_FRAG_PACKET, ST_OVERSNAP_PACKET,
  ST_PACKETS, ST_PAUSED, ST_DECAP_PACKET, ST_REASM_PACKET, ST_TRACE_COUNT, ST_UNSUPPORTED_PACKET, Stat, TR_CAPLEN, TR_IFACE, TR_LINKTYPE,
  TR_OFFSET, TR_ORIGLEN, TR_TS, TRACE_SIZE, AlgKind, EV_ADDR, EV_ALG, EV_CODE, EV_DIR, EV_FAMILY, EV_FLAGS,
  EV_FLOW, EV_KIND, EV_LINE_IN_SEG, EV_PACKET, EV_PORT, EV_REASON, EV_SEGMENTS, EV_SEQ, EV_TEXT, EV_TEXTLEN,
  EV_TS, EVENT_CAP, EVENT_SIZE, EV_TFTP_ACK_DUPS, EV_TFTP_BYTES, EV_TFTP_REQ_FLOW, EV_TFTP_REQ_PKT, TFTP_ACK_DUPS_MAX, EventKind as EvKind, ST_EV_DROPPED, ST_EV_DROPPED_PACKET, ST_EV_HEAD, ST_EV_TAIL, ST_TEXT_HEAD, ST_TEXT_TAIL, TEXT_CAP,
  type EventKind,
} from "./abi.js";
import { type CoreExports, InternalError, instantiateCore } from "./instantiate.js";
import { offerKeySortModule } from "./key-sort.js";
import { EndedFlows, FLOW_PAGE, FlowTable, type NotSpilled } from "../capture/flow-table.js";

export { FlowTable, hasPorts } from "../capture/flow-table.js";

/** A source that reads straight into a buffer (zero copy); returns 0 at end of input. */
export interface PullSource {
  read(into: Uint8Array): Promise<number> | number;
}

/** Capture bytes: an async iterable of chunks (File.stream(), fs streams) or a PullSource. */
export type ByteSource = AsyncIterable<Uint8Array> | PullSource;

export interface CoreOptions {
  /** INPUT window size in bytes (default 4 MiB; at least 512 KiB so a 256 KiB record fits). */
  windowBytes?: number;
  /**
   * Bytes asked of a PullSource per read (default 128 KiB). Reads land at the front of the
   * window, just after the carried tail, so the bytes the core frames are still in the CPU
   * cache: on the reference machine 128 KiB reads move 1 GiB in 80 ms, 4 MiB reads in 390 ms.
   * A record larger than one read simply takes several reads to complete.
   */
  readBytes?: number;
  /** log2 of the flow-table slots (default 19: 524 288 slots, 393 216 flows at most; 64 MiB of records, touched as flows come, and a 2 MiB index). */
  flowCapLog2?: number;
  /** log2 of the fragment-table entries (default 12). */
  fragCapLog2?: number;
  /**
   * Count the same 5-tuple on different capture interfaces (pcapng IDBs) as one flow, as tshark
   * 4.0 does. Default false: a capture taken on both sides of a router holds each untranslated
   * packet twice, and those are two flows (one per interface).
   */
  mergeInterfaces?: boolean;
  /** Called after each window with the bytes consumed so far. */
  onProgress?: (bytesConsumed: number) => void;
  /** When set, every framed record is reported (in batches) — a per-record tap for tests and tools. */
  onRecords?: (records: RecordInfo[]) => void;
  /** TCP ports of FTP control connections (default [21]). */
  ftpPorts?: number[];
  /** TCP ports of RTSP control connections (default [554, 8554]). */
  rtspPorts?: number[];
  /** UDP and TCP ports of SIP (default [5060]). */
  sipPorts?: number[];
  /** UDP ports of TFTP requests (default [69]). */
  tftpPorts?: number[];
  /**
   * TFTP transfers followed at the same time (default 1024, a power of two from 4 to 65 536;
   * 0 = requests only). Entries sit in 4-way buckets: a request whose bucket is full evicts the
   * transfer idle longest (counted: stats tftpEvicted).
   */
  maxTftpTransfers?: number;
  /**
   * Repeated ACKs counted per TFTP transfer (default and most TFTP_ACK_DUPS_MAX, 2^24 − 1: the
   * summary event's 24 bits). The first repeat beyond it is an event (TftpFlag.AckCountCapped):
   * the host's tftp_duplicate_acks_capped diagnostic.
   */
  maxTftpDuplicateAcks?: number;
  /**
   * Control connections reassembled at the same time (default 512; ~18 KiB of wasm memory
   * each). A connection that ended (FIN both ways, RST) frees its slot; so does one idle past
   * `controlIdleSeconds` when a new one needs it.
   */
  maxControlStreams?: number;
  /** Seconds without a segment after which a control stream may give its slot away (default 600). */
  controlIdleSeconds?: number;
  /**
   * Keep only the packets of one interface of a capture that holds several (both sides of a
   * router): a pcapng interface (global number) or a Linux cooked v2 interface index. Other
   * packets keep their numbers but are not accounted (Stat.FilteredOut).
   */
  interfaceFilter?: { kind: "pcapng" | "sll2"; value: number };
  /** Receives the control-stream events (lines of FTP/RTSP control connections, gaps). */
  onEvents?: (events: AlgEvent[]) => void;
  /**
   * When a flow is over, in seconds of capture time, so that it may leave the full flow table
   * (assembly/flow/table.ts; defaults in DEFAULT_FLOW_TIMEOUTS, conntrack's).
   */
  flowTimeouts?: Partial<FlowTimeouts>;
  /** UDP destination ports whose datagrams are VXLAN and are decapsulated (default [4789]; [] = none). */
  vxlanPorts?: number[];
  /** Tunnel layers (IP-in-IP, GRE, ERSPAN, VXLAN) removed from one packet at most (default 4; 0 = none). */
  maxTunnelDepth?: number;
  /**
   * Fragmented UDP datagrams of ALG ports (SIP, TFTP) reassembled at the same time (default 32;
   * 0 = none): each holds `reasmBytes` of wasm memory. A full store evicts the oldest (counted).
   */
  reasmDatagrams?: number;
  /** Longest datagram reassembled, UDP header included (8..65535, default 65535). */
  reasmBytes?: number;
  /** Seconds from a datagram's first fragment to its last (default 30, Linux's ipfrag_time). */
  reasmTimeoutSeconds?: number;
  /**
   * Memory for the records of flows that left the table (default 1 MiB; 0 = no limit): past it
   * they go to a temporary file, read back through a cache of that size (EndedFlows).
   */
  endedMemoryBytes?: number;
  /** Directory of that temporary file (default: the system's temporary directory). */
  spillDir?: string;
}

export const DEFAULT_REASM_DATAGRAMS = 32;
export const DEFAULT_REASM_BYTES = 65535;
export const DEFAULT_REASM_TIMEOUT_SECONDS = 30;

export const DEFAULT_VXLAN_PORT = 4789;
export const DEFAULT_MAX_TUNNEL_DEPTH = 4;

/** Seconds of capture time after which a quiet flow is over (it leaves the table when room is needed). */
export interface FlowTimeouts {
  /** TCP closed by FIN both ways: conntrack's TIME_WAIT, 120 s (the last ACK may come late). */
  tcpClosed: number;
  /** TCP reset (RST): conntrack's CLOSE, 10 s. */
  tcpReset: number;
  /** TCP that never got past its SYN: conntrack's SYN_SENT, 120 s. */
  tcpOpening: number;
  /** Any other TCP: conntrack's ESTABLISHED, 5 days. */
  tcp: number;
  /** UDP, ICMP and other protocols: conntrack's UDP stream, 180 s. */
  other: number;
}

export const DEFAULT_FLOW_TIMEOUTS: FlowTimeouts = { tcpClosed: 120, tcpReset: 10, tcpOpening: 120, tcp: 432_000, other: 180 };

export type AlgName = "ftp" | "rtsp" | "sip" | "tftp";

/** AlgKind → name (index = AlgKind). */
const ALG_NAMES: AlgName[] = ["ftp", "ftp", "rtsp", "sip", "tftp"];

export const DEFAULT_SIP_PORTS = [5060];
export const DEFAULT_TFTP_PORTS = [69];

/** One event of the wasm ALG layer (assembly/alg), decoded. */
export interface AlgEvent {
  kind: EventKind;
  /** 0 = sent by the flow's initiator, 1 = by its responder. */
  dir: 0 | 1;
  alg: AlgName;
  /** Flow id of the control connection (SIP/TFTP: of the datagram's flow). */
  flow: number;
  /** Packet that completed the line. */
  packet: number;
  ts: bigint;
  /** The line without CR/LF (latin-1 decoded). */
  text: string;
  flags: number;
  code: number;
  reason: number;
  port: number;
  family: 0 | 4 | 6;
  /** Raw 16 address bytes (IPv4 in 0..3) when family ≠ 0. */
  addr?: Uint8Array;
  lineInSegment: number;
  segments: number;
  /**
   * Relative sequence number of the line's first byte in its direction (SipLine: of the
   * message's first byte; 0 over UDP).
   */
  seq: number;
  /** TFTP events: the request they belong to, and (summary) the data bytes of the transfer and its repeated ACKs. */
  tftp?: { requestFlow: number; requestPacket: number; bytes: number; duplicateAcks: number };
}

/** One framed record, as reported to `onRecords`. */
export interface RecordInfo {
  /** 1-based record number. */
  packet: number;
  /** Absolute file offset of the record header (pcap) or block (pcapng). */
  offset: number;
  /** Nanoseconds since the epoch. */
  ts: bigint;
  caplen: number;
  origLen: number;
  linkType: number;
  interface: number;
}

const TRACE_CAP = 4096;

export const DEFAULT_WINDOW = 4 << 20;
export const DEFAULT_READ = 128 << 10;
export const DEFAULT_FLOW_CAP_LOG2 = 19;
export const DEFAULT_MAX_CONTROL_STREAMS = 512;
export const DEFAULT_CONTROL_IDLE_SECONDS = 600;
export const DEFAULT_MAX_TFTP_TRANSFERS = 1024;

/** log2 of the TFTP table size for `maxTftpTransfers` (rounded up to a power of two, at least 4). */
function tftpLog2(n: number): number {
  if (n <= 0) return 0;
  return Math.min(16, Math.max(2, Math.ceil(Math.log2(n))));
}

/** Reader state after (or during) a run. */
export interface CoreState {
  format: "pcap" | "pcapng" | "unknown";
  packets: number;
  /** Absolute offset of the first byte not consumed. */
  offset: number;
  flows: number;
  interfaces: number;
  linkTypes: number[];
  error?: { code: ErrorCode; offset: number; detail: number; detail2: number };
  /** First packet numbers of counted conditions (0 = never). */
  firstFullPacket: number;
  firstOversnapPacket: number;
  firstOrphanFragmentPacket: number;
  firstUnsupportedPacket: number;
  /** First packet whose tunnel was not removed (too deep, malformed, unsupported, fragmented). */
  firstDecapPacket: number;
  /** First packet at which a fragmented ALG datagram was given up (evicted, timed out, overlapping, too large). */
  firstReasmPacket: number;
}

/** Async iterables win: Node's Readable streams also have a (different) `read` method. */
function isPull(s: ByteSource): s is PullSource {
  return typeof (s as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== "function" && typeof (s as PullSource).read === "function";
}

/** Node's Buffer, where there is one (not in the browser). */
interface NodeBuffer {
  from(b: ArrayBuffer): { toString(encoding: "latin1", start: number, end: number): string };
}

/**
 * A reader of latin-1 text from `buffer` (wasm memory, which never grows after init): Node's
 * Buffer (~4x faster per short line than a TextDecoder call) where it decodes all 256 byte values
 * as TextDecoder("latin1") does here — checked once — else the TextDecoder, so the text is the
 * same either way.
 */
function latin1Reader(buffer: ArrayBuffer): (start: number, end: number) => string {
  const decoder = new TextDecoder("latin1");
  const mem = new Uint8Array(buffer);
  const viaDecoder = (start: number, end: number): string => (start === end ? "" : decoder.decode(mem.subarray(start, end)));
  const B = (globalThis as { Buffer?: NodeBuffer }).Buffer;
  if (!B) return viaDecoder;
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  if (B.from(all.buffer).toString("latin1", 0, 256) !== decoder.decode(all)) return viaDecoder;
  const view = B.from(buffer);
  return (start, end) => view.toString("latin1", start, end);
}

export class CaptureCore {
  readonly exports: CoreExports;
  private readonly inputPtr: number;
  private readonly inputCap: number;
  private readonly memBytes: number;

  constructor(module: WebAssembly.Module, private readonly opts: CoreOptions = {}) {
    this.exports = instantiateCore(module);
    // The module that sorts this thread's flow keys for the NAT reconciliation (key-sort.ts).
    offerKeySortModule(module);
    this.ended = new EndedFlows({ memoryBytes: opts.endedMemoryBytes, dir: opts.spillDir });
    const window = Math.max(opts.windowBytes ?? DEFAULT_WINDOW, 512 << 10);
    const rc = this.exports.init(
      window, opts.flowCapLog2 ?? DEFAULT_FLOW_CAP_LOG2, opts.fragCapLog2 ?? 12, opts.mergeInterfaces ? 0 : 1,
      opts.onRecords ? TRACE_CAP : 0, opts.maxControlStreams ?? DEFAULT_MAX_CONTROL_STREAMS,
    );
    if (rc !== 0) throw new InternalError(rc === 1 ? "wasm core could not allocate its memory" : "invalid table sizes");
    const trc = this.exports.setTftpCapacity(tftpLog2(opts.maxTftpTransfers ?? DEFAULT_MAX_TFTP_TRANSFERS));
    if (trc !== 0) throw new InternalError(trc === 1 ? "wasm core could not allocate its TFTP table" : "invalid TFTP table size");
    this.exports.setTftpAckLimit(opts.maxTftpDuplicateAcks ?? TFTP_ACK_DUPS_MAX);
    const rrc = this.exports.setReasmCapacity(opts.reasmDatagrams ?? DEFAULT_REASM_DATAGRAMS, opts.reasmBytes ?? DEFAULT_REASM_BYTES, opts.reasmTimeoutSeconds ?? DEFAULT_REASM_TIMEOUT_SECONDS);
    if (rrc !== 0) throw new InternalError(rrc === 1 ? "wasm core could not allocate its reassembly store" : "invalid reassembly limits");
    this.inputPtr = this.exports.inputPtr() >>> 0;
    this.inputCap = this.exports.inputCap() >>> 0;
    this.memBytes = this.exports.memory.buffer.byteLength;
    // After every allocation above: the memory's buffer is final (checkMemory).
    this.text = latin1Reader(this.exports.memory.buffer);
    if (opts.interfaceFilter) this.exports.setInterfaceFilter(opts.interfaceFilter.kind === "pcapng" ? 1 : 2, opts.interfaceFilter.value);
    for (const p of opts.ftpPorts ?? [21]) this.exports.setAlgPort(p, AlgKind.Ftp);
    for (const p of opts.rtspPorts ?? [554, 8554]) this.exports.setAlgPort(p, AlgKind.Rtsp);
    for (const p of opts.sipPorts ?? DEFAULT_SIP_PORTS) this.exports.setAlgPort(p, AlgKind.Sip);
    for (const p of opts.tftpPorts ?? DEFAULT_TFTP_PORTS) this.exports.setAlgPort(p, AlgKind.Tftp);
    this.exports.setAlgIdleTimeout(opts.controlIdleSeconds ?? DEFAULT_CONTROL_IDLE_SECONDS);
    if (opts.vxlanPorts) {
      this.exports.setVxlanPort(DEFAULT_VXLAN_PORT, 0);
      for (const p of opts.vxlanPorts) this.exports.setVxlanPort(p, 1);
    }
    this.exports.setTunnelDepth(opts.maxTunnelDepth ?? DEFAULT_MAX_TUNNEL_DEPTH);
    const t = { ...DEFAULT_FLOW_TIMEOUTS, ...opts.flowTimeouts };
    this.exports.setFlowTimeouts(t.tcpClosed * 1000, t.tcpReset * 1000, t.tcpOpening * 1000, t.tcp * 1000, t.other * 1000);
  }

  /** Records of flows that left the wasm table, drained after every feed. */
  private readonly ended: EndedFlows;

  /** Why the ended-flow store could not go to a temporary file past its memory limit, and the records it kept in memory beyond it. */
  get endedNotSpilled(): NotSpilled | undefined {
    return this.ended.notSpilled;
  }

  private drainEnded(dv: DataView, statePtr: number): void {
    const n = dv.getUint32(statePtr + ST_ENDED_COUNT, true);
    if (n === 0) return;
    const p = this.exports.endedPtr() >>> 0;
    this.ended.add(new Uint8Array(this.exports.memory.buffer, p, n * FLOW_SIZE));
    dv.setUint32(statePtr + ST_ENDED_COUNT, 0, true);
  }

  /** Size of wasm linear memory (constant after init). */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  private checkMemory(): void {
    if (this.exports.memory.buffer.byteLength !== this.memBytes) {
      throw new InternalError("wasm memory grew after init");
    }
  }

  /** Streams a whole source through the core. Stops early on a fatal framing error. */
  async run(source: ByteSource): Promise<void> {
    if (this.indexSpent) throw new InternalError("the core's flow index went to its flow table (flows()): it takes no more input");
    const { exports: core, inputPtr, inputCap } = this;
    const mem = new Uint8Array(core.memory.buffer);
    let carry = 0;
    const statePtr = core.statePtr() >>> 0;
    const dv = new DataView(core.memory.buffer);
    /** One feed of INPUT[0, len), repeated while the core pauses for a full output region. */
    const step = (len: number, eof: boolean): boolean => {
      for (;;) {
        const consumed = core.feed(len, eof ? 1 : 0) >>> 0;
        this.checkMemory();
        if (this.opts.onRecords) this.drainTrace(dv, statePtr);
        this.drainEvents(dv, statePtr);
        this.drainEnded(dv, statePtr);
        if (consumed < len) mem.copyWithin(inputPtr, inputPtr + consumed, inputPtr + len);
        carry = len - consumed;
        if (dv.getUint32(statePtr + ST_ERROR, true) !== ErrorCode.None) return false;
        if (dv.getUint32(statePtr + ST_PAUSED, true) === 0) break;
        len = carry;
      }
      this.opts.onProgress?.(this.offset());
      return true;
    };
    if (isPull(source)) {
      const piece = Math.max(this.opts.readBytes ?? DEFAULT_READ, 4096);
      for (;;) {
        const r = source.read(mem.subarray(inputPtr + carry, inputPtr + Math.min(inputCap, carry + piece)));
        const n = typeof r === "number" ? r : await r;
        if (!step(carry + n, n === 0) || n === 0) return this.finish(dv, statePtr);
      }
    }
    const piece = Math.max(this.opts.readBytes ?? DEFAULT_READ, 4096);
    for await (const chunk of source) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(inputCap - carry, chunk.length - off, Math.max(piece, 1));
        mem.set(chunk.subarray(off, off + n), inputPtr + carry);
        off += n;
        if (!step(carry + n, false)) return this.finish(dv, statePtr);
      }
    }
    step(carry, true);
    this.finish(dv, statePtr);
  }

  /** End of input: held control-stream data and unfinished lines are reported (drained as they come). */
  private finish(dv: DataView, statePtr: number): void {
    while (this.exports.algFinish() === 0) this.drainEvents(dv, statePtr);
    this.drainEvents(dv, statePtr);
    while (this.exports.tftpFinish() === 0) this.drainEvents(dv, statePtr);
    this.drainEvents(dv, statePtr);
  }

  /** Latin-1 text of wasm memory [start, end) (see latin1Reader). */
  private readonly text: (start: number, end: number) => string;

  /** Hands every event written since the last drain to onEvents and frees the rings. */
  private drainEvents(dv: DataView, statePtr: number): void {
    const head = dv.getUint32(statePtr + ST_EV_HEAD, true);
    const tail = dv.getUint32(statePtr + ST_EV_TAIL, true);
    if (head === tail) return;
    // At its length from the start: a drain hands on up to EVENT_CAP events, and an array grown
    // by push is copied at every growth (several MiB over a SIP-dense capture).
    const out: AlgEvent[] = this.opts.onEvents ? new Array<AlgEvent>((head - tail) >>> 0) : [];
    let n = 0;
    if (this.opts.onEvents) {
      const base = this.exports.eventsPtr() >>> 0;
      const text = this.exports.textPtr() >>> 0;
      const mem = new Uint8Array(this.exports.memory.buffer);
      for (let i = tail; i !== head; i = (i + 1) >>> 0) {
        const e = base + (i & (EVENT_CAP - 1)) * EVENT_SIZE;
        const t = dv.getUint32(e + EV_TEXT, true) % TEXT_CAP;
        const len = dv.getUint32(e + EV_TEXTLEN, true);
        const family = dv.getUint8(e + EV_FAMILY) as 0 | 4 | 6;
        const kind = dv.getUint16(e + EV_KIND, true) as EventKind;
        out[n++] = {
          kind,
          dir: dv.getUint8(e + EV_DIR) as 0 | 1,
          alg: ALG_NAMES[dv.getUint8(e + EV_ALG)] ?? "ftp",
          flow: dv.getUint32(e + EV_FLOW, true),
          packet: dv.getUint32(e + EV_PACKET, true),
          ts: dv.getBigUint64(e + EV_TS, true),
          text: this.text(text + t, text + t + len),
          flags: dv.getUint32(e + EV_FLAGS, true),
          code: dv.getUint16(e + EV_CODE, true),
          reason: dv.getUint16(e + EV_REASON, true),
          port: dv.getUint32(e + EV_PORT, true),
          family,
          addr: family ? mem.slice(e + EV_ADDR, e + EV_ADDR + 16) : undefined,
          lineInSegment: dv.getUint8(e + EV_LINE_IN_SEG),
          segments: dv.getUint16(e + EV_SEGMENTS, true),
          seq: dv.getUint32(e + EV_SEQ, true),
          tftp: kind === EvKind.TftpPacket ? {
            requestFlow: dv.getUint32(e + EV_TFTP_REQ_FLOW, true),
            requestPacket: dv.getUint32(e + EV_TFTP_REQ_PKT, true),
            bytes: Number(dv.getBigUint64(e + EV_TFTP_BYTES, true)),
            duplicateAcks: dv.getUint32(e + EV_TFTP_ACK_DUPS, true) >>> 8,
          } : undefined,
        };
      }
    }
    // Every event is drained: both rings start again at their first byte. Wasm reads the heads and
    // tails from STATE at each event (alg/events.ts), so the rings' resident pages are those of the
    // most events and text one feed wrote (kilobytes), not the whole 4 + 1 MiB once a capture has
    // sent that many through them (on the 4 GiB churn capture, 69 k events: both rings, to the end).
    dv.setUint32(statePtr + ST_EV_HEAD, 0, true);
    dv.setUint32(statePtr + ST_EV_TAIL, 0, true);
    dv.setUint32(statePtr + ST_TEXT_HEAD, 0, true);
    dv.setUint32(statePtr + ST_TEXT_TAIL, 0, true);
    if (out.length) this.opts.onEvents!(out);
  }

  /** Events dropped because one packet alone produced more than the empty rings hold. */
  eventsDropped(): number {
    return new DataView(this.exports.memory.buffer).getUint32((this.exports.statePtr() >>> 0) + ST_EV_DROPPED, true);
  }

  /** Packet of the first event dropped (0 = none). */
  firstDroppedEventPacket(): number {
    return new DataView(this.exports.memory.buffer).getUint32((this.exports.statePtr() >>> 0) + ST_EV_DROPPED_PACKET, true);
  }

  private drainTrace(dv: DataView, statePtr: number): void {
    const n = dv.getUint32(statePtr + ST_TRACE_COUNT, true);
    if (n === 0) return;
    const base = this.exports.tracePtr() >>> 0;
    const first = dv.getUint32(statePtr + ST_PACKETS, true) - n + 1;
    const out: RecordInfo[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const e = base + i * TRACE_SIZE;
      out[i] = {
        packet: first + i,
        offset: Number(dv.getBigUint64(e + TR_OFFSET, true)),
        ts: dv.getBigUint64(e + TR_TS, true),
        caplen: dv.getUint32(e + TR_CAPLEN, true),
        origLen: dv.getUint32(e + TR_ORIGLEN, true),
        linkType: dv.getUint32(e + TR_LINKTYPE, true),
        interface: dv.getUint32(e + TR_IFACE, true),
      };
    }
    dv.setUint32(statePtr + ST_TRACE_COUNT, 0, true);
    this.opts.onRecords!(out);
  }

  private offset(): number {
    return Number(new DataView(this.exports.memory.buffer).getBigUint64((this.exports.statePtr() >>> 0) + ST_OFFSET, true));
  }

  state(): CoreState {
    const dv = new DataView(this.exports.memory.buffer);
    const sp = this.exports.statePtr() >>> 0;
    const fmt = dv.getUint32(sp + ST_FORMAT, true);
    const nlt = dv.getUint32(sp + ST_NLINKTYPES, true);
    const linkTypes: number[] = [];
    for (let i = 0; i < nlt; i++) linkTypes.push(dv.getUint32(sp + ST_LINKTYPES + 4 * i, true));
    const code = dv.getUint32(sp + ST_ERROR, true) as ErrorCode;
    return {
      format: fmt === CaptureFormat.Pcap ? "pcap" : fmt === CaptureFormat.Pcapng ? "pcapng" : "unknown",
      packets: dv.getUint32(sp + ST_PACKETS, true),
      offset: Number(dv.getBigUint64(sp + ST_OFFSET, true)),
      flows: dv.getUint32(sp + ST_FLOWS, true),
      interfaces: dv.getUint32(sp + ST_IFACES, true),
      linkTypes,
      error: code === ErrorCode.None ? undefined : {
        code,
        offset: Number(dv.getBigUint64(sp + ST_ERROR_OFFSET, true)),
        detail: dv.getUint32(sp + ST_ERROR_DETAIL, true),
        detail2: dv.getUint32(sp + ST_ERROR_DETAIL2, true),
      },
      firstFullPacket: dv.getUint32(sp + ST_FULL_PACKET, true),
      firstOversnapPacket: dv.getUint32(sp + ST_OVERSNAP_PACKET, true),
      firstOrphanFragmentPacket: dv.getUint32(sp + ST_ORPHAN_FRAG_PACKET, true),
      firstUnsupportedPacket: dv.getUint32(sp + ST_UNSUPPORTED_PACKET, true),
      firstDecapPacket: dv.getUint32(sp + ST_DECAP_PACKET, true),
      firstReasmPacket: dv.getUint32(sp + ST_REASM_PACKET, true),
    };
  }

  /** Counters by enum Stat name, in lowerCamelCase (e.g. `malformedIpv4`). */
  stats(): Record<string, number> {
    const dv = new DataView(this.exports.memory.buffer);
    const base = this.exports.statsPtr() >>> 0;
    const out: Record<string, number> = {};
    for (let i = 0; i < Stat.Count; i++) {
      const name = Stat[i];
      out[name[0].toLowerCase() + name.slice(1)] = Number(dv.getBigUint64(base + 8 * i, true));
    }
    return out;
  }

  /**
   * Every flow (those in the wasm table and those that left it), in flow-id order. Once the
   * capture has been read, the table's flow index and free-slot stack (FLOWIX, 8 bytes a slot)
   * are idle, and resident (the index was probed all over, the stack went deep where flows left):
   * the table's map of flow id → where keeps its 4 bytes a flow there when it fits (2 × flowCap
   * flows), instead of in a new array (2.2 MiB for the 558 k flows of the 4 GiB churn capture,
   * bench/PERFORMANCE-LOG.md "Flows that come and go"). The core takes no more input after that.
   */
  flows(): FlowTable {
    const cap = this.exports.flowCap() >>> 0;
    const buffer = this.exports.memory.buffer;
    const pages = new Uint8Array(buffer, this.exports.flowPagesPtr() >>> 0, Math.ceil((cap * FLOW_SIZE) / FLOW_PAGE));
    const count = this.state().flows;
    const ix = this.exports.flowIndexPtr() >>> 0;
    // The index and the free stack are laid out back to back (assembly/memory.ts layout).
    const idle = (this.exports.flowFreePtr() >>> 0) === ix + cap * 4 ? 2 * cap : 0;
    let slots: Uint32Array | undefined;
    if (count <= idle) {
      // The core writes the map there itself (the flows still in its table; the ended ones are
      // marked by the FlowTable).
      this.exports.flowSlotMap(ix, count);
      slots = new Uint32Array(buffer, ix, count);
      this.indexSpent = true;
    }
    return new FlowTable(buffer, this.exports.flowsPtr() >>> 0, cap, count, this.ended, pages, slots, "table");
  }

  /** The flow index was handed to a FlowTable (flows()): a further feed would probe garbage. */
  private indexSpent = false;
}
