/**
 * The memory map: every region is carved out once by `layout()` (called from `init`) and memory
 * never grows afterwards, so host views stay valid for the life of the instance. Nothing in the
 * hot path allocates: the stub runtime is linked only for the compiler's sake.
 */
import {
  ENDED_CAP, EVENT_CAP, EVENT_SIZE, FLOW_SIZE, FRAG_SIZE, IFACE_MAX, IFACE_SIZE, OUT_SIZE, STAT_COUNT,
  STATE_SIZE, TEXT_CAP, TRACE_SIZE,
} from "./abi";
import { STREAM_SIZE } from "./alg/layout";

export let inputPtr: usize = 0;
export let inputCap: u32 = 0;
export let flowsPtr: usize = 0;
export let flowCap: u32 = 0;
export let flowMask: u32 = 0;
/**
 * One byte per 4 KiB page of the flow table, set when a flow is first stored in that page: the
 * host reads only those pages when it locates the flows (an untouched page read from the host
 * would become resident: 64 MiB for the default table, whatever the capture).
 */
export let flowPagesPtr: usize = 0;
/** Bytes of the flow table per byte of its page marks (the host's FLOW_PAGE, src/capture/flow-table.ts). */
export const FLOW_PAGE: usize = 4096;
/**
 * The flow index (flow/table.ts): flowCap u32 entries (hash fingerprint | record slot + 1), the
 * open-addressing table the packets probe; the records themselves sit in FLOWS in the order they
 * were made, so the flows of one moment share cache lines and pages.
 */
export let flowIndexPtr: usize = 0;
/** FLOWS slots freed by flows that left the table (u32 stack, flowCap entries; touched only on churn). */
export let flowFreePtr: usize = 0;
export let fragsPtr: usize = 0;
export let fragMask: u32 = 0;
export let ifacesPtr: usize = 0;
export let statsPtr: usize = 0;
export let statePtr: usize = 0;
export let tracePtr: usize = 0;
export let traceCap: u32 = 0;
export let batchPtr: usize = 0;
export let algPortsPtr: usize = 0;
export let streamsPtr: usize = 0;
export let streamCap: u32 = 0;
export let eventsPtr: usize = 0;
export let textPtr: usize = 0;
export let orderPtr: usize = 0;
export let outPtr: usize = 0;
export let outCap: u32 = 0;
export let endedPtr: usize = 0;
export let memEnd: usize = 0;
/** IP reassembly store (flow/reasm.ts), appended by reasmLayout after init. */
export let reasmPtr: usize = 0;
export let reasmSlots: u32 = 0;
/** TFTP transfer table (alg/tftp.ts), appended by tftpLayout after init. */
export let tftpPtr: usize = 0;
export let tftpCap: u32 = 0;

@inline function align(p: usize, a: usize): usize {
  return (p + a - 1) & ~(a - 1);
}

/**
 * Lays the regions out back to back after the static data and grows memory once to hold them.
 * Returns false when memory could not be grown (the host reports it as an internal error).
 */
export function layout(inCap: u32, flowCapLog2: u32, fragCapLog2: u32, trCap: u32, ctrlCap: u32): bool {
  let p = align(__heap_base, 64);
  statePtr = p;
  p += STATE_SIZE;
  statsPtr = p;
  p += <usize>STAT_COUNT * 8;
  ifacesPtr = align(p, 64);
  p = ifacesPtr + <usize>IFACE_MAX * IFACE_SIZE;
  flowCap = 1 << flowCapLog2;
  flowMask = flowCap - 1;
  flowsPtr = align(p, 4096);
  p = flowsPtr + <usize>flowCap * FLOW_SIZE;
  flowPagesPtr = p;
  p += (<usize>flowCap * FLOW_SIZE + 4095) >> 12;
  flowIndexPtr = align(p, 64);
  p = flowIndexPtr + (<usize>flowCap) * 4;
  flowFreePtr = align(p, 64);
  p = flowFreePtr + (<usize>flowCap) * 4;
  fragMask = (1 << fragCapLog2) - 1;
  fragsPtr = align(p, 64);
  p = fragsPtr + (<usize>(fragMask + 1)) * FRAG_SIZE;
  // ALG: port → AlgKind table, control streams, event ring and its text ring.
  algPortsPtr = align(p, 64);
  p = algPortsPtr + 65536;
  streamsPtr = align(p, 64);
  streamCap = ctrlCap;
  p = streamsPtr + (<usize>ctrlCap) * STREAM_SIZE;
  eventsPtr = align(p, 64);
  p = eventsPtr + (<usize>EVENT_CAP) * EVENT_SIZE;
  textPtr = align(p, 64);
  p = textPtr + TEXT_CAP + 64;
  // SCRATCH: the packet batch (flow/batch.ts), wasm-private.
  batchPtr = align(p, 64);
  p = batchPtr + 32 * 96;
  orderPtr = align(p, 64);
  p = orderPtr + (<usize>flowCap) * 4;
  outPtr = align(p, 64);
  outCap = OUT_SIZE;
  p = outPtr + OUT_SIZE;
  endedPtr = align(p, 64);
  p = endedPtr + <usize>ENDED_CAP * FLOW_SIZE;
  tracePtr = align(p, 64);
  traceCap = trCap;
  p = tracePtr + (<usize>trCap) * TRACE_SIZE;
  inputPtr = align(p, 64);
  inputCap = inCap;
  p = inputPtr + inCap;
  memEnd = align(p, 65536);
  let have = <usize>memory.size() << 16;
  if (memEnd > have) {
    if (memory.grow(<i32>((memEnd - have) >> 16)) < 0) return false;
  }
  // A fresh instance's memory is zero: the regions need no clearing (and not touching the
  // flow table keeps resident memory proportional to the flows actually stored).
  return true;
}

/**
 * Appends the TFTP transfer table (2^log2 entries of `entrySize` bytes; 0 entries when log2 is 0)
 * after the regions of `layout`, growing memory once more. Called by the host right after init,
 * before the first feed. Returns false when memory could not be grown.
 */
export function tftpLayout(log2: u32, entrySize: usize): bool {
  if (log2 == 0) return true;
  if (tftpCap != 0) return false;
  tftpPtr = memEnd;
  tftpCap = 1 << log2;
  memEnd = align(tftpPtr + (<usize>tftpCap) * entrySize, 65536);
  let have = <usize>memory.size() << 16;
  if (memEnd > have && memory.grow(<i32>((memEnd - have) >> 16)) < 0) return false;
  return true;
}

/**
 * Appends the IP reassembly store (`slots` × `slotSize` bytes; none when slots is 0) after the
 * regions already laid out, growing memory once more. Called by the host right after init, before
 * the first feed. Returns false when memory could not be grown.
 */
export function reasmLayout(slots: u32, slotSize: usize): bool {
  if (slots == 0) return true;
  if (reasmSlots != 0) return false;
  reasmPtr = align(memEnd, 64);
  memEnd = align(reasmPtr + (<usize>slots) * slotSize, 65536);
  let have = <usize>memory.size() << 16;
  if (memEnd > have && memory.grow(<i32>((memEnd - have) >> 16)) < 0) return false;
  reasmSlots = slots;
  return true;
}
