/**
 * Router text as `verify` reads it (CLI, suite and browser alike): parsed as `router` does, except
 * that an empty file (blank lines only) is router output holding no entry — `conntrack -L expect`
 * prints nothing when there is no expectation, and the lab records that — so its
 * `nothing_understood` error becomes an `empty_file` warning. Platform neutral.
 */
import { parseRouterText } from "../router/index.js";
import type { RouterParseResult } from "../router/types.js";
import type { Diagnostic } from "../types.js";

export function parseVerifyRouter(text: string, name: string): RouterParseResult {
  const parsed = parseRouterText(text, name);
  if (!/^\s*$/.test(text)) return parsed;
  const diagnostics = parsed.diagnostics.map((d): Diagnostic => d.code === "nothing_understood"
    ? { ...d, code: "empty_file", severity: "warning", message: "the file is empty: no router entry to compare" }
    : d);
  return { ...parsed, diagnostics };
}
