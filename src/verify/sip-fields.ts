/**
 * SIP through a NAT, message by message: the address fields a SIP ALG must rewrite (topmost Via
 * sent-by, every Contact, the first From and To, the Request-URI, SDP `o=`, session `c=`, each
 * media's `c=` and `m=` port) compared between the inside and the outside copy of one message,
 * against the translation of the signalling flow that carried it (ALG-BEHAVIOUR.md §8.4, §8.10).
 * Pure functions over the SIP messages of src/alg (src/alg/sip-types.ts); no capture access.
 *
 * The rule, for a message the inside host sent (outbound): a value naming the inside host's
 * private address must name the NAT address outside — and, where it names the private port of the
 * signalling flow, the port the NAT maps it to; any other value must arrive unchanged. For a
 * message towards the inside host (inbound), a value naming the NAT address outside must name the
 * private one inside — with the private signalling port where it named the NAT's signalling port
 * (the Via of a response, the Contact of a REGISTER 200, the Request-URI of a request to it). SDP `o=` rewritten to `0.0.0.0` or to the SDP's own media address (Linux
 * writes the last media address into `o=`, ns L540-575) is an artefact, not a mismatch.
 */
import type { Endpoint } from "../types.js";
import { uriHostPort as parseUriHostPort } from "../alg/sip-parse.js";
import { hostPort } from "../net/addr.js";

/** The fields of a SIP message this module reads (a subset of src/alg/sip-types.ts SipMessage). */
export interface SipMessageView {
  packet: number;
  time: string;
  flow: number;
  dir?: 0 | 1;
  src: Endpoint;
  dst: Endpoint;
  request?: { method: string; uri: string };
  status?: { code: number; reason?: string };
  cseq?: { num: number; method: string };
  via: { transport?: string; host: string; port?: number; branch?: string }[];
  contact: { uri: string; host?: string; port?: number }[];
  from?: { uri: string; tag?: string };
  to?: { uri: string; tag?: string };
  callId?: string;
  contentLength?: number;
  bodyLength: number;
  truncated?: boolean;
  /** UDP: bytes follow the declared body and start no message (the body is longer than declared). */
  bodyLong?: boolean;
  seq?: number;
  /** TCP segments the message was spread over (1 over UDP). */
  segments?: number;
  /** TCP: bytes of it were sent again with other bytes; `packet` carried the other copy. */
  retransmissionDiffers?: { packet: number };
  sdp?: SdpView;
}

export interface SdpView {
  origin?: { ip: string };
  connection?: { ip: string };
  media: { type: string; port: number; count?: number; proto?: string; connection?: { ip: string }; rtcpPort?: number; rtcpMux?: boolean; direction?: string }[];
}

export type SipField = "request-uri" | "via" | "contact" | "from" | "to" | "sdp-origin" | "sdp-connection" | "sdp-media";

export type FieldStatus = "rewritten" | "not-needed" | "not-rewritten" | "wrong" | "wrong-port" | "artefact";

export interface FieldCheck {
  field: SipField;
  /** Index among the fields of that name (Contact k, media k). */
  index: number;
  inside?: string;
  outside?: string;
  /** What the outside (outbound) or inside (inbound) value had to be. */
  expected?: string;
  status: FieldStatus;
  note?: string;
}

/** The translation of the signalling flow: the inside host's private and NAT endpoints. */
export interface SipTranslation {
  private: Endpoint;
  nat: Endpoint;
  /** Addresses the NAT may use (--nat-address): a value naming one of them counts as translated. */
  pool?: string[];
  /** Media endpoints of the inside host and their NAT endpoints, where media crossed. */
  mediaPort?: (ip: string, port: number) => number | undefined;
  /**
   * A Contact an earlier outbound message of the dialog had moved to another NAT port (./sip-contact.ts):
   * the private endpoint it stands for, and the inside packet of that message. An inbound echo of
   * the moved endpoint (the REGISTER 200) must be turned back into it.
   */
  movedBack?: (ip: string, port: number) => { ip: string; port: number; packet: number } | undefined;
}

interface HostPort { ip: string; port?: number }

const hp = (x: HostPort | undefined) => (x ? hostPort(x.ip, x.port) : undefined);

/** URIs read by uriHostPort lately (a dialog's messages repeat theirs); cleared when full. */
const uriCache = new Map<string, HostPort | null>();
const URI_CACHE_MAX = 4096;

/**
 * Host and port of a SIP URI (`sip:`/`sips:`, inside `<...>` or bare), read by the analyzer's URI
 * parser (src/alg/sip-parse.ts); undefined when it is not a SIP URI or names no host. The result
 * is shared by the calls with the same text: read it, do not change it.
 */
export function uriHostPort(uri: string): HostPort | undefined {
  const known = uriCache.get(uri);
  if (known !== undefined) return known ?? undefined;
  const v = readUriHostPort(uri);
  if (uriCache.size >= URI_CACHE_MAX) uriCache.clear();
  uriCache.set(uri, v ?? null);
  return v;
}

function readUriHostPort(uri: string): HostPort | undefined {
  const lt = uri.indexOf("<");
  const gt = lt >= 0 ? uri.indexOf(">", lt) : -1;
  const s = (lt >= 0 ? uri.slice(lt + 1, gt >= 0 ? gt : undefined) : uri).trim();
  if (!/^sips?:/i.test(s)) return undefined;
  const { host, port } = parseUriHostPort(s.split(/[\s,>]/, 1)[0]!);
  if (!host) return undefined;
  return port !== undefined ? { ip: host, port } : { ip: host };
}

/** The message's address fields, in a fixed order (field, index, value). */
export function addressFields(m: SipMessageView): { field: SipField; index: number; value: HostPort }[] {
  const out: { field: SipField; index: number; value: HostPort }[] = [];
  const add = (field: SipField, index: number, v: HostPort | undefined) => { if (v) out.push({ field, index, value: v }); };
  if (m.request) add("request-uri", 0, uriHostPort(m.request.uri));
  const v = m.via[0];
  if (v) add("via", 0, { ip: v.host, port: v.port });
  m.contact.forEach((c, k) => add("contact", k, c.host ? { ip: c.host, port: c.port } : uriHostPort(c.uri)));
  if (m.from) add("from", 0, uriHostPort(m.from.uri));
  if (m.to) add("to", 0, uriHostPort(m.to.uri));
  const sdp = m.sdp;
  if (sdp) {
    if (sdp.origin) add("sdp-origin", 0, { ip: sdp.origin.ip });
    if (sdp.connection) add("sdp-connection", 0, { ip: sdp.connection.ip });
    sdp.media.forEach((md, k) => {
      const ip = md.connection?.ip ?? sdp.connection?.ip;
      if (ip) add("sdp-media", k, { ip, port: md.port });
    });
  }
  return out;
}

const isNat = (ip: string, t: SipTranslation) => ip === t.nat.ip || (t.pool ?? []).includes(ip);
const UNSPECIFIED = new Set(["0.0.0.0", "::"]);

/**
 * Compare the fields of one message's inside and outside copies. `outbound`: the inside host sent
 * it. Fields present on one side only are reported with the side that has them (status wrong: a
 * rewrite that removed or added a field).
 */
export function compareFields(mi: SipMessageView, mo: SipMessageView, t: SipTranslation, outbound: boolean): FieldCheck[] {
  const fi = addressFields(mi);
  const fo = addressFields(mo);
  // Each (field, index) is at most once in a message's list: the outside copy's is found by a walk
  // of its short list; those it does not match are reported after, in their order.
  const matched: boolean[] = fo.map(() => false);
  const out: FieldCheck[] = [];
  const sdpMediaIp = mo.sdp?.media.map((md) => md.connection?.ip ?? mo.sdp?.connection?.ip).filter((x): x is string => !!x) ?? [];
  for (const x of fi) {
    let vo: HostPort | undefined;
    for (let k = 0; k < fo.length; k++) {
      if (matched[k] || fo[k]!.field !== x.field || fo[k]!.index !== x.index) continue;
      matched[k] = true;
      vo = fo[k]!.value;
      break;
    }
    const c: FieldCheck = { field: x.field, index: x.index, inside: hp(x.value), outside: hp(vo), status: "not-needed" };
    out.push(c);
    if (!vo) {
      c.status = "wrong";
      c.note = "absent on the outside";
      continue;
    }
    if (outbound) judgeOutbound(c, x.value, vo, t, sdpMediaIp);
    else judgeInbound(c, x.value, vo, t);
  }
  fo.forEach((y, k) => {
    if (!matched[k]) out.push({ field: y.field, index: y.index, outside: hp(y.value), status: "wrong", note: "absent on the inside" });
  });
  return out;
}

function judgeOutbound(c: FieldCheck, vi: HostPort, vo: HostPort, t: SipTranslation, sdpMediaIp: string[]): void {
  const sdp = c.field.startsWith("sdp-");
  if (vi.ip !== t.private.ip) {
    // Not the inside host's address: must arrive as written (hold 0.0.0.0, the peer's, a name).
    if (vo.ip === vi.ip && vo.port === vi.port) return;
    if (c.field === "sdp-origin" && isNat(vo.ip, t)) return void (c.status = "rewritten");
    c.status = "wrong";
    c.expected = hp(vi);
    return;
  }
  if (t.private.ip === t.nat.ip) {
    // The NAT does not translate the address: nothing to rewrite.
    c.status = vo.ip === vi.ip ? "not-needed" : "wrong";
    if (c.status === "wrong") c.expected = hp(vi);
    return;
  }
  // The port a rewritten value must carry: the signalling flow's NAT port where the value named its
  // private port; a media port the NAT maps; else any port (not judged).
  let port: number | undefined;
  if (c.field === "sdp-media") port = vi.port !== undefined ? t.mediaPort?.(vi.ip, vi.port) : undefined;
  else if (!sdp && (vi.port ?? 5060) === t.private.port) port = t.nat.port ?? undefined;
  c.expected = hp({ ip: t.nat.ip, port: sdp && c.field !== "sdp-media" ? undefined : port ?? (c.field === "sdp-media" ? undefined : vi.port) });
  if (isNat(vo.ip, t)) {
    const got = vo.port ?? (sdp ? undefined : 5060);
    c.status = port !== undefined && got !== port ? "wrong-port" : "rewritten";
    if (c.field === "sdp-media" && port === undefined) c.note = "no media of this endpoint crossed the NAT: its port is not judged";
    return;
  }
  if (vo.ip === vi.ip) {
    c.status = "not-rewritten";
    return;
  }
  if (c.field === "sdp-origin" && (UNSPECIFIED.has(vo.ip) || sdpMediaIp.includes(vo.ip))) {
    // nf_nat_sip writes the last media address into o= (hold: 0.0.0.0): an artefact.
    c.status = "artefact";
    c.note = `o= names ${vo.ip}, the SDP's media address (the Linux helper writes the last media address into o=)`;
    return;
  }
  c.status = "wrong";
}

function judgeInbound(c: FieldCheck, vi: HostPort, vo: HostPort, t: SipTranslation): void {
  const back = c.field === "contact" && isNat(vo.ip, t) ? t.movedBack?.(vo.ip, vo.port ?? 5060) : undefined;
  if (back) {
    // The moved pinhole's private endpoint, not the signalling mapping's.
    c.note = `the Contact ${hp(back)} that the NAT moved to ${hp(vo)} (inside packet ${back.packet})`;
    if (vi.ip === back.ip && (vi.port ?? 5060) === back.port) return void (c.status = "rewritten");
    c.expected = hp(back);
    c.status = vo.ip === vi.ip && vo.port === vi.port ? "not-rewritten" : vi.ip === back.ip ? "wrong-port" : "wrong";
    return;
  }
  // The private endpoint a value naming the NAT must be turned back into: with the private port
  // where it names the NAT's signalling port (headers only), any port of the inside host else.
  const sigPort = !c.field.startsWith("sdp-") && (vo.port ?? 5060) === t.nat.port ? t.private.port ?? undefined : undefined;
  if (vo.ip === vi.ip && vo.port === vi.port) {
    // Unchanged: right unless it names the NAT and had to be turned back.
    c.status = isNat(vo.ip, t) && vo.ip !== t.private.ip ? "not-rewritten" : "not-needed";
    if (c.status === "not-rewritten") c.expected = hp({ ip: t.private.ip, port: vo.port !== undefined ? sigPort ?? vo.port : undefined });
    return;
  }
  if (isNat(vo.ip, t) && vi.ip === t.private.ip) {
    c.status = sigPort !== undefined && (vi.port ?? 5060) !== sigPort ? "wrong-port" : "rewritten";
    if (c.status === "wrong-port") c.expected = hp({ ip: t.private.ip, port: sigPort });
    return;
  }
  c.status = "wrong";
  c.expected = isNat(vo.ip, t) ? hp({ ip: t.private.ip, port: sigPort ?? vo.port }) : hp(vo);
}

/** Content-Length against the body's real length: undefined when right or absent. */
export function lengthProblem(m: SipMessageView): string | undefined {
  if (m.contentLength === undefined || m.truncated) return undefined;
  if (m.bodyLong) return `Content-Length: ${m.contentLength}, but more bytes of body follow it in the datagram (the body is longer than declared)`;
  if (m.contentLength === m.bodyLength) return undefined;
  return `Content-Length: ${m.contentLength}, but the body has ${m.bodyLength} byte(s)`;
}

/** "INVITE", "200 INVITE", "ACK" …: what a message is, for messages and subjects. */
export function messageName(m: SipMessageView): string {
  if (m.request) return m.request.method;
  return `${m.status?.code ?? "?"}${m.cseq ? ` ${m.cseq.method}` : ""}`;
}
