/**
 * Defaults of verify's own limits, in a module with no imports so the CLI and the page can name
 * (and apply) them without loading the verifier.
 */

/** SIP dialogs seen in both captures whose message order the sides check examines (`--sip-sides-dialogs`). */
export const SIP_SIDES_DIALOGS = 1000;
/**
 * Lines of one router file `verify` reads at most (`--max-router-lines`). verify compares router
 * output whole: it holds every record it parsed (a `conntrack -L` entry is ~1.5 KB of memory), so
 * a longer file is refused (`router_line_limit`, exit 2) before it is read whole. 10⁶ lines of
 * conntrack: ~1.5 GiB and ~19 s beside the bench pair; 2.5 × 10⁶ would pass V8's 4 GiB heap.
 */
export const ROUTER_LINES = 1_000_000;
/** Why a router file past ROUTER_LINES is refused, and what to give instead (the CLI's and the page's message). */
export const ROUTER_LINES_WHY = "every record it reads (~1.5 KB of memory a conntrack entry); give a listing of the captured hosts only (e.g. conntrack -L -s <address>, or the conversations output with | match <address>)";

/** Whether `text` holds more than `max` lines (a last line without its newline counts; a final newline opens none). */
export function linesOver(text: string, max: number): boolean {
  let at = -1;
  for (let n = 0; n < max; n++) {
    at = text.indexOf("\n", at + 1);
    if (at < 0) return false;
  }
  return at + 1 < text.length;
}
