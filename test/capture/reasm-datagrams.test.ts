/**
 * Datagrams per flow as conntrack counts them (a fragmented IP datagram once, at its first
 * fragment): generated captures (pcaps/make/reasm-cases.ts datagramCases) whose generator counted
 * packets, fragments and datagrams per flow and direction — read through the host's flow table and
 * through `flows --json` (the wasm JSON writer, checked against schema/flows.schema.json); tshark,
 * which reassembles too, shows each UDP datagram once; and a TFTP transfer with a 4096-byte block
 * size, whose DATA blocks arrive fragmented on the transfer port, is followed to its end. And a
 * recorded lab run (pcaps/lab/tftp-helper) with its UDP packets cut into IP fragments on both
 * sides, as a path with a small MTU would: the router reassembles before conntrack counts, so the
 * recorded conntrack counters still hold for the datagrams, and verify says they agree.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import Ajv2020Module from "ajv/dist/2020.js";
import { loadCoreModule } from "../../src/node/index.js";
import { analyzeCapture } from "../../src/alg/analyze.js";
import type { Flow } from "../../src/types.js";
import { datagramCases, type DatagramCase, type FlowCount } from "../../pcaps/make/reasm-cases.js";
import { runCli } from "../cli/run.js";
import { describeWithTshark, tsharkFields } from "../helpers/tshark.js";
import { readPcapRecords } from "../helpers/pcap-records.js";
import { IpProto, LinkType, ipv4, writePcap } from "../helpers/pcap-writer.js";
import { conntrackEntries, counterPairs } from "../lab/counters.js";
import { tempDir } from "../helpers/tmp.js";

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true })
  .compile(JSON.parse(readFileSync(new URL("../../schema/flows.schema.json", import.meta.url), "utf8")));

const dir = tempDir("alg-verify-reasm-datagrams-");

function fileOf(c: DatagramCase): string {
  const file = join(dir, `${c.name}.pcap`);
  writeFileSync(file, c.pcap);
  return file;
}

async function analyze(c: DatagramCase) {
  return analyzeCapture(await loadCoreModule(), [c.pcap] as unknown as AsyncIterable<Uint8Array>, { file: c.name, flowCapLog2: 8 });
}

const flowOf = (flows: Iterable<Flow>, x: FlowCount) => [...flows].find((f) => f.proto === x.proto && f.initiator.ip === x.initiator && f.initiator.port === x.initiatorPort);

/** What a flow must say: packets and fragments as generated; datagrams only where fragments are. */
function expectCounts(f: Flow | undefined, x: FlowCount): void {
  expect(f, `${x.proto} ${x.initiator}:${x.initiatorPort}`).toBeDefined();
  expect([f!.packets.initiatorToResponder, f!.packets.responderToInitiator]).toEqual(x.packets);
  expect(f!.fragments).toBe(x.fragments);
  if (x.fragments === 0) expect(f!.datagrams).toBeUndefined();
  else if (x.datagrams === null) expect(f!.datagrams).toBeNull();
  else expect([f!.datagrams!.initiatorToResponder, f!.datagrams!.responderToInitiator]).toEqual(x.datagrams);
}

describe("datagrams per flow, a fragmented datagram once (as conntrack counts)", () => {
  const cases = datagramCases();
  it("the generated cases fragment both ways, out of order, on UDP and TCP", () => {
    expect(cases.map((c) => c.name)).toEqual(["tftp-blksize", "datagrams-mixed", "tftp-blksize-lost"]);
    const mixed = cases[1]!.flows;
    // Not a test that cannot fail: datagrams differ from packets in both directions of one flow.
    expect(mixed[0]!.datagrams).toEqual([2, 3]);
    expect(mixed[0]!.packets).toEqual([4, 7]);
    // TCP too, both ways, and on a flow whose ends the core swaps (mid-stream, then the responder's SYN).
    expect(mixed[1]!.datagrams).toEqual([2, 3]);
    expect(mixed[1]!.packets).toEqual([3, 5]);
    expect(mixed[2]!.proto).toBe("tcp");
    expect(mixed[2]!.datagrams).toEqual([2, 2]);
    expect(mixed[2]!.packets).toEqual([3, 4]);
  });
  for (const c of cases) {
    it(`${c.name}: the host's flow table, as the generator counted`, async () => {
      const r = await analyze(c);
      if (!c.name.endsWith("-lost")) expect(r.scan.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
      for (const x of c.flows) expectCounts(flowOf(r.scan.flows, x), x);
    });
    it(`${c.name}: flows --json (the wasm writer) says the same, valid against the schema`, async () => {
      const res = await runCli("flows", fileOf(c), "--json");
      expect(res.code, res.stderr).toBe(0);
      const doc = JSON.parse(res.stdout);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      for (const x of c.flows) expectCounts(flowOf(doc.flows, x), x);
      // The field sits beside packets only where it says something.
      for (const f of doc.flows as Flow[]) expect("datagrams" in f).toBe(f.fragments > 0);
    });
  }
  it("tftp-blksize: the transfer with fragmented 4096-byte DATA blocks is followed to its end", async () => {
    const c = cases[0]!;
    const r = await analyze(c);
    const s = r.sessions.filter((x) => x.alg === "tftp");
    expect(s).toHaveLength(1);
    const t = s[0]!.tftp!;
    expect(t.filename).toBe(c.tftp!.filename);
    expect(t.blockSize).toBe(c.tftp!.blksize);
    expect([t.outcome, t.blocks, t.bytes, t.duplicates, t.lastAcked]).toEqual(["completed", c.tftp!.blocks, c.tftp!.bytes, 0, true]);
    const transfer = flowOf(r.scan.flows, c.flows[1]!)!;
    expect(t.transferFlow).toBe(transfer.id);
    // Each DATA block reached the TFTP follower whole, once reassembled.
    expect(r.scan.stats.reasmDatagrams).toBe(c.tftp!.blocks);
    // Reassembly off (--reasm-datagrams 0): the first fragments alone, whose UDP length still says each block's size.
    const off = await analyzeCapture(await loadCoreModule(), [c.pcap] as unknown as AsyncIterable<Uint8Array>, { file: c.name, flowCapLog2: 8, reasmDatagrams: 0 });
    const o = off.sessions.find((x) => x.alg === "tftp")!.tftp!;
    expect([o.outcome, o.blocks, o.bytes]).toEqual(["completed", c.tftp!.blocks, c.tftp!.bytes]);
  });
  it("tftp-blksize-lost: a DATA block missing a fragment is never whole, as for the client: the transfer does not complete", async () => {
    const c = cases[2]!;
    const r = await analyze(c);
    const t = r.sessions.find((x) => x.alg === "tftp")!.tftp!;
    expect([t.blocks, t.bytes]).toEqual([c.tftp!.blocks, c.tftp!.bytes]);
    expect(t.outcome).not.toBe("completed");
    expect(r.scan.stats.reasmIncomplete).toBe(1);
    expect(r.scan.diagnostics.find((d) => d.code === "reassembly_incomplete")?.count).toBe(1);
  });
});

describeWithTshark("datagrams per flow: tshark (reassembling) shows each UDP datagram once", () => {
  for (const c of datagramCases()) {
    it(c.name, async () => {
      const file = fileOf(c);
      const r = await analyze(c);
      // With ip.defragment on, a datagram's UDP header is dissected once, in the frame that completed it.
      const rows = tsharkFields(file, ["ip.src", "udp.srcport", "ip.dst", "udp.dstport"], "udp", { prefs: ["ip.defragment:TRUE"] });
      for (const x of c.flows.filter((f) => f.proto === "udp")) {
        const f = flowOf(r.scan.flows, x)!;
        const sent = (a: Flow["initiator"], b: Flow["initiator"]) => rows.filter((row) => row[0] === a.ip && Number(row[1]) === a.port && row[2] === b.ip && Number(row[3]) === b.port).length;
        const d = f.datagrams ?? f.packets;
        // A datagram missing a fragment counts at its first fragment here; tshark never completes it.
        const incomplete = c.name.endsWith("-lost") && x === c.flows[1] ? 1 : 0;
        expect([sent(f.initiator, f.responder), sent(f.responder, f.initiator)]).toEqual([d.initiatorToResponder - incomplete, d.responderToInitiator]);
      }
    });
  }
});

/** A classic pcap's IPv4/UDP packets longer than `over` IP bytes cut into two fragments (Ethernet, no VLAN). */
function refragment(path: string, over: number): Uint8Array {
  const out = [];
  let id = 0x4000;
  for (const r of readPcapRecords(path)) {
    const d = r.data;
    const ip = d.subarray(14);
    const ihl = (ip[0]! & 15) * 4;
    const total = (ip[2]! << 8) | ip[3]!;
    if (d[12] !== 8 || d[13] !== 0 || ip[9] !== IpProto.UDP || total <= over || (ip[6]! & 0x3f) !== 0 || ip[7] !== 0) {
      out.push(r);
      continue;
    }
    const payload = ip.subarray(ihl, total);
    const addr = (o: number) => Array.from(ip.subarray(o, o + 4)).join(".");
    const cut = 256;
    id++;
    for (const [off, part, mf] of [[0, payload.subarray(0, cut), true], [cut, payload.subarray(cut), false]] as const) {
      const frame = new Uint8Array([...d.subarray(0, 14), ...ipv4({ src: addr(12), dst: addr(16), proto: IpProto.UDP, id, mf, fragOffset: off / 8, ttl: ip[8], payload: part })]);
      out.push({ ts: r.ts, data: frame, origLen: frame.length });
    }
  }
  return writePcap(out, { linkType: LinkType.ETHERNET });
}

describe("a recorded lab run with its packets fragmented: conntrack's packets are the captures' datagrams", () => {
  const lab = new URL("../../pcaps/lab/tftp-helper/", import.meta.url).pathname;
  const sides = { inside: join(dir, "frag-inside.pcap"), outside: join(dir, "frag-outside.pcap") };
  writeFileSync(sides.inside, refragment(join(lab, "inside.pcap"), 300));
  writeFileSync(sides.outside, refragment(join(lab, "outside.pcap"), 300));
  const conntrack = readFileSync(join(lab, "conntrack.txt"), "utf8");

  it("conntrack's per-direction packets equal the fragmented captures' datagrams, not their packets", async () => {
    const flows = async (f: string) => JSON.parse((await runCli("flows", f, "--json")).stdout);
    const [inside, outside] = [await flows(sides.inside), await flows(sides.outside)];
    // The fragmenting did something: the transfers' flows carry fragments on both sides.
    for (const doc of [inside, outside]) expect(doc.flows.filter((f: Flow) => f.fragments > 0).length).toBe(2);
    const pairs = counterPairs(conntrack, inside, outside);
    expect(pairs.length).toBe(8);
    for (const p of pairs) expect({ dir: p.dir, packets: p.captures.packets }, p.entry).toEqual({ dir: p.dir, packets: p.conntrack.packets });
    // Counted as packets, the fragmented directions would not agree.
    const packetsOf = (f: Flow, ab: boolean) => (ab ? f.packets.initiatorToResponder : f.packets.responderToInitiator);
    const fragmented = (outside.flows as Flow[]).filter((f) => f.fragments > 0);
    expect(fragmented.some((f) => packetsOf(f, true) !== f.datagrams!.initiatorToResponder || packetsOf(f, false) !== f.datagrams!.responderToInitiator)).toBe(true);
  });

  it("verify: counters agree, compared as datagrams, and the evidence says so", async () => {
    const r = await runCli("verify", "--inside", sides.inside, "--outside", sides.outside, "--router", join(lab, "conntrack.txt"), "--json");
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe("pass");
    expect(report.findings.map((f: { code: string }) => f.code)).not.toContain("conntrack.counter-mismatch");
    const data = report.predicted.conversations.flatMap((c: { flows: unknown[] }) => c.flows).filter((f: { role: string }) => f.role.startsWith("data"));
    const frag = data.filter((f: { datagrams?: number }) => f.datagrams !== undefined);
    expect(frag.length).toBe(4);
    for (const f of frag) {
      const e = conntrackEntries(conntrack).find((x) => [x.orig, x.reply].some((t) => t.sport === f.src.port && t.dport === f.dst.port))!;
      const t = [e.orig, e.reply].find((x) => x.sport === f.src.port && x.dport === f.dst.port)!;
      expect(f.datagrams).toBe(t.packets);
    }
    expect(frag.some((f: { frames: number; datagrams: number }) => f.frames > f.datagrams)).toBe(true);
    expect(r.stdout).toContain("packets as datagrams, a fragmented one once");
  });
});
