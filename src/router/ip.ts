/**
 * Addresses and endpoints as routers print them.
 *
 * parseEndpoint accepts, in this order:
 *   "[2001:db8::1]:21"  → { ip: "2001:db8::1", port: 21 }      bracketed IPv6
 *   "1.1.79.2:14083"    → { ip: "1.1.79.2", port: 14083 }       split at the LAST ':'
 *   "2001:db8::1:21"    → { ip: "2001:db8::1", port: 21 }       (IPv6: port after the last ':')
 *   "10.0.0.1"          → { ip: "10.0.0.1", port: null }        a bare address
 *   "192.1.1.2.37822"   → { ip: "192.1.1.2", port: 37822 }      SDK form: port after the last '.'
 * IPv6 addresses are canonicalised (RFC 5952: lower case, longest zero run as `::`), so the fully
 * expanded `/proc/net/nf_conntrack` form `fd99:0001:0000:...` equals conntrack's `fd99:1::2`.
 * Anything else → null.
 */
import type { RouterEndpoint } from "./types.js";

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** Parse an IPv6 address (with optional embedded IPv4 tail and %zone) into 8 groups, or null. */
function ipv6Groups(s: string): number[] | null {
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length < 2 || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.indexOf(".") >= 0) {
    const v4 = s.slice(lastColon + 1);
    if (!IPV4.test(v4)) return null;
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
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
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

/** RFC 5952 text of 8 groups. */
function formatIPv6(g: number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(":");
  return hex.slice(0, bestStart).join(":") + "::" + hex.slice(bestStart + bestLen).join(":");
}

/** Canonical text of an IPv4 or IPv6 address, or null when `s` is not one. */
export function canonicalIp(s: string): string | null {
  if (IPV4.test(s)) return s;
  if (s.indexOf(":") < 0) return null;
  const g = ipv6Groups(s);
  return g ? formatIPv6(g) : null;
}

function portOf(s: string): number | null {
  return portAt(s, 0);
}

/** Decimal port in s[from..] (1–5 digits, ≤ 65535), or null. No substring is made. */
function portAt(s: string, from: number): number | null {
  const len = s.length - from;
  if (len < 1 || len > 5) return null;
  let n = 0;
  for (let k = from; k < s.length; k++) {
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
    const port = portAt(s, c + 1);
    if (port !== null) {
      const ip = canonicalIp(s.slice(0, c));
      if (ip) return { ip, port };
    }
  }
  const whole = canonicalIp(s);
  if (whole) return { ip: whole, port: null };
  const d = s.lastIndexOf(".");
  if (d > 0) {
    const port = portAt(s, d + 1);
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
