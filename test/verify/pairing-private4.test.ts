/**
 * The sides' RFC 1918 evidence (src/verify/pairing.ts private4): the numeric test of FlowTable's
 * dotted quads answers as inCidr does over the three RFC 1918 prefixes, at their edges, for random
 * addresses, and for text that is not a canonical dotted quad (which goes through inCidr).
 */
import { describe, expect, it } from "vitest";
import { inCidr, parseCidr } from "../../src/net/cidr.js";
import { private4 } from "../../src/verify/pairing.js";

const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((t) => parseCidr(t)!);
const slow = (ip: string) => inCidr(ip, RFC1918);

describe("private4", () => {
  it("agrees with inCidr at the prefixes' edges and on non-canonical text", () => {
    const edges = [
      "0.0.0.0", "255.255.255.255", "9.255.255.255", "10.0.0.0", "10.255.255.255", "11.0.0.0",
      "172.15.255.255", "172.16.0.0", "172.31.255.255", "172.32.0.0", "192.167.255.255", "192.168.0.0",
      "192.168.255.255", "192.169.0.0", "100.64.0.1", "198.51.100.7",
      "010.1.1.1", "10.01.1.1", "10.1.1", "10.1.1.1.1", "", "1.2.3.256", "10.0.0.-1", "fe80::1", "::ffff:10.0.0.1", " 10.0.0.1",
    ];
    const expected = [
      false, false, false, true, true, false,
      false, true, true, false, false, true,
      true, false, false, false,
    ];
    edges.slice(0, expected.length).forEach((ip, i) => expect(private4(ip), ip).toBe(expected[i]));
    for (const ip of edges) expect(private4(ip), ip).toBe(slow(ip));
  });

  it("agrees with inCidr on 20 000 random addresses, half of them near the prefixes", () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
    const near = [10, 172, 192];
    for (let i = 0; i < 20_000; i++) {
      const a = i & 1 ? near[rnd() % 3] : rnd() % 256;
      const b = a === 172 ? 8 + (rnd() % 32) : a === 192 && rnd() % 2 ? 168 : rnd() % 256;
      const ip = `${a}.${b}.${rnd() % 256}.${rnd() % 256}`;
      expect(private4(ip), ip).toBe(slow(ip));
    }
  });
});
