/**
 * Self-test of pcap-writer and the committed generated captures, with tshark as the oracle:
 * checksums valid, no malformed packets, byte order / resolution / framing read back as written,
 * committed files identical to their generators' output, and mix.expected.json consistent with
 * tshark's conversations (modulo the by-design differences documented in tshark.ts).
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EXAMPLE, makeExampleCapture } from "../../pcaps/make/example.js";
import { MIX_FILES, makeMixCapture, mixExpected } from "../../pcaps/make/flows-mix.js";
import {
  DEFAULT_EPOCH_NS, LinkType, ethernetFor, icmpv4, icmpv6, inetChecksum, ipPacket, ipv4, ipv4Addr, ipv6,
  ipv6Addr, IpProto, pcapngUnits, pcapngUnitsToNs, tcpSession, udp, writePcap, writePcapng,
} from "../helpers/pcap-writer.js";
import { describeWithTshark, tsharkConversations, tsharkFields, tsharkPacketCount } from "../helpers/tshark.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHECK = ["tcp.check_checksum:TRUE", "udp.check_checksum:TRUE", "ip.check_checksum:TRUE"];
const BAD = "tcp.checksum.status==0 || udp.checksum.status==0 || ip.checksum.status==0 || icmp.checksum.status==0 || icmpv6.checksum.status==0 || _ws.malformed || _ws.expert.severity>=error";

it("address parsing and checksum primitives", () => {
  expect([...ipv4Addr("192.0.2.1")]).toEqual([192, 0, 2, 1]);
  expect([...ipv6Addr("2001:db8::1")]).toEqual([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]);
  expect([...ipv6Addr("::ffff:192.0.2.1")].slice(10)).toEqual([0xff, 0xff, 192, 0, 2, 1]);
  // RFC 1071 example bytes: 00 01 f2 03 f4 f5 f6 f7 → sum 0xddf2, checksum 0x220d.
  expect(inetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7))).toBe(0x220d);
  // A header with its checksum in place sums to zero.
  const h = ipv4({ src: "10.0.0.1", dst: "10.0.0.2", proto: 6, options: Uint8Array.of(1, 1, 1), payload: new Uint8Array(0) });
  expect(h[0]).toBe(0x46);
  expect(inetChecksum(h)).toBe(0);
  expect(pcapngUnitsToNs(pcapngUnits(DEFAULT_EPOCH_NS + 123_456_789n, 0x8a), 0x8a)).toBeLessThanOrEqual(DEFAULT_EPOCH_NS + 123_456_789n);
  expect(pcapngUnits(5_000_000_000n, 9, 2n)).toBe(3_000_000_000n);
});

it("generators are deterministic and the committed files match them", () => {
  for (const side of ["inside", "outside"] as const) {
    const bytes = makeExampleCapture(side);
    expect(bytes).toEqual(makeExampleCapture(side));
    expect(bytes.length).toBeLessThan(20 * 1024);
    expect(new Uint8Array(fs.readFileSync(path.join(root, EXAMPLE.files[side])))).toEqual(bytes);
  }
  const mix = makeMixCapture();
  expect(mix.length).toBeLessThan(30 * 1024);
  expect(new Uint8Array(fs.readFileSync(path.join(root, MIX_FILES.capture)))).toEqual(mix);
  expect(JSON.parse(fs.readFileSync(path.join(root, MIX_FILES.expected), "utf8"))).toEqual(JSON.parse(JSON.stringify(mixExpected())));
});

describeWithTshark("pcap-writer output read back by tshark", () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "alg-verify-writer-")); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const frames = () => {
    const s = tcpSession({ client: { ip: "2001:db8::1", port: 1234 }, server: { ip: "2001:db8::2", port: 80 } });
    s.handshake();
    s.send(true, "hello");
    s.close();
    const v4 = ipPacket({ src: "192.0.2.1", dst: "192.0.2.2", proto: IpProto.ICMP, payload: icmpv4({ id: 1, seq: 1 }) });
    const v6 = ipv6({ src: "2001:db8::1", dst: "2001:db8::2", nextHeader: IpProto.ICMPV6, payload: icmpv6({ src: "2001:db8::1", dst: "2001:db8::2", id: 1, seq: 1 }) });
    const u = ipPacket({ src: "192.0.2.1", dst: "192.0.2.2", proto: IpProto.UDP, payload: udp({ src: "192.0.2.1", dst: "192.0.2.2", srcPort: 1, dstPort: 2, payload: new Uint8Array(7) }) });
    return [...s.frames.map((f) => f.data), v4, v6, u].map((l3) => ethernetFor(l3));
  };

  it.each([
    { bigEndian: false, nanosecond: false },
    { bigEndian: true, nanosecond: false },
    { bigEndian: false, nanosecond: true },
    { bigEndian: true, nanosecond: true },
  ])("classic pcap %o: timestamps, checksums", (o) => {
    const f = path.join(dir, `w-${o.bigEndian}-${o.nanosecond}.pcap`);
    const fr = frames();
    const t0 = DEFAULT_EPOCH_NS + 123_456_789n;
    fs.writeFileSync(f, writePcap(fr.map((data, i) => ({ ts: t0 + BigInt(i) * 1000n, data })), { linkType: LinkType.ETHERNET, ...o }));
    expect(tsharkPacketCount(f)).toBe(fr.length);
    const rows = tsharkFields(f, ["frame.time_epoch"]);
    expect(rows[1]![0]).toBe(o.nanosecond ? "1704164645.123457789" : "1704164645.123457000");
    expect(tsharkFields(f, ["frame.number"], BAD, { prefs: CHECK })).toEqual([]);
  });

  it("pcapng: two sections LE/BE, tsresol 6/9/2^-10, tsoffset, SPB, PB, NRB/ISB/custom/unknown", () => {
    const f = path.join(dir, "w.pcapng");
    const fr = frames();
    const ns = DEFAULT_EPOCH_NS + 500_000_000n;
    fs.writeFileSync(f, writePcapng({
      sections: [
        {
          interfaces: [{ linkType: 1, tsresol: 6 }, { linkType: 1, tsresol: 9, tsoffset: 1_700_000_000n }],
          blocks: [
            { type: "epb", iface: 0, ts: pcapngUnits(ns, 6), data: fr[0]! },
            { type: "nrb", records: [{ ip: "192.0.2.1", names: ["a.example"] }] },
            { type: "epb", iface: 1, ts: pcapngUnits(ns, 9, 1_700_000_000n), data: fr[1]! },
            { type: "spb", data: fr[2]! },
            { type: "unknown", blockType: 0x4242, body: Uint8Array.of(1, 2, 3) },
            { type: "isb", iface: 0, ts: 0n, ifRecv: 3n },
          ],
        },
        {
          bigEndian: true,
          interfaces: [{ linkType: 1, tsresol: 0x8a }],
          blocks: [
            { type: "pb", iface: 0, ts: pcapngUnits(ns, 0x8a), data: fr[3]! },
            { type: "epb", iface: 0, ts: pcapngUnits(ns, 0x8a), data: fr[4]!.subarray(0, 40), origLen: fr[4]!.length },
          ],
        },
      ],
    }));
    const rows = tsharkFields(f, ["frame.number", "frame.time_epoch", "frame.interface_id", "frame.cap_len", "frame.len"]);
    expect(rows.map((r) => r[3])).toEqual([fr[0], fr[1], fr[2], fr[3], fr[4]!.subarray(0, 40)].map((d) => String(d!.length)));
    expect(rows[4]![4]).toBe(String(fr[4]!.length));
    expect(rows[0]![1]).toBe("1704164645.500000000");
    expect(rows[1]![1]).toBe("1704164645.500000000");
    // 2^-10 s resolution: 0.5 s is exact.
    expect(rows[3]![1]).toBe("1704164645.500000000");
  });

  it("example captures: checksums, PORT rewrite and seq shift, data connections", () => {
    for (const side of ["inside", "outside"] as const) {
      const f = path.join(root, EXAMPLE.files[side]);
      expect(tsharkFields(f, ["frame.number"], BAD, { prefs: CHECK })).toEqual([]);
      const args = tsharkFields(f, ["ftp.request.command", "ftp.request.arg"], "ftp.request.command == \"PORT\"");
      expect(args).toEqual([["PORT", side === "inside" ? "192,0,2,10,195,80" : "203,0,113,1,195,80"]]);
      expect(tsharkFields(f, ["ftp.response.arg"], "ftp.response.code == 227")).toEqual([["Entering Passive Mode (198,51,100,20,117,48)."]]);
      const conv = tsharkConversations(f, "tcp");
      const host = side === "inside" ? EXAMPLE.client : EXAMPLE.nat;
      const key = (c: { a: { ip: string; port: number }; b: { ip: string; port: number } }) => `${c.a.ip}:${c.a.port}>${c.b.ip}:${c.b.port}`;
      expect(conv.map(key).sort()).toEqual([
        `${EXAMPLE.server}:20>${host}:50000`,
        `${host}:51000>${EXAMPLE.server}:21`,
        `${host}:51002>${EXAMPLE.server}:21`,
        `${host}:51004>${EXAMPLE.server}:30000`,
      ].sort());
    }
    // The rewritten PORT is one byte longer: the client's seq after it is +1 outside.
    const seqAfter = (side: "inside" | "outside") =>
      tsharkFields(path.join(root, EXAMPLE.files[side]), ["tcp.seq_raw"], "tcp.srcport == 51000 && ftp.request.command == \"LIST\"", {})[0]![0];
    expect(Number(seqAfter("outside")) - Number(seqAfter("inside"))).toBe(1);
  });

  it("mix.pcapng: tshark agrees with mix.expected.json (except documented differences)", () => {
    const f = path.join(root, MIX_FILES.capture);
    const exp = mixExpected();
    expect(tsharkFields(f, ["frame.number"], BAD, { prefs: CHECK })).toEqual([]);
    // tshark 4.0 numbers pcapng custom blocks as frames (2 here); they are not packets.
    const custom = tsharkFields(f, ["frame.number"], "!eth").length;
    expect(custom).toBe(2);
    expect(tsharkPacketCount(f)).toBe(exp.packets + custom);
    // Compare TCP/UDP flows without fragments; tshark merges F2/F3 (same tuple, two interfaces).
    for (const proto of ["tcp", "udp"] as const) {
      const conv = tsharkConversations(f, proto);
      const byKey = new Map<string, { ab: number; ba: number }>();
      for (const fl of exp.flows) {
        if (fl.proto !== proto || fl.fragments > 0) continue;
        const k = `${fl.initiator.ip}:${fl.initiator.port}>${fl.responder.ip}:${fl.responder.port}`;
        const e = byKey.get(k) ?? { ab: 0, ba: 0 };
        e.ab += fl.packets.initiatorToResponder;
        e.ba += fl.packets.responderToInitiator;
        byKey.set(k, e);
      }
      for (const [k, v] of byKey) {
        const row = conv.find((c) => `${c.a.ip}:${c.a.port}>${c.b.ip}:${c.b.port}` === k);
        expect(row, k).toBeDefined();
        expect({ ab: row!.framesAtoB, ba: row!.framesBtoA }, k).toEqual(v);
      }
    }
    expect(exp.flows).toHaveLength(13);
    expect(exp.truncatedPackets).toBe(1);
  });
});
