/**
 * icmpFlowsBetween (src/verify/flow-columns.ts), used by the router-ICMP notes of verify (icmpNote,
 * tftpIcmp): differential against a walk over every flow object, for every address pair of real
 * captures with IPv4 ICMP (router port unreachables) and IPv6 ICMPv6.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import { icmpFlowsBetween } from "../../src/verify/flow-columns.js";

const pcap = (p: string) => new URL(`../../pcaps/${p}`, import.meta.url).pathname;
const files = ["nat/sip-udp-media-blocked/outside.pcap", "nat/tftp-rrq-no-alg/outside.pcap", "lab/tftp-no-helper/outside.pcap", "lab/ftp-ipv6/inside.pcap", "lab/ftp-ipv6/outside.pcap"].filter((f) => existsSync(pcap(f)));

describe("ICMP flows between two addresses, by key", () => {
  it("the captures hold ICMP flows of both families", async () => {
    const protos = new Set<string>();
    for (const f of files) for (const g of (await analyzeFile(pcap(f), { flowCapLog2: 8 })).scan.flows) protos.add(String(g.proto));
    expect(protos).toContain("icmp");
    expect(protos).toContain("icmpv6");
  });

  for (const f of files) {
    it(`${f}: every address pair gives the flows a full walk gives, in id order`, async () => {
      const t = (await analyzeFile(pcap(f), { flowCapLog2: 8 })).scan.flows;
      const all = [...t];
      const ips = [...new Set(all.flatMap((g) => [g.initiator.ip, g.responder.ip]))];
      let hits = 0;
      for (const a of ips) {
        for (const b of ips) {
          const want = all.filter((g) => (g.proto === "icmp" || g.proto === "icmpv6") && g.initiator.ip === a && g.responder.ip === b).map((g) => g.id);
          expect(icmpFlowsBetween(t, a, b), `${a} → ${b}`).toEqual(want);
          hits += want.length;
        }
      }
      expect(hits).toBe(all.filter((g) => g.proto === "icmp" || g.proto === "icmpv6").length);
    });
  }
});
