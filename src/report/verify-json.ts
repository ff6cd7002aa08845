/**
 * The `verify --json` report written in pieces: the bytes are those of
 * `JSON.stringify(report, null, indent) + "\n"` in UTF-8, handed to the sink in chunks of about
 * 64 KiB, so neither the whole text (megabytes for a long capture pair) nor its copy as bytes ever
 * exists at once.
 *
 * How: the report's upper levels (the report, its members, and any container too large to be one
 * piece) are opened here, member by member, with an explicit stack; every other value — a session,
 * a check, a mapping, a timeline entry — is one `JSON.stringify` (re-indented to its depth), the
 * texts encoded in chunks by json-pieces' Utf8Chunks. Why not json-pieces' walker alone: it is
 * JavaScript that runs once per report, mostly before V8 has optimised it, and writes every string
 * a code unit at a time — on the bench pair's
 * 5.6 MB report (2 × 1 GiB, 1 067 sessions, 6 032 checks) ~150 ms of the serial phase's CPU where
 * the engine's own JSON.stringify of the same values takes about half (bench/PERFORMANCE-LOG.md "verify,
 * session 10"). Same approach as the sessions of `analyze --json` (sessions-json.ts).
 *
 * A value is one piece when it is below the report's members (depth ≥ 2), and it and its members
 * hold at most INLINE_ITEMS array items (counted two levels down: a session's negotiations, its SIP
 * messages): a session of --max-negotiations negotiations is opened, so the text of no more than
 * one small value exists at a time. The bytes are JSON.stringify's in every case it defines
 * (members without JSON left out or `null`, holes, toJSON called with the member's key, boxed
 * primitives, a cycle or a BigInt throwing its TypeError): test/report/verify-json.
 */
import type { VerifyReport } from "../verify/verify.js";
import { Utf8Chunks } from "./json-pieces.js";

/** Mappings listed beyond which the report is written without indentation (the CLI's rule). */
export const VERIFY_JSON_INDENT_MAPPINGS = 1000;

/** Array items (two levels down) beyond which a value below the report's members is opened rather than stringified whole. */
export const INLINE_ITEMS = 256;

/**
 * Writes `report` as `verify --json` does: indented by 2, or compact when it lists more than
 * VERIFY_JSON_INDENT_MAPPINGS mappings. A chunk is valid only while `write` runs (copy it to keep it).
 */
export function writeVerifyJson(report: VerifyReport, write: (chunk: Uint8Array) => void): void {
  writeJsonSplit(report, write, report.nat.mappings.length > VERIFY_JSON_INDENT_MAPPINGS ? undefined : 2);
}

/** A container being written member by member. */
interface Frame {
  holder: Record<string, unknown> | unknown[];
  /** An object's keys (Object.keys order); null for an array. */
  keys: string[] | null;
  index: number;
  wrote: boolean;
}

/**
 * The UTF-8 bytes of JSON.stringify(value, null, indent) + "\n", in chunks of about JSON_CHUNK
 * bytes, the upper levels opened here and the rest stringified a value at a time (see the header).
 */
export function writeJsonSplit(value: unknown, write: (chunk: Uint8Array) => void, indent?: number): void {
  const gap = Math.min(10, Math.max(0, Math.floor(indent ?? 0)));
  const out = new Utf8Chunks(write);
  const emit = (s: string): void => out.add(s);
  const pads: string[] = [""];
  const padOf = (depth: number): string => {
    while (pads.length <= depth) pads.push(pads[pads.length - 1] + " ".repeat(gap));
    return pads[depth]!;
  };
  const stack: Frame[] = [];
  /** Pushes `v` (opens(v) is true) and writes its opening bracket. */
  const open = (v: object): void => {
    for (let k = 0; k < stack.length; k++) if (stack[k]!.holder === v) throw new TypeError("Converting circular structure to JSON");
    const isArray = Array.isArray(v);
    stack.push({ holder: v as Frame["holder"], keys: isArray ? null : Object.keys(v), index: 0, wrote: false });
    emit(isArray ? "[" : "{");
  };
  /** The text of a value written as one piece at `depth` (undefined: it has no JSON). */
  const piece = (v: unknown, key: string, depth: number): string | undefined => {
    const s = pieceOf(v, key, gap);
    return s !== undefined && gap && depth > 0 && s.includes("\n") ? s.replaceAll("\n", "\n" + padOf(depth)) : s;
  };
  if (opens(value, 0)) open(value as object);
  else {
    const s = piece(value, "", 0);
    if (s === undefined) throw new TypeError("writeJsonSplit: the value has no JSON text");
    emit(s);
  }
  while (stack.length > 0) {
    const d = stack.length - 1;
    const f = stack[d]!;
    const lead = gap ? "\n" + padOf(d + 1) : "";
    let more = false;
    if (f.keys) {
      const holder = f.holder as Record<string, unknown>;
      while (f.index < f.keys.length) {
        const k = f.keys[f.index++]!;
        const v = holder[k];
        const opened = opens(v, d + 1);
        const s = opened ? "" : piece(v, k, d + 1);
        if (s === undefined) continue;
        emit((f.wrote ? "," : "") + lead + JSON.stringify(k) + (gap ? ": " : ":") + s);
        f.wrote = true;
        if (opened) open(v as object);
        more = true;
        break;
      }
    } else {
      const a = f.holder as unknown[];
      if (f.index < a.length) {
        const i = f.index++;
        const v = a[i];
        const sep = f.wrote ? "," + lead : lead;
        f.wrote = true;
        if (opens(v, d + 1)) {
          emit(sep);
          open(v as object);
        } else emit(sep + (piece(v, String(i), d + 1) ?? "null"));
        more = true;
      }
    }
    if (more) continue;
    emit((f.wrote && gap ? "\n" + padOf(d) : "") + (f.keys ? "}" : "]"));
    stack.pop();
  }
  emit("\n");
  out.flush();
}

/**
 * True for a plain object or array (no toJSON) written member by member at `depth`: the report and
 * its members; below them an array of more than INLINE_ITEMS items, or a member's member (a
 * session, a check) holding more than INLINE_ITEMS array items two levels down. Deeper objects
 * (a negotiation, a mapping) are bounded by the report's own limits and are always one piece.
 */
function opens(v: unknown, depth: number): boolean {
  if (typeof v !== "object" || v === null) return false;
  const isArray = Array.isArray(v);
  if (!isArray && Object.getPrototypeOf(v) !== Object.prototype) return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  if (depth < 2) return true;
  if (isArray) return (v as unknown[]).length > INLINE_ITEMS;
  return depth === 2 && itemsBelow(v, false) > INLINE_ITEMS;
}

/** Array items of `v` and of its members, and of their members (an estimate of its size, not a walk of it). */
function itemsBelow(v: object, isArray: boolean): number {
  let n = 0;
  if (isArray) {
    const a = v as unknown[];
    n = a.length;
    if (n > INLINE_ITEMS) return n;
    for (let i = 0; i < a.length; i++) {
      const e = a[i];
      if (typeof e === "object" && e !== null) n += shallowItems(e);
    }
    return n;
  }
  for (const k in v) {
    const e = (v as Record<string, unknown>)[k];
    if (typeof e === "object" && e !== null) n += Array.isArray(e) ? e.length + (e.length > INLINE_ITEMS ? 0 : itemsBelow(e, true) - e.length) : shallowItems(e);
    if (n > INLINE_ITEMS) return n;
  }
  return n;
}

/** Items of the arrays among `v`'s members (its own length if it is an array). */
function shallowItems(v: object): number {
  if (Array.isArray(v)) return v.length;
  let n = 0;
  for (const k in v) {
    const e = (v as Record<string, unknown>)[k];
    if (Array.isArray(e)) n += e.length;
  }
  return n;
}

/**
 * JSON.stringify's text of member `key` whose value is `v`, at depth 0 (undefined: no JSON).
 * toJSON is called with the member's key, as inside the whole report: through a one-member holder
 * when the value has one (a Date; a BigInt with BigInt.prototype.toJSON).
 */
function pieceOf(v: unknown, key: string, gap: number): string | undefined {
  const hasToJson = (typeof v === "object" && v !== null) || typeof v === "bigint" ? typeof (v as { toJSON?: unknown }).toJSON === "function" : false;
  if (!hasToJson) return (gap ? JSON.stringify(v, null, gap) : JSON.stringify(v)) as string | undefined;
  const whole = JSON.stringify({ [key]: v }, null, gap);
  const head = JSON.stringify(key).length + (gap ? gap + 4 : 2);
  if (whole.length <= 2) return undefined;
  const s = whole.slice(head, whole.length - (gap ? 2 : 1));
  // Written one level down in the holder: its lines are indented by one gap more.
  return gap ? s.replaceAll("\n" + " ".repeat(gap), "\n") : s;
}
