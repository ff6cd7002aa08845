/**
 * The cells of the `router` text report's flow and event tables (report.ts), from a record
 * (`flowCells`, `eventCells`) or straight from the conntrack parser's scan of a line
 * (`scanRows`: entries.ts SCAN, ORIG, REPLY), without making the entry, its flow or event, or
 * their endpoints. The two give the same cells for the same line (test/router/text-rows.test.ts):
 * the scan's are those of normalise.ts `conntrackFlow` / `conntrackEvent` rendered by the
 * record's functions.
 *
 * Why: a flow object per line holds endpoints from the address cache (ip.ts), which live long
 * enough to be promoted to V8's old generation; over a 10⁶-line dump that garbage grew the text
 * report's peak RSS with the file. The scan's cells are strings that die young.
 */
import type { NatTranslation, RouterEvent, RouterFlow } from "./types.js";
import { formatEndpoint, normaliseProto } from "./ip.js";
import { NONE, ORIG, REPLY, SCAN, scanOffset, type GoodLines, type RawTuple } from "./conntrack/entries.js";
import type { TextRow } from "./lazy.js";

/** The NAT column: each translation as `kind from → to`, joined by `; `. */
export const natText = (n: NatTranslation[]): string => n.map((x) => `${x.kind} ${formatEndpoint(x.from)} → ${formatEndpoint(x.to)}`).join("; ");

/** A flow's row: PROTO SRC DST STATE DIR PKTS NAT ALG. */
export function flowCells(f: RouterFlow): string[] {
  return [
    String(f.proto), formatEndpoint(f.src), formatEndpoint(f.dst), f.state ?? "", f.direction ?? "",
    f.frames !== undefined ? String(f.frames) : f.packets ? `${f.packets.orig ?? "-"}/${f.packets.reply ?? "-"}` : "",
    natText(f.nat), f.alg ?? "",
  ];
}

/** An event's row: TIME KIND TAG PROTO SRC DST NAT ALG. */
export function eventCells(e: RouterEvent): string[] {
  return [e.time ?? "", e.kind, e.tag, String(e.proto), formatEndpoint(e.src), formatEndpoint(e.dst), natText(e.nat), e.alg ?? ""];
}

/**
 * The decimal text of a non-negative integer n, made here rather than by String(n): V8 keeps the
 * strings it converts in a number-string cache (an old-generation table) that keeps them alive
 * until their slot is reused, so a port or a count per line would be promoted garbage.
 */
function decimal(n: number): string {
  if (n < 10) return DIGIT[n]!;
  if (n < 100) return PAIR[n]!;
  let s = "";
  while (n >= 100) {
    const q = Math.floor(n / 100);
    s = PAIR[n - q * 100]! + s;
    n = q;
  }
  return (n < 10 ? DIGIT[n]! : PAIR[n]!) + s;
}
/** "00" … "99". */
const PAIR = Array.from({ length: 100 }, (_, k) => (k < 10 ? "0" : "") + k);
const DIGIT = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** formatEndpoint of a scanned address: text[s, e) when it is a dotted quad (v ≥ 0), else its canonical text `ip`; port NONE: none. */
function endpointText(text: string, s: number, e: number, v: number, ip: string | null, port: number): string {
  const addr = v >= 0 ? text.slice(s, e) : ip!;
  if (port === NONE) return addr;
  return v < 0 && addr.indexOf(":") >= 0 ? `[${addr}]:${decimal(port)}` : `${addr}:${decimal(port)}`;
}

const srcText = (text: string, off: number, t: RawTuple): string => endpointText(text, off + t.srcS, off + t.srcE, t.srcV, t.srcIp, t.sport);
const dstText = (text: string, off: number, t: RawTuple): string => endpointText(text, off + t.dstS, off + t.dstE, t.dstV, t.dstIp, t.dport);

/** Same address and port (sameEndpoint) of two scanned addresses. */
function same(av: number, aip: string | null, ap: number, bv: number, bip: string | null, bp: number): boolean {
  if (ap !== bp) return false;
  return av >= 0 ? av === bv : bv < 0 && aip === bip;
}

/** natText(natFromReply(orig, reply)) of the scan (normalise.ts). */
function scanNat(text: string, off: number): string {
  if (!SCAN.haveReply) return "";
  const o = ORIG, r = REPLY;
  const snat = !same(r.dstV, r.dstIp, r.dport, o.srcV, o.srcIp, o.sport);
  const dnat = !same(r.srcV, r.srcIp, r.sport, o.dstV, o.dstIp, o.dport);
  const s = snat ? `source ${srcText(text, off, o)} → ${dstText(text, off, r)}` : "";
  if (!dnat) return s;
  const d = `dest ${dstText(text, off, o)} → ${srcText(text, off, r)}`;
  return snat ? `${s}; ${d}` : d;
}

/** flowCells(conntrackFlow(entry)) of the scanned line (`text`: the text the scan read). */
function scanFlowCells(text: string): string[] {
  const S = SCAN, o = ORIG, off = scanOffset();
  const op = o.packets, rp = S.haveReply ? REPLY.packets : NONE;
  return [
    String(normaliseProto(S.protoNumber)), srcText(text, off, o), dstText(text, off, o), S.state ?? "", "",
    op !== NONE || rp !== NONE ? `${op !== NONE ? decimal(op) : "-"}/${rp !== NONE ? decimal(rp) : "-"}` : "",
    scanNat(text, off), S.helper ?? "",
  ];
}

const EVENT_KINDS: Record<string, string> = { NEW: "create", UPDATE: "update", DESTROY: "delete" };

/** eventCells(conntrackEvent(entry)) of the scanned line. */
function scanEventCells(text: string): string[] {
  const S = SCAN, o = ORIG, off = scanOffset();
  return [
    S.time ?? "", EVENT_KINDS[S.event ?? ""] ?? "other", S.event ?? "", String(normaliseProto(S.protoNumber)),
    srcText(text, off, o), dstText(text, off, o), scanNat(text, off), S.helper ?? "",
  ];
}

/** The rows of the flows (or events) of a conntrack document's good lines, each from its scan, in `document`. */
export function* scanRows(scan: GoodLines, kind: "flows" | "events", document: number): Generator<TextRow> {
  const cells = kind === "flows" ? scanFlowCells : scanEventCells;
  for (const win of scan()) yield { document, cells: cells(win.text) };
}
