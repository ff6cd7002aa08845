/**
 * Node entry of the library (`alg-verify`): file streaming and wasm loading (./files.ts) on top
 * of the platform-neutral core (src/capture, src/wasm), and `runVerify(files, opts)`, the
 * file-level `verify` (its report is what `alg-verify verify --json` prints). Works in Node ≥ 20
 * only; the browser entry is src/browser (`alg-verify/browser`).
 */
export * from "./files.js";
export * from "../index.js";
export { analyzeCapture, type AnalyzeResult, type AnalyzeScanOptions } from "../alg/analyze.js";
export { verify, type VerifyOptions, type VerifyReport } from "../verify/verify.js";
export { predictedJunos, formatVerifyText, evidenceText } from "../report/verify-text.js";
export { formatDiagnostic } from "../report/flows-text.js";
export { parseRouterText, buildRouterReport, formatRouterText, canonicalIp } from "../router/index.js";
export type { RouterParseResult } from "../router/types.js";
export { runVerify, inputErrorOf, type VerifyFiles, type RunVerifyOptions } from "./verify-run.js";

