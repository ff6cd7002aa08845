/**
 * Junos `show services stateful-firewall conversations` / `... flows` / `show services pgcp
 * conversations` (ROUTER-FORMATS.md §1).
 *
 * Grammar (whitespace = runs of spaces or tabs; line breaks may be lost — see below):
 *   Interface: <ifname>, Service set: <name>          # SDK typo "Service ser:" accepted
 *   Conversation: ALG protocol: <alg>
 *     Number of initiators: <n>, Number of responders: <n>
 *   Flow  State|Stats  Dir  Frm count                 # header, ignored
 *   <PROTO> <ep> -> <ep> <State> <I|O> <frames>       # ep = ip:port | [ip6]:port | a.b.c.d.port
 *       NAT source|dest <ep> -> <ep>                  # 0..2 per flow
 *       Gate id: <n>                                  # BGF variant
 *
 * The three forms — true column layout (§1.1), spaces collapsed (§1.5), everything on one line
 * (§1.2/§1.3, the seed) — are read by one scanner: each line is consumed item by item (flow and
 * NAT items by hand-written matchers over the line's code units, the rarer items with sticky
 * regexes, `ITEMS`), so an item may start anywhere in a line and several items may share a line.
 * Text no item matches is reported once per run (`unknown_text`, at its column) and skipped; a
 * whitespace character that is no blank (`\v`, NBSP) is skipped as unknown text.
 * A whole line `Key: value` that no item matches is kept in `extra` (info `unknown_field`).
 *
 * Speed (a 100 000-flow list is a normal input): no line string unless a regex or a message
 * needs one, addresses and endpoints interned (addrCache()), exact-size NAT arrays (a flow
 * without NAT shares one frozen empty array), fixed object shapes.
 *
 *   "Interface: sp-1/3/0, Service set: S Conversation: ALG protocol: ftp TCP 1.1.79.2:14083 ->
 *    2.2.2.2:21 Watch I 13 NAT source 1.1.79.2:14083 -> 194.250.1.237:50118"
 *   → interfaces: [{ name: "sp-1/3/0", serviceSet: "S", conversations: [{ alg: "ftp",
 *       initiators: null, responders: null, flows: [{ proto: "TCP", src: {ip:"1.1.79.2",port:14083},
 *       dst: {ip:"2.2.2.2",port:21}, state: "Watch", dir: "I", frames: 13,
 *       nat: [{ kind: "source", from: {...14083}, to: {ip:"194.250.1.237",port:50118} }] }] }] }]
 *
 * Flows printed before any `Interface:` / `Conversation:` line (e.g. the seed's analysis snippets)
 * go into an interface / conversation whose fields are null.
 */
import type { JunosConversation, JunosConversationsDocument, JunosFlow, JunosInterface, NatTranslation } from "../types.js";
import { type ParseContext, type Segment, type Codes, IGNORABLE, clip } from "../lines.js";
import { addrCache } from "../ip.js";

/**
 * Item patterns, tried in this order at each position (sticky). The two items of every flow —
 * the flow line and its NAT lines — are matched by hand (`matchFlow`, `matchNat`: no regex and no
 * substring per line); their regex equivalents are given there.
 */
const ITEMS = {
  gate: /Gate[ \t]+id:[ \t]*(\d+),?(?=\s|$)/y,
  iface: /Interface:[ \t]*([^\s,]+),?(?:[ \t]+Service[ \t]+se[tr]:[ \t]*([^\s,]+),?)?(?=\s|$)/y,
  conv: /Conversation:[ \t]*ALG[ \t]+protocol:[ \t]*([^\s,]+),?(?=\s|$)/y,
  counts: /Number[ \t]+of[ \t]+initiators:[ \t]*(\d+),?[ \t]*Number[ \t]+of[ \t]+responders:[ \t]*(\d+)(?=\s|$)/y,
  header: /Flow[ \t]+Stat(?:e|s)[ \t]+Dir[ \t]+Frm[ \t]+count(?=\s|$)/y,
};
/** A whole line `Key: value` (unknown extra field). */
const KV_LINE = /^[ \t]*([A-Za-z][\w ()/.\-]*?):[ \t]+(\S.*?)[ \t]*$/;

export function parseJunosConversations(ctx: ParseContext, seg: Segment, base: Omit<JunosConversationsDocument, "format" | "interfaces">): JunosConversationsDocument {
  const doc: JunosConversationsDocument = { ...base, format: "junos-conversations", interfaces: [] };
  let iface: JunosInterface | null = null;
  let conv: JunosConversation | null = null;
  let flow: JunosFlow | null = null;
  const lines = ctx.lines;
  const starts = lines.starts;
  const input = lines.text;
  const win = ctx.window();

  const ensureConv = (line: number): JunosConversation => {
    if (!iface) {
      iface = { name: null, serviceSet: null, conversations: [], location: { line } };
      doc.interfaces.push(iface);
    }
    if (!conv) {
      conv = { alg: null, initiators: null, responders: null, flows: [], location: { line } };
      iface.conversations.push(conv);
    }
    return conv;
  };

  for (let i = seg.start; i < seg.end; i++) {
    /** The line as a string: sliced only when a regex or a message needs it (flow and NAT lines never do). */
    let text: string | null = null;
    const line = i + 1;
    // the line's code units: codes[ls, le) (the matchers work on these offsets; text offset = offset + off)
    win.cover(starts[i]!, lines.end(i));
    const codes = win.codes;
    const off = win.base;
    const ls = starts[i]! - off;
    const le = lines.end(i) - off;
    const len = le - ls;
    let pos = i === seg.start ? seg.col : 0;
    const lineStart = skipBlanks(codes, ls, le, pos);
    if (pos === 0 && maybeIgnorable(codes, ls, le, lineStart) && IGNORABLE.test((text ??= lines.get(i)))) continue;
    let unknownAt = -1;
    while (true) {
      pos = skipBlanks(codes, ls, le, pos);
      if (pos >= len) break;
      const ch = codes[ls + pos]!;
      let m: RegExpExecArray | null = null;
      // N: NAT or Number of ...
      if (ch === 78 /* N */) {
        if (matchNat(codes, ls + pos, le)) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, (text ??= lines.get(i)), unknownAt, pos);
          const from = addrCache().endpointAt(codes, off, input, M_FROM_S, M_FROM_E);
          const to = addrCache().endpointAt(codes, off, input, M_TO_S, M_TO_E);
          if (!flow) ctx.report("orphan_nat", "warning", i, pos, "NAT line without a flow line before it");
          else if (!from || !to) {
            const bad = from ? input.slice(off + M_TO_S, off + M_TO_E) : input.slice(off + M_FROM_S, off + M_FROM_E);
            ctx.report("bad_endpoint", "error", i, pos + input.slice(off + ls + pos, off + M_END).indexOf(bad, 4), `bad address:port "${bad}"`);
          } else {
            const t: NatTranslation = { kind: M_KIND_SOURCE ? "source" : "dest", from, to };
            // A flow has at most one NAT source and one NAT dest line (twice NAT): another is not
            // understood rather than kept (exact-size arrays).
            if (flow.nat.length >= 2 || flow.nat.some((n) => n.kind === t.kind)) {
              ctx.report("extra_nat", "error", i, pos, `a second NAT ${t.kind} line for the flow of line ${flow.location.line}: a flow has at most one NAT source and one NAT dest line`);
            } else flow.nat = flow.nat.length === 0 ? [t] : [flow.nat[0]!, t];
          }
          pos = M_END - ls;
          continue;
        }
        ITEMS.counts.lastIndex = pos;
        if ((m = ITEMS.counts.exec((text ??= lines.get(i))))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, (text ??= lines.get(i)), unknownAt, pos);
          const c = ensureConv(line);
          c.initiators = Number(m[1]);
          c.responders = Number(m[2]);
          pos = ITEMS.counts.lastIndex;
          continue;
        }
      } else if (ch === 73 /* I */) {
        ITEMS.iface.lastIndex = pos;
        if ((m = ITEMS.iface.exec((text ??= lines.get(i))))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, (text ??= lines.get(i)), unknownAt, pos);
          iface = { name: m[1]!, serviceSet: m[2] ?? null, conversations: [], location: { line } };
          doc.interfaces.push(iface);
          conv = null;
          flow = null;
          pos = ITEMS.iface.lastIndex;
          continue;
        }
      } else if (ch === 67 /* C */) {
        ITEMS.conv.lastIndex = pos;
        if ((m = ITEMS.conv.exec((text ??= lines.get(i))))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, (text ??= lines.get(i)), unknownAt, pos);
          conv = null;
          flow = null;
          ensureConv(line).alg = m[1]!;
          pos = ITEMS.conv.lastIndex;
          continue;
        }
      } else if (ch === 71 /* G */) {
        ITEMS.gate.lastIndex = pos;
        if ((m = ITEMS.gate.exec((text ??= lines.get(i))))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, (text ??= lines.get(i)), unknownAt, pos);
          if (!flow) ctx.report("orphan_gate", "warning", i, pos, "Gate id line without a flow line before it");
          else flow.gateId = Number(m[1]);
          pos = ITEMS.gate.lastIndex;
          continue;
        }
      } else if (ch === 70 /* F */) {
        ITEMS.header.lastIndex = pos;
        if (ITEMS.header.test((text ??= lines.get(i)))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, (text ??= lines.get(i)), unknownAt, pos);
          pos = ITEMS.header.lastIndex;
          continue;
        }
      }
      if (matchFlow(codes, ls + pos, le)) {
        if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, (text ??= lines.get(i)), unknownAt, pos);
        const src = addrCache().endpointAt(codes, off, input, M_FROM_S, M_FROM_E);
        const dst = addrCache().endpointAt(codes, off, input, M_TO_S, M_TO_E);
        if (!src || !dst) {
          const bad = src ? input.slice(off + M_TO_S, off + M_TO_E) : input.slice(off + M_FROM_S, off + M_FROM_E);
          ctx.report("bad_endpoint", "error", i, pos + input.slice(off + ls + pos, off + M_END).indexOf(bad, M_PROTO_E - ls - pos), `bad address:port "${bad}" in flow line`);
          flow = null;
        } else {
          flow = {
            proto: word(0, codes, off, input, ls + pos, M_PROTO_E), src, dst, state: word(1, codes, off, input, M_STATE_S, M_STATE_E), dir: M_DIR_I ? "I" : "O",
            frames: decimal(codes, off, input, M_FRAMES_S, M_END), nat: NO_NAT, location: { line },
          };
          ensureConv(line).flows.push(flow);
        }
        pos = M_END - ls;
        continue;
      }
      // nothing matched here
      if (unknownAt < 0 && pos === lineStart && lineStart === firstNonWs((text ??= lines.get(i)))) {
        const kv = KV_LINE.exec(text);
        if (kv) {
          const target = flow ?? conv ?? null;
          if (target) (target.extra ??= {})[kv[1]!] = kv[2]!;
          ctx.report("unknown_field", "info", i, pos, `unrecognised field "${clip(kv[1]!)}" kept as extra`);
          break;
        }
      }
      if (unknownAt < 0) unknownAt = pos;
      // skip the token (\S*); a whitespace character that is no blank (\v, NBSP, ...) is skipped
      // on its own, as part of the unknown text
      const t = pos;
      while (pos < len && !isWs(codes[ls + pos]!)) pos++;
      if (pos === t) pos++;
    }
    if (unknownAt >= 0) flushUnknown(ctx, i, (text ??= lines.get(i)), unknownAt, len);
  }

  checkCounts(ctx, doc);
  return doc;
}

/** Conversations whose flows disagree with their `Number of initiators/responders` line (info). */
function checkCounts(ctx: ParseContext, doc: JunosConversationsDocument): void {
  for (let a = 0; a < doc.interfaces.length; a++) {
    const convs = doc.interfaces[a]!.conversations;
    for (let b = 0; b < convs.length; b++) {
      const c = convs[b]!;
      if (c.initiators === null) continue;
      let ni = 0;
      for (let k = 0; k < c.flows.length; k++) if (c.flows[k]!.dir === "I") ni++;
      const no = c.flows.length - ni;
      if (ni !== c.initiators || no !== c.responders) {
        ctx.report("count_mismatch", "info", c.location.line - 1, 0,
          `conversation lists ${ni} initiator and ${no} responder flows, header says ${c.initiators} and ${c.responders}`);
      }
    }
  }
}

/** Report unknown text [from, end) of line i; returns -1 (the new "no unknown text" marker). */
function flushUnknown(ctx: ParseContext, i: number, text: string, from: number, end: number): number {
  ctx.report("unknown_text", "error", i, from, `not part of a Junos conversation list: "${clip(text.slice(from, end))}"`);
  return -1;
}

/** Column of the first non-blank at or after column k of the line at codes[ls, le). */
function skipBlanks(codes: Codes, ls: number, le: number, k: number): number {
  let a = ls + k;
  let c: number;
  while (a < le && ((c = codes[a]!) === 32 || c === 9)) a++;
  return a - ls;
}

/** Only blank lines or lines starting with `#`, `{`, `-`, `[` can be IGNORABLE. */
function maybeIgnorable(codes: Codes, ls: number, le: number, k: number): boolean {
  if (ls + k >= le) return true;
  const c = codes[ls + k]!;
  return c === 35 || c === 123 || c === 45 || c === 91;
}

/** A flow's NAT list until a NAT line is seen (replaced, never pushed to). */
const NO_NAT: NatTranslation[] = Object.freeze([]) as unknown as NatTranslation[];

/** State words and protocol names repeat on every line: keep one copy of each (per slot, the last one). */
const WORDS: string[] = ["", ""];
/** The word codes[s, e) (text offset + off), interned. */
function word(slot: number, codes: Codes, off: number, input: string, s: number, e: number): string {
  const last = WORDS[slot]!;
  if (last.length === e - s) {
    let k = 0;
    while (k < last.length && last.charCodeAt(k) === codes[s + k]) k++;
    if (k === last.length) return last;
  }
  return (WORDS[slot] = intern(input.slice(off + s, off + e)));
}
const INTERNED = new Map<string, string>();
function intern(s: string): string {
  const v = INTERNED.get(s);
  if (v !== undefined) return v;
  if (INTERNED.size < 1000) INTERNED.set(s, s);
  return s;
}
/** Forget the interned words (they may be slices of the last input). */
export function resetConversationState(): void {
  INTERNED.clear();
  WORDS[0] = WORDS[1] = "";
}

/** The number codes[s, e) (all decimal digits; text offset + off). */
function decimal(codes: Codes, off: number, input: string, s: number, e: number): number {
  if (e - s > 15) return Number(input.slice(off + s, off + e));
  let n = 0;
  for (let k = s; k < e; k++) n = n * 10 + (codes[k]! - 48);
  return n;
}

/** JavaScript's `\s`. */
function isWs(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
const isBlank = (c: number): boolean => c === 32 || c === 9;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Result of the last successful matchFlow / matchNat (module state: no object per line). */
let M_FROM_S = 0, M_FROM_E = 0, M_TO_S = 0, M_TO_E = 0, M_END = 0;
let M_PROTO_E = 0, M_STATE_S = 0, M_STATE_E = 0, M_FRAMES_S = 0;
let M_DIR_I = false, M_KIND_SOURCE = false;

/** Skip [ \t]+ at k (< le): the index after them, or -1 when there is none. */
function blanks(codes: Codes, k: number, le: number): number {
  if (k >= le || !isBlank(codes[k]!)) return -1;
  k++;
  while (k < le && isBlank(codes[k]!)) k++;
  return k;
}
/** End of the \S+ run at k (k itself when empty). */
function nonWs(codes: Codes, k: number, le: number): number {
  while (k < le && !isWs(codes[k]!)) k++;
  return k;
}
/** `->` then [ \t]+ at k: the index after, or -1. */
function arrow(codes: Codes, k: number, le: number): number {
  if (k + 1 >= le || codes[k] !== 45 || codes[k + 1] !== 62) return -1;
  return blanks(codes, k + 2, le);
}
function startsWith(codes: Codes, le: number, word: string, k: number): boolean {
  if (k + word.length > le) return false;
  for (let j = 0; j < word.length; j++) if (codes[k + j] !== word.charCodeAt(j)) return false;
  return true;
}

/**
 * A flow line item at `pos` (an offset in codes; the line ends at `le`), the hand-written
 * equivalent of the sticky regex
 *   ([A-Za-z][A-Za-z0-9-]*|\d{1,3})[ \t]+(\S+)[ \t]+->[ \t]+(\S+)[ \t]+([A-Za-z][\w-]*)[ \t]+([IO])[ \t]+(\d+)(?=\s|$)
 * Sets M_* (proto end, src/dst token, state, dir, frames start, match end), all offsets in codes.
 */
function matchFlow(codes: Codes, pos: number, le: number): boolean {
  let k = pos;
  let c = codes[k]!;
  if (isAlpha(c)) {
    k++;
    while (k < le && (isAlpha((c = codes[k]!)) || isDigit(c) || c === 45)) k++;
  } else if (isDigit(c)) {
    k++;
    while (k < le && k - pos < 3 && isDigit(codes[k]!)) k++;
  } else return false;
  M_PROTO_E = k;
  if ((k = blanks(codes, k, le)) < 0) return false;
  M_FROM_S = k;
  M_FROM_E = k = nonWs(codes, k, le);
  if (M_FROM_E === M_FROM_S || (k = blanks(codes, k, le)) < 0 || (k = arrow(codes, k, le)) < 0) return false;
  M_TO_S = k;
  M_TO_E = k = nonWs(codes, k, le);
  if (M_TO_E === M_TO_S || (k = blanks(codes, k, le)) < 0) return false;
  M_STATE_S = k;
  if (k >= le || !isAlpha(codes[k]!)) return false;
  k++;
  while (k < le && (isAlpha((c = codes[k]!)) || isDigit(c) || c === 95 || c === 45)) k++;
  M_STATE_E = k;
  if ((k = blanks(codes, k, le)) < 0 || k >= le) return false;
  c = codes[k]!;
  if (c !== 73 /* I */ && c !== 79 /* O */) return false;
  M_DIR_I = c === 73;
  if ((k = blanks(codes, k + 1, le)) < 0) return false;
  M_FRAMES_S = k;
  while (k < le && isDigit(codes[k]!)) k++;
  if (k === M_FRAMES_S || (k < le && !isWs(codes[k]!))) return false;
  M_END = k;
  return true;
}

/**
 * A NAT line item at `pos` (offset in codes, line end `le`), the hand-written equivalent of the
 * sticky regex
 *   NAT[ \t]+(source|dest|destination)[ \t]+(\S+)[ \t]+->[ \t]+(\S+?),?(?=\s|$)
 * (the `to` token loses one trailing comma). Sets M_KIND_SOURCE, M_FROM_*, M_TO_*, M_END.
 */
function matchNat(codes: Codes, pos: number, le: number): boolean {
  if (!startsWith(codes, le, "NAT", pos)) return false;
  let k = blanks(codes, pos + 3, le);
  if (k < 0) return false;
  let w: number;
  if (startsWith(codes, le, "source", k) && (w = blanks(codes, k + 6, le)) >= 0) M_KIND_SOURCE = true;
  else if (startsWith(codes, le, "dest", k) && (w = blanks(codes, k + 4, le)) >= 0) M_KIND_SOURCE = false;
  else if (startsWith(codes, le, "destination", k) && (w = blanks(codes, k + 11, le)) >= 0) M_KIND_SOURCE = false;
  else return false;
  k = w;
  M_FROM_S = k;
  M_FROM_E = k = nonWs(codes, k, le);
  if (M_FROM_E === M_FROM_S || (k = blanks(codes, k, le)) < 0 || (k = arrow(codes, k, le)) < 0) return false;
  M_TO_S = k;
  M_END = k = nonWs(codes, k, le);
  if (k === M_TO_S) return false;
  M_TO_E = k - M_TO_S >= 2 && codes[k - 1] === 44 /* , */ ? k - 1 : k;
  return true;
}

function firstNonWs(s: string): number {
  let k = 0;
  while (k < s.length && (s.charCodeAt(k) === 32 || s.charCodeAt(k) === 9)) k++;
  return k;
}
