/**
 * What a file of which nothing was understood looks like, for the `nothing_understood` message
 * (platform neutral, pure). Only the head of the input is looked at (HEAD code units or bytes).
 *
 *   describeUnrecognised(pcapBytes)                       → "a pcap capture"
 *   describeUnrecognised("\n\r\r\n…")                     → "a pcapng capture"
 *   describeUnrecognised(randomBytes)                     → "binary data"
 *   describeUnrecognised("table inet nat {\n  chain …")   → "an nftables ruleset"
 *   describeUnrecognised('{"a": 1}')                      → "a JSON document"
 *   describeUnrecognised("  \n")                          → "empty"
 *   describeUnrecognised("hello\nworld")                  → 'text whose first line is "hello"'
 *
 * A string may be text decoded from a capture (UTF-8 turns the pcap magic into U+FFFD and a few
 * Latin-1 letters, Latin-1 into the letters themselves): both decodings of the magic are known.
 */

/** How much of the input is looked at. */
const HEAD = 1 << 16;

/** What describeUnrecognised says of a file that is only blank lines. */
export const EMPTY = "empty";

/** Descriptions that mean "not text at all": such input is not given to the parsers. */
const BINARY = new Set(["a pcap capture", "a pcapng capture", "binary data"]);

/** True for the descriptions of captures and other binary data. */
export function isBinaryDescription(description: string): boolean {
  return BINARY.has(description);
}

const PCAP_MAGIC_BYTES = [
  [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], // microseconds, little / big endian
  [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], // nanoseconds
];
/** The pcap magic and version 2.4 as a string: decoded as UTF-8 (U+FFFD for the bad bytes) or Latin-1. */
const PCAP_MAGIC_TEXT = /^(?:\uFFFD\u00f2\uFFFD|\uFFFD{4}|M<\uFFFD\uFFFD|\uFFFD\uFFFD<M|\u00d4\u00c3\u00b2\u00a1|\u00a1\u00b2\u00c3\u00d4|M<\u00b2\u00a1|\u00a1\u00b2<M)(?:\u0002\u0000\u0004\u0000|\u0000\u0002\u0000\u0004)/;
/** The pcapng Section Header Block type. */
const PCAPNG_MAGIC_TEXT = "\n\r\r\n";

const NFT = /^[ \t]*(?:#!.*\bnft\b|flush[ \t]+ruleset\b|table[ \t]+(?:ip|ip6|inet|arp|bridge|netdev)[ \t]+\S+[ \t]*\{|chain[ \t]+\S+[ \t]*\{|ct[ \t]+helper[ \t]+\S+[ \t]*\{|type[ \t]+(?:filter|nat|route)[ \t]+hook\b)/m;
const JSON_START = /^\s*(?:\{\s*(?:"|\})|\[\s*(?:[\[{"\]\d-]|true|false|null))/;
/** Largest text that JSON.parse is tried on (bigger JSON is recognised by its start alone). */
const JSON_PARSE_MAX = 8 << 20;

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, k) => bytes[k] === b);
}

/**
 * True when the head of a text holds a NUL, or at least 4 and more than 5 % of control characters
 * other than tab, line breaks, vertical tab, form feed and escape, or of U+FFFD (bytes that were
 * not UTF-8): a stray control character in router text is not enough.
 */
export function looksBinary(text: string): boolean {
  const n = Math.min(text.length, HEAD);
  let bad = 0;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c === 0) return true;
    if ((c < 32 && (c < 9 || c > 13) && c !== 27) || c === 0x7f || c === 0xfffd) bad++;
  }
  return bad >= 4 && bad * 20 > n;
}

/** The first line that is neither blank nor a `#` comment, clipped to 60 characters. */
function firstLine(text: string): string {
  const m = /^[ \t]*([^\s#][^\n\r]*)/m.exec(text.slice(0, HEAD)) ?? /\S[^\n\r]*/.exec(text.slice(0, HEAD));
  const t = m ? m[0].trim() : "";
  return t.length > 60 ? t.slice(0, 59) + "…" : t;
}

/** "a pcap capture" / "a pcapng capture" when the bytes start with a capture's magic (4 bytes suffice). */
export function captureKind(bytes: Uint8Array): string | undefined {
  if (PCAP_MAGIC_BYTES.some((m) => startsWith(bytes, m))) return "a pcap capture";
  if (startsWith(bytes, [0x0a, 0x0d, 0x0d, 0x0a])) return "a pcapng capture";
  return undefined;
}

/** What the input looks like (see the module comment). */
export function describeUnrecognised(input: string | Uint8Array): string {
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    const capture = captureKind(input);
    if (capture) return capture;
    text = new TextDecoder().decode(input.subarray(0, HEAD));
  }
  if (PCAP_MAGIC_TEXT.test(text.slice(0, 8))) return "a pcap capture";
  if (text.startsWith(PCAPNG_MAGIC_TEXT)) return "a pcapng capture";
  if (looksBinary(text)) return "binary data";
  if (!/\S/.test(text.slice(0, HEAD)) && (text.length <= HEAD || !/\S/.test(text))) return EMPTY;
  const head = text.slice(0, HEAD);
  if (NFT.test(head)) return "an nftables ruleset";
  if (JSON_START.test(head)) {
    if (text.length > JSON_PARSE_MAX) return "a JSON document";
    try {
      JSON.parse(text);
      return "a JSON document";
    } catch {
      // not JSON after all: fall through to the first line
    }
  }
  return `text whose first line is "${firstLine(text)}"`;
}

/** The message of `nothing_understood` for a file described by describeUnrecognised. */
export function unrecognisedMessage(file: string, description: string): string {
  if (description === EMPTY) return `${file} is empty: it holds no router output`;
  return `nothing in ${file} was understood as router output: it looks like ${description}`;
}
