/**
 * Parsers of the SIP header and SDP line texts the wasm core hands over (SipLine events): pure
 * functions, lenient (RFC 3261 §20, §25; RFC 4566 §5; RFC 3605 a=rtcp; RFC 5761 rtcp-mux). Strict
 * readings (what Linux nf_conntrack_sip accepts) belong to the emulation, not here.
 */
import { canonicalIp } from "../router/ip.js";
import type { SdpDirection, SipContact, SipParty, SipVia } from "./sip-types.js";

/** The value of a header line: the text after the first ':' (trimmed). */
export function headerValue(line: string): string {
  const i = line.indexOf(":");
  return i < 0 ? "" : line.slice(i + 1).trim();
}

/**
 * Splits a header value on the commas that separate its values: not inside "quoted strings" nor
 * <angle brackets> (a display name or a URI may hold commas).
 */
export function splitValues(value: string): string[] {
  if (value.indexOf(",") < 0) {
    // One value (the common case): no scan, no filtering.
    const t = value.trim();
    return t ? [t] : [];
  }
  const out: string[] = [];
  let quoted = false;
  let angle = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 /* \ */ && quoted) i++;
    else if (c === 34 /* " */) quoted = !quoted;
    else if (!quoted && c === 60 /* < */) angle++;
    else if (!quoted && c === 62 /* > */ && angle > 0) angle--;
    else if (!quoted && angle === 0 && c === 44 /* , */) {
      const v = value.slice(start, i).trim();
      if (v) out.push(v);
      start = i + 1;
    }
  }
  const v = value.slice(start).trim();
  if (v) out.push(v);
  return out;
}

/** `;name=value` parameters (names lower-cased; a parameter without '=' maps to ""). */
export function parseParams(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (let from = 0; from <= text.length;) {
    let end = text.indexOf(";", from);
    if (end < 0) end = text.length;
    const t = text.slice(from, end).trim();
    from = end + 1;
    if (!t) continue;
    const eq = t.indexOf("=");
    if (eq < 0) m.set(t.toLowerCase(), "");
    else m.set(t.slice(0, eq).trim().toLowerCase(), paramValue(t, eq));
  }
  return m;
}

/**
 * The value of parameter `name` (lower case) in `;name=value` text, as parseParams(text).get(name)
 * gives it (the last one when repeated; "" without '='; undefined when absent), without building
 * the map: a message's Via, From, To and Contact lines each need one or three parameters.
 */
export function paramOf(text: string, name: string): string | undefined {
  let found: string | undefined;
  for (let from = 0; from <= text.length;) {
    let end = text.indexOf(";", from);
    if (end < 0) end = text.length;
    const seg = from;
    from = end + 1;
    // Cheap rejection: the first non-blank character must be the name's first letter, either case
    // (no other character lower-cases to an ASCII letter).
    let k = seg;
    while (k < end && isBlank(text.charCodeAt(k))) k++;
    if (k === end || !isAsciiLetter(text.charCodeAt(k)) || (text.charCodeAt(k) | 0x20) !== name.charCodeAt(0)) continue;
    const t = text.slice(seg, end).trim();
    if (!t) continue;
    const eq = t.indexOf("=");
    const key = (eq < 0 ? t : t.slice(0, eq).trim());
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    found = eq < 0 ? "" : paramValue(t, eq);
  }
  return found;
}

/** The value after '=' at `eq` of a trimmed parameter, without one pair of enclosing quotes. */
function paramValue(t: string, eq: number): string {
  const v = t.slice(eq + 1).trim();
  // As /^"(.*)"$/ → "$1": '.' matches no line terminator.
  if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34 && !/[\n\r\u2028\u2029]/.test(v)) return v.slice(1, -1);
  return v;
}

/**
 * Whitespace String.prototype.trim removes in the range the core's texts use (latin-1 bytes,
 * decoded as windows-1252); anything above 0xff counts as blank here, which only makes the
 * exact comparison run.
 */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c > 0xff;
}

function isAsciiLetter(c: number): boolean {
  const l = c | 0x20;
  return l >= 97 && l <= 122;
}

/** `host[:port]` with an IPv6 literal in brackets; the host is returned without brackets. */
export function parseHostPort(text: string): { host: string; port?: number } {
  const t = text.trim();
  if (t.startsWith("[")) {
    const end = t.indexOf("]");
    if (end < 0) return { host: t.slice(1) };
    const host = canonicalAddress(t.slice(1, end));
    const rest = t.slice(end + 1);
    const port = rest.startsWith(":") ? portNumber(rest.slice(1)) : undefined;
    return port === undefined ? { host } : { host, port };
  }
  const colon = t.lastIndexOf(":");
  // A bare IPv6 address (several colons, no brackets) has no port.
  if (colon >= 0 && t.indexOf(":") === colon) {
    const port = portNumber(t.slice(colon + 1));
    return port === undefined ? { host: t.slice(0, colon) } : { host: t.slice(0, colon), port };
  }
  return { host: canonicalAddress(t) };
}

function portNumber(s: string): number | undefined {
  const t = s.trim();
  if (t.length < 1 || t.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n;
}

/** Host and port of a SIP URI (`sip:user@host:port;params`, `sips:`, or a bare host). */
export function uriHostPort(uri: string): { host: string; port?: number } {
  let u = uri.trim();
  // The scheme is everything before the first ':' (sip, sips, tel, urn: any case).
  const colon = u.indexOf(":");
  if (colon === 3 || colon === 4) {
    const scheme = u.slice(0, colon).toLowerCase();
    if (scheme === "sip" || scheme === "sips" || scheme === "tel" || scheme === "urn") u = u.slice(colon + 1);
  }
  // Headers (?…) and parameters (;…) end the host part; userinfo ends at the last '@' before them.
  const semi = u.indexOf(";");
  const query = u.indexOf("?");
  const cut = semi < 0 ? query : query < 0 ? semi : Math.min(semi, query);
  if (cut >= 0) u = u.slice(0, cut);
  const at = u.lastIndexOf("@");
  if (at >= 0) u = u.slice(at + 1);
  return parseHostPort(u);
}

/** A name-addr or addr-spec and the text of its parameters: `"Name" <uri>;p=v` or `uri;p=v`. */
function nameAddr(value: string): { uri: string; params: string } {
  const lt = value.indexOf("<");
  if (lt >= 0) {
    const gt = value.indexOf(">", lt);
    const uri = value.slice(lt + 1, gt < 0 ? undefined : gt).trim();
    return { uri, params: gt < 0 ? "" : value.slice(gt + 1) };
  }
  // addr-spec: the parameters after it are header parameters (RFC 3261 §20.10).
  const semi = value.indexOf(";");
  return { uri: (semi < 0 ? value : value.slice(0, semi)).trim(), params: semi < 0 ? "" : value.slice(semi + 1) };
}

/** Every Via value of a Via header line (`SIP/2.0/UDP host:port;received=…;rport=…;branch=…`). */
export function parseVia(line: string): SipVia[] {
  const out: SipVia[] = [];
  for (const v of splitValues(headerValue(line))) {
    const m = /^\s*SIP\s*\/\s*[\d.]+\s*\/\s*([A-Za-z0-9-]+)\s+([^;]+)(.*)$/i.exec(v);
    if (!m) continue;
    const hp = parseHostPort(m[2]);
    const params = m[3];
    const transport = m[1].toUpperCase();
    const received = paramOf(params, "received");
    const rport = paramOf(params, "rport");
    const branch = paramOf(params, "branch");
    if (hp.port !== undefined && !received && rport === undefined && branch) {
      // The usual Via as one literal (same keys, same order): fields added one by one live in a
      // property array of their own beside the object.
      out.push({ transport, host: hp.host, port: hp.port, branch });
      continue;
    }
    const via: SipVia = { transport, host: hp.host };
    if (hp.port !== undefined) via.port = hp.port;
    if (received) via.received = canonicalAddress(received.replace(/^\[(.*)\]$/, "$1"));
    if (rport !== undefined) {
      const r = portNumber(rport);
      via.rport = r === undefined ? true : r;
    }
    if (branch) via.branch = branch;
    out.push(via);
  }
  return out;
}

/** Every Contact of a Contact header line (`*` yields none). */
export function parseContact(line: string): SipContact[] {
  const out: SipContact[] = [];
  for (const v of splitValues(headerValue(line))) {
    if (v === "*") continue;
    const { uri, params } = nameAddr(v);
    if (!uri) continue;
    const hp = uriHostPort(uri);
    const exp = paramOf(params, "expires");
    const expires = exp !== undefined && /^\d+$/.test(exp) ? Number(exp) : undefined;
    // Literals (same keys, same order as added one by one, without a property array beside).
    if (hp.port === undefined) out.push(expires === undefined ? { uri, host: hp.host } : { uri, host: hp.host, expires });
    else out.push(expires === undefined ? { uri, host: hp.host, port: hp.port } : { uri, host: hp.host, port: hp.port, expires });
  }
  return out;
}

/** A From or To header line: its URI and tag. */
export function parseParty(line: string): SipParty {
  const { uri, params } = nameAddr(headerValue(line));
  const tag = paramOf(params, "tag");
  return tag ? { uri, tag } : { uri };
}

/** `CSeq: 101 INVITE`. */
export function parseCSeq(line: string): { num: number; method: string } | undefined {
  // As /^(\d+)\s+(\S+)/ on the header value, without the regex and its match array.
  const v = headerValue(line);
  let i = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  if (i === 0) return undefined;
  let j = i;
  while (j < v.length && isRegexSpace(v.charCodeAt(j))) j++;
  if (j === i || j === v.length) return undefined;
  let k = j;
  while (k < v.length && !isRegexSpace(v.charCodeAt(k))) k++;
  return { num: Number(v.slice(0, i)), method: v.slice(j, k).toUpperCase() };
}

/** A character of the regex class \s (ECMAScript WhiteSpace and LineTerminator). */
function isRegexSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f ||
    c === 0x3000 || c === 0xfeff;
}

/** `INVITE sip:bob@example.com SIP/2.0`. */
export function parseRequestLine(line: string): { method: string; uri: string } {
  // The method before the first space; the URI between it and the last space ("" with fewer than two).
  const first = line.indexOf(" ");
  const last = line.lastIndexOf(" ");
  return { method: (first < 0 ? line : line.slice(0, first)).toUpperCase(), uri: first < 0 || first === last ? "" : line.slice(first + 1, last) };
}

/** `SIP/2.0 200 OK`. */
export function parseStatusLine(line: string): { code: number; reason: string } {
  const m = /^\S+\s+(\d{3})\s*(.*)$/.exec(line);
  return m ? { code: Number(m[1]), reason: m[2] } : { code: 0, reason: "" };
}

// ---- SDP ---------------------------------------------------------------------------------------

/** The address of an o= or c= line (`… IN IP4 192.0.2.1[/ttl]`), without a multicast TTL. */
export function sdpAddress(line: string): string | undefined {
  const m = /\bIN\s+IP[46]\s+(\S+)/i.exec(line);
  if (!m) return undefined;
  return canonicalAddress(m[1].split("/")[0]);
}

/** `m=audio 49170/2 RTP/AVP 0`. */
export function parseMediaLine(line: string): { type: string; port: number; count: number; proto: string } | undefined {
  const m = /^m=(\S+)\s+(\d+)(?:\/(\d+))?\s+(\S+)/i.exec(line);
  if (!m) return undefined;
  return { type: m[1], port: Number(m[2]), count: m[3] ? Number(m[3]) : 1, proto: m[4] };
}

/** An SDP attribute line the core passes on: rtcp port (and address), rtcp-mux, or a direction. */
export function parseSdpAttribute(line: string): { rtcp?: { port: number; ip?: string }; rtcpMux?: true; direction?: SdpDirection } {
  const a = line.slice(2).trim();
  const lower = a.toLowerCase();
  if (lower.startsWith("rtcp-mux")) return { rtcpMux: true };
  if (lower.startsWith("rtcp:")) {
    const m = /^rtcp:\s*(\d+)(?:\s+IN\s+IP[46]\s+(\S+))?/i.exec(a);
    if (!m) return {};
    return m[2] ? { rtcp: { port: Number(m[1]), ip: canonicalAddress(m[2]) } } : { rtcp: { port: Number(m[1]) } };
  }
  for (const d of ["sendrecv", "sendonly", "recvonly", "inactive"] as const) if (lower === d || lower.startsWith(d + " ")) return { direction: d };
  return {};
}

/** An address in canonical text (IPv6 compressed, lower case), or the text as is when not one. */
export function canonicalAddress(text: string): string {
  return canonicalIp(text) ?? text;
}

/** True for an unspecified address (SDP hold: c=IN IP4 0.0.0.0, or :: for IPv6), canonical text. */
export function isHoldAddress(ip: string): boolean {
  return ip === "0.0.0.0" || ip === "::";
}

/** True when the text is an IPv4 or IPv6 literal (not a host name). */
export function isIpLiteral(host: string): boolean {
  return canonicalIp(host) !== null;
}

/**
 * `s` as a string of its own. V8 makes a substring of 13 characters or more a slice that keeps
 * its whole parent alive: a parsed Via host or branch, a From URI or tag, a Call-ID held the whole
 * header line to the end of the report (the SIP-dense capture's first 250 000 packets: 16.6 MB
 * of such lines in 125 MB of JS heap). A join of two parts writes one flat string (as nsToIso's
 * does); a rope (a template's concatenations, ~10 string objects) is flattened the same way.
 */
export function own(s: string): string {
  return s.length < 13 ? s : [s.slice(0, 1), s.slice(1)].join("");
}
