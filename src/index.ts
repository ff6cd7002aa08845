/**
 * Public, platform-neutral library surface (no fs, no process). Node users import
 * `alg-verify/node` (src/node/index.ts), which re-exports this plus file helpers.
 */
export * from "./types.js";
export { scanCapture, flowsReport, captureDiagnostics, type CaptureScan, type ScanOptions } from "./capture/scan.js";
export { CaptureCore, FlowTable, type ByteSource, type PullSource, type CoreOptions, type CoreState } from "./wasm/core.js";
export { compileCore, InternalError } from "./wasm/instantiate.js";
export { writeFlowsJson } from "./report/flows-json.js";
export { formatFlowsText } from "./report/flows-text.js";
