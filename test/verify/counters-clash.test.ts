/**
 * A UDP connection whose two first packets crossed at the router: each entered it before the
 * other's left, so the inside capture says the client sent first and the outside one says the
 * server did. verify pairs the two flows anyway (nat.ts crossedPairs: the remote endpoint is the
 * inside flow's responder and the outside flow's initiator) and marks them (firstPacketsCrossed,
 * predicted flows' firstPacketsCrossed). Linux made two conntrack entries for such a connection and resolved their
 * clash (nf_ct_resolve_clash) in one of three ways, all seen through this machine's kernel
 * (`lab/run.sh OUT sip-udp-media-crossing`: merges and new ports; a plain DNAT port forward: drops):
 * - merged: the second entry's packet counted in the survivor's ORIGINAL direction (Linux 6.12
 *   and later). The lab's sip-udp-helper met it once in CI: conntrack 101/99, captures 100/100;
 * - dropped: the packet counted nowhere and never forwarded;
 * - a new port: the client's first packet SNATed to a random port (or the server's source port
 *   changed on its way in) under a hidden entry.
 * verify explains each (conntrack.counters-clash, info) and the counters check passes saying what
 * was moved; a packet given another port is a flow of one capture alone, said as such
 * (nat.clash-port, info), not as unpaired. Counters off any other way, or without the crossing,
 * stay a mismatch; a one-way flow of one side only beside an uncrossed flow stays unpaired.
 *
 * The inputs are the recorded sip-udp-helper pair with a crossing made visible: in the outside
 * capture the first RTP packets of the two directions trade places (the bodies of two records of
 * one size; timestamps kept). conntrack.txt carries the counters each outcome leaves.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { frames } from "../../bench/fuzz/corpus.js";
import { ipPackets } from "../../bench/fuzz/mutate.js";
import { runVerify } from "../../src/node/verify-run.js";
import { tempDir } from "../helpers/tmp.js";
import { verifyValidator } from "../helpers/verify-schema.js";

const lab = new URL("../../pcaps/lab/sip-udp-helper/", import.meta.url).pathname;
const dir = tempDir("alg-verify-counters-clash-");
const RTP_ENTRY = /^ipv4 .* sport=7000 dport=6000 packets=100 bytes=20000 .* sport=6000 dport=7000 packets=100 bytes=20000 .*$/m;

/** The record of the `nth` (0: first) UDP packet from port `sport` to port `dport`, and where its UDP header is. */
function firstRecord(b: Uint8Array, sport: number, dport: number, nth = 0): { offset: number; end: number; udp: number } {
  const p = ipPackets(b, Infinity).filter((x) => x.proto === 17 && x.sport === sport && x.dport === dport)[nth]!;
  return { ...frames(b).find((f) => f.offset === p.offset)!, udp: p.payload - 8 };
}

/** `b` with the bodies of the first client→server and server→client RTP records swapped (headers, so timestamps, kept). */
function firstTwoSwapped(b: Uint8Array): Uint8Array {
  const out = Buffer.from(b);
  const [x, y] = [firstRecord(b, 7000, 6000), firstRecord(b, 6000, 7000)];
  expect(x.end - x.offset).toBe(y.end - y.offset);
  out.set(b.subarray(y.offset + 16, y.end), x.offset + 16);
  out.set(b.subarray(x.offset + 16, x.end), y.offset + 16);
  return out;
}

/** `b` without the record of the first UDP packet from `sport` to `dport`. */
function withoutFirst(b: Uint8Array, sport: number, dport: number): Uint8Array {
  const r = firstRecord(b, sport, dport);
  return Buffer.concat([b.subarray(0, r.offset), b.subarray(r.end)]);
}

/** `b` with the `nth` (0: first) UDP packet from `sport` to `dport` sent from port `to` instead (UDP checksum cleared: none). */
function firstFrom(b: Uint8Array, sport: number, dport: number, to: number, nth = 0): Uint8Array {
  const out = Buffer.from(b);
  const r = firstRecord(b, sport, dport, nth);
  out.writeUInt16BE(to, r.udp);
  out.writeUInt16BE(0, r.udp + 6);
  return out;
}

async function verifyWith(name: string, inside: Uint8Array, outside: Uint8Array, orig: [number, number], reply: [number, number]) {
  const text = readFileSync(join(lab, "conntrack.txt"), "utf8");
  expect(text).toMatch(RTP_ENTRY);
  const ct = text.replace(RTP_ENTRY, (l) => l.replace("dport=6000 packets=100 bytes=20000", `dport=6000 packets=${orig[0]} bytes=${orig[1]}`)
    .replace("dport=7000 packets=100 bytes=20000", `dport=7000 packets=${reply[0]} bytes=${reply[1]}`));
  const f = (n: string) => join(dir, `${name}-${n}`);
  writeFileSync(f("inside.pcap"), inside);
  writeFileSync(f("outside.pcap"), outside);
  writeFileSync(f("conntrack.txt"), ct);
  const r = await runVerify({ inside: f("inside.pcap"), outside: f("outside.pcap"), router: [f("conntrack.txt")] });
  const valid = verifyValidator();
  expect(valid(JSON.parse(JSON.stringify(r))), JSON.stringify(valid.errors)).toBe(true);
  const codes = r.findings.filter((x) => x.code.startsWith("conntrack.counter")).map((x) => x.code);
  const rtp = r.checks.filter((c) => c.check === "router-flow" && /UDP 192\.0\.2\.10:7000 -> 198\.51\.100\.20:6000/.test(c.subject));
  const crossed = r.predicted.conversations.flatMap((c) => c.flows).filter((x) => x.firstPacketsCrossed).map((x) => [x.dir, x.frames, x.firstPacketsCrossed]);
  const mapping = r.nat?.mappings.find((m) => m.inside.port === 7000);
  return { r, codes, rtp, crossed, mapping };
}

describe("conntrack counters of a connection whose first packets crossed at the router", () => {
  const inside = readFileSync(join(lab, "inside.pcap"));
  const outside = readFileSync(join(lab, "outside.pcap"));
  const crossedOutside = firstTwoSwapped(outside);

  it("the recorded pair as it is: no crossing, counters equal", async () => {
    const { codes, rtp, crossed, mapping } = await verifyWith("plain", inside, outside, [100, 20000], [100, 20000]);
    expect(crossed).toEqual([]);
    expect(mapping?.firstPacketsCrossed).toBeUndefined();
    expect(codes).toEqual([]);
    expect(rtp.map((c) => c.status)).toEqual(["passed"]);
  });

  it("merged: one reply packet counted in the original direction is explained, and the check passes saying so", async () => {
    const { r, codes, rtp, crossed, mapping } = await verifyWith("merged", inside, crossedOutside, [101, 20200], [99, 19800]);
    // paired although the captures disagree on who opened it; each line carries what left the router
    expect(mapping).toMatchObject({ direction: "outbound", translated: { ip: "198.51.100.1", port: 7000 }, remote: { ip: "198.51.100.20", port: 6000 }, firstPacketsCrossed: true });
    expect(crossed).toEqual([["I", 100, { frames: 100, bytes: 20000 }], ["O", 100, { frames: 100, bytes: 20000 }]]);
    expect(r.findings.filter((x) => x.code === "nat.unpaired-flow")).toEqual([]);
    expect(codes).toEqual(["conntrack.counters-clash"]);
    const f = r.findings.find((x) => x.code === "conntrack.counters-clash")!;
    expect(f.severity).toBe("info");
    expect(f.message).toMatch(/merging the second into the first: its 1 packet \(200 bytes\) of the reply direction are counted in the original one/);
    expect(rtp.map((c) => c.status)).toEqual(["passed"]);
    expect(rtp[0]!.reason).toMatch(/counters \(1 packet \(200 bytes\) of the reply direction counted in the original one/);
    expect(r.verdict).toBe("pass");
  });

  it("dropped: the server's first packet entered the router, never left it and was counted nowhere", async () => {
    const { r, codes, rtp } = await verifyWith("dropped", withoutFirst(inside, 6000, 7000), crossedOutside, [100, 20000], [99, 19800]);
    expect(codes).toEqual(["conntrack.counters-clash"]);
    expect(r.findings.find((x) => x.code === "conntrack.counters-clash")!.message).toMatch(/1 of the reply direction's 100 packets entered the router and did not leave it in this flow/);
    expect(rtp.map((c) => c.status)).toEqual(["passed"]);
    expect(r.verdict).toBe("pass");
  });

  it("a new port: the client's first packet left from another port; the flow is paired with the connection, not with that packet", async () => {
    // The entry that survived is the server's (original server -> NAT); the client's first packet
    // went out from 198.51.100.1:53012 under an entry conntrack -L does not list.
    const moved = firstFrom(crossedOutside, 7000, 6000, 53012);
    const text = readFileSync(join(lab, "conntrack.txt"), "utf8").replace(RTP_ENTRY,
      "ipv4     2 udp      17 25 src=198.51.100.20 dst=198.51.100.1 sport=6000 dport=7000 packets=100 bytes=20000 src=192.0.2.10 dst=198.51.100.20 sport=7000 dport=6000 packets=99 bytes=19800 mark=0 use=1");
    writeFileSync(join(dir, "new-port-conntrack.txt"), text);
    writeFileSync(join(dir, "new-port-outside.pcap"), moved);
    const r = await runVerify({ inside: join(lab, "inside.pcap"), outside: join(dir, "new-port-outside.pcap"), router: [join(dir, "new-port-conntrack.txt")] });
    const m = r.nat!.mappings.find((x) => x.inside.port === 7000)!;
    expect(m).toMatchObject({ translated: { ip: "198.51.100.1", port: 7000 }, firstPacketsCrossed: true });
    // the one packet from 53012 is a flow of the outside capture alone: said as what it is, not as unpaired
    expect(r.findings.filter((x) => x.code === "nat.unpaired-flow")).toEqual([]);
    expect(r.findings.filter((x) => x.code === "nat.clash-port").map((x) => [x.severity, x.message])).toEqual([["info",
      "udp 192.0.2.10:7000 <-> 198.51.100.20:6000 (NAT 198.51.100.1:7000): its first packets crossed at the router, and the kernel's clash resolution gave one another port: outside 198.51.100.1:53012 -> 198.51.100.20:6000 (1 packet(s), the inside host's, from another NAT port)"]]);
    expect(r.findings.map((x) => x.code)).not.toContain("alg.payload-port-mismatch");
    expect(r.findings.map((x) => x.code)).not.toContain("router.nat-mismatch");
    const clash = r.findings.filter((x) => x.code === "conntrack.counters-clash");
    expect(clash.map((x) => x.message)).toEqual([expect.stringMatching(/1 of the reply direction's 100 packets entered the router and did not leave it in this flow .* to another port/)]);
    expect(r.verdict).toBe("pass");
  });

  it("a new port on the way in: the server's first packet reached the client from another source port", async () => {
    // The client's entry survived (original client -> server); the server's first packet was
    // translated under a hidden entry of its own, its source port changed to 26567.
    const moved = firstFrom(inside, 6000, 7000, 26567);
    const { r, codes, rtp } = await verifyWith("new-port-in", moved, crossedOutside, [100, 20000], [99, 19800]);
    expect(r.nat!.mappings.find((x) => x.inside.port === 7000)).toMatchObject({ remote: { ip: "198.51.100.20", port: 6000 }, firstPacketsCrossed: true });
    expect(r.findings.filter((x) => x.code === "nat.unpaired-flow")).toEqual([]);
    expect(r.findings.filter((x) => x.code === "nat.clash-port").map((x) => x.message)).toEqual([expect.stringMatching(/: inside 198\.51\.100\.20:26567 -> 192\.0\.2\.10:7000 \(1 packet\(s\), the remote's, from another port\)$/)]);
    expect(codes).toEqual(["conntrack.counters-clash"]);
    expect(rtp.map((c) => c.status)).toEqual(["passed"]);
    expect(r.verdict).toBe("pass");
  });

  it("a one-way flow of one side only is not a clash's without a crossed flow beside it", async () => {
    // The client's SECOND packet from another NAT port: its flow's first packets did not cross
    // (the client's first packet still opens it on both sides), so that packet is just unpaired.
    writeFileSync(join(dir, "second-elsewhere.pcap"), firstFrom(outside, 7000, 6000, 53012, 1));
    const r = await runVerify({ inside: join(lab, "inside.pcap"), outside: join(dir, "second-elsewhere.pcap") });
    expect(r.nat!.mappings.some((m) => m.firstPacketsCrossed)).toBe(false);
    expect(r.findings.map((x) => x.code)).not.toContain("nat.clash-port");
    expect(r.findings.filter((x) => x.code === "nat.unpaired-flow").map((x) => x.message)).toEqual([expect.stringMatching(/seen only on the outside \(e\.g\. udp 198\.51\.100\.1:53012 -> 198\.51\.100\.20:6000, 1 packets\)/)]);
  });

  it("counters off otherwise stay a mismatch, crossing or not", async () => {
    // not mirrored: one more original packet, the reply direction complete
    expect((await verifyWith("unmirrored", inside, crossedOutside, [101, 20200], [100, 20000])).codes).toEqual(["conntrack.counter-mismatch"]);
    // mirrored, but the captures agree on who sent first: nothing crossed
    expect((await verifyWith("uncrossed", inside, outside, [101, 20200], [99, 19800])).codes).toEqual(["conntrack.counter-mismatch"]);
    // mirrored packets, bytes not: not one packet moved
    expect((await verifyWith("bytes", inside, crossedOutside, [101, 20200], [99, 19900])).codes).toEqual(["conntrack.counter-mismatch"]);
    // a drop, but conntrack counted fewer than left the router
    expect((await verifyWith("lost", withoutFirst(inside, 6000, 7000), crossedOutside, [100, 20000], [98, 19600])).codes).toEqual(["conntrack.counter-mismatch"]);
  });
});
