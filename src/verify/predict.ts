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
import type { RouterCounter, RouterEvent, RouterExpectation, RouterFlow, RouterParseResult, NatTranslation } from "../router/types.js";
import type { Reconciliation } from "./nat.js";
import type { Finding, NatMapping, PredictedConversation, PredictedFlow, VerifiedSession } from "./types.js";
import { finding } from "./findings.js";

const protoWord = (p: string | number) => (typeof p === "number" ? String(p) : p.toUpperCase());

function linesFor(m: NatMapping | undefined, fi: Flow | undefined, fo: Flow | undefined, control: boolean): PredictedFlow[] {
  const state = control ? "Watch" : "Forward";
  const roles = control ? (["control initiator", "control responder"] as const) : (["data initiator", "data responder"] as const);
  if (m && fi && fo) {
    const outbound = m.direction === "outbound";
    const iFrames = outbound ? fi.packets.initiatorToResponder : fi.packets.responderToInitiator;
    const oFrames = outbound ? fo.packets.responderToInitiator : fo.packets.initiatorToResponder;
    const translated = m.inside.ip !== m.translated.ip || m.inside.port !== m.translated.port;
    const natS: NatTranslation[] = translated ? [{ kind: "source", from: m.inside, to: m.translated }] : [];
    const natD: NatTranslation[] = translated ? [{ kind: "dest", from: m.translated, to: m.inside }] : [];
    return [
      { proto: protoWord(fi.proto), src: m.inside, dst: m.remote, state, dir: "I", frames: iFrames, nat: natS, role: roles[0] },
      { proto: protoWord(fo.proto), src: m.remote, dst: m.translated, state, dir: "O", frames: oFrames, nat: natD, role: roles[1] },
    ];
  }
  const f = fi ?? fo;
  if (!f) return [];
  // One side only: the client (or whoever opened it) as the initiator.
  return [
    { proto: protoWord(f.proto), src: f.initiator, dst: f.responder, state, dir: "I", frames: f.packets.initiatorToResponder, nat: [], role: roles[0] },
    { proto: protoWord(f.proto), src: f.responder, dst: f.initiator, state, dir: "O", frames: f.packets.responderToInitiator, nat: [], role: roles[1] },
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
      flows.push(...linesFor(m, fi, fo, control));
    };
    add(s.control.insideFlow, s.control.outsideFlow, true);
    const seen = new Set<string>();
    for (const n of s.negotiations) {
      const ids = n.inside?.observedFlows ?? [];
      const oids = n.outside?.observedFlows ?? [];
      for (let k = 0; k < Math.max(ids.length, oids.length); k++) {
        const key = `${ids[k]}|${oids[k]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        add(ids[k], ids[k] === undefined ? oids[k] : undefined, false);
      }
    }
    // Junos lists initiator lines first, then responder lines.
    flows.sort((a, b) => (a.dir === b.dir ? 0 : a.dir === "I" ? -1 : 1));
    out.push({ alg: s.alg, flows });
  }
  return out;
}

const epKey = (e: { ip: string; port: number | null }) => `${e.ip}|${e.port}`;
const natKey = (n: NatTranslation[]) => n.map((x) => `${x.kind}:${epKey(x.from)}>${epKey(x.to)}`).sort().join(",");

export interface CompareOptions {
  /** Frame-count difference tolerated (default 0). */
  frameTolerance?: number;
}

/** Predicted conversations ↔ the router's flows, counters and events; findings appended. */
export function compareWithRouter(predicted: PredictedConversation[], router: RouterParseResult[], findings: Finding[], opts: CompareOptions & { withCaptures?: boolean } = {}): void {
  const flows: RouterFlow[] = router.flatMap((r) => r.flows);
  const junos = flows.filter((f) => f.format === "junos-conversations");
  const used = new Set<RouterFlow>();
  const tol = opts.frameTolerance ?? 0;
  const loc = (f: RouterFlow) => [{ file: f.location.file, line: f.location.line }];
  if (junos.length && opts.withCaptures !== false) {
    for (const conv of predicted) {
      for (const p of conv.flows) {
        const match = junos.find((f) => !used.has(f) && String(f.proto).toUpperCase() === p.proto && epKey(f.src) === epKey(p.src) && epKey(f.dst) === epKey(p.dst) && (f.direction ?? p.dir) === p.dir);
        if (!match) {
          findings.push(finding("router.flow-missing", `${p.role} ${p.proto} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port} (${p.state} ${p.dir}) is not in the router output`, {}));
          continue;
        }
        used.add(match);
        if (p.role === "control initiator" && ((match.alg && !/^(ftp|rtsp)$/i.test(match.alg)) || (match.state ?? "").toLowerCase() !== "watch")) {
          findings.push(finding("router.alg-inactive", `control flow ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port} is ${match.state ?? "?"} in a conversation with ALG protocol ${match.alg ?? "?"}`, { router: loc(match) }));
        } else if ((match.state ?? "").toLowerCase() !== p.state.toLowerCase()) {
          findings.push(finding("router.state-mismatch", `${p.role} is ${match.state} on the router, expected ${p.state}`, { router: loc(match) }));
        }
        if (natKey(match.nat) !== natKey(p.nat)) {
          findings.push(finding("router.nat-mismatch", `${p.role} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port}: router NAT ${natKey(match.nat) || "none"}, captures show ${natKey(p.nat) || "none"}`, { router: loc(match) }));
        }
        if (match.frames !== undefined && Math.abs(match.frames - p.frames) > tol) {
          findings.push(finding("router.frame-count-mismatch", `${p.role} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port}: router counts ${match.frames} frames, the captures ${p.frames}`, { router: loc(match) }));
        }
      }
    }
    for (const f of junos) {
      if (used.has(f) || !f.alg || !/^(ftp|rtsp)$/i.test(f.alg)) continue;
      findings.push(finding("router.flow-unexpected", `${f.state ?? ""} ${f.direction ?? ""} ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port} (${f.alg}) has no negotiation behind it in the captures`, { router: loc(f) }));
    }
  }
  algErrors(router.flatMap((r) => r.counters), findings);
  syslogChecks(predicted, router.flatMap((r) => r.events), findings);
  conntrackChecks(predicted, flows.filter((f) => f.format === "conntrack"), router.flatMap((r) => r.expectations), router.some((r) => r.documents.some((d) => d.format === "conntrack-expect")), findings);
}

function algErrors(counters: RouterCounter[], findings: Finding[]): void {
  for (const c of counters) {
    if (/alg errors/i.test(c.section) && /^(ftp|rtsp)$/i.test(c.label) && c.value > 0) {
      findings.push(finding("router.alg-errors", `${c.label} ALG errors: ${c.value}`, { router: [{ file: c.location.file, line: c.location.line }] }));
    }
  }
}

function syslogChecks(predicted: PredictedConversation[], events: RouterEvent[], findings: Finding[]): void {
  const sfw = events.filter((e) => e.format === "junos-syslog");
  if (!sfw.length) return;
  for (const e of sfw.filter((x) => /NO_RULE_DROP/.test(x.tag))) {
    const hit = predicted.some((c) => c.flows.some((p) => epKey(p.src) === epKey(e.src) && epKey(p.dst) === epKey(e.dst)));
    if (hit) findings.push(finding("router.no-rule-drop", `${e.tag} for ${e.src.ip}:${e.src.port} -> ${e.dst.ip}:${e.dst.port}, a flow the ALG should allow`, { router: [{ file: e.location.file, line: e.location.line }] }));
  }
  for (const c of predicted) {
    const ctl = c.flows.find((p) => p.role === "control initiator");
    if (!ctl) continue;
    const ok = sfw.some((e) => /RULE_ACCEPT|CREATE_ACCEPT_FLOW/.test(e.tag) && e.dst.ip === ctl.dst.ip && e.dst.port === ctl.dst.port && e.src.ip === ctl.src.ip);
    if (!ok) findings.push(finding("router.syslog-event-missing", `no ASP_SFW_RULE_ACCEPT / CREATE_ACCEPT_FLOW line for control flow ${ctl.src.ip}:${ctl.src.port} -> ${ctl.dst.ip}:${ctl.dst.port}`, {}));
  }
}

function conntrackChecks(predicted: PredictedConversation[], entries: RouterFlow[], expectations: RouterExpectation[], expectGiven: boolean, findings: Finding[]): void {
  if (!entries.length) return;
  for (const c of predicted) {
    for (const p of c.flows.filter((x) => x.dir === "I")) {
      const e = entries.find((x) => epKey(x.src) === epKey(p.src) && epKey(x.dst) === epKey(p.dst) && String(x.proto).toUpperCase() === p.proto);
      if (!e) continue;
      if (p.role === "control initiator" && !e.alg) {
        findings.push(finding("conntrack.helper-missing", `control connection ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port} has no helper=`, { router: [{ file: e.location.file, line: e.location.line }] }));
      }
      const reply = c.flows.find((x) => x.dir === "O" && x.role.startsWith(p.role.split(" ")[0]) && epKey(x.src) === epKey(p.dst));
      if (e.packets?.orig !== undefined && (e.packets.orig !== p.frames || (reply && e.packets.reply !== undefined && e.packets.reply !== reply.frames))) {
        findings.push(finding("conntrack.counter-mismatch", `${p.role} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port}: conntrack packets ${e.packets.orig}/${e.packets.reply ?? "?"}, captures ${p.frames}/${reply?.frames ?? "?"}`, { router: [{ file: e.location.file, line: e.location.line }] }));
      }
    }
  }
  void expectations;
  void expectGiven;
}
