/**
 * Builds a fresh wasm core instance per capture from a compiled module. No I/O here: the node
 * and browser entries obtain the module (from a file or a fetch) and pass it in.
 */
import { ABI_VERSION, FLOW_SIZE, STAT_COUNT } from "./abi.js";

/** The raw exports of assembly/index.ts (numbers only; u32 results may come back negative). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(inputCap: number, flowCapLog2: number, fragCapLog2: number, splitInterfaces: number, traceCap: number, ctrlCap: number): number;
  feed(len: number, eof: number): number;
  abiVersion(): number;
  flowRecordSize(): number;
  statCount(): number;
  inputPtr(): number;
  inputCap(): number;
  flowsPtr(): number;
  flowCap(): number;
  flowPagesPtr(): number;
  /** The flow index (4 bytes a slot, flowCap slots). */
  flowIndexPtr(): number;
  /** The stack of freed FLOWS slots (4 bytes a slot, flowCap slots). */
  flowFreePtr(): number;
  /** Writes the map of flow id → FLOWS slot (ids 1..count, 0 for a flow not in the table) at `dst` (assembly/flow/table.ts). */
  flowSlotMap(dst: number, count: number): void;
  statsPtr(): number;
  statePtr(): number;
  memoryEnd(): number;
  tracePtr(): number;
  outPtr(): number;
  setAlgPort(port: number, kind: number): void;
  setAlgIdleTimeout(seconds: number): void;
  setVxlanPort(port: number, on: number): void;
  setTunnelDepth(n: number): void;
  /** 0 ok, 1 no memory, 2 bad limits. */
  setReasmCapacity(datagrams: number, bytes: number, timeoutSeconds: number): number;
  /** 1 when every control stream is finished; 0 when the event rings must be drained first. */
  algFinish(): number;
  /** Sizes the TFTP transfer table (2^log2 entries; 0 = none), after init: 0 ok, 1 no memory, 2 bad size. */
  setTftpCapacity(log2: number): number;
  /** Repeated ACKs counted per TFTP transfer (clamped to TFTP_ACK_DUPS_MAX). */
  setTftpAckLimit(n: number): void;
  /** 1 when every followed TFTP transfer was summarised; 0 when the event rings must be drained first. */
  tftpFinish(): number;
  setInterfaceFilter(kind: number, value: number): void;
  eventsPtr(): number;
  textPtr(): number;
  /** Writes the flows ORDER[from, n) names as JSON into OUT; returns the next index (assembly/report/json.ts). */
  writeFlowList(from: number, n: number): number;
  orderPtr(): number;
  endedPtr(): number;
  setFlowTimeouts(closedMs: number, resetMs: number, openingMs: number, tcpMs: number, otherMs: number): void;
}

/** Raised for violated invariants of our own code (a trap, an ABI mismatch): exit code 3. */
export class InternalError extends Error {
  override name = "InternalError";
}

export function compileCore(bytes: BufferSource): WebAssembly.Module {
  return new WebAssembly.Module(bytes);
}

/** What an instance of the core imports: its `abort` (a trap of our own code) raises an InternalError. */
export function coreImports(): WebAssembly.Imports {
  return {
    env: {
      abort(_msg: number, _file: number, line: number, column: number): never {
        throw new InternalError(`wasm core aborted at ${line}:${column}`);
      },
    },
  };
}

/**
 * An instance of the core for a use of its own (the conntrack writer, the key sort), without the
 * capture checks: its exports, or undefined when it cannot be made.
 */
export function coreInstance<T>(module: WebAssembly.Module): T | undefined {
  try {
    return new WebAssembly.Instance(module, coreImports()).exports as unknown as T;
  } catch {
    return undefined;
  }
}

export function instantiateCore(module: WebAssembly.Module): CoreExports {
  const instance = new WebAssembly.Instance(module, coreImports());
  const core = instance.exports as unknown as CoreExports;
  if (core.abiVersion() !== ABI_VERSION) {
    throw new InternalError(`wasm core ABI ${core.abiVersion()} does not match host ABI ${ABI_VERSION}`);
  }
  if (core.flowRecordSize() !== FLOW_SIZE || core.statCount() !== STAT_COUNT) {
    throw new InternalError("wasm core record sizes do not match assembly/abi.ts");
  }
  return core;
}
