/**
 * The `verify --json` report written in pieces: the text is byte for byte
 * `JSON.stringify(report, null, indent) + "\n"`, but the members of the report and of its
 * sections (the nat section, the sessions, the timeline ...) are stringified one at a time and
 * handed to the sink in pieces of about PIECE code units, so neither the whole text (megabytes for
 * a long capture pair) nor its copy as bytes ever exists at once.
 */
import type { VerifyReport } from "../verify/verify.js";

/** Code units collected before a piece goes to the sink. */
const PIECE = 1 << 16;
/** Levels below the report whose objects and arrays are written member by member (deeper ones as one JSON.stringify). */
const STREAMED_LEVELS = 2;

/** Mappings listed beyond which the report is written without indentation (the CLI's rule). */
export const VERIFY_JSON_INDENT_MAPPINGS = 1000;

/** Writes `report` as `verify --json` does: indented by 2, or compact when it lists more than VERIFY_JSON_INDENT_MAPPINGS mappings. */
export function writeVerifyJson(report: VerifyReport, write: (chunk: string) => void): void {
  writeJson(report, write, report.nat.mappings.length > VERIFY_JSON_INDENT_MAPPINGS ? undefined : 2);
}

/** One open object or array of the walk: its members, the next one, and whether one was written. */
interface Level {
  entries: [string | undefined, unknown][];
  next: number;
  array: boolean;
  wrote: boolean;
}

/**
 * `JSON.stringify(value, null, indent) + "\n"` in pieces. Objects and arrays down to
 * STREAMED_LEVELS are opened here (an explicit stack: no recursion); everything deeper, and any
 * value with a toJSON method, is one JSON.stringify, re-indented to its depth (JSON text holds no
 * raw line break inside a string, so every "\n" of it is one of the indentation's).
 */
export function writeJson(value: unknown, write: (chunk: string) => void, indent?: number): void {
  const gap = indent ? " ".repeat(indent) : "";
  let buf = "";
  const out = (s: string) => {
    buf += s;
    if (buf.length >= PIECE) {
      write(buf);
      buf = "";
    }
  };
  const open = (v: unknown): Level | undefined => {
    if (v === null || typeof v !== "object" || typeof (v as { toJSON?: unknown }).toJSON === "function") return undefined;
    if (Array.isArray(v)) return { entries: v.map((x): [undefined, unknown] => [undefined, x]), next: 0, array: true, wrote: false };
    return { entries: Object.entries(v), next: 0, array: false, wrote: false };
  };
  const stack: Level[] = [];
  const first = open(value);
  if (!first) {
    out(`${JSON.stringify(value, null, indent)}\n`);
    write(buf);
    return;
  }
  out(first.array ? "[" : "{");
  stack.push(first);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const depth = stack.length;
    const pad = gap ? `\n${gap.repeat(depth)}` : "";
    if (top.next === top.entries.length) {
      stack.pop();
      out(`${top.wrote && gap ? `\n${gap.repeat(depth - 1)}` : ""}${top.array ? "]" : "}"}`);
      continue;
    }
    const [key, v] = top.entries[top.next++];
    const inner = depth <= STREAMED_LEVELS ? open(v) : undefined;
    let text: string | undefined;
    if (!inner) {
      text = JSON.stringify(v, null, indent);
      // As JSON.stringify: an object member without JSON is left out, an array member is null.
      if (text === undefined) {
        if (!top.array) continue;
        text = "null";
      }
      if (gap) text = text.replaceAll("\n", pad);
    }
    out(`${top.wrote ? "," : ""}${pad}${key === undefined ? "" : `${JSON.stringify(key)}:${gap ? " " : ""}`}`);
    top.wrote = true;
    if (inner) {
      out(inner.array ? "[" : "{");
      stack.push(inner);
    } else out(text!);
  }
  out("\n");
  write(buf);
}
