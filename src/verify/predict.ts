/**
 * The conversation table a correct ALG must hold (Junos `show services stateful-firewall
 * conversations` shape, as in the seed's samples), and its comparison with the router's output.
 *
 * Per control session one conversation; per flow of it (the control connection: Watch; each
 * data/media flow its negotiations opened: Forward) two lines:
 *   I  inside host → remote, pre-NAT addresses, `NAT source inside → translated`;
 *      Frm count = that direction's packets in the INSIDE capture (where the router received them)
 *   O  remote → translated address, `NAT dest translated → inside`;
 *      Frm count = that direction's packets in the OUTSIDE capture
 * This holds whoever opened the flow (the seed lists an active-mode data flow with its I line
 * from the client). With one capture only, both lines come from it and carry no NAT lines.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { Flow } from "../types.js";
import type { RouterCounter, RouterEndpoint, RouterEvent, RouterExpectation, RouterFlow, RouterParseResult, NatTranslation } from "../router/types.js";
import type { Reconciliation } from "./nat.js";
import type { Check, Finding, NatMapping, PredictedConversation, PredictedFlow, VerifiedNegotiation, VerifiedSession } from "./types.js";
import { finding } from "./findings.js";
import { matchRouter, replyTuple, type CaptureSide, type DocumentMatch, type MatchCaptures, type RouterMatch } from "./router-match.js";
import { conntrackEventHelperChecks, registerExpectationChecks, srxSipCallChecks, srxSipTransactionChecks } from "./router-sip.js";
import { anyCut } from "./cuts.js";

/** ALG protocols whose conversations, errors and expectations are compared (Junos `ALG protocol:`, statistics `ALG errors:`). */
const ALG_PROTOCOLS = /^(ftp|rtsp|sip|tftp)$/i;
/** ALGs with a helper in mainline Linux (nf_conntrack_rtsp is out of tree): the control/signalling/request entry must carry it. */
const LINUX_HELPERS = new Set(["ftp", "sip", "tftp"]);

const protoWord = (p: string | number) => (typeof p === "number" ? String(p) : p.toUpperCase());

/** PredictedFlow.datagrams of one direction of a flow: only when it carried fragments. */
function datagramsOf(f: Flow, ab: boolean): { datagrams?: number | null } {
  if (!f.fragments) return {};
  if (!f.datagrams) return { datagrams: null };
  return { datagrams: ab ? f.datagrams.initiatorToResponder : f.datagrams.responderToInitiator };
}

function linesFor(m: NatMapping | undefined, fi: Flow | undefined, fo: Flow | undefined, control: boolean, bothSides = false): PredictedFlow[] {
  const state = control ? "Watch" : "Forward";
  const roles = control ? (["control initiator", "control responder"] as const) : (["data initiator", "data responder"] as const);
  if (m && fi && fo) {
    // Which end of each flow is the inside host: its initiator when it sent that capture's first
    // packet (both captures agree, but for a flow whose two first packets crossed at the router).
    const hostFirstInside = same(fi.initiator, m.inside);
    const hostFirstOutside = same(fo.initiator, m.translated);
    const ab = (f: Flow, fromInitiator: boolean) => (fromInitiator
      ? { frames: f.packets.initiatorToResponder, bytes: f.ipBytes.initiatorToResponder }
      : { frames: f.packets.responderToInitiator, bytes: f.ipBytes.responderToInitiator });
    // I line: the host's packets entering the router (inside); O line: the remote's (outside).
    const i = ab(fi, hostFirstInside);
    const o = ab(fo, !hostFirstOutside);
    const translated = m.inside.ip !== m.translated.ip || m.inside.port !== m.translated.port;
    const natS: NatTranslation[] = translated ? [{ kind: "source", from: m.inside, to: m.translated }] : [];
    const natD: NatTranslation[] = translated ? [{ kind: "dest", from: m.translated, to: m.inside }] : [];
    // First packets crossed: each line also carries its direction as it left the router (the other capture).
    const crossed = hostFirstInside !== hostFirstOutside;
    return [
      { proto: protoWord(fi.proto), src: m.inside, dst: m.remote, state, dir: "I", ...i, ...datagramsOf(fi, hostFirstInside), nat: natS, ...(crossed ? { firstPacketsCrossed: ab(fo, hostFirstOutside) } : {}), role: roles[0] },
      { proto: protoWord(fo.proto), src: m.remote, dst: m.translated, state, dir: "O", ...o, ...datagramsOf(fo, !hostFirstOutside), nat: natD, ...(crossed ? { firstPacketsCrossed: ab(fi, !hostFirstInside) } : {}), role: roles[1] },
    ];
  }
  const f = fi ?? fo;
  if (!f) return [];
  // One side only: the client (or whoever opened it) as the initiator. With both captures given,
  // a flow in one of them only did not cross the router (a router that dropped its first packet
  // keeps no conntrack entry for it: none is due).
  const crossed = bothSides ? { inferred: true } : {};
  return [
    { proto: protoWord(f.proto), src: f.initiator, dst: f.responder, state, dir: "I", frames: f.packets.initiatorToResponder, bytes: f.ipBytes.initiatorToResponder, ...datagramsOf(f, true), nat: [], ...crossed, role: roles[0] },
    { proto: protoWord(f.proto), src: f.responder, dst: f.initiator, state, dir: "O", frames: f.packets.responderToInitiator, bytes: f.ipBytes.responderToInitiator, ...datagramsOf(f, false), nat: [], ...crossed, role: roles[1] },
  ];
}

export function predictConversations(sessions: VerifiedSession[], inside: AnalyzeResult | undefined, outside: AnalyzeResult | undefined, nat: Reconciliation | undefined): PredictedConversation[] {
  const out: PredictedConversation[] = [];
  for (const s of sessions) {
    const flows: PredictedFlow[] = [];
    const add = (insideId: number | undefined, outsideId: number | undefined, control: boolean) => {
      const m = insideId !== undefined ? nat?.byInside.get(insideId) : outsideId !== undefined ? nat?.byOutside.get(outsideId) : undefined;
      const fi = inside && (insideId ?? m?.insideFlow) ? inside.scan.flows.get((insideId ?? m!.insideFlow)!) : undefined;
      const fo = outside && (outsideId ?? m?.outsideFlow) ? outside.scan.flows.get((outsideId ?? m!.outsideFlow)!) : undefined;
      flows.push(...linesFor(m, fi, fo, control, !!(inside && outside && nat)));
    };
    add(s.control.insideFlow, s.control.outsideFlow, true);
    const ctl = s.control.insideFlow !== undefined ? nat?.byInside.get(s.control.insideFlow) : undefined;
    const seen = new Set<string>();
    for (const n of s.negotiations) {
      const base = n.inside ?? n.outside!;
      base.expected.forEach((x, xi) => {
        const oi = n.inside?.observed.find((o) => o.expected === xi)?.flow;
        const oo = n.outside?.observed.find((o) => o.expected === xi)?.flow;
        // A flow seen is listed once per conversation, however many negotiations announced it (SIP:
        // the offer's and the answer's endpoints are the two ends of one symmetric RTP flow).
        const key = oi !== undefined || oo !== undefined ? `${oi}|${oo}` : `${oi}|${oo}|${xi}|${base.packet}`;
        if (seen.has(key)) return;
        seen.add(key);
        const m = oi !== undefined ? nat?.byInside.get(oi) : oo !== undefined ? nat?.byOutside.get(oo) : undefined;
        if (m || !nat || !ctl) {
          if (oi !== undefined || oo !== undefined) add(oi, oi === undefined ? oo : undefined, false);
          return;
        }
        // Seen on one side only (or not at all): the flow a correct ALG had to set up, with the
        // translation the payload announced (or the NAT address with the inside port kept).
        const fi = oi !== undefined ? inside?.scan.flows.get(oi) : undefined;
        const fo = oo !== undefined ? outside?.scan.flows.get(oo) : undefined;
        const clientIp = s.control.client.ip;
        const hostEp = fi ? (fi.initiator.ip === clientIp ? fi.initiator : fi.responder)
          : x.to.ip === clientIp || n.kind === "PORT" || n.kind === "EPRT" || n.kind === "LPRT" || n.kind === "SETUP" ? { ip: n.inside?.expected[xi]?.to.ip ?? x.to.ip, port: n.inside?.expected[xi]?.to.port ?? x.to.port } : undefined;
        // The remote end is the server's side of the flow (it is not translated).
        const serverIp = s.control.server.ip;
        const remoteEp = fi ? (fi.initiator.ip === clientIp ? fi.responder : fi.initiator)
          : fo ? (fo.initiator.ip === serverIp ? fo.initiator : fo.responder.ip === serverIp ? fo.responder : fo.initiator.ip === ctl.translated.ip ? fo.responder : fo.initiator)
          : x.from.port !== null ? x.from : undefined;
        if (!hostEp || hostEp.port === null || !remoteEp || remoteEp.port === null) return;
        const outAnn = n.outside?.announced;
        const translated = { ip: ctl.translated.ip, port: outAnn?.ip === ctl.translated.ip && outAnn.port !== undefined && xi === 0 ? outAnn.port : outAnn?.ip === ctl.translated.ip && outAnn?.rtcpPort !== undefined && xi === 1 ? outAnn.rtcpPort : hostEp.port };
        const mm: NatMapping = { proto: String(base.expected[xi].proto), direction: "inbound", inside: hostEp, translated, remote: remoteEp, portKept: translated.port === hostEp.port, evidence: {} };
        const iFwd = fi ? fi.initiator.ip === clientIp : false;
        const iFrames = fi ? (iFwd ? fi.packets.initiatorToResponder : fi.packets.responderToInitiator) : 0;
        const iBytes = fi ? (iFwd ? fi.ipBytes.initiatorToResponder : fi.ipBytes.responderToInitiator) : 0;
        const oHit = fo && ((fo.responder.ip === translated.ip && fo.responder.port === translated.port) || (fo.initiator.ip === translated.ip && fo.initiator.port === translated.port));
        const oFwd = fo ? fo.responder.ip === translated.ip : false;
        const oFrames = fo && oHit ? (oFwd ? fo.packets.initiatorToResponder : fo.packets.responderToInitiator) : 0;
        const oBytes = fo && oHit ? (oFwd ? fo.ipBytes.initiatorToResponder : fo.ipBytes.responderToInitiator) : 0;
        const proto = x.proto.toUpperCase();
        flows.push(
          { proto, src: mm.inside, dst: mm.remote, state: "Forward", dir: "I", frames: iFrames, bytes: iBytes, nat: [{ kind: "source", from: mm.inside, to: translated }], inferred: true, role: "data initiator" },
          { proto, src: mm.remote, dst: translated, state: "Forward", dir: "O", frames: oFrames, bytes: oBytes, nat: [{ kind: "dest", from: translated, to: mm.inside }], inferred: true, role: "data responder" },
        );
      });
    }
    // Junos lists initiator lines first, then responder lines.
    const kept = withoutShadowedInferred(flows);
    kept.sort((a, b) => (a.dir === b.dir ? 0 : a.dir === "I" ? -1 : 1));
    out.push({ alg: s.alg, flows: kept });
  }
  return out;
}

/**
 * An inferred line (a flow a correct ALG had to set up) whose tuple is a flow the captures show
 * crossing is that flow: dropped. (SIP without an ALG: the private SDP endpoint the far end sent to
 * is inferred as the NAT'd endpoint, the very flow the inside host's own RTP opened.)
 */
function withoutShadowedInferred(flows: PredictedFlow[]): PredictedFlow[] {
  if (!flows.some((p) => p.inferred)) return flows;
  const lineKey = (p: PredictedFlow) => `${p.proto}|${p.dir}|${epKey(p.src)}>${epKey(p.dst)}`;
  const seen = new Set(flows.filter((p) => !p.inferred).map(lineKey));
  return flows.filter((p) => !p.inferred || !seen.has(lineKey(p)));
}

const epKey = (e: { ip: string; port: number | null }) => `${e.ip}|${e.port}`;
const ep = (e: RouterEndpoint) => `${e.ip}:${e.port}`;
const natKey = (n: readonly NatTranslation[]) => n.map((x) => `${x.kind}:${epKey(x.from)}>${epKey(x.to)}`).sort().join(",");
const same = (a: RouterEndpoint, b: RouterEndpoint) => a.ip === b.ip && a.port === b.port;
const loc = (f: { location: { file: string; line: number } }) => [{ file: f.location.file, line: f.location.line }];
const flowName = (p: PredictedFlow) => `${p.role} ${p.proto} ${ep(p.src)} -> ${ep(p.dst)}`;

export interface CompareOptions {
  /** Frame-count difference tolerated (default 0). */
  frameTolerance?: number;
}

export interface CompareContext extends CompareOptions {
  /** False for router output alone: nothing predicted to compare the Junos conversations with. */
  withCaptures?: boolean;
  /** The captures the router output must belong to (router.unrelated, evidence per session). */
  captures?: MatchCaptures;
  /**
   * Why the captures show no translation to compare the router's with: one capture only (it shows
   * each flow on one side of the NAT), or two captures that were not paired (nat.captures-unrelated
   * / -identical). Then no translation is compared (never a router.nat-mismatch: what the router
   * did to the addresses is not in the captures), a router line or entry is found by the ends the
   * capture shows, either side of its NAT, and — captures not paired — a flow of a capture the
   * router output names nothing of is not called missing (the output is another run's).
   */
  translationUnknown?: string;
  /**
   * False when two captures were given and not paired (nat.captures-unrelated / -identical): each
   * predicted conversation's session then comes from one of them (VerifiedSession.control).
   */
  paired?: boolean;
}

/** What each predicted flow was compared with, and how that went: one check per flow. */
class FlowResults {
  private readonly m = new Map<PredictedFlow, { passed: string[]; failed: string[]; skipped: string[] }>();
  private get(p: PredictedFlow) {
    let r = this.m.get(p);
    if (!r) this.m.set(p, (r = { passed: [], failed: [], skipped: [] }));
    return r;
  }
  passed(p: PredictedFlow, why: string): void { this.get(p).passed.push(why); }
  failed(p: PredictedFlow, why: string): void { this.get(p).failed.push(why); }
  skipped(p: PredictedFlow, why: string): void { this.get(p).skipped.push(why); }
  check(conv: PredictedConversation, p: PredictedFlow, otherwise: string): Check {
    const r = this.m.get(p);
    const subject = `${conv.alg} ${flowName(p)} (${p.state} ${p.dir})`;
    if (r?.failed.length) return { check: "router-flow", subject, status: "failed", reason: [...r.failed, ...r.passed].join("; ") };
    if (r?.passed.length) return { check: "router-flow", subject, status: "passed", reason: [...r.passed, ...r.skipped].join("; ") };
    return { check: "router-flow", subject, status: "not-checked", reason: r?.skipped.length ? r.skipped.join("; ") : otherwise };
  }
}

interface Ctx {
  findings: Finding[];
  results: FlowResults;
  tol: number;
  match: RouterMatch;
  /** A capture was read only partly: a zero it shows may be packets it did not read. */
  partial: boolean;
  /** Counter differences not judged because a capture was read only partly (one not-checked entry). */
  unjudgedCounts: number;
  sessions?: VerifiedSession[];
  /**
   * Lines of the conntrack listings that could not be read (error diagnostics), said as "N
   * line(s) … (FILE line L, …)": an entry not found may be one of them, so none is called missing.
   */
  unreadConntrack?: string;
  /** CompareContext.translationUnknown. */
  translationUnknown?: string;
  /**
   * Captures not paired (CompareContext.paired false): why predicted conversation `ci`'s flows,
   * absent from the router output, are not called missing — the output names no flow of the
   * capture its session comes from; undefined when it does (or the captures are paired).
   */
  otherRun?: (ci: number) => string | undefined;
  /**
   * One capture given (translationUnknown): the side its lines show. (Not with two captures that
   * are not paired: a copy given as the other side, or a capture given as the wrong side, makes a
   * session's capture no guide to which side of the NAT it shows.)
   */
  oneSide?: CaptureSide;
  /** With translationUnknown: the capture whose packets conversation `ci`'s lines are (for what is said of them). */
  captureOf?: (ci: number) => CaptureSide | undefined;
}

/**
 * Predicted conversations ↔ the router's flows, counters, events and expectations; findings
 * appended, one check per router document and per predicted flow. Router documents that do not
 * belong to the captures (router.unrelated) are reported and then left out: nothing is quoted from
 * them. Returns the matching, for answers that quote router lines about a session.
 */
export function compareWithRouter(predicted: PredictedConversation[], router: RouterParseResult[], findings: Finding[], opts: CompareContext = {}, sessions?: VerifiedSession[], checks: Check[] = []): RouterMatch {
  const match = matchRouter(router, opts.captures ?? {});
  documentChecks(match, findings, checks);
  const flows = router.flatMap((r) => r.flows).filter(match.usable);
  const ctx: Ctx = {
    findings, results: new FlowResults(), tol: opts.frameTolerance ?? 0, match, sessions,
    partial: !!(opts.captures?.inside?.scan.info.partial || opts.captures?.outside?.scan.info.partial), unjudgedCounts: 0,
    translationUnknown: opts.translationUnknown,
    otherRun: opts.paired === false && sessions ? otherRunOf(router, match, sessions) : undefined,
    oneSide: !opts.translationUnknown || opts.paired === false ? undefined
      : opts.captures?.inside && !opts.captures.outside ? "inside" : opts.captures?.outside && !opts.captures.inside ? "outside" : undefined,
  };
  if (opts.translationUnknown) ctx.captureOf = opts.paired === false ? (ci) => sideOf(sessions?.[ci]) : () => ctx.oneSide;
  const formats = (re: RegExp) => match.documents.filter((d) => re.test(d.format));
  const junos = flows.filter((f) => f.format === "junos-conversations");
  if (opts.withCaptures !== false) {
    if (junos.length) compareJunos(predicted, junos, ctx);
    else noteAbsent(predicted, formats(/^junos-conversations$/), "Junos conversations", ctx.results);
  }
  algErrors(router.flatMap((r) => r.counters), findings);
  syslogChecks(predicted, router.flatMap((r) => r.events).filter(match.usable), findings);
  const conntrack = flows.filter((f) => f.format === "conntrack");
  // Only entries naming a captured flow can be a predicted flow's (with captures to judge by).
  const judged = match.documents.some((d) => d.related !== undefined);
  const ctFiles = new Set(conntrack.map((f) => f.location.file));
  const unread = router.flatMap((r) => r.diagnostics).filter((d) => d.severity === "error" && d.line !== undefined && ctFiles.has(d.file));
  if (unread.length) ctx.unreadConntrack = `${unread.length} line(s) of the conntrack listing could not be read (${unread.slice(0, 3).map((d) => `${d.file} line ${d.line}`).join(", ")}${unread.length > 3 ? ", …" : ""})`;
  if (conntrack.length) compareConntrack(predicted, judged ? conntrack.filter((f) => match.captured(f).length > 0) : conntrack, ctx);
  else noteAbsent(predicted, formats(/^conntrack$/), "conntrack", ctx.results);
  conntrackEventHelperChecks(predicted, router.flatMap((r) => r.events).filter(match.usable), conntrack.length > 0, findings, checks);
  const expectDocs = formats(/^conntrack-expect/).filter((d) => d.related !== false);
  if (expectDocs.length) {
    expectationChecks(router.flatMap((r) => r.expectations).filter(match.usable), findings, checks, sessions, opts.captures ?? {}, opts.translationUnknown ? { why: opts.translationUnknown, side: ctx.oneSide } : undefined);
  }
  srxSipCallChecks(router, opts.captures ?? {}, checks, findings);
  srxSipTransactionChecks(router, opts.captures ?? {}, findings, checks);
  const otherwise = !router.length ? "no router output given"
    : formats(/^conntrack-events$/).some((d) => d.related !== false) ? "only conntrack -E events were given about flows: they are compared for the control connection's helper (conntrack-event checks), not flow by flow"
    : "no router output about flows was given (statistics, syslog or status only)";
  for (const c of predicted) for (const p of c.flows) checks.push(ctx.results.check(c, p, otherwise));
  if (ctx.unjudgedCounts) {
    const damaged = (["inside", "outside"] as const).filter((side) => opts.captures?.[side]?.scan.info.partial);
    checks.push({ check: "router-counters", subject: router.map((r) => r.file).join(", "), status: "not-checked", reason: `the ${damaged.join(" and ")} capture is damaged: ${ctx.unjudgedCounts} counter comparison(s) would rest on packets that were not read` });
  }
  return match;
}

/** One check per router document; router.unrelated for each that does not belong to the captures. */
function documentChecks(match: RouterMatch, findings: Finding[], checks: Check[]): void {
  for (const d of match.documents) {
    const subject = `${d.file} (${d.format}, line ${d.line})`;
    checks.push({ check: "router-document", subject, status: d.related === true ? "passed" : d.related === false ? "failed" : "not-checked", reason: d.reason });
    if (d.related === false) findings.push(finding("router.unrelated", `${d.file}: this ${d.format} output does not belong to the captures: ${d.reason}`, { router: [{ file: d.file, line: d.line }] }));
  }
}

/**
 * Captures not paired: for conversation `ci`, why the router output is another run's than its
 * session's capture (it names no flow of that capture), or undefined when it names one.
 */
function otherRunOf(router: RouterParseResult[], match: RouterMatch, sessions: VerifiedSession[]): (ci: number) => string | undefined {
  const named = new Set<CaptureSide>();
  for (const r of router) {
    for (const list of [r.flows, r.events, r.expectations] as const) {
      for (const x of list) {
        if (!match.usable(x)) continue;
        for (const c of match.captured(x)) named.add(c.side);
      }
    }
  }
  return (ci) => {
    const side = sideOf(sessions[ci]);
    return side && !named.has(side) ? `the router output names no flow of the ${side} capture, whose session this is: it was taken in another run (the captures are not paired)` : undefined;
  };
}

/**
 * With one capture's view of a flow (Ctx.captureOf): why a flow it shows one way only is not known
 * to have crossed the router (a router that dropped it holds no entry for it); undefined when it
 * shows both ways (the far end answered through the router), or the captures are paired.
 */
function oneWayOnly(ctx: Ctx, ci: number, p: PredictedFlow, o: PredictedFlow | undefined): string | undefined {
  const side = ctx.captureOf?.(ci);
  if (!side || (p.frames > 0 && (o?.frames ?? 0) > 0)) return undefined;
  return `the ${side} capture ${ctx.oneSide ? "alone " : ""}shows it one way only: whether it crossed the router is not known`;
}

/** The capture a session of unpaired captures comes from (its control connection's). */
const sideOf = (s: VerifiedSession | undefined): CaptureSide | undefined =>
  s?.control.insideFlow !== undefined ? "inside" : s?.control.outsideFlow !== undefined ? "outside" : undefined;

/**
 * A router line that is predicted line `p` as one capture saw it, either side of the line's NAT
 * (CompareContext.translationUnknown): the line's packets with their source as its NAT source
 * leaves it or their destination as its NAT dest leaves it (an I line seen outside, an O line seen
 * inside), or as printed. Its I/O label is not compared: one capture cannot tell which end is the
 * inside host, so a predicted line names the end that opened the flow first (an active FTP data
 * connection's I line is the server's), while Junos labels by the inside host; the tuple,
 * directed, is one line's only.
 */
function oneSideView(f: RouterFlow, p: PredictedFlow): boolean {
  if (String(f.proto).toUpperCase() !== p.proto) return false;
  if (same(f.src, p.src) && same(f.dst, p.dst)) return true;
  const s = f.nat.find((n) => n.kind === "source")?.to;
  const d = f.nat.find((n) => n.kind === "dest")?.to;
  return (s !== undefined && same(s, p.src) && same(f.dst, p.dst)) || (d !== undefined && same(f.src, p.src) && same(d, p.dst));
}

/** Predicted flows not compared with a kind of router output, because all of it was unrelated. */
function noteAbsent(predicted: PredictedConversation[], docs: DocumentMatch[], what: string, results: FlowResults): void {
  if (!docs.length) return;
  const why = docs.every((d) => d.related === false) ? `the ${what} output given is unrelated to the captures (router.unrelated)` : `the ${what} output given holds no flow`;
  for (const c of predicted) for (const p of c.flows) results.skipped(p, why);
}

/** The captures show the ALG rewriting this session's payload (an address or port changed on the way through, as the NAT requires). */
function rewriteSeen(s: VerifiedSession | undefined): VerifiedNegotiation | undefined {
  return s?.negotiations.find((n) => {
    const a = n.inside?.announced, b = n.outside?.announced;
    return n.rewrite?.ok === true && a !== undefined && b !== undefined && (a.ip !== b.ip || a.port !== b.port);
  });
}

function compareJunos(predicted: PredictedConversation[], junos: RouterFlow[], ctx: Ctx): void {
  const { findings, results, match } = ctx;
  const used = new Set<RouterFlow>();
  const convKey = (f: RouterFlow) => `${f.location.file}|${f.document}|${f.conversation ?? 0}`;
  const exact = (f: RouterFlow, p: PredictedFlow) => !used.has(f) && String(f.proto).toUpperCase() === p.proto && same(f.src, p.src) && same(f.dst, p.dst) && (f.direction ?? p.dir) === p.dir;
  // Same flow with another translation: I lines by their pre-NAT ends, O lines by the remote
  // end and the inside host their NAT dest leads to.
  const loose = (f: RouterFlow, p: PredictedFlow) => {
    if (used.has(f) || String(f.proto).toUpperCase() !== p.proto || (f.direction ?? p.dir) !== p.dir) return false;
    if (p.dir === "I") return same(f.src, p.src) && same(f.dst, p.dst);
    const fd = f.nat.find((n) => n.kind === "dest");
    const pd = p.nat.find((n) => n.kind === "dest");
    return same(f.src, p.src) && fd !== undefined && pd !== undefined && same(fd.to, pd.to);
  };
  predicted.forEach((conv, ci) => {
    const session = ctx.sessions?.[ci];
    const ctlI = conv.flows.find((p) => p.role === "control initiator");
    const rctl = !ctlI ? undefined : junos.find((f) => String(f.proto).toUpperCase() === ctlI.proto && same(f.src, ctlI.src) && same(f.dst, ctlI.dst) && f.direction === "I") ??
      (ctx.translationUnknown ? junos.find((f) => f.direction === "I" && oneSideView(f, ctlI)) : undefined);
    const key = rctl ? convKey(rctl) : undefined;
    // The seed: control flows are always Watch. A control flow the router only forwards while the
    // captures show its payload rewritten contradicts the captures (router.state-mismatch, per
    // line); without a rewrite in the captures it says the ALG is not applied (router.alg-inactive).
    const rewrite = rewriteSeen(session);
    const wrongAlg = rctl !== undefined && rctl.alg !== undefined && !ALG_PROTOCOLS.test(rctl.alg);
    const notWatch = rctl !== undefined && (rctl.state ?? "").toLowerCase() !== "watch";
    const inactive = wrongAlg || (notWatch && !rewrite);
    if (inactive) {
      findings.push(finding("router.alg-inactive", `control flow ${ep(ctlI!.src)} -> ${ep(ctlI!.dst)} is ${rctl!.state ?? "?"} in a conversation with ALG protocol ${rctl!.alg ?? "?"}`, { router: loc(rctl!) }));
    }
    const portMismatchSeen = new Set<string>();
    for (const p of conv.flows) {
      const unknown = ctx.translationUnknown;
      const m = junos.find((f) => exact(f, p)) ?? junos.find((f) => (key === undefined || convKey(f) === key) && loose(f, p)) ??
        (unknown ? junos.find((f) => !used.has(f) && oneSideView(f, p)) : undefined);
      if (!m) {
        const other = ctx.otherRun?.(ci) ?? oneWayOnly(ctx, ci, p, conv.flows.find((x) => x !== p && same(x.src, p.dst) && same(x.dst, p.src)));
        if (other) {
          results.skipped(p, `Junos: not in the conversations output, and ${other}`);
          continue;
        }
        findings.push(finding("router.flow-missing", `${flowName(p)} (${p.state} ${p.dir}) is not in the router output`, {}));
        results.failed(p, "Junos: not in the conversations output (router.flow-missing)");
        continue;
      }
      used.add(m);
      const bad: string[] = [];
      const where = `${m.location.file}:${m.location.line}`;
      if ((!inactive || (rewrite && notWatch)) && (m.state ?? "").toLowerCase() !== p.state.toLowerCase()) {
        const why = rewrite && notWatch && p.role.startsWith("control")
          ? ` while the captures show the ALG rewriting its payload (${rewrite.kind} "${rewrite.inside!.line}" → "${rewrite.outside!.line}"): control flows are always Watch`
          : "";
        findings.push(finding("router.state-mismatch", `${p.role} ${ep(p.src)} -> ${ep(p.dst)} is ${m.state} on the router, expected ${p.state}${why}`, {
          router: loc(m), ...(why ? { inside: [rewrite!.inside!.packet], outside: [rewrite!.outside!.packet] } : {}),
        }));
        bad.push("router.state-mismatch");
      }
      if (!unknown) bad.push(...junosNat(m, p, portMismatchSeen, findings));
      bad.push(...frameCount(m, p, (same(m.src, p.src) && same(m.dst, p.dst)) || (unknown !== undefined && oneSideView(m, p)), ctx));
      const agree = unknown ? "state" : "state and NAT";
      const natNote = unknown ? `; NAT not compared: ${unknown}` : "";
      if (bad.length) results.failed(p, `Junos ${where}: ${bad.join(", ")}`);
      else results.passed(p, ctx.partial && m.frames !== undefined ? `Junos ${where}: ${agree} agree; frame count not judged (${UNREAD_COUNTS})${natNote}` : `Junos ${where}: ${unknown ? "state and frame count" : "state, NAT and frame count"} agree${natNote}`);
    }
    // Router flows of this conversation no prediction explains: pinholes the ALG opened.
    if (key === undefined) return;
    const natIp = ctlI?.nat[0]?.to.ip;
    for (const f of junos) {
      if (used.has(f) || convKey(f) !== key) continue;
      used.add(f);
      const t = f.direction === "O" ? f.dst : f.nat.find((n) => n.kind === "source")?.to ?? f.src;
      const announced = session?.negotiations.map((n) => n.outside?.announced).filter((a) => a?.port !== undefined) ?? [];
      if (natIp && t.ip !== natIp && announced.some((a) => a!.ip === t.ip)) {
        findings.push(finding("router.nat-mismatch", `the router's ${f.state ?? ""} flow ${ep(f.src)} -> ${ep(f.dst)} is translated to ${t.ip}, while the control connection leaves the NAT as ${natIp}`, { router: loc(f) }));
      } else if (announced.some((a) => a!.ip === t.ip && a!.port === t.port)) {
        // The pinhole for an announced endpoint (traffic may not have come yet).
      } else if (announced.some((a) => a!.ip === t.ip)) {
        findings.push(finding("alg.payload-port-mismatch", `the router holds a pinhole at ${t.ip}:${t.port}, but the payload announced ${announced.filter((a) => a!.ip === t.ip).map((a) => `${a!.ip}:${a!.port}`).join(", ")}`, { router: loc(f) }));
      } else {
        findings.push(finding("router.flow-unexpected", `${f.state ?? ""} ${f.direction ?? ""} ${ep(f.src)} -> ${ep(f.dst)} (${f.alg}) has no negotiation behind it in the captures`, { router: loc(f) }));
      }
    }
  });
  // ALG conversations of no predicted session: flagged when they name captured traffic; one that
  // names nothing captured is another user's conversation on the same router.
  const aboutCaptures = new Set<string>();
  for (const f of junos) if (match.captured(f).length) aboutCaptures.add(convKey(f));
  const judged = match.documents.some((d) => d.related !== undefined);
  for (const f of junos) {
    if (used.has(f) || !f.alg || !ALG_PROTOCOLS.test(f.alg) || (judged && !aboutCaptures.has(convKey(f)))) continue;
    findings.push(finding("router.flow-unexpected", `${f.state ?? ""} ${f.direction ?? ""} ${ep(f.src)} -> ${ep(f.dst)} (${f.alg}) has no negotiation behind it in the captures`, { router: loc(f) }));
  }
}

/** The Junos NAT lines of a matched flow against the translation the captures show. */
function junosNat(m: RouterFlow, p: PredictedFlow, portMismatchSeen: Set<string>, findings: Finding[]): string[] {
  if (natKey(m.nat) === natKey(p.nat)) return [];
  const pt = p.nat[0]?.kind === "source" ? p.nat[0].to : p.nat[0]?.from;
  const rn = m.nat.find((n) => n.kind === p.nat[0]?.kind);
  const rt = rn ? (rn.kind === "source" ? rn.to : rn.from) : undefined;
  if (p.inferred && pt && rt && pt.ip === rt.ip && pt.port !== rt.port) {
    const k = `${pt.ip}|${pt.port}|${rt.port}`;
    if (portMismatchSeen.has(k)) return ["alg.payload-port-mismatch"];
    portMismatchSeen.add(k);
    findings.push(finding("alg.payload-port-mismatch", `the payload announced ${pt.ip}:${pt.port}, but the router translates the data flow to ${rt.ip}:${rt.port}`, { router: loc(m) }));
    return ["alg.payload-port-mismatch"];
  }
  findings.push(finding("router.nat-mismatch", `${p.role} ${ep(p.src)} -> ${ep(p.dst)}: router NAT ${natKey(m.nat) || "none"}, captures show ${natKey(p.nat) || "none"}`, { router: loc(m) }));
  return ["router.nat-mismatch"];
}

/**
 * A router packet count against the captures'. The seed reads a valid frame count in a data flow
 * as "data transfer has taken place", so a zero where the captures show packets, or a count where
 * they show none, is a contradiction (router.frame-count-contradiction, an error, whatever
 * --frame-tolerance says); other differences are drift beyond the tolerance (warning).
 */
function frameCount(m: RouterFlow, p: PredictedFlow, sameTuple: boolean, ctx: Ctx): string[] {
  if (m.frames === undefined) return [];
  const what = `${flowName(p)} (${p.state} ${p.dir}): router counts ${m.frames} frames, the captures ${p.frames}`;
  // A line matched by its untranslated ends only (another translation) counts another flow's
  // packets: no contradiction can be read from it.
  if (sameTuple && m.frames === 0 && p.frames > 0) {
    ctx.findings.push(finding("router.frame-count-contradiction", `${what}: a zero where traffic passed`, { router: loc(m) }));
    return ["router.frame-count-contradiction"];
  }
  if (sameTuple && m.frames > 0 && p.frames === 0 && !ctx.partial) {
    ctx.findings.push(finding("router.frame-count-contradiction", `${what}: a count where no packet passed`, { router: loc(m) }));
    return ["router.frame-count-contradiction"];
  }
  if (Math.abs(m.frames - p.frames) > ctx.tol) return countsDiffer(ctx, "router.frame-count-mismatch", `${p.role} ${ep(p.src)} -> ${ep(p.dst)}: router counts ${m.frames} frames, the captures ${p.frames}`, loc(m));
  return [];
}

/**
 * A router count that differs from the captures': a finding, or with a capture read only partly
 * nothing judged (the count would rest on packets that were not read; counted for the
 * router-counters not-checked entry).
 */
function countsDiffer(ctx: Ctx, code: "router.frame-count-mismatch" | "conntrack.counter-mismatch", text: string, router: ReturnType<typeof loc>, detail?: string): string[] {
  if (ctx.partial) {
    ctx.unjudgedCounts++;
    return [];
  }
  ctx.findings.push(finding(code, text, { router }, detail));
  return [code];
}

/** Why counters are not judged against a damaged capture (countsDiffer). */
const UNREAD_COUNTS = "a capture is damaged: the count would rest on packets that were not read";

function algErrors(counters: RouterCounter[], findings: Finding[]): void {
  for (const c of counters) {
    if (/alg errors/i.test(c.section) && ALG_PROTOCOLS.test(c.label) && c.value > 0) {
      findings.push(finding("router.alg-errors", `${c.label} ALG errors: ${c.value}`, { router: [{ file: c.location.file, line: c.location.line }] }));
    }
  }
}

function syslogChecks(predicted: PredictedConversation[], events: RouterEvent[], findings: Finding[]): void {
  const sfw = events.filter((e) => e.format === "junos-syslog");
  if (!sfw.length) return;
  for (const e of sfw.filter((x) => /NO_RULE_DROP/.test(x.tag))) {
    const hit = predicted.some((c) => c.flows.some((p) => epKey(p.src) === epKey(e.src) && epKey(p.dst) === epKey(e.dst)));
    if (hit) findings.push(finding("router.no-rule-drop", `${e.tag} for ${ep(e.src)} -> ${ep(e.dst)}, a flow the ALG should allow`, { router: [{ file: e.location.file, line: e.location.line }] }));
  }
  // SIP dialogs sharing one signalling flow are several conversations: its line is looked for once
  const looked = new Set<string>();
  for (const c of predicted) {
    const ctl = c.flows.find((p) => p.role === "control initiator");
    const key = ctl && `${ctl.proto}|${epKey(ctl.src)}>${epKey(ctl.dst)}`;
    if (!ctl || looked.has(key!)) continue;
    looked.add(key!);
    // the client's port too: TFTP requests of one client all go to port 69, each its own control flow
    const ok = sfw.some((e) => /RULE_ACCEPT|CREATE_ACCEPT_FLOW/.test(e.tag) && e.dst.ip === ctl.dst.ip && e.dst.port === ctl.dst.port && e.src.ip === ctl.src.ip && (e.src.port == null || e.src.port === ctl.src.port));
    if (!ok) findings.push(finding("router.syslog-event-missing", `no ASP_SFW_RULE_ACCEPT / CREATE_ACCEPT_FLOW line for control flow ${ep(ctl.src)} -> ${ep(ctl.dst)}`, {}));
  }
}

/**
 * conntrack flow by flow, like the Junos conversations: per predicted flow (its I and O lines) the
 * entry whose original or reply tuple is one of them. The entry must be there when the captures
 * show the flow crossing the router (router.flow-missing; conntrack holds no entry for a
 * connection that never crossed, its pinhole is an expectation); its tuples must carry the
 * translation the captures show (reply tuple = translated; router.nat-mismatch); the FTP control
 * entry its helper (conntrack.helper-missing); and its counters the captures' packets and bytes.
 *
 * Accounting (nf_conntrack_acct=1) counts each packet once, where the router received it, with
 * its IP total length before any NAT/ALG mangling: the original direction on the interface the
 * opener's packets arrive at, the reply direction on the other. So for a flow opened from inside,
 * orig = the I line (inside capture) and reply = the O line (outside capture); for one opened from
 * outside through a pinhole (active FTP data, media to the NAT address), orig = the O line and
 * reply = the I line.
 */
/** A predicted flow's I line, its O line, and the conntrack entries found for them. */
interface CtPair {
  /** Index of the conversation in the prediction (of its session in Ctx.sessions). */
  ci: number;
  c: PredictedConversation;
  p: PredictedFlow;
  o?: PredictedFlow;
  /** First entry with original = I line or reply = O line (opened from inside), and with original = O or reply = I. */
  outbound?: RouterFlow;
  inbound?: RouterFlow;
}

const tupleKey = (proto: string, src: RouterEndpoint, dst: RouterEndpoint) => `${proto.toUpperCase()}|${epKey(src)}>${epKey(dst)}`;

/**
 * Whether an entry's original (`orig`) or reply tuple can be a flow as the capture on `side` saw
 * it (CompareContext.translationUnknown: one capture's view): a tuple the NAT rewrote is on one
 * side of it only. Source NAT (reply destination ≠ original source): the original tuple is the
 * inside's, the reply the outside's; destination NAT (reply source ≠ original destination, a
 * connection opened from outside): the original is the outside's, the reply the inside's. Without
 * a translation, or with both, either tuple may be either side's. (An outside capture holding the
 * remote's media to the inside host's own private address shows the reverse of a source-NAT'd
 * entry's original tuple: another flow, which never crossed.)
 */
function tupleOnSide(e: RouterFlow, reply: { src: RouterEndpoint; dst: RouterEndpoint }, orig: boolean, side: CaptureSide | undefined): boolean {
  if (!side) return true;
  const snat = !same(reply.dst, e.src);
  const dnat = !same(reply.src, e.dst);
  if (snat === dnat) return true;
  return (snat ? "inside" : "outside") === (orig ? side : side === "inside" ? "outside" : "inside");
}

/** The entries of each predicted pair, in one pass over the entries (a dump may hold a million). */
function conntrackPairs(predicted: PredictedConversation[], entries: RouterFlow[], oneSide?: CaptureSide): CtPair[] {
  const pairs: CtPair[] = [];
  // tuple key → [pair, which line: "I" | "O"]
  const wanted = new Map<string, [CtPair, "I" | "O"][]>();
  const want = (k: string, v: [CtPair, "I" | "O"]) => {
    const list = wanted.get(k);
    if (list) list.push(v);
    else wanted.set(k, [v]);
  };
  for (let ci = 0; ci < predicted.length; ci++) {
    const c = predicted[ci]!;
    for (const p of c.flows) {
      if (p.dir !== "I") continue;
      // Its O line: from the I line's remote end, NAT dest leading back to the I line's source.
      const o = c.flows.find((x) => x.dir === "O" && x.role.startsWith(p.role.split(" ")[0]) && same(x.src, p.dst) &&
        (x.nat.some((n) => n.kind === "dest" && same(n.to, p.src)) || (!x.nat.length && same(x.dst, p.src))));
      const pair: CtPair = { ci, c, p, o };
      pairs.push(pair);
      want(tupleKey(p.proto, p.src, p.dst), [pair, "I"]);
      if (o) want(tupleKey(o.proto, o.src, o.dst), [pair, "O"]);
    }
  }
  for (const e of entries) {
    const proto = String(e.proto);
    const orig = wanted.get(tupleKey(proto, e.src, e.dst));
    const r = replyTuple(e.src, e.dst, e.nat);
    const reply = wanted.get(tupleKey(proto, r.src, r.dst));
    // Opened from inside: original = I line, reply = O line; from outside: original = O, reply = I.
    for (const [pair, line] of orig ?? []) {
      if (!tupleOnSide(e, r, true, oneSide)) continue;
      if (line === "I") pair.outbound = latest(pair.outbound, e);
      else pair.inbound = latest(pair.inbound, e);
    }
    for (const [pair, line] of reply ?? []) {
      if (!tupleOnSide(e, r, false, oneSide)) continue;
      if (line === "O") pair.outbound = latest(pair.outbound, e);
      else pair.inbound = latest(pair.inbound, e);
    }
  }
  return pairs;
}

/**
 * Of two conntrack entries of one connection (dumps taken at different times: the lab keeps one
 * during the transfer and one after), the one taken last: counters only grow while a connection
 * lives, so the higher packet count (the first given on a tie, or without accounting). An earlier
 * snapshot's lower counts are not a mismatch, so only the latest is compared.
 */
function latest(a: RouterFlow | undefined, b: RouterFlow): RouterFlow {
  if (!a) return b;
  const total = (x: RouterFlow) => (x.packets?.orig ?? 0) + (x.packets?.reply ?? 0);
  return total(b) > total(a) ? b : a;
}

function compareConntrack(predicted: PredictedConversation[], entries: RouterFlow[], ctx: Ctx): void {
  const { findings, results } = ctx;
  const is = (t: { src: RouterEndpoint; dst: RouterEndpoint }, l: PredictedFlow | undefined) => l !== undefined && same(t.src, l.src) && same(t.dst, l.dst);
  const reply = (x: RouterFlow) => replyTuple(x.src, x.dst, x.nat);
  // One entry may be the control connection of several sessions (SIP dialogs sharing a signalling
  // flow): its helper is reported once.
  const helperReported = new Set<RouterFlow>();
  for (const pair of conntrackPairs(predicted, entries, ctx.oneSide)) {
    const { ci, c, p, o } = pair;
    const lines = o ? [p, o] : [p];
    const outbound = pair.outbound;
    const inbound = outbound ? undefined : pair.inbound;
    const e = outbound ?? inbound;
    const crossed = !p.inferred && !o?.inferred;
    if (!e) {
      // Not called missing: a flow one capture shows one way only (oneWayOnly), one the unread
      // lines may hold, or another run's (otherRun).
      const oneWay = crossed ? oneWayOnly(ctx, ci, p, o) : undefined;
      const otherRun = crossed && !oneWay && !ctx.unreadConntrack ? ctx.otherRun?.(ci) : undefined;
      if (oneWay ?? otherRun) {
        for (const l of lines) results.skipped(l, `conntrack: no entry, and ${oneWay ?? otherRun}`);
      } else if (crossed && ctx.unreadConntrack) {
        for (const l of lines) results.skipped(l, `conntrack: no entry among the lines read, but ${ctx.unreadConntrack}: it may be one of them`);
      } else if (crossed) {
        findings.push(finding("router.flow-missing", `${flowName(p)}: no conntrack entry, though the captures show it crossing the router`, {}));
        for (const l of lines) results.failed(l, "conntrack: no entry (router.flow-missing)");
      } else {
        for (const l of lines) results.skipped(l, "conntrack: no entry, as none is due: the captures show it did not cross the router (conntrack lists connections that did; the pinhole is an expectation)");
      }
      continue;
    }
    const bad: string[] = [];
    const where = `conntrack ${e.location.file}:${e.location.line}`;
    // A flow opened from outside whose outside capture lacks it has no original line (the inside
    // one is its reply): neither its translation nor its original counters can be compared.
    const [origLine, replyLine] = outbound ? [p, o] : [o, p];
    // Mainline Linux has no RTSP helper (nf_conntrack_rtsp is out of tree): FTP's, SIP's and TFTP's are due.
    const helperDue = p.role === "control initiator" && outbound && LINUX_HELPERS.has(c.alg);
    if (helperDue && e.alg !== c.alg) {
      if (!helperReported.has(e)) findings.push(finding("conntrack.helper-missing", `${(c.alg as string) === "sip" ? "SIP signalling" : c.alg === "tftp" ? "TFTP request" : "control"} connection ${ep(p.src)} -> ${ep(p.dst)} has ${e.alg ? `helper=${e.alg}, not helper=${c.alg}` : "no helper="}`, { router: loc(e) }));
      helperReported.add(e);
      bad.push("conntrack.helper-missing");
    }
    // The translation: both tuples as the captures show them (not for a flow that never crossed:
    // its translation is only what a correct ALG would have set up).
    const unknown = ctx.translationUnknown;
    if (crossed && origLine && replyLine && !unknown && !(is(e, origLine) && is(reply(e), replyLine))) {
      const r = reply(e);
      findings.push(finding("router.nat-mismatch", `${flowName(p)}: conntrack original ${ep(e.src)} -> ${ep(e.dst)}, reply ${ep(r.src)} -> ${ep(r.dst)}; the captures show ${ep(origLine.src)} -> ${ep(origLine.dst)}, reply ${ep(replyLine.src)} -> ${ep(replyLine.dst)}`, { router: loc(e) }));
      bad.push("router.nat-mismatch");
    }
    const counters = conntrackCounters(e, p, origLine, replyLine, outbound !== undefined, ctx);
    bad.push(...counters.bad);
    // What was compared, and what could not be: a check with nothing compared is skipped, not passed.
    const compared: string[] = [];
    if (crossed && origLine && replyLine && !unknown) compared.push("tuples (NAT)");
    if (helperDue) compared.push("helper");
    const notes: string[] = [];
    if (e.packets?.orig === undefined) notes.push("no counters (accounting off)");
    else if (ctx.partial) notes.push(`counters not judged (${UNREAD_COUNTS})`);
    else {
      compared.push(lines.some((l) => l.datagrams !== undefined) ? "counters (packets as datagrams, a fragmented one once; bytes not compared: fragmented)" : counters.clash ? `counters (${counters.clash})`
        : ctx.oneSide ? `counters (packets both ways; bytes of the direction entering the router on the ${ctx.oneSide} side only)`
        : ctx.translationUnknown ? `counters (packets; bytes not compared: ${ctx.translationUnknown})` : "counters");
    }
    if (unknown) notes.push(`tuples (NAT) not compared: ${unknown}`);
    if (!origLine) notes.push("the original direction's capture lacks the flow: its translation and original counters not compared");
    else if (!replyLine) notes.push("the reply direction's capture lacks the flow: its translation and reply counters not compared");
    const note = notes.length ? `; ${notes.join("; ")}` : "";
    for (const l of lines) {
      if (bad.length) results.failed(l, `${where}: ${bad.join(", ")}`);
      else if (compared.length) results.passed(l, `${where}: ${compared.join(", ")} agree${note}`);
      else results.skipped(l, `${where}: nothing compared${note}`);
    }
  }
}

/**
 * conntrack's per-direction packets and bytes against the captures (zero against traffic: a
 * contradiction). conntrack counts a fragmented datagram once, so its packets= are compared with
 * the captures' datagrams (PredictedFlow.datagrams; unknown for a fragmented TCP flow: not
 * compared), and the bytes of a fragmented flow are not compared exactly (every fragment carries
 * its own IP header; conntrack counts the reassembled datagram's).
 */
function conntrackCounters(e: RouterFlow, p: PredictedFlow, origLine: PredictedFlow | undefined, replyLine: PredictedFlow | undefined, outbound: boolean, ctx: Ctx): { bad: string[]; clash?: string } {
  if (e.packets?.orig === undefined) return { bad: [] };
  const fmt = (a: number | undefined, b: number | undefined) => `${a ?? "?"}/${b ?? "?"}`;
  // One capture's view (Ctx.oneSide): both lines are its packets; those of the direction that
  // left the router there (the O line inside, the I line outside) may have had their payload
  // rewritten by the ALG after conntrack counted them, so only their packets are compared. Two
  // captures not paired: which side a line's packets were taken on is not known, so no bytes.
  const side = ctx.oneSide;
  const left: PredictedFlow["dir"] | undefined = side === "inside" ? "O" : side === "outside" ? "I" : undefined;
  const noBytes = ctx.translationUnknown !== undefined && !side;
  const detail = side
    ? `the ${side} capture alone shows the flow: packets compared both ways, bytes only of the direction entering the router on that side (the other left it there, its payload possibly rewritten by the ALG after conntrack counted it)`
    : noBytes ? `packets compared, bytes not: ${ctx.translationUnknown}`
    : outbound ? "opened from inside: original = inside capture, reply = outside capture" : "opened from outside: original = outside capture, reply = inside capture";
  const fragmented = origLine?.datagrams !== undefined || replyLine?.datagrams !== undefined;
  const count = (l: PredictedFlow | undefined) => (l === undefined ? undefined : l.datagrams === undefined ? l.frames : l.datagrams ?? undefined);
  const bytes = (l: PredictedFlow | undefined) => (fragmented || noBytes || (l && l.dir === left) ? undefined : l?.bytes);
  const [co, cr, bo, br] = [count(origLine), count(replyLine), bytes(origLine), bytes(replyLine)];
  const captured = fragmented
    ? `captures datagrams (a fragmented one once, as conntrack counts) ${fmt(co, cr)} of packets ${fmt(origLine?.frames, replyLine?.frames)}, bytes not compared (each fragment carries its own IP header)`
    : `captures packets ${fmt(co, cr)}, bytes ${fmt(bo, br)}`;
  const text = `${flowName(p)}: conntrack (original/reply) packets ${fmt(e.packets.orig, e.packets.reply)}, bytes ${fmt(e.bytes?.orig, e.bytes?.reply)}; ${captured}`;
  const zeroVs = (ct: number | undefined, cap: number | undefined) => ct !== undefined && cap !== undefined && ((ct === 0 && cap > 0) || (ct > 0 && cap === 0 && !ctx.partial));
  if (zeroVs(e.packets.orig, co) || zeroVs(e.packets.reply, cr)) {
    ctx.findings.push(finding("router.frame-count-contradiction", text, { router: loc(e) }, `${detail}; a zero where traffic passed, or a count where no packet passed`));
    return { bad: ["router.frame-count-contradiction"] };
  }
  const differs = (ct: number | undefined, cap: number | undefined) => ct !== undefined && cap !== undefined && ct !== cap;
  if (differs(e.packets.orig, co) || differs(e.packets.reply, cr) || differs(e.bytes?.orig, bo) || differs(e.bytes?.reply, br)) {
    const clash = ctx.partial || fragmented ? undefined : clashExplains(e, origLine, replyLine);
    if (!clash) return { bad: countsDiffer(ctx, "conntrack.counter-mismatch", text, loc(e), detail) };
    ctx.findings.push(finding("conntrack.counters-clash", `${text}: ${clash.text}`, { router: loc(e) }, detail));
    return { bad: [], clash: clash.note };
  }
  return { bad: [] };
}

/**
 * Counters of a UDP connection whose first packets crossed at the router (firstPacketsCrossed),
 * off the captures' in one of the two ways Linux's clash resolution leaves them (nf_conntrack_core
 * nf_ct_resolve_clash). Each first packet found no entry and made its own; the one confirmed
 * second clashed with the first. Its packet then was either
 * - merged into the entry that won (Linux 6.12 and later, "clash resolution for reverse
 *   collisions"): counted in that entry's ORIGINAL direction, whichever way it went — the
 *   original counters exceed the captures' by k packets of b bytes and the reply counters fall
 *   short of them by the same; or
 * - dropped, counted nowhere; or (its mirror tuple taken meanwhile) given another port — the
 *   inside host's source port SNATed to a random one, or the remote's source port changed on its
 *   way in — under an entry of its own that conntrack -L does not list
 *   (nf_ct_resolve_clash_harder): either way a direction's counters fall short of what entered
 *   the router and equal what left it in this flow (the other capture).
 * Anything else, or another protocol (TCP never merges), is not explained: a counter mismatch.
 */
function clashExplains(e: RouterFlow, origLine: PredictedFlow | undefined, replyLine: PredictedFlow | undefined): { text: string; note: string } | undefined {
  if (!origLine?.firstPacketsCrossed || !replyLine?.firstPacketsCrossed || origLine.proto !== "UDP") return undefined;
  const [po, pr, bo, br] = [e.packets?.orig, e.packets?.reply, e.bytes?.orig, e.bytes?.reply];
  if (po === undefined || pr === undefined || bo === undefined || br === undefined || origLine.bytes === undefined || replyLine.bytes === undefined) return undefined;
  const k = po - origLine.frames;
  const b = bo - origLine.bytes;
  const why = "the first packets of the two directions crossed at the router (the captures disagree on which end sent first), so Linux made two conntrack entries for the connection and resolved their clash";
  if (k > 0 && b > 0 && pr === replyLine.frames - k && br === replyLine.bytes - b) {
    const n = `${k} packet${k === 1 ? "" : "s"} (${b} bytes)`;
    return { text: `${why} by merging the second into the first: its ${n} of the reply direction are counted in the original one (Linux 6.12 and later); moved back, the counters equal the captures`, note: `${n} of the reply direction counted in the original one: a clash of the two first packets` };
  }
  // Not merged: each direction counted as the captures show it entering the router, or fewer:
  // as many as they show leaving it in this flow.
  const dirs = [[po, bo, origLine], [pr, br, replyLine]] as const;
  const dropped = dirs.map(([ct, cb, l]) => (ct === l.frames && cb === l.bytes ? 0 : ct < l.frames && ct === l.firstPacketsCrossed!.frames && cb === l.firstPacketsCrossed!.bytes ? l.frames - ct : -1));
  if (dropped.some((d) => d < 0) || !dropped.some((d) => d > 0)) return undefined;
  const said = dirs.map(([, , l], i) => (dropped[i]! > 0 ? `${dropped[i]} of the ${i === 0 ? "original" : "reply"} direction's ${l.frames} packets entered the router and did not leave it in this flow` : "")).filter(Boolean).join("; ");
  return { text: `${why}: ${said} — the kernel dropped the second's packet (counted nowhere), or translated it to another port under an entry of its own that conntrack -L does not list (its mirror tuple was taken meanwhile: a flow of one capture alone, nat.clash-port); this entry counts what it forwarded`, note: `${said}: the clash of the two first packets` };
}

/**
 * Expectations (conntrack -L expect, and -E expect events) against the endpoints the negotiations
 * announced: one check per negotiation, and for an SDP media line one per expected flow (RTP and
 * RTCP: nf_conntrack_sip opens both, on the NAT address for a NAT'd endpoint). An expectation is
 * removed when its connection arrives, so one is due only for a negotiation whose data/media
 * connection did not get through (conntrack.expectation-missing); one listed for an announced
 * endpoint is a pinhole the helper opened as the payload said. TFTP: the request's client
 * endpoint after NAT (the expectation is server → NAT address:port). Then the REGISTER
 * signalling expectations and the SRX SIP calls (router-sip.ts).
 */
/**
 * `unknown`: the captures show no translation (CompareContext.translationUnknown), and the side the
 * one capture given shows (none: two captures not paired). A negotiation seen in an inside
 * capture names its endpoints as the inside host wrote them; the helper's expectation names one as
 * the NAT rewrote it, which that capture does not show: one not found is not called missing (nor
 * with captures not paired, where which side a capture shows is not known). One whose connection
 * the capture shows arriving was removed by its arrival (as when forwarded).
 */
function expectationChecks(expectations: RouterExpectation[], findings: Finding[], checks: Check[], sessions: VerifiedSession[] | undefined, captures: MatchCaptures, unknown?: { why: string; side?: CaptureSide }): void {
  // The first expectation for each expected endpoint.
  const byDst = new Map<string, RouterExpectation>();
  for (const e of expectations) if (!byDst.has(epKey(e.dst))) byDst.set(epKey(e.dst), e);
  const sipCut = anyCut(captures, "sipCut");
  const sessionCut = anyCut(captures, "sessionCut");
  for (const s of sessions ?? []) {
    // What a capture may not have kept of this session (a limit's cut), if anything.
    const cut = s.alg === "sip" ? sipCut : sessionCut;
    for (const n of s.negotiations) {
      const x = n.outside ?? n.inside;
      if (!x?.valid || !x.expected.length || n.dataPath === "not-applicable") continue;
      // SDP: RTP and RTCP each; other kinds: the negotiation as one (any of its endpoints)
      const perFlow = (x.kind as string) === "SDP";
      const groups = perFlow ? x.expected.map((_, xi) => [xi]) : [x.expected.map((_, xi) => xi)];
      for (const idx of groups) {
        const what = perFlow ? ` ${idx[0] === 0 ? "RTP" : "RTCP"}` : "";
        const subject = `${s.alg} ${x.kind}${what} at ${n.outside ? "outside" : "inside"} packet ${x.packet} (announces ${ep(x.expected[idx[0]!]!.to)})`;
        const targets = [n.outside, n.inside].flatMap((y) => idx.map((xi) => y?.expected[xi]?.to).filter((t) => t !== undefined));
        const hit = targets.map((t) => byDst.get(epKey(t))).find((e) => e !== undefined);
        if (hit) {
          const helper = hit.alg ? ` (helper ${hit.alg}${hit.className ? `/${hit.className}` : ""})` : "";
          checks.push({ check: "conntrack-expectation", subject, status: "passed", reason: `expectation ${hit.location.file}:${hit.location.line} for ${ep(hit.dst)}${helper}` });
        } else if (n.dataPath === "forwarded" || (n.dataPath === "one-side-only" && x.dataSeen)) {
          checks.push({ check: "conntrack-expectation", subject, status: "not-checked", reason: "none listed: its connection arrived, and an expectation is removed when its connection arrives" });
        } else if (unknown && unknown.side !== "outside") {
          checks.push({ check: "conntrack-expectation", subject, status: "not-checked", reason: unknown.side === "inside"
            ? `none listed for the endpoint as the inside host wrote it, and the helper's expectation names it as the NAT rewrote it: ${unknown.why}`
            : `none listed for the endpoint as this capture shows it, and which side of the NAT that is (a helper's expectation names the rewritten one) is not known: ${unknown.why}` });
        } else if (n.dataPath === "not-covered" && cut) {
          // Its dialog or session may be one a capture did not keep: whether its data or media
          // came (which removes the expectation), or a later line flushed it, is not in what was read.
          checks.push({ check: "conntrack-expectation", subject, status: "not-checked", reason: `none listed, and its ${s.alg === "sip" ? "media" : "data path"} is not covered${n.notCovered ? ` (${n.notCovered})` : ""}: ${cut}` });
        } else {
          findings.push(finding("conntrack.expectation-missing", `no conntrack expectation for ${ep(x.expected[idx[0]!]!.to)} announced by ${x.kind}${what} (packet ${x.packet})`, n.outside ? { outside: [x.packet] } : { inside: [x.packet] }));
          checks.push({ check: "conntrack-expectation", subject, status: "failed", reason: "no expectation for the announced endpoint, and its connection did not get through (conntrack.expectation-missing)" });
        }
      }
    }
  }
  registerExpectationChecks(expectations, captures, findings, checks);
}
