/**
 * The reconciliation's NAT addresses (src/verify/nat.ts natAddresses): every translated address
 * is counted once however many pairs use it and in whatever order they come, an address a pair
 * kept is not a NAT address, and only the first NAT_LISTED (256) in flow order are listed as text,
 * sorted. A generated capture pair of 700 UDP flows translated to 300 NAT addresses (interleaved
 * and in runs), plus flows left untranslated.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanFile } from "../../src/node/files.js";
import { reconcile } from "../../src/verify/nat.js";
import { DEFAULT_EPOCH_NS, ethernetFor, ipv4, udp, writePcap, type PcapRecord } from "../helpers/pcap-writer.js";

const dir = mkdtempSync(join(tmpdir(), "alg-verify-nat-addresses-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ms = 1_000_000n;

function datagram(ts: bigint, src: string, sport: number, dst: string, dport: number): PcapRecord {
  const l4 = udp({ srcPort: sport, dstPort: dport, payload: new Uint8Array(8), src, dst });
  return { ts, data: ethernetFor(ipv4({ src, dst, proto: 17, payload: l4 })) };
}

/** NAT address of inside flow i: 300 addresses, the first 100 in runs of three, the rest interleaved; every 7th flow keeps its address. */
function natOf(i: number, client: string): string {
  if (i % 7 === 0) return client;
  const k = i < 300 ? Math.floor(i / 3) : 100 + ((i * 37) % 200);
  return `203.0.${k >> 8}.${k & 255}`;
}

describe("NAT addresses of a reconciliation", () => {
  it("counts each translated address once and lists the first 256, sorted", async () => {
    const inside: PcapRecord[] = [];
    const outside: PcapRecord[] = [];
    const want = new Set<string>();
    const firstSeen: string[] = [];
    for (let i = 0; i < 700; i++) {
      const client = `10.${i >> 8}.${i & 255}.1`;
      const nat = natOf(i, client);
      const ts = DEFAULT_EPOCH_NS + BigInt(i) * 10n * ms;
      inside.push(datagram(ts, client, 40000 + i, "198.51.100.7", 53));
      outside.push(datagram(ts + ms, nat, 40000 + i, "198.51.100.7", 53));
      if (nat !== client) {
        if (!want.has(nat)) firstSeen.push(nat);
        want.add(nat);
      }
    }
    const a = join(dir, "inside.pcap");
    const b = join(dir, "outside.pcap");
    writeFileSync(a, writePcap(inside, { linkType: 1 }));
    writeFileSync(b, writePcap(outside, { linkType: 1 }));
    const rec = reconcile((await scanFile(a)).flows, (await scanFile(b)).flows);
    expect(rec.paired).toBe(700);
    expect(rec.natAddressCount).toBe(want.size);
    expect(want.size).toBeGreaterThan(256);
    expect(rec.natAddresses).toEqual(firstSeen.slice(0, 256).sort());
    // The offset given instead of estimated (the pairing arrays then start from fresh memory): the same pairs and addresses.
    const forced = reconcile((await scanFile(a)).flows, (await scanFile(b)).flows, { clockOffsetMs: 1 });
    expect(forced.paired).toBe(700);
    for (let id = 1; id <= 700; id++) expect(forced.outsideFlowOf(id)).toBe(rec.outsideFlowOf(id));
    expect([forced.natAddressCount, forced.natAddresses]).toEqual([rec.natAddressCount, rec.natAddresses]);
  });
});
