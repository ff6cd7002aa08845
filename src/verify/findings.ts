/**
 * The finding catalogue: every stable code `verify` can report, its severity and what it means.
 * Codes are an interface other tools script against: add, never rename.
 */
import type { Severity } from "../types.js";
import type { Evidence, Finding } from "./types.js";

interface Entry {
  severity: Severity;
  explanation: string;
}

export const FINDINGS: Record<string, Entry> = {
  "alg.payload-not-translated": { severity: "error", explanation: "The ALG did not rewrite the address in the payload: the remote side is told to connect to a private address it cannot reach. Check that the ALG (Junos application ftp/rtsp in the service set, Linux `ct helper set`) applies to this control connection." },
  "alg.payload-wrong-address": { severity: "error", explanation: "The payload was rewritten, but not to the address the NAT uses for this session (or a reply was changed on its way in). Check the NAT pool/address used by the ALG and any upstream NAT." },
  "alg.payload-port-mismatch": { severity: "error", explanation: "The port in the payload is not the port the data connection was translated to: the NAT reassigned the port but the payload (or the pinhole) did not follow." },
  "alg.data-flow-blocked": { severity: "error", explanation: "The data connection the negotiation announced arrived at the router but was not forwarded: no pinhole (ALG inactive, payload not translated) or a policy drop. Look for ASP_SFW_NO_RULE_DROP or a missing conntrack expectation." },
  "alg.data-flow-missing": { severity: "warning", explanation: "No data connection followed the negotiation in either capture and the server did not refuse it: the transfer may not have been attempted, or the capture missed it." },
  "alg.data-flow-refused": { severity: "warning", explanation: "The server refused or could not open the data connection (425/426/5xx). With NAT this usually means the announced address was unusable for it." },
  "alg.port-refused-foreign-address": { severity: "error", explanation: "The server refused the PORT/EPRT outright (500/501) because it names an address other than the control connection's peer as the server sees it; servers do this on purpose (FTP bounce protection, vsftpd's default port_promiscuous=NO). Behind a NAT it means the ALG did not rewrite the command to the NAT address, so active-mode transfers cannot work: enable the ALG, or use passive mode." },
  "alg.data-flow-late": { severity: "warning", explanation: "A matching data flow started after the expectation window: the ALG's pinhole may have expired before it (Linux: 300 s; Junos: ALG inactivity timeout)." },
  "alg.media-blocked": { severity: "error", explanation: "RTP/RTCP media announced by SETUP reached the router but not the client (often answered with ICMP port unreachable): the RTSP ALG did not open the media ports." },
  "alg.works-by-port-preservation": { severity: "warning", explanation: "Media passes only because the NAT kept the client's ports and the client sent packets first (opening the mapping); the ALG did not rewrite SETUP. A port-changing NAT or a server that sends first will break it." },
  "alg.fragile-input": { severity: "warning", explanation: "A real ALG (see the emulation profile) would drop or ignore this line: split across segments, bare LF, extra spaces, a digit before the 227 tuple, 229 without parentheses, or similar." },
  "nat.unpaired-flow": { severity: "warning", explanation: "A flow seen on one side of the NAT only: not forwarded (dropped or not routed), or outside the other capture's time range." },
  "nat.sides-swapped": { severity: "error", explanation: "The capture given as --inside was taken on the outside of the NAT and the other way round: every client→server control line reached the \"outside\" capture first and every server→client line the \"inside\" one (a router forwards each packet from the side it enters on), or the addresses say so (--inside-net hosts, RFC 1918 hosts on the public side). Give the files the other way round; where this is unambiguous the report is computed with the sides swapped back." },
  "nat.captures-unrelated": { severity: "error", explanation: "The two captures are not of the same run: the connections paired by their endpoints disagree on what a NAT leaves alone (the TCP initial sequence numbers differ and the control lines do not keep one clock offset), or no flow has a counterpart at all. No ALG judgement rests on such a pairing: give the inside and outside captures of one run (or check --clock-offset)." },
  "router.flow-missing": { severity: "error", explanation: "A flow a correct ALG conversation must hold is not in the router output: the ALG did not create it, or it already timed out when the output was taken." },
  "router.flow-unexpected": { severity: "warning", explanation: "The router holds a flow no negotiation in the captures explains (a pinhole without a negotiation behind it, or traffic outside the captures)." },
  "router.state-mismatch": { severity: "error", explanation: "The router's flow state differs from the prediction: control flows must be Watch (payload inspected), data/media flows Forward." },
  "router.nat-mismatch": { severity: "error", explanation: "The router's NAT line for this flow differs from the translation seen in the captures." },
  "router.frame-count-mismatch": { severity: "warning", explanation: "The router's frame count differs from the captures. Counters keep moving while a session is alive and retransmissions count; compare outputs taken after the sessions ended." },
  "router.alg-errors": { severity: "error", explanation: "The router counted ALG errors for FTP/RTSP in its statistics: it failed to parse or rewrite some payloads." },
  "router.no-rule-drop": { severity: "error", explanation: "The router logged ASP_SFW_NO_RULE_DROP for a flow the ALG should have allowed." },
  "router.alg-inactive": { severity: "error", explanation: "The control connection is not handled by the ALG: its conversation's ALG protocol is not ftp/rtsp or it has no Watch flow. An error when the captures show the session failed for it; a warning when every negotiation worked anyway (passive FTP to a public server, media by port preservation)." },
  "router.syslog-event-missing": { severity: "warning", explanation: "An expected ASP_SFW log line (RULE_ACCEPT / CREATE_ACCEPT_FLOW for control flows, FTP_ACTIVE_ACCEPT for active data) is missing. Syslog may be filtered or rate-limited." },
  "conntrack.helper-missing": { severity: "warning", explanation: "The conntrack entry of the control connection has no helper=: the Linux ALG is not active for it (on kernel 6.x a helper must be assigned explicitly, nft `ct helper set`). Sessions that need no rewrite (passive FTP to a public server) still work; the alg.* findings say whether this one did." },
  "conntrack.expectation-missing": { severity: "error", explanation: "No conntrack expectation for an announced data connection: the helper did not parse the line (see the emulation profile) or the expectation expired." },
  "conntrack.counter-mismatch": { severity: "warning", explanation: "conntrack's packet/byte counters differ from the captures; on a quiet Linux router they match exactly." },
  "router.unrelated": { severity: "error", explanation: "A router output none of whose flows matches a flow in the captures (protocol, addresses and ports, before or after NAT, and where it counts packets, counts that agree): it was taken from another session, another run or another router. Nothing in it is used as evidence. Give the output taken with these captures." },
  "router.frame-count-contradiction": { severity: "error", explanation: "The router counts no packet on a flow where the captures show traffic, or counts packets where the captures show none. The seed reads a valid frame count as \"data transfer has taken place\", so zero against non-zero is a contradiction, not counter drift, whatever --frame-tolerance says: the router output and the captures are not of the same traffic, or the router did not process what passed its interfaces." },
  "alg.tftp-reply-blocked": { severity: "error", explanation: "The TFTP server answered the request from its new port (RFC 1350 TIDs) and the reply reached the router, but never the client (the router usually answers it with ICMP port unreachable): no TFTP ALG opened the pinhole for it. Linux needs `ct helper set \"tftp\"` on udp dport 69 (nf_conntrack_tftp); Junos the tftp application in the service set / `security alg tftp`." },
  "alg.tftp-transfer-error": { severity: "warning", explanation: "The TFTP transfer crossed the NAT and was ended by an ERROR packet (RFC 1350 §5: code and message, e.g. 1 File not found, 2 Access violation, 8 option negotiation refused). The ALG worked; the server or client refused the transfer." },
  "alg.tftp-unanswered": { severity: "warning", explanation: "The TFTP server never answered the request (on either side of the NAT): the request may be lost, the server down or filtering, or the capture too short. Nothing about the ALG can be judged from it." },
  "alg.tftp-reply-from-request-port": { severity: "warning", explanation: "The TFTP server answered from the port the request was sent to (69) instead of a new port (RFC 1350 §4 transfer identifiers). Such a reply passes a Linux NAT through the request's own conntrack entry, without any ALG, but other ALGs (and strict clients) may not accept it." },
  "alg.tftp-linux-expectation-lost": { severity: "warning", explanation: "Under --profile linux: nf_conntrack_tftp keeps one expectation per request conntrack (a later RRQ/WRQ on the same 5-tuple replaces it) for 300 s; this reply came after its expectation was replaced or had expired, so a Linux NAT would not have let it in although this router did." },
};

export function finding(code: string, message: string, evidence: Evidence, detail?: string, severity?: Severity): Finding {
  const e = FINDINGS[code];
  if (!e) throw new Error(`unknown finding code ${code}`);
  const clean: Evidence = {};
  for (const [k, v] of Object.entries(evidence)) if (v !== undefined && (!Array.isArray(v) || v.length)) (clean as Record<string, unknown>)[k] = v;
  return { code, severity: severity ?? e.severity, message: detail ? `${message} (${detail})` : message, explanation: e.explanation, evidence: clean };
}
