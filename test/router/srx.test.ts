/** SRX `show security flow session` and `show security alg status`. */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { parseRouterText, type SrxAlgStatusDocument, type SrxFlowSessionDocument } from "../../src/router/index.js";
import { fixturePath, read, SHARED_OUTPUT } from "./helpers.js";

describe("SRX", () => {
  test("the vSRX ICMP session: wings, attributes and source NAT from the Out: wing", () => {
    const r = parseRouterText(read(path.join(SHARED_OUTPUT, "srx__show-security-flow-session__vsrx-24.4-icmp-nat.txt")), "s.txt");
    const s = (r.documents[0] as SrxFlowSessionDocument).sessions[0]!;
    expect(s).toMatchObject({ sessionId: "17179902569", policy: "allow-everything-out-not-logged/270", haState: "Active", timeout: 18, sessionState: "Valid" });
    expect(s.in).toMatchObject({ proto: "icmp", connTag: "0x0", interface: "reth1.1000", packets: 1, bytes: 84, src: { ip: "192.168.99.201", port: 18277 } });
    expect(s.out).toMatchObject({ interface: "reth0.0", packets: 0, bytes: 0, dst: { ip: "50.220.171.30", port: 11623 } });
    expect(r.flows[0]).toMatchObject({ proto: "icmp", id: "17179902569", packets: { orig: 1, reply: 0 }, bytes: { orig: 84, reply: 0 },
      nat: [{ kind: "source", from: { ip: "192.168.99.201", port: 18277 }, to: { ip: "50.220.171.30", port: 11623 } }] });
  });
  test("cluster: node headers, dashes, totals per node, IPv6 split at the last /", () => {
    const r = parseRouterText(read(fixturePath("srx-cluster-sessions.raw")), "c.txt");
    const d = r.documents[0] as SrxFlowSessionDocument;
    expect(d.sessions.map((s) => [s.node, s.sessionId])).toEqual([["node0", "17179902569"], ["node0", "17179902570"], ["node1", "8590000001"]]);
    expect(d.totals).toEqual([{ node: "node0", total: 2 }, { node: "node1", total: 1 }]);
    expect(d.sessions[2]!.in!.src).toEqual({ ip: "2001:db8:1::10", port: 40113 });
  });
  test("destination NAT is derived when the Out: source differs from the In: destination", () => {
    const text = "Session ID: 5, Policy name: p/1, Timeout: 10, Session State: Valid\n  In: 198.51.100.9/5000 --> 203.0.113.1/21;tcp, If: ge-0/0/0.0, Pkts: 1, Bytes: 60,\n  Out: 10.0.0.21/21 --> 198.51.100.9/5000;tcp, If: ge-0/0/1.0, Pkts: 1, Bytes: 60,\nTotal sessions: 1";
    const r = parseRouterText(text, "d.txt");
    expect(r.diagnostics).toEqual([]);
    expect(r.flows[0]!.nat).toEqual([{ kind: "dest", from: { ip: "203.0.113.1", port: 21 }, to: { ip: "10.0.0.21", port: 21 } }]);
  });
  test("unknown lines under a session: key: value kept (info), other text reported", () => {
    const text = "Session ID: 5, Policy name: p/1, Timeout: 10, Session State: Valid\n  Resource information : FTP ALG, 1, 0\n  what is this\n  In: 1.1.1.1/1 --> 2.2.2.2/21;tcp, If: x,";
    const r = parseRouterText(text, "d.txt");
    const s = (r.documents[0] as SrxFlowSessionDocument).sessions[0]!;
    expect(s.attributes["Resource information"]).toBe("FTP ALG, 1, 0");
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.line, d.column])).toEqual([["unknown_field", "info", 2, 2], ["unknown_line", "error", 3, 2]]);
    expect(s.in).toBeDefined();
  });
  test("ALG status", () => {
    const r = parseRouterText(read(path.join(SHARED_OUTPUT, "srx__show-security-alg-status__vsrx-24.4.txt")), "a.txt");
    const algs = (r.documents[0] as SrxAlgStatusDocument).algs;
    expect(algs).toHaveLength(16);
    expect(algs.find((a) => a.name === "FTP")).toMatchObject({ enabled: false, status: "Disabled", location: { line: 4 } });
    expect(algs.find((a) => a.name === "RTSP")).toMatchObject({ enabled: true });
    expect(algs.find((a) => a.name === "IKE-ESP")).toMatchObject({ enabled: false });
  });
});
