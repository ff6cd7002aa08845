/**
 * The generated SIP edge cases (pcaps/alg/sip-*.pcap, pcaps/make/sip-cases.ts) against their
 * generator's expectations: per dialog its messages (packet, start line, place in the packet,
 * TCP segments, body and Content-Length, truncation, compact and folded headers, Via and
 * Contact), the REGISTER binding, and every SDP negotiation (offer/answer, announced endpoint
 * with its RTCP port, hold / rejected, expected flows, media seen). Also: the committed files
 * are what the generator writes now, and the wasm events of the trickiest framing cases.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import { buildSipCases } from "../../pcaps/make/sip-cases.js";
import { formatAnalyzeText } from "../../src/report/analyze-text.js";

const dir = new URL("../../pcaps/alg/", import.meta.url).pathname;
const built = buildSipCases();

describe("generated SIP cases", () => {
  it("cover the edge cases the issue lists", () => {
    const names = built.map((c) => c.name);
    for (const n of ["sip-compact-headers", "sip-folded-headers", "sip-tcp-split", "sip-two-in-datagram", "sip-multipart-body",
      "sip-ipv6", "sip-hold", "sip-rtcp-attr", "sip-port-edges", "sip-bad-content-length", "sip-port-zero", "sip-register"]) expect(names).toContain(n);
  });

  for (const c of built) {
    it(`${c.name}: committed files equal a fresh generation`, () => {
      expect(new Uint8Array(readFileSync(`${dir}${c.name}.pcap`))).toEqual(c.pcap);
      expect(JSON.parse(readFileSync(`${dir}${c.name}.expected.json`, "utf8"))).toEqual(c.expected);
    });

    it(`${c.name}: analyze finds what the generator put in`, async () => {
      const want = c.expected as any;
      const { sessions, scan } = await analyzeFile(`${dir}${c.name}.pcap`, { flowCapLog2: 8 });
      expect(scan.info.packets).toBe(want.packets);
      const sip = sessions.filter((s) => s.alg === "sip");
      expect(sip.length).toBe(want.sessions.length);
      want.sessions.forEach((ws: any, i: number) => {
        const s = sip[i];
        expect({ callId: s.sip!.callId, method: s.sip!.method, transport: s.sip!.transport, client: s.client, server: s.server })
          .toEqual({ callId: ws.callId, method: ws.method, transport: ws.transport, client: ws.client, server: ws.server });
        expect(s.sip!.messages.length, "messages").toBe(ws.messages.length);
        ws.messages.forEach((wm: any, k: number) => {
          const m = s.sip!.messages[k];
          const got: any = {
            packet: m.packet, first: m.request ? `${m.request.method} ${m.request.uri} SIP/2.0` : `SIP/2.0 ${m.status!.code} ${m.status!.reason}`,
            indexInPacket: m.indexInPacket, segments: m.segments,
          };
          if ("bodyLength" in wm) got.bodyLength = m.bodyLength;
          if (m.contentLength !== undefined) got.contentLength = m.contentLength;
          if (m.contentLengthMalformed) got.contentLengthMalformed = true;
          if (m.truncated) got.truncated = true;
          if (m.compact) got.compact = m.compact;
          if (m.folded) got.folded = m.folded;
          if (wm.via) got.via = m.via;
          if (wm.contact) got.contact = m.contact;
          expect(got, `message ${k}`).toEqual(wm);
        });
        if (ws.register) {
          const r = s.sip!.register!;
          expect({ contact: r.contact.map((x) => x.uri), expires: r.expires, status: r.status }).toEqual({ expires: undefined, status: undefined, ...ws.register });
        } else expect(s.sip!.register).toBeUndefined();
        expect(s.negotiations.length, "negotiations").toBe(ws.negotiations.length);
        ws.negotiations.forEach((wn: any, k: number) => {
          const n = s.negotiations[k];
          const got: any = {
            kind: n.kind, packet: n.packet, command: n.command, line: n.line, offer: n.media!.offer, type: n.media!.type,
            hold: n.media!.hold, rejected: n.media!.rejected, announced: n.announced, expected: n.expected, dataSeen: n.dataSeen,
          };
          if (n.media!.rtcpMux) got.rtcpMux = true;
          if (!n.valid) got.reason = n.reason;
          expect(got, `negotiation ${k}`).toEqual(wn);
          // A negotiation that saw media names the flow, and that flow ends at the announced endpoint.
          for (const o of n.observed) {
            const f = scan.flows.get(o.flow);
            const x = n.expected[o.expected];
            expect([f.initiator, f.responder]).toContainEqual({ ip: x.to.ip, port: x.to.port });
          }
        });
      });
      expect(scan.stats.sipMessages).toBe(want.sessions.reduce((a: number, s: any) => a + s.messages.length, 0));
    });
  }

  it("the snaplen-cut INVITE is counted damaged, the malformed Content-Length too", async () => {
    const { scan } = await analyzeFile(`${dir}sip-bad-content-length.pcap`, { flowCapLog2: 8 });
    expect(scan.stats.sipDamaged).toBe(2);
  });

  it("ports at the edge: the Linux emulation opens RTP and RTCP on 65534/65535 for m= 65535, ignores a=rtcp, and drops a message whose m= port is above 65535 (\"wrong port\")", async () => {
    const { sessions } = await analyzeFile(`${dir}sip-port-edges.pcap`, { flowCapLog2: 8, profile: "linux" });
    const n = sessions.find((s) => s.alg === "sip")!.negotiations;
    const ports = (k: number) => n[k]!.media!.linux!.expected.map((x) => x.to.port);
    expect(n.map((x) => [x.announced.port, x.valid, x.emulation?.outcome])).toEqual([
      [65535, true, "parsed"], [40030, false, "parsed"], [50030, true, "parsed"], [50032, true, "parsed"], [70000, false, "dropped"], [50030, true, "parsed"],
    ]);
    expect(ports(0)).toEqual([65534, 65535]);
    expect(ports(1)).toEqual([40030, 40031]);
    expect(n[4]!.emulation!.reason).toContain('"wrong port"');
  });

  it("--sip-ports moves SIP off 5060: on other ports the same capture has no SIP session", async () => {
    const { sessions } = await analyzeFile(`${dir}sip-udp-basic.pcap`, { flowCapLog2: 8, sipPorts: [5070] });
    expect(sessions.filter((s) => s.alg === "sip")).toEqual([]);
  });

  it("--max-negotiations bounds messages and media lines, counted in partial", async () => {
    const { sessions, scan } = await analyzeFile(`${dir}sip-hold.pcap`, { flowCapLog2: 8, maxNegotiations: 3 });
    const s = sessions.find((x) => x.alg === "sip")!;
    expect(s.sip!.messages.length).toBe(3);
    expect(s.partial!.messagesNotKept).toBe(5);
    expect(scan.diagnostics.map((d) => d.code)).toContain("negotiation_limit");
  });

  it("the text report: dialog line, REGISTER binding, hold and rejected media say why nothing is expected", async () => {
    const text = async (name: string) => {
      const { sessions, scan } = await analyzeFile(`${dir}${name}.pcap`, { flowCapLog2: 8 });
      let out = "";
      formatAnalyzeText(scan, sessions, (x) => (out += x));
      return out;
    };
    const reg = await text("sip-register");
    expect(reg).toContain("1 SIP dialog(s)");
    expect(reg).toContain("SIP session 1: REGISTER over udp, 192.0.2.10:5060 → 198.51.100.20:5060 (flow 1); Call-ID reg-1; 2 message(s) (final: 200 REGISTER)");
    expect(reg).toContain("REGISTER binding sip:alice@192.0.2.10:5060, expires 1800 s, answered 200");
    const hold = await text("sip-hold");
    expect(hold).toContain("— (hold: sendonly)");
    expect(hold).toContain("— (hold: c=0.0.0.0)");
    expect(hold).toContain("— (hold: inactive)");
    expect(await text("sip-port-zero")).toContain("— (rejected: port 0)");
    expect(await text("sip-bad-content-length")).toContain("damaged message(s) (cut or bad Content-Length) at packet");
  });
});
