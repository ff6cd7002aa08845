/**
 * Platform-neutral capture scan: one capture → wasm core → reader state, flow table, counters
 * and located diagnostics. No fs, no process: the node and browser entries supply the bytes and
 * the compiled wasm module.
 */
import { ErrorCode, MAX_WINDOW } from "../wasm/abi.js";
import { CaptureCore, type ByteSource, type CoreOptions, type CoreState, type FlowTable } from "../wasm/core.js";
import type { CaptureInfo, Diagnostic, FlowsReport } from "../types.js";

export interface ScanOptions extends CoreOptions {
  /** Name used in diagnostics and the report (a path, or a File name in the browser). */
  file: string;
}

/** Everything one pass over a capture produced. The flow table stays a view over wasm memory. */
export interface CaptureScan {
  info: CaptureInfo;
  state: CoreState;
  flows: FlowTable;
  stats: Record<string, number>;
  diagnostics: Diagnostic[];
  /** wasm linear memory size before and after the run (equal: memory never grows). */
  memoryBytes: number;
  /** The wasm instance (absent when the scan ran in a worker and only its results came back). */
  core?: CaptureCore;
}

export async function scanCapture(module: WebAssembly.Module, source: ByteSource, opts: ScanOptions): Promise<CaptureScan> {
  const core = new CaptureCore(module, opts);
  await core.run(source);
  const state = core.state();
  const stats = core.stats();
  const diagnostics = captureDiagnostics(opts.file, state, stats, opts);
  const kept = core.endedNotSpilled;
  if (kept) {
    diagnostics.push({
      code: "ended_flows_in_memory", severity: "warning", file: opts.file, packet: kept.packet, count: kept.records,
      message: `the records of flows that left the flow table passed --ended-memory and could not go to a temporary file (${kept.reason}): ${kept.records} were kept in memory`,
    });
  }
  const info: CaptureInfo = {
    file: opts.file,
    format: state.format,
    linkTypes: state.linkTypes,
    packets: state.packets,
    bytes: state.offset,
    truncatedPackets: stats.truncated,
    partial: state.error !== undefined,
  };
  return { info, state, flows: core.flows(), stats, diagnostics, memoryBytes: core.memoryBytes, core };
}

const hex = (n: number, digits = 8) => "0x" + (n >>> 0).toString(16).padStart(digits, "0");

/** The fatal framing error as a located diagnostic: code, and what was expected. */
export function errorDiagnostic(file: string, state: CoreState): Diagnostic | undefined {
  const e = state.error;
  if (!e) return undefined;
  const ng = state.format === "pcapng";
  let code: string;
  let message: string;
  switch (e.code) {
    case ErrorCode.BadMagic:
      code = "bad_magic";
      message = ng
        ? `bad pcapng byte-order magic ${hex(e.detail)}: expected 0x1a2b3c4d in either byte order`
        : `not a capture file: expected a pcap magic (a1b2c3d4 or a1b23c4d, either byte order) or a pcapng Section Header Block (0a0d0d0a), found ${hex(e.detail)}`;
      break;
    case ErrorCode.BadVersion:
      code = "bad_version";
      message = ng
        ? `unsupported pcapng section version ${e.detail}.${e.detail2}: expected 1.0`
        : `unsupported pcap version ${e.detail}.${e.detail2}: expected 2.4 (other 2.x minor versions are tolerated)`;
      break;
    case ErrorCode.Truncated:
      code = "truncated_record";
      message = state.format === "unknown" || (state.packets === 0 && e.offset === 0)
        ? `file too short to be a capture: ${e.detail} bytes, expected at least ${e.detail2}`
        : `file ends inside a ${ng ? "block" : "record"}: ${e.detail} bytes present, ${e.detail2} expected`;
      break;
    case ErrorCode.CaplenTooLarge:
      code = "caplen_too_large";
      message = `record header at this offset gives a captured length of ${e.detail} bytes, more than the maximum of ${e.detail2}`;
      break;
    case ErrorCode.BadBlockLength:
      code = "bad_block_length";
      message = e.detail2
        ? `pcapng block total length ${e.detail} is shorter than the ${e.detail2} bytes this block type needs`
        : `pcapng block total length ${e.detail} is invalid: expected at least 12 and a multiple of 4`;
      break;
    case ErrorCode.BlockLengthMismatch:
      code = "block_length_mismatch";
      message = `pcapng trailing block length ${e.detail2} differs from the leading block length ${e.detail}`;
      break;
    case ErrorCode.RecordTooLarge:
      code = "record_too_large";
      message = `record of ${e.detail} bytes does not fit the ${e.detail2}-byte input window (raise --window)`;
      break;
    case ErrorCode.RecordBeyondWindow:
      code = "record_too_large";
      message = ng
        ? `pcapng block total length ${e.detail}: no input window can hold it (--window is at most ${MAX_WINDOW >>> 20} MiB)`
        : `record header gives a captured length of ${e.detail} bytes (a record of ${e.detail + e.detail2} bytes): no input window can hold it (--window is at most ${MAX_WINDOW >>> 20} MiB)`;
      break;
    case ErrorCode.OptionOverrun:
      code = "option_overrun";
      message = `pcapng option code ${e.detail} with length ${e.detail2} runs past the end of its block`;
      break;
    case ErrorCode.PacketOverrun:
      code = "packet_overrun";
      message = `pcapng packet data length ${e.detail} exceeds the ${e.detail2} bytes its block holds`;
      break;
    case ErrorCode.NoSectionHeader:
      code = "no_section_header";
      message = `pcapng block type ${hex(e.detail)} before any Section Header Block`;
      break;
    case ErrorCode.BadInterface:
      code = "bad_interface";
      message = `pcapng packet names interface ${e.detail}, but its section declares ${e.detail2} interface(s)`;
      break;
    case ErrorCode.TooManyInterfaces:
      code = "too_many_interfaces";
      message = `pcapng section declares more than ${e.detail2} interfaces`;
      break;
    default:
      code = "capture_error";
      message = `capture error ${e.code}`;
  }
  return {
    code,
    severity: "error",
    message: `${message}; decoding stopped at byte offset ${e.offset} after ${state.packets} packet(s)`,
    file,
    offset: e.offset,
    packet: state.packets + 1,
  };
}

/** Diagnostics for the fatal error (if any) and for every counted condition worth a word. */
export function captureDiagnostics(file: string, state: CoreState, stats: Record<string, number>, opts: CoreOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const err = errorDiagnostic(file, state);
  if (err) out.push(err);
  if (stats.unattributed > 0) {
    const slots = 1 << (opts.flowCapLog2 ?? 19);
    out.push({
      code: "flow_table_full",
      severity: "warning",
      message: `flow table full: ${slots - (slots >> 2)} flows live at once (none of them ended or quiet past its timeout; ${state.flows} flows in all): ${stats.unattributed} packet(s) of new flows were counted as unattributed; raise --max-flows`,
      file,
      packet: state.firstFullPacket,
      count: stats.unattributed,
    });
  }
  if (stats.linkUnsupported > 0) {
    out.push({
      code: "unsupported_link_type",
      severity: "warning",
      message: `${stats.linkUnsupported} packet(s) of a link type that is not decoded (link types in file: ${state.linkTypes.join(", ")})`,
      file,
      packet: state.firstUnsupportedPacket,
      count: stats.linkUnsupported,
    });
  }
  if (stats.caplenOverSnaplen > 0) {
    out.push({
      code: "caplen_exceeds_snaplen",
      severity: "warning",
      message: `${stats.caplenOverSnaplen} record(s) capture more bytes than the file's snapshot length (tolerated)`,
      file,
      packet: state.firstOversnapPacket,
      count: stats.caplenOverSnaplen,
    });
  }
  if (stats.fragmentsUnattributed > 0) {
    out.push({
      code: "fragment_without_first",
      severity: "info",
      message: `${stats.fragmentsUnattributed} non-first IP fragment(s) whose first fragment was not seen were counted but not attributed to a flow`,
      file,
      packet: state.firstOrphanFragmentPacket,
      count: stats.fragmentsUnattributed,
    });
  }
  out.push(...tunnelDiagnostics(file, state, stats));
  out.push(...reassemblyDiagnostics(file, state, stats, opts));
  const malformed: [string, string, string][] = [
    ["malformedLink", "malformed_link", "link-layer header"], ["malformedIpv4", "malformed_ipv4", "IPv4 header"],
    ["malformedIpv6", "malformed_ipv6", "IPv6 header"], ["malformedTcp", "malformed_tcp", "TCP header"],
    ["malformedUdp", "malformed_udp", "UDP header"],
  ];
  for (const [key, code, what] of malformed) {
    if (stats[key] > 0) {
      out.push({
        code,
        severity: "warning",
        message: `${stats[key]} packet(s) with a malformed or cut ${what}`,
        file,
        count: stats[key],
      });
    }
  }
  if (stats.truncated > 0) {
    out.push({
      code: "truncated_packets",
      severity: "info",
      message: `${stats.truncated} packet(s) captured shorter than their original length (snaplen); decoded as far as captured`,
      file,
      count: stats.truncated,
    });
  }
  return out;
}

/**
 * What the decoder did with tunnels (wire/tunnel.ts): an info line with the layers removed per
 * kind, a warning for packets nested deeper than --max-tunnel-depth, and one for tunnels left on
 * their own flow (cut or invalid headers, unsupported GRE, tunnel packets that are fragments).
 */
function tunnelDiagnostics(file: string, state: CoreState, stats: Record<string, number>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const kinds: [string, string][] = [["decapIpInIp", "IP-in-IP"], ["decapGre", "GRE"], ["decapErspan", "ERSPAN"], ["decapVxlan", "VXLAN"]];
  const removed = kinds.reduce((n, [k]) => n + (stats[k] ?? 0), 0);
  if (removed > 0) {
    out.push({
      code: "tunnels_decapsulated",
      severity: "info",
      message: `${removed} tunnel layer(s) removed (${kinds.filter(([k]) => stats[k]).map(([k, name]) => `${name} ${stats[k]}`).join(", ")}); flows are those of the innermost packets`,
      file,
      count: removed,
    });
  }
  if (stats.decapTooDeep > 0) {
    out.push({
      code: "tunnel_too_deep",
      severity: "warning",
      message: `${stats.decapTooDeep} packet(s) nested in more tunnels than --max-tunnel-depth: counted to the flow of the deepest layer decoded`,
      file,
      packet: state.firstDecapPacket,
      count: stats.decapTooDeep,
    });
  }
  const left: [string, string][] = [
    ["decapMalformed", "cut or invalid tunnel header or inner packet"], ["decapUnsupported", "unsupported GRE version, routing or payload type, or ERSPAN frame type"],
    ["decapFragmented", "tunnel packet that is itself an IP fragment"],
  ];
  const n = left.reduce((s, [k]) => s + (stats[k] ?? 0), 0);
  if (n > 0) {
    out.push({
      code: "tunnel_not_decapsulated",
      severity: "warning",
      message: `${n} tunnel packet(s) counted to the tunnel's own flow, not decapsulated: ${left.filter(([k]) => stats[k]).map(([k, why]) => `${stats[k]} ${why}`).join("; ")}`,
      file,
      packet: stats.decapTooDeep > 0 ? undefined : state.firstDecapPacket,
      count: n,
    });
  }
  return out;
}

/**
 * Fragmented UDP datagrams of ALG ports (SIP, TFTP) that the ALG parser never saw whole
 * (assembly/flow/reasm.ts): each reason with its limit. Reassembled ones are in stats.reasmDatagrams.
 */
function reassemblyDiagnostics(file: string, state: CoreState, stats: Record<string, number>, opts: CoreOptions): Diagnostic[] {
  const why: [string, string][] = [
    ["reasmEvicted", `evicted from the full store (--reasm-datagrams ${opts.reasmDatagrams ?? 32}) or their flow left the table`],
    ["reasmTimeouts", `not complete within --reasm-timeout ${opts.reasmTimeoutSeconds ?? 30} s`],
    ["reasmOverlaps", "overlapping or inconsistent fragments (discarded, as Linux does)"],
    ["reasmTooLarge", `longer than --reasm-bytes ${opts.reasmBytes ?? 65535}`],
    ["reasmIncomplete", "still missing fragments at the end of the capture"],
  ];
  const n = why.reduce((s, [k]) => s + (stats[k] ?? 0), 0);
  if (n === 0) return [];
  return [{
    code: "reassembly_incomplete",
    severity: "warning",
    message: `${n} fragmented UDP datagram(s) of ALG ports were not reassembled, so their ALG never parsed them: ${why.filter(([k]) => stats[k]).map(([k, w]) => `${stats[k]} ${w}`).join("; ")}`,
    file,
    packet: state.firstReasmPacket || undefined,
    count: n,
  }];
}

/** Materialises the whole `flows --json` report (for library users and tests; the CLI streams). */
export function flowsReport(scan: CaptureScan): FlowsReport {
  return {
    schemaVersion: 1,
    capture: scan.info,
    flows: [...scan.flows],
    stats: scan.stats,
    diagnostics: scan.diagnostics,
  };
}
