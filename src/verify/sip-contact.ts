/**
 * A Contact that this router rewrote to the NAT address with another port than its signalling
 * connection's mapping (an outbound message; compareFields said `wrong-port`). A NAT may do that
 * on purpose: Linux's nf_nat_sip, when the REGISTER's signalling expectation is taken by another
 * connection's (EBUSY), moves the expectation, and the Contact with it, to a random port above the
 * wanted one (nf_nat_exp_find_port, ALG-BEHAVIOUR.md §8.3); requests to the Contact then reach the
 * inside host through that pinhole. Whether the port is right is decided from the outside capture:
 * new signalling connections (the dialog's transport) to the NAT address and that port, opened
 * after the message, and where the NAT sent each (the flow pairing):
 *   - forwarded: one reached the inside host's Contact endpoint: the port is the NAT's, the field
 *     is `rewritten` (its note says so), no finding;
 *   - not-forwarded: they died at the router or went to another inside endpoint: the error
 *     `alg.payload-port-mismatch`, naming those flows;
 *   - not-seen: no such connection in the capture. Above the wanted port (what Linux does) the
 *     finding is a warning and the rewrite check is not judged on it; below it (no known ALG
 *     moves a port down) it stays the error.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { Endpoint } from "../types.js";
import { hostPort } from "../net/addr.js";
import type { Reconciliation } from "./nat.js";
import { addressFields, type FieldCheck, type SipMessageView, type SipTranslation } from "./sip-fields.js";

export interface MovedContact {
  status: "forwarded" | "not-forwarded" | "not-seen";
  /** The Contact as this router wrote it (NAT address, moved port) and as the inside host wrote it. */
  moved: { ip: string; port: number };
  private: { ip: string; port: number };
  /** The port the signalling mapping gives (what compareFields expected). */
  wanted: number;
  /** Outside flows to the moved endpoint after the message, and the inside flow each reached (0: none). */
  flows: { outside: number; inside: number; to?: Endpoint }[];
}

/** Flow ids by responder port (TCP/UDP), per capture, built once (only when a moved Contact or a REGISTER needs it). */
const byResponderPort = new WeakMap<AnalyzeResult, Map<number, number[]>>();

export function responderIndex(r: AnalyzeResult): Map<number, number[]> {
  let x = byResponderPort.get(r);
  if (x) return x;
  x = new Map();
  const t = r.scan.flows;
  for (let id = 1; id <= t.count; id++) {
    const p = t.port(id, 1);
    const l = x.get(p);
    if (l) l.push(id);
    else x.set(p, [id]);
  }
  byResponderPort.set(r, x);
  return x;
}

/**
 * What the NAT did with the moved Contact `c` (outbound, status wrong-port) of message mi/mo;
 * undefined when the check is not such a Contact or there is no outside capture or pairing.
 */
export function movedContact(c: FieldCheck, mi: SipMessageView, mo: SipMessageView, t: SipTranslation, transport: "udp" | "tcp" | undefined, input: { outside?: AnalyzeResult; nat?: Reconciliation }): MovedContact | undefined {
  if (c.field !== "contact" || c.status !== "wrong-port" || !input.outside || !input.nat || t.nat.port === null || t.nat.port === undefined) return undefined;
  const vi = addressFields(mi).find((x) => x.field === "contact" && x.index === c.index)?.value;
  const vo = addressFields(mo).find((x) => x.field === "contact" && x.index === c.index)?.value;
  if (!vi || !vo) return undefined;
  const moved = { ip: vo.ip, port: vo.port ?? 5060 };
  const priv = { ip: vi.ip, port: vi.port ?? 5060 };
  const out: MovedContact = { status: "not-seen", moved, private: priv, wanted: t.nat.port, flows: [] };
  const flows = input.outside.scan.flows;
  for (const id of responderIndex(input.outside).get(moved.port) ?? []) {
    if ((transport && flows.proto(id) !== transport) || id === mo.flow) continue;
    const f = flows.get(id);
    if (f.responder.ip !== moved.ip || f.first.packet <= mo.packet) continue;
    const m = input.nat.byOutside.get(id);
    out.flows.push({ outside: id, inside: m?.insideFlow ?? 0, ...(m ? { to: m.inside } : {}) });
  }
  const reached = out.flows.some((x) => x.to && x.to.ip === priv.ip && x.to.port === priv.port);
  out.status = reached ? "forwarded" : out.flows.length ? "not-forwarded" : "not-seen";
  return out;
}

const ep = (e: { ip: string; port?: number | null }) => hostPort(e.ip, e.port);

/** The field's note for a moved Contact (every status). */
export function movedNote(x: MovedContact): string {
  const from = `moved from the signalling mapping's port ${x.wanted} to ${x.moved.port}`;
  if (x.status === "forwarded") {
    const f = x.flows.find((y) => y.to && y.to.ip === x.private.ip && y.to.port === x.private.port)!;
    return `${from}: the NAT forwards signalling there (outside flow ${f.outside} reached ${ep(x.private)}, inside flow ${f.inside}), as Linux does after EBUSY`;
  }
  if (x.status === "not-forwarded") return `${from}, but signalling to ${ep(x.moved)} did not reach ${ep(x.private)}: ${x.flows.map(flowText).join("; ")}`;
  return `${from}; no signalling to ${ep(x.moved)} in the outside capture shows whether the NAT forwards it`;
}

const flowText = (f: MovedContact["flows"][number]) => (f.to ? `outside flow ${f.outside} went to ${ep(f.to)} (inside flow ${f.inside})` : `outside flow ${f.outside} did not cross the router`);

/** Whether a moved Contact not seen used is only a warning (above the wanted port: what Linux does). */
export const movedUpward = (x: MovedContact) => x.status === "not-seen" && x.moved.port > x.wanted;
