/**
 * Service-PIC system log messages: ASP_SFW_* and any `ASP_[A-Z0-9_]+` tag (ROUTER-FORMATS.md §4).
 *
 *   [<PRI>] [timestamp] [host] [(FPC Slot f, PIC Slot p)] [YYYY-MM-DD HH:MM:SS] [prefix]{service-set}[SERVICE]:
 *     [optional-string] TAG: proto N (NAME)[ application: APP], [ifname:]SRC -> DST, free text
 *     [ ; source address and port translate to IP:PORT]
 *
 *   "Oct 27 11:43:30 (FPC Slot 1, PIC Slot 1) {ss_ftp}[FWNAT]: ASP_SFW_FTP_ACTIVE_ACCEPT: proto 6 (TCP)
 *    application: ftp, so-2/1/2.0:2.2.2.2:20 -> 1.1.1.2:50726, Creating FTP active mode forward flow"
 *   → { timestamp: "Oct 27 11:43:30", fpcSlot: 1, picSlot: 1, serviceSet: "ss_ftp", service: "FWNAT",
 *       tag: "ASP_SFW_FTP_ACTIVE_ACCEPT", protoNumber: 6, protoName: "TCP", application: "ftp",
 *       interface: "so-2/1/2.0", src: {ip:"2.2.2.2",port:20}, dst: {ip:"1.1.1.2",port:50726},
 *       text: "Creating FTP active mode forward flow" }
 *
 * Wrapped messages: a line that does not start a record (`RECORD_START`) continues the previous one
 * and is joined to it with one space when it is a plausible wrap (`plausibleWrap`: indented, or the
 * record ends open or is incomplete; at most MAX_WRAP_LINES lines); else it is reported alone. The source endpoint is `ifname:ip:port`: the interface is cut
 * at the first `:` unless what precedes it is an address (no interface printed); the port of each
 * endpoint is after the last `:` (IPv6). Two spaces in `deleting  forward` are kept in `text`.
 */
import type { JunosSyslogDocument, JunosSyslogEvent, RouterEndpoint } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip } from "../lines.js";
import { parseEndpoint, isIPv4 } from "../ip.js";

const TS3164 = String.raw`[A-Z][a-z]{2}[ \t]+\d{1,2}[ \t]+\d\d:\d\d:\d\d(?:\.\d+)?(?:[ \t]+\d{4})?`;
const TSISO = String.raw`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?`;

/** The message, as one regex over the joined record (groups named). */
const MESSAGE = new RegExp(
  String.raw`^[ \t]*(?:<(?<pri>\d{1,3})>[ \t]*)?` +
    String.raw`(?:(?<ts>${TS3164}|${TSISO})[ \t]+)?` +
    String.raw`(?:(?<host1>[^\s({}]+)[ \t]+(?=\(FPC))?` +
    String.raw`(?:\(FPC[ \t]+Slot[ \t]+(?<fpc>\d+),[ \t]*PIC[ \t]+Slot[ \t]+(?<pic>\d+)\)[ \t]*)?` +
    String.raw`(?:(?<ets>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)[ \t]+)?` +
    String.raw`(?:(?<host2>[^\s{}]+)[ \t]+(?=\S*\{))?` +
    String.raw`(?<prefix>[^\s{}]*)\{(?<ss>[^}]*)\}[ \t]*\[(?<svc>[^\]]*)\]:[ \t]*` +
    String.raw`(?:.*?[ \t])??(?<tag>ASP_[A-Z0-9_]+):[ \t]+` +
    String.raw`proto[ \t]+(?<pn>\d+)[ \t]+\((?<pname>[^)]*)\)` +
    String.raw`(?:[ \t]+application:[ \t]*(?<app>[^,]*?))?[ \t]*,[ \t]*` +
    String.raw`(?<src>\S+)[ \t]+->[ \t]+(?<dst>[^\s,]+)(?:[ \t]*,[ \t]*|[ \t]*$)` +
    String.raw`(?<text>.*?)` +
    String.raw`(?:[ \t]*;[ \t]*source[ \t]+address[ \t]+and[ \t]+port[ \t]+translate[ \t]+to[ \t]+(?<nat>\S+?))?[ \t]*$`,
);

/** A line that begins a new record (anything else continues the previous record). */
const RECORD_START = new RegExp(String.raw`^[ \t]*(?:<\d{1,3}>|${TS3164}|${TSISO}|\(FPC|\S+[ \t]+\(FPC)|\{[^}]*\}[ \t]*\[[^\]]*\]:`);

export function parseJunosSyslog(ctx: ParseContext, seg: Segment, base: Omit<JunosSyslogDocument, "format" | "events">): JunosSyslogDocument {
  const doc: JunosSyslogDocument = { ...base, format: "junos-syslog", events: [] };
  const lines = ctx.lines;
  let recStart = -1;
  let rec = "";
  /** Pieces of the joined record: where each line's text starts in `rec`, its line and column. */
  let pieces: { at: number; i: number; col: number }[] = [];

  /** Line index and column of offset `o` of the joined record. */
  const locate = (o: number): [number, number] => {
    let p = pieces[0]!;
    for (const q of pieces) if (q.at <= o) p = q;
    const col = p.col + Math.max(0, o - p.at);
    return [p.i, Math.min(col, lines.get(p.i).length)];
  };

  const finish = () => {
    if (recStart < 0) return;
    const ev = parseMessage(rec, recStart + 1);
    if (typeof ev === "number") {
      const [li, c] = locate(ev);
      ctx.report("unknown_line", "error", li, c, `not an ASP_* system log message: "${clip(rec.slice(ev))}"`);
    } else if (typeof ev === "string") {
      const [li, c] = locate(Math.max(0, rec.indexOf(ev)));
      ctx.report("bad_endpoint", "error", li, c, `bad address:port "${ev}" in system log message`);
    } else {
      doc.events.push(ev);
    }
    recStart = -1;
    rec = "";
    pieces = [];
  };

  for (let i = seg.start; i < seg.end; i++) {
    const col = i === seg.start ? seg.col : 0;
    const text = col ? lines.get(i).slice(col) : lines.get(i);
    if (IGNORABLE.test(text)) {
      finish();
      continue;
    }
    if (recStart >= 0 && !RECORD_START.test(text) && plausibleWrap(rec, pieces.length, text)) {
      rec = rec.replace(TRAILING_BLANKS, "") + " ";
      const lead = text.length - text.trimStart().length;
      pieces.push({ at: rec.length, i, col: col + lead });
      rec += text.trim();
      continue;
    }
    // a record starts here; a line that starts none is parsed alone (and reported)
    finish();
    recStart = i;
    rec = text;
    pieces = [{ at: 0, i, col }];
    if (!RECORD_START.test(text)) finish();
  }
  finish();
  return doc;
}

/** Lines a wrapped record may span at most (its first line and its continuations). */
export const MAX_WRAP_LINES = 8;
const TRAILING_BLANKS = /[ \t]+$/;
/** The record so far ends inside a list or after a label: the message surely goes on. */
const OPEN_END = /[,:;(\-]\s*$|->\s*$/;

/**
 * A line that starts no record continues the open one when the record has fewer than
 * MAX_WRAP_LINES lines and either the line is indented (a terminal or a web page wrapped the
 * message), the record so far ends open (`,`, `:`, `->`), or it is not yet a complete message.
 * Anything else is a line of its own, reported as not understood, so a flood of stray lines is
 * never swallowed into one record (and the record is never rebuilt per line: linear time).
 */
function plausibleWrap(rec: string, lines: number, text: string): boolean {
  if (lines >= MAX_WRAP_LINES) return false;
  const c = text.charCodeAt(0);
  if (c === 32 || c === 9) return true;
  if (OPEN_END.test(rec.length > 200 ? rec.slice(-200) : rec)) return true;
  return !MESSAGE.test(rec);
}

/**
 * Parse one joined record. Returns the event, or a string (an endpoint that is no address), or
 * a number (0-based column where recognition failed: the tag if one is present, else 0).
 */
export function parseMessage(rec: string, line: number): JunosSyslogEvent | string | number {
  const m = MESSAGE.exec(rec);
  if (!m) {
    const t = /ASP_[A-Z0-9_]+:/.exec(rec);
    if (t) return t.index;
    const nb = /\S/.exec(rec);
    return nb ? nb.index : 0;
  }
  const g = m.groups!;
  const srcTok = g.src!;
  let iface: string | undefined;
  let srcText = srcTok;
  const c = srcTok.indexOf(":");
  if (c > 0) {
    const before = srcTok.slice(0, c);
    const looksLikeAddress = isIPv4(before) || /^[0-9a-fA-F]{0,4}$/.test(before) || before.startsWith("[");
    if (!looksLikeAddress) {
      iface = before;
      srcText = srcTok.slice(c + 1);
    }
  }
  // An IP protocol number is one octet (RFC 791 §3.1, RFC 8200 §3).
  const protoNumber = Number(g.pn);
  if (protoNumber > 255) return `proto ${g.pn}`;
  const src = parseEndpoint(srcText);
  if (!src) return srcText;
  const dst = parseEndpoint(g.dst!);
  if (!dst) return g.dst!;
  let natSource: RouterEndpoint | undefined;
  if (g.nat) {
    const n = parseEndpoint(g.nat);
    if (!n) return g.nat;
    natSource = n;
  }
  const ev: JunosSyslogEvent = {
    serviceSet: g.ss!,
    service: g.svc!,
    tag: g.tag!,
    protoNumber,
    protoName: g.pname!,
    src,
    dst,
    text: g.text!,
    location: { line },
  };
  if (g.pri !== undefined) ev.pri = Number(g.pri);
  if (g.ts) ev.timestamp = g.ts.replace(/[ \t]+/g, " ");
  if (g.host1 ?? g.host2) ev.host = (g.host1 ?? g.host2)!;
  if (g.fpc !== undefined) ev.fpcSlot = Number(g.fpc);
  if (g.pic !== undefined) ev.picSlot = Number(g.pic);
  if (g.ets) ev.embeddedTimestamp = g.ets;
  if (g.prefix) ev.prefix = g.prefix;
  if (g.app !== undefined) ev.application = g.app.trim();
  if (iface) ev.interface = iface;
  if (natSource) ev.natSource = natSource;
  return ev;
}

/** Kind of event each tag reports (first match wins); drives RouterEvent.kind. */
export const SYSLOG_TAG_KINDS: [RegExp, import("../types.js").RouterEventKind][] = [
  [/_DELETE_FLOW$|_DELETE_|_CLOSE/, "delete"],
  [/_CREATE_ACCEPT_FLOW$|_ACTIVE_ACCEPT$|_PASSIVE_ACCEPT$|_CREATE_/, "create"],
  [/_DROP|_DISCARD|_REJECT|_ATTACK|_SCAN|_ERROR|_TIMEOUT|_OVERLAP|_BAD_/, "drop"],
  [/_ACCEPT/, "accept"],
];
