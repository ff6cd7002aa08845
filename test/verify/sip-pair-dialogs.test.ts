/**
 * How verify pairs the SIP dialogs of the two captures (src/verify/sip.ts pairDialogs): by
 * Call-ID; where the router rewrote it (an SRX hides Call-IDs by default), by the first message's
 * kind, CSeq and topmost Via branch on a control flow the NAT reconciliation paired; each outside
 * dialog at most once, in its capture's order; then the outside dialogs left alone. Built on
 * sessions written here (only the fields pairing reads).
 */
import { describe, expect, it } from "vitest";
import { pairDialogs, type SipSession } from "../../src/verify/sip.js";
import type { Reconciliation } from "../../src/verify/nat.js";

let nextId = 1;
function dialog(callId: string, branch: string, controlFlow: number, method = "INVITE"): SipSession {
  const first = { request: { method, uri: "sip:x" }, cseq: { num: 1, method }, via: [{ branch }], packet: nextId, time: "" };
  return { id: nextId++, alg: "sip", controlFlow, sip: { callId, method, transport: "udp", flows: [controlFlow], messages: [first] } } as unknown as SipSession;
}

/** A reconciliation whose only content is inside flow → outside flow. */
function nat(pairs: [number, number][]): Reconciliation {
  return { byInside: new Map(pairs.map(([i, o]) => [i, { outsideFlow: o }])) } as unknown as Reconciliation;
}

const ids = (pairs: [SipSession | undefined, SipSession | undefined][]) => pairs.map(([a, b]) => [a?.sip.callId, b?.sip.callId]);

describe("pairDialogs", () => {
  it("by Call-ID first, then by first transaction on paired flows, each outside dialog once, the rest after", () => {
    const ins = [dialog("a", "z9hG4bK1", 1), dialog("b", "z9hG4bK2", 2), dialog("c", "z9hG4bK3", 3), dialog("d", "z9hG4bK4", 4)];
    const outs = [
      dialog("hidden-c", "z9hG4bK3", 13), dialog("a", "z9hG4bK1", 11), dialog("hidden-b-wrong-flow", "z9hG4bK2", 99),
      dialog("hidden-b", "z9hG4bK2", 12), dialog("x", "z9hG4bK9", 19),
    ];
    const pairs = pairDialogs(ins, outs, nat([[1, 11], [2, 12], [3, 13], [4, 14]]));
    expect(ids(pairs)).toEqual([
      ["a", "a"], ["b", "hidden-b"], ["c", "hidden-c"], ["d", undefined],
      [undefined, "hidden-b-wrong-flow"], [undefined, "x"],
    ]);
    // Without a reconciliation the flows are not asked: the first in the outside capture's order.
    expect(ids(pairDialogs(ins, outs))[1]).toEqual(["b", "hidden-b-wrong-flow"]);
  });

  it("two inside dialogs with the same first transaction take the outside ones in order, once each", () => {
    const ins = [dialog("i1", "z9hG4bKsame", 1, "REGISTER"), dialog("i2", "z9hG4bKsame", 1, "REGISTER")];
    const outs = [dialog("o1", "z9hG4bKsame", 11, "REGISTER"), dialog("o2", "z9hG4bKsame", 11, "REGISTER")];
    expect(ids(pairDialogs(ins, outs, nat([[1, 11]])))).toEqual([["i1", "o1"], ["i2", "o2"]]);
  });

  it("20 000 dialogs whose Call-IDs the router rewrote all pair, each with its own", () => {
    const n = 20_000;
    const ins: SipSession[] = [];
    const outs: SipSession[] = [];
    const flows: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      ins.push(dialog(`in-${i}`, `z9hG4bK${i}`, 100_000 + i));
      flows.push([100_000 + i, 200_000 + i]);
    }
    // The outside capture lists them in reverse order.
    for (let i = n - 1; i >= 0; i--) outs.push(dialog(`out-${i}`, `z9hG4bK${i}`, 200_000 + i));
    const pairs = pairDialogs(ins, outs, nat(flows));
    expect(pairs).toHaveLength(n);
    expect(pairs.every(([a, b]) => b !== undefined && a!.sip.callId.slice(3) === b.sip.callId.slice(4))).toBe(true);
  });
});
