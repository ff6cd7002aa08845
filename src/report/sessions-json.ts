/**
 * The `sessions` array of `analyze --json`, compact, as UTF-8 bytes: the bytes of
 * JSON.stringify(sessions), written a session at a time.
 *
 * Why not json-pieces' walker alone: a capture's sessions are thousands of small objects (a SIP
 * dialog: its messages, Via/Contact lists, SDP), and the walker — JavaScript run once a capture,
 * mostly before V8 has optimised it — cost ~100 ms of CPU for the 3.4 MB of sessions of the 1 GiB
 * bench capture, where the engine's own JSON.stringify of the same session needs no warming up.
 * So a session of at most SESSION_JSON_INLINE_ITEMS messages and negotiations is stringified
 * whole and encoded in chunks (json-pieces Utf8Chunks); a larger one (up to
 * --max-negotiations of each: megabytes) goes through the walker, so the text of no more than one
 * small session exists at a time. Either way the bytes are JSON.stringify's (the walker's
 * contract), and an array that holds anything but plain objects (a hole, a toJSON) is left to the
 * walker whole.
 */
import type { Session } from "../alg/sessions.js";
import { Utf8Chunks, writeJson } from "./json-pieces.js";

/** Messages plus negotiations of a session stringified in one piece (larger ones are walked). */
export const SESSION_JSON_INLINE_ITEMS = 256;

/** The bytes of JSON.stringify(sessions), in chunks of about JSON_CHUNK bytes (each valid only while `write` runs). */
export function writeSessionsJson(sessions: readonly Session[], write: (chunk: Uint8Array) => void): void {
  if (!allPlain(sessions)) {
    writeJson(sessions, write);
    return;
  }
  const out = new Utf8Chunks(write);
  out.add("[");
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i]!;
    if (i > 0) out.add(",");
    if (itemsOf(s) <= SESSION_JSON_INLINE_ITEMS) {
      out.add(JSON.stringify(s));
      continue;
    }
    out.flush();
    writeJson(s, write);
  }
  out.add("]");
  out.flush();
}

function itemsOf(s: Session): number {
  return (s.negotiations?.length ?? 0) + (s.sip?.messages?.length ?? 0) + (s.teardowns?.length ?? 0);
}

/**
 * True when every member is an own, plain object without toJSON (sessions are): then the array's
 * JSON is its members' JSON.stringify joined (a toJSON would be called with the index as its key,
 * a hole or an undefined member would be null).
 */
function allPlain(a: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (!Object.hasOwn(a, i)) return false;
    const v = a[i];
    if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  }
  return true;
}
