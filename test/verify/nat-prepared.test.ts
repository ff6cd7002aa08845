/**
 * The reconciliation's candidate lists from whichever capture's key indexes were built ahead
 * (src/verify/nat.ts prepareReconcile(first) → candidates): built from the outside capture's
 * keys, from the inside capture's (the outside flows then grouped by them, CrossChains), or built
 * during the pairing, the same pairs, clock offset, NAT addresses and unpaired flows — on every
 * generated NAT pair, every recorded lab run, and a pair of one server farm (groups of many flows).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanFile } from "../../src/node/files.js";
import { prepareReconcile, reconcile, type Reconciliation } from "../../src/verify/nat.js";
import { CrossChains, KeyIndex } from "../../src/verify/key-index.js";
import { DEFAULT_EPOCH_NS, ethernetFor, ipv4, udp, writePcap, type PcapRecord } from "../helpers/pcap-writer.js";

const dir = mkdtempSync(join(tmpdir(), "alg-verify-nat-prepared-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pairs = (root: string) => readdirSync(root).map((d) => [join(root, d, "inside.pcap"), join(root, d, "outside.pcap")] as const).filter(([a, b]) => existsSync(a) && existsSync(b));

/** What a reconciliation says, as plain values. */
function summary(r: Reconciliation) {
  const pairsOf: number[] = [];
  for (let id = 1; id <= r.insideTable.count; id++) pairsOf.push(r.outsideFlowOf(id));
  const mappings = pairsOf.map((g, i) => (g ? r.byInside.get(i + 1) : undefined));
  return { offset: r.clockOffsetMs, paired: r.paired, pairsOf, mappings, nat: [r.natAddressCount, r.natAddresses], unpaired: [r.unpairedInside, r.unpairedOutside] };
}

async function threeWays(a: string, b: string) {
  const run = async (prepare?: "inside" | "outside") => {
    const [i, o] = [(await scanFile(a)).flows, (await scanFile(b)).flows];
    if (prepare) {
      prepareReconcile(prepare === "inside" ? i : o, true);
      prepareReconcile(prepare === "inside" ? o : i, false);
    }
    return summary(reconcile(i, o));
  };
  const plain = await run();
  expect(await run("inside")).toEqual(plain);
  expect(await run("outside")).toEqual(plain);
  return plain;
}

/** 600 UDP flows from 200 clients to 3 servers, each client translated to one of 40 NAT addresses, some dropped. */
function farm(): [string, string] {
  const inside: PcapRecord[] = [];
  const outside: PcapRecord[] = [];
  const dgram = (ts: bigint, src: string, sport: number, dst: string, dport: number): PcapRecord =>
    ({ ts, data: ethernetFor(ipv4({ src, dst, proto: 17, payload: udp({ srcPort: sport, dstPort: dport, payload: new Uint8Array(4), src, dst }) })) });
  for (let i = 0; i < 600; i++) {
    const c = i % 200;
    const ts = DEFAULT_EPOCH_NS + BigInt(i) * 3_000_000n;
    const server = `198.51.100.${1 + (i % 3)}`;
    inside.push(dgram(ts, `10.1.${c >> 8}.${c & 255}`, 5000 + (i % 7), server, 53));
    if (i % 11 !== 0) outside.push(dgram(ts + 2_000_000n, `203.0.113.${c % 40}`, 5000 + (i % 7), server, 53));
  }
  const a = join(dir, "farm-in.pcap");
  const b = join(dir, "farm-out.pcap");
  writeFileSync(a, writePcap(inside, { linkType: 1 }));
  writeFileSync(b, writePcap(outside, { linkType: 1 }));
  return [a, b];
}

describe("reconciliation from indexes built ahead on either side", () => {
  it("every generated NAT pair and recorded lab run", async () => {
    const all = [...pairs("pcaps/nat"), ...pairs("pcaps/lab")];
    expect(all.length).toBeGreaterThan(40);
    let paired = 0;
    for (const [a, b] of all) paired += (await threeWays(a, b)).paired;
    expect(paired).toBeGreaterThan(100);
  });

  it("a server farm: groups of many flows, flows dropped at the NAT", async () => {
    const [a, b] = farm();
    const r = await threeWays(a, b);
    expect(r.paired).toBe(545);
    expect(r.unpaired[0]).toHaveLength(55);
  });

  it("CrossChains: each group of the index holds the other keys' flows with its key, ascending", () => {
    const mine = new Float64Array([0, 5, 7, 5, 9]);
    const other = new Float64Array([0, 7, 1, 5, 7, 5, 3]);
    const idx = new KeyIndex(mine);
    const cross = new CrossChains(idx, other);
    const chain = (g: number) => { const out: number[] = []; for (let id = cross.head[g]; id; id = cross.next[id]) out.push(id); return out; };
    expect(chain(idx.lookup(5))).toEqual([3, 5]);
    expect(chain(idx.lookup(7))).toEqual([1, 4]);
    expect(chain(idx.lookup(9))).toEqual([]);
    expect([cross.count[idx.lookup(5)], cross.count[idx.lookup(9)]]).toEqual([2, 0]);
    expect([...idx.groupOfIds()]).toEqual([0, idx.lookup(5), idx.lookup(7), idx.lookup(5), idx.lookup(9)]);
  });
});
