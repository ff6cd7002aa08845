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
import type { Check, Finding, NatMapping, PredictedConversation, PredictedFlow, VerifiedSession } from "./types.js";
import { finding } from "./findings.js";

const protoWord = (p: string | number) => (typeof p === "number" ? String(p) : p.toUpperCase());

function linesFor(m: NatMapping | undefined, fi: Flow | undefined, fo: Flow | undefined, control: boolean): PredictedFlow[] {
  const state = control ? "Watch" : "Forward";
  const roles = control ? (["control initiator", "control responder"] as const) : (["data initiator", "data responder"] as const);
  if (m && fi && fo) {
    const outbound = m.direction === "outbound";
    const iFrames = outbound ? fi.packets.initiatorToResponder : fi.packets.responderToInitiator;
    const oFrames = outbound ? fo.packets.responderToInitiator : fo.packets.initiatorToResponder;
    const iBytes = outbound ? fi.ipBytes.initiatorToResponder : fi.ipBytes.responderToInitiator;
    const oBytes = outbound ? fo.ipBytes.responderToInitiator : fo.ipBytes.initiatorToResponder;
    const translated = m.inside.ip !== m.translated.ip || m.inside.port !== m.translated.port;
    const natS: NatTranslation[] = translated ? [{ kind: "source", from: m.inside, to: m.translated }] : [];
    const natD: NatTranslation[] = translated ? [{ kind: "dest", from: m.translated, to: m.inside }] : [];
    return [
      { proto: protoWord(fi.proto), src: m.inside, dst: m.remote, state, dir: "I", frames: iFrames, bytes: iBytes, nat: natS, role: roles[0] },
      { proto: protoWord(fo.proto), src: m.remote, dst: m.translated, state, dir: "O", frames: oFrames, bytes: oBytes, nat: natD, role: roles[1] },
    ];
  }
  const f = fi ?? fo;
  if (!f) return [];
  // One side only: the client (or whoever opened it) as the initiator.
  return [
    { proto: protoWord(f.proto), src: f.initiator, dst: f.responder, state, dir: "I", frames: f.packets.initiatorToResponder, bytes: f.ipBytes.initiatorToResponder, nat: [], role: roles[0] },
    { proto: protoWord(f.proto), src: f.responder, dst: f.initiator, state, dir: "O", frames: f.packets.responderToInitiator, bytes: f.ipBytes.responderToInitiator, nat: [], role: roles[1] },
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
    const ctl = s.control.insideFlow !== undefined ? nat?.byInside.get(s.control.insideFlow) : undefined;
    const seen = new Set<string>();
    for (const n of s.negotiations) {
      const base = n.inside ?? n.outside!;
      base.expected.forEach((x, xi) => {
        const oi = n.inside?.observed.find((o) => o.expected === xi)?.flow;
        const oo = n.outside?.observed.find((o) => o.expected === xi)?.flow;
        const key = `${oi}|${oo}|${xi}|${base.packet}`;
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
export function compareWithRouter(predicted: PredictedConversation[], router: RouterParseResult[], findings: Finding[], opts: CompareOptions & { withCaptures?: boolean } = {}, sessions?: VerifiedSession[], checks: Check[] = []): void {
  void checks;
  const flows: RouterFlow[] = router.flatMap((r) => r.flows);
  const junos = flows.filter((f) => f.format === "junos-conversations");
  const used = new Set<RouterFlow>();
  const tol = opts.frameTolerance ?? 0;
  const loc = (f: RouterFlow) => [{ file: f.location.file, line: f.location.line }];
  if (junos.length && opts.withCaptures !== false) {
    const convKey = (f: RouterFlow) => `${f.location.file}|${f.document}|${f.conversation ?? 0}`;
    const sameEp = (a: { ip: string; port: number | null }, b: { ip: string; port: number | null }) => a.ip === b.ip && a.port === b.port;
    const exact = (f: RouterFlow, p: PredictedFlow) => !used.has(f) && String(f.proto).toUpperCase() === p.proto && sameEp(f.src, p.src) && sameEp(f.dst, p.dst) && (f.direction ?? p.dir) === p.dir;
    // Same flow with another translation: I lines by their pre-NAT ends, O lines by the remote
    // end and the inside host their NAT dest leads to.
    const loose = (f: RouterFlow, p: PredictedFlow) => {
      if (used.has(f) || String(f.proto).toUpperCase() !== p.proto || (f.direction ?? p.dir) !== p.dir) return false;
      if (p.dir === "I") return sameEp(f.src, p.src) && sameEp(f.dst, p.dst);
      const fd = f.nat.find((n) => n.kind === "dest");
      const pd = p.nat.find((n) => n.kind === "dest");
      return sameEp(f.src, p.src) && fd !== undefined && pd !== undefined && sameEp(fd.to, pd.to);
    };
    predicted.forEach((conv, ci) => {
      const session = sessions?.[ci];
      const ctlI = conv.flows.find((p) => p.role === "control initiator");
      const rctl = ctlI ? junos.find((f) => String(f.proto).toUpperCase() === ctlI.proto && sameEp(f.src, ctlI.src) && sameEp(f.dst, ctlI.dst) && f.direction === "I") : undefined;
      const key = rctl ? convKey(rctl) : undefined;
      const inactive = rctl !== undefined && ((rctl.alg !== undefined && !/^(ftp|rtsp)$/i.test(rctl.alg)) || (rctl.state ?? "").toLowerCase() !== "watch");
      if (inactive) {
        findings.push(finding("router.alg-inactive", `control flow ${ctlI!.src.ip}:${ctlI!.src.port} -> ${ctlI!.dst.ip}:${ctlI!.dst.port} is ${rctl!.state ?? "?"} in a conversation with ALG protocol ${rctl!.alg ?? "?"}`, { router: loc(rctl!) }));
      }
      const portMismatchSeen = new Set<string>();
      for (const p of conv.flows) {
        const match = junos.find((f) => exact(f, p)) ?? junos.find((f) => (key === undefined || convKey(f) === key) && loose(f, p));
        if (!match) {
          findings.push(finding("router.flow-missing", `${p.role} ${p.proto} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port} (${p.state} ${p.dir}) is not in the router output`, {}));
          continue;
        }
        used.add(match);
        if (!inactive && (match.state ?? "").toLowerCase() !== p.state.toLowerCase()) {
          findings.push(finding("router.state-mismatch", `${p.role} is ${match.state} on the router, expected ${p.state}`, { router: loc(match) }));
        }
        if (natKey(match.nat) !== natKey(p.nat)) {
          const pt = p.nat[0]?.kind === "source" ? p.nat[0].to : p.nat[0]?.from;
          const rn = match.nat.find((n) => n.kind === p.nat[0]?.kind);
          const rt = rn ? (rn.kind === "source" ? rn.to : rn.from) : undefined;
          if (p.inferred && pt && rt && pt.ip === rt.ip && pt.port !== rt.port) {
            const k = `${pt.ip}|${pt.port}|${rt.port}`;
            if (!portMismatchSeen.has(k)) {
              portMismatchSeen.add(k);
              findings.push(finding("alg.payload-port-mismatch", `the payload announced ${pt.ip}:${pt.port}, but the router translates the data flow to ${rt.ip}:${rt.port}`, { router: loc(match) }));
            }
          } else {
            findings.push(finding("router.nat-mismatch", `${p.role} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port}: router NAT ${natKey(match.nat) || "none"}, captures show ${natKey(p.nat) || "none"}`, { router: loc(match) }));
          }
        }
        if (match.frames !== undefined && Math.abs(match.frames - p.frames) > tol) {
          findings.push(finding("router.frame-count-mismatch", `${p.role} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port}: router counts ${match.frames} frames, the captures ${p.frames}`, { router: loc(match) }));
        }
      }
      // Router flows of this conversation no prediction explains: pinholes the ALG opened.
      if (key === undefined) return;
      const natIp = conv.flows.find((p) => p.role === "control initiator")?.nat[0]?.to.ip;
      for (const f of junos) {
        if (used.has(f) || convKey(f) !== key) continue;
        used.add(f);
        const t = f.direction === "O" ? f.dst : f.nat.find((n) => n.kind === "source")?.to ?? f.src;
        const announced = session?.negotiations.map((n) => n.outside?.announced).filter((a) => a?.port !== undefined) ?? [];
        if (natIp && t.ip !== natIp && announced.some((a) => a!.ip === t.ip)) {
          findings.push(finding("router.nat-mismatch", `the router's ${f.state ?? ""} flow ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port} is translated to ${t.ip}, while the control connection leaves the NAT as ${natIp}`, { router: loc(f) }));
        } else if (announced.some((a) => a!.ip === t.ip && a!.port === t.port)) {
          // The pinhole for an announced endpoint (traffic may not have come yet).
        } else if (announced.some((a) => a!.ip === t.ip)) {
          findings.push(finding("alg.payload-port-mismatch", `the router holds a pinhole at ${t.ip}:${t.port}, but the payload announced ${announced.filter((a) => a!.ip === t.ip).map((a) => `${a!.ip}:${a!.port}`).join(", ")}`, { router: loc(f) }));
        } else {
          findings.push(finding("router.flow-unexpected", `${f.state ?? ""} ${f.direction ?? ""} ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port} (${f.alg}) has no negotiation behind it in the captures`, { router: loc(f) }));
        }
      }
    });
    for (const f of junos) {
      if (used.has(f) || !f.alg || !/^(ftp|rtsp)$/i.test(f.alg)) continue;
      findings.push(finding("router.flow-unexpected", `${f.state ?? ""} ${f.direction ?? ""} ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port} (${f.alg}) has no negotiation behind it in the captures`, { router: loc(f) }));
    }
  }
  algErrors(router.flatMap((r) => r.counters), findings);
  syslogChecks(predicted, router.flatMap((r) => r.events), findings);
  conntrackChecks(predicted, flows.filter((f) => f.format === "conntrack"), router.flatMap((r) => r.expectations), router.some((r) => r.documents.some((d) => d.format === "conntrack-expect")), findings, sessions);
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

function conntrackChecks(predicted: PredictedConversation[], entries: RouterFlow[], expectations: RouterExpectation[], expectGiven: boolean, findings: Finding[], sessions?: VerifiedSession[]): void {
  // Expectations are consumed when their connection arrives, so one is due only for a
  // negotiation whose data connection did not get through.
  if (expectGiven) {
    for (const s of sessions ?? []) {
      for (const n of s.negotiations) {
        const x = (n.outside ?? n.inside);
        if (!x?.valid || !x.expected.length || n.dataPath === "forwarded" || n.dataPath === "not-applicable") continue;
        const to = x.expected[0].to;
        const hit = expectations.some((e) => e.dst.ip === to.ip && e.dst.port === to.port);
        if (!hit) {
          findings.push(finding("conntrack.expectation-missing", `no conntrack expectation for ${to.ip}:${to.port} announced by ${x.kind} (packet ${x.packet})`, n.outside ? { outside: [x.packet] } : { inside: [x.packet] }));
        }
      }
    }
  }
  if (!entries.length) return;
  // Accounting (nf_conntrack_acct=1) counts each packet once, where the router received it, with
  // its IP total length before any NAT/ALG mangling: the original direction on the interface the
  // opener's packets arrive at, the reply direction on the other. So for a flow opened from
  // inside, orig = the I line (inside capture) and reply = the O line (outside capture); for one
  // opened from outside through a pinhole (active FTP data, media to the NAT address), orig = the
  // O line and reply = the I line. Packets and bytes must both match, flow by flow.
  const same = (a: RouterEndpoint, b: RouterEndpoint) => a.ip === b.ip && a.port === b.port;
  for (const c of predicted) {
    for (const p of c.flows.filter((x) => x.dir === "I")) {
      // Its O line: from the I line's remote end, NAT dest leading back to the I line's source.
      const o = c.flows.find((x) => x.dir === "O" && x.role.startsWith(p.role.split(" ")[0]) && same(x.src, p.dst) &&
        (x.nat.some((n) => n.kind === "dest" && same(n.to, p.src)) || (!x.nat.length && same(x.dst, p.src))));
      const proto = (x: RouterFlow) => String(x.proto).toUpperCase() === p.proto;
      const outbound = entries.find((x) => proto(x) && same(x.src, p.src) && same(x.dst, p.dst));
      const inbound = outbound ? undefined : o && entries.find((x) => proto(x) && same(x.src, o.src) && same(x.dst, o.dst));
      const e = outbound ?? inbound;
      if (!e) continue;
      // Mainline Linux has no RTSP helper (nf_conntrack_rtsp is out of tree): only FTP's is due.
      if (p.role === "control initiator" && outbound && !e.alg && c.alg === "ftp") {
        findings.push(finding("conntrack.helper-missing", `control connection ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port} has no helper=`, { router: [{ file: e.location.file, line: e.location.line }] }));
      }
      if (e.packets?.orig === undefined) continue;
      const [origLine, replyLine] = outbound ? [p, o] : [o!, p];
      const differs = (ct: number | undefined, cap: number | undefined) => ct !== undefined && cap !== undefined && ct !== cap;
      const bad = differs(e.packets.orig, origLine.frames) || differs(e.packets.reply, replyLine?.frames) ||
        differs(e.bytes?.orig, origLine.bytes) || differs(e.bytes?.reply, replyLine?.bytes);
      if (bad) {
        const fmt = (a: number | undefined, b: number | undefined) => `${a ?? "?"}/${b ?? "?"}`;
        findings.push(finding("conntrack.counter-mismatch", `${p.role} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port}: conntrack (original/reply) packets ${fmt(e.packets.orig, e.packets.reply)}, bytes ${fmt(e.bytes?.orig, e.bytes?.reply)}; captures packets ${fmt(origLine.frames, replyLine?.frames)}, bytes ${fmt(origLine.bytes, replyLine?.bytes)}`, { router: [{ file: e.location.file, line: e.location.line }] }, outbound ? "opened from inside: original = inside capture, reply = outside capture" : "opened from outside: original = outside capture, reply = inside capture"));
      }
    }
  }
}
