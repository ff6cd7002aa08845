/** Endpoints and protocols as routers print them. */
import { describe, expect, test } from "vitest";
import { canonicalIp, normaliseProto, parseEndpoint, formatEndpoint } from "../../src/router/index.js";

describe("endpoints", () => {
  test.each([
    ["1.1.79.2:14083", { ip: "1.1.79.2", port: 14083 }],
    ["192.1.1.2.37822", { ip: "192.1.1.2", port: 37822 }],
    ["2001:db8::1:21", { ip: "2001:db8::1", port: 21 }],
    ["[2001:db8::1]:21", { ip: "2001:db8::1", port: 21 }],
    ["2001:db8::1.21", { ip: "2001:db8::1", port: 21 }],
    ["10.0.0.1", { ip: "10.0.0.1", port: null }],
    ["0.0.0.0:0", { ip: "0.0.0.0", port: 0 }],
    ["::ffff:1.2.3.4:80", { ip: "::ffff:102:304", port: 80 }],
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
  test("formatting brackets IPv6 with a port", () => {
    expect(formatEndpoint({ ip: "2001:db8::1", port: 21 })).toBe("[2001:db8::1]:21");
    expect(formatEndpoint({ ip: "1.2.3.4", port: null })).toBe("1.2.3.4");
  });
  test("protocols", () => {
    expect(["TCP", "udp", "6", "17", "ICMP", "ICMPV6", "ipv6-icmp", "58", "GRE", "47", "132", "FOO"].map(normaliseProto))
      .toEqual(["tcp", "udp", "tcp", "udp", "icmp", "icmpv6", "icmpv6", "icmpv6", 47, 47, 132, "foo"]);
  });
});
