/**
 * Self-test of the tshark oracle helpers: a capture written with pcap-writer, with packet and
 * byte counts known per direction, must come back from `tsharkConversations` exactly — this pins
 * down which conv column is which direction (`->` = A→B, `<-` = B→A).
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  LinkType, ethernetFor, ipPacket, tcpSession, udp, writePcap, IpProto, type PcapRecord,
} from "../helpers/pcap-writer.js";
import {
  describeWithTshark, parseConversations, tsharkConversations, tsharkFields, tsharkPacketCount,
} from "../helpers/tshark.js";

describeWithTshark("tshark oracle helpers", () => {
  let dir: string;
  let file: string;
  // Known facts of the capture written below.
  const client = { ip: "192.0.2.10", port: 40000 };
  const server = { ip: "198.51.100.20", port: 8080 };
  let tcpFromClient = 0, tcpFromServer = 0, tcpBytesC = 0, tcpBytesS = 0;
  let udpFrames = 0, udpBytes = 0;
  let total = 0;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alg-verify-tshark-"));
    file = path.join(dir, "conv.pcap");
    const s = tcpSession({ client, server });
    s.handshake();
    s.send(true, "GET / HTTP/1.0\r\n\r\n"); // + ACK from server
    s.send(false, "x".repeat(3000), { ackFromPeer: true }); // 3 segments (MSS 1460) + 1 ACK
    s.send(true, "more", { ackFromPeer: false });
    s.close(true);
    const records: PcapRecord[] = [];
    for (const f of s.frames) {
      const data = ethernetFor(f.data);
      records.push({ ts: f.ts, data });
      if (f.fromClient) { tcpFromClient++; tcpBytesC += data.length; } else { tcpFromServer++; tcpBytesS += data.length; }
    }
    // One-way UDP flow started by the *server* address: A must be the first sender.
    for (let i = 0; i < 3; i++) {
      const l3 = ipPacket({ src: "198.51.100.20", dst: "192.0.2.10", proto: IpProto.UDP, payload: udp({ src: "198.51.100.20", dst: "192.0.2.10", srcPort: 5004, dstPort: 6000, payload: new Uint8Array(100 + i) }) });
      const data = ethernetFor(l3);
      records.push({ ts: s.now + BigInt(i + 1) * 1_000_000n, data });
      udpFrames++;
      udpBytes += data.length;
    }
    total = records.length;
    fs.writeFileSync(file, writePcap(records, { linkType: LinkType.ETHERNET }));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("counts frames", () => {
    expect(tsharkPacketCount(file)).toBe(total);
  });

  it("conv,tcp: A = first sender, -> = A→B, <- = B→A, exact frame bytes", () => {
    const rows = tsharkConversations(file, "tcp");
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.a).toEqual(client);
    expect(r.b).toEqual(server);
    expect(tcpFromClient).not.toBe(tcpFromServer); // the test is only meaningful if asymmetric
    expect(r.framesAtoB).toBe(tcpFromClient);
    expect(r.framesBtoA).toBe(tcpFromServer);
    expect(r.bytesAtoB).toBe(tcpBytesC);
    expect(r.bytesBtoA).toBe(tcpBytesS);
    expect(r.bytesExact).toBe(true);
    expect(r.relStart).toBe(0);
  });

  it("conv,udp: one-way flow from the server address", () => {
    const rows = tsharkConversations(file, "udp");
    expect(rows).toEqual([expect.objectContaining({
      a: { ip: "198.51.100.20", port: 5004 }, b: { ip: "192.0.2.10", port: 6000 },
      framesAtoB: udpFrames, framesBtoA: 0, bytesAtoB: udpBytes, bytesBtoA: 0,
    })]);
  });

  it("fields: tab-separated, empty for absent fields, filter applied", () => {
    const rows = tsharkFields(file, ["frame.number", "tcp.stream", "udp.srcport"], "udp");
    expect(rows).toHaveLength(udpFrames);
    expect(rows[0]).toEqual([String(total - udpFrames + 1), "", "5004"]);
    const all = tsharkFields(file, ["frame.number", "tcp.flags.syn"]);
    expect(all).toHaveLength(total);
    expect(all[0]).toEqual(["1", "1"]);
  });

  it("parseConversations: humanised byte units and IPv6 endpoints", () => {
    const text = [
      "2001:470:1f11:81f:c999:d94:aa7c:2e3e:49185 <-> 2001:470:4867:99::21:21         34 6384 bytes      57 5224 bytes      91 11 kB         0.000000000        26.7677",
      "192.168.1.31:63423         <-> 192.168.1.32:19800              94 137 kB         67 4434 bytes     161 141 kB        0.461084000         0.0431",
    ].join("\n");
    const [a, b] = parseConversations(text);
    expect(a!.a).toEqual({ ip: "2001:470:1f11:81f:c999:d94:aa7c:2e3e", port: 49185 });
    expect(a!.b).toEqual({ ip: "2001:470:4867:99::21", port: 21 });
    expect(a!.bytesExact).toBe(true);
    expect(a!.duration).toBeCloseTo(26.7677);
    expect(b!.bytesBtoA).toBe(137_000);
    expect(b!.framesBtoA).toBe(94);
    expect(b!.bytesExact).toBe(false);
    expect(b!.relStart).toBeCloseTo(0.461084);
  });
});
