/** Endpoints and protocols as routers print them. */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { canonicalIp, normaliseProto, parseEndpoint, formatEndpoint, parseRouterText, type ConntrackDocument } from "../../src/router/index.js";
import { ipv6ToString } from "../../src/net/addr.js";

describe("endpoints", () => {
  test.each([
    ["1.1.79.2:14083", { ip: "1.1.79.2", port: 14083 }],
    ["192.1.1.2.37822", { ip: "192.1.1.2", port: 37822 }],
    ["2001:db8::1:21", { ip: "2001:db8::1", port: 21 }],
    ["[2001:db8::1]:21", { ip: "2001:db8::1", port: 21 }],
    ["2001:db8::1.21", { ip: "2001:db8::1", port: 21 }],
    ["10.0.0.1", { ip: "10.0.0.1", port: null }],
    ["0.0.0.0:0", { ip: "0.0.0.0", port: 0 }],
    ["::ffff:1.2.3.4:80", { ip: "::ffff:1.2.3.4", port: 80 }],
    ["[::FFFF:0102:0304]:80", { ip: "::ffff:1.2.3.4", port: 80 }],
  ])("%s", (s, want) => expect(parseEndpoint(s)).toEqual(want));
  test.each(["", "abc", "1.2.3.4:65536", "1.2.3:4", "256.1.1.1:1", "1.2.3.4:x", "[::1", "a:b:c"])("rejects %j", (s) => expect(parseEndpoint(s)).toBeNull());
  test("IPv6 canonical form (RFC 5952)", () => {
    expect(canonicalIp("fd99:0001:0000:0000:0000:0000:0000:0002")).toBe("fd99:1::2");
    expect(canonicalIp("2001:DB8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
    expect(canonicalIp("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1");
    expect(canonicalIp("::")).toBe("::");
    expect(canonicalIp("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(canonicalIp("1::2::3")).toBeNull();
  });
  test("RFC 5952 details: zero runs, ties, single zero groups, IPv4-mapped in dotted form", () => {
    expect(canonicalIp("2001:0db8:0000:0000:0001:0000:0000:0001")).toBe("2001:db8::1:0:0:1"); // tie: the first run
    expect(canonicalIp("2001:db8:0:0:1:0:0:0")).toBe("2001:db8:0:0:1::"); // the longer run wins
    expect(canonicalIp("2001:db8:0:1:2:3:4:5")).toBe("2001:db8:0:1:2:3:4:5"); // one zero group stays
    expect(canonicalIp("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(canonicalIp("::ffff:192.0.2.1")).toBe("::ffff:192.0.2.1");
    expect(canonicalIp("0:0:0:0:0:FFFF:C000:0201")).toBe("::ffff:192.0.2.1");
    expect(canonicalIp("::ffff:c000:201%eth0")).toBe("::ffff:192.0.2.1");
    expect(canonicalIp("::192.0.2.1")).toBe("::c000:201"); // IPv4-compatible (deprecated) is not mixed
    expect(canonicalIp("64:ff9b::192.0.2.1")).toBe("64:ff9b::c000:201");
  });
  test("the same text as the capture side's ipv6ToString for any 16 bytes", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      // zero runs and IPv4-mapped addresses, which random bytes almost never hit
      fc.array(fc.constantFrom(0, 0, 0, 1, 0xff), { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a)),
      fc.uint8Array({ minLength: 4, maxLength: 4 }).map((v4) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4])),
    );
    fc.assert(fc.property(bytes, (b) => {
      const want = ipv6ToString(b, 0);
      const full = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16).padStart(4, "0")).join(":");
      expect(canonicalIp(full)).toBe(want);
      expect(canonicalIp(want)).toBe(want);
      expect(parseEndpoint(`[${full}]:21`)).toEqual({ ip: want, port: 21 });
    }), { numRuns: 500 });
  });
  test("every format prints IPv4-mapped addresses the RFC 5952 way", () => {
    const junos = parseRouterText("TCP [::ffff:0a00:0001]:21 -> ::FFFF:10.0.0.2:2121 Watch I 1\n    NAT source [::ffff:a00:1]:21 -> [0:0:0:0:0:ffff:c633:6401]:40000", "j");
    expect(junos.flows[0]).toMatchObject({ src: { ip: "::ffff:10.0.0.1", port: 21 }, dst: { ip: "::ffff:10.0.0.2", port: 2121 } });
    expect(junos.flows[0]!.nat[0]!.to).toEqual({ ip: "::ffff:198.51.100.1", port: 40000 });
    const ct = parseRouterText("ipv6     10 tcp      6 431999 ESTABLISHED src=0000:0000:0000:0000:0000:ffff:0a00:0001 dst=::ffff:10.0.0.2 sport=1 dport=21 src=::ffff:10.0.0.2 dst=::ffff:a00:1 sport=21 dport=1 [ASSURED] use=1", "c");
    expect(ct.diagnostics).toEqual([]);
    const e = (ct.documents[0] as ConntrackDocument).entries[0]!;
    expect([e.orig.src.ip, e.orig.dst.ip, e.reply!.src.ip, e.reply!.dst.ip]).toEqual(["::ffff:10.0.0.1", "::ffff:10.0.0.2", "::ffff:10.0.0.2", "::ffff:10.0.0.1"]);
    expect(ct.flows[0]!.nat).toEqual([]);
  });
  test("formatting brackets IPv6 with a port", () => {
    expect(formatEndpoint({ ip: "2001:db8::1", port: 21 })).toBe("[2001:db8::1]:21");
    expect(formatEndpoint({ ip: "1.2.3.4", port: null })).toBe("1.2.3.4");
  });
  test("protocols", () => {
    expect(["TCP", "udp", "6", "17", "ICMP", "ICMPV6", "ipv6-icmp", "58", "GRE", "47", "132", "FOO"].map(normaliseProto))
      .toEqual(["tcp", "udp", "tcp", "udp", "icmp", "icmpv6", "icmpv6", "icmpv6", 47, 47, 132, "foo"]);
  });
});
