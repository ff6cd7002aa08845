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
  const out: string[] = [];
  let quoted = false;
  let angle = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === "<") angle++;
    else if (!quoted && c === ">" && angle > 0) angle--;
    else if (!quoted && angle === 0 && c === ",") {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v.length > 0);
}

/** `;name=value` parameters (names lower-cased; a parameter without '=' maps to ""). */
export function parseParams(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of text.split(";")) {
    const t = p.trim();
    if (!t) continue;
    const eq = t.indexOf("=");
    if (eq < 0) m.set(t.toLowerCase(), "");
    else m.set(t.slice(0, eq).trim().toLowerCase(), t.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"));
  }
  return m;
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
  if (!/^\d{1,5}$/.test(t)) return undefined;
  return Number(t);
}

/** Host and port of a SIP URI (`sip:user@host:port;params`, `sips:`, or a bare host). */
export function uriHostPort(uri: string): { host: string; port?: number } {
  let u = uri.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(u);
  if (scheme && !/^\[/.test(u) && /^(sips?|tel|urn):/i.test(scheme[0])) u = u.slice(scheme[0].length);
  // Headers (?…) and parameters (;…) end the host part; userinfo ends at the last '@' before them.
  const cut = u.search(/[;?]/);
  if (cut >= 0) u = u.slice(0, cut);
  const at = u.lastIndexOf("@");
  if (at >= 0) u = u.slice(at + 1);
  return parseHostPort(u);
}

/** A name-addr or addr-spec with its parameters: `"Name" <uri>;p=v` or `uri;p=v`. */
function nameAddr(value: string): { uri: string; params: Map<string, string> } {
  const lt = value.indexOf("<");
  if (lt >= 0) {
    const gt = value.indexOf(">", lt);
    const uri = value.slice(lt + 1, gt < 0 ? undefined : gt).trim();
    return { uri, params: parseParams(gt < 0 ? "" : value.slice(gt + 1)) };
  }
  // addr-spec: the parameters after it are header parameters (RFC 3261 §20.10).
  const semi = value.indexOf(";");
  return { uri: (semi < 0 ? value : value.slice(0, semi)).trim(), params: parseParams(semi < 0 ? "" : value.slice(semi + 1)) };
}

/** Every Via value of a Via header line (`SIP/2.0/UDP host:port;received=…;rport=…;branch=…`). */
export function parseVia(line: string): SipVia[] {
  const out: SipVia[] = [];
  for (const v of splitValues(headerValue(line))) {
    const m = /^\s*SIP\s*\/\s*[\d.]+\s*\/\s*([A-Za-z0-9-]+)\s+([^;]+)(.*)$/i.exec(v);
    if (!m) continue;
    const hp = parseHostPort(m[2]);
    const params = parseParams(m[3]);
    const via: SipVia = { transport: m[1].toUpperCase(), host: hp.host };
    if (hp.port !== undefined) via.port = hp.port;
    const received = params.get("received");
    if (received) via.received = canonicalAddress(received.replace(/^\[(.*)\]$/, "$1"));
    if (params.has("rport")) {
      const r = portNumber(params.get("rport")!);
      via.rport = r === undefined ? true : r;
    }
    const branch = params.get("branch");
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
    const c: SipContact = { uri, host: hp.host };
    if (hp.port !== undefined) c.port = hp.port;
    const exp = params.get("expires");
    if (exp !== undefined && /^\d+$/.test(exp)) c.expires = Number(exp);
    out.push(c);
  }
  return out;
}

/** A From or To header line: its URI and tag. */
export function parseParty(line: string): SipParty {
  const { uri, params } = nameAddr(headerValue(line));
  const p: SipParty = { uri };
  const tag = params.get("tag");
  if (tag) p.tag = tag;
  return p;
}

/** `CSeq: 101 INVITE`. */
export function parseCSeq(line: string): { num: number; method: string } | undefined {
  const m = /^(\d+)\s+(\S+)/.exec(headerValue(line));
  return m ? { num: Number(m[1]), method: m[2].toUpperCase() } : undefined;
}

/** `INVITE sip:bob@example.com SIP/2.0`. */
export function parseRequestLine(line: string): { method: string; uri: string } {
  const parts = line.split(" ");
  return { method: parts[0].toUpperCase(), uri: parts.slice(1, -1).join(" ") };
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
