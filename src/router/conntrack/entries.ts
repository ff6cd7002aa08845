/**
 * `conntrack -L` (default and `-o extended`, with or without accounting), `conntrack -E`
 * (optionally `-o timestamp`) and `/proc/net/nf_conntrack` (ROUTER-FORMATS.md §6).
 *
 *   [ [SECONDS.USEC] ] [ [NEW]|[UPDATE]|[DESTROY] ] [l3name l3num] l4name l4num [timeout] [STATE]
 *   src= dst= sport= dport= (ICMP: type= code= id=) [zone-orig=] [packets= bytes=] [UNREPLIED]
 *   src= dst= sport= dport= [zone-reply=] [packets= bytes=] [ASSURED] mark= zone= helper= use= id= ...
 *
 *   "tcp 6 299 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 sport=55900 dport=21 packets=6 bytes=342
 *    src=10.99.2.2 dst=10.99.2.1 sport=21 dport=55900 packets=6 bytes=398 [ASSURED] mark=0 helper=ftp use=1"
 *   → { protoName: "tcp", protoNumber: 6, timeout: 299, state: "ESTABLISHED",
 *       orig: { src: {ip:"10.99.1.2",port:55900}, dst: {ip:"10.99.2.2",port:21}, packets: 6, bytes: 342 },
 *       reply: { src: {ip:"10.99.2.2",port:21}, dst: {ip:"10.99.2.1",port:55900}, packets: 6, bytes: 398 },
 *       flags: ["ASSURED"], mark: 0, helper: "ftp", use: 1 }
 *
 * The first `src=` starts the original tuple, the second the reply tuple; `sport/dport/type/code/
 * id/packets/bytes` belong to the tuple being read. `id=` after the tuples is the entry id.
 * Fully expanded IPv6 addresses (/proc) are canonicalised.
 */
import type { ConntrackEntry, ConntrackTuple, ConntrackDocument, ConntrackEventsDocument } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip } from "../lines.js";
import { canonicalIp } from "../ip.js";
import { newTokens, tokenize, SHOWN, isDigits } from "./tokens.js";

const LEAD = /[ \t]*(?:\[[ \t]*(\d+\.\d+)[ \t]*\][ \t]*)?(?:\[(NEW|UPDATE|DESTROY)\][ \t]*)?/y;
const STATE = /^[A-Z][A-Z0-9_]*$/;

/** Tuple under construction (raw strings until the entry is complete). */
interface RawTuple {
  src?: string; dst?: string; sport?: string; dport?: string;
  packets?: number; bytes?: number; type?: number; code?: number; id?: number; zone?: number;
}

type Outcome = ConntrackEntry | { col: number; message: string; code: string };

export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackDocument, "format" | "entries">): ConntrackDocument;
export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackEventsDocument, "format" | "events">, events: true): ConntrackEventsDocument;
export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackDocument, "format" | "entries">, events = false): ConntrackDocument | ConntrackEventsDocument {
  const list: ConntrackEntry[] = [];
  let shown: number | undefined;
  const t = newTokens();
  const lines = ctx.lines;
  for (let i = seg.start; i < seg.end; i++) {
    const text = lines[i]!;
    const col = i === seg.start ? seg.col : 0;
    const c0 = text.charCodeAt(col);
    // fast path: an entry starts with a letter (tcp/ipv4) or '[' (events); anything else is checked
    if (!(c0 >= 97 && c0 <= 122) && c0 !== 91) {
      if (IGNORABLE.test(col ? text.slice(col) : text)) continue;
    }
    if (c0 === 99 /* c */) {
      const s = SHOWN.exec(text);
      if (s) {
        shown = Number(s[1]);
        continue;
      }
    }
    const r = parseEntry(text, col, i + 1, t);
    if ("code" in r) {
      ctx.report(r.code, "error", i, r.col, r.message);
      continue;
    }
    if (r.unknown !== undefined) {
      ctx.report("unknown_text", "warning", i, r.unknown, `unrecognised token "${clip(text.slice(r.unknown).split(/\s/)[0]!)}" in conntrack entry`);
      delete r.unknown;
    }
    list.push(r);
  }
  if (events) {
    const d: ConntrackEventsDocument = { ...base, format: "conntrack-events", events: list };
    if (shown !== undefined) d.shown = shown;
    return d;
  }
  const d: ConntrackDocument = { ...base, format: "conntrack", entries: list };
  if (shown !== undefined) d.shown = shown;
  return d;
}

function tuple(r: RawTuple): ConntrackTuple | string {
  if (r.src === undefined || r.dst === undefined) return "missing src= or dst=";
  const src = canonicalIp(r.src);
  if (!src) return `bad address "${r.src}"`;
  const dst = canonicalIp(r.dst);
  if (!dst) return `bad address "${r.dst}"`;
  const sp = r.sport === undefined ? null : Number(r.sport);
  const dp = r.dport === undefined ? null : Number(r.dport);
  if ((sp !== null && !(sp >= 0 && sp <= 65535)) || (dp !== null && !(dp >= 0 && dp <= 65535))) return "bad port";
  const t: ConntrackTuple = { src: { ip: src, port: sp }, dst: { ip: dst, port: dp } };
  if (r.packets !== undefined) t.packets = r.packets;
  if (r.bytes !== undefined) t.bytes = r.bytes;
  if (r.type !== undefined || r.code !== undefined || r.id !== undefined) {
    t.icmp = {};
    if (r.type !== undefined) t.icmp.type = r.type;
    if (r.code !== undefined) t.icmp.code = r.code;
    if (r.id !== undefined) t.icmp.id = r.id;
  }
  if (r.zone !== undefined) t.zone = r.zone;
  return t;
}

/** Parse one entry line. `unknown` (column of the first unrecognised token) is removed by the caller. */
export function parseEntry(text: string, col: number, line: number, t = newTokens()): (ConntrackEntry & { unknown?: number }) | { col: number; message: string; code: string } {
  LEAD.lastIndex = col;
  const lead = LEAD.exec(text)!;
  tokenize(text, LEAD.lastIndex, t);
  const tk = t.text;
  const n = t.n;
  let k = 0;
  let l3: string | undefined;
  if (n >= 2 && (tk[0] === "ipv4" || tk[0] === "ipv6") && isDigits(tk[1]!)) {
    l3 = tk[0];
    k = 2;
  }
  if (k + 1 >= n || tk[k]!.indexOf("=") >= 0 || !isDigits(tk[k + 1]!)) {
    return { code: "unknown_line", col: k < n ? t.col[k]! : col, message: `not a conntrack entry: "${clip(text.slice(col))}"` };
  }
  const e: ConntrackEntry & { unknown?: number } = {
    protoName: tk[k]!, protoNumber: Number(tk[k + 1]), orig: null as unknown as ConntrackTuple, flags: [], location: { line },
  };
  if (lead[1]) e.time = lead[1];
  if (lead[2]) e.event = lead[2];
  if (l3) e.l3 = l3;
  k += 2;
  if (k < n && isDigits(tk[k]!)) e.timeout = Number(tk[k++]);
  if (k < n && STATE.test(tk[k]!)) e.state = tk[k++];
  const orig: RawTuple = {};
  let reply: RawTuple | undefined;
  let cur = orig;
  let tuplesDone = false;
  for (; k < n; k++) {
    const tok = tk[k]!;
    const eq = tok.indexOf("=");
    if (eq < 0) {
      if (tok.charCodeAt(0) === 91 && tok.charCodeAt(tok.length - 1) === 93) {
        e.flags.push(tok.slice(1, -1));
        if (reply) tuplesDone = true;
      } else if (e.unknown === undefined) e.unknown = t.col[k]!;
      continue;
    }
    const key = tok.slice(0, eq);
    const val = tok.slice(eq + 1);
    switch (key) {
      case "src":
        if (cur.src !== undefined && !reply) cur = reply = {};
        cur.src = val;
        break;
      case "dst": cur.dst = val; break;
      case "sport": cur.sport = val; break;
      case "dport": cur.dport = val; break;
      case "packets": cur.packets = Number(val); break;
      case "bytes": cur.bytes = Number(val); break;
      case "type": cur.type = Number(val); break;
      case "code": cur.code = Number(val); break;
      case "id":
        if (!tuplesDone && cur.type !== undefined && cur.id === undefined) cur.id = Number(val);
        else e.id = Number(val);
        break;
      case "zone-orig": orig.zone = Number(val); break;
      case "zone-reply": (reply ??= {}).zone = Number(val); break;
      case "mark": e.mark = Number(val); tuplesDone = true; break;
      case "zone": e.zone = Number(val); tuplesDone = true; break;
      case "helper": e.helper = val; tuplesDone = true; break;
      case "use": e.use = Number(val); tuplesDone = true; break;
      default:
        (e.extra ??= {})[key] = val;
        tuplesDone = true;
    }
  }
  const o = tuple(orig);
  if (typeof o === "string") return { code: "bad_entry", col, message: `conntrack entry: ${o}` };
  e.orig = o;
  if (reply) {
    const r = tuple(reply);
    if (typeof r === "string") return { code: "bad_entry", col, message: `conntrack entry reply tuple: ${r}` };
    e.reply = r;
  }
  return e;
}
