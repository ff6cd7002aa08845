/**
 * Addresses and endpoints as routers print them.
 *
 * parseEndpoint accepts, in this order:
 *   "[2001:db8::1]:21"  → { ip: "2001:db8::1", port: 21 }      bracketed IPv6
 *   "1.1.79.2:14083"    → { ip: "1.1.79.2", port: 14083 }       split at the LAST ':'
 *   "2001:db8::1:21"    → { ip: "2001:db8::1", port: 21 }       (IPv6: port after the last ':')
 *   "10.0.0.1"          → { ip: "10.0.0.1", port: null }        a bare address
 *   "192.1.1.2.37822"   → { ip: "192.1.1.2", port: 37822 }      SDK form: port after the last '.'
 * IPv6 addresses are canonicalised (RFC 5952, with src/net/addr.ts's ipv6ToString, the formatter of
 * the capture side: lower case, longest zero run as `::`, IPv4-mapped as `::ffff:1.2.3.4`), so the
 * fully expanded `/proc/net/nf_conntrack` form `fd99:0001:0000:...` equals conntrack's `fd99:1::2`
 * and router addresses equal capture addresses as strings.
 * Anything else → null.
 */
import type { RouterEndpoint } from "./types.js";
import type { Codes } from "./lines.js";
import { ipv6ToString } from "../net/addr.js";

/** `text[s, e)` is a dotted quad: 4 decimal octets ≤ 255, no leading zeros (`01` is no octet). */
export function isIPv4At(text: string, s: number, e: number): boolean {
  let k = s;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (k >= e || text.charCodeAt(k) !== 46 /* . */) return false;
      k++;
    }
    const st = k;
    let v = 0;
    while (k < e && k - st < 4) {
      const c = text.charCodeAt(k) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      k++;
    }
    const n = k - st;
    if (n === 0 || n > 3 || v > 255 || (n > 1 && text.charCodeAt(st) === 48)) return false;
  }
  return k === e;
}

export function isIPv4(s: string): boolean {
  return isIPv4At(s, 0, s.length);
}

/**
 * The dotted quad codes[s, e) as a number 0 … 2^32−1, or -1 when it is none (the rules of
 * isIPv4At). Distinct valid texts give distinct numbers, so the number can key a cache.
 */
export function ipv4Value(codes: Codes, s: number, e: number): number {
  const value = ipv4Prefix(codes, s, e);
  return value >= 0 && quadEnd === e ? value : -1;
}

/** Where the dotted quad read by the last `ipv4Prefix` ended. */
let quadEnd = 0;

/**
 * A dotted quad at the start of codes[s, e) (no leading zeros, octets ≤ 255), or -1; `quadEnd`
 * is set to the position after it (what follows is the caller's business: `:port`, the end).
 */
function ipv4Prefix(codes: Codes, s: number, e: number): number {
  let k = s;
  let value = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (k >= e || codes[k] !== 46 /* . */) return -1;
      k++;
    }
    const st = k;
    let v = 0;
    while (k < e && k - st < 4) {
      const c = codes[k]! - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      k++;
    }
    const n = k - st;
    if (n === 0 || n > 3 || v > 255 || (n > 1 && codes[st] === 48)) return -1;
    value = value * 256 + v;
  }
  quadEnd = k;
  return value;
}

/** Decimal port in codes[s, e) (1–5 digits, ≤ 65535), or -1. */
export function portValue(codes: Codes, s: number, e: number): number {
  const len = e - s;
  if (len < 1 || len > 5) return -1;
  let n = 0;
  for (let k = s; k < e; k++) {
    const c = codes[k]! - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n <= 65535 ? n : -1;
}

/** `s` holds only hex digits, `:` and `.` (and is not empty). */
function hexColonDot(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 48 && c <= 58) || c === 46 || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** One group of 1–4 hex digits, or -1. */
function hexGroup(g: string): number {
  if (g.length < 1 || g.length > 4) return -1;
  let v = 0;
  for (let k = 0; k < g.length; k++) {
    const c = g.charCodeAt(k);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Parse an IPv6 address (with optional embedded IPv4 tail and %zone) into 8 groups, or null. */
function ipv6Groups(s: string): number[] | null {
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length < 2 || !hexColonDot(s)) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.indexOf(".") >= 0) {
    const v4 = s.slice(lastColon + 1);
    if (!isIPv4(v4)) return null;
    const b = v4.split(".").map(Number);
    tail = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith("::")) s = s.slice(0, -1);
  }
  const dbl = s.indexOf("::");
  if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      const v = hexGroup(g);
      if (v < 0) return null;
      out.push(v);
    }
    return out;
  };
  const want = 8 - tail.length;
  if (dbl < 0) {
    const g = parse(s);
    if (!g || g.length !== want) return null;
    return g.concat(tail);
  }
  const head = parse(s.slice(0, dbl));
  const rest = parse(s.slice(dbl + 2));
  if (!head || !rest || head.length + rest.length > want - 1) return null;
  return head.concat(new Array<number>(want - head.length - rest.length).fill(0), rest, tail);
}

/**
 * RFC 5952 text of 8 groups — the capture side's own formatter (src/net/addr.ts), so router and
 * capture addresses compare as strings: lower case, no leading zeros, the longest run of two or
 * more zero groups (the first on a tie) as `::`, IPv4-mapped addresses with a dotted-quad tail
 * (`::ffff:192.0.2.1`).
 */
function formatIPv6(g: number[]): string {
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    b[2 * i] = g[i]! >> 8;
    b[2 * i + 1] = g[i]! & 0xff;
  }
  return ipv6ToString(b, 0);
}

/** The 16 bytes of IPv6 address text `s` as four big-endian 32-bit words, or null when `s` is not one. */
export function ipv6Words(s: string): [number, number, number, number] | null {
  const g = s.indexOf(":") >= 0 ? ipv6Groups(s) : null;
  if (!g) return null;
  return [(g[0]! * 65536 + g[1]!), (g[2]! * 65536 + g[3]!), (g[4]! * 65536 + g[5]!), (g[6]! * 65536 + g[7]!)];
}

/** Canonical text of an IPv4 or IPv6 address, or null when `s` is not one. */
export function canonicalIp(s: string): string | null {
  if (isIPv4(s)) return s;
  if (s.indexOf(":") < 0) return null;
  const g = ipv6Groups(s);
  return g ? formatIPv6(g) : null;
}

function portOf(s: string): number | null {
  return portAt(s, 0, s.length);
}

/** Decimal port in s[from, to) (1–5 digits, ≤ 65535), or null. No substring is made. */
export function portAt(s: string, from: number, to: number): number | null {
  const len = to - from;
  if (len < 1 || len > 5) return null;
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return n <= 65535 ? n : null;
}

/** Parse `ip:port`, `[ip]:port`, `ip`, or the SDK `a.b.c.d.port` form (see the module header). */
export function parseEndpoint(s: string): RouterEndpoint | null {
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf("]");
    if (close < 0) return null;
    const ip = canonicalIp(s.slice(1, close));
    if (!ip) return null;
    if (close === s.length - 1) return { ip, port: null };
    if (s[close + 1] !== ":" && s[close + 1] !== ".") return null;
    const port = portOf(s.slice(close + 2));
    return port === null ? null : { ip, port };
  }
  const c = s.lastIndexOf(":");
  if (c > 0) {
    const port = portAt(s, c + 1, s.length);
    if (port !== null) {
      const ip = canonicalIp(s.slice(0, c));
      if (ip) return { ip, port };
    }
  }
  const whole = canonicalIp(s);
  if (whole) return { ip: whole, port: null };
  const d = s.lastIndexOf(".");
  if (d > 0) {
    const port = portAt(s, d + 1, s.length);
    if (port !== null) {
      const ip = canonicalIp(s.slice(0, d));
      if (ip) return { ip, port };
    }
  }
  return null;
}

/** Parse an address/port pair given separately (conntrack `src=` + `sport=`). */
export function endpointFrom(ip: string, port: string | undefined): RouterEndpoint | null {
  const c = canonicalIp(ip);
  if (!c) return null;
  if (port === undefined) return { ip: c, port: null };
  const p = portOf(port);
  return p === null ? null : { ip: c, port: p };
}

/** `ip:port`, with IPv6 bracketed when a port follows; `ip` alone when port is null. */
export function formatEndpoint(e: RouterEndpoint): string {
  if (e.port === null) return e.ip;
  return e.ip.indexOf(":") >= 0 ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

export function sameEndpoint(a: RouterEndpoint, b: RouterEndpoint): boolean {
  return a.ip === b.ip && a.port === b.port;
}

/** IP protocol names → numbers, for normalising the protocol of any format. */
export const IP_PROTOCOLS: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, icmpv6: 58, "ipv6-icmp": 58,
  icmp6: 58, ospf: 89, pim: 103, sctp: 132, udplite: 136, dccp: 33,
};

/**
 * Normalised protocol: "tcp" | "udp" | "icmp" | "icmpv6" for those four (by name or number),
 * the number for other known names or numbers, else the lower-cased word.
 */
export function normaliseProto(p: string | number): import("./types.js").RouterProto {
  if (typeof p === "string") {
    // the same few words on every flow: remember them
    const known = PROTO_MEMO.get(p);
    if (known !== undefined) return known;
    const v = normaliseProtoOnce(p);
    if (PROTO_MEMO.size < 256) PROTO_MEMO.set(p, v);
    return v;
  }
  return normaliseProtoOnce(p);
}

const PROTO_MEMO = new Map<string, import("./types.js").RouterProto>();

function normaliseProtoOnce(p: string | number): import("./types.js").RouterProto {
  let n: number | undefined;
  if (typeof p === "number") n = p;
  else if (/^\d+$/.test(p)) n = Number(p);
  else n = IP_PROTOCOLS[p.toLowerCase()];
  if (n === undefined) return String(p).toLowerCase();
  switch (n) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    default: return n;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Interning for the parsers                                                                   */
/* ------------------------------------------------------------------------------------------ */

const CACHE_BITS = 14;
const CACHE_SIZE = 1 << CACHE_BITS;
const CACHE_MASK = CACHE_SIZE - 1;

/** Hash of text[s, e) (FNV-style over UTF-16 units). */
function hashAt(text: string, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = s; k < e; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return (h ^ (h >>> 15)) & CACHE_MASK;
}

/** text[s, e) has the same characters as `key`. */
function sameText(key: string, text: string, s: number, e: number): boolean {
  if (key.length !== e - s) return false;
  for (let k = 0; k < key.length; k++) if (key.charCodeAt(k) !== text.charCodeAt(s + k)) return false;
  return true;
}

/**
 * Per-parse interning of addresses and endpoints: a router dump repeats the same addresses and
 * `ip:port` pairs on many lines (a conversation's flows and NAT lines, conntrack's mirrored reply
 * tuple), so each distinct one is parsed, allocated and held once. Direct-mapped caches (a slot
 * is overwritten on collision), so memory stays bounded and a miss only costs the plain parse.
 *
 * The endpoints handed out are shared between records: treat parse results as read-only.
 * `clear()` drops every reference (the cached strings may be slices of the input text), and
 * parseRouterText calls it when it finishes.
 */
export class AddrCache {
  private ipKey: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);
  private ipVal: (string | null)[] = new Array<string | null>(CACHE_SIZE).fill(null);
  private tokKey: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);
  private tokVal: (RouterEndpoint | null)[] = new Array<RouterEndpoint | null>(CACHE_SIZE).fill(null);
  private pairIp: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);
  private pairPort: Int32Array = new Int32Array(CACHE_SIZE);
  private pairVal: (RouterEndpoint | null)[] = new Array<RouterEndpoint | null>(CACHE_SIZE).fill(null);
  private v4Key: Int32Array = new Int32Array(CACHE_SIZE);
  private v4Val: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);
  private v4pKey: Int32Array = new Int32Array(CACHE_SIZE);
  private v4pPort: Int32Array = new Int32Array(CACHE_SIZE);
  private v4pVal: (RouterEndpoint | undefined)[] = new Array<RouterEndpoint | undefined>(CACHE_SIZE).fill(undefined);
  /** Slot hash of the last address looked up with `ip` (used by `pair`). */
  private lastIpHash = 0;
  private used = false;

  /** canonicalIp(text.slice(s, e)), interned. */
  ip(text: string, s: number, e: number): string | null {
    const h = hashAt(text, s, e);
    this.lastIpHash = h;
    this.used = true;
    const key = this.ipKey[h];
    if (key !== undefined && sameText(key, text, s, e)) return this.ipVal[h]!;
    const raw = text.slice(s, e);
    const v = isIPv4At(text, s, e) ? raw : raw.indexOf(":") < 0 ? null : canonicalIp(raw);
    this.ipKey[h] = raw;
    this.ipVal[h] = v;
    return v;
  }

  /** The endpoint { ip, port }, one object per distinct pair. `ip` must come from `ip()` just before (its hash is reused) unless `h` is given. */
  pair(ip: string, port: number | null, h = this.lastIpHash): RouterEndpoint {
    const p = port === null ? -1 : port;
    const slot = (h ^ Math.imul(p + 1, 0x9e3779b1 | 0) >>> 18) & CACHE_MASK;
    const v = this.pairVal[slot];
    if (v !== null && v !== undefined && this.pairPort[slot] === p && this.pairIp[slot] === ip) return v;
    const ep: RouterEndpoint = { ip, port };
    this.pairIp[slot] = ip;
    this.pairPort[slot] = p;
    this.pairVal[slot] = ep;
    this.used = true;
    return ep;
  }

  /** parseEndpoint(text.slice(s, e)), interned (equal tokens → the same object). */
  endpoint(text: string, s: number, e: number): RouterEndpoint | null {
    const h = hashAt(text, s, e);
    const key = this.tokKey[h];
    if (key !== undefined && sameText(key, text, s, e)) return this.tokVal[h]!;
    const tok = text.slice(s, e);
    const r = parseEndpoint(tok);
    // one address string and one endpoint object per distinct value, whatever the token's form
    const v = r ? this.pair(this.ip(r.ip, 0, r.ip.length)!, r.port) : null;
    this.tokKey[h] = tok;
    this.tokVal[h] = v;
    this.used = true;
    return v;
  }

  /** The text of the IPv4 address `value` (ipv4Value), which text[s, e) spells: one string per address. */
  v4(value: number, text: string, s: number, e: number): string {
    const slot = Math.imul(value | 0, 0x9e3779b1 | 0) >>> (32 - CACHE_BITS);
    const v = this.v4Val[slot];
    if (v !== undefined && this.v4Key[slot] === (value | 0)) return v;
    const ip = text.slice(s, e);
    this.v4Key[slot] = value | 0;
    this.v4Val[slot] = ip;
    this.used = true;
    return ip;
  }

  /**
   * The endpoint of IPv4 address `value`, spelt text[s, e), and `port` (-1: none): one object per
   * pair (and one string per address, see v4).
   */
  v4Endpoint(value: number, port: number, text: string, s: number, e: number): RouterEndpoint {
    const slot = Math.imul((value | 0) ^ Math.imul(port + 1, 0x85ebca6b | 0), 0x9e3779b1 | 0) >>> (32 - CACHE_BITS);
    const v = this.v4pVal[slot];
    if (v !== undefined && this.v4pKey[slot] === (value | 0) && this.v4pPort[slot] === port) return v;
    const ep: RouterEndpoint = { ip: this.v4(value, text, s, e), port: port < 0 ? null : port };
    this.v4pKey[slot] = value | 0;
    this.v4pPort[slot] = port;
    this.v4pVal[slot] = ep;
    this.used = true;
    return ep;
  }

  /**
   * parseEndpoint of the token codes[s, e), where codes[k] is code unit off + k of text: the
   * `a.b.c.d:port` and bare `a.b.c.d` forms are read straight from the codes, any other through
   * `endpoint`.
   */
  endpointAt(codes: Codes, off: number, text: string, s: number, e: number): RouterEndpoint | null {
    // one pass: the dotted quad, then `:port` or the end of the token
    const value = ipv4Prefix(codes, s, e);
    if (value < 0) return this.endpoint(text, off + s, off + e);
    const k = quadEnd;
    if (k === e) return this.v4Endpoint(value, -1, text, off + s, off + k);
    if (codes[k] !== 58 /* : */) return this.endpoint(text, off + s, off + e);
    const port = portValue(codes, k + 1, e);
    return port < 0 ? this.endpoint(text, off + s, off + e) : this.v4Endpoint(value, port, text, off + s, off + k);
  }

  /** Forget everything (releases the input text the cached slices may point into). */
  clear(): void {
    if (!this.used) return;
    this.ipKey.fill(undefined);
    this.ipVal.fill(null);
    this.tokKey.fill(undefined);
    this.tokVal.fill(null);
    this.pairIp.fill(undefined);
    this.pairVal.fill(null);
    this.v4Val.fill(undefined);
    this.v4pVal.fill(undefined);
    this.used = false;
  }
}

let shared: AddrCache | undefined;

/**
 * The cache the parsers share; parseRouterText clears it when done (parsing is synchronous).
 * Made on first use: modules that only import this file's functions (the SIP parser, through
 * canonicalIp) do not pay for its arrays at start-up.
 */
export function addrCache(): AddrCache {
  return (shared ??= new AddrCache());
}
