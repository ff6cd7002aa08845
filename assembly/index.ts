/**
 * Export manifest of the wasm core. Lifecycle (one fresh instance per capture):
 *   init(inputCap, flowCapLog2, fragCapLog2, splitInterfaces, traceCap, ctrlCap) → 0 ok / 1 no memory / 2 bad sizes
 *   setAlgPort(port, AlgKind) for each FTP/RTSP control port (before the first feed)
 *   setAlgIdleTimeout(seconds) optionally (default 600)
 *   setVxlanPort(port, on) / setTunnelDepth(n) optionally (defaults: VXLAN on 4789, 4 tunnel layers)
 *   host reads the region pointers below once, checks abiVersion() and the record sizes,
 *   then loops: copy bytes to INPUT[carry…], consumed = feed(carry + n, eof), move the tail.
 *   at the end: algFinish() until it returns 1, draining the event rings between calls.
 * Memory does not grow after init.
 */
import { ABI_VERSION, FLOW_SIZE, STAT_COUNT } from "./abi";
import * as mem from "./memory";
import { setSplitInterfaces } from "./flow/table";
export { feed, setInterfaceFilter } from "./capture/reader";
export { writeFlowList } from "./report/json";
export { setFlowTimeouts, flowSlotMap } from "./flow/table";
export { setAlgPort, setAlgIdleTimeout, algFinish } from "./alg/stream";
export { setTunnelDepth } from "./wire/decode";
export { setVxlanPort } from "./wire/tunnel";
import { setVxlanPort, VXLAN_DEFAULT_PORT } from "./wire/tunnel";
export { tftpFinish } from "./alg/tftp";
import { reasmLimits, reasmSlotSize } from "./flow/reasm";

/**
 * Sizes the IP reassembly store of UDP ALG datagrams (flow/reasm.ts): `datagrams` held at once
 * (0..4096; 0 = no reassembly), each at most `bytes` long (8..65535), complete within `timeout`
 * seconds. 0 ok, 1 no memory, 2 bad sizes.
 */
export function setReasmCapacity(datagrams: u32, bytes: u32, timeoutSeconds: u32): i32 {
  if (datagrams > 4096 || bytes < 8 || bytes > 65535) return 2;
  reasmLimits(bytes, timeoutSeconds);
  return mem.reasmLayout(datagrams, reasmSlotSize(bytes)) ? 0 : 1;
}
import { TFTP_ENTRY } from "./alg/tftp";
export { setTftpAckLimit } from "./alg/tftp";

/** Sizes the TFTP transfer table: 2^log2 entries (2..16; 0 = none). 0 ok, 1 no memory, 2 bad size. */
export function setTftpCapacity(log2: u32): i32 {
  if (log2 != 0 && (log2 < 2 || log2 > 16)) return 2;
  return mem.tftpLayout(log2, TFTP_ENTRY) ? 0 : 1;
}

export function init(
  inputCap: u32, flowCapLog2: u32, fragCapLog2: u32, splitInterfaces: bool, traceCap: u32, ctrlCap: u32,
): i32 {
  if (flowCapLog2 < 4 || flowCapLog2 > 26 || fragCapLog2 < 4 || fragCapLog2 > 20) return 2;
  if (traceCap > (1 << 20) || ctrlCap > (1 << 16)) return 2;
  if (!mem.layout(inputCap, flowCapLog2, fragCapLog2, traceCap, ctrlCap)) return 1;
  setSplitInterfaces(splitInterfaces);
  setVxlanPort(VXLAN_DEFAULT_PORT, true);
  return 0;
}

export function abiVersion(): u32 { return ABI_VERSION; }
export function flowRecordSize(): u32 { return FLOW_SIZE; }
export function statCount(): u32 { return STAT_COUNT; }
export function inputPtr(): usize { return mem.inputPtr; }
export function inputCap(): u32 { return mem.inputCap; }
export function flowsPtr(): usize { return mem.flowsPtr; }
export function flowCap(): u32 { return mem.flowCap; }
/** One byte per 4 KiB page of the flow table: non-zero once a flow was stored there (see memory.ts). */
export function flowPagesPtr(): usize { return mem.flowPagesPtr; }
export function flowIndexPtr(): usize { return mem.flowIndexPtr; }
/** The stack of freed FLOWS slots (4 bytes a slot, flowCap slots), right after the flow index. */
export function flowFreePtr(): usize { return mem.flowFreePtr; }
export function statsPtr(): usize { return mem.statsPtr; }
export function statePtr(): usize { return mem.statePtr; }
export function memoryEnd(): usize { return mem.memEnd; }
export function tracePtr(): usize { return mem.tracePtr; }
export function outPtr(): usize { return mem.outPtr; }
export function eventsPtr(): usize { return mem.eventsPtr; }
export function textPtr(): usize { return mem.textPtr; }
export function endedPtr(): usize { return mem.endedPtr; }
export function orderPtr(): usize { return mem.orderPtr; }
/** `router --json` of the usual `conntrack -L` lines, scanned and written here (conntrack-json.ts; no init() needed). */
export { ctInit, ctInput, ctInPtr, ctInCap, ctEntPtr, ctFlowPtr, ctStrPtr, ctStrCap, ctStatus, ctEntLen, ctFlowLen, ctLines, ctSetup, ctRun, ctLook } from "./conntrack-json";

/** Flow ids sorted by endpoint key, in an instance of its own (kernel/key-sort.ts; no init() needed). */
export { keySortReserve, keySortStart, keySortCount, keySortPasses, keySortPrefix, keySortScatter, keySortSwap, keySortIds, keySortKeys } from "./kernel/key-sort";
