/**
 * SIP through a NAT, the pure parts of src/verify/sip*.ts: SIP URI host/port, the per-field
 * comparison of one message's inside and outside copies against the signalling flow's
 * translation (rewritten / not rewritten / wrong / wrong port / Linux o= artefact, inbound
 * reversal), Content-Length, message pairing by CSeq + branch, and the Linux emulation's
 * conditions (ALG-BEHAVIOUR.md §8). The messages are written out as the parser reports them.
 */
import { describe, expect, it } from "vitest";
import { compareFields, lengthProblem, uriHostPort, type SipMessageView, type SipTranslation } from "../../src/verify/sip-fields.js";
import { linuxProblems } from "../../src/verify/sip-linux.js";
import { lengthCheck, pairMessages } from "../../src/verify/sip.js";
import type { Finding } from "../../src/verify/types.js";

const PRIV = { ip: "192.0.2.10", port: 5060 };
const NAT = { ip: "203.0.113.1", port: 5060 };
const BOB = { ip: "198.51.100.20", port: 5060 };
const t: SipTranslation = { private: PRIV, nat: NAT, mediaPort: (ip, port) => (ip === PRIV.ip && port === 7000 ? 7002 : undefined) };

/** An INVITE from alice naming `sig` (Via/Contact/From) and `media` (SDP) as given. */
function invite(o: { sig: string; media: string; port: number; origin?: string; src?: typeof PRIV; branch?: string; len?: number; body?: number }): SipMessageView {
  const [host, port] = o.sig.split(":");
  return {
    packet: 1, time: "2024-01-02T03:04:05.000000000Z", flow: 1, src: o.src ?? PRIV, dst: BOB,
    request: { method: "INVITE", uri: "sip:bob@198.51.100.20:5060" },
    cseq: { num: 1, method: "INVITE" },
    via: [{ transport: "UDP", host: host!, port: Number(port), branch: o.branch ?? "z9hG4bK-1" }],
    contact: [{ uri: `<sip:alice@${o.sig}>` }],
    from: { uri: `"alice" <sip:alice@${o.sig}>`, tag: "a1" },
    to: { uri: "<sip:bob@198.51.100.20:5060>" },
    contentLength: o.len ?? 122, bodyLength: o.body ?? 122,
    sdp: { origin: { ip: o.origin ?? o.media }, connection: { ip: o.media }, media: [{ type: "audio", port: o.port, proto: "RTP/AVP" }] },
  };
}

const byField = (cs: ReturnType<typeof compareFields>) => Object.fromEntries(cs.map((c) => [`${c.field}#${c.index}`, c.status]));

describe("SIP URI host and port", () => {
  it("reads userinfo, IPv4, [IPv6], names, ports and parameters", () => {
    expect(uriHostPort("<sip:alice@192.0.2.10:5060>;tag=1")).toEqual({ ip: "192.0.2.10", port: 5060 });
    expect(uriHostPort("\"A\" <sip:alice@192.0.2.10>")).toEqual({ ip: "192.0.2.10" });
    expect(uriHostPort("sip:[2001:db8::1]:5070;transport=tcp")).toEqual({ ip: "2001:db8::1", port: 5070 });
    expect(uriHostPort("sips:bob@example.com")).toEqual({ ip: "example.com" });
    expect(uriHostPort("tel:+123")).toBeUndefined();
  });
});

describe("per-field rewrite across the NAT", () => {
  it("a working ALG: every private value names the NAT, the media port the NAT's", () => {
    const cs = compareFields(invite({ sig: "192.0.2.10:5060", media: PRIV.ip, port: 7000 }), invite({ sig: "203.0.113.1:5060", media: NAT.ip, port: 7002, src: NAT }), t, true);
    expect(byField(cs)).toEqual({
      "request-uri#0": "not-needed", "via#0": "rewritten", "contact#0": "rewritten", "from#0": "rewritten", "to#0": "not-needed",
      "sdp-origin#0": "rewritten", "sdp-connection#0": "rewritten", "sdp-media#0": "rewritten",
    });
  });

  it("no ALG: private values left on the outside are not-rewritten", () => {
    const cs = compareFields(invite({ sig: "192.0.2.10:5060", media: PRIV.ip, port: 7000 }), invite({ sig: "192.0.2.10:5060", media: PRIV.ip, port: 7000, src: NAT }), t, true);
    const s = byField(cs);
    for (const f of ["via#0", "contact#0", "from#0", "sdp-origin#0", "sdp-connection#0", "sdp-media#0"]) expect(s[f], f).toBe("not-rewritten");
  });

  it("a rewrite to another address is wrong; to the NAT with another port than the NAT's is wrong-port", () => {
    const cs = compareFields(invite({ sig: "192.0.2.10:5060", media: PRIV.ip, port: 7000 }), invite({ sig: "203.0.113.1:5099", media: "203.0.113.99", port: 7000, src: NAT }), t, true);
    const s = byField(cs);
    expect(s["via#0"]).toBe("wrong-port");
    expect(s["sdp-connection#0"]).toBe("wrong");
    // The media port the NAT maps 7000 to is 7002: 7000 outside is wrong too (address first).
    expect(s["sdp-media#0"]).toBe("wrong");
  });

  it("hold: c=0.0.0.0 kept on both sides, o= rewritten to 0.0.0.0 outside is the Linux artefact", () => {
    const cs = compareFields(invite({ sig: "192.0.2.10:5060", media: "0.0.0.0", origin: PRIV.ip, port: 7000 }), invite({ sig: "203.0.113.1:5060", media: "0.0.0.0", origin: "0.0.0.0", port: 7000, src: NAT }), t, true);
    const s = byField(cs);
    expect(s["sdp-origin#0"]).toBe("artefact");
    expect(s["sdp-connection#0"]).toBe("not-needed");
    expect(s["sdp-media#0"]).toBe("not-needed");
  });

  it("inbound: the NAT's address outside turned back into the private one inside is rewritten", () => {
    const resp = (sig: string): SipMessageView => ({ ...invite({ sig, media: BOB.ip, port: 6000 }), request: undefined, status: { code: 200 }, src: BOB, dst: PRIV, contact: [{ uri: "<sip:bob@198.51.100.20:5060>" }] });
    const s = byField(compareFields(resp("192.0.2.10:5060"), resp("203.0.113.1:5060"), t, false));
    expect(s["via#0"]).toBe("rewritten");
    expect(s["sdp-connection#0"]).toBe("not-needed");
  });

  it("inbound: the NAT's address left on the inside is not-rewritten; turned back to another private port wrong-port; to another host wrong", () => {
    // bob's BYE to alice's Contact as he saw it: Request-URI and To name the NAT outside.
    const bye = (sig: string, dst = PRIV): SipMessageView => ({
      ...invite({ sig: "198.51.100.20:5060", media: BOB.ip, port: 6000 }), sdp: undefined, src: BOB, dst,
      request: { method: "BYE", uri: `sip:alice@${sig}` }, cseq: { num: 1, method: "BYE" }, contact: [],
      from: { uri: "<sip:bob@198.51.100.20:5060>", tag: "b1" }, to: { uri: `"alice" <sip:alice@${sig}>`, tag: "a1" },
    });
    const out = bye("203.0.113.1:5060", NAT);
    const left = compareFields(bye("203.0.113.1:5060"), out, t, false);
    expect(byField(left)).toMatchObject({ "request-uri#0": "not-rewritten", "to#0": "not-rewritten", "via#0": "not-needed", "from#0": "not-needed" });
    expect(left.find((c) => c.field === "request-uri")?.expected).toBe("192.0.2.10:5060");
    expect(byField(compareFields(bye("192.0.2.10:5060"), out, t, false))).toMatchObject({ "request-uri#0": "rewritten", "to#0": "rewritten" });
    const port = compareFields(bye("192.0.2.10:5999"), out, t, false).find((c) => c.field === "request-uri")!;
    expect([port.status, port.expected]).toEqual(["wrong-port", "192.0.2.10:5060"]);
    const host = compareFields(bye("192.0.2.99:5060"), out, t, false).find((c) => c.field === "to")!;
    expect([host.status, host.expected]).toEqual(["wrong", "192.0.2.10:5060"]);
    // A NAT address with a port other than the signalling mapping's: any private port is right.
    expect(byField(compareFields(bye("192.0.2.10:7000"), bye("203.0.113.1:7002", NAT), t, false))["request-uri#0"]).toBe("rewritten");
  });

  it("a field present on one side only is wrong", () => {
    const i = invite({ sig: "192.0.2.10:5060", media: PRIV.ip, port: 7000 });
    const o = { ...invite({ sig: "203.0.113.1:5060", media: NAT.ip, port: 7002, src: NAT }), contact: [] };
    const c = compareFields(i, o, t, true).find((x) => x.field === "contact");
    expect(c?.status).toBe("wrong");
    expect(c?.note).toMatch(/absent on the outside/);
  });
});

describe("Content-Length", () => {
  it("equal to the body: no problem; different: said with both numbers; truncated: not judged", () => {
    expect(lengthProblem(invite({ sig: "a:1", media: PRIV.ip, port: 1, len: 122, body: 122 }))).toBeUndefined();
    expect(lengthProblem(invite({ sig: "a:1", media: PRIV.ip, port: 1, len: 122, body: 124 }))).toBe("Content-Length: 122, but the body has 124 byte(s)");
    expect(lengthProblem({ ...invite({ sig: "a:1", media: PRIV.ip, port: 1, len: 122, body: 20 }), truncated: true })).toBeUndefined();
    // The wasm's BodyLong: the parser framed Content-Length bytes, more followed in the datagram.
    expect(lengthProblem({ ...invite({ sig: "a:1", media: PRIV.ip, port: 1, len: 122, body: 122 }), bodyLong: true })).toMatch(/^Content-Length: 122, but more bytes of body follow it/);
  });
});

describe("Content-Length across the NAT: the copy after the NAT is judged, per direction", () => {
  const good = invite({ sig: "a:1", media: PRIV.ip, port: 1, len: 122, body: 122 });
  const long = { ...good, bodyLong: true };
  const run = (mi: SipMessageView, mo: SipMessageView, outbound: boolean) => {
    const findings: Finding[] = [];
    lengthCheck({ ...mi, packet: 3 }, { ...mo, packet: 4 }, { name: "INVITE", fields: [] }, { inside: [3], outside: [4] }, findings, outbound);
    return findings.map((f) => `${f.code} ${f.severity} ${f.message}`);
  };
  it("outbound: wrong outside only is the ALG's (error); wrong inside only was corrected (warning)", () => {
    expect(run(good, long, true)).toEqual([expect.stringMatching(/^alg\.content-length-wrong error INVITE at outside packet 4: .* after the NAT \(inside packet 3: 122 = the body\)/)]);
    expect(run(long, good, true)).toEqual([expect.stringMatching(/^alg\.content-length-wrong warning INVITE at inside packet 3: .* corrected on the outside/)]);
  });
  it("inbound: wrong inside only is the ALG's (error); wrong on both sides is the sender's (warning); right on both: nothing", () => {
    expect(run(long, good, false)).toEqual([expect.stringMatching(/^alg\.content-length-wrong error INVITE at inside packet 3: .* after the NAT \(outside packet 4: 122 = the body\)/)]);
    expect(run(long, long, false)).toEqual([expect.stringMatching(/warning .*the sender's own error/)]);
    expect(run(good, good, false)).toEqual([]);
  });
});

describe("message pairing", () => {
  it("by kind + CSeq + branch, then kind + CSeq in order (a router that changed the branch)", () => {
    const a = invite({ sig: "x:1", media: PRIV.ip, port: 1, branch: "b1" });
    const b = { ...a, packet: 2, request: { method: "ACK", uri: "sip:bob@198.51.100.20" }, cseq: { num: 1, method: "ACK" }, via: [{ ...a.via[0]!, branch: "b2" }] };
    const bOut = { ...b, packet: 12, via: [{ ...a.via[0]!, branch: "other" }] };
    const aOut = { ...a, packet: 11 };
    const extra = { ...a, packet: 13, cseq: { num: 9, method: "INVITE" } };
    const r = pairMessages([a, b], [bOut, aOut, extra]);
    expect(r.pairs.map(([x, y]) => [x.packet, y.packet])).toEqual([[1, 11], [2, 12]]);
    expect(r.outside.map((x) => x.packet)).toEqual([13]);
    expect(r.inside).toEqual([]);
  });
});

describe("Linux helper emulation (--profile linux)", () => {
  it("names split TCP messages, low ports, third-party media, a 4th m= line and a=rtcp elsewhere", () => {
    const m = invite({ sig: "192.0.2.10:5060", media: "198.51.100.77", port: 7000 });
    m.segments = 2;
    m.contact = [{ uri: "<sip:alice@192.0.2.10:80>" }];
    m.sdp!.media = [
      { type: "audio", port: 7000, rtcpPort: 7005 },
      { type: "video", port: 900 },
      { type: "image", port: 7010 },
      { type: "audio", port: 7020 },
    ];
    const p = linuxProblems(m, "tcp").map(([o, r]) => `${o}: ${r}`).join("\n");
    expect(p).toMatch(/ignored: the message is split across TCP segments/);
    expect(p).toMatch(/port 80: the helper rejects URI ports below 1024/);
    expect(p).toMatch(/dropped: m=video 900/);
    expect(p).toMatch(/not the sender 192\.0\.2\.10/);
    expect(p).toMatch(/4th audio\/video\/image line/);
    expect(p).toMatch(/a=rtcp:7005: the helper expects RTCP on 7001 only/);
  });

  it("a plain message from its own address raises nothing", () => {
    expect(linuxProblems(invite({ sig: "192.0.2.10:5060", media: PRIV.ip, port: 7000 }), "udp")).toEqual([]);
  });
});
