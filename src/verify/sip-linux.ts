/**
 * `--profile linux` for SIP: what nf_conntrack_sip / nf_nat_sip (ALG-BEHAVIOUR.md §8.1-§8.7) would
 * do with a message as the router received it, reported as `alg.fragile-input` warnings where the
 * helper would ignore or drop it, or open no pinhole for its media:
 *   - TCP: a message not complete in one segment is not parsed (nor rewritten) (§8.7);
 *     a message without Content-Length stops the parse (§8.7);
 *   - an SDP m= port 1..1023 → the message is dropped ("wrong port", §8.5);
 *   - more than 3 audio/video/image m= lines → the 4th and later are not handled (§8.1);
 *   - media c= ≠ the sender's address (third-party media, STUN address; not 0.0.0.0) → no
 *     expectation with sip_direct_media=1 (§8.3);
 *   - a Contact or Via URI port below 1024 → the URI is rejected (§8.1);
 *   - a host name in c= → that c= counts as absent (§8.5);
 *   - `a=rtcp:` other than m+1 → RTCP is expected on m+1 anyway (§8.3).
 */
import { finding } from "./findings.js";
import type { SipMessageView } from "./sip-fields.js";
import { uriHostPort, messageName } from "./sip-fields.js";
import type { Finding } from "./types.js";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIp = (s: string) => IPV4.test(s) || s.includes(":");
const MEDIA = new Set(["audio", "video", "image"]);

/** Why the Linux helper would not handle (part of) message `m`: [outcome, reason] pairs. */
export function linuxProblems(m: SipMessageView, transport?: string): [string, string][] {
  const out: [string, string][] = [];
  if ((m.segments ?? 1) > 1) out.push(["ignored", "the message is split across TCP segments: nf_conntrack_sip parses (and nf_nat_sip rewrites) only messages complete in one segment"]);
  if (transport === "tcp" && m.contentLength === undefined) out.push(["ignored", "a TCP message without Content-Length stops the helper's parse"]);
  for (const c of m.contact) {
    const u = c.port !== undefined ? { port: c.port } : uriHostPort(c.uri);
    if (u?.port !== undefined && u.port < 1024) out.push(["ignored", `Contact ${c.uri} has port ${u.port}: the helper rejects URI ports below 1024`]);
  }
  const sdp = m.sdp;
  if (!sdp) return out;
  let handled = 0;
  for (const md of sdp.media) {
    if (!MEDIA.has(md.type)) continue;
    handled++;
    if (handled > 3) {
      out.push(["ignored", `m=${md.type} ${md.port} is the ${handled}th audio/video/image line: the helper handles at most 3`]);
      continue;
    }
    if (md.port > 0 && md.port < 1024) out.push(["dropped", `m=${md.type} ${md.port}: the helper drops the message ("wrong port")`]);
    const ip = md.connection?.ip ?? sdp.connection?.ip;
    if (ip && !isIp(ip)) out.push(["ignored", `c= names ${ip}, not an address: the helper treats it as absent`]);
    else if (ip && md.port > 0 && ip !== "0.0.0.0" && ip !== "::" && ip !== m.src.ip) {
      out.push(["ignored", `m=${md.type} ${md.port} at ${ip}, not the sender ${m.src.ip}: with sip_direct_media=1 the helper opens no pinhole for it`]);
    }
    if (md.rtcpPort !== undefined && md.port > 0 && md.rtcpPort !== (md.port & ~1) + 1) out.push(["ignored", `a=rtcp:${md.rtcpPort}: the helper expects RTCP on ${(md.port & ~1) + 1} only`]);
  }
  return out;
}

export function linuxEmulation(m: SipMessageView, side: "inside" | "outside", findings: Finding[], transport?: string): void {
  for (const [outcome, reason] of linuxProblems(m, transport)) {
    findings.push(finding("alg.fragile-input", `SIP ${messageName(m)} at ${side} packet ${m.packet}: Linux would have ${outcome} it (${reason})`, { [side]: [m.packet] }));
  }
}
