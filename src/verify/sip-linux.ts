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
 * and per dialog (`linuxDialog`), from the analyzer's Linux model (src/alg/sip-linux.ts):
 *   - media to the inside host in a flow the far end opened after its expectation was flushed (a
 *     later INVITE on the signalling connection, a BYE), used by another flow or expired: Linux
 *     would have refused it; when this router let it in, an `alg.fragile-input` warning;
 *   - the REGISTER's signalling pinhole (`linux-register` check): what the kernel would keep
 *     (from the registrar to the Contact, active after a 2xx), and the registrar's new signalling
 *     connections to it in the outside capture compared with it; a REGISTER the helper drops is
 *     an `alg.fragile-input` warning. Where the cross-call table (`linuxClashes`) decided the
 *     dialog's last REGISTER (dropped for EALREADY, moved for EBUSY), that outcome is the one
 *     `kernelRegister` gives, and the check and `sip.register.<side>.linux` both say it.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { Emulation, Negotiation, Session } from "../alg/sessions.js";
import { clashedRegister, linuxRegisters } from "../alg/sip-linux.js";
import type { LinuxRegister, RegisterClash } from "../alg/sip-types.js";
import { finding } from "./findings.js";
import type { Reconciliation } from "./nat.js";
import type { SipMessageView } from "./sip-fields.js";
import { uriHostPort, messageName } from "./sip-fields.js";
import { pairMessages, type VerifiedSip } from "./sip.js";
import { msOf } from "./sessions.js";
import type { MediaDirection } from "./sip-media.js";
import type { Check, Finding, VerifiedNegotiation } from "./types.js";
import { hostPort } from "../net/addr.js";
import { responderIndex } from "./sip-contact.js";

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

export interface LinuxDialogInput {
  outside?: AnalyzeResult;
  nat?: Reconciliation;
}

/**
 * The per-dialog Linux emulation (see the module header). `clashes`: the cross-call table's
 * results (linuxClashes, run before the dialogs); a REGISTER it decided gets that outcome in
 * `v.register` (both sides) and in its check.
 */
export function linuxDialog(si: Session | undefined, so: Session | undefined, v: VerifiedSip, input: LinuxDialogInput, findings: Finding[], checks: Check[], clashes?: LinuxClashes): void {
  refusedMedia(so, v.media, input, findings);
  const k = kernelRegister(si, so, clashes);
  if (!k) return;
  if (k.r.clash && v.register) {
    // One outcome in the report: each capture's `linux` is the kernel's across calls (copies: analyze's stay as they are).
    const { inside, outside } = v.register;
    v.register = { ...(inside ? { inside: { ...inside, linux: k.r } } : {}), ...(outside ? { outside: { ...outside, linux: k.r } } : {}) };
  }
  linuxRegisterCheck(k, so, input, findings, checks);
}

/**
 * The negotiations of an SDP message the cross-call table dropped (`clashes.media`, by inside
 * packet): each capture's copy says what the kernel across calls does — `emulation` dropped with
 * the table's reason, `media.linux` no expectation (`none`), so nothing admitted or refused — as
 * the finding does. Copies: analyze's negotiations stay as they are.
 */
export function dropSdpNegotiations(negotiations: VerifiedNegotiation[], clashes: LinuxClashes | undefined): void {
  if (!clashes?.media.size) return;
  for (const v of negotiations) {
    const reason = v.kind === "SDP" && v.inside ? clashes.media.get(v.inside.packet) : undefined;
    if (reason === undefined) continue;
    v.inside = droppedCopy(v.inside!, reason);
    if (v.outside) v.outside = droppedCopy(v.outside, reason);
  }
}

function droppedCopy(n: Negotiation, reason: string): Negotiation {
  const emulation: Emulation = { profile: "linux", outcome: "dropped", reason };
  return n.media ? { ...n, media: { ...n.media, linux: { expected: [], none: reason } }, emulation } : { ...n, emulation };
}

const epText = (e: { ip: string; port: number | null }) => `${hostPort(e.ip)}:${e.port}`;

function refusedMedia(so: Session | undefined, media: MediaDirection[], input: LinuxDialogInput, findings: Finding[]): void {
  if (!so || !input.nat) return;
  const done = new Set<number>();
  for (const d of media) {
    const t = d.target.outside;
    if (d.direction !== "to-inside" || !t) continue;
    for (const n of so.negotiations) {
      if (n.kind !== "SDP" || n.announced.ip !== t.ip || n.announced.port !== t.port) continue;
      for (const r of n.media?.linux?.refused ?? []) {
        if (done.has(r.flow) || !input.nat.byOutside.has(r.flow)) continue;
        done.add(r.flow);
        findings.push(finding("alg.fragile-input", `RTP to the inside host towards ${epText(t)} in outside flow ${r.flow}: this router let it in, Linux would have refused it (${r.why})`, { outside: [n.media?.linux?.flushedBy?.packet ?? n.packet], outsideFlows: [r.flow] }, "nf_conntrack_sip flushes every media expectation of the signalling connection at each INVITE and at BYE, and each expectation lets one flow in"));
      }
    }
  }
}

/** The dialog's last REGISTER as the kernel would handle it, the capture it is read from, and (clash) its outside copy. */
export interface KernelRegister {
  r: LinuxRegister;
  side: "inside" | "outside";
  /** The outside copy of a REGISTER the cross-call table decided (what this router wrote), when seen. */
  pair?: SipMessageView;
}

/**
 * The one owner of a REGISTER dialog's Linux outcome in verify: the cross-call table's (dropped,
 * moved; `clashedRegister` says what each does) where it decided the dialog's last REGISTER, else
 * the per-capture model's (pickRegister).
 */
export function kernelRegister(si: Session | undefined, so: Session | undefined, clashes?: LinuxClashes): KernelRegister | undefined {
  const ri = si?.sip?.register?.linux;
  const hit = ri && clashes?.registers.get(ri.packet);
  if (hit) return { r: hit.r, side: "inside", pair: hit.pair };
  return pickRegister(si, so);
}

/** The kernel's view: the inside REGISTER decides none/dropped, the outside one (NAT address, 2xx as received) the rest. */
function pickRegister(si: Session | undefined, so: Session | undefined): KernelRegister | undefined {
  const ri = si?.sip?.register?.linux;
  const ro = so?.sip?.register?.linux;
  if (ri && (ri.outcome === "none" || ri.outcome === "dropped")) return { r: ri, side: "inside" };
  // The outside copy names the NAT address only where this router rewrote the Contact.
  if (ro?.expectation) return { r: ro, side: "outside" };
  if (ri) return { r: ri, side: "inside" };
  return ro ? { r: ro, side: "outside" } : undefined;
}

function registerWords(r: LinuxRegister): string {
  const x = r.expectation;
  const pin = x ? `a signalling expectation from ${x.from} to ${epText(x.to)} (${x.proto})` : "";
  switch (r.outcome) {
    case "active": return `keep ${pin} for ${x?.timeoutS} s, activated by the answer at packet ${r.answerPacket}`;
    case "pending": return `keep ${pin} inactive (PERMANENT,INACTIVE): no 2xx seen to activate it`;
    case "flushed": return `flush ${pin || "its signalling expectation"}: ${r.reason}`;
    case "none": return `open no signalling pinhole: ${r.reason}`;
    case "moved": return `move the REGISTER's signalling pinhole: ${r.reason}`;
    default: return `drop the REGISTER: ${r.reason}`;
  }
}

function linuxRegisterCheck(k: KernelRegister, so: Session | undefined, input: LinuxDialogInput, findings: Finding[], checks: Check[]): void {
  const { r, side } = k;
  const subject = `sip REGISTER at ${side} packet ${r.packet}`;
  if (r.clash) {
    checks.push({ check: "linux-register", subject, ...clashCheck(r, r.clash, k.pair) });
    return;
  }
  if (r.outcome === "dropped") {
    findings.push(finding("alg.fragile-input", `SIP REGISTER at ${side} packet ${r.packet}: Linux would have dropped it (${r.reason})`, { [side]: [r.packet] }));
    checks.push({ check: "linux-register", subject, status: "failed", reason: `Linux would ${registerWords(r)} (alg.fragile-input)` });
    return;
  }
  const x = r.expectation;
  const out = input.outside;
  const flows = x && out && side === "outside" ? newConnections(out, x, so?.sip?.flows ?? []) : [];
  if (!flows.length) {
    checks.push({ check: "linux-register", subject, status: "not-checked", reason: `Linux would ${registerWords(r)}; the outside capture holds no new signalling connection from the registrar to it to compare` });
    return;
  }
  const wrong: number[] = [];
  for (const f of flows) {
    const admits = r.outcome === "active" && r.answerPacket !== undefined && f.first > r.answerPacket;
    const crossed = !!input.nat?.byOutside.has(f.id);
    if (crossed && !admits) wrong.push(f.id);
  }
  if (wrong.length) {
    findings.push(finding("alg.fragile-input", `${wrong.length} signalling connection(s) from the registrar to ${epText(x!.to)} crossed this router, but Linux would not have let them in: it would ${registerWords(r)}`, { outside: [r.packet], outsideFlows: wrong }));
  }
  checks.push({ check: "linux-register", subject, status: wrong.length ? "failed" : "passed", reason: `Linux would ${registerWords(r)}; ${flows.length} new signalling connection(s) from the registrar to it in the outside capture, ${wrong.length ? `${wrong.length} crossed where Linux would refuse them` : "each treated as Linux would"}` });
}

/**
 * A REGISTER the cross-call table dropped or moved, against what this router did with it (its
 * outside copy). The finding is the table's (linuxClashes): the check only judges.
 */
export function clashCheck(r: LinuxRegister, clash: RegisterClash, pair: SipMessageView | undefined): Pick<Check, "status" | "reason"> {
  const linux = `Linux would ${registerWords(r)}`;
  if (!pair) return { status: "not-checked", reason: `${linux}; the outside capture does not hold the REGISTER (this router dropped it too, or it was not captured)` };
  if (clash.errno === "EALREADY") return { status: "failed", reason: `${linux}; this router forwarded it (outside packet ${pair.packet}) (alg.fragile-input)` };
  const wanted = clash.wanted.to.port;
  const wrote = contactPort(pair);
  if (wrote !== undefined && wrote > wanted) return { status: "not-checked", reason: `${linux}; this router wrote Contact port ${wrote} (outside packet ${pair.packet}), above ${wanted} as Linux would, but Linux's port is random: not compared` };
  return { status: "failed", reason: `${linux}; this router wrote Contact port ${wrote ?? "(none)"} (outside packet ${pair.packet}), where Linux never would (alg.fragile-input)` };
}

/** The port of a message's first Contact (5060 when it names none), or undefined without a Contact. */
const contactPort = (m: SipMessageView): number | undefined => (m.contact[0] ? m.contact[0].port ?? 5060 : undefined);

/** Flows the registrar opened toward the Contact (proto, address, port), other than the dialog's own. */
function newConnections(r: AnalyzeResult, x: NonNullable<LinuxRegister["expectation"]>, own: number[]): { id: number; first: number }[] {
  const out: { id: number; first: number }[] = [];
  const t = r.scan.flows;
  for (const id of responderIndex(r).get(x.to.port) ?? []) {
    if (own.includes(id) || t.proto(id) !== x.proto) continue;
    const f = t.get(id);
    if (f.responder.ip === x.to.ip && f.initiator.ip === x.from) out.push({ id, first: f.first.packet });
  }
  return out;
}

/**
 * One expectation group nf_nat_sip would add on a NATed signalling connection: the RTP/RTCP pair of
 * one SDP m= line, or the signalling pinhole of one REGISTER (class `signalling`).
 */
interface NatExpect {
  /** `<proto>|<from>|<NAT address>|<port>`, one per expectation (RTP and RTCP, or the REGISTER's one). */
  keys: string[];
  master: number;
  cls: string;
  packet: number;
  ms: number;
  /** When it expires (180 s, or the registration's expires once a 2xx activated it). */
  untilMs: number;
  /** Inside packet from which it no longer holds (flushed, or both RTP and RTCP used). */
  end?: number;
  msg: SipMessageView;
  pair?: SipMessageView;
  /** A REGISTER's: the per-dialog model's outcome of it (what a clash changes). */
  register?: LinuxRegister;
}

const SIGNALLING = "signalling";
const LINUX_EXPECT_MS = 180_000;

/**
 * What the cross-call table found: its findings, each inside REGISTER it decided (by packet) with
 * its outside copy, and each inside SDP message it dropped (by packet) with the reason.
 */
export interface LinuxClashes {
  findings: Finding[];
  registers: Map<number, { r: LinuxRegister; pair?: SipMessageView }>;
  media: Map<number, string>;
}

/**
 * nf_nat_sip across calls and registrations (default parameters; every SIP expectation has the mask
 * "source address exact, any source port", so two of them meet only when identical), ALG-BEHAVIOUR.md
 * §8.3 and the kernel's __nf_ct_expect_check, the newest identical live expectation deciding:
 *   - an SDP's media expectation (nf_nat_sdp_media, NF_CT_EXP_F_SKIP_MASTER): an identical one of
 *     another connection or another class (a REGISTER's signalling one, even on the same
 *     connection) → -EALREADY, which it takes as a failure: no search for P+2, the message is dropped
 *     ("all ports in use for SDP media"); same connection and class: the old one is replaced;
 *   - a REGISTER's signalling expectation (nf_nat_sip_expect → nf_nat_exp_find_port, flags 0; its
 *     port is the Contact's, or the connection's NAT port when the Contact names the connection's own
 *     source port): identical to one of the same connection but another class (media) → -EALREADY:
 *     the REGISTER is dropped ("all ports in use for SIP"); of another connection → -EBUSY: the
 *     kernel tries random ports above it and writes the Contact with the one it gets; an earlier
 *     REGISTER's of the same connection is replaced.
 * Read from the inside capture's Linux model (media.linux of each inside SDP, its flushes and
 * admissions; every REGISTER of each dialog, linuxRegisters, activated or flushed as its outside
 * copy's 2xx says: the kernel reads the answer before any rewrite back) and the NAT mapping of each
 * message's connection (a connection the router dropped: the run's one NAT address). Seen live on
 * kernel 6.18: pcaps/lab/sip-clash-*, test/verify/sip-linux-lab.test.ts. Every clash is an `alg.fragile-input` warning (the caller adds them after the
 * dialogs'), a REGISTER's clash is its outcome (`registers`, read by kernelRegister), and an SDP
 * message's is its negotiations' (`media`, read by dropSdpNegotiations).
 * Connections the NAT left alone are not in the table (their expectations take the path without
 * NAT, which accepts -EALREADY).
 */
export function linuxClashes(dialogs: [Session | undefined, Session | undefined][], input: LinuxDialogInput & { inside?: AnalyzeResult }): LinuxClashes {
  const out: LinuxClashes = { findings: [], registers: new Map(), media: new Map() };
  const nat = input.nat;
  const flows = input.inside?.scan.flows;
  if (!nat || !flows) return out;
  const all: NatExpect[] = [];
  for (const [si, so] of dialogs) {
    const msgs = si?.sip?.messages;
    if (!msgs) continue;
    const pairs = so?.sip ? new Map(pairMessages(msgs, so.sip.messages).pairs.map(([a, b]) => [a, b])) : undefined;
    mediaExpects(si, nat, flows, pairs, all);
    registerExpects(si, so, nat, pairs, all);
  }
  all.sort((a, b) => a.packet - b.packet);
  const live = new Map<string, NatExpect[]>();
  for (let i = 0; i < all.length; ) {
    // The expectations of one message: the helper stops at the first that fails.
    let j = i;
    while (j < all.length && all[j]!.msg === all[i]!.msg) j++;
    const lines = all.slice(i, j);
    i = j;
    const hit = firstClash(lines, live);
    if (!hit) {
      for (const x of lines) for (const key of x.keys) (live.get(key) ?? live.set(key, []).get(key)!).push(x);
      continue;
    }
    const e = lines[0]!;
    if (e.cls !== SIGNALLING) {
      const detail = mediaClashDetail(e, hit);
      out.media.set(e.packet, `${DROPPED_SDP}: ${detail}`);
      out.findings.push(mediaClash(e, hit, detail));
      continue;
    }
    const r = clashedRegister(e.register!, registerClashOf(e, hit));
    out.registers.set(e.packet, { r, pair: e.pair });
    out.findings.push(registerClash(e, r));
  }
  return out;
}

interface Clash { o: NatExpect; key: string; busy: boolean }

/** The first expectation of `lines` the kernel would refuse: EALREADY (busy false) or EBUSY (busy true). */
function firstClash(lines: NatExpect[], live: Map<string, NatExpect[]>): Clash | undefined {
  const e = lines[0]!;
  for (const x of lines) {
    for (const key of x.keys) {
      const l = live.get(key) ?? [];
      let o: NatExpect | undefined;
      for (let k = l.length - 1; k >= 0 && !o; k--) if ((l[k]!.end === undefined || l[k]!.end! > e.packet) && e.ms <= l[k]!.untilMs) o = l[k];
      if (!o || (o.master === x.master && o.cls === x.cls)) continue;
      // A REGISTER's (flags 0) meets another connection's as a clash (EBUSY), media (SKIP_MASTER) as EALREADY.
      return { o, key, busy: x.cls === SIGNALLING && o.master !== x.master };
    }
  }
  return undefined;
}

/** The media expectations of the inside dialog's SDPs sent on NATed connections. */
function mediaExpects(si: Session, nat: Reconciliation, flows: NonNullable<AnalyzeResult["scan"]["flows"]>, pairs: Map<SipMessageView, SipMessageView> | undefined, all: NatExpect[]): void {
  const msgs = si.sip!.messages;
  for (const n of si.negotiations) {
    const l = n.media?.linux;
    if (n.kind !== "SDP" || !l?.expected.length) continue;
    const msg = msgs.find((m) => m.packet === n.packet && m.sdp);
    const t = msg && natAddressOf(msg, nat);
    if (!msg || !t) continue;
    const keys = l.expected.map((e) => `udp|${e.from}|${e.to.ip === t.inside ? t.nat : e.to.ip}|${e.to.port}`);
    let end = l.flushedBy?.packet;
    if ((l.admitted?.length ?? 0) >= keys.length) {
      const used = l.admitted!.reduce((m, id) => Math.max(m, flows.firstPacket(id)), 0);
      end = end === undefined ? used : Math.min(end, used);
    }
    const ms = msOf(n.time);
    all.push({ keys, master: msg.flow, cls: n.media!.type, packet: n.packet, ms, untilMs: ms + LINUX_EXPECT_MS, end, msg, pair: pairs?.get(msg) });
  }
}

/**
 * The inside host's address and the NAT address of an inside message's connection (or the one it
 * would have had): its own mapping's; for a
 * connection that never crossed (the router dropped its first packet — as Linux does with an INVITE
 * the table refuses), the one NAT address of the run, or undefined (not NATed, or not known).
 */
function natAddressOf(msg: SipMessageView, nat: Reconciliation): { inside: string; nat: string } | undefined {
  const map = nat.byInside.get(msg.flow);
  if (map) return map.inside.ip === map.translated.ip ? undefined : { inside: map.inside.ip, nat: map.translated.ip };
  // Unpaired: only the inside host's own message (sent to a peer) can have been dropped on its way out.
  if (nat.outsideFlowOf(msg.flow) !== 0 || nat.natAddressCount !== 1) return undefined;
  const ip = nat.natAddresses[0]!;
  return ip === msg.src.ip ? undefined : { inside: msg.src.ip, nat: ip };
}

/** The signalling expectation of every REGISTER of the inside dialog sent on a NATed connection. */
function registerExpects(si: Session, so: Session | undefined, nat: Reconciliation, pairs: Map<SipMessageView, SipMessageView> | undefined, all: NatExpect[]): void {
  const sip = si.sip!;
  if (!sip.register) return;
  const outside = so?.sip ? linuxRegisters(so.sip.messages, so.sip.transport) : [];
  const back = new Map<number, SipMessageView>();
  for (const [a, b] of pairs ?? []) back.set(b.packet, a);
  for (const r of linuxRegisters(sip.messages, sip.transport)) {
    const x = r.expectation;
    const msg = x && sip.messages.find((m) => m.packet === r.packet && m.request);
    const map = msg && nat.byInside.get(msg.flow);
    if (!x || !msg || !map || map.inside.ip === map.translated.ip) continue;
    // nf_nat_sip_expect: a Contact naming the connection's own source port takes the NAT's port of it.
    const port = x.to.port === msg.src.port ? map.translated.port : x.to.port;
    const ms = msOf(msg.time);
    // The kernel reads the answer as it arrives from outside (before any rewrite back): the outside
    // copy's outcome decides activation; inside packet numbers through the message pairs.
    const pair = pairs?.get(msg);
    const ro = pair && outside.find((y) => y.packet === pair.packet);
    const settled = ro && ro.answerPacket !== undefined && back.has(ro.answerPacket) ? { outcome: ro.outcome, answer: back.get(ro.answerPacket)!, timeoutS: ro.expectation?.timeoutS } : undefined;
    const outcome = settled?.outcome ?? r.outcome;
    const answer = settled?.answer ?? (r.answerPacket === undefined ? undefined : sip.messages.find((m) => m.packet === r.answerPacket));
    const timeoutS = settled ? settled.timeoutS : x.timeoutS;
    const untilMs = outcome === "active" && answer && timeoutS !== undefined ? msOf(answer.time) + timeoutS * 1000 : ms + LINUX_EXPECT_MS;
    all.push({ keys: [`${x.proto}|${x.from}|${map.translated.ip}|${port}`], master: msg.flow, cls: SIGNALLING, packet: msg.packet, ms, untilMs, end: outcome === "flushed" ? answer?.packet : undefined, msg, pair, register: r });
  }
}

const keyText = (key: string) => {
  const [proto, from, to, port] = key.split("|");
  return `${proto} ${from} → ${epText({ ip: to!, port: Number(port) })}`;
};

const whose = (o: NatExpect) => `the ${o.cls === SIGNALLING ? "signalling expectation" : "one"} the ${messageName(o.msg)} at inside packet ${o.packet} left`;

/** nf_nat_sdp_media's message when it drops an SDP message. */
const DROPPED_SDP = `"all ports in use for SDP media"`;

/**
 * Why the table drops an SDP message (EALREADY), after DROPPED_SDP: the one reason its finding and
 * its negotiations' `emulation` (dropSdpNegotiations) give.
 */
function mediaClashDetail(e: NatExpect, hit: Clash): string {
  const where = hit.o.master === e.master ? "on the same signalling connection, of another class" : `on another signalling connection (inside flow ${hit.o.master})`;
  return `its media expectation ${keyText(hit.key)} is ${whose(hit.o)} ${where}`;
}

function mediaClash(e: NatExpect, hit: Clash, detail: string): Finding {
  const moved = movedPorts(e.msg, e.pair);
  return finding("alg.fragile-input",
    `SIP ${messageName(e.msg)} at inside packet ${e.packet}: Linux would have dropped it (${DROPPED_SDP}): ${detail}; nf_nat_sip moves the port only when the expectation is busy (another mask), not when it already exists${moved ? `; this router wrote m= port ${moved} instead` : ""}`,
    { inside: [e.packet, hit.o.packet], ...(e.pair ? { outside: [e.pair.packet] } : {}) },
    "since Linux 5.3 an identical expectation of another connection or class makes nf_ct_expect_related fail with EALREADY, and nf_nat_sdp_media drops the message instead of trying P+2");
}

/** The table's answer to a REGISTER's expectation, as the REGISTER's outcome reads it (clashedRegister). */
function registerClashOf(e: NatExpect, hit: Clash): RegisterClash {
  const [proto, from, ip, port] = hit.key.split("|");
  return {
    errno: hit.busy ? "EBUSY" : "EALREADY",
    wanted: { proto: proto as "udp" | "tcp", from: from!, to: { ip: ip!, port: Number(port) } },
    heldBy: { message: messageName(hit.o.msg), packet: hit.o.packet, flow: hit.o.master, class: hit.o.cls },
  };
}

/** The finding of a REGISTER the table decided: its words are the outcome's (clashedRegister), as the check's and register.linux's. */
function registerClash(e: NatExpect, r: LinuxRegister): Finding {
  const clash = r.clash!;
  const wrote = e.pair ? contactPort(e.pair) : undefined;
  const evidence = { inside: [e.packet, clash.heldBy.packet], ...(e.pair ? { outside: [e.pair.packet] } : {}) };
  if (r.outcome === "dropped") {
    return finding("alg.fragile-input", `SIP REGISTER at inside packet ${e.packet}: Linux would have dropped it: ${r.reason}`,
      evidence, "an identical expectation of the same connection but another class makes nf_ct_expect_related fail with EALREADY, and nf_nat_exp_find_port gives up on anything but EBUSY");
  }
  return finding("alg.fragile-input", `SIP REGISTER at inside packet ${e.packet}: Linux would have moved its Contact: ${r.reason}${wrote !== undefined ? `; this router wrote Contact port ${wrote}` : ""}`,
    evidence, "an identical expectation of another connection makes nf_ct_expect_related (flags 0) fail with EBUSY; since Linux 6.1 the REGISTER's port is then searched at random from the wanted one up");
}

/** The outside m= ports that differ from the inside ones ("7002"), or undefined. */
function movedPorts(mi: SipMessageView, mo: SipMessageView | undefined): string | undefined {
  const a = mi.sdp?.media ?? [];
  const b = mo?.sdp?.media ?? [];
  const out = a.flatMap((m, k) => (b[k] && b[k]!.port !== m.port ? [String(b[k]!.port)] : []));
  return out.length ? out.join(", ") : undefined;
}
