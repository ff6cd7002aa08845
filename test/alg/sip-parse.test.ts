/**
 * The host parsers of SIP header and SDP texts (src/alg/sip-parse.ts), one value at a time:
 * Via lists with received/rport/branch and IPv6 sent-by, Contact lists (display names holding
 * commas, IPv6 brackets, `*`, expires), From/To tags, CSeq, SDP addresses, m= lines, attributes.
 */
import { describe, expect, it } from "vitest";
import {
  parseContact, parseCSeq, parseMediaLine, parseParty, parseSdpAttribute, parseStatusLine, parseVia, sdpAddress, splitValues, uriHostPort,
} from "../../src/alg/sip-parse.js";

describe("SIP header texts", () => {
  it("Via: several values, received / rport with and without a value, branch, IPv6 sent-by", () => {
    expect(parseVia("Via: SIP/2.0/UDP 10.0.0.5:5062;received=203.0.113.7;rport=40123;branch=z9hG4bK1, SIP/2.0/TCP [2001:DB8::1]:5070;rport;branch=z9hG4bK2")).toEqual([
      { transport: "UDP", host: "10.0.0.5", port: 5062, received: "203.0.113.7", rport: 40123, branch: "z9hG4bK1" },
      { transport: "TCP", host: "2001:db8::1", port: 5070, rport: true, branch: "z9hG4bK2" },
    ]);
    expect(parseVia("v: SIP / 2.0 / udp host.example.com;branch=x")).toEqual([{ transport: "UDP", host: "host.example.com", branch: "x" }]);
    expect(parseVia("Via: garbage")).toEqual([]);
  });

  it("Contact: a comma list with a display name holding a comma, IPv6, expires, and *", () => {
    expect(parseContact('Contact: "Doe, John" <sip:john@192.0.2.1:5062;transport=udp>;expires=60, <sip:[2001:db8::2]:5080>, sip:x@198.51.100.1;expires=30')).toEqual([
      { uri: "sip:john@192.0.2.1:5062;transport=udp", host: "192.0.2.1", port: 5062, expires: 60 },
      { uri: "sip:[2001:db8::2]:5080", host: "2001:db8::2", port: 5080 },
      { uri: "sip:x@198.51.100.1", host: "198.51.100.1", expires: 30 },
    ]);
    expect(parseContact("Contact: *")).toEqual([]);
  });

  it("From/To tags, CSeq, status line, URI host and port", () => {
    expect(parseParty('From: "A" <sip:a@192.0.2.1>;tag=abc')).toEqual({ uri: "sip:a@192.0.2.1", tag: "abc" });
    expect(parseParty("t: sip:b@198.51.100.2")).toEqual({ uri: "sip:b@198.51.100.2" });
    expect(parseCSeq("CSeq: 314 invite")).toEqual({ num: 314, method: "INVITE" });
    expect(parseCSeq("CSeq: x")).toBeUndefined();
    expect(parseStatusLine("SIP/2.0 183 Session Progress")).toEqual({ code: 183, reason: "Session Progress" });
    expect(uriHostPort("sips:alice:pw@example.com:5061;lr?subject=x")).toEqual({ host: "example.com", port: 5061 });
    expect(splitValues('a, "b,c" <d,e>, f')).toEqual(["a", '"b,c" <d,e>', "f"]);
  });
});

describe("SDP texts", () => {
  it("c=/o= addresses (multicast TTL dropped, IPv6 canonical), m= lines, attributes", () => {
    expect(sdpAddress("c=IN IP4 224.2.1.1/127")).toBe("224.2.1.1");
    expect(sdpAddress("c=IN IP6 2001:DB8:0:0::5")).toBe("2001:db8::5");
    expect(sdpAddress("o=- 1 1 IN IP4 0.0.0.0")).toBe("0.0.0.0");
    expect(sdpAddress("c=IN")).toBeUndefined();
    expect(parseMediaLine("m=audio 49170/2 RTP/AVP 0 8")).toEqual({ type: "audio", port: 49170, count: 2, proto: "RTP/AVP" });
    expect(parseMediaLine("m=image 0 udptl t38")).toEqual({ type: "image", port: 0, count: 1, proto: "udptl" });
    expect(parseSdpAttribute("a=rtcp:53020 IN IP4 126.16.64.4")).toEqual({ rtcp: { port: 53020, ip: "126.16.64.4" } });
    expect(parseSdpAttribute("a=rtcp-mux")).toEqual({ rtcpMux: true });
    expect(parseSdpAttribute("a=sendonly")).toEqual({ direction: "sendonly" });
    expect(parseSdpAttribute("a=rtcp:x")).toEqual({});
  });
});
