/**
 * Defaults of the analyzer's limits that the CLI names in its options, in a module with no
 * imports so that naming them does not load the analyzer (as src/verify/limits.ts for verify's).
 */

/**
 * SIP dialogs kept per capture (`--max-sip-dialogs`; src/alg/sip.ts SipConditions.cut). A dialog
 * costs `analyze` ~10 kB of peak memory and `verify` ~40-55 kB (both captures' dialogs, the checks,
 * the report): on the SIP-dense bench capture's 24 102 dialogs 360 MiB and 1.1 GiB. 25 000 keeps
 * `verify` well inside V8's ~4 GiB heap; 100 000 would not.
 */
export const DEFAULT_MAX_SIP_DIALOGS = 25_000;

/**
 * FTP and RTSP control sessions kept per capture (`--max-sessions`; src/alg/sessions.ts
 * SessionBuilder), as TFTP's requests are bounded by `--max-tftp-sessions` (100 000). A session
 * costs `analyze` ~2-4 kB and `verify` ~15 kB of peak memory (60 000 FTP sessions without data
 * on both sides: 0.95 GiB; with as many unanswered TFTP requests 1.6 GiB): 50 000 of each kind
 * with 100 000 TFTP requests keep `verify` well inside V8's ~4 GiB heap.
 */
export const DEFAULT_MAX_SESSIONS = 50_000;
