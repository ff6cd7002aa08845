/**
 * SRX `show security flow session [brief]` (ROUTER-FORMATS.md §5.1).
 *
 *   [node0:]                                         # cluster only, followed by a line of dashes
 *   Session ID: <id>, Policy name: <p>/<n>, [HA State: <s>, ]Timeout: <t>, Session State: <s>
 *     In: <ip>/<port> --> <ip>/<port>;<proto>, Conn Tag: 0x0, If: <ifname>, Pkts: <n>, Bytes: <n>,
 *     Out: <ip>/<port> --> <ip>/<port>;<proto>, ...
 *   Total sessions: <n>
 *
 *   "Session ID: 1, Policy name: p/4, Timeout: 18, Session State: Valid\n
 *      In: 192.168.99.201/18277 --> 76.214.233.95/722;icmp, Conn Tag: 0x0, If: reth1.1000, Pkts: 1, Bytes: 84,"
 *   → sessions: [{ sessionId: "1", policy: "p/4", timeout: 18, sessionState: "Valid",
 *       attributes: {...every key: value}, in: { src: {ip:"192.168.99.201",port:18277},
 *       dst: {ip:"76.214.233.95",port:722}, proto: "icmp", connTag: "0x0", interface: "reth1.1000",
 *       packets: 1, bytes: 84, attributes: {...} } }]
 *
 * Addresses are split from ports at the last `/` (IPv6 safe). Other `Key: value` lines under a
 * session (e.g. `Resource information`) are kept in its attributes (info `unknown_field`).
 */
import type { RouterEndpoint, SrxFlowSessionDocument, SrxSession, SrxWing } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip } from "../lines.js";
import { endpointFrom } from "../ip.js";

const NODE = /^[ \t]*(node\d+):[ \t]*$/;
const DASHES = /^[ \t]*-{10,}[ \t]*$/;
const SESSION = /^[ \t]*Session ID:[ \t]*(\d+)[ \t]*,?(.*)$/;
const WING = /^[ \t]*(In|Out):[ \t]*(\S+)[ \t]+-->[ \t]+([^\s;]+);([^\s,]+),?(.*)$/;
const TOTAL = /^[ \t]*Total sessions:[ \t]*(\d+)/;
const KV_LINE = /^[ \t]*([A-Za-z][\w ()/.\-]*?)[ \t]*:[ \t]*(\S.*?)[ \t]*,?[ \t]*$/;

/** `a: b, c: d,` → { a: "b", c: "d" } (values may contain `/`, not `, `). */
export function commaPairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const piece of s.split(/,[ \t]*/)) {
    const p = piece.trim();
    if (!p) continue;
    const c = p.indexOf(":");
    if (c < 0) out[p] = "";
    else out[p.slice(0, c).trim()] = p.slice(c + 1).trim();
  }
  return out;
}

function slashEndpoint(s: string): RouterEndpoint | null {
  const k = s.lastIndexOf("/");
  return k > 0 ? endpointFrom(s.slice(0, k), s.slice(k + 1)) : endpointFrom(s, undefined);
}

const num = (s: string | undefined): number | undefined => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);

export function parseSrxFlowSession(ctx: ParseContext, seg: Segment, base: Omit<SrxFlowSessionDocument, "format" | "sessions" | "totals">): SrxFlowSessionDocument {
  const doc: SrxFlowSessionDocument = { ...base, format: "srx-flow-session", sessions: [], totals: [] };
  const lines = ctx.lines;
  let node: string | undefined;
  let session: SrxSession | null = null;
  for (let i = seg.start; i < seg.end; i++) {
    const col = i === seg.start ? seg.col : 0;
    const text = col ? lines.get(i).slice(col) : lines.get(i);
    if (IGNORABLE.test(text) || DASHES.test(text)) continue;
    let m: RegExpExecArray | null;
    if ((m = NODE.exec(text))) {
      node = m[1]!;
      session = null;
    } else if ((m = SESSION.exec(text))) {
      const attributes = commaPairs(m[2]!);
      session = { sessionId: m[1]!, attributes, location: { line: i + 1 } };
      if (node) session.node = node;
      if (attributes["Policy name"] !== undefined) session.policy = attributes["Policy name"];
      if (attributes["HA State"] !== undefined) session.haState = attributes["HA State"];
      const t = num(attributes["Timeout"]);
      if (t !== undefined) session.timeout = t;
      if (attributes["Session State"] !== undefined) session.sessionState = attributes["Session State"];
      doc.sessions.push(session);
    } else if ((m = WING.exec(text))) {
      const src = slashEndpoint(m[2]!);
      const dst = slashEndpoint(m[3]!);
      if (!session) {
        ctx.report("orphan_wing", "error", i, col, `${m[1]}: line without a Session ID line before it`);
      } else if (!src || !dst) {
        const bad = src ? m[3]! : m[2]!;
        ctx.report("bad_endpoint", "error", i, col + text.indexOf(bad), `bad address/port "${bad}"`);
      } else {
        const attributes = commaPairs(m[5]!);
        const wing: SrxWing = { src, dst, proto: m[4]!, attributes, location: { line: i + 1 } };
        if (attributes["Conn Tag"] !== undefined) wing.connTag = attributes["Conn Tag"];
        if (attributes["If"] !== undefined) wing.interface = attributes["If"];
        const p = num(attributes["Pkts"]);
        if (p !== undefined) wing.packets = p;
        const b = num(attributes["Bytes"]);
        if (b !== undefined) wing.bytes = b;
        if (m[1] === "In") session.in = wing;
        else session.out = wing;
      }
    } else if ((m = TOTAL.exec(text))) {
      doc.totals.push(node ? { node, total: Number(m[1]) } : { total: Number(m[1]) });
      session = null;
    } else if (session && (m = KV_LINE.exec(text))) {
      session.attributes[m[1]!] = m[2]!;
      ctx.report("unknown_field", "info", i, col + (text.length - text.trimStart().length), `unrecognised field "${clip(m[1]!)}" kept in the session's attributes`);
    } else {
      ctx.report("unknown_line", "error", i, col + (text.length - text.trimStart().length), `not part of a flow session list: "${clip(text)}"`);
    }
  }
  return doc;
}
