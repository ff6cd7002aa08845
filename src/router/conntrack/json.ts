/**
 * `router --json` of conntrack entries, written from the parser's scan (entries.ts `scanEntry`:
 * SCAN, ORIG, REPLY, FLAGS) without making the entry, its flow or its event as objects. The bytes
 * are those of JSON.stringify(record, null, 2) for the objects entries.ts (`buildEntry`) and
 * normalise.ts (`conntrackFlow`, `conntrackEvent`) would make: the same keys in the same order,
 * a member whose value is undefined left out (test/router/json-scan.test.ts compares them).
 *
 *   writeEntry(out, codes, text, 4)   →   {\n          "protoName": "tcp",\n ... }
 *
 * Depth d: the record's `{` is already written at depth d; its members go at d + 1.
 */
import type { RouterFormat } from "../types.js";
import { normaliseProto } from "../ip.js";
import { JsonOut } from "../json-out.js";
import { SCAN, ORIG, REPLY, FLAGS, NONE, flagCount, type RawTuple } from "./entries.js";
import type { Codes } from "../lines.js";

const ENC = new TextEncoder();

/** Keys of the records, by number (segment tables below). */
const KEYS = [
  "event", "time", "l3", "protoName", "protoNumber", "timeout", "state", "orig", "reply", "flags", "mark", "zone", "helper", "use", "id", "extra",
  "location", "line", "src", "dst", "packets", "bytes", "icmp", "type", "code", "ip", "port", "document", "format", "proto", "nat", "alg", "file",
  "kind", "from", "to", "tag",
] as const;
type Key = (typeof KEYS)[number];
const ID: Record<Key, number> = Object.fromEntries(KEYS.map((k, i) => [k, i])) as Record<Key, number>;

/** Segments of depth d: `"key": ` (first member) and `,"key": ` (others), each after a line break and d levels. */
const SEGS: Uint8Array[][] = [];
function segs(d: number): Uint8Array[] {
  let t = SEGS[d];
  if (t === undefined) {
    t = [];
    const pad = "\n" + "  ".repeat(d);
    for (const k of KEYS) t.push(ENC.encode(`${pad}"${k}": `), ENC.encode(`,${pad}"${k}": `));
    SEGS[d] = t;
  }
  return t;
}
/** `\n` + d levels + `}` / `]`. */
const CLOSE_OBJ: Uint8Array[] = [];
const CLOSE_ARR: Uint8Array[] = [];
const closeObj = (d: number): Uint8Array => (CLOSE_OBJ[d] ??= ENC.encode("\n" + "  ".repeat(d) + "}"));
const closeArr = (d: number): Uint8Array => (CLOSE_ARR[d] ??= ENC.encode("\n" + "  ".repeat(d) + "]"));
const NULL = ENC.encode("null");
const EMPTY_ARRAY = ENC.encode("[]");

/** Member `key` of an object whose members are at depth d (segs(d)); first: no comma. */
function key(out: JsonOut, t: Uint8Array[], k: number, first: boolean): void {
  out.seg(t[k * 2 + (first ? 0 : 1)]!);
}

/**
 * Member `key` at depth d + 1 whose value is an endpoint `{ "ip": …, "port": … }` (at depth d + 1,
 * its members at d + 2): the address codes[s, e) (an IPv4 address, v ≥ 0) or its IPv6 text, and
 * port (NONE: null). Written as three constant segments around the address and the port.
 */
function endpoint(out: JsonOut, codes: Codes, d: number, k: number, first: boolean, s: number, e: number, v: number, ip: string | null, port: number): void {
  out.seg(epOpen(d)[k * 2 + (first ? 0 : 1)]!);
  // a dotted quad is digits and dots, a canonical IPv6 address hex digits, colons and dots: no escapes
  if (v >= 0) out.ascii(codes, s, e);
  else out.inner(ip!);
  out.seg(epPort(d + 1));
  if (port === NONE) out.seg(NULL);
  else out.num(port);
  out.seg(closeObj(d + 1));
}

/** segs(d + 1)'s key segments followed by `{`, the line of the endpoint's first member and `"ip": "`. */
const EP_OPEN: Uint8Array[][] = [];
function epOpen(d: number): Uint8Array[] {
  let t = EP_OPEN[d];
  if (t === undefined) {
    const tail = `{\n${"  ".repeat(d + 2)}"ip": "`;
    t = segs(d + 1).map((seg) => {
      const b = new Uint8Array(seg.length + tail.length);
      b.set(seg);
      b.set(ENC.encode(tail), seg.length);
      return b;
    });
    EP_OPEN[d] = t;
  }
  return t;
}
/** `",` then the line of an endpoint's (at depth e) second member and `"port": `. */
const EP_PORT: Uint8Array[] = [];
const epPort = (e: number): Uint8Array => (EP_PORT[e] ??= ENC.encode(`",\n${"  ".repeat(e + 1)}"port": `));

/** A conntrack tuple at depth d. */
function tuple(out: JsonOut, codes: Codes, d: number, r: RawTuple): void {
  const t = segs(d + 1);
  out.byte(123);
  endpoint(out, codes, d, ID.src, true, r.srcS, r.srcE, r.srcV, r.srcIp, r.sport);
  endpoint(out, codes, d, ID.dst, false, r.dstS, r.dstE, r.dstV, r.dstIp, r.dport);
  if (r.packets !== NONE) {
    key(out, t, ID.packets, false);
    out.num(r.packets);
  }
  if (r.bytes !== NONE) {
    key(out, t, ID.bytes, false);
    out.num(r.bytes);
  }
  if (r.type !== NONE || r.code !== NONE || r.id !== NONE) {
    key(out, t, ID.icmp, false);
    const u = segs(d + 2);
    out.byte(123);
    let first = true;
    if (r.type !== NONE) { key(out, u, ID.type, first); out.num(r.type); first = false; }
    if (r.code !== NONE) { key(out, u, ID.code, first); out.num(r.code); first = false; }
    if (r.id !== NONE) { key(out, u, ID.id, first); out.num(r.id); }
    out.seg(closeObj(d + 1));
  }
  if (r.zone !== NONE) {
    key(out, t, ID.zone, false);
    out.num(r.zone);
  }
  out.seg(closeObj(d));
}

/** The flags of the scan as an array at depth d. */
function flags(out: JsonOut, d: number): void {
  const n = flagCount();
  if (n === 0) {
    out.seg(EMPTY_ARRAY);
    return;
  }
  out.byte(91);
  for (let k = 0; k < n; k++) {
    if (k) out.byte(44);
    out.pad(d + 1);
    out.str(FLAGS[k]!);
  }
  out.seg(closeArr(d));
}

/** The scanned entry at depth d, as `doc.entries[k]`. */
export function writeEntry(out: JsonOut, codes: Codes, d: number): void {
  const S = SCAN;
  const t = segs(d + 1);
  out.byte(123);
  let first = true;
  if (S.event !== undefined) { key(out, t, ID.event, first); out.str(S.event); first = false; }
  if (S.time !== undefined) { key(out, t, ID.time, first); out.str(S.time); first = false; }
  if (S.l3 !== undefined) { key(out, t, ID.l3, first); out.str(S.l3); first = false; }
  key(out, t, ID.protoName, first);
  out.str(S.protoName);
  key(out, t, ID.protoNumber, false);
  out.num(S.protoNumber);
  if (S.timeout !== undefined) { key(out, t, ID.timeout, false); out.num(S.timeout); }
  if (S.state !== undefined) { key(out, t, ID.state, false); out.str(S.state); }
  key(out, t, ID.orig, false);
  tuple(out, codes, d + 1, ORIG);
  if (S.haveReply) {
    key(out, t, ID.reply, false);
    tuple(out, codes, d + 1, REPLY);
  }
  key(out, t, ID.flags, false);
  flags(out, d + 1);
  if (S.mark !== undefined) { key(out, t, ID.mark, false); out.num(S.mark); }
  if (S.zone !== undefined) { key(out, t, ID.zone, false); out.num(S.zone); }
  if (S.helper !== undefined) { key(out, t, ID.helper, false); out.str(S.helper); }
  if (S.use !== undefined) { key(out, t, ID.use, false); out.num(S.use); }
  if (S.id !== undefined) { key(out, t, ID.id, false); out.num(S.id); }
  if (S.extra !== undefined) { key(out, t, ID.extra, false); out.value(S.extra, d + 1); }
  key(out, t, ID.location, false);
  out.byte(123);
  key(out, segs(d + 2), ID.line, true);
  out.num(S.line);
  out.seg(closeObj(d + 1));
  out.seg(closeObj(d));
}

/** Same address and port (RouterEndpoint equality, sameEndpoint) of two scanned addresses. */
function same(av: number, aip: string | null, ap: number, bv: number, bip: string | null, bp: number): boolean {
  if (ap !== bp) return false;
  return av >= 0 ? av === bv : bv < 0 && aip === bip;
}

const SOURCE = ENC.encode('"source"');
const DEST = ENC.encode('"dest"');

/** natFromReply of the scan, as an array at depth d. */
function nat(out: JsonOut, codes: Codes, d: number): void {
  if (!SCAN.haveReply) {
    out.seg(EMPTY_ARRAY);
    return;
  }
  const o = ORIG, r = REPLY;
  const snat = !same(r.dstV, r.dstIp, r.dport, o.srcV, o.srcIp, o.sport);
  const dnat = !same(r.srcV, r.srcIp, r.sport, o.dstV, o.dstIp, o.dport);
  if (!snat && !dnat) {
    out.seg(EMPTY_ARRAY);
    return;
  }
  const t = segs(d + 2);
  out.byte(91);
  // source NAT: the original source became the reply's destination; destination NAT: the
  // original destination became the reply's source
  if (snat) natMember(out, codes, t, d, SOURCE, o, true, r, false);
  if (dnat) {
    if (snat) out.byte(44);
    natMember(out, codes, t, d, DEST, o, false, r, true);
  }
  out.seg(closeArr(d));
}

/** One `{ kind, from, to }` of the nat array at depth d + 1: `from` the source (or destination) of `a`, `to` that of `b`. */
function natMember(out: JsonOut, codes: Codes, t: Uint8Array[], d: number, kind: Uint8Array, a: RawTuple, aSrc: boolean, b: RawTuple, bSrc: boolean): void {
  out.pad(d + 1);
  out.byte(123);
  key(out, t, ID.kind, true);
  out.seg(kind);
  if (aSrc) endpoint(out, codes, d + 1, ID.from, false, a.srcS, a.srcE, a.srcV, a.srcIp, a.sport);
  else endpoint(out, codes, d + 1, ID.from, false, a.dstS, a.dstE, a.dstV, a.dstIp, a.dport);
  if (bSrc) endpoint(out, codes, d + 1, ID.to, false, b.srcS, b.srcE, b.srcV, b.srcIp, b.sport);
  else endpoint(out, codes, d + 1, ID.to, false, b.dstS, b.dstE, b.dstV, b.dstIp, b.dport);
  out.seg(closeObj(d + 1));
}

/** The normalised protocol of the scan (normaliseProto): a string or a number. */
function proto(out: JsonOut): void {
  const p = normaliseProto(SCAN.protoNumber);
  if (typeof p === "number") out.num(p);
  else out.str(p);
}

/** `"location": { "file": …, "line": … }` as the last member at depth d + 1. */
function location(out: JsonOut, t: Uint8Array[], d: number, file: string): void {
  key(out, t, ID.location, false);
  out.byte(123);
  const u = segs(d + 2);
  key(out, u, ID.file, true);
  out.str(file);
  key(out, u, ID.line, false);
  out.num(SCAN.line);
  out.seg(closeObj(d + 1));
}

/** The flow of the scanned entry at depth d, as normalise.ts conntrackFlow makes it. */
export function writeFlow(out: JsonOut, codes: Codes, d: number, document: number, format: RouterFormat, file: string): void {
  const S = SCAN, o = ORIG, r = REPLY;
  const t = segs(d + 1);
  openRecord(out, t, document, format);
  key(out, t, ID.proto, false);
  proto(out);
  endpoint(out, codes, d, ID.src, false, o.srcS, o.srcE, o.srcV, o.srcIp, o.sport);
  endpoint(out, codes, d, ID.dst, false, o.dstS, o.dstE, o.dstV, o.dstIp, o.dport);
  if (S.state !== undefined) { key(out, t, ID.state, false); out.str(S.state); }
  const rp = S.haveReply ? r.packets : NONE, rb = S.haveReply ? r.bytes : NONE;
  if (o.packets !== NONE || rp !== NONE) orReply(out, t, ID.packets, d + 1, o.packets, rp);
  if (o.bytes !== NONE || rb !== NONE) orReply(out, t, ID.bytes, d + 1, o.bytes, rb);
  key(out, t, ID.nat, false);
  nat(out, codes, d + 1);
  if (S.helper !== undefined) { key(out, t, ID.alg, false); out.str(S.helper); }
  if (S.id !== undefined) { key(out, t, ID.id, false); out.str(String(S.id)); }
  if (S.timeout !== undefined) { key(out, t, ID.timeout, false); out.num(S.timeout); }
  if (flagCount()) { key(out, t, ID.flags, false); flags(out, d + 1); }
  const zone = S.zone ?? (o.zone !== NONE ? o.zone : undefined);
  if (zone !== undefined) { key(out, t, ID.zone, false); out.num(zone); }
  location(out, t, d, file);
  out.seg(closeObj(d));
}

/** `{ "document": …, "format": …` — the opening of a flow's or an event's object (t: its depth's key pieces). */
function openRecord(out: JsonOut, t: Uint8Array[], document: number, format: RouterFormat): void {
  out.byte(123);
  key(out, t, ID.document, true);
  out.num(document);
  key(out, t, ID.format, false);
  out.str(format);
}

/** `{ "orig": …, "reply": … }` (each left out when NONE) as member k at depth d. */
function orReply(out: JsonOut, t: Uint8Array[], k: number, d: number, orig: number, reply: number): void {
  key(out, t, k, false);
  out.byte(123);
  const u = segs(d + 1);
  if (orig !== NONE) { key(out, u, ID.orig, true); out.num(orig); }
  if (reply !== NONE) { key(out, u, ID.reply, orig === NONE); out.num(reply); }
  out.seg(closeObj(d));
}

const EVENT_KINDS: Record<string, string> = { NEW: "create", UPDATE: "update", DESTROY: "delete" };

/** The event of the scanned `conntrack -E` line at depth d, as normalise.ts conntrackEvent makes it. */
export function writeEvent(out: JsonOut, codes: Codes, d: number, document: number, format: RouterFormat, file: string): void {
  const S = SCAN, o = ORIG;
  const t = segs(d + 1);
  openRecord(out, t, document, format);
  key(out, t, ID.kind, false);
  out.str(EVENT_KINDS[S.event ?? ""] ?? "other");
  key(out, t, ID.tag, false);
  out.str(S.event ?? "");
  key(out, t, ID.proto, false);
  proto(out);
  endpoint(out, codes, d, ID.src, false, o.srcS, o.srcE, o.srcV, o.srcIp, o.sport);
  endpoint(out, codes, d, ID.dst, false, o.dstS, o.dstE, o.dstV, o.dstIp, o.dport);
  key(out, t, ID.nat, false);
  nat(out, codes, d + 1);
  location(out, t, d, file);
  if (S.time !== undefined) { key(out, t, ID.time, false); out.str(S.time); }
  if (S.helper !== undefined) { key(out, t, ID.alg, false); out.str(S.helper); }
  out.seg(closeObj(d));
}
