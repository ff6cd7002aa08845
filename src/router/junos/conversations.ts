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
 * (§1.2/§1.3, the seed) — are read by one scanner: each line is consumed item by item with sticky
 * regexes (`ITEMS`), so an item may start anywhere in a line and several items may share a line.
 * Text no item matches is reported once per run (`unknown_text`, at its column) and skipped.
 * A whole line `Key: value` that no item matches is kept in `extra` (info `unknown_field`).
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
import type { JunosConversation, JunosConversationsDocument, JunosFlow, JunosInterface } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip } from "../lines.js";
import { parseEndpoint } from "../ip.js";

/** Item patterns, tried in this order at each position (sticky). */
const ITEMS = {
  nat: /NAT[ \t]+(source|dest|destination)[ \t]+(\S+)[ \t]+->[ \t]+(\S+?),?(?=\s|$)/y,
  flow: /([A-Za-z][A-Za-z0-9-]*|\d{1,3})[ \t]+(\S+)[ \t]+->[ \t]+(\S+)[ \t]+([A-Za-z][\w-]*)[ \t]+([IO])[ \t]+(\d+)(?=\s|$)/y,
  gate: /Gate[ \t]+id:[ \t]*(\d+),?(?=\s|$)/y,
  iface: /Interface:[ \t]*([^\s,]+),?(?:[ \t]+Service[ \t]+se[tr]:[ \t]*([^\s,]+),?)?(?=\s|$)/y,
  conv: /Conversation:[ \t]*ALG[ \t]+protocol:[ \t]*([^\s,]+),?(?=\s|$)/y,
  counts: /Number[ \t]+of[ \t]+initiators:[ \t]*(\d+),?[ \t]*Number[ \t]+of[ \t]+responders:[ \t]*(\d+)(?=\s|$)/y,
  header: /Flow[ \t]+Stat(?:e|s)[ \t]+Dir[ \t]+Frm[ \t]+count(?=\s|$)/y,
};
/** A whole line `Key: value` (unknown extra field). */
const KV_LINE = /^[ \t]*([A-Za-z][\w ()/.\-]*?):[ \t]+(\S.*?)[ \t]*$/;
const NON_WS = /\S*/y;

export function parseJunosConversations(ctx: ParseContext, seg: Segment, base: Omit<JunosConversationsDocument, "format" | "interfaces">): JunosConversationsDocument {
  const doc: JunosConversationsDocument = { ...base, format: "junos-conversations", interfaces: [] };
  let iface: JunosInterface | null = null;
  let conv: JunosConversation | null = null;
  let flow: JunosFlow | null = null;
  const lines = ctx.lines;

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
    const text = lines[i]!;
    const line = i + 1;
    let pos = i === seg.start ? seg.col : 0;
    const lineStart = skipBlanks(text, pos);
    if (pos === 0 && MAYBE_IGNORABLE(text, lineStart) && IGNORABLE.test(text)) continue;
    let unknownAt = -1;
    while (true) {
      pos = skipBlanks(text, pos);
      if (pos >= text.length) break;
      const ch = text.charCodeAt(pos);
      let m: RegExpExecArray | null = null;
      // N: NAT or Number of ...
      if (ch === 78 /* N */) {
        ITEMS.nat.lastIndex = pos;
        if ((m = ITEMS.nat.exec(text))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, text, unknownAt, pos);
          const from = parseEndpoint(m[2]!);
          const to = parseEndpoint(m[3]!);
          if (!flow) ctx.report("orphan_nat", "warning", i, pos, "NAT line without a flow line before it");
          else if (!from || !to) ctx.report("bad_endpoint", "error", i, pos + m[0].indexOf(from ? m[3]! : m[2]!, 4), `bad address:port "${from ? m[3] : m[2]}"`);
          else flow.nat.push({ kind: m[1] === "source" ? "source" : "dest", from, to });
          pos = ITEMS.nat.lastIndex;
          continue;
        }
        ITEMS.counts.lastIndex = pos;
        if ((m = ITEMS.counts.exec(text))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, text, unknownAt, pos);
          const c = ensureConv(line);
          c.initiators = Number(m[1]);
          c.responders = Number(m[2]);
          pos = ITEMS.counts.lastIndex;
          continue;
        }
      } else if (ch === 73 /* I */) {
        ITEMS.iface.lastIndex = pos;
        if ((m = ITEMS.iface.exec(text))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, text, unknownAt, pos);
          iface = { name: m[1]!, serviceSet: m[2] ?? null, conversations: [], location: { line } };
          doc.interfaces.push(iface);
          conv = null;
          flow = null;
          pos = ITEMS.iface.lastIndex;
          continue;
        }
      } else if (ch === 67 /* C */) {
        ITEMS.conv.lastIndex = pos;
        if ((m = ITEMS.conv.exec(text))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, text, unknownAt, pos);
          conv = null;
          flow = null;
          ensureConv(line).alg = m[1]!;
          pos = ITEMS.conv.lastIndex;
          continue;
        }
      } else if (ch === 71 /* G */) {
        ITEMS.gate.lastIndex = pos;
        if ((m = ITEMS.gate.exec(text))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, text, unknownAt, pos);
          if (!flow) ctx.report("orphan_gate", "warning", i, pos, "Gate id line without a flow line before it");
          else flow.gateId = Number(m[1]);
          pos = ITEMS.gate.lastIndex;
          continue;
        }
      } else if (ch === 70 /* F */) {
        ITEMS.header.lastIndex = pos;
        if ((m = ITEMS.header.exec(text))) {
          if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, text, unknownAt, pos);
          pos = ITEMS.header.lastIndex;
          continue;
        }
      }
      ITEMS.flow.lastIndex = pos;
      if ((m = ITEMS.flow.exec(text))) {
        if (unknownAt >= 0) unknownAt = flushUnknown(ctx, i, text, unknownAt, pos);
        const src = parseEndpoint(m[2]!);
        const dst = parseEndpoint(m[3]!);
        if (!src || !dst) {
          const bad = src ? m[3]! : m[2]!;
          ctx.report("bad_endpoint", "error", i, pos + m[0].indexOf(bad, m[1]!.length), `bad address:port "${bad}" in flow line`);
          flow = null;
        } else {
          flow = { proto: intern(m[1]!), src, dst, state: intern(m[4]!), dir: m[5] === "I" ? "I" : "O", frames: Number(m[6]), nat: [], location: { line } };
          ensureConv(line).flows.push(flow);
        }
        pos = ITEMS.flow.lastIndex;
        continue;
      }
      // nothing matched here
      if (unknownAt < 0 && pos === lineStart && lineStart === firstNonWs(text)) {
        const kv = KV_LINE.exec(text);
        if (kv) {
          const target = flow ?? conv ?? null;
          if (target) (target.extra ??= {})[kv[1]!] = kv[2]!;
          ctx.report("unknown_field", "info", i, pos, `unrecognised field "${clip(kv[1]!)}" kept as extra`);
          break;
        }
      }
      if (unknownAt < 0) unknownAt = pos;
      NON_WS.lastIndex = pos;
      NON_WS.exec(text);
      pos = NON_WS.lastIndex;
    }
    if (unknownAt >= 0) flushUnknown(ctx, i, text, unknownAt, text.length);
  }

  for (const itf of doc.interfaces) {
    for (const c of itf.conversations) {
      if (c.initiators === null) continue;
      const ni = c.flows.filter((f) => f.dir === "I").length;
      const no = c.flows.length - ni;
      if (ni !== c.initiators || no !== c.responders) {
        ctx.report("count_mismatch", "info", c.location.line - 1, 0,
          `conversation lists ${ni} initiator and ${no} responder flows, header says ${c.initiators} and ${c.responders}`);
      }
    }
  }
  return doc;
}

/** Report unknown text [from, end) of line i; returns -1 (the new "no unknown text" marker). */
function flushUnknown(ctx: ParseContext, i: number, text: string, from: number, end: number): number {
  ctx.report("unknown_text", "error", i, from, `not part of a Junos conversation list: "${clip(text.slice(from, end))}"`);
  return -1;
}

function skipBlanks(s: string, k: number): number {
  let c: number;
  while (k < s.length && ((c = s.charCodeAt(k)) === 32 || c === 9)) k++;
  return k;
}

/** Only blank lines or lines starting with `#`, `{`, `-`, `[` can be IGNORABLE. */
function MAYBE_IGNORABLE(s: string, k: number): boolean {
  if (k >= s.length) return true;
  const c = s.charCodeAt(k);
  return c === 35 || c === 123 || c === 45 || c === 91;
}

/** State words and protocol names repeat on every line: keep one copy of each. */
const INTERNED = new Map<string, string>();
function intern(s: string): string {
  const v = INTERNED.get(s);
  if (v !== undefined) return v;
  if (INTERNED.size < 1000) INTERNED.set(s, s);
  return s;
}

function firstNonWs(s: string): number {
  let k = 0;
  while (k < s.length && (s.charCodeAt(k) === 32 || s.charCodeAt(k) === 9)) k++;
  return k;
}
