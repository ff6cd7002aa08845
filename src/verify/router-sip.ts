/**
 * Router output about SIP and TFTP compared with the captures (issue 14 item 4), beside the
 * FTP/RTSP comparison of predict.ts:
 *  - the REGISTER signalling expectation (Linux nf_conntrack_sip, ALG-BEHAVIOUR.md §8.2/§8.3): a
 *    REGISTER whose Contact names the NAT address:port on the outside, answered 2xx with expires > 0,
 *    leaves a PERMANENT expectation of helper sip, class 0 (`sip/signalling`), from the registrar to
 *    that Contact endpoint;
 *  - SRX `show security alg sip calls`: each call listed against the dialogs' Call-IDs. The SRX
 *    hides Call-IDs by default (`disable-call-id-hiding` is a knob), so a Call-ID found in no dialog
 *    is said to be possibly hidden, never a failure.
 *
 * The SIP sessions are the analyzer's (src/alg/sip-types.ts `SipSession`).
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { SipSession } from "../alg/sip-types.js";
import type { RouterEndpoint, RouterExpectation, RouterParseResult, SrxSipCall } from "../router/types.js";
import type { Check, Finding } from "./types.js";
import type { MatchCaptures } from "./router-match.js";
import { finding } from "./findings.js";
import { hostPort } from "../net/addr.js";

/** The SIP part of a session, when it has one. */
export function sipOf(s: AnalyzeResult["sessions"][number]): SipSession | undefined {
  return s.alg === "sip" ? s.sip : undefined;
}

const ep = (e: { ip: string; port: number | null | undefined }) => `${hostPort(e.ip)}:${e.port}`;
const where = (x: RouterExpectation) => `${x.location.file}:${x.location.line}`;
const isSignalling = (x: RouterExpectation) => x.class === 0 || x.className === "signalling";

/** A REGISTER seen on the outside: its Contact binding and whether a 2xx with expires > 0 accepted it. */
interface Registration {
  packet: number;
  contact: RouterEndpoint;
  registrar: string;
  proto: "udp" | "tcp";
  accepted: boolean;
  expires?: number;
  master: { src: RouterEndpoint; dst: RouterEndpoint };
}

function registrations(outside: AnalyzeResult | undefined): Registration[] {
  const out: Registration[] = [];
  for (const s of outside?.sessions ?? []) {
    const sip = sipOf(s);
    if (!sip) continue;
    for (const m of sip.messages) {
      if (m.request?.method.toUpperCase() !== "REGISTER") continue;
      const c = m.contact?.[0];
      if (!c) continue;
      const ok = sip.messages.find((r) => r.status && r.status.code >= 200 && r.status.code < 300 && r.cseq?.num === m.cseq?.num && r.cseq?.method.toUpperCase() === "REGISTER");
      // expires: the Contact's expires= parameter overrides the Expires header (cs L1344-1363); the 2xx's binding wins over the request's
      const expires = ok?.contact?.[0]?.expires ?? ok?.expires ?? c.expires ?? m.expires ?? sip.register?.expires;
      out.push({
        packet: m.packet, contact: { ip: c.host, port: c.port ?? 5060 }, registrar: m.dst.ip, proto: sip.transport ?? "udp",
        accepted: ok !== undefined && expires !== 0, expires, master: { src: { ip: m.src.ip, port: m.src.port }, dst: { ip: m.dst.ip, port: m.dst.port } },
      });
    }
  }
  return out;
}

/**
 * The REGISTER signalling expectations: one check per REGISTER seen on the outside. Passed when an
 * expectation of helper sip, class signalling, names its Contact endpoint; failed
 * (conntrack.expectation-missing) when the 2xx accepted it and the listing holds other
 * expectations of the same signalling connection (so it was taken while the binding lived);
 * otherwise not checked, saying why.
 */
export function registerExpectationChecks(expectations: RouterExpectation[], captures: MatchCaptures, findings: Finding[], checks: Check[]): void {
  const sip = expectations.filter((x) => x.alg === "sip");
  for (const r of registrations(captures.outside)) {
    const subject = `sip REGISTER at outside packet ${r.packet} (Contact ${ep(r.contact)})`;
    const hit = sip.find((x) => isSignalling(x) && x.dst.ip === r.contact.ip && x.dst.port === r.contact.port && String(x.proto) === r.proto);
    if (hit) {
      const from = hit.src.ip === r.registrar ? "from the registrar" : `from ${hit.src.ip}, not the registrar ${r.registrar}`;
      checks.push({ check: "conntrack-expectation", subject, status: "passed", reason: `signalling expectation ${where(hit)} for ${ep(hit.dst)} ${from}${hit.flags?.length ? ` (${hit.flags.join(",")})` : ""}` });
      continue;
    }
    const sameMaster = sip.some((x) => x.master !== undefined && sameServer(x.master, r.master.dst));
    if (!r.accepted) {
      checks.push({ check: "conntrack-expectation", subject, status: "not-checked", reason: r.expires === 0 ? "expires 0 (an unregistration): no expectation is due" : "no 2xx accepted it in the outside capture: the helper keeps the expectation only after a 2xx" });
    } else if (!sameMaster) {
      checks.push({ check: "conntrack-expectation", subject, status: "not-checked", reason: "none listed, and the listing holds no expectation of this signalling connection: it was taken at another time (or another router)" });
    } else {
      findings.push(finding("conntrack.expectation-missing", `no sip/signalling expectation for the REGISTER Contact ${ep(r.contact)} (packet ${r.packet}), though the listing holds other expectations of its signalling connection`, { outside: [r.packet] }));
      checks.push({ check: "conntrack-expectation", subject, status: "failed", reason: "accepted by a 2xx, but no signalling expectation for its Contact (conntrack.expectation-missing)" });
    }
  }
}

/** The master of an expectation is a signalling connection with this server endpoint (either end: the master's original tuple is pre-NAT, the server is not translated). */
function sameServer(master: { src: RouterEndpoint; dst: RouterEndpoint }, server: RouterEndpoint): boolean {
  const eq = (x: RouterEndpoint) => x.ip === server.ip && x.port === server.port;
  return eq(master.dst) || eq(master.src);
}

/**
 * SRX SIP calls against the dialogs of the captures: one check per call listed. Passed when a
 * dialog (inside or outside) has its Call-ID; otherwise not checked, saying that the SRX may hide
 * the Call-ID, or that the captures hold no SIP dialog.
 */
export function srxSipCallChecks(router: RouterParseResult[], captures: MatchCaptures, checks: Check[]): void {
  const calls: SrxSipCall[] = [];
  const files: string[] = [];
  for (const r of router) for (const d of r.documents) if (d.format === "srx-sip-calls") for (const c of d.calls) { calls.push(c); files.push(d.file); }
  if (!calls.length) return;
  const dialogs = new Map<string, { side: "inside" | "outside"; packet: number; method?: string }[]>();
  for (const side of ["inside", "outside"] as const) {
    for (const s of captures[side]?.sessions ?? []) {
      const sip = sipOf(s);
      if (!sip) continue;
      const list = dialogs.get(sip.callId) ?? [];
      list.push({ side, packet: sip.messages[0]?.packet ?? 0, method: sip.method });
      dialogs.set(sip.callId, list);
    }
  }
  const count = new Set(dialogs.keys()).size;
  calls.forEach((c, k) => {
    const subject = `SRX SIP call ${c.callId}${c.method ? ` (${c.method}${c.state ? `, ${c.state}` : ""})` : ""} at ${files[k]}:${c.location.line}`;
    const seen = dialogs.get(c.callId);
    if (seen) {
      const sides = seen.map((x) => `${x.side} packet ${x.packet}`).join(", ");
      const hidden = seen.every((x) => x.side === "inside") && captures.outside ? "; the outside capture carries another Call-ID for it (the SRX hides Call-IDs)" : "";
      checks.push({ check: "srx-sip-call", subject, status: "passed", reason: `the dialog with this Call-ID: ${sides}${hidden}` });
    } else if (!count) {
      checks.push({ check: "srx-sip-call", subject, status: "not-checked", reason: captures.inside || captures.outside ? "the captures hold no SIP dialog" : "no capture to match it against" });
    } else {
      checks.push({ check: "srx-sip-call", subject, status: "not-checked", reason: `no dialog of the ${count} in the captures has this Call-ID; the SRX hides Call-IDs unless disable-call-id-hiding is set, so it may be one of them with its Call-ID rewritten, or a call outside the captures` });
    }
  });
}
