/**
 * The wasm SIP parser at event level (assembly/alg/sip.ts): small captures written here, each
 * datagram or segment chosen to hit one framing rule, and the SipLine events the core emits for
 * them — kind, text, flags (compact, folded, truncated, Content-Length missing/malformed, body
 * short/long), EV_PORT (method, status, Content-Length, m= port, body bytes), message index and
 * segments.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadCoreModule } from "../../src/node/index.js";
import { CaptureCore, type AlgEvent } from "../../src/wasm/core.js";
import { EventKind, LineFlag, SipFlag, SipLine, SipMethod } from "../../src/wasm/abi.js";
import { ascii, ethernetFor, ipPacket, IpProto, tcpSession, udp, writePcap, type PcapRecord } from "../helpers/pcap-writer.js";
import { chunks } from "../helpers/chunks.js";

let mod: WebAssembly.Module;
beforeAll(async () => {
  mod = await loadCoreModule();
});

const A = { ip: "192.0.2.10", port: 5060 };
const B = { ip: "198.51.100.20", port: 5060 };

/** One UDP datagram per payload (A → B); `cut` bytes removed from the end of each capture. */
function udpCapture(payloads: string[], cut = 0): Uint8Array {
  const recs: PcapRecord[] = payloads.map((p, i) => {
    const l4 = udp({ src: A.ip, dst: B.ip, srcPort: A.port, dstPort: B.port, payload: ascii(p) });
    const data = ethernetFor(ipPacket({ src: A.ip, dst: B.ip, proto: IpProto.UDP, payload: l4, id: i + 1 }));
    return cut ? { ts: BigInt(i + 1) * 1_000_000n, data: data.subarray(0, data.length - cut), origLen: data.length } : { ts: BigInt(i + 1) * 1_000_000n, data };
  });
  return writePcap(recs, { linkType: 1 });
}

async function events(bytes: Uint8Array): Promise<AlgEvent[]> {
  const out: AlgEvent[] = [];
  const core = new CaptureCore(mod, { flowCapLog2: 6, onEvents: (e) => out.push(...e) });
  await core.run(chunks(bytes, []));
  return out.filter((e) => e.kind === EventKind.SipLine);
}

const short = (e: AlgEvent) => `${SipLine[e.code]}:${e.text}`;

const INVITE = "INVITE sip:bob@198.51.100.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n";
const SDP = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:40009\r\na=sendonly\r\nm=video 0 RTP/AVP 96\r\na=rtcp-mux\r\n";

describe("SIP events over UDP", () => {
  it("a request with SDP: start line with its method, headers, SDP lines, end with body bytes and Content-Length", async () => {
    const ev = await events(udpCapture([`${INVITE}Content-Type: application/sdp\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}`]));
    expect(ev.map(short)).toEqual([
      "RequestLine:INVITE sip:bob@198.51.100.20 SIP/2.0", "Via:Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1", "CallId:Call-ID: c1",
      "CSeq:CSeq: 1 INVITE", "ContentType:Content-Type: application/sdp", `ContentLength:Content-Length: ${SDP.length}`,
      "SdpStart:v=0", "SdpOrigin:o=- 1 1 IN IP4 192.0.2.10", "SdpConnection:c=IN IP4 192.0.2.10", "SdpMedia:m=audio 40000 RTP/AVP 0",
      "SdpAttribute:a=rtcp:40009", "SdpAttribute:a=sendonly", "SdpMedia:m=video 0 RTP/AVP 96", "SdpAttribute:a=rtcp-mux", "MessageEnd:",
    ]);
    expect(ev[0].port).toBe(SipMethod.Invite);
    expect(ev[5].port).toBe(SDP.length);
    expect(ev[9].port).toBe(40000);
    expect(ev[12].port).toBe(0);
    const end = ev.at(-1)!;
    expect({ body: end.port, clen: end.seq, segs: end.segments }).toEqual({ body: SDP.length, clen: SDP.length, segs: 1 });
    expect(end.flags & (SipFlag.Truncated | SipFlag.BodyShort | SipFlag.BodyLong | SipFlag.ClenMissing | SipFlag.ClenMalformed)).toBe(0);
    for (const e of ev) expect(e.flags & SipFlag.Udp).toBe(SipFlag.Udp);
  });

  it("compact and folded headers: flagged, continuation joined by one space", async () => {
    const ev = await events(udpCapture([
      "OPTIONS sip:b SIP/2.0\r\nv: SIP/2.0/UDP 192.0.2.10:5060\r\n\t ;branch=z9hG4bK2\r\nm: <sip:a@192.0.2.10:5060>,\r\n <sip:a@[2001:db8::1]:5062>\r\ni: c2\r\nl: 0\r\n\r\n",
    ]));
    expect(ev.map(short)).toEqual([
      "RequestLine:OPTIONS sip:b SIP/2.0", "Via:v: SIP/2.0/UDP 192.0.2.10:5060 ;branch=z9hG4bK2",
      "Contact:m: <sip:a@192.0.2.10:5060>, <sip:a@[2001:db8::1]:5062>", "CallId:i: c2", "ContentLength:l: 0", "MessageEnd:",
    ]);
    expect(ev[1].flags & (SipFlag.Compact | SipFlag.Folded)).toBe(SipFlag.Compact | SipFlag.Folded);
    expect(ev[3].flags & (SipFlag.Compact | SipFlag.Folded)).toBe(SipFlag.Compact);
  });

  it("two messages in one datagram are numbered 0 and 1; trailing junk after a body is BodyLong", async () => {
    const two = "SIP/2.0 100 Trying\r\nCall-ID: c3\r\nContent-Length: 0\r\n\r\nSIP/2.0 180 Ringing\r\nCall-ID: c3\r\nContent-Length: 4\r\n\r\nabcdJUNK";
    const ev = await events(udpCapture([two]));
    const starts = ev.filter((e) => e.code === SipLine.StatusLine);
    expect(starts.map((e) => [e.port, e.lineInSegment])).toEqual([[100, 0], [180, 1]]);
    const ends = ev.filter((e) => e.code === SipLine.MessageEnd);
    expect(ends.map((e) => [e.port, e.seq, e.lineInSegment, (e.flags & SipFlag.BodyLong) !== 0])).toEqual([[0, 0, 0, false], [4, 4, 1, true]]);
  });

  it("no Content-Length: the body is the rest of the datagram; a malformed one is flagged", async () => {
    const ev = await events(udpCapture([`${INVITE}\r\n${SDP}`, `${INVITE}Content-Length: 12x\r\n\r\n${SDP}`]));
    const ends = ev.filter((e) => e.code === SipLine.MessageEnd);
    expect(ends.map((e) => [e.port, e.seq >>> 0])).toEqual([[SDP.length, 0xffffffff], [SDP.length, 0xffffffff]]);
    expect(ends[0].flags & SipFlag.ClenMissing).toBe(SipFlag.ClenMissing);
    expect(ends[1].flags & SipFlag.ClenMalformed).toBe(SipFlag.ClenMalformed);
    expect(ev.filter((e) => e.code === SipLine.SdpMedia).length).toBe(4);
  });

  it("a body shorter than Content-Length, and a datagram cut by the snaplen, are flagged", async () => {
    const ev = await events(udpCapture([`${INVITE}Content-Length: 500\r\n\r\n${SDP}`]));
    const end = ev.find((e) => e.code === SipLine.MessageEnd)!;
    expect([end.port, end.seq, (end.flags & SipFlag.BodyShort) !== 0, (end.flags & SipFlag.Truncated) !== 0]).toEqual([SDP.length, 500, true, false]);
    const cut = await events(udpCapture([`${INVITE}Content-Length: ${SDP.length}\r\n\r\n${SDP}`], 40));
    const end2 = cut.find((e) => e.code === SipLine.MessageEnd)!;
    expect((end2.flags & SipFlag.Truncated) !== 0).toBe(true);
    expect(end2.port).toBeLessThan(SDP.length);
    // The last, cut line is not reported.
    expect(cut.some((e) => e.text === "a=rtcp-mux")).toBe(false);
  });

  it("keep-alives are nothing; other bytes are one NotSip per datagram; SDP lines only after v=, multipart boundaries end them", async () => {
    const mp = `${INVITE}Content-Type: multipart/mixed;boundary=x\r\n\r\nc=IN IP4 6.6.6.6\r\n--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nc=IN IP4 192.0.2.10\r\n--x\r\nc=IN IP4 7.7.7.7\r\n--x--\r\n`;
    const ev = await events(udpCapture(["\r\n\r\n", "hello there\r\nsecond line\r\n", mp]));
    expect(ev.filter((e) => e.code === SipLine.NotSip).map((e) => e.text)).toEqual(["hello there"]);
    expect(ev.filter((e) => e.code === SipLine.SdpConnection).map((e) => e.text)).toEqual(["c=IN IP4 192.0.2.10"]);
  });
});

describe("SIP events over TCP", () => {
  it("a message split over 3 segments, then two messages in one segment, then a body ending without a newline", async () => {
    const s = tcpSession({ client: { ip: A.ip, port: 51000 }, server: B });
    s.handshake();
    const m1 = `${INVITE}Content-Length: ${SDP.length}\r\n\r\n${SDP}`;
    s.send(true, m1.slice(0, 30), { ackFromPeer: false });
    s.send(true, m1.slice(30, m1.length - 20), { ackFromPeer: false });
    s.send(true, m1.slice(m1.length - 20));
    const two = "SIP/2.0 100 Trying\r\nCall-ID: c1\r\nContent-Length: 0\r\n\r\nSIP/2.0 200 OK\r\nCall-ID: c1\r\nContent-Length: 9\r\n\r\nv=0\r\nc=IN";
    s.send(false, two);
    s.send(false, "BYE sip:a SIP/2.0\r\nl: 0\r\n\r\n");
    const ev = await events(writePcap(s.frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: 1 }));
    const ends = ev.filter((e) => e.code === SipLine.MessageEnd);
    expect(ends.map((e) => [e.dir, e.port, e.segments, e.lineInSegment])).toEqual([[0, SDP.length, 3, 0], [1, 0, 1, 0], [1, 9, 1, 1], [1, 0, 1, 0]]);
    // The 200's body ends inside "c=IN" (Content-Length 9): the line is cut there, the BYE starts clean.
    const after200 = ev.filter((e) => e.dir === 1).map(short);
    expect(after200).toContain("SdpConnection:c=IN");
    expect(after200).toContain("RequestLine:BYE sip:a SIP/2.0");
    const invite = ev.filter((e) => e.dir === 0);
    expect(invite.every((e) => e.seq === 0 || e.code === SipLine.MessageEnd)).toBe(true);
    const bye = ev.find((e) => e.code === SipLine.RequestLine && e.port === SipMethod.Bye)!;
    // Line events carry the relative sequence number of their message's first byte.
    expect(bye.seq).toBe(two.length);
    expect(ev.find((e) => e.code === SipLine.StatusLine && e.port === 200)!.seq).toBe(two.indexOf("SIP/2.0 200"));
    const texts = ev.map(short);
    expect(texts.filter((t) => t.startsWith("NotSip"))).toEqual([]);
    expect(ev[0].flags & LineFlag.SegmentStart).toBe(LineFlag.SegmentStart);
  });

  it("a hole in the stream ends the message in progress truncated and resynchronises at the next start line", async () => {
    const s = tcpSession({ client: { ip: A.ip, port: 51000 }, server: B });
    s.handshake();
    const m1 = `${INVITE}Content-Length: ${SDP.length}\r\n\r\n${SDP}`;
    s.send(true, m1.slice(0, 40), { ackFromPeer: false });
    const lost = s.send(true, m1.slice(40, 90), { ackFromPeer: false });
    s.send(true, m1.slice(90), { ackFromPeer: false });
    s.send(true, "OPTIONS sip:b SIP/2.0\r\nl: 0\r\n\r\n");
    const frames = s.frames.filter((f) => !lost.includes(f));
    const ev = await events(writePcap(frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: 1 }));
    const ends = ev.filter((e) => e.code === SipLine.MessageEnd);
    expect(ends.map((e) => (e.flags & SipFlag.Truncated) !== 0)).toEqual([true, false]);
    expect(ev.filter((e) => e.code === SipLine.NotSip)).toEqual([]);
    expect(ev.some((e) => e.code === SipLine.RequestLine && e.port === SipMethod.Options)).toBe(true);
  });
});
