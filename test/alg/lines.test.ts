/**
 * Parser unit tests, one line at a time: each line (from ALG-BEHAVIOUR.md §3–4 and the live
 * observations of §7) is sent on a minimal FTP control connection (tcpSession of the pcap
 * writer), decoded by the wasm core, and its negotiation checked: kind, validity and reason,
 * announced address and port, and the Linux emulation outcome where it is specific to the line.
 */
import { describe, expect, it } from "vitest";
import { loadCoreModule } from "../../src/node/index.js";
import { analyzeCapture } from "../../src/alg/analyze.js";
import { parseTransport } from "../../src/alg/transport.js";
import { ascii, ethernetFor, ipPacket, IpProto, tcp, tcpSession, writePcap } from "../helpers/pcap-writer.js";

async function negotiation(line: string, fromClient: boolean, opts: { v6?: boolean; before?: string; request?: string } = {}) {
  const s = tcpSession({
    client: { ip: opts.v6 ? "2001:db8:1::10" : "192.0.2.10", port: 51000 },
    server: { ip: opts.v6 ? "2001:db8:2::20" : "198.51.100.20", port: 21 },
  });
  s.handshake();
  s.send(false, "220 ready\r\n");
  s.send(true, "USER a\r\n");
  if (opts.before) s.send(fromClient, opts.before);
  if (opts.request) s.send(true, opts.request);
  s.send(fromClient, line);
  const pcap = writePcap(s.frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: 1 });
  const r = await analyzeCapture(await loadCoreModule(), [pcap] as unknown as AsyncIterable<Uint8Array>, { file: "t", flowCapLog2: 6, profile: "linux" });
  return r.sessions[0]?.negotiations[0];
}

// [line (as sent, with its terminator), from client, expected fields, linux outcome/reason]
const FTP: [string, boolean, Record<string, unknown>, string?][] = [
  ["PORT 192,0,2,10,4,31\r\n", true, { kind: "PORT", valid: true, announced: { ip: "192.0.2.10", port: 1055 } }, "parsed/ok"],
  ["port 192,0,2,10,4,31\r\n", true, { kind: "PORT", valid: true, announced: { ip: "192.0.2.10", port: 1055 } }, "parsed/ok"],
  ["PORT  192,0,2,10,4,31\r\n", true, { kind: "PORT", valid: true }, "dropped/extra_space"],
  ["PORT 192,0,2,10,4,31\n", true, { kind: "PORT", valid: true }, "dropped/bare_lf"],
  ["PORT 192,0,2,258,4,31\r\n", true, { kind: "PORT", valid: false, reason: "octet_out_of_range", announced: { port: 1055 } }, "parsed/octet_bleed"],
  ["PORT 192,0,2,10,0,0\r\n", true, { kind: "PORT", valid: false, reason: "port_zero" }, "parsed/port_zero_unchecked"],
  ["PORT 192,0,2,10,4\r\n", true, { kind: "PORT", valid: false, reason: "malformed" }],
  ["PORT 198,51,100,99,4,31\r\n", true, { kind: "PORT", valid: true, announced: { ip: "198.51.100.99", port: 1055 } }, "ignored/address_not_peer"],
  ["EPRT |1|192.0.2.10|6275|\r\n", true, { kind: "EPRT", valid: true, announced: { ip: "192.0.2.10", port: 6275 } }, "parsed/ok"],
  ["EPRT !1!192.0.2.10!6275!\r\n", true, { kind: "EPRT", valid: true, announced: { ip: "192.0.2.10", port: 6275 } }, "parsed/ok"],
  ["EPRT |2|2001:db8:1::10|5282|\r\n", true, { kind: "EPRT", valid: false, reason: "family_mismatch", announced: { ip: "2001:db8:1::10", port: 5282 } }, "dropped/eprt_family_mismatch"],
  ["EPRT |1|192.0.2.10|75796|\r\n", true, { kind: "EPRT", valid: false, reason: "port_out_of_range", announced: { ip: "192.0.2.10", port: 75796 } }, "parsed/port_wrapped"],
  ["EPRT |1|192.0.2.10|0|\r\n", true, { kind: "EPRT", valid: false, reason: "port_zero" }, "dropped/port_zero"],
  ["EPRT |3|192.0.2.10|6275|\r\n", true, { kind: "EPRT", valid: false, reason: "bad_family" }, "dropped/eprt_bad_family"],
  ["EPRT |1|192.0.2|6275|\r\n", true, { kind: "EPRT", valid: false, reason: "malformed" }],
  ["LPRT 4,4,192,0,2,10,2,4,31\r\n", true, { kind: "LPRT", valid: true, announced: { ip: "192.0.2.10", port: 1055 } }, "ignored/unsupported_command"],
  ["227 Entering Passive Mode (198,51,100,20,4,31).\r\n", false, { kind: "227", valid: true, announced: { ip: "198.51.100.20", port: 1055 } }, "parsed/ok"],
  ["227 =198,51,100,20,4,31\r\n", false, { kind: "227", valid: true, announced: { ip: "198.51.100.20", port: 1055 } }, "parsed/ok"],
  ["227 198,51,100,20,4,31\r\n", false, { kind: "227", valid: true, announced: { ip: "198.51.100.20", port: 1055 } }, "parsed/ok"],
  ["227 Entering Passive Mode v2 (198,51,100,20,4,31).\r\n", false, { kind: "227", valid: true, announced: { ip: "198.51.100.20", port: 1055 } }, "dropped/digit_before_tuple"],
  ["227 Logout.\r\n", false, { kind: "227", valid: false, reason: "malformed" }],
  ["229 Entering Extended Passive Mode (|||6446|)\r\n", false, { kind: "229", valid: true, announced: { port: 6446 } }, "parsed/ok"],
  ["229 Entering Extended Passive Mode |||6446|\r\n", false, { kind: "229", valid: true, announced: { port: 6446 } }, "dropped/epsv_no_parentheses"],
  ["229 Entering Extended Passive Mode (|||0|)\r\n", false, { kind: "229", valid: false, reason: "port_zero" }, "dropped/port_zero"],
  ["228 Entering Long Passive Mode (4,4,198,51,100,20,2,4,31)\r\n", false, { kind: "228", valid: true, announced: { ip: "198.51.100.20", port: 1055 } }, "ignored/unsupported_command"],
];

describe("FTP lines", () => {
  for (const [line, fromClient, want, linux] of FTP) {
    it(JSON.stringify(line), async () => {
      const n = await negotiation(line, fromClient);
      expect(n, "a negotiation").toBeDefined();
      expect(n).toMatchObject(want);
      if (linux) expect(`${n!.emulation?.outcome}/${n!.emulation?.reason}`).toBe(linux);
    });
  }
  it("a PORT after another command in the same segment (NOOP\\r\\nPORT …): every line parsed; Linux ignores it", async () => {
    const n = await negotiation("NOOP\r\nPORT 192,0,2,10,4,31\r\n", true);
    expect(n).toMatchObject({ kind: "PORT", valid: true, announced: { ip: "192.0.2.10", port: 1055 }, line: "PORT 192,0,2,10,4,31" });
    expect(n!.emulation).toMatchObject({ outcome: "ignored", reason: "not_segment_start" });
  });
  it("EPRT |2| on an IPv6 control connection", async () => {
    const n = await negotiation("EPRT |2|2001:db8:1::10|5282|\r\n", true, { v6: true });
    expect(n).toMatchObject({ kind: "EPRT", valid: true, announced: { ip: "2001:db8:1::10", port: 5282 } });
  });
  it("EPRT with an embedded IPv4 tail in the IPv6 form", async () => {
    const n = await negotiation("EPRT |2|::ffff:192.0.2.10|5282|\r\n", true, { v6: true });
    expect(n).toMatchObject({ valid: true, announced: { ip: "::ffff:192.0.2.10", port: 5282 } });
  });
  it("a reply names the request it answers", async () => {
    const n = await negotiation("227 Entering Passive Mode (198,51,100,20,4,31).\r\n", false, { request: "PASV\r\n" });
    expect(n).toMatchObject({ kind: "227", command: "PASV" });
    const e = await negotiation("229 Entering Extended Passive Mode (|||6446|)\r\n", false, { request: "EPSV\r\n" });
    expect(e).toMatchObject({ kind: "229", command: "EPSV" });
  });
});

describe("RTSP Transport parser", () => {
  it("several specs, ranges, a/b, single ports, destination/source, interleaved", () => {
    expect(parseTransport("Transport: RTP/AVP/TCP;unicast;interleaved=0-1,RTP/AVP;unicast;client_port=50000-50001,RTP/AVP;multicast")).toEqual([
      { profile: "RTP/AVP/TCP", lowerTransport: "tcp", unicast: true, interleaved: [0, 1] },
      { profile: "RTP/AVP", lowerTransport: "udp", unicast: true, clientPort: [50000, 50001] },
      { profile: "RTP/AVP", lowerTransport: "udp", unicast: false },
    ]);
    expect(parseTransport("transport: RTP/AVP/UDP;unicast;client_port=50000/50004;server_port=6970;source=198.51.100.20;destination=192.0.2.77;ssrc=1A2B")).toEqual([
      { profile: "RTP/AVP/UDP", lowerTransport: "udp", unicast: true, clientPort: [50000, 50004], serverPort: [6970, 6970], source: "198.51.100.20", destination: "192.0.2.77", params: { ssrc: "1A2B" } },
    ]);
  });
  it("a port above 65535 is no port (the fuzz reproducer capture-schema-617d4bdd6452: client_port=70000-50001)", () => {
    const [spec] = parseTransport("Transport: RTP/AVP;unicast;client_port=70000-50001;server_port=40070-99999");
    expect(spec.clientPort).toBeUndefined();
    expect(spec.serverPort).toBeUndefined();
    expect(parseTransport("Transport: RTP/AVP;unicast;client_port=65534-65535")[0].clientPort).toEqual([65534, 65535]);
  });
});

describe("control-stream reassembly counters", () => {
  it("a segment that repeats the head of its bytes is a retransmission: counted, its new bytes read once, the line whole", async () => {
    const client = { ip: "192.0.2.10", port: 51000 }, server = { ip: "198.51.100.20", port: 21 };
    const s = tcpSession({ client, server });
    s.handshake();
    s.send(false, "220 ready\r\n");
    s.send(true, "USER a\r\n", { ackFromPeer: false });
    // Starts 4 bytes back ("a\r\n" and the space before it), then carries a PORT line.
    const seq = (s.clientSeq - 4) >>> 0;
    const seg = tcp({ src: client.ip, dst: server.ip, srcPort: client.port, dstPort: server.port, seq, ack: s.serverSeq, flags: { ack: true, psh: true }, window: 64240, payload: ascii(" a\r\nPORT 192,0,2,10,4,31\r\n") });
    const frames = [...s.frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) })),
      { ts: s.now + 50_000n, data: ethernetFor(ipPacket({ src: client.ip, dst: server.ip, proto: IpProto.TCP, payload: seg, id: 0x2000, df: true })) }];
    const r = await analyzeCapture(await loadCoreModule(), [writePcap(frames, { linkType: 1 })] as unknown as AsyncIterable<Uint8Array>, { file: "t", flowCapLog2: 6 });
    expect(r.scan.stats.ctrlRetransmits).toBe(1);
    expect(r.scan.stats.ctrlGaps).toBe(0);
    expect(r.sessions[0]?.negotiations.map((n) => [n.kind, n.announced])).toEqual([["PORT", { ip: "192.0.2.10", port: 1055 }]]);
  });
});

describe("control-stream retransmissions that differ from the copy read (TcpConflict)", () => {
  const client = { ip: "192.0.2.10", port: 51000 }, server = { ip: "198.51.100.20", port: 21 };
  /** An FTP session whose client sends `first`, then a segment at `back` bytes before its next sequence number carrying `again` (`held`: sent ahead of a hole that `fill` then fills). */
  async function run(first: string, back: number, again: string, opts: { after?: string; hole?: string } = {}) {
    const s = tcpSession({ client, server });
    s.handshake();
    s.send(false, "220 ready\r\n");
    s.send(true, "USER a\r\n");
    s.send(true, first, { ackFromPeer: false });
    if (opts.after) s.send(true, opts.after, { ackFromPeer: false });
    const frames = s.frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) }));
    const seg = (seq: number, text: string, id: number) => ({
      ts: s.now + BigInt(id) * 1000n,
      data: ethernetFor(ipPacket({ src: client.ip, dst: server.ip, proto: IpProto.TCP, id, df: true, payload: tcp({ src: client.ip, dst: server.ip, srcPort: client.port, dstPort: server.port, seq: seq >>> 0, ack: s.serverSeq, flags: { ack: true, psh: true }, window: 64240, payload: ascii(text) }) })),
    });
    let next = s.clientSeq;
    if (opts.hole !== undefined) {
      // The repeat is held first (it starts past a hole), then the hole's bytes arrive: it is released by drain.
      frames.push(seg(next + opts.hole.length - back, again, 0x3001));
      frames.push(seg(next, opts.hole, 0x3002));
      next += opts.hole.length;
    } else frames.push(seg(next - back, again, 0x3001));
    const packet = opts.hole !== undefined ? frames.length - 1 : frames.length;
    const r = await analyzeCapture(await loadCoreModule(), [writePcap(frames, { linkType: 1 })] as unknown as AsyncIterable<Uint8Array>, { file: "t", flowCapLog2: 6 });
    return { r, packet, diag: r.scan.diagnostics.find((d) => d.code === "tcp_retransmission_differs") };
  }

  it("a repeat of the same bytes is a retransmission, not a conflict", async () => {
    const line = "PORT 192,0,2,10,4,31\r\n";
    const { r, diag } = await run(line, line.length, line);
    expect(r.scan.stats.ctrlRetransmits).toBe(1);
    expect(r.scan.stats.ctrlConflicts).toBe(0);
    expect(diag).toBeUndefined();
  });

  it("a repeat with another address is a conflict: counted, located, the first copy read", async () => {
    const line = "PORT 192,0,2,10,4,31\r\n";
    const { r, packet, diag } = await run(line, line.length, "PORT 203,0,113,5,4,31\r\n".slice(0, line.length));
    expect(r.scan.stats.ctrlConflicts).toBe(1);
    expect(diag).toMatchObject({ severity: "warning", packet, count: 1 });
    // "PORT " then "1" against "2": relative sequence of "USER a\r\n" (8 bytes) + 5
    expect(diag!.message).toContain(`packet ${packet} (relative sequence ${8 + 5})`);
    expect(r.sessions[0]?.negotiations.map((n) => n.announced)).toEqual([{ ip: "192.0.2.10", port: 1055 }]);
  });

  it("a segment that repeats only the head of its bytes is compared there; its new bytes are read", async () => {
    const line = "PORT 192,0,2,10,4,31\r\n";
    // its 4 repeated bytes "3X\r\n" against "31\r\n": the second differs
    const { r, diag } = await run(line, 4, "3X\r\nEPRT |1|192.0.2.10|6275|\r\n");
    expect(r.scan.stats.ctrlConflicts).toBe(1);
    expect(diag!.message).toContain(`relative sequence ${8 + line.length - 3}`);
    expect(r.sessions[0]?.negotiations.map((n) => n.kind)).toEqual(["PORT", "EPRT"]);
    // the same head repeated as it was: no conflict, the new line still read
    const same = await run(line, 4, "31\r\nEPRT |1|192.0.2.10|6275|\r\n");
    expect(same.r.scan.stats.ctrlConflicts).toBe(0);
    expect(same.r.sessions[0]?.negotiations.map((n) => n.kind)).toEqual(["PORT", "EPRT"]);
  });

  it("a held segment released over bytes already delivered is compared too", async () => {
    const { r, diag, packet } = await run("NOOP\r\n", 3, "EPSV\r\n", { hole: "PASV\r\n" });
    expect(r.scan.stats.ctrlReordered).toBe(1);
    expect(r.scan.stats.ctrlConflicts).toBe(1);
    // the conflict is the held segment's: the packet that carried it
    expect(diag!.packet).toBe(packet);
    const same = await run("NOOP\r\n", 3, "V\r\nEPSV\r\n", { hole: "PASV\r\n" });
    expect(same.r.scan.stats.ctrlConflicts).toBe(0);
  });

  it("bytes older than the history (2048) are not compared", async () => {
    const line = "PORT 192,0,2,10,4,31\r\n";
    const after = "NOOP\r\n".repeat(400); // 2400 bytes sent after the PORT line
    const { r, diag } = await run(line, line.length + after.length, "PORT 203,0,113,5,4,31\r\n".slice(0, line.length), { after });
    expect(r.scan.stats.ctrlRetransmits).toBe(1);
    expect(r.scan.stats.ctrlConflicts).toBe(0);
    expect(diag).toBeUndefined();
    // within the history, the same repeat is one
    const near = await run(line, line.length + 600, "PORT 203,0,113,5,4,31\r\n".slice(0, line.length), { after: "NOOP\r\n".repeat(100) });
    expect(near.r.scan.stats.ctrlConflicts).toBe(1);
  });
});
