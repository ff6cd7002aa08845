/**
 * Generator for pcaps/nat/sip-<case>/ — SIP (with SDP media) through a source NAT, captured on
 * BOTH sides of the router, plus `case.json` with the verdict `verify` must reach. Everything in
 * case.json is computed from THIS FILE'S SPEC (the ALG's behaviour and the media plan of each
 * case), never from a decoder. The wire model (clock, TTLs, IP ids, per-side TCP seq/ack shifted
 * by an ALG's length changes) is the one of ./nat-cases.ts (its Wire and Conn are used here).
 *
 *   UA alice 192.0.2.10:5060 ──inside── router / NAT 203.0.113.1 ──outside── UA bob 198.51.100.20:5060
 *
 * Files per case: inside.pcap, outside.pcap, case.json (the nat-cases layout, `router: []`: no router
 * output, so `expected` = `expected.capturesOnly`), plus `expected.linux` = the result with
 * `--profile linux` and `evidence` = for some finding codes the packet numbers (per side) its
 * evidence must include.
 *
 * The call (UDP unless the case says TCP): INVITE with SDP (alice's media 192.0.2.10:7000,
 * PCMA) → 100 Trying → 180 Ringing → 200 OK with SDP (bob's media 198.51.100.20:6000) → ACK;
 * RTP both ways (bob first, as in the lab of ALG-BEHAVIOUR.md §8.8); BYE → 200. Payload
 * placeholders are resolved per side: the inside copy always names alice's private endpoints; the
 * outside copy names what the case's ALG wrote there:
 *   headers   Via sent-by, Contact, From of alice's requests: the NAT address:port (ALG on), or
 *             left private (no ALG; a Linux helper that skipped a message split across TCP segments);
 *             responses carry the request's outside value back, rewritten to the private one inside
 *   sdp       o= and c= (session level) and m= port: NAT address and the media port the NAT maps
 *   length    Content-Length: recomputed per side (ALG correct), or the inside value kept although
 *             the SDP grew (ALG bug)
 *
 * Media per direction is what the router does with it: forwarded (seen on both sides), blocked
 * (reaches the outside, answered with ICMP port unreachable by the router, never inside), or not
 * sent at all (bob was told a private address he has no route to: `sendto ... Network is
 * unreachable` in the lab — the packet never reaches either capture).
 *
 * Finding codes (severities as in src/verify/findings.ts), how they follow from the spec:
 *   alg.sdp-not-translated       an SDP alice sent still names 192.0.2.10 on the outside (c=/o=)
 *   alg.contact-not-translated   alice's Contact still names 192.0.2.10:5060 on the outside
 *   alg.via-not-translated       alice's topmost Via likewise; a warning here because the NAT kept
 *                                port 5060, so responses sent to the packet source still arrive
 *   alg.sip-header-not-translated  From (first) likewise; a warning (it only names alice)
 *   alg.content-length-wrong     the outside Content-Length is not the outside body's length
 *   alg.one-way-media            media forwarded in one direction only (the other never sent or blocked)
 *   alg.media-blocked            media to alice's announced NAT endpoint reached the outside only
 *   alg.fragile-input            (--profile linux only) a message the Linux helper does not parse
 *
 * | case                  | ALG                              | media            | verdict |
 * | --------------------- | -------------------------------- | ---------------- | ------- |
 * | sip-udp-alg           | headers + SDP, m= 7000 → 7002    | both ways        | pass |
 * | sip-udp-no-alg        | none                             | alice → bob only | fail: sdp/contact not translated, one-way media (+ via/header warnings) |
 * | sip-udp-alg-headers-only | headers, SDP left private     | alice → bob only | fail: sdp-not-translated, one-way-media |
 * | sip-udp-content-length | headers + SDP (m= 7000 → 17000), Content-Length kept | both ways | fail: content-length-wrong |
 * | sip-udp-hold          | Linux: hold re-INVITE c=0.0.0.0, o= → 0.0.0.0 outside (artefact) | both ways, then none | pass |
 * | sip-udp-media-blocked | headers + SDP, no pinhole        | bob → alice blocked (ICMP); alice recvonly | fail: media-blocked |
 * | sip-udp-register      | REGISTER/200 rewritten           | —                | pass |
 * | sip-udp-callid-hidden | headers + SDP, Call-ID replaced outside (SRX) | both ways | pass (paired by CSeq + branch) |
 * | sip-tcp-alg           | headers + SDP over TCP (seq shifted) | both ways    | pass |
 * | sip-tcp-split         | Linux over TCP: the INVITE split in two segments is not rewritten, the rest is | alice → bob only | fail (+ alg.fragile-input with --profile linux) |
 * | sip-udp-reinvite-move | headers + SDP; alice's re-INVITE moves her media 7000 → 7010; bob's RTP to 7000 goes on 1.5 s (crossing) | both ways, then both ways on 7010 | pass (warning alg.media-after-end) |
 * | sip-udp-reinvite-inactive | headers + SDP; bob sends no media before alice's re-INVITE a=inactive | alice → bob only, then none | pass (bob → alice stopped, not one-way) |
 * | sip-udp-reinvite-refused | headers + SDP; bob's re-INVITE moves his media 6000 → 6010 and his new RTP flow to alice starts before her 200: this router lets it in, Linux (expectations flushed at the INVITE) would not | both ways | pass (+ alg.fragile-input with --profile linux) |
 * | sip-udp-update-move   | headers + SDP; alice's UPDATE (RFC 3311, in the confirmed dialog) moves her media 7000 → 7010, bob's 200 to it answers with SDP; bob's RTP then goes to 7010 (a new flow). Linux processes an UPDATE's SDP without flushing first: the new flow is expected | both ways, then both ways on 7010 | pass (also with --profile linux) |
 * | sip-udp-reinvite-rejected | headers + SDP; alice sends from the start, bob not yet; alice's re-INVITE offers 7010, bob answers 488 (the offer changes nothing, RFC 3261 §14.1), ACK; then bob's RTP to the old 7000 starts and alice's goes on. Linux flushed the connection's media expectations at the re-INVITE and again at the 488 (CSeq = invite_cseq), but bob's RTP 6000 → 7000 is the reply direction of alice's flow 7000 → 6000 (one conntrack entry): it needs no expectation | both ways on 7000; 7010 none | pass (also with --profile linux) |
 *
 * The re-INVITE cases (issue 14: media stopped or redirected by a later offer/answer) list their
 * media per target (`media[].target`, in the order the SDPs announce them), with packets per side.
 *
 * Run: `node dist/pcaps/make/sip-nat-cases.js` (after `tsc -p tsconfig.build.json`) rewrites pcaps/nat/sip-*.
 */

import { rtpPacket } from "../../test/helpers/pcap-writer.js";
import { Conn, FINDING_SEVERITY, NAT_DIR, Wire, caseJsonText, type CaseJson, type Ep, type NatEntry, type Result, type Side, type WirePkt } from "./nat-cases.js";
import { isMain, repoRoot, writeOut } from "./util.js";

const MS = 1_000_000n;
const S = 1_000_000_000n;
const WAN = 20n * MS;
const LAN = 300_000n;

const CLIENT = "192.0.2.10";
const SERVER = "198.51.100.20";
const NAT = "203.0.113.1";
const SIP_PORT = 5060;
const ALICE_RTP = 7000;
const BOB_RTP = 6000;
const CALL_ID = "1-4242@192.0.2.10";
const HIDDEN_CALL_ID = "3f2a9c1e7b@203.0.113.1";

/** Severities of the SIP codes (src/verify/findings.ts), with the ones nat-cases.ts knows. */
export const SIP_FINDING_SEVERITY: Readonly<Record<string, "error" | "warning">> = {
  ...FINDING_SEVERITY,
  "alg.sdp-not-translated": "error",
  "alg.contact-not-translated": "error",
  "alg.via-not-translated": "error",
  "alg.sip-header-not-translated": "warning",
  "alg.content-length-wrong": "error",
  "alg.one-way-media": "error",
  "alg.fragile-input": "warning",
  "alg.media-after-end": "warning",
  "alg.via-not-restored": "error",
  "alg.sip-header-not-restored": "warning",
};

/** Findings whose severity this spec sets to a warning (the NAT kept the signalling port). */
const WARNINGS = new Set(["alg.via-not-translated", "alg.sip-header-not-translated", "alg.fragile-input", "alg.media-after-end"]);

function result(findings: string[]): Result {
  for (const f of findings) if (!SIP_FINDING_SEVERITY[f]) throw new Error(`unknown finding ${f}`);
  const sorted = [...new Set(findings)].sort();
  const sev = (f: string) => (WARNINGS.has(f) ? "warning" : SIP_FINDING_SEVERITY[f]);
  return { verdict: sorted.some((f) => sev(f) === "error") ? "fail" : "pass", findings: sorted };
}

export interface SipCaseJson extends Omit<CaseJson, "expected" | "predicted"> {
  expected: CaseJson["expected"] & { linux: Result };
  predicted: [];
  /** Packet numbers (per side) that the evidence of a finding must include. */
  evidence: Record<string, { inside?: number[]; outside?: number[] }>;
  /** What the spec says happened to the media, per direction. */
  media: { direction: "alice->bob" | "bob->alice"; status: MediaFate; packets: { inside: number; outside: number }; target?: string }[];
}

export interface BuiltSipCase { name: string; files: Map<string, Uint8Array | string>; json: SipCaseJson }

// ---------------------------------------------------------------------------------------------
// The spec of one case
// ---------------------------------------------------------------------------------------------

type MediaFate = "forwarded" | "blocked" | "not-sent" | "none" | "stopped";

interface AlgSpec {
  /** Via/Contact/From of alice's messages rewritten (and back in responses). */
  headers: boolean;
  sdp: boolean;
  /** Content-Length recomputed after the SDP rewrite (false: the inside value kept). */
  length: boolean;
  /** The NAT port of alice's media (the ALG writes it into m=). */
  mediaPort: number;
}

interface CaseDef {
  name: string;
  description: string;
  transport: "udp" | "tcp";
  alg: AlgSpec;
  /** What the router does with alice → bob and bob → alice media. */
  media: { up: MediaFate; down: MediaFate };
  /** alice's SDP direction attribute (recvonly: she sends nothing). */
  aliceDirection?: "recvonly";
  hold?: boolean;
  register?: boolean;
  /** TCP: the INVITE is split across two segments and the (Linux) ALG left that message alone. */
  splitInvite?: boolean;
  /** The ALG replaces the Call-ID outside (SRX Call-ID hiding) and restores it in responses. */
  hideCallId?: boolean;
  /** A re-INVITE (or UPDATE) after the call's media (see the table in the header). */
  reinvite?: "move" | "inactive" | "refused" | "update" | "rejected";
  /** What comes in from bob and what the ALG turns back (see the inbound block at the end). */
  inbound?: InboundSpec;
}

const full = (mediaPort = ALICE_RTP): AlgSpec => ({ headers: true, sdp: true, length: true, mediaPort });
const none: AlgSpec = { headers: false, sdp: false, length: true, mediaPort: ALICE_RTP };

export const SIP_NAT_CASES: readonly CaseDef[] = [
  {
    name: "sip-udp-alg",
    description: "SIP over UDP through a masquerade with a working SIP ALG: alice's INVITE leaves with Via/Contact/From 192.0.2.10:5060 → 203.0.113.1:5060, SDP o=/c= 192.0.2.10 → 203.0.113.1 and m=audio 7000 → 7002 (the NAT maps the media port 7000 to 7002), Content-Length recomputed; responses carry 203.0.113.1:5060 outside and 192.0.2.10:5060 inside; bob's 200 OK SDP (198.51.100.20:6000) is left alone; RTP both ways (bob first: 198.51.100.20:6000 → 203.0.113.1:7002 → 192.0.2.10:7000); BYE, 200.",
    transport: "udp", alg: full(7002), media: { up: "forwarded", down: "forwarded" },
  },
  {
    name: "sip-udp-no-alg",
    description: "SIP over UDP through a port-preserving masquerade WITHOUT a SIP ALG: the INVITE leaves unchanged (Via/Contact/From 192.0.2.10:5060, SDP c= 192.0.2.10:7000); bob answers to the packet source so the call sets up, but his RTP goes to 192.0.2.10, which he has no route to (never seen); alice's RTP 192.0.2.10:7000 → 198.51.100.20:6000 leaves as 203.0.113.1:7000: one-way audio, the classic SIP-ALG failure.",
    transport: "udp", alg: none, media: { up: "forwarded", down: "not-sent" },
  },
  {
    name: "sip-udp-alg-headers-only",
    description: "SIP over UDP through a masquerade whose SIP ALG rewrites Via/Contact/From to 203.0.113.1:5060 but leaves the SDP body alone (c=/o= 192.0.2.10, m=audio 7000): signalling works, bob's RTP goes to 192.0.2.10 and is never seen; alice's RTP reaches bob: one-way audio.",
    transport: "udp", alg: { ...full(), sdp: false }, media: { up: "forwarded", down: "not-sent" },
  },
  {
    name: "sip-udp-content-length",
    description: "SIP over UDP through a SIP ALG that rewrites the SDP (o=/c= 192.0.2.10 → 203.0.113.1 and m=audio 7000 → 17000, the port the NAT maps the media to: 3 bytes longer) but keeps the INVITE's Content-Length at the inside value: the outside body is 3 bytes longer than it says, and the datagram ends with `0\\r\\n` after the declared body (a tail of CR/LF only could be padding and would not show). Media both ways (bob's stack is lenient), but the INVITE is malformed on the outside.",
    transport: "udp", alg: { ...full(17000), length: false }, media: { up: "forwarded", down: "forwarded" },
  },
  {
    name: "sip-udp-hold",
    description: "SIP over UDP through a Linux-like SIP ALG, call with media both ways, then a hold re-INVITE from alice (c=IN IP4 0.0.0.0, a=sendonly): the ALG keeps c=0.0.0.0 and writes o= 0.0.0.0 outside (nf_nat_sip writes the last media address into o=, an artefact, not a mismatch), Content-Length recomputed (3 bytes shorter); bob answers 200 a=recvonly; no media after the hold; BYE.",
    transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, hold: true,
  },
  {
    name: "sip-udp-media-blocked",
    description: "SIP over UDP through a router whose SIP ALG rewrites signalling and SDP (alice announces 203.0.113.1:7000, a=recvonly) but opens no media pinhole: bob's RTP 198.51.100.20:6000 → 203.0.113.1:7000 reaches the outside and the router answers each packet with ICMP port unreachable; nothing reaches alice.",
    transport: "udp", alg: full(), media: { up: "none", down: "blocked" }, aliceDirection: "recvonly",
  },
  {
    name: "sip-udp-register",
    description: "REGISTER over UDP through a SIP ALG: Via/Contact/From 192.0.2.10:5060 → 203.0.113.1:5060 outside (Contact ;expires=3600), the registrar's 200 OK echoes the Contact, rewritten back to 192.0.2.10:5060 inside. No media.",
    transport: "udp", alg: full(), media: { up: "none", down: "none" }, register: true,
  },
  {
    name: "sip-udp-callid-hidden",
    description: "SIP over UDP through an SRX-like SIP ALG that hides the Call-ID (the default without `disable-call-id-hiding`): the outside copies carry Call-ID `3f2a9c1e7b@203.0.113.1` instead of `1-4242@192.0.2.10` (restored inside in bob's responses), everything else as in sip-udp-alg with m= 7000 kept; the dialogs pair by CSeq and Via branch; RTP both ways.",
    transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, hideCallId: true,
  },
  {
    name: "sip-tcp-alg",
    description: "SIP over TCP (192.0.2.10:5060 → 198.51.100.20:5060, source port kept as 203.0.113.1:5060) through a working SIP ALG: the same call as sip-udp-alg with m= port kept (7000); each rewrite changes the length of the outside segment, so alice's later sequence numbers (and bob's acks) are shifted outside; RTP both ways.",
    transport: "tcp", alg: full(), media: { up: "forwarded", down: "forwarded" },
  },
  {
    name: "sip-tcp-split",
    description: "SIP over TCP through a Linux SIP helper: alice's INVITE is sent in two segments (headers, then the SDP body); nf_conntrack_sip only parses messages complete in one segment, so that INVITE leaves untranslated (Via/Contact/From and SDP 192.0.2.10) while the ACK and BYE (one segment each) are rewritten; bob's RTP goes to 192.0.2.10 (never seen); alice's reaches bob: one-way audio.",
    transport: "tcp", alg: full(), media: { up: "forwarded", down: "not-sent" }, splitInvite: true,
  },
  {
    name: "sip-udp-reinvite-move",
    description: "SIP over UDP through a working SIP ALG (ports kept): the call of sip-udp-alg with RTP both ways, then alice's re-INVITE moves her media from 7000 to 7010 (c= 203.0.113.1 outside); bob answers 200 (6000 kept) but his RTP to the old 203.0.113.1:7000 goes on for 1.5 s and crosses the NAT (the established flow), then RTP both ways on 7010. The old endpoint's media after the re-INVITE is alg.media-after-end (a warning); nothing is one-way or blocked.",
    transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, reinvite: "move",
  },
  {
    name: "sip-udp-reinvite-inactive",
    description: "SIP over UDP through a working SIP ALG: INVITE/200/ACK, alice's RTP reaches bob, bob sends none; then alice's re-INVITE puts the call on hold with a=inactive (bob answers a=inactive) and nobody sends any more. bob → alice media was stopped by the offer/answer before any was sent: not one-way media.",
    transport: "udp", alg: full(), media: { up: "forwarded", down: "stopped" }, reinvite: "inactive",
  },
  {
    name: "sip-udp-reinvite-refused",
    description: "SIP over UDP through a SIP ALG that keeps pinholes across re-INVITEs: the call with RTP both ways (bob's 198.51.100.20:6000 → 203.0.113.1:7000 first), then bob's re-INVITE moves his media to 6010 and his new RTP flow 6010 → 203.0.113.1:7000 starts 200 ms later, 2 s before alice's 200; this router lets it in. nf_conntrack_sip flushes the connection's media expectations at the INVITE (and the first flow had used the one for 7000), so a Linux router would have refused that flow until alice's answer: --profile linux adds alg.fragile-input.",
    transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, reinvite: "refused",
  },
  {
    name: "sip-udp-update-move",
    description: "SIP over UDP through a working SIP ALG (ports kept): the call of sip-udp-alg with RTP both ways, then alice's UPDATE (RFC 3311, CSeq 2) moves her media from 7000 to 7010 (c= 203.0.113.1 outside); bob's 200 to the UPDATE answers with SDP (6000 kept); bob's RTP then goes to 203.0.113.1:7010 (a new flow, let in) and alice's comes from 7010. nf_conntrack_sip processes an UPDATE's SDP without flushing first, so Linux expects that flow too: no finding either way.",
    transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, reinvite: "update",
  },
  {
    name: "sip-udp-reinvite-rejected",
    description: "SIP over UDP through a working SIP ALG: after the call is set up alice's RTP 192.0.2.10:7000 → 198.51.100.20:6000 flows (203.0.113.1:7000 outside), bob sends none yet; alice's re-INVITE offers 7010 instead of 7000, bob answers 488 Not Acceptable Here, alice ACKs it (same branch): the failed offer changes nothing (RFC 3261 §14.1), the media stays on 7000 and nothing is expected toward 7010. Then bob's RTP 198.51.100.20:6000 → 203.0.113.1:7000 starts and alice's goes on. nf_conntrack_sip flushed the connection's media expectations at the re-INVITE and again at the 488 (CSeq = invite_cseq), but bob's RTP is the reply direction of alice's own flow (one conntrack entry) and needs none: no finding with --profile linux either.",
    transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, reinvite: "rejected",
  },
  ...inboundCases(),
];

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/** Per-side values of the placeholders in the message templates. */
interface Values {
  /** alice's signalling address:port as written in Via/Contact/From. */
  sig: string;
  /** SDP address (o=, c=) and m= port of alice's offers. */
  sdpIp: string;
  sdpPort: number;
  /** o= address of the hold re-INVITE (Linux writes the last media address). */
  holdOrigin: string;
  callId: string;
}

interface Msg {
  start: string;
  headers: string[];
  body?: string[];
}

const CRLF = "\r\n";

const resolve = (s: string, v: Values) => s.replaceAll("{CALLID}", v.callId).replaceAll("{SIG}", v.sig).replaceAll("{SDPIP}", v.sdpIp).replaceAll("{SDPPORT}", String(v.sdpPort)).replaceAll("{HOLDO}", v.holdOrigin);
const bodyText = (m: Msg, v: Values) => (m.body ? m.body.map((l) => resolve(l, v)).join(CRLF) + CRLF : "");

/** The message as sent on one side; `length` overrides Content-Length (a buggy ALG's). */
function render(m: Msg, v: Values, length?: number): string {
  const body = bodyText(m, v);
  const hs = m.headers.map((h) => resolve(h, v));
  if (m.body) hs.push("Content-Type: application/sdp");
  hs.push(`Content-Length: ${length ?? body.length}`);
  return [resolve(m.start, v), ...hs, "", ""].join(CRLF) + body;
}

const common = (cseq: string, branch: string, toTag = "") => [
  `Via: SIP/2.0/{T} {SIG};branch=z9hG4bK-${branch};rport`,
  "Max-Forwards: 70",
  "From: \"alice\" <sip:alice@{SIG}>;tag=a1",
  `To: <sip:bob@${SERVER}:${SIP_PORT}>${toTag}`,
  "Call-ID: {CALLID}",
  `CSeq: ${cseq}`,
];

function aliceSdp(version: number, hold: boolean, direction?: string, port?: number): string[] {
  return [
    "v=0",
    `o=alice 53655765 ${version} IN IP4 ${hold ? "{HOLDO}" : "{SDPIP}"}`,
    "s=-",
    `c=IN IP4 ${hold ? "0.0.0.0" : "{SDPIP}"}`,
    "t=0 0",
    `m=audio ${port ?? "{SDPPORT}"} RTP/AVP 8`,
    "a=rtpmap:8 PCMA/8000",
    ...(hold ? ["a=sendonly"] : direction ? [`a=${direction}`] : []),
  ];
}

function bobSdp(version: number, direction?: string, port = BOB_RTP): string[] {
  return [
    "v=0",
    `o=bob 2890844527 ${version} IN IP4 ${SERVER}`,
    "s=-",
    `c=IN IP4 ${SERVER}`,
    "t=0 0",
    `m=audio ${port} RTP/AVP 8`,
    "a=rtpmap:8 PCMA/8000",
    ...(direction ? [`a=${direction}`] : []),
  ];
}

const request = (method: string, uri: string, cseq: number, branch: string, o: { body?: string[]; toTag?: boolean; extra?: string[] } = {}): Msg => ({
  start: `${method} ${uri} SIP/2.0`,
  headers: [...common(`${cseq} ${method === "ACK" ? "ACK" : method}`, branch, o.toTag ? ";tag=b1" : ""), "Contact: <sip:alice@{SIG}>", ...(o.extra ?? [])],
  body: o.body,
});

const response = (code: string, req: Msg, o: { body?: string[]; toTag?: boolean; contact?: string } = {}): Msg => {
  const hs = req.headers.filter((h) => /^(Via|From|To|Call-ID|CSeq):/.test(h)).map((h) => (o.toTag && h.startsWith("To:") && !h.includes("tag=") ? h + ";tag=b1" : h));
  if (o.contact) hs.push(`Contact: ${o.contact}`);
  return { start: `SIP/2.0 ${code}`, headers: hs, body: o.body };
};

// ---------------------------------------------------------------------------------------------
// Building a case
// ---------------------------------------------------------------------------------------------

interface Sent { pkt: WirePkt; msg: Msg }

class SipCall {
  readonly w = new Wire();
  readonly sent: Sent[] = [];
  readonly media: { up: WirePkt[]; down: WirePkt[]; icmp: WirePkt[] } = { up: [], down: [], icmp: [] };
  readonly conn?: Conn;
  readonly sigIn: Ep = { ip: CLIENT, port: SIP_PORT };
  readonly sigOut: Ep = { ip: NAT, port: SIP_PORT };
  readonly bob: Ep = { ip: SERVER, port: SIP_PORT };

  constructor(readonly def: CaseDef) {
    if (def.transport === "tcp") {
      this.conn = new Conn(this.w, this.sigIn, this.sigOut, this.bob, 0x51b0000);
      this.conn.handshake(true);
    }
  }

  values(side: Side, hold = false, inbound?: InboundKind): Values {
    // A message from bob that the case's ALG does not turn back keeps its outside values inside.
    if (side === "inside" && inbound && notRestored(this.def, inbound)) return this.values("outside", hold);
    const a = this.def.alg;
    const nat = side === "outside";
    // Responses travel back: the outside copy carries what alice's request said outside.
    // The split INVITE's transaction (the INVITE and the responses echoing it) is left alone.
    const headers = nat && a.headers && !this.splitting;
    const sdp = nat && a.sdp && !this.splitting;
    return {
      sig: headers ? `${NAT}:${SIP_PORT}` : `${CLIENT}:${SIP_PORT}`,
      sdpIp: sdp ? NAT : CLIENT,
      sdpPort: sdp ? a.mediaPort : ALICE_RTP,
      holdOrigin: hold && sdp ? "0.0.0.0" : CLIENT,
      callId: nat && this.def.hideCallId ? HIDDEN_CALL_ID : CALL_ID,
    };
  }

  /** True while the split INVITE (and its responses) is sent. */
  private splitting = false;

  send(fromAlice: boolean, msg: Msg, o: { hold?: boolean; dt?: bigint } = {}): void {
    const T = this.def.transport.toUpperCase();
    const m: Msg = { ...msg, headers: msg.headers.map((h) => h.replace("{T}", T)) };
    const text = (side: Side) => {
      const v = this.values(side, o.hold, fromAlice ? undefined : m.start.startsWith("SIP/2.0") ? "response" : "request");
      // Content-Length kept at the inside value by a buggy ALG (alice's messages with a body only).
      const keep = side === "outside" && fromAlice && m.body && !this.def.alg.length ? bodyText(m, this.values("inside", o.hold)).length : undefined;
      return render(m, v, keep);
    };
    const inside = text("inside");
    const outside = text("outside");
    const dt = o.dt ?? (fromAlice ? LAN : WAN);
    if (this.conn) {
      if (this.splitting && fromAlice && msg.body) {
        const cut = inside.indexOf("\r\n\r\n") + 4;
        // The message is complete with its second segment (the packet a parser dates it by).
        this.conn.data(true, { inside: inside.slice(0, cut), outside: outside.slice(0, cut) }, { dt });
        this.conn.data(true, { inside: inside.slice(cut), outside: outside.slice(cut) }, { dt: 50_000n });
      } else this.conn.data(fromAlice, { inside, outside }, { dt });
    } else {
      const enc = new TextEncoder();
      this.w.udp(fromAlice, this.sigIn, this.sigOut, this.bob, { inside: enc.encode(inside), outside: enc.encode(outside) }, { dt });
    }
    this.sent.push({ pkt: this.w.pkts[this.w.pkts.length - 1]!, msg: m });
  }

  split(on: boolean): void { this.splitting = on && !!this.def.splitInvite; }

  /** Media per target of the re-INVITE cases, in the order the SDPs announce the targets. */
  readonly targets: SipCaseJson["media"] = [];

  target(direction: "alice->bob" | "bob->alice", target: string, status: MediaFate = "forwarded"): SipCaseJson["media"][number] {
    let t = this.targets.find((x) => x.direction === direction && x.target === target);
    if (!t) this.targets.push((t = { direction, status, packets: { inside: 0, outside: 0 }, target }));
    return t;
  }

  /** `n` RTP packets one way between alice's media port and bob's (the NAT keeps alice's port), forwarded. */
  stream(up: boolean, alicePort: number, bobPort: number, n: number, seq0: number, gap: bigint, first = gap): void {
    const a: Ep = { ip: CLIENT, port: alicePort };
    const b: Ep = { ip: SERVER, port: bobPort };
    const t = up ? this.target("alice->bob", `${SERVER}:${bobPort}`) : this.target("bob->alice", `${NAT}:${alicePort}`);
    for (let i = 0; i < n; i++) {
      const seq = seq0 + i;
      this.w.udp(up, a, { ip: NAT, port: alicePort }, b, rtpPacket(seq, 160 * seq, up ? 0xa11ce000 : 0xb0b0b0b0, 160, (k) => (up ? k * 3 : k) + seq), { dt: i === 0 ? first : gap });
      (up ? this.media.up : this.media.down).push(this.w.pkts[this.w.pkts.length - 1]!);
      t.packets.inside++;
      t.packets.outside++;
    }
  }

  /** RTP both ways / one way per the case's media fates: bob first, 20 ms apart. */
  rtp(n: number, first: number): void {
    const { up, down } = this.def.media;
    const aliceIn: Ep = { ip: CLIENT, port: ALICE_RTP };
    const aliceOut: Ep = { ip: NAT, port: this.def.alg.mediaPort };
    const bobRtp: Ep = { ip: SERVER, port: BOB_RTP };
    for (let i = 0; i < n; i++) {
      const seq = first + i;
      if (down === "forwarded" || down === "blocked") {
        const l3 = this.w.udp(false, aliceIn, aliceOut, bobRtp, rtpPacket(seq, 160 * seq, 0xb0b0b0b0, 160, (k) => k + seq), { dt: 20n * MS, only: down === "blocked" ? "outside" : undefined });
        this.media.down.push(this.w.pkts[this.w.pkts.length - 1]!);
        if (down === "blocked" && l3) {
          this.w.icmpPortUnreachable(l3, NAT);
          this.media.icmp.push(this.w.pkts[this.w.pkts.length - 1]!);
        }
      }
      if (up === "forwarded") {
        this.w.udp(true, aliceIn, aliceOut, bobRtp, rtpPacket(seq, 160 * seq, 0xa11ce000, 160, (k) => k * 3 + seq), { dt: down === "none" ? 20n * MS : 200_000n });
        this.media.up.push(this.w.pkts[this.w.pkts.length - 1]!);
      }
    }
  }
}

/** The script of one case; returns the messages to quote in the evidence. */
function script(c: SipCall): Record<string, Sent> {
  const d = c.def;
  const at: Record<string, Sent> = {};
  const last = () => c.sent[c.sent.length - 1]!;
  const bobUri = `sip:bob@${SERVER}:${SIP_PORT}`;
  if (d.register) {
    const reg: Msg = {
      start: `REGISTER sip:${SERVER} SIP/2.0`,
      headers: [
        `Via: SIP/2.0/{T} {SIG};branch=z9hG4bK-r1;rport`, "Max-Forwards: 70", "From: <sip:alice@{SIG}>;tag=r1",
        `To: <sip:alice@${SERVER}>`, `Call-ID: 2-4242@${CLIENT}`, "CSeq: 1 REGISTER", "Contact: <sip:alice@{SIG}>;expires=3600", "Expires: 3600",
      ],
    };
    c.send(true, reg);
    at.register = last();
    c.send(false, { ...response("200 OK", reg), headers: [...response("200 OK", reg).headers, "Contact: <sip:alice@{SIG}>;expires=3600"] });
    at.registerOk = last();
    return at;
  }
  const invite = request("INVITE", bobUri, 1, "i1", { body: aliceSdp(1, false, d.aliceDirection) });
  c.split(true);
  c.send(true, invite);
  at.invite = last();
  c.send(false, response("100 Trying", invite));
  c.send(false, response("180 Ringing", invite, { toTag: true, contact: `<${bobUri}>` }), { dt: 500n * MS });
  c.send(false, response("200 OK", invite, { toTag: true, contact: `<${bobUri}>`, body: bobSdp(1) }), { dt: 2n * S });
  at.ok = last();
  c.split(false);
  c.send(true, request("ACK", bobUri, 1, "i2", { toTag: true }));
  at.ack = last();
  if (d.reinvite) return reinviteScript(c, at, bobUri);
  c.rtp(5, 100);
  if (d.hold) {
    const reinvite = request("INVITE", bobUri, 2, "i3", { body: aliceSdp(2, true), toTag: true });
    c.send(true, reinvite, { hold: true, dt: 1n * S });
    at.hold = last();
    c.send(false, response("200 OK", reinvite, { toTag: true, contact: `<${bobUri}>`, body: bobSdp(2, "recvonly") }));
    c.send(true, request("ACK", bobUri, 2, "i4", { toTag: true }));
  }
  if (d.inbound?.byeFromBob) return byeFromBob(c, at);
  const bye = request("BYE", bobUri, d.hold ? 3 : 2, "i5", { toTag: true });
  c.send(true, bye, { dt: 1n * S });
  at.bye = last();
  c.send(false, response("200 OK", bye, { toTag: true }));
  return at;
}

/** The re-INVITE cases after the first ACK (see the table in the header); the targets in SDP order. */
function reinviteScript(c: SipCall, at: Record<string, Sent>, bobUri: string): Record<string, Sent> {
  const d = c.def;
  const last = () => c.sent[c.sent.length - 1]!;
  c.target("bob->alice", `${NAT}:${ALICE_RTP}`, d.reinvite === "inactive" ? "stopped" : "forwarded");
  c.target("alice->bob", `${SERVER}:${BOB_RTP}`);
  if (d.reinvite === "update") {
    c.stream(false, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS);
    c.stream(true, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS, 200_000n);
    const update = request("UPDATE", bobUri, 2, "i3", { body: aliceSdp(2, false, undefined, ALICE_RTP + 10), toTag: true });
    c.send(true, update, { dt: 1n * S });
    at.reinvite = last();
    c.target("bob->alice", `${NAT}:${ALICE_RTP + 10}`);
    c.send(false, response("200 OK", update, { toTag: true, contact: `<${bobUri}>`, body: bobSdp(2) }));
    c.stream(false, ALICE_RTP + 10, BOB_RTP, 5, 105, 20n * MS);
    c.stream(true, ALICE_RTP + 10, BOB_RTP, 5, 105, 20n * MS, 200_000n);
  } else if (d.reinvite === "rejected") {
    c.stream(true, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS);
    const offer = request("INVITE", bobUri, 2, "i3", { body: aliceSdp(2, false, undefined, ALICE_RTP + 10), toTag: true });
    c.send(true, offer, { dt: 1n * S });
    at.reinvite = last();
    c.send(false, response("488 Not Acceptable Here", offer, { toTag: true }));
    // The ACK of a non-2xx final response belongs to the INVITE's transaction: its branch (RFC 3261 §17.1.1.3).
    c.send(true, request("ACK", bobUri, 2, "i3", { toTag: true }));
    c.stream(false, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS, 500n * MS);
    c.stream(true, ALICE_RTP, BOB_RTP, 5, 105, 20n * MS, 200_000n);
  } else if (d.reinvite === "inactive") {
    c.stream(true, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS);
    const hold = request("INVITE", bobUri, 2, "i3", { body: aliceSdp(2, false, "inactive"), toTag: true });
    c.send(true, hold, { dt: 1n * S });
    at.reinvite = last();
    c.send(false, response("200 OK", hold, { toTag: true, contact: `<${bobUri}>`, body: bobSdp(2, "inactive") }));
    c.send(true, request("ACK", bobUri, 2, "i4", { toTag: true }));
  } else if (d.reinvite === "move") {
    c.stream(false, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS);
    c.stream(true, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS, 200_000n);
    const move = request("INVITE", bobUri, 2, "i3", { body: aliceSdp(2, false, undefined, ALICE_RTP + 10), toTag: true });
    c.send(true, move, { dt: 1n * S });
    at.reinvite = last();
    c.target("bob->alice", `${NAT}:${ALICE_RTP + 10}`);
    c.send(false, response("200 OK", move, { toTag: true, contact: `<${bobUri}>`, body: bobSdp(2) }));
    c.send(true, request("ACK", bobUri, 2, "i4", { toTag: true }));
    // bob's RTP to the old endpoint goes on for 1.5 s on the established flow.
    c.stream(false, ALICE_RTP, BOB_RTP, 3, 105, 500n * MS);
    c.stream(false, ALICE_RTP + 10, BOB_RTP, 5, 108, 20n * MS);
    c.stream(true, ALICE_RTP + 10, BOB_RTP, 5, 105, 20n * MS, 200_000n);
  } else {
    c.stream(false, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS);
    c.stream(true, ALICE_RTP, BOB_RTP, 5, 100, 20n * MS, 200_000n);
    // bob's re-INVITE (bob's own CSeq), his new RTP flow before alice's answer.
    const bobVia = `Via: SIP/2.0/{T} ${SERVER}:${SIP_PORT};branch=z9hG4bK-b1;rport`;
    const reinvite: Msg = {
      start: "INVITE sip:alice@{SIG} SIP/2.0",
      headers: [bobVia, "Max-Forwards: 70", `From: <sip:bob@${SERVER}:${SIP_PORT}>;tag=b1`, "To: \"alice\" <sip:alice@{SIG}>;tag=a1", "Call-ID: {CALLID}", "CSeq: 1 INVITE", `Contact: <${bobUri}>`],
      body: bobSdp(2, undefined, BOB_RTP + 10),
    };
    c.send(false, reinvite, { dt: 1n * S });
    at.reinvite = last();
    c.target("alice->bob", `${SERVER}:${BOB_RTP + 10}`);
    c.stream(false, ALICE_RTP, BOB_RTP + 10, 5, 105, 20n * MS, 200n * MS);
    c.send(true, response("200 OK", reinvite, { contact: "<sip:alice@{SIG}>", body: aliceSdp(2, false) }), { dt: 2n * S });
    c.send(false, { start: "ACK sip:alice@{SIG} SIP/2.0", headers: [bobVia.replace("b1", "b2"), "Max-Forwards: 70", `From: <sip:bob@${SERVER}:${SIP_PORT}>;tag=b1`, "To: \"alice\" <sip:alice@{SIG}>;tag=a1", "Call-ID: {CALLID}", "CSeq: 1 ACK"] });
    c.stream(true, ALICE_RTP, BOB_RTP + 10, 5, 105, 20n * MS);
  }
  const bye = request("BYE", bobUri, 3, "i5", { toTag: true });
  c.send(true, bye, { dt: 1n * S });
  at.bye = last();
  c.send(false, response("200 OK", bye, { toTag: true }));
  return at;
}

/** The findings the spec implies (see the header), with the packets their evidence must name. */
function findingsOf(d: CaseDef, at: Record<string, Sent>, nums: Record<Side, Map<WirePkt, number>>, c: SipCall): { findings: string[]; evidence: SipCaseJson["evidence"]; linux: string[] } {
  const out: string[] = [];
  const evidence: SipCaseJson["evidence"] = {};
  const both = (s: Sent) => ({ inside: [nums.inside.get(s.pkt)!], outside: [nums.outside.get(s.pkt)!] });
  const first = at.register ?? at.invite!;
  const headersLeft = !d.alg.headers || !!d.splitInvite;
  if (headersLeft) {
    out.push("alg.contact-not-translated", "alg.via-not-translated", "alg.sip-header-not-translated");
    evidence["alg.contact-not-translated"] = both(first);
  }
  if (at.invite && (!d.alg.sdp || d.splitInvite)) {
    out.push("alg.sdp-not-translated");
    evidence["alg.sdp-not-translated"] = both(at.invite);
  }
  if (at.invite && !d.alg.length) {
    out.push("alg.content-length-wrong");
    evidence["alg.content-length-wrong"] = { outside: [nums.outside.get(at.invite.pkt)!] };
  }
  const { up, down } = d.media;
  if (down === "blocked") {
    out.push("alg.media-blocked");
    evidence["alg.media-blocked"] = { outside: [nums.outside.get(c.media.down[0]!)!] };
  }
  const fwd = (f: MediaFate) => f === "forwarded";
  const failed = (f: MediaFate) => f === "blocked" || f === "not-sent";
  if ((fwd(up) && failed(down)) || (fwd(down) && failed(up))) {
    out.push("alg.one-way-media");
    const p = fwd(up) ? c.media.up[0]! : c.media.down[0]!;
    evidence["alg.one-way-media"] = { inside: [nums.inside.get(p)!], outside: [nums.outside.get(p)!] };
  }
  if (d.reinvite === "move") {
    // bob's RTP to alice's old endpoint went on past the re-INVITE, across the NAT.
    out.push("alg.media-after-end");
    evidence["alg.media-after-end"] = { outside: [nums.outside.get(at.reinvite!.pkt)!] };
  }
  inboundFindings(d, at, both, out, evidence);
  // Linux would refuse bob's new flow toward alice (its expectation flushed at his re-INVITE).
  const linux = d.splitInvite || d.reinvite === "refused" ? ["alg.fragile-input"] : [];
  return { findings: out, evidence, linux };
}

export function buildSipNatCase(name: string): BuiltSipCase {
  const def = SIP_NAT_CASES.find((c) => c.name === name);
  if (!def) throw new Error(`unknown case ${name}`);
  const c = new SipCall(def);
  const at = script(c);
  c.conn?.close(true);
  const nums = { inside: c.w.numbers("inside"), outside: c.w.numbers("outside") };
  const { findings, evidence, linux } = findingsOf(def, at, nums, c);
  const files = new Map<string, Uint8Array | string>();
  files.set("inside.pcap", c.w.pcap("inside"));
  files.set("outside.pcap", c.w.pcap("outside"));
  const proto = def.transport;
  const nat: NatEntry[] = [{ role: "control", proto, inside: c.sigIn, outside: c.sigOut, remote: c.bob, direction: "outbound", crossed: true }];
  const mediaIn: Ep = { ip: CLIENT, port: ALICE_RTP };
  const mediaOut: Ep = { ip: NAT, port: def.alg.mediaPort };
  const bobRtp: Ep = { ip: SERVER, port: BOB_RTP };
  const { up, down } = def.media;
  if (up !== "none" || down !== "none") {
    // Who opened the media flow: bob's first packet when it crossed, else alice's.
    const crossed = up === "forwarded" || down === "forwarded";
    nat.push({ role: "media", proto: "udp", inside: mediaIn, outside: mediaOut, remote: bobRtp, direction: down === "forwarded" ? "inbound" : "outbound", crossed });
  }
  const count = (list: WirePkt[], side: Side) => list.filter((p) => p[side]).length;
  const media: SipCaseJson["media"] = def.reinvite ? c.targets : [
    { direction: "alice->bob", status: up, packets: { inside: count(c.media.up, "inside"), outside: count(c.media.up, "outside") } },
    { direction: "bob->alice", status: down, packets: { inside: count(c.media.down, "inside"), outside: count(c.media.down, "outside") } },
  ];
  const r = result(findings);
  const json: SipCaseJson = {
    case: def.name,
    description: def.description,
    topology: { client: CLIENT, server: SERVER, natAddress: NAT, insideNet: "192.0.2.0/24" },
    expected: {
      ...r,
      notFindings: ["alg.payload-wrong-address", "nat.sides-swapped", "nat.captures-unrelated", ...(findings.includes("alg.media-blocked") ? [] : ["alg.media-blocked"]), ...(findings.includes("alg.one-way-media") ? [] : ["alg.one-way-media"]), ...(findings.includes("alg.content-length-wrong") ? [] : ["alg.content-length-wrong"]), ...(findings.includes("alg.sdp-not-translated") ? [] : ["alg.sdp-not-translated"])].sort(),
      capturesOnly: r,
      linux: result([...findings, ...linux]),
    },
    nat,
    predicted: [],
    router: [],
    packets: { inside: c.w.side("inside").length, outside: c.w.side("outside").length },
    timing: { forwardDelayUs: 40, outsideClockSkewUs: 300 },
    evidence,
    media,
  };
  files.set("case.json", caseJsonText(json as unknown as CaseJson));
  return { name, files, json };
}

export function buildAllSipNatCases(): BuiltSipCase[] {
  return SIP_NAT_CASES.map((c) => buildSipNatCase(c.name));
}

if (isMain(import.meta.url)) {
  const root = repoRoot(import.meta.url);
  for (const c of buildAllSipNatCases()) {
    for (const [f, data] of c.files) console.log(writeOut(root, `${NAT_DIR}/${c.name}/${f}`, data), data.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Inbound: what comes in from bob and whether the ALG turns the NAT's address back (h5 block)
// ---------------------------------------------------------------------------------------------
//
// On their way in, a SIP ALG must turn the NAT address:port it wrote on the way out back into
// alice's private one (nf_nat_sip's map_addr: a value equal to the receiver's NAT tuple becomes
// the receiver's un-translated address): the topmost Via of every response (alice discards a
// response whose sent-by is not hers, RFC 3261 §18.1.2), the From of responses, the Contact a
// REGISTER 200 echoes, and the Request-URI and To of bob's requests (his BYE is sent to alice's
// Contact as bob saw it: sip:alice@203.0.113.1:5060).
//
// | case                        | ALG on the way in                         | verdict |
// | --------------------------- | ----------------------------------------- | ------- |
// | sip-udp-bye-from-bob        | bob hangs up; everything turned back      | pass |
// | sip-udp-not-restored        | nothing turned back (responses and bob's BYE keep 203.0.113.1:5060 inside) | fail: via-not-restored, sip-header-not-restored |
// | sip-udp-bye-not-restored    | responses turned back, bob's BYE not (Request-URI, To) | pass with sip-header-not-restored (warning) |
// | sip-udp-register-not-restored | REGISTER 200 keeps Via/From/Contact 203.0.113.1:5060 inside | fail: via-not-restored, sip-header-not-restored |

type InboundKind = "request" | "response";

interface InboundSpec {
  /** bob ends the call (BYE to alice's Contact as he saw it) instead of alice. */
  byeFromBob?: boolean;
  /** Messages from bob the ALG leaves alone on the way in. */
  notRestored?: InboundKind[];
}

function inboundCases(): CaseDef[] {
  return [
    {
      name: "sip-udp-bye-from-bob",
      description: "SIP over UDP through a working SIP ALG (as sip-udp-alg, m= 7000 kept), and bob hangs up: his BYE goes to alice's Contact as he saw it, `BYE sip:alice@203.0.113.1:5060` with To <sip:alice@203.0.113.1:5060>; the ALG turns the Request-URI and To back into 192.0.2.10:5060 inside, as it does with the Via and From of every response; alice's 200 OK to the BYE leaves with To 203.0.113.1:5060. RTP both ways.",
      transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, inbound: { byeFromBob: true },
    },
    {
      name: "sip-udp-not-restored",
      description: "SIP over UDP through a SIP ALG that rewrites alice's messages on the way out (Via/Contact/From and SDP → 203.0.113.1) but turns nothing back on the way in: bob's responses reach alice with Via and From still 203.0.113.1:5060 (alice must discard them, RFC 3261 §18.1.2), and bob's BYE with Request-URI and To 203.0.113.1:5060. The capture shows the call going on (a lenient phone); RTP both ways.",
      transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, inbound: { byeFromBob: true, notRestored: ["request", "response"] },
    },
    {
      name: "sip-udp-bye-not-restored",
      description: "SIP over UDP through a SIP ALG that turns the Via and From of responses back into 192.0.2.10:5060 but leaves bob's requests alone: his BYE reaches alice as `BYE sip:alice@203.0.113.1:5060` with To 203.0.113.1:5060 (a warning: most phones accept it). RTP both ways.",
      transport: "udp", alg: full(), media: { up: "forwarded", down: "forwarded" }, inbound: { byeFromBob: true, notRestored: ["request"] },
    },
    {
      name: "sip-udp-register-not-restored",
      description: "REGISTER over UDP through a SIP ALG that rewrites the REGISTER (Via/Contact/From 192.0.2.10:5060 → 203.0.113.1:5060) but not the registrar's 200 OK on its way in: its Via, From and the Contact it echoes still name 203.0.113.1:5060 inside, so alice discards the 200 (RFC 3261 §18.1.2) and would not find her binding in it. No media.",
      transport: "udp", alg: full(), media: { up: "none", down: "none" }, register: true, inbound: { notRestored: ["response"] },
    },
  ];
}

/** Does the case's ALG leave this kind of message from bob alone on its way in? */
function notRestored(d: CaseDef, kind: InboundKind): boolean {
  return !!d.inbound?.notRestored?.includes(kind);
}

/** bob's BYE to alice's Contact as he saw it (the outside value) and alice's 200 OK. */
function byeFromBob(c: SipCall, at: Record<string, Sent>): Record<string, Sent> {
  const bye: Msg = {
    start: "BYE sip:alice@{SIG} SIP/2.0",
    headers: [
      `Via: SIP/2.0/{T} ${SERVER}:${SIP_PORT};branch=z9hG4bK-b5;rport`, "Max-Forwards: 70",
      `From: <sip:bob@${SERVER}:${SIP_PORT}>;tag=b1`, "To: \"alice\" <sip:alice@{SIG}>;tag=a1", "Call-ID: {CALLID}", "CSeq: 1 BYE",
    ],
  };
  c.send(false, bye, { dt: 1n * S });
  at.byeFromBob = c.sent[c.sent.length - 1]!;
  c.send(true, response("200 OK", bye));
  at.byeOk = c.sent[c.sent.length - 1]!;
  return at;
}

/**
 * The findings of what came in (see the block's header): a response left with the NAT's Via is
 * alg.via-not-restored, its From (and a REGISTER 200's Contact) and bob's Request-URI/To are
 * alg.sip-header-not-restored — only where the ALG had written the NAT's value on the way out.
 */
function inboundFindings(d: CaseDef, at: Record<string, Sent>, both: (s: Sent) => { inside: number[]; outside: number[] }, out: string[], evidence: SipCaseJson["evidence"]): void {
  if (!d.alg.headers || d.splitInvite) return;
  const answer = at.registerOk ?? at.ok;
  if (notRestored(d, "response") && answer) {
    out.push("alg.via-not-restored", "alg.sip-header-not-restored");
    evidence["alg.via-not-restored"] = both(answer);
    evidence["alg.sip-header-not-restored"] = both(answer);
  }
  if (notRestored(d, "request") && at.byeFromBob) {
    out.push("alg.sip-header-not-restored");
    evidence["alg.sip-header-not-restored"] = both(at.byeFromBob);
  }
}
