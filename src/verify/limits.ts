/**
 * Defaults of verify's own limits, in a module with no imports so the CLI can name them in its
 * options without loading the verifier.
 */

/** SIP dialogs seen in both captures whose message order the sides check examines (`--sip-sides-dialogs`). */
export const SIP_SIDES_DIALOGS = 1000;
