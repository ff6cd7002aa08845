/** Re-exports for report writers (keeps src/report free of the verify internals). */
export type { PredictedConversation } from "./types.js";
export type { VerifyReport as VerifyReportLike } from "./verify.js";
