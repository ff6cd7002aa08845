/**
 * The `verify --json` report written in pieces (json-pieces.ts): the bytes are those of
 * `JSON.stringify(report, null, indent) + "\n"` in UTF-8, handed to the sink in chunks of about
 * 64 KiB, so neither the whole text (megabytes for a long capture pair) nor its copy as bytes ever
 * exists at once.
 */
import type { VerifyReport } from "../verify/verify.js";
import { writeJson } from "./json-pieces.js";

/** Mappings listed beyond which the report is written without indentation (the CLI's rule). */
export const VERIFY_JSON_INDENT_MAPPINGS = 1000;

/**
 * Writes `report` as `verify --json` does: indented by 2, or compact when it lists more than
 * VERIFY_JSON_INDENT_MAPPINGS mappings. A chunk is valid only while `write` runs (copy it to keep it).
 */
export function writeVerifyJson(report: VerifyReport, write: (chunk: Uint8Array) => void): void {
  writeJson(report, write, { indent: report.nat.mappings.length > VERIFY_JSON_INDENT_MAPPINGS ? undefined : 2, newline: true });
}
