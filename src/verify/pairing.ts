/**
 * Do the two captures belong together, and which is which? Judged before any ALG judgement rests
 * on the pairing (src/verify/nat.ts gathers the evidence):
 *
 *  - Same run: a NAT leaves the TCP initial sequence numbers alone, so paired connections whose
 *    SYN was seen on both sides agree on them; a firewall that randomises them still forwards
 *    every control line with one small, stable delay, which the line order below shows. Pairs
 *    that agree on neither, or no pair at all, are captures of different runs:
 *    `nat.captures-unrelated`. Captures that hold their flows alike — the same endpoints, each
 *    first seen at the same instant, or all one constant offset later — are copies of one
 *    capture point, not the two sides of a router: `nat.captures-identical` (copyOf).
 *  - Sides: every client→server control line is seen on the inside before the outside and every
 *    server→client line the other way round, whatever the clock offset (see lineOrder); the
 *    reverse on every judged connection is `nat.sides-swapped`. --inside-net hosts on the outside
 *    capture, or RFC 1918 hosts translated to public ones the other way round, add evidence. The
 *    sides are called swapped only when some evidence says so and none says otherwise. SIP
 *    dialogs give the same message order where there are no control lines (./sip-sides.ts).
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import { ipv4Number } from "../alg/media-flows.js";
import { inCidr, parseCidr } from "../net/cidr.js";
import type { FlowTable } from "../wasm/core.js";
import { flowColumns } from "./flow-columns.js";
import { finding } from "./findings.js";
import { isnAgreement, lineOrder, type Reconciliation } from "./nat.js";
import type { NatHints } from "./sessions.js";
import { sipSides, sipSidesDiagnostic, sipSidesReason } from "./sip-sides.js";
import type { Check, Finding } from "./types.js";
import type { Diagnostic } from "../types.js";

export interface Pairing {
  /** false: the captures are of different runs; undefined: no evidence either way. */
  related?: boolean;
  sides: "as-given" | "swapped" | "unknown";
  findings: Finding[];
  checks: Check[];
  /** Counted limits reached (sip_sides_dialog_limit). */
  diagnostics?: Diagnostic[];
}

const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((t) => parseCidr(t)!);

/**
 * Whether an IPv4 address is RFC 1918. The dotted quads FlowTable renders (no leading zero) are read
 * by ipv4Number, with no allocation; any other text is tested as inCidr does (whose parse makes two
 * arrays and a Uint8Array per call). On the bench pair no session settles the sides, so every one
 * of its 1 067 control sessions is tested: ~7.5 ms where inCidr took ~20 (cold, 12 runs each).
 */
export function private4(ip: string): boolean {
  const a = ipv4Number(ip);
  if (Number.isNaN(a)) return inCidr(ip, RFC1918);
  return a >>> 24 === 10 || a >>> 20 === 0xac1 || a >>> 16 === 0xc0a8;
}

/**
 * Flows the shorter capture of two holds as a copy of the other: the flows of the shorter table,
 * id by id from the first, have the same endpoints in the other, and each starts exactly
 * `shiftNs` later there (0: at the same instant). A copy holds its flows in the same order (one
 * cut short, or converted to another format, a start of them; one re-stamped, as by `editcap -t`,
 * every instant moved by one offset). Undefined when a flow differs, or when the stamps are too
 * coarse to tell (COARSE_NS). The endpoints are compared first, so captures across a NAT part at
 * their first translated flow; the instants to the nanosecond (the table's own u64, not the
 * columns' milliseconds).
 */
function copyOf(a: FlowTable, b: FlowTable): { flows: number; shiftNs: bigint } | undefined {
  const n = Math.min(a.count, b.count);
  if (n === 0) return undefined;
  const x = flowColumns(a);
  const y = flowColumns(b);
  const shiftNs = b.firstNs(1) - a.firstNs(1);
  let fine = false;
  for (let id = 1; id <= n; id++) {
    if (x.initiator[id] !== y.initiator[id] || x.responder[id] !== y.responder[id]) return undefined;
    const t = a.firstNs(id);
    if (b.firstNs(id) - t !== shiftNs) return undefined;
    fine ||= t % COARSE_NS !== 0n;
  }
  // Stamps of COARSE_NS or coarser (every instant a whole number of them) would show a router's
  // few microseconds as no time at all: such captures are never called copies.
  return fine ? { flows: n, shiftNs } : undefined;
}

/** 10 µs: a capture whose every flow starts on a whole number of these is too coarse to tell a copy by. */
const COARSE_NS = 10_000n;

/**
 * Flows that, one constant offset apart, make a re-stamped copy without another sign. A router
 * forwards no two packets in the same time to the timestamp's last digit, but one flow, or a few
 * started from the same side, may by chance keep one offset; this many may not.
 */
export const SHIFTED_COPY_FLOWS = 16;

/** "0.5 s later" / "0.000001 s earlier": seconds to the nanosecond, no trailing zero. */
function shiftText(ns: bigint): string {
  const a = ns < 0n ? -ns : ns;
  const frac = (a % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${a / 1_000_000_000n}${frac ? `.${frac}` : ""} s ${ns < 0n ? "earlier" : "later"}`;
}

export function assessPairing(inside: AnalyzeResult, outside: AnalyzeResult, nat: Reconciliation, hints?: NatHints, sipSidesDialogs?: number): Pairing {
  const findings: Finding[] = [];
  const checks: Check[] = [];
  const isn = isnAgreement(nat);
  const lines = lineOrder(inside, outside, nat);
  const sip = sipSides(inside, outside, nat, sipSidesDialogs);
  const ordered = lines.asGiven + lines.swapped + sip.asGiven + sip.swapped;
  /** Control connections and SIP dialogs whose order was examined (those whose lines/messages matched both ways). */
  const examined = lines.connections + sip.judged;
  // Evidence of one run is the rule among what was compared, not a coincidence among many that
  // contradict it: captures of two runs of one lab (or of one generator) pair flows by endpoints
  // and times, and a few of those pairs agree by chance — an ISN now and then, a control
  // connection whose few lines happen to fall in NAT order (two 1 GiB bench captures of different
  // seeds: 25 of 1 000 ISNs, 1 of 209 connections). ISNs: at least half agree (a firewall that
  // randomises them makes all differ), or "different" when fewer than one in ten do. Order: at
  // least half of the examined connections and dialogs keep one clock offset.
  const isnSame = isn.compared > 0 && isn.agree * 2 >= isn.compared;
  const isnDifferent = isn.compared > 0 && isn.agree * 10 < isn.compared;
  const orderSame = ordered > 0 && ordered * 2 >= examined;
  const subject = `${inside.scan.info.file} and ${outside.scan.info.file}`;
  let related: boolean | undefined;
  const anyFlows = inside.scan.flows.count > 0 && outside.scan.flows.count > 0;
  const copy = copyOf(inside.scan.flows, outside.scan.flows);
  // Same instants: a copy. One offset: a copy re-stamped when the flows are too many to keep it by
  // chance, or when control lines or SIP messages in both directions keep it to the nanosecond —
  // across a router the client's lines reach the far side after its near one and the server's
  // before, so the two directions never share one difference (lineOrder's spread is 0 only then).
  const linesKeepShift = lines.connections > 0 && lines.spreadMs === 0;
  if (copy && (copy.shiftNs === 0n || copy.flows >= SHIFTED_COPY_FLOWS || linesKeepShift || sip.still > 0)) {
    related = false;
    const counts = (r: AnalyzeResult) => `${r.scan.info.packets} packets, ${r.scan.flows.count} flows`;
    const which = `the ${copy.flows === inside.scan.flows.count && copy.flows === outside.scan.flows.count ? "" : "first "}${copy.flows} flow(s) of the two captures`;
    const both = `(inside ${counts(inside)}; outside ${counts(outside)})`;
    const keepers = [linesKeepShift ? `the control lines of ${lines.connections} connection(s)` : "", sip.still ? `the SIP messages of ${sip.still} dialog(s)` : ""].filter(Boolean);
    const kept = keepers.length ? `, and ${keepers.join(" and ")} keep that offset in both directions` : "";
    const text = copy.shiftNs === 0n
      ? `${which} have the same endpoints and start at the same instant on both sides ${both}: they are copies of one capture, not the two sides of the router`
      : `${which} have the same endpoints and each starts exactly ${shiftText(copy.shiftNs)} in the outside capture${kept} ${both}: one capture and a copy of it with its times moved (as by editcap -t), not the two sides of the router, which never forwards every packet in the same time`;
    findings.push(finding("nat.captures-identical", text, { insideFlows: [1], outsideFlows: [1] }));
  } else if (anyFlows && nat.paired === 0) {
    related = false;
    findings.push(finding("nat.captures-unrelated", "no flow of the inside capture has a counterpart in the outside capture", {}));
  } else if (isnDifferent && !orderSame) {
    related = false;
    const [a, b] = isn.differExample!;
    const isnText = isn.agree ? `${isn.compared - isn.agree} of the ${isn.compared} TCP connection(s) paired by their endpoints have different initial sequence numbers on the two sides (${isn.agree} agree, as by chance)` : `the ${isn.compared} TCP connection(s) paired by their endpoints all have different initial sequence numbers on the two sides`;
    const orderText = ordered ? `only ${ordered} of the ${examined} control connection(s) and SIP dialog(s) compared ${ordered === 1 ? "keeps" : "keep"} one clock offset` : "no control connection keeps one clock offset";
    findings.push(finding("nat.captures-unrelated", `${isnText}, and ${orderText}`, { insideFlows: [a], outsideFlows: [b] }, `e.g. inside flow ${a} ISN ${nat.insideTable.isn(a)}, outside flow ${b} ISN ${nat.outsideTable.isn(b)}`));
  } else if (isnSame || orderSame) related = true;
  if (related === false) checks.push({ check: "nat-pairing", subject, status: "failed", reason: `${apartReason(findings)}: nothing is judged across them` });
  else if (related) {
    checks.push({
      check: "nat-pairing", subject, status: "passed",
      reason: isnSame ? `${isn.agree} of ${isn.compared} TCP connection(s) paired across the NAT have the same initial sequence number on both sides` : `${isn.compared ? `the initial sequence numbers differ${isn.agree ? ` (${isn.agree} of ${isn.compared} agree)` : ""} (randomised by the firewall?), but ` : ""}${[lines.asGiven + lines.swapped ? `${lines.asGiven + lines.swapped} control connection(s)` : "", sip.asGiven + sip.swapped ? `${sip.asGiven + sip.swapped} SIP dialog(s)` : ""].filter(Boolean).join(" and ")} keep one clock offset (spread ${Math.max(lines.spreadMs, sip.spreadMs).toFixed(3)} ms)`,
    });
  } else {
    checks.push({
      check: "nat-pairing", subject, status: "not-checked",
      reason: !isn.compared && !examined ? "no TCP connection with its SYN on both sides and no control connection on both sides: the pairing rests on endpoints and times only"
        : `the evidence is mixed (${[isn.compared ? `${isn.agree} of ${isn.compared} TCP connection(s) paired across the NAT have the same initial sequence number on both sides` : "", examined ? `${ordered} of ${examined} control connection(s) and SIP dialog(s) keep one clock offset` : ""].filter(Boolean).join("; ")}): neither that the captures are of one run nor that they are not; the pairing rests on endpoints and times`,
    });
  }

  // Sides: only between captures of one run.
  let asGiven = 0;
  let swapped = 0;
  const why: string[] = [];
  if (related !== false) {
    asGiven += lines.asGiven;
    swapped += lines.swapped;
    if (lines.swapped) why.push(`on ${lines.swapped} control connection(s) every client→server line reached the outside capture first and every server→client line the inside one`);
    asGiven += sip.asGiven;
    swapped += sip.swapped;
    if (sip.swapped) why.push(sipSidesReason(sip));
    const nets = hints?.insideNets;
    if (nets?.length) {
      const outIn = outside.sessions.filter((s) => inCidr(s.client.ip, nets)).length;
      const inIn = inside.sessions.filter((s) => inCidr(s.client.ip, nets)).length;
      if (outIn && !inIn) {
        swapped++;
        why.push(`${outIn} control connection(s) of the outside capture come from the --inside-net`);
      } else if (inIn && !outIn) asGiven++;
    }
    for (const s of inside.sessions) {
      const m = nat.byInside.get(s.controlFlow);
      if (!m || m.direction !== "outbound" || m.inside.ip.includes(":")) continue;
      const pi = private4(m.inside.ip);
      const pt = private4(m.translated.ip);
      if (!pi && pt) {
        swapped++;
        why.push(`the inside client ${m.inside.ip} (public) leaves as ${m.translated.ip} (RFC 1918)`);
        break;
      }
      if (pi && !pt) {
        asGiven++;
        break;
      }
    }
  }
  const sides = swapped && !asGiven ? "swapped" : asGiven && !swapped ? "as-given" : "unknown";
  if (sides === "swapped") {
    const [a, b] = lines.example ?? (sip.example ? [sip.example.insideFlow, sip.example.outsideFlow] : [undefined, undefined]);
    findings.push(finding("nat.sides-swapped", `--inside ${inside.scan.info.file} was taken on the outside of the NAT and --outside ${outside.scan.info.file} on the inside; this report is computed with the sides swapped back`, { insideFlows: a ? [a] : undefined, outsideFlows: b ? [b] : undefined }, why.join("; ")));
    checks.push({ check: "sides", subject, status: "failed", reason: `swapped: ${why.join("; ")}` });
  } else if (sides === "as-given") {
    checks.push({ check: "sides", subject, status: "passed", reason: lines.asGiven ? `on ${lines.asGiven} control connection(s) every client→server line was seen inside first and every server→client line outside first` : sip.asGiven ? sipSidesReason(sip) : "the addresses say so (--inside-net, RFC 1918)" });
  } else {
    checks.push({ check: "sides", subject, status: "not-checked", reason: related === false ? apartReason(findings, false) : swapped && asGiven ? "the evidence disagrees (some connections look swapped, some not)" : lines.connections ? `the control lines of ${lines.connections} connection(s) do not show which side each entered from (no constant clock offset separates the two directions)` : `no control connection with lines in both directions on both sides${sip.dialogs || sip.notExamined ? `, and ${sipSidesReason(sip)}` : ""}` });
  }
  const limit = sipSidesDiagnostic(sip, inside.scan.info.file);
  return { related, sides, findings, checks, ...(limit ? { diagnostics: [limit] } : {}) };
}

/**
 * Why nothing is judged across the captures (the pairing's `related` false): copies of one
 * capture, or captures of different runs; with its finding's code unless `code` is false.
 */
export function apartReason(findings: Finding[], code = true): string {
  const copies = findings.some((f) => f.code === "nat.captures-identical");
  const why = copies ? "the captures are copies of one capture" : "the captures are not of the same run";
  return code ? `${why} (${copies ? "nat.captures-identical" : "nat.captures-unrelated"})` : why;
}
