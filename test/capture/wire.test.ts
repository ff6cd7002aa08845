/**
 * Byte vectors per wire module: one real packet per link/network layer case, kept as the
 * `tshark -x` dump it came from (test/fixtures/wire/<name>.dump, the frame named below), wrapped
 * into a one-record pcap of its link type and decoded. Expected values are tshark's fields for
 * the same frame (`-T fields -e ip.src … -e tcp.flags`), not our own output.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadCoreModule } from "../../src/node/index.js";
import { scanCapture } from "../../src/capture/scan.js";
import { fromHexDump } from "../helpers/hex.js";
import { writePcap } from "../helpers/pcap-writer.js";

async function decode(name: string, linkType: number, origLen?: number) {
  const data = fromHexDump(readFileSync(new URL(`../fixtures/wire/${name}.dump`, import.meta.url), "utf8"));
  const pcap = writePcap([{ ts: 1_000_000_000n, data, origLen }], { linkType });
  const scan = await scanCapture(await loadCoreModule(), [pcap] as unknown as AsyncIterable<Uint8Array>, { file: name, flowCapLog2: 4 });
  return { scan, flows: [...scan.flows], bytes: data.length };
}

describe("link layers", () => {
  it("Ethernet II + 802.1Q (zeek-http-vlan.pcap frame 1): VLAN 0 kept, TCP SYN 141.142.228.5:59856 → 192.150.187.43:80", async () => {
    const { flows, scan } = await decode("ethernet-vlan", 1);
    expect(scan.stats.vlan).toBe(1);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ proto: "tcp", vlan: [0], initiator: { ip: "141.142.228.5", port: 59856 }, responder: { ip: "192.150.187.43", port: 80 }, ipBytes: { initiatorToResponder: 64 }, payloadBytes: { initiatorToResponder: 0 }, tcp: { syn: true, synAck: false } });
  });
  it("two stacked tags (zeek-http-qinq.pcap frame 1): outer and inner VLAN ids", async () => {
    const { flows } = await decode("ethernet-qinq-8021ad", 1);
    expect(flows[0]).toMatchObject({ vlan: [0, 0], initiator: { ip: "141.142.228.5", port: 59856 }, ipBytes: { initiatorToResponder: 64 } });
  });
  it("Linux cooked SLL carrying ARP (packetnet-sll.pcap frame 1): not IP, no flow", async () => {
    const { flows, scan } = await decode("sll", 113);
    expect(flows).toHaveLength(0);
    expect(scan.stats).toMatchObject({ linkSll: 1, nonIp: 1 });
  });
  it("Linux cooked SLL2 (zeek-sll2.pcap frame 1): ICMP echo 192.0.2.1 → 192.0.2.1, 84 IP bytes", async () => {
    const { flows } = await decode("sll2", 276);
    expect(flows[0]).toMatchObject({ proto: "icmp", initiator: { ip: "192.0.2.1", port: null }, ipBytes: { initiatorToResponder: 84 }, payloadBytes: { initiatorToResponder: 64 } });
  });
  it("BSD NULL loopback (packetnet-null-loopback.pcap frame 1): TCP 958 payload bytes, PSH+ACK", async () => {
    const { flows } = await decode("null-loopback", 0);
    expect(flows[0]).toMatchObject({ proto: "tcp", initiator: { ip: "127.0.0.1", port: 62522 }, responder: { ip: "127.0.0.1", port: 49166 }, ipBytes: { initiatorToResponder: 998 }, payloadBytes: { initiatorToResponder: 958 }, tcp: { syn: false, synAck: false, fin: false, rst: false } });
  });
  it("raw IPv4, link type 228 (suricata-frag-rawip-tcp-syn.pcap frame 1): a first fragment with 8 bytes of TCP gives ports, no flags", async () => {
    // tshark -o ip.defragment:FALSE: frame 1 has MF=1, offset 0, ip.len 28; the reassembled SYN
    // (frame 3) reads 1.1.1.1 → 2.2.2.2.
    const { flows, scan } = await decode("raw-ipv4-228", 228);
    expect(scan.stats).toMatchObject({ linkRaw: 1, ipv4: 1, fragments: 1, fragmentsUnattributed: 0 });
    expect(flows[0]).toMatchObject({ proto: "tcp", initiator: { ip: "1.1.1.1" }, responder: { ip: "2.2.2.2" }, ipBytes: { initiatorToResponder: 28 }, tcp: { syn: false } });
  });
  it("Linux cooked SLL with a TCP SYN (tcpdump-tcp-handshake-nano.pcap frame 1)", async () => {
    const { flows } = await decode("tcp-syn-sll-nano", 113);
    expect(flows[0]).toMatchObject({ initiator: { ip: "131.155.215.69", port: 46656 }, responder: { ip: "137.116.81.94", port: 80 }, ipBytes: { initiatorToResponder: 60 }, tcp: { syn: true } });
  });
});

describe("network and transport layers", () => {
  it("IPv4 first fragment (zeek-ipv4-fragmented-udp.pcap frame 1): the UDP ports come from it", async () => {
    // tshark's reassembled datagram reads udp 123 → 137; frame 1 is MF=1, offset 0, ip.len 38.
    const { flows, scan } = await decode("ipv4-fragment-first", 1);
    expect(scan.stats.fragments).toBe(1);
    expect(flows[0]).toMatchObject({ proto: "udp", initiator: { ip: "164.1.123.163", port: 123 }, responder: { ip: "164.1.123.61", port: 137 }, ipBytes: { initiatorToResponder: 38 }, payloadBytes: { initiatorToResponder: 10 }, fragments: 0 });
  });
  it("IPv6 with a fragment header (zeek-ipv6-fragmented-dns.pcap frame 1): UDP 51850 → 53, RFC 5952 addresses", async () => {
    const { flows } = await decode("ipv6-fragment", 1);
    expect(flows[0]).toMatchObject({ proto: "udp", ipVersion: 6, initiator: { ip: "2001:470:1f11:81f:d138:5f55:6d4:1fe2", port: 51850 }, responder: { ip: "2607:f740:b::f93", port: 53 }, ipBytes: { initiatorToResponder: 40 + 81 } });
  });
  it("IPv6 TCP SYN (zeek-ftp-ipv6.pcap frame 1)", async () => {
    const { flows } = await decode("ipv6-tcp", 1);
    expect(flows[0]).toMatchObject({ proto: "tcp", ipVersion: 6, initiator: { ip: "2001:470:1f11:81f:c999:d94:aa7c:2e3e", port: 49185 }, responder: { ip: "2001:470:4867:99::21", port: 21 }, ipBytes: { initiatorToResponder: 40 + 44 }, payloadBytes: { initiatorToResponder: 0 }, tcp: { syn: true } });
  });
  it("UDP (sip-rtp-g729a.pcap frame 5): SIP 5060 → 5060, UDP length 322 → 314 payload bytes", async () => {
    const { flows } = await decode("udp-rtp", 1);
    expect(flows[0]).toMatchObject({ proto: "udp", initiator: { ip: "10.0.2.20", port: 5060 }, responder: { ip: "10.0.2.15", port: 5060 }, ipBytes: { initiatorToResponder: 342 }, payloadBytes: { initiatorToResponder: 314 } });
  });
  it("a packet cut below its IP length counts by the IP length and as truncated", async () => {
    const { flows, scan } = await decode("null-loopback", 0, 1002);
    expect(scan.info.truncatedPackets).toBe(0);
    expect(flows[0].ipBytes.initiatorToResponder).toBe(998);
    const cut = await decode("ipv6-tcp", 1, 200);
    expect(cut.scan.info.truncatedPackets).toBe(1);
    expect(cut.flows[0].ipBytes.initiatorToResponder).toBe(84);
  });
});
