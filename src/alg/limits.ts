/**
 * Defaults of the analyzer's limits that the CLI names in its options, in a module with no
 * imports so that naming them does not load the analyzer (as src/verify/limits.ts for verify's).
 */

/** SIP dialogs kept per capture (`--max-sip-dialogs`; src/alg/sip.ts SipConditions.cut). */
export const DEFAULT_MAX_SIP_DIALOGS = 100_000;
