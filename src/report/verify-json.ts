/**
 * The `verify --json` report written in pieces: the text is byte for byte
 * `JSON.stringify(report, null, indent) + "\n"`, but the members of the report and of its
 * sections (the nat section, the sessions, the timeline ...) are stringified one at a time and
 * handed to the sink in pieces of about PIECE code units, so neither the whole text (megabytes for
 * a long capture pair) nor its copy as bytes ever exists at once.
 */
import type { VerifyReport } from "../verify/verify.js";
import { writeJson } from "./json-pieces.js";

export { writeJson };

/** Mappings listed beyond which the report is written without indentation (the CLI's rule). */
export const VERIFY_JSON_INDENT_MAPPINGS = 1000;

/** Writes `report` as `verify --json` does: indented by 2, or compact when it lists more than VERIFY_JSON_INDENT_MAPPINGS mappings. */
export function writeVerifyJson(report: VerifyReport, write: (chunk: string) => void): void {
  writeJson(report, write, report.nat.mappings.length > VERIFY_JSON_INDENT_MAPPINGS ? undefined : 2);
}

