/**
 * The NAT reconciliation of a UDP flow whose two first packets crossed at the router (nat.ts
 * crossedPairs), IPv4 and IPv6: hand-made inside/outside captures of one flow, both ends sending
 * at once. Inside, the client's packet comes first and the server's reply 10 µs later; outside,
 * the server's packet came first (5 µs before the client's left the router). Each capture says the
 * other end opened the flow, and the flow is paired all the same, marked firstPacketsCrossed,
 * with the translation it had. The same packets in the usual order pair as ever, unmarked.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanFile } from "../../src/node/files.js";
import { reconcile } from "../../src/verify/nat.js";
import { ethernetFor, ipPacket, udp, writePcap, type PcapRecord } from "../helpers/pcap-writer.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("alg-verify-crossed-pairing-");

interface Ends { client: string; nat: string; server: string }

function packet(src: string, dst: string, sport: number, dport: number, at: number): PcapRecord {
  const l4 = udp({ srcPort: sport, dstPort: dport, payload: new Uint8Array(172).fill(0xff), src, dst });
  const sec = Math.floor(at);
  return { ts: { sec, usec: Math.round((at - sec) * 1e6) }, data: ethernetFor(ipPacket({ src, dst, proto: 17, payload: l4 })) };
}

/** Inside and outside captures of one RTP-like flow, four packets each way, 20 ms apart; `crossed`: the first two cross. */
function pair(e: Ends, crossed: boolean): { inside: Uint8Array; outside: Uint8Array } {
  const t0 = 1_700_000_000;
  const ins: PcapRecord[] = [];
  const out: PcapRecord[] = [];
  for (let k = 0; k < 4; k++) {
    const t = t0 + k * 0.02;
    // the client's packet: inside at t, outside 5 µs later
    ins.push(packet(e.client, e.server, 7000, 6000, t));
    out.push(packet(e.nat, e.server, 7000, 6000, t + 5e-6));
    // the server's: outside 40 µs after the client's; in the first round of a crossed pair, 5 µs
    // before it (so before the client's packet left the router), and inside 15 µs after that
    const ts = k === 0 && crossed ? t - 5e-6 : t + 40e-6;
    out.push(packet(e.server, e.nat, 6000, 7000, ts));
    ins.push(packet(e.server, e.client, 6000, 7000, ts + 15e-6));
  }
  const sorted = (r: PcapRecord[]) => r.sort((a, b) => {
    const x = a.ts as { sec: number; usec: number };
    const y = b.ts as { sec: number; usec: number };
    return x.sec - y.sec || x.usec - y.usec;
  });
  return { inside: writePcap(sorted(ins), { linkType: 1 }), outside: writePcap(sorted(out), { linkType: 1 }) };
}

const families: [string, Ends][] = [
  ["IPv4", { client: "192.0.2.10", nat: "198.51.100.1", server: "198.51.100.20" }],
  ["IPv6", { client: "2001:db8:1::10", nat: "2001:db8:2::1", server: "2001:db8:2::20" }],
];

describe("a UDP flow whose first packets crossed at the router", () => {
  for (const [name, e] of families) {
    it(`${name}: paired, marked, with its translation; in the usual order, paired unmarked`, async () => {
      for (const crossed of [true, false]) {
        const p = pair(e, crossed);
        const [a, b] = [join(dir, `${name}-${crossed}-inside.pcap`), join(dir, `${name}-${crossed}-outside.pcap`)];
        writeFileSync(a, p.inside);
        writeFileSync(b, p.outside);
        const i = { scan: await scanFile(a) };
        const o = { scan: await scanFile(b) };
        const fi = i.scan.flows.get(1);
        const fo = o.scan.flows.get(1);
        // what the captures say: inside the client first; outside the server first when crossed
        expect(fi.initiator.ip).toBe(e.client);
        expect(fo.initiator.ip).toBe(crossed ? e.server : e.nat);
        const nat = reconcile(i.scan.flows, o.scan.flows);
        expect({ paired: nat.paired, crossed: nat.crossed, unpaired: [nat.unpairedInside, nat.unpairedOutside] })
          .toEqual({ paired: 1, crossed: crossed ? [1] : [], unpaired: [[], []] });
        const m = nat.byInside.get(1)!;
        expect(m).toMatchObject({ direction: "outbound", inside: { ip: e.client, port: 7000 }, translated: { ip: e.nat, port: 7000 }, remote: { ip: e.server, port: 6000 } });
        expect(m.firstPacketsCrossed).toBe(crossed ? true : undefined);
      }
    });
  }
});
