/**
 * `conntrack -L expect` and `/proc/net/nf_conntrack_expect` (ROUTER-FORMATS.md §6).
 *
 *   conntrack:  TIMEOUT proto=N src= dst= sport= dport= mask-src= mask-dst= sport= dport=
 *               master-src= master-dst= sport= dport= [PERMANENT] [INACTIVE] [USERSPACE] class=N helper=NAME
 *   /proc:      TIMEOUT l3proto = 2 proto=6 src= dst= sport= dport= [PERMANENT] [INACTIVE] [USERSPACE] HELPER[/CLASSNAME]
 *
 *   "299 proto=6 src=10.99.1.2 dst=10.99.2.2 sport=0 dport=44369 mask-src=255.255.255.255 ...
 *    master-src=10.99.1.2 master-dst=10.99.2.2 sport=55900 dport=21 class=0 helper=ftp"
 *   → { timeout: 299, protoNumber: 6, tuple: { src: {ip:"10.99.1.2",port:0}, dst: {ip:"10.99.2.2",port:44369} },
 *       mask: {...}, master: { src: {ip:"10.99.1.2",port:55900}, dst: {ip:"10.99.2.2",port:21} },
 *       flags: [], class: 0, helper: "ftp" }
 *
 *   conntrack -E expect [-o timestamp]:  [[SECONDS.MICROS]] [NEW|UPDATE|DESTROY] then the conntrack form
 *   "[1796308949.438166]\t    [NEW] 300 proto=17 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=35768 ... helper=tftp"
 *   → { event: "NEW", time: "1796308949.438166", timeout: 300, protoNumber: 17, ... }
 *
 * `sport=`/`dport=` belong to the group (tuple, mask, master) whose `src=` was seen last. A bare
 * lower-case word at the end is the helper (/proc form), followed by `/` and the name of the
 * expectation's class when the helper names its classes (`sip/audio`, `sip/signalling`: helper
 * "sip", className "audio"); bare upper-case words are flags (conntrack prints several joined by
 * commas: `PERMANENT,INACTIVE`; /proc separates them with spaces: `PERMANENT sip/signalling`).
 *
 *   "3599 l3proto = 2 proto=17 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=5060 PERMANENT sip/signalling"
 *   → { timeout: 3599, l3proto: 2, protoNumber: 17, flags: ["PERMANENT"], helper: "sip", className: "signalling", ... }
 */
import type { ConntrackExpectation, ConntrackExpectDocument, RouterEndpoint } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip } from "../lines.js";
import { endpointFrom } from "../ip.js";
import { newTokens, tokenize, SHOWN, isDigits } from "./tokens.js";

interface Group { src?: string; dst?: string; sport?: string; dport?: string }

function pair(g: Group | undefined): { src: RouterEndpoint; dst: RouterEndpoint } | null | undefined {
  if (!g) return undefined;
  if (g.src === undefined || g.dst === undefined) return null;
  const src = endpointFrom(g.src, g.sport);
  const dst = endpointFrom(g.dst, g.dport);
  return src && dst ? { src, dst } : null;
}

/** Bare upper-case flags, bracketed or not, one or several joined by commas (`PERMANENT,INACTIVE`). */
const FLAGS = /^\[?[A-Z_]+(?:,[A-Z_]+)*\]?$/;

/** `conntrack -E expect`: the optional `-o timestamp` time and the event before the expectation. */
const EVENT_PREFIX = /^[ \t]*(?:\[[ \t]*(\d+\.\d+)[ \t]*\][ \t]*)?\[(NEW|UPDATE|DESTROY)\][ \t]*/;

export function parseConntrackExpect(ctx: ParseContext, seg: Segment, base: Omit<ConntrackExpectDocument, "format" | "expectations">): ConntrackExpectDocument {
  const doc: ConntrackExpectDocument = { ...base, format: "conntrack-expect", expectations: [] };
  const t = newTokens();
  for (let i = seg.start; i < seg.end; i++) {
    const col = i === seg.start ? seg.col : 0;
    const text = ctx.lines.get(i);
    const body = col ? text.slice(col) : text;
    if (IGNORABLE.test(body)) continue;
    const s = SHOWN.exec(body);
    if (s) {
      doc.shown = Number(s[1]);
      continue;
    }
    const ev = EVENT_PREFIX.exec(body);
    tokenize(text, ev ? col + ev[0].length : col, t);
    const tk = t.text;
    if (t.n < 2 || !isDigits(tk[0]!)) {
      ctx.report("unknown_line", "error", i, t.n ? t.col[0]! : col, `not a conntrack expectation: "${clip(body)}"`);
      continue;
    }
    const x: Partial<ConntrackExpectation> & { flags: string[] } = { timeout: Number(tk[0]), flags: [], location: { line: i + 1 } };
    if (ev) {
      x.event = ev[2]!;
      if (ev[1] !== undefined) x.time = ev[1];
    }
    const groups: Record<string, Group> = { tuple: {} };
    let cur = groups.tuple!;
    let unknown = -1;
    for (let k = 1; k < t.n; k++) {
      const tok = tk[k]!;
      if (tok === "l3proto" && tk[k + 1] === "=" && k + 2 < t.n) {
        x.l3proto = Number(tk[k + 2]);
        k += 2;
        continue;
      }
      const eq = tok.indexOf("=");
      if (eq < 0) {
        if (FLAGS.test(tok)) for (const f of tok.replace(/^\[|\]$/g, "").split(",")) x.flags.push(f);
        else if (k === t.n - 1 && /^[a-z][\w.\-/]*$/.test(tok)) {
          const slash = tok.indexOf("/");
          x.helper = slash < 0 ? tok : tok.slice(0, slash);
          if (slash >= 0 && slash < tok.length - 1) x.className = tok.slice(slash + 1);
        }
        else if (unknown < 0) unknown = t.col[k]!;
        continue;
      }
      const key = tok.slice(0, eq);
      const val = tok.slice(eq + 1);
      switch (key) {
        case "src": case "dst": cur = groups.tuple!; cur[key] = val; break;
        case "mask-src": case "mask-dst": cur = groups.mask ??= {}; cur[key === "mask-src" ? "src" : "dst"] = val; break;
        case "master-src": case "master-dst": cur = groups.master ??= {}; cur[key === "master-src" ? "src" : "dst"] = val; break;
        case "sport": cur.sport = val; break;
        case "dport": cur.dport = val; break;
        case "proto": x.protoNumber = Number(val); break;
        case "l3proto": x.l3proto = Number(val); break;
        case "class":
          // A class is an index (the kernel's NF_CT_MAX_EXPECT_CLASSES is 4): digits, else not one.
          if (isDigits(val) && val.length <= 10) x.class = Number(val);
          else if (unknown < 0) unknown = t.col[k]!;
          break;
        case "helper": x.helper = val; break;
        default: (x.extra ??= {})[key] = val;
      }
    }
    const tuple = pair(groups.tuple);
    const mask = pair(groups.mask);
    const master = pair(groups.master);
    if (!tuple || mask === null || master === null || !octet(x.protoNumber) || (x.l3proto !== undefined && !octet(x.l3proto))) {
      ctx.report("bad_entry", "error", i, col, `conntrack expectation without a complete proto (0-255)/src/dst/sport/dport: "${clip(body)}"`);
      continue;
    }
    x.tuple = tuple;
    if (mask) x.mask = mask;
    if (master) x.master = master;
    if (unknown >= 0) ctx.report("unknown_text", "warning", i, unknown, `unrecognised token "${clip(text.slice(unknown).split(/\s/)[0]!)}" in conntrack expectation`);
    const ordered: ConntrackExpectation = {
      ...(x.event !== undefined ? { event: x.event } : {}),
      ...(x.time !== undefined ? { time: x.time } : {}),
      timeout: x.timeout!, protoNumber: x.protoNumber!, tuple, flags: x.flags, location: x.location!,
      ...(x.l3proto !== undefined ? { l3proto: x.l3proto } : {}),
      ...(x.mask ? { mask: x.mask } : {}),
      ...(x.master ? { master: x.master } : {}),
      ...(x.class !== undefined ? { class: x.class } : {}),
      ...(x.helper !== undefined ? { helper: x.helper } : {}),
      ...(x.className !== undefined ? { className: x.className } : {}),
      ...(x.extra ? { extra: x.extra } : {}),
    };
    doc.expectations.push(ordered);
  }
  return doc;
}

/** An IP protocol number (one octet, RFC 791 §3.1), as a decimal integer 0–255. */
function octet(n: number | undefined): boolean {
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 255;
}
