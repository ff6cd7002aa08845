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
import type { RouterEndpoint, RouterEvent, RouterExpectation, RouterParseResult, SrxSipCall, SrxSipTransaction } from "../router/types.js";
import type { Check, Evidence, Finding, PredictedConversation } from "./types.js";
import type { MatchCaptures } from "./router-match.js";
import { finding } from "./findings.js";
import { hostPort } from "../net/addr.js";
import { flowSpan } from "./flow-columns.js";
import { anyCut, cutReason } from "./cuts.js";

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
    // /proc/net/nf_conntrack_expect prints no master: there, an expectation from the registrar to the Contact's address stands for one of this connection
    const sameMaster = sip.some((x) => x.master !== undefined ? sameServer(x.master, r.master.dst) : x.src.ip === r.registrar && x.dst.ip === r.contact.ip);
    const masterless = sip.some((x) => x.master === undefined);
    if (!r.accepted) {
      checks.push({ check: "conntrack-expectation", subject, status: "not-checked", reason: r.expires === 0 ? "expires 0 (an unregistration): no expectation is due" : "no 2xx accepted it in the outside capture: the helper keeps the expectation only after a 2xx" });
    } else if (!sameMaster) {
      checks.push({ check: "conntrack-expectation", subject, status: "not-checked", reason: `none listed, and the listing holds no expectation of this signalling connection${masterless ? ` (nor, where no master is printed, one from the registrar ${r.registrar} to ${r.contact.ip})` : ""}: it was taken at another time (or another router)` });
    } else if (captures.outside?.sipCut) {
      checks.push({ check: "conntrack-expectation", subject, status: "not-checked", reason: `none listed, though the listing holds other expectations of its signalling connection; a later REGISTER that removed it may be among the SIP messages not kept: ${cutReason(captures.outside, "outside", "sipCut")}` });
    } else {
      const its = sip.some((x) => x.master !== undefined && sameServer(x.master, r.master.dst)) ? "of its signalling connection" : `from the registrar ${r.registrar} to ${r.contact.ip} (no master printed: /proc/net/nf_conntrack_expect)`;
      findings.push(finding("conntrack.expectation-missing", `no sip/signalling expectation for the REGISTER Contact ${ep(r.contact)} (packet ${r.packet}), though the listing holds other expectations ${its}`, { outside: [r.packet] }));
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
 * dialog (inside or outside) has its Call-ID and, when the call shows a Method, sends a request of
 * that method (router.sip-call-mismatch, a warning, otherwise: the listing's Method may be the
 * dialog's first or latest request, so any of its requests agrees; the call's State is quoted,
 * not compared: the SRX's call states are not documented); otherwise not checked, saying that the
 * SRX may hide the Call-ID, or that the captures hold no SIP dialog.
 */
export function srxSipCallChecks(router: RouterParseResult[], captures: MatchCaptures, checks: Check[], findings: Finding[] = []): void {
  const calls: SrxSipCall[] = [];
  const files: string[] = [];
  for (const r of router) for (const d of r.documents) if (d.format === "srx-sip-calls") for (const c of d.calls) { calls.push(c); files.push(d.file); }
  if (!calls.length) return;
  const dialogs = new Map<string, { side: "inside" | "outside"; packet: number; method?: string }[]>();
  /** Request methods seen per Call-ID (upper case), in order of first appearance. */
  const methods = new Map<string, Set<string>>();
  for (const side of ["inside", "outside"] as const) {
    for (const s of captures[side]?.sessions ?? []) {
      const sip = sipOf(s);
      if (!sip) continue;
      const list = dialogs.get(sip.callId) ?? [];
      list.push({ side, packet: sip.messages[0]?.packet ?? 0, method: sip.method });
      dialogs.set(sip.callId, list);
      const set = methods.get(sip.callId) ?? new Set<string>();
      set.add(sip.method.toUpperCase());
      for (const m of sip.messages) if (m.request) set.add(m.request.method.toUpperCase());
      methods.set(sip.callId, set);
    }
  }
  const count = new Set(dialogs.keys()).size;
  const cut = anyCut(captures, "sipCut");
  calls.forEach((c, k) => {
    const subject = `SRX SIP call ${c.callId}${c.method ? ` (${c.method}${c.state ? `, ${c.state}` : ""})` : ""} at ${files[k]}:${c.location.line}`;
    const seen = dialogs.get(c.callId);
    if (seen) {
      const sides = seen.map((x) => `${x.side} packet ${x.packet}`).join(", ");
      const asked = methods.get(c.callId)!;
      if (c.method && !asked.has(c.method.toUpperCase())) {
        const list = [...asked].join(", ");
        if (cut) {
          checks.push({ check: "srx-sip-call", subject, status: "not-checked", reason: `the dialog with this Call-ID (${sides}) sends ${list}, never ${c.method}, as far as it was read: ${cut}` });
          return;
        }
        findings.push(finding("router.sip-call-mismatch", `SRX SIP call ${c.callId} is listed with Method ${c.method}, which its dialog never sends: its requests are ${list} (${sides})`, { router: [{ file: files[k]!, line: c.location.line }] }));
        checks.push({ check: "srx-sip-call", subject, status: "failed", reason: `the dialog with this Call-ID (${sides}) sends ${list}, never ${c.method} (router.sip-call-mismatch)` });
        return;
      }
      const hidden = seen.every((x) => x.side === "inside") && captures.outside ? "; the outside capture carries another Call-ID for it (the SRX hides Call-IDs)" : "";
      checks.push({ check: "srx-sip-call", subject, status: "passed", reason: `the dialog with this Call-ID: ${sides}${c.method ? `; it sends ${c.method}` : ""}${c.state ? ` (state ${c.state} not compared: the SRX's call states are not documented)` : ""}${hidden}` });
    } else if (!count) {
      checks.push({ check: "srx-sip-call", subject, status: "not-checked", reason: captures.inside || captures.outside ? "the captures hold no SIP dialog" : "no capture to match it against" });
    } else {
      checks.push({ check: "srx-sip-call", subject, status: "not-checked", reason: `no dialog of the ${count} in the captures has this Call-ID; the SRX hides Call-IDs unless disable-call-id-hiding is set, so it may be one of them with its Call-ID rewritten, or a call outside the captures${cut ? `, or one of those not kept (${cut})` : ""}` });
    }
  });
}

/* ------------------------------------------------------------------------------------------ */
/* SRX show security alg sip transactions                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * How long after its request a transaction's responses are due: 64·T1 = 32 s, RFC 3261 §17.1.1.2
 * Timer B / §17.1.2.2 Timer F (the client transaction gives up then). A capture that runs on this
 * long after a request, or shows a response to it or a later request of its dialog, covers the
 * responses the router could have seen.
 */
export const SIP_TRANSACTION_TIMEOUT_MS = 32_000;

/** Transactions named as the nearest to a row that matches none (same CSeq, same method: each at most this many). */
const NEAREST_SHOWN = 3;

/** A SIP transaction seen in one capture (RFC 3261 §17: a request and the responses with its Call-ID and CSeq). */
interface SeenTransaction {
  side: "inside" | "outside";
  callId: string;
  /** CSeq method (upper case) and number. */
  method: string;
  cseq: number;
  /** First copy of the request (retransmissions not counted), and its time. */
  packet: number;
  ms: number;
  /** Responses in order: code and packet. */
  responses: { code: number; packet: number }[];
  /** ACK with the same CSeq number (for an INVITE). */
  ack?: number;
  /** The capture shows what came after the request: a response, a later request of the dialog, or SIP_TRANSACTION_TIMEOUT_MS of capture after it. */
  covered: boolean;
}

/** Every transaction of the captures' SIP dialogs (both sides; a Call-ID the SRX hid differs between them). */
function seenTransactions(captures: MatchCaptures): SeenTransaction[] {
  const out: SeenTransaction[] = [];
  for (const side of ["inside", "outside"] as const) {
    const cap = captures[side];
    if (!cap) continue;
    // Where the capture's SIP ends: its last packet, or where it stopped being read (--max-sip-dialogs).
    const lastMs = cap.scan.flows.count ? flowSpan(cap.scan.flows).lastMs : -Infinity;
    const endMs = cap.sipCut ? Math.min(lastMs, cap.sipCut.ms) : lastMs;
    const byKey = new Map<string, SeenTransaction>();
    const lastRequestMs = new Map<string, number>();
    for (const s of cap.sessions) {
      const sip = sipOf(s);
      if (!sip) continue;
      for (const m of sip.messages) {
        const cseq = m.cseq;
        if (!cseq) continue;
        const callId = m.callId ?? sip.callId;
        const method = cseq.method.toUpperCase();
        const ms = Date.parse(m.time);
        if (m.request) {
          const reqMethod = m.request.method.toUpperCase();
          lastRequestMs.set(callId, Math.max(lastRequestMs.get(callId) ?? -Infinity, ms));
          if (reqMethod === "ACK") {
            const t = byKey.get(`${callId}\n${cseq.num}\nINVITE`);
            if (t && t.ack === undefined) t.ack = m.packet;
            continue;
          }
          const key = `${callId}\n${cseq.num}\n${reqMethod}`;
          if (!byKey.has(key)) {
            const t: SeenTransaction = { side, callId, method: reqMethod, cseq: cseq.num, packet: m.packet, ms, responses: [], covered: endMs - ms >= SIP_TRANSACTION_TIMEOUT_MS };
            byKey.set(key, t);
            out.push(t);
          }
        } else if (m.status) {
          const t = byKey.get(`${callId}\n${cseq.num}\n${method}`);
          if (t) { t.responses.push({ code: m.status.code, packet: m.packet }); t.covered = true; }
        }
      }
    }
    // a later request of the dialog: the transaction's responses were due before it (or never came)
    for (const t of out) if (t.side === side && !t.covered && (lastRequestMs.get(t.callId) ?? -Infinity) > t.ms) t.covered = true;
  }
  return out;
}

const answers = (t: SeenTransaction) => t.responses.length ? t.responses.map((r) => `${r.code} (${t.side} packet ${r.packet})`).join(", ") : "no response";

/** What an SRX transaction state says about its transaction, judged against one seen in a capture. */
interface StateJudgement {
  /** true: consistent; false: contradicted; undefined: the capture cannot tell. */
  ok: boolean | undefined;
  why: string;
}

/**
 * The SRX's state of a transaction against the responses the captures show for it. The states are
 * RFC 3261 §17's (and RFC 6026's Accepted); the SRX prints them for both of its legs: UAS (the
 * request came in: Trying/Proceeding until a final response is sent — the documentation's sample
 * shows a BYE's UAS Proceeding while its UAC is still Calling, so UAS Proceeding needs no
 * provisional response) and UAC (the request went out: Calling/Trying until a response comes,
 * Proceeding after a 1xx, Completed after a final one). A state names what happened, never what
 * has not happened yet: the listing may be taken before a response the capture shows.
 */
function judgeState(row: SrxSipTransaction, t: SeenTransaction): StateJudgement {
  const state = row.state.toLowerCase();
  const prov = t.responses.filter((r) => r.code < 200);
  const finals = t.responses.filter((r) => r.code >= 200);
  const seen = `the captures show ${answers(t)}`;
  const missing = (need: string): StateJudgement => t.covered
    ? { ok: false, why: `${row.state} needs ${need}; ${seen}` }
    : { ok: undefined, why: `${row.state} needs ${need}; the capture shows ${answers(t)} and ends less than ${SIP_TRANSACTION_TIMEOUT_MS / 1000} s after the request, with no later request of its dialog` };
  switch (state) {
    case "calling": case "trying":
      return { ok: true, why: `${row.state}: the request was sent, no response needed${finals.length ? ` (the listing was taken before the ${finals[0]!.code} of ${t.side} packet ${finals[0]!.packet})` : ""}` };
    case "proceeding":
      if (row.role !== "UAC") return { ok: true, why: `${row.state} (${row.role ?? "no role"}): the request was received${row.role ? "" : "; without a UAC:/UAS: role a provisional response is not required"}` };
      return prov.length ? { ok: true, why: `${row.state}: a provisional response came (${prov[0]!.code}, ${t.side} packet ${prov[0]!.packet})` } : missing("a provisional (1xx) response");
    case "completed":
      if (!finals.length) return missing("a final (>= 200) response");
      return { ok: true, why: `${row.state}: a final response (${finals[0]!.code}, ${t.side} packet ${finals[0]!.packet})${t.method === "INVITE" && finals.every((r) => r.code < 300) ? "; RFC 3261 ends an INVITE transaction answered 2xx at once (RFC 6026: Accepted), Completed is for >= 300" : ""}` };
    case "confirmed": {
      if (t.method !== "INVITE") return { ok: false, why: `${row.state} is a state of INVITE server transactions only (RFC 3261 §17.2.1), this is ${t.method}` };
      const fail = finals.find((r) => r.code >= 300);
      if (!fail) return missing("a >= 300 final response and its ACK");
      return t.ack !== undefined ? { ok: true, why: `${row.state}: ${fail.code} (${t.side} packet ${fail.packet}) and its ACK (${t.side} packet ${t.ack})` } : missing(`the ACK of its ${fail.code} (${t.side} packet ${fail.packet})`);
    }
    case "accepted": {
      if (t.method !== "INVITE") return { ok: false, why: `${row.state} is a state of INVITE transactions only (RFC 6026), this is ${t.method}` };
      const ok = finals.find((r) => r.code < 300);
      return ok ? { ok: true, why: `${row.state}: ${ok.code} (${t.side} packet ${ok.packet})` } : missing("a 2xx response");
    }
    case "terminated":
      return { ok: true, why: `${row.state}: ${finals.length ? `final response ${finals[0]!.code} (${t.side} packet ${finals[0]!.packet})` : "no final response in the captures (ended by a timer)"}` };
    default:
      return { ok: undefined, why: `"${row.state}" is not a transaction state of RFC 3261 §17 (Calling, Trying, Proceeding, Completed, Confirmed, Terminated; RFC 6026 Accepted): the state is not compared` };
  }
}

/**
 * SRX SIP transactions against the captures: one check per row. The listing prints no Call-ID,
 * so a row is matched by its method and CSeq number to the captures' transactions (every dialog,
 * both sides: a Call-ID the SRX hid does not matter); its state is then judged against the
 * responses seen (judgeState), passing when one of the candidates agrees. Findings:
 *  - router.sip-transaction-state (error): every candidate that the captures cover contradicts the state;
 *  - router.sip-transaction-mismatch (warning): no transaction has both its method and CSeq, but one has
 *    the CSeq with another method, or the method with another CSeq;
 *  - router.sip-transaction-unseen (warning): the captures show no such transaction at all;
 * the last two only when another row of the listings is a transaction of the captures (so the
 * listing was taken while they ran); otherwise each row is not checked, saying why and naming the
 * nearest transactions the captures hold.
 */
export function srxSipTransactionChecks(router: RouterParseResult[], captures: MatchCaptures, findings: Finding[], checks: Check[]): void {
  const rows: { row: SrxSipTransaction; file: string }[] = [];
  for (const r of router) for (const d of r.documents) if (d.format === "srx-sip-transactions") for (const row of d.transactions) rows.push({ row, file: d.file });
  if (!rows.length) return;
  const seen = seenTransactions(captures);
  // indexes: by method and CSeq, by CSeq, by method, by transaction (its copies on both sides)
  const group = <K>(key: (t: SeenTransaction) => K) => {
    const m = new Map<K, SeenTransaction[]>();
    for (const t of seen) {
      const list = m.get(key(t));
      if (list) list.push(t); else m.set(key(t), [t]);
    }
    return m;
  };
  const byMethodCseq = group((t) => `${t.method} ${t.cseq}`);
  const byCseq = group((t) => t.cseq);
  const byMethod = group((t) => t.method);
  const byTransaction = group((t) => `${t.callId}\n${t.method} ${t.cseq}`);
  const exact = rows.map(({ row }) => byMethodCseq.get(`${row.method.toUpperCase()} ${row.cseq}`) ?? []);
  const related = exact.some((c) => c.length > 0);
  const perSide = (ts: SeenTransaction[], f: (t: SeenTransaction) => string) => {
    const inside = new Set<string>(), outside = new Set<string>();
    for (const t of ts) (t.side === "inside" ? inside : outside).add(f(t));
    return Math.max(inside.size, outside.size);
  };
  const dialogs = perSide(seen, (t) => t.callId);
  /** A transaction where the captures show it: each side's copy with the same Call-ID (a hidden Call-ID makes the outside copy another transaction). */
  const seenAt = (t: SeenTransaction) => `${(byTransaction.get(`${t.callId}\n${t.method} ${t.cseq}`) ?? [t]).map((u) => `${u.side} packet ${u.packet}`).join(", ")} (Call-ID ${t.callId})`;
  /** Transactions of one side at most, with this method and CSeq (the same on both sides is one). */
  const distinct = (ts: SeenTransaction[]) => perSide(ts, (t) => t.callId);
  /** Where a capture's SIP stopped being read (--max-sip-dialogs), if it did: a row matching nothing is then not judged. */
  const cut = anyCut(captures, "sipCut");
  rows.forEach(({ row, file }, k) => {
    const at = { file, line: row.location.line };
    const subject = `SRX SIP transaction ${row.name} (${row.method} CSeq ${row.cseq}, ${row.state}) at ${file}:${row.location.line}`;
    const push = (status: Check["status"], reason: string) => checks.push({ check: "srx-sip-transaction", subject, status, reason });
    const candidates = exact[k]!;
    if (!seen.length) {
      push("not-checked", captures.inside || captures.outside ? "the captures hold no SIP transaction" : "no capture to match it against");
      return;
    }
    if (candidates.length) {
      const judged = candidates.map((t) => ({ t, j: judgeState(row, t) }));
      const n = distinct(candidates);
      const of = n > 1 ? ` (one of ${n} transactions with this method and CSeq: the listing prints no Call-ID)` : "";
      const good = judged.find((x) => x.j.ok === true);
      if (good) { push("passed", `${row.method} CSeq ${row.cseq} at ${seenAt(good.t)}${of}; ${good.j.why}`); return; }
      const open = judged.find((x) => x.j.ok === undefined);
      if (open) { push("not-checked", `${row.method} CSeq ${row.cseq} at ${seenAt(open.t)}${of}; ${open.j.why}`); return; }
      const first = judged[0]!;
      const ev = evidenceOf(candidates, at);
      findings.push(finding("router.sip-transaction-state", `SRX SIP transaction ${row.name} (${row.method} CSeq ${row.cseq}) is ${row.state}, which the captures contradict: ${first.j.why}`, ev));
      push("failed", `${row.method} CSeq ${row.cseq} at ${seenAt(first.t)}${of}; ${first.j.why} (router.sip-transaction-state)`);
      return;
    }
    const sameCseq = byCseq.get(row.cseq) ?? [];
    const sameMethod = (byMethod.get(row.method.toUpperCase()) ?? []).slice().sort((a, b) => Math.abs(a.cseq - row.cseq) - Math.abs(b.cseq - row.cseq));
    // the nearest transactions, each once (its copies on both sides in one mention)
    const nearest = (ts: SeenTransaction[]) => {
      const out: SeenTransaction[] = [];
      const named = new Set<string>();
      for (const t of ts) {
        if (out.length === NEAREST_SHOWN) break;
        const key = `${t.callId}\n${t.method} ${t.cseq}`;
        if (!named.has(key)) { named.add(key); out.push(t); }
      }
      return out;
    };
    const near = [
      ...nearest(sameCseq).map((t) => `CSeq ${t.cseq} is ${t.method} at ${seenAt(t)}`),
      ...nearest(sameMethod).map((t) => `${t.method} has CSeq ${t.cseq} at ${seenAt(t)}`),
    ];
    const nearText = near.length ? `the captures show ${near.join("; ")}` : `the captures show no ${row.method} and no CSeq ${row.cseq}`;
    if (!related) {
      push("not-checked", `no transaction of the ${dialogs} SIP dialog(s) in the captures has ${row.method} CSeq ${row.cseq}, nor does any other row of the listing match one: it was taken at another time, on another router, or of calls outside the captures (${nearText})`);
      return;
    }
    if (cut) {
      push("not-checked", `no transaction in the captures has ${row.method} CSeq ${row.cseq} (${nearText}), but it may be among the SIP messages not kept: ${cut}`);
      return;
    }
    const ev = evidenceOf(sameCseq.slice(0, 2 * NEAREST_SHOWN).concat(sameMethod.slice(0, 2 * NEAREST_SHOWN)), at);
    if (near.length) {
      findings.push(finding("router.sip-transaction-mismatch", `SRX SIP transaction ${row.name} is ${row.method} CSeq ${row.cseq}, which no transaction in the captures is: ${nearText}`, ev));
      push("failed", `no transaction in the captures has ${row.method} CSeq ${row.cseq}; ${nearText} (router.sip-transaction-mismatch)`);
    } else {
      findings.push(finding("router.sip-transaction-unseen", `SRX SIP transaction ${row.name} (${row.method} CSeq ${row.cseq}, ${row.state}) is in no capture: ${nearText}, though other rows of the listing are transactions of the captures`, ev));
      push("failed", `${nearText}, though other rows of the listing are transactions of the captures (router.sip-transaction-unseen)`);
    }
  });
}

function evidenceOf(ts: SeenTransaction[], router: { file: string; line: number }): Evidence {
  const ev: Evidence = { router: [router] };
  for (const t of ts) {
    const list = (ev[t.side] ??= []);
    list.push(t.packet);
    for (const r of t.responses) list.push(r.packet);
  }
  return ev;
}

/* ------------------------------------------------------------------------------------------ */
/* conntrack -E events: the helper of the control / signalling / request connection            */
/* ------------------------------------------------------------------------------------------ */

/** ALGs with a helper in mainline Linux (as predict.ts LINUX_HELPERS): their control connection's conntrack carries `helper=`. */
const EVENT_HELPERS = new Set(["ftp", "sip", "tftp"]);

/**
 * `conntrack -E` events (format conntrack-events) name each connection's helper on its [NEW] and
 * [UPDATE] lines, as `conntrack -L` does on its entry; predict.ts compares only `-L` entries flow by
 * flow. So when no `-L` entry was compared (`entriesCompared` false), the control initiator (I line:
 * the inside host's pre-NAT tuple = the event's original tuple) of each FTP, SIP and TFTP
 * conversation is looked up among the events: one `conntrack-event` check per connection (SIP
 * dialogs sharing a signalling flow: one), passed when an event of it carries the ALG's helper,
 * failed with conntrack.helper-missing (a warning, as for `-L`) when its events carry none or
 * another, not checked when none of the events is of it.
 */
export function conntrackEventHelperChecks(predicted: PredictedConversation[], events: RouterEvent[], entriesCompared: boolean, findings: Finding[], checks: Check[]): void {
  const ct = events.filter((e) => e.format === "conntrack-events");
  if (!ct.length || entriesCompared) return;
  const seen = new Set<string>();
  const same = (a: RouterEndpoint, b: RouterEndpoint) => a.ip === b.ip && a.port === b.port;
  for (const c of predicted) {
    if (!EVENT_HELPERS.has(c.alg)) continue;
    const p = c.flows.find((f) => f.role === "control initiator" && f.dir === "I");
    if (!p) continue;
    const key = `${c.alg}|${p.proto}|${ep(p.src)}>${ep(p.dst)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const what = c.alg === "sip" ? "SIP signalling" : c.alg === "tftp" ? "TFTP request" : "FTP control";
    const subject = `${what} connection ${p.proto} ${ep(p.src)} -> ${ep(p.dst)} in conntrack -E events`;
    const mine = ct.filter((e) => String(e.proto).toUpperCase() === p.proto.toUpperCase() && same(e.src, p.src) && same(e.dst, p.dst));
    if (!mine.length) {
      checks.push({ check: "conntrack-event", subject, status: "not-checked", reason: "no event of this connection: conntrack -E shows only what happened while it ran" });
      continue;
    }
    const hit = mine.find((e) => e.alg === c.alg);
    const at = (e: RouterEvent) => `${e.location.file}:${e.location.line}`;
    if (hit) {
      checks.push({ check: "conntrack-event", subject, status: "passed", reason: `[${hit.tag}] ${at(hit)} carries helper=${c.alg}` });
      continue;
    }
    const other = mine.find((e) => e.alg !== undefined);
    const has = other ? `helper=${other.alg}, not helper=${c.alg}` : "no helper=";
    findings.push(finding("conntrack.helper-missing", `${what} connection ${ep(p.src)} -> ${ep(p.dst)} has ${has} in its conntrack -E events`, { router: mine.slice(0, 4).map((e) => ({ file: e.location.file, line: e.location.line })) }));
    checks.push({ check: "conntrack-event", subject, status: "failed", reason: `its ${mine.length} event(s) (first [${mine[0]!.tag}] ${at(mine[0]!)}) carry ${has} (conntrack.helper-missing)` });
  }
}
