/**
 * Ladder (sequence) diagram of one ALG session, drawn from the verify report alone (platform
 * neutral; the page, `verify --html` and the tests share it):
 *
 *   client │ inside capture │ NAT router │ outside capture │ server      (a capture lane only when given)
 *
 * - one control arrow per negotiation (the PORT/EPRT/227/229/SETUP Transport line that carries an
 *   address), with the line as each capture saw it on its side of the router, the bytes the ALG
 *   rewrote highlighted, "not rewritten" / "rewritten wrongly" in the error colour;
 * - one data arrow per data/media connection attempt, ending where it ended: `crossed` the NAT,
 *   `died-at-router` (with the ICMP error the router sent, when the report quotes one), `refused`
 *   (the server's 425/500 reply), `not-attempted`, `not-covered` (beyond what the captures show),
 *   `stopped` (SDP: a later offer/answer ended the media before any was sent),
 *   or the report's data path when it is something else (drawn as a stub naming it);
 * - packet numbers of each capture on each arrow, times relative to the session's first packet (the
 *   control connection's first packet in either capture, `control.first`; a report without it: its
 *   first negotiation), outside times moved onto the inside clock by the estimated clock offset;
 * - sessions with more than `maxNegotiations` negotiations are folded: the first and last ones and
 *   every negotiation with a problem are drawn, each run of the others becomes one counted row.
 *
 * Stable attributes for scripts and tests: `svg[data-session]`, `[data-lane]`,
 * `[data-arrow="control"|"data"]`, `[data-end]`, `[data-rewritten]`, `tspan[data-span="rewritten"]`,
 * `[data-folded]`, `data-inside-packet` / `data-outside-packet`, `data-findings`.
 */
import type { VerifyReportLike } from "../verify/report-types.js";
import { el, type Markup } from "./markup.js";
import { hostPort } from "../net/addr.js";

type Report = VerifyReportLike;
type Session = Report["sessions"][number];
type Negotiation = Session["negotiations"][number];
type SideNegotiation = NonNullable<Negotiation["inside"]>;
type Finding = Report["findings"][number];

/** Negotiations drawn per session before the diagram is folded (first/last kept, problems kept). */
export const LADDER_MAX_NEGOTIATIONS = 12;

export interface LadderOptions {
  /** Negotiations drawn before folding (default LADDER_MAX_NEGOTIATIONS, at least 3). */
  maxNegotiations?: number;
}

export interface Ladder {
  /** `data-session` of the diagram: the session's 1-based place in `report.sessions`. */
  session: string;
  svg: Markup;
  /** Negotiations not drawn (folded rows). */
  folded: number;
}

/** Colours (all ≥ 4.5:1 on white, the diagram's background). */
export const COLOURS = { fg: "#1b1b1f", muted: "#4a4a55", line: "#767680", accent: "#0b57d0", pass: "#146c2e", fail: "#a8191f", warn: "#7a4a00" };

const W = 1200;
const HEAD = 46;
/** The lanes span LANE_LEFT..LANE_RIGHT; what happened to each arrow is written right of them. */
const LANE_LEFT = 185;
const LANE_RIGHT = 830;
const NOTE_X = 862;
const NOTE_CHARS = 52;
const ROW = 46;
const FONT = "ui-monospace, 'DejaVu Sans Mono', monospace";
const SANS = "system-ui, 'DejaVu Sans', sans-serif";
/** Width of one character of the 11 px monospace labels (DejaVu Sans Mono: 0.602 em). */
const CHAR = 6.7;

type LaneKey = "client" | "inside" | "router" | "outside" | "server";

interface Lane {
  key: LaneKey;
  x: number;
}

export const ep = (e?: { ip?: string; port?: number | null }): string =>
  !e ? "-" : hostPort(e.ip ?? "", e.port);

/** The session's id in diagrams and anchors. */
export const sessionId = (index: number): string => String(index + 1);

// ---- time ---------------------------------------------------------------------------------

/** An ISO 8601 time with nanoseconds as [whole seconds since the epoch, nanoseconds]. */
function isoParts(t: string): [number, number] | undefined {
  const s = Date.parse(t.slice(0, 19) + "Z");
  if (!Number.isFinite(s)) return undefined;
  const frac = /^\.(\d+)/.exec(t.slice(19))?.[1] ?? "";
  return [s / 1000, Number((frac + "000000000").slice(0, 9))];
}

/** Milliseconds from `origin` to `t` (exact to the nanosecond for any realistic span). */
export function msBetween(origin: string, t: string): number | undefined {
  const a = isoParts(origin);
  const b = isoParts(t);
  if (!a || !b) return undefined;
  return (b[0] - a[0]) * 1000 + (b[1] - a[1]) / 1e6;
}

/** "+0.612 ms", "+2.004 s". */
export function relTime(ms: number): string {
  const sign = ms < 0 ? "−" : "+";
  const a = Math.abs(ms);
  return a < 1000 ? `${sign}${a.toFixed(3)} ms` : `${sign}${(a / 1000).toFixed(3)} s`;
}

/** Milliseconds on the inside clock (outside times minus the estimated offset). */
function onInsideClock(r: Report, side: "inside" | "outside", t: string | undefined, origin: string): number | undefined {
  if (!t) return undefined;
  const ms = msBetween(origin, t);
  if (ms === undefined) return undefined;
  return side === "outside" ? ms - (r.nat.clockOffsetMs ?? 0) : ms;
}

// ---- what each negotiation and attempt is ---------------------------------------------------

/** Findings whose evidence names this negotiation's packets (per capture). */
export function findingsOf(r: Report, n: Negotiation): Finding[] {
  return r.findings.filter((f) =>
    (n.inside && f.evidence.inside?.includes(n.inside.packet)) || (n.outside && f.evidence.outside?.includes(n.outside.packet)));
}

export type RewriteMark = "true" | "false" | "wrong" | "unchanged" | "unchecked";

/** Whether the ALG rewrote the line: from the findings first, then the report's rewrite check. */
export function rewriteMark(n: Negotiation, fs: Finding[]): RewriteMark {
  const same = n.inside && n.outside && n.inside.line === n.outside.line;
  if (fs.some((f) => f.code === "alg.payload-not-translated") || (n.rewrite?.ok === false && same)) return "false";
  if (fs.some((f) => f.code === "alg.payload-wrong-address" || f.code === "alg.payload-port-mismatch") || n.rewrite?.ok === false) return "wrong";
  if (!n.inside || !n.outside) return "unchecked";
  // The report's own rewrite check first: an SDP's address changes in c=, not in the m= line shown.
  if (n.rewrite?.status === "rewritten") return "true";
  if (n.rewrite?.status === "not-needed") return "unchanged";
  return same ? "unchanged" : "true";
}

/** Lines that go from the client to the server (the others are the server's replies). */
function fromClient(n: Negotiation, s: Session): boolean {
  if (n.kind === "RRQ" || n.kind === "WRQ") return true;
  if (n.kind === "SDP") return sdpFromClient(n, s);
  return n.kind === "PORT" || n.kind === "EPRT" || n.kind === "LPRT" || (n.kind === "SETUP" && (n.inside ?? n.outside)?.requestPacket === undefined);
}

/**
 * An SDP announces its sender's media: from the client when it names the client's address (inside)
 * or its NAT address (outside), from the server when it names the server's; otherwise a request
 * travels as the dialog's first request did (client to server) and a response the other way.
 */
function sdpFromClient(n: Negotiation, s: Session): boolean {
  const i = n.inside?.announced.ip;
  const o = n.outside?.announced.ip;
  if ((i !== undefined && i === s.control.client.ip) || (o !== undefined && o === s.control.clientTranslated?.ip)) return true;
  if (i === s.control.server.ip || o === s.control.server.ip) return false;
  return !/^\d/.test(n.command ?? "");
}

/** Who opens the data/media connection a negotiation announces (SIP media comes from the party the SDP did not come from). */
function dataOrigin(n: Negotiation, s: Session): "client" | "server" {
  if (n.kind === "SDP") return sdpFromClient(n, s) ? "server" : "client";
  return n.kind === "227" || n.kind === "228" || n.kind === "229" ? "client" : "server";
}

/** The line drawn for a negotiation: an SDP's m= line with the c= address it belongs to. */
const shownLine = (n: Negotiation, x: SideNegotiation): string =>
  n.kind === "SDP" && x.announced.ip !== undefined && !x.line.includes(x.announced.ip) ? `c=${x.announced.ip} ${x.line}` : x.line;

export interface Attempt {
  from: "client" | "server";
  end: string;
  proto: string;
  insidePacket?: number;
  outsidePacket?: number;
  insideText?: string;
  outsideText?: string;
  note?: string;
  /** Milliseconds from the session's origin, on the inside clock. */
  ms?: number;
}

/** Per report, built once: capture times by "side|packet", NAT mappings by inside flow. */
const INDEX = new WeakMap<Report, { timeOf: Map<string, string>; byInside: Map<number, Report["nat"]["mappings"][number]> }>();

function indexOf(r: Report) {
  let x = INDEX.get(r);
  if (!x) {
    x = { timeOf: new Map(), byInside: new Map() };
    for (const e of r.timeline) if (e.time && e.packet !== undefined && e.source !== "router") x.timeOf.set(`${e.source}|${e.packet}`, e.time);
    for (const m of r.nat.mappings) if (m.insideFlow !== undefined && !x.byInside.has(m.insideFlow)) x.byInside.set(m.insideFlow, m);
    INDEX.set(r, x);
  }
  return x;
}

/** Every data/media connection attempt of a negotiation, and where each ended. */
export function attemptsOf(r: Report, s: Session, n: Negotiation, origin: string | undefined, fs: Finding[]): Attempt[] {
  const haveInside = !!r.inputs.inside;
  const haveOutside = !!r.inputs.outside;
  const { timeOf, byInside } = indexOf(r);
  const at = (side: "inside" | "outside", packet: number | undefined) =>
    origin && packet !== undefined ? onInsideClock(r, side, timeOf.get(`${side}|${packet}`), origin) : undefined;
  const out: Attempt[] = [];
  const usedOutside = new Set<number>();
  const exp = (x: SideNegotiation, i: number) => x.expected[i] ?? x.expected[0];
  for (const o of n.inside?.observed ?? []) {
    const e = exp(n.inside!, o.expected);
    const m = byInside.get(o.flow);
    if (m && m.outsideFlow !== undefined) {
      usedOutside.add(m.outsideFlow);
      const from = m.direction === "outbound" ? "client" : "server";
      const outObs = n.outside?.observed.find((x) => x.flow === m.outsideFlow);
      const pair = (a: string, b: string) => (from === "client" ? `${a} → ${b}` : `${b} → ${a}`);
      out.push({
        from, end: "crossed", proto: m.proto, insidePacket: o.firstPacket, outsidePacket: outObs?.firstPacket ?? m.evidence.outsideFirstPacket,
        insideText: pair(ep(m.inside), ep(m.remote)), outsideText: pair(ep(m.translated), ep(m.remote)), ms: at("inside", o.firstPacket),
      });
      continue;
    }
    const from = dataOrigin(n, s);
    const text = `${e.from.ip}:${o.sourcePort ?? "*"} → ${ep(e.to)}`;
    out.push({
      from, proto: e.proto, insidePacket: o.firstPacket, insideText: text, ms: at("inside", o.firstPacket),
      end: from === "client" ? (haveOutside ? "died-at-router" : "not-covered") : "crossed",
      note: from === "server" && haveOutside ? "not in the outside capture" : undefined,
    });
  }
  for (const o of n.outside?.observed ?? []) {
    if (usedOutside.has(o.flow)) continue;
    const e = exp(n.outside!, o.expected);
    const from = dataOrigin(n, s);
    const icmp = fs.filter((f) => f.evidence.outsideFlows?.includes(o.flow)).map((f) => /(ICMP from \S+ to \S+) \(flow \d+, packet (\d+)\)/.exec(f.message)).find(Boolean);
    out.push({
      from, proto: e.proto, outsidePacket: o.firstPacket, outsideText: `${e.from.ip}:${o.sourcePort ?? "*"} → ${ep(e.to)}`, ms: at("outside", o.firstPacket),
      end: from === "server" ? (haveInside ? "died-at-router" : "not-covered") : "crossed",
      note: icmp ? `${icmp[1]} (outside #${icmp[2]})` : from === "client" && haveInside ? "not in the inside capture" : undefined,
    });
  }
  const x = n.inside ?? n.outside;
  if (!out.length && x?.valid && x.expected.length && n.dataPath !== "not-applicable") {
    const e = (n.outside ?? n.inside)!.expected[0];
    const end = n.dataPath === "blocked" ? "died-at-router" : n.dataPath === "forwarded" || n.dataPath === "one-side-only" ? "not-covered" : n.dataPath;
    let note: string | undefined;
    for (const f of fs) {
      const q = /(?:answered|with) "([^"]+)"/.exec(f.message);
      if (!q) continue;
      const mine = new Set([n.inside?.packet, n.outside?.packet]);
      const pkt = [...(f.evidence.inside ?? []), ...(f.evidence.outside ?? [])].find((p) => !mine.has(p));
      note = `${q[1]}${pkt !== undefined ? ` (#${pkt})` : ""}`;
      break;
    }
    if (!note && n.dataPath === "late") note = "started after the expectation window";
    out.push({ from: dataOrigin(n, s), end, proto: e.proto, [n.outside ? "outsideText" : "insideText"]: `${e.from.ip}:${e.from.port ?? "*"} → ${ep(e.to)}`, note });
  }
  return out;
}

// ---- drawing ------------------------------------------------------------------------------

const SEP = /[\s,|;=:()]/;

/** The differing span of two lines, widened to whole tokens: [start, endA, endB). */
export function diffSpan(a: string, b: string): [number, number, number] | undefined {
  if (a === b) return undefined;
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  while (p > 0 && !SEP.test(a[p - 1])) p--;
  let ea = a.length - s;
  let eb = b.length - s;
  while (ea < a.length && !SEP.test(a[ea])) ea++;
  while (eb < b.length && !SEP.test(b[eb])) eb++;
  return [p, ea, eb];
}

/** A line cut to `max` characters around its interesting part, with the span [hs, he) marked. */
function lineText(x: number, y: number, line: string, max: number, span: [number, number] | undefined, focus: number, colour: string): Markup {
  let from = 0;
  let to = line.length;
  if (line.length > max) {
    const want = span ? span[0] : focus;
    from = Math.max(0, Math.min(want - 8, line.length - max + 1));
    to = Math.min(line.length, from + max - (from > 0 ? 2 : 1));
  }
  const parts: Markup[] = [];
  const piece = (a: number, b: number, hl: boolean) => {
    if (b <= a) return;
    const t = line.slice(a, b);
    parts.push(hl
      ? el("tspan", { "data-span": "rewritten", fill: COLOURS.accent, "font-weight": 700, "text-decoration": "underline" }, t)
      : el("tspan", {}, t));
  };
  const pre = from > 0 ? "…" : "";
  const post = to < line.length ? "…" : "";
  if (span) {
    const hs = Math.max(from, Math.min(span[0], to));
    const he = Math.max(hs, Math.min(span[1], to));
    piece(from, hs, false);
    piece(hs, he, true);
    piece(he, to, false);
  } else piece(from, to, false);
  return el("text", { x, y, fill: colour, "font-family": FONT, "font-size": 11, ...HALO }, pre, ...parts, post);
}

/** A white outline under label text, so lane lines crossing it do not hide it. */
const HALO = { stroke: "#ffffff", "stroke-width": 3, "paint-order": "stroke", "stroke-linejoin": "round" };

const txt = (x: number, y: number, s: string, a: Record<string, string | number | undefined> = {}) =>
  el("text", { x, y, fill: COLOURS.fg, "font-family": SANS, "font-size": 11, ...a }, s);

function arrowHead(x: number, y: number, dir: 1 | -1, colour: string): Markup {
  return el("polygon", { points: `${x},${y} ${x - dir * 8},${y - 4} ${x - dir * 8},${y + 4}`, fill: colour });
}

function cross(x: number, y: number, colour: string): Markup {
  return el("g", { "data-mark": "died" },
    el("line", { x1: x - 6, y1: y - 6, x2: x + 6, y2: y + 6, stroke: colour, "stroke-width": 2.5 }),
    el("line", { x1: x - 6, y1: y + 6, x2: x + 6, y2: y - 6, stroke: colour, "stroke-width": 2.5 }));
}

const LANE_TITLE: Record<LaneKey, string> = { client: "client", inside: "inside capture", router: "NAT router", outside: "outside capture", server: "server" };

/** The ladder of session `index` of the report. */
export function ladder(r: Report, index: number, opts: LadderOptions = {}): Ladder {
  const s = r.sessions[index];
  const id = sessionId(index);
  const keys: LaneKey[] = ["client", ...(r.inputs.inside ? ["inside" as const] : []), "router", ...(r.inputs.outside ? ["outside" as const] : []), "server"];
  const lanes = new Map<LaneKey, Lane>(keys.map((k, i) => [k, { key: k, x: LANE_LEFT + ((LANE_RIGHT - LANE_LEFT) * i) / (keys.length - 1) }]));
  const X = (k: LaneKey) => lanes.get(k)!.x;
  const origin = sessionOrigin(r, s);
  const sub: Record<LaneKey, string> = {
    client: ep(s.control.client), inside: baseName(r.inputs.inside), router: s.control.clientTranslated && s.control.clientTranslated.ip !== s.control.client.ip ? `NAT ${s.control.clientTranslated.ip}` : s.control.clientTranslated ? "no address translation" : "",
    outside: baseName(r.inputs.outside), server: ep(s.control.server),
  };
  const rows: Markup[] = [];
  let y = HEAD + 24;
  const max = Math.max(3, opts.maxNegotiations ?? LADDER_MAX_NEGOTIATIONS);
  const keep = keptNegotiations(r, s, max);
  let folded = 0;
  // SIP: the dialog's messages that carry no SDP are drawn too, in packet order between the SDP rows.
  const messages = sipMessagesToDraw(r, s);
  let m = 0;
  let messagesDrawn = 0;
  const flushMessages = (before: number) => {
    for (; m < messages.length && messages[m].key < before; m++) {
      if (messagesDrawn++ >= SIP_MESSAGES_DRAWN) continue;
      rows.push(sipMessageRow(r, messages[m].msg, y, X, origin, lanes));
      y += ROW;
    }
  };
  for (let i = 0; i < s.negotiations.length;) {
    const ni = s.negotiations[i];
    flushMessages(packetKey(r, ni.inside?.packet, ni.outside?.packet));
    if (!keep.has(i)) {
      let j = i;
      while (j < s.negotiations.length && !keep.has(j)) j++;
      rows.push(foldRow(s.negotiations.slice(i, j), y));
      folded += j - i;
      y += ROW;
      i = j;
      continue;
    }
    const n = s.negotiations[i];
    const fs = findingsOf(r, n);
    rows.push(controlRow(r, s, n, fs, y, X, origin, lanes));
    y += ROW;
    for (const a of attemptsOf(r, s, n, origin, fs).sort((p, q) => (p.ms ?? 1e15) - (q.ms ?? 1e15))) {
      rows.push(dataRow(a, y, X, lanes));
      y += ROW;
    }
    i++;
  }
  flushMessages(Infinity);
  if (messagesDrawn > SIP_MESSAGES_DRAWN) {
    rows.push(txt(W / 2, y, `⋯ ${messagesDrawn - SIP_MESSAGES_DRAWN} more SIP message(s) not drawn (limit ${SIP_MESSAGES_DRAWN}); the SIP dialogs table lists them ⋯`, { "text-anchor": "middle", fill: COLOURS.muted, "font-style": "italic", "data-sip-folded": messagesDrawn - SIP_MESSAGES_DRAWN }));
    y += ROW;
  }
  const height = y - 12;
  const laneMarks = keys.map((k) => {
    const x = X(k);
    const capture = k === "inside" || k === "outside";
    return el("g", { "data-lane": k },
      el("line", { x1: x, y1: HEAD - 6, x2: x, y2: height - 4, stroke: k === "router" ? COLOURS.fg : COLOURS.line, "stroke-width": k === "router" ? 3 : 1.5, "stroke-dasharray": capture ? "4 4" : undefined }),
      txt(x, 14, LANE_TITLE[k], { "text-anchor": "middle", "font-weight": 700, "font-size": 12 }),
      sub[k] ? txt(x, 29, clip(sub[k], 30), { "text-anchor": "middle", fill: COLOURS.muted }) : null);
  });
  const title = `${s.alg.toUpperCase()} session ${id}: ${ep(s.control.client)} → ${ep(s.control.server)}`;
  const svg = el("svg", {
    xmlns: "http://www.w3.org/2000/svg", viewBox: `0 0 ${W} ${height}`, width: W, height, role: "img",
    "aria-label": `${title}: ${s.negotiations.length} negotiation(s)`, "data-session": id, "data-alg": s.alg, "data-folded": folded || undefined, class: "ladder",
  },
  el("title", {}, title),
  el("rect", { x: 0, y: 0, width: W, height, fill: "#ffffff" }),
  txt(8, 14, "time", { fill: COLOURS.muted }),
  txt(8, 29, origin ? (s.control.first ? "t=0: first packet" : "t=0: first shown") : "", { fill: COLOURS.muted, "font-size": 10, "data-origin": origin }),
  txt(NOTE_X, 14, "what happened", { "font-weight": 700, "font-size": 12 }),
  ...laneMarks, ...rows);
  return { session: id, svg, folded };
}

/** SIP messages without SDP drawn per dialog; the rest are counted under the diagram. */
export const SIP_MESSAGES_DRAWN = 24;

type SipMessage = NonNullable<Session["sip"]>["messages"][number];

/** Order of a packet in the diagram: its inside number when there is an inside capture, else its outside one. */
const packetKey = (r: Report, inside: number | undefined, outside: number | undefined): number =>
  (r.inputs.inside ? inside ?? outside : outside ?? inside) ?? Infinity;

/** The dialog's messages that no SDP negotiation row stands for, in packet order. */
function sipMessagesToDraw(r: Report, s: Session): { key: number; msg: SipMessage }[] {
  if (!s.sip) return [];
  const sdp = new Set(s.negotiations.map((n) => packetKey(r, n.inside?.packet, n.outside?.packet)));
  return s.sip.messages.map((msg) => ({ key: packetKey(r, msg.inside, msg.outside), msg })).filter((x) => !sdp.has(x.key)).sort((a, b) => a.key - b.key);
}

const BAD_FIELD = new Set(["not-rewritten", "wrong", "wrong-port"]);

/** One SIP message: its name on the arrow, the header the ALG had to rewrite (or the first) as each capture saw it. */
function sipMessageRow(r: Report, m: SipMessage, y: number, X: (k: LaneKey) => number, origin: string | undefined, lanes: Map<LaneKey, Lane>): Markup {
  const toServer = m.direction !== "inbound";
  const a = toServer ? X("client") : X("server");
  const b = toServer ? X("server") : X("client");
  const dir: 1 | -1 = toServer ? 1 : -1;
  const bad = m.fields.find((f) => BAD_FIELD.has(f.status));
  const shown = bad ?? m.fields.find((f) => f.status === "rewritten") ?? m.fields[0];
  const mark: RewriteMark = m.inside === undefined || m.outside === undefined ? "unchecked" : bad ? (bad.status === "not-rewritten" ? "false" : "wrong") : shown?.status === "rewritten" ? "true" : "unchanged";
  const colour = bad ? COLOURS.fail : COLOURS.fg;
  const { timeOf } = indexOf(r);
  const side = m.inside !== undefined ? "inside" : "outside";
  const ms = origin ? onInsideClock(r, side, timeOf.get(`${side}|${m.inside ?? m.outside}`), origin) : undefined;
  const kids: Markup[] = [
    txt(8, y + 4, ms !== undefined ? relTime(ms) : "", { fill: COLOURS.muted, "data-time": ms !== undefined ? ms.toFixed(6) : undefined }),
    el("line", { x1: a, y1: y, x2: b - dir * 8, y2: y, stroke: colour, "stroke-width": 1.2 }), arrowHead(b, y, dir, colour),
    txt(toServer ? a + 4 : a - 4, y + 15, m.name, { "font-weight": 700, "text-anchor": toServer ? "start" : "end" }),
  ];
  if (shown) {
    const inLine = shown.inside !== undefined ? `${shown.field} ${shown.inside}` : undefined;
    const outLine = shown.outside !== undefined ? `${shown.field} ${shown.outside}` : undefined;
    const span = inLine !== undefined && outLine !== undefined ? diffSpan(inLine, outLine) : undefined;
    const maxChars = (x0: number, x1: number) => Math.max(12, Math.floor((x1 - x0 - 12) / CHAR));
    if (inLine !== undefined && m.inside !== undefined) kids.push(lineText(X("client") + 6, y - 5, inLine, maxChars(X("client"), X("router")), span && [span[0], span[1]], 0, COLOURS.fg));
    if (outLine !== undefined && m.outside !== undefined) kids.push(lineText(X("router") + 6, y - 5, outLine, maxChars(X("router"), X("server")), span && [span[0], span[2]], 0, COLOURS.fg));
  }
  kids.push(...packetMarks(m.inside, m.outside, y, lanes));
  const note = bad ? `${bad.field} ${bad.status.replace("-", " ")}${bad.expected ? ` (expected ${bad.expected})` : ""}` : mark === "true" ? "headers rewritten by the ALG" : mark === "unchecked" ? "one side only" : "passed unchanged";
  kids.push(txt(NOTE_X, y + 4, clip(note, NOTE_CHARS), { fill: bad ? COLOURS.fail : mark === "true" ? COLOURS.accent : COLOURS.muted, "font-weight": bad ? 700 : 400, "data-rewrite-label": mark }));
  return el("g", { "data-arrow": "sip", "data-message": m.name, "data-rewritten": mark, "data-from": toServer ? "client" : "server", "data-inside-packet": m.inside, "data-outside-packet": m.outside },
    el("title", {}, `${m.name}${m.cseq ? ` (CSeq ${m.cseq})` : ""}: ${m.fields.map((f) => `${f.field} ${f.status}`).join(", ") || "no address header"}`), ...kids);
}

/** Every session's ladder. */
export function ladders(r: Report, opts: LadderOptions = {}): Ladder[] {
  return r.sessions.map((_, i) => ladder(r, i, opts));
}

const baseName = (f?: string) => (f ? f.split(/[\\/]/).pop()! : "");
const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

/**
 * The session's time origin on the inside clock: its first packet, the control connection's
 * first packet in either capture (`control.first`); the negotiations too, so that nothing drawn
 * comes before t=0 (and a report without `control.first` starts at its first negotiation).
 */
export function sessionOrigin(r: Report, s: Session): string | undefined {
  // Times as milliseconds on the inside clock from one anchor (the first time met), then the least.
  let anchor: string | undefined;
  let least: number | undefined;
  const consider = (side: "inside" | "outside", t: string | undefined) => {
    if (!t) return;
    anchor ??= t;
    const ms = onInsideClock(r, side, t, anchor);
    if (ms !== undefined && (least === undefined || ms < least)) least = ms;
  };
  for (const side of ["inside", "outside"] as const) consider(side, s.control.first?.[side]?.time);
  for (const n of s.negotiations) for (const side of ["inside", "outside"] as const) consider(side, n[side]?.time);
  if (anchor === undefined || least === undefined) return undefined;
  if (least === 0) return anchor;
  const parts = isoParts(anchor)!;
  const ns = parts[1] + Math.round(least * 1e6);
  const sec = parts[0] + Math.floor(ns / 1e9);
  const frac = ((ns % 1e9) + 1e9) % 1e9;
  return new Date(sec * 1000).toISOString().slice(0, 19) + "." + String(frac).padStart(9, "0") + "Z";
}

/** Which negotiations are drawn: all up to `max`; else the first/last few and the problems. */
function keptNegotiations(r: Report, s: Session, max: number): Set<number> {
  const n = s.negotiations.length;
  const keep = new Set<number>();
  if (n <= max) {
    for (let i = 0; i < n; i++) keep.add(i);
    return keep;
  }
  const edge = Math.max(1, Math.floor(max / 4));
  for (let i = 0; i < edge; i++) {
    keep.add(i);
    keep.add(n - 1 - i);
  }
  for (let i = 0; i < n && keep.size < max; i++) {
    const x = s.negotiations[i];
    const ok = (x.dataPath === "forwarded" || x.dataPath === "not-applicable") && x.rewrite?.ok !== false && !findingsOf(r, x).length;
    if (!ok) keep.add(i);
  }
  return keep;
}

function foldRow(negs: Negotiation[], y: number): Markup {
  const by = new Map<string, number>();
  for (const n of negs) by.set(n.dataPath, (by.get(n.dataPath) ?? 0) + 1);
  const pk = negs.map((n) => (n.inside ?? n.outside)!.packet);
  const what = [...by].map(([k, v]) => `${v} ${k}`).join(", ");
  return el("g", { "data-folded": negs.length },
    txt(W / 2, y, `⋯ ${negs.length} negotiation(s) not drawn (packets ${pk[0]}–${pk[pk.length - 1]}): ${what} ⋯`, { "text-anchor": "middle", fill: COLOURS.muted, "font-style": "italic" }));
}

function controlRow(r: Report, s: Session, n: Negotiation, fs: Finding[], y: number, X: (k: LaneKey) => number, origin: string | undefined, lanes: Map<LaneKey, Lane>): Markup {
  const toServer = fromClient(n, s);
  const a = toServer ? X("client") : X("server");
  const b = toServer ? X("server") : X("client");
  const dir: 1 | -1 = toServer ? 1 : -1;
  const mark = rewriteMark(n, fs);
  const bad = mark === "false" || mark === "wrong";
  const colour = bad ? COLOURS.fail : COLOURS.fg;
  const inLine = n.inside && shownLine(n, n.inside);
  const outLine = n.outside && shownLine(n, n.outside);
  const span = inLine !== undefined && outLine !== undefined ? diffSpan(inLine, outLine) : undefined;
  const kids: Markup[] = [];
  const x = n.inside ?? n.outside!;
  const ms = origin ? (n.inside ? onInsideClock(r, "inside", n.inside.time, origin) : onInsideClock(r, "outside", n.outside!.time, origin)) : undefined;
  kids.push(txt(8, y + 4, ms !== undefined ? relTime(ms) : "", { fill: COLOURS.muted, "data-time": ms !== undefined ? ms.toFixed(6) : undefined }));
  kids.push(el("line", { x1: a, y1: y, x2: b - dir * 8, y2: y, stroke: colour, "stroke-width": 1.8 }), arrowHead(b, y, dir, colour));
  const label = `${n.command && n.command !== n.kind ? `${n.command}→` : ""}${n.kind}`;
  kids.push(txt(toServer ? a + 4 : a - 4, y + 15, label, { "font-weight": 700, "text-anchor": toServer ? "start" : "end" }));
  const focus = (l: string) => Math.max(0, l.search(/client_port|\d/));
  const insideSeg: [number, number] = [X("client") + 6, X("router") - 6];
  const outsideSeg: [number, number] = [X("router") + 6, X("server") - 6];
  const maxChars = (seg: [number, number]) => Math.max(12, Math.floor((seg[1] - seg[0]) / CHAR));
  if (inLine !== undefined) kids.push(lineText(insideSeg[0], y - 5, inLine, maxChars(insideSeg), span && [span[0], span[1]], focus(inLine), COLOURS.fg));
  if (outLine !== undefined) kids.push(lineText(outsideSeg[0], y - 5, outLine, maxChars(outsideSeg), span && [span[0], span[2]], focus(outLine), COLOURS.fg));
  kids.push(...packetMarks(n.inside?.packet, n.outside?.packet, y, lanes));
  const markText: Record<RewriteMark, string> = { false: "not rewritten", wrong: "rewritten wrongly", true: "rewritten by the ALG", unchanged: "passed unchanged", unchecked: "one side only" };
  kids.push(txt(NOTE_X, y + 4, clip(markText[mark] + (mark === "wrong" && n.rewrite ? ` (expected ${ep(n.rewrite.expected)})` : ""), NOTE_CHARS), {
    fill: bad ? COLOURS.fail : mark === "true" ? COLOURS.accent : COLOURS.muted, "font-weight": bad ? 700 : 400, "data-rewrite-label": mark,
  }));
  if (fs.length) kids.push(txt(NOTE_X, y + 17, clip([...new Set(fs.map((f) => f.code))].join(", "), NOTE_CHARS + 6), { fill: COLOURS.muted, "font-size": 10 }));
  return el("g", {
    "data-arrow": "control", "data-kind": n.kind, "data-rewritten": mark, "data-from": toServer ? "client" : "server",
    "data-inside-packet": n.inside?.packet, "data-outside-packet": n.outside?.packet, "data-findings": fs.map((f) => f.code).join(" ") || undefined,
  }, el("title", {}, `${label}: ${[n.inside && `inside #${n.inside.packet} "${n.inside.line}"`, n.outside && `outside #${n.outside.packet} "${n.outside.line}"`].filter(Boolean).join("; ")}${x.valid ? "" : ` (invalid: ${x.reason ?? "?"})`}`), ...kids);
}

function packetMarks(inPkt: number | undefined, outPkt: number | undefined, y: number, lanes: Map<LaneKey, Lane>): Markup[] {
  const out: Markup[] = [];
  for (const [k, p] of [["inside", inPkt], ["outside", outPkt]] as const) {
    const lane = lanes.get(k);
    if (!lane || p === undefined) continue;
    out.push(el("circle", { cx: lane.x, cy: y, r: 3.5, fill: COLOURS.fg }), txt(lane.x + 5, y + 15, `#${p}`, { "data-packet": k, fill: COLOURS.fg }));
  }
  return out;
}

const END_TEXT: Record<string, string> = {
  "crossed": "crossed the NAT", "died-at-router": "died at the router", "refused": "refused", "not-attempted": "never attempted",
  "not-covered": "not covered by the captures", "late": "late (after the window)", "stopped": "stopped by a later SDP",
};

function dataRow(a: Attempt, y: number, X: (k: LaneKey) => number, lanes: Map<LaneKey, Lane>): Markup {
  const start = X(a.from);
  const dest = X(a.from === "client" ? "server" : "client");
  const dir: 1 | -1 = dest > start ? 1 : -1;
  const kids: Markup[] = [];
  kids.push(txt(8, y + 4, a.ms !== undefined ? relTime(a.ms) : "", { fill: COLOURS.muted, "data-time": a.ms !== undefined ? a.ms.toFixed(6) : undefined }));
  const colourOf: Record<string, string> = { "crossed": COLOURS.pass, "died-at-router": COLOURS.fail, "refused": COLOURS.fail };
  const colour = colourOf[a.end] ?? COLOURS.warn;
  if (a.end === "crossed") {
    kids.push(el("line", { x1: start, y1: y, x2: dest - dir * 8, y2: y, stroke: colour, "stroke-width": 2 }), arrowHead(dest, y, dir, colour));
  } else if (a.end === "died-at-router") {
    kids.push(el("line", { x1: start, y1: y, x2: X("router"), y2: y, stroke: colour, "stroke-width": 2 }), cross(X("router"), y, colour));
  } else {
    const endX = start + dir * 60;
    kids.push(el("line", { x1: start, y1: y, x2: endX, y2: y, stroke: colour, "stroke-width": 2, "stroke-dasharray": "5 4" }),
      el("circle", { cx: endX, cy: y, r: 4, fill: "#ffffff", stroke: colour, "stroke-width": 2 }));
  }
  const label = [END_TEXT[a.end] ?? a.end, a.note].filter(Boolean).join(": ");
  kids.push(txt(NOTE_X, y + 4, clip(END_TEXT[a.end] ?? a.end, NOTE_CHARS), {
    fill: colour === COLOURS.pass ? COLOURS.pass : colour, "font-weight": 700, "data-end-label": a.end,
  }));
  if (a.note) kids.push(txt(NOTE_X, y + 17, clip(a.note, NOTE_CHARS + 6), { fill: COLOURS.muted, "font-size": 10 }));
  const proto = a.proto.toUpperCase();
  const segIn: [number, number] = [X("client") + 6, X("router") - 6];
  const segOut: [number, number] = [X("router") + 6, X("server") - 6];
  const chars = (seg: [number, number]) => Math.floor((seg[1] - seg[0]) / 6.1);
  // The flow's endpoints as each capture saw them, above the arrow on its side.
  if (a.insideText) kids.push(txt(segIn[0], y - 5, clip(`${proto} ${a.insideText}`, chars(segIn)), { "font-family": FONT, "font-size": 10, ...HALO }));
  if (a.outsideText) kids.push(txt(segOut[0], y - 5, clip(`${proto} ${a.outsideText}`, chars(segOut)), { "font-family": FONT, "font-size": 10, ...HALO }));
  kids.push(...packetMarks(a.insidePacket, a.outsidePacket, y, lanes));
  return el("g", {
    "data-arrow": "data", "data-end": a.end, "data-from": a.from, "data-proto": a.proto,
    "data-inside-packet": a.insidePacket, "data-outside-packet": a.outsidePacket,
  }, el("title", {}, `${proto} ${a.from === "client" ? "client → server" : "server → client"}: ${label}`), ...kids);
}
