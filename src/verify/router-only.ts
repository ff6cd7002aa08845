/**
 * Router output without captures: interpret and sanity-check the router's own view, as the
 * seed's "Analysis" sections do by hand. For each Junos conversation of an ALG:
 *   - label every flow: control (Watch) or data/media (Forward), initiator (I) or responder (O);
 *   - each I flow must have its O mirror: O.src = I.dst, O.dst = I's translated source; the
 *     `NAT dest` of the O flow must undo the `NAT source` of the I flow;
 *   - control flows must have counted frames; a data/media flow with 0 frames is a pinhole that
 *     has carried no traffic yet (normal for RTSP ports not in use, or not yet used).
 */
import type { RouterFlow, RouterParseResult, RouterEndpoint } from "../router/types.js";
import { finding } from "./findings.js";
import type { Answer, Finding } from "./types.js";

export interface LabelledFlow {
  file: string;
  line: number;
  conversation: number;
  alg: string;
  proto: string;
  src: RouterEndpoint;
  dst: RouterEndpoint;
  state: string;
  dir: "I" | "O";
  frames?: number;
  role: string;
  note?: string;
}

const ep = (e: RouterEndpoint) => `${e.ip}:${e.port}`;
const same = (a: RouterEndpoint, b: RouterEndpoint) => a.ip === b.ip && a.port === b.port;

export function interpretRouter(router: RouterParseResult[], findings: Finding[]): { flows: LabelledFlow[]; answers: Answer[] } {
  const all = router.flatMap((r) => r.flows).filter((f) => f.format === "junos-conversations");
  const convs = new Map<string, RouterFlow[]>();
  for (const f of all) {
    const k = `${f.location.file}|${f.document}|${f.conversation ?? 0}`;
    (convs.get(k) ?? convs.set(k, []).get(k)!).push(f);
  }
  const labelled: LabelledFlow[] = [];
  const answers: Answer[] = [];
  for (const flows of convs.values()) {
    const alg = (flows[0].alg ?? "").toLowerCase();
    // An excerpt without its `Conversation:` line (as the seed quotes single flows) is labelled
    // but not checked: its mirror and ALG protocol are simply not shown.
    const whole = flows[0].alg !== undefined && flows[0].alg !== null;
    for (const f of flows) {
      const control = (f.state ?? "").toLowerCase() === "watch";
      const kind = control ? "control" : alg === "rtsp" ? "media" : "data";
      const role = `${kind} ${f.direction === "O" ? "responder" : "initiator"}`;
      const l: LabelledFlow = {
        file: f.location.file, line: f.location.line, conversation: f.conversation ?? 0, alg, proto: String(f.proto),
        src: f.src, dst: f.dst, state: f.state ?? "", dir: f.direction ?? "I", frames: f.frames, role,
      };
      if (!control && f.frames === 0) l.note = "pinhole without traffic yet (frame count 0)";
      if (control && (f.frames ?? 0) === 0) l.note = "control flow with no frames counted";
      labelled.push(l);
      // Mirror checks apply to ALG conversations (ftp, rtsp), the scope of this tool.
      if (f.direction !== "I" || !whole || !/^(ftp|rtsp)$/.test(alg)) continue;
      const src = f.nat.find((n) => n.kind === "source");
      const dnat = f.nat.find((n) => n.kind === "dest");
      const expectDst = src ? src.to : f.src;
      const expectSrc = dnat ? dnat.to : f.dst;
      const mirror = flows.find((o) => o.direction === "O" && same(o.src, expectSrc) && same(o.dst, expectDst) && String(o.proto) === String(f.proto));
      if (!mirror) {
        findings.push(finding("router.flow-missing", `no O flow mirrors I flow ${ep(f.src)} -> ${ep(f.dst)} (expected ${ep(expectSrc)} -> ${ep(expectDst)})`, { router: [{ file: f.location.file, line: f.location.line }] }));
        continue;
      }
      const dest = mirror.nat.find((n) => n.kind === "dest");
      if (src && !(dest && same(dest.from, src.to) && same(dest.to, src.from))) {
        findings.push(finding("router.nat-mismatch", `NAT dest of ${ep(mirror.src)} -> ${ep(mirror.dst)} does not undo NAT source ${ep(src.from)} -> ${ep(src.to)}`, { router: [{ file: mirror.location.file, line: mirror.location.line }] }));
      }
      if ((mirror.state ?? "") !== (f.state ?? "")) {
        findings.push(finding("router.state-mismatch", `I flow is ${f.state}, its O mirror ${mirror.state}`, { router: [{ file: mirror.location.file, line: mirror.location.line }] }));
      }
    }
    const ctl = flows.filter((f) => (f.state ?? "").toLowerCase() === "watch");
    const data = flows.filter((f) => (f.state ?? "").toLowerCase() === "forward");
    if (!whole) continue;
    if (!/^(ftp|rtsp)$/.test(alg)) {
      if (ctl.length || flows.some((f) => [21, 554, 8554].includes(f.dst.port ?? -1))) {
        findings.push(finding("router.alg-inactive", `conversation with ALG protocol "${alg || "none"}" holds a control-port flow`, { router: [{ file: flows[0].location.file, line: flows[0].location.line }] }));
      }
      continue;
    }
    const A = alg.toUpperCase();
    const active = ctl.length > 0 && ctl.every((f) => (f.frames ?? 0) > 0);
    answers.push({
      question: `Is the ${A} ALG active?`,
      answer: active
        ? `Yes: the conversation's ALG protocol is ${alg} and its control flows (Watch) counted ${ctl.map((f) => `${f.direction} ${f.frames}`).join(", ")} frames.`
        : `Not shown: ${ctl.length ? "the control flows counted no frames" : "no Watch (control) flow"}.`,
      findings: [],
    });
    const withTraffic = data.filter((f) => (f.frames ?? 0) > 0);
    answers.push({
      question: alg === "ftp" ? "Are the control and data flows both present?" : "Do both the TCP control and the UDP media flows exist?",
      answer: `${ctl.length} control flow line(s) and ${data.length} ${alg === "rtsp" ? "media" : "data"} flow line(s); ` +
        `${withTraffic.length} of the ${alg === "rtsp" ? "media" : "data"} lines counted frames` +
        (data.length - withTraffic.length ? ` (${data.length - withTraffic.length} with frame count 0: pinholes opened by the ALG that have carried no traffic yet)` : "") + ".",
      findings: [],
    });
  }
  return { flows: labelled, answers };
}
