/**
 * Control-stream slots reused across kinds (assembly/alg/stream.ts): a slot freed by an FTP or
 * RTSP connection is taken by the next control connection of any kind, SIP over TCP included.
 * A new stream clears only the state its kind reads (a SIP stream resets its SIP contexts; an FTP
 * or RTSP stream leaves them, as it never reads them), so what a capture yields must not depend on
 * which slot, fresh or used by another kind, a connection lands in.
 *
 * The bench capture's scripted SIP streams end between messages, and freed slots are taken before
 * unused ones (so the 512-slot run reuses slots too): that block passes with the reset removed.
 * The second block writes SIP connections that end inside a message (body or headers cut short
 * by the FIN), one slot taking every connection in turn, and compares each connection's events
 * with those of the connection alone in a new core (a slot never used). The next SIP connection
 * opens with the tail of a message, which a fresh context reports as NotSip; without the reset in
 * streamOf (checked by removing it locally) that NotSip goes missing and the block fails. The
 * third block does the same through the other way a slot changes hands: a SIP stream left open
 * inside a message, idle past --control-idle, evicted by the next connection (both blocks fail
 * without the reset).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBenchCapture } from "../../bench/gen-capture.js";
import { CaptureCore, type AlgEvent } from "../../src/wasm/core.js";
import { fileSource, loadCoreModule } from "../../src/node/files.js";
import { EventKind, SipFlag, SipLine } from "../../src/wasm/abi.js";
import { ethernetFor, tcpSession, writePcap, type PcapRecord, type TcpSession } from "../helpers/pcap-writer.js";
import { chunks } from "../helpers/chunks.js";

let dir: string;
let file: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-slots-"));
  file = path.join(dir, "scripted.pcap");
  // Generator 3 closes every scripted TCP connection with FIN both ways: slots are freed and reused.
  generateBenchCapture(file, { bytes: 4_000_000, flows: 2000, seed: 3, scriptsPerMille: 100, generator: 3 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Run { events: AlgEvent[]; stats: Record<string, number> }

async function events(maxControlStreams: number): Promise<Run> {
  const src = fileSource(file);
  try {
    return await run(src, maxControlStreams);
  } finally {
    src.close();
  }
}

async function run(src: Parameters<CaptureCore["run"]>[0], maxControlStreams: number, controlIdleSeconds?: number): Promise<Run> {
  const out: AlgEvent[] = [];
  const core = new CaptureCore(await loadCoreModule(), { maxControlStreams, controlIdleSeconds, onEvents: (e) => { for (const x of e) out.push(x); } });
  await core.run(src);
  return { events: out, stats: core.stats() };
}

describe("control-stream slots reused across kinds", () => {
  it("32 slots (each reused by FTP, RTSP and SIP connections in turn) give the events of 512 fresh ones", async () => {
    const few = await events(32);
    const many = await events(512);
    // The small table really was reused, by SIP over TCP among others, and never overflowed.
    expect(few.stats.controlStreamsDropped).toBe(0);
    expect(few.stats.controlStreamsEvicted).toBe(0);
    expect(few.stats.controlStreamsClosed).toBeGreaterThan(3 * 32);
    expect(few.stats.controlStreams).toBe(many.stats.controlStreams);
    const kinds = new Set(few.events.filter((e) => e.flow !== 0).map((e) => e.alg));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(["ftp", "rtsp", "sip"]));
    expect(few.events.length).toBeGreaterThan(500);
    expect(few.events).toEqual(many.events);
  });
});

// ---- SIP connections that end inside a message, then a SIP connection in the same slot ----------

const UAC = "192.0.2.10";
const UAS = "198.51.100.20";
const SDP = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";

function invite(callId: string, body: string, clen = body.length): string {
  return `INVITE sip:bob@${UAS} SIP/2.0\r\nVia: SIP/2.0/TCP ${UAC}:5060;branch=z9hG4bK${callId}\r\nCall-ID: ${callId}\r\n`
    + `CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: ${clen}\r\n\r\n${body}`;
}

function ok(callId: string): string {
  return `SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP ${UAC}:5060;branch=z9hG4bK${callId}\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
}

/** Connection k (client port 51000 + k) starting `k` seconds in; `handshake` false = seen mid-way. */
function conn(k: number, serverPort: number, handshake: boolean): TcpSession {
  const s = tcpSession({ client: { ip: UAC, port: 51000 + k }, server: { ip: UAS, port: serverPort }, start: 1704164645_000_000_000n + BigInt(k) * 1_000_000_000n });
  if (handshake) s.handshake();
  return s;
}

/**
 * The connections, in capture order: 0: SIP, the INVITE's SDP cut short (Content-Length 400, FIN
 * after v=..m=) and the UAS's answer cut inside its headers; 1: FTP (takes the slot between SIP
 * ones); 2: SIP seen mid-way, each side opening with the tail of a message before a full one;
 * 3: SIP, the INVITE cut inside its headers; 4: like 2, straight after the SIP stream 3.
 */
/** Connection k seen mid-way: each side opens with the tail of a message, then a full one; closed. */
function midway(k: number): TcpSession {
  const s = conn(k, 5060, false);
  s.send(true, `a=sendrecv\r\n${invite(`c${k}`, SDP)}`);
  s.send(false, `Content-Length: 0\r\n\r\n${ok(`c${k}`)}`);
  s.close();
  return s;
}

const recordsOf = (s: TcpSession): PcapRecord[] => s.frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) }));

function slotReuseConnections(): PcapRecord[][] {
  const cut = conn(0, 5060, true);
  cut.send(true, invite("c0", SDP, 400));
  cut.send(false, `SIP/2.0 100 Trying\r\nCall-ID: c0\r\nVia: SIP/2.0/TCP ${UAC}:5060;bra`);
  cut.close();
  const ftp = conn(1, 21, true);
  ftp.send(false, "220 ready\r\n");
  ftp.send(true, "USER anonymous\r\n");
  ftp.close();
  const headersCut = conn(3, 5060, true);
  headersCut.send(true, `INVITE sip:bob@${UAS} SIP/2.0\r\nCall-ID: c3\r\nContact: <sip:alice@${UAC}:5060>\r\n`);
  headersCut.close();
  return [cut, ftp, midway(2), headersCut, midway(4)].map(recordsOf);
}

/** A connection's events with its packet numbers counted from its first frame and its flow id left out. */
function local(evs: AlgEvent[], firstPacket: number): Omit<AlgEvent, "flow">[] {
  return evs.map(({ flow: _flow, ...e }) => ({ ...e, packet: e.packet - firstPacket }));
}

describe("a SIP stream in a slot whose SIP stream ended inside a message", () => {
  it("gives the events it gives alone in a fresh core (1 slot, taken by every connection in turn)", async () => {
    const conns = slotReuseConnections();
    const shared = await run(chunks(writePcap(conns.flat(), { linkType: 1 }), []), 1);
    // One slot served all five connections, each closed before the next began.
    expect(shared.stats.controlStreams).toBe(5);
    expect(shared.stats.controlStreamsClosed).toBe(5);
    expect(shared.stats.controlStreamsDropped).toBe(0);
    let first = 1;
    for (const [k, frames] of conns.entries()) {
      const mine = shared.events.filter((e) => e.packet >= first && e.packet < first + frames.length);
      expect(new Set(mine.map((e) => e.flow)).size, `connection ${k}: one flow`).toBe(1);
      const alone = await run(chunks(writePcap(frames, { linkType: 1 }), []), 1);
      expect(alone.events.length, `connection ${k} has events`).toBeGreaterThan(0);
      expect(local(mine, first), `connection ${k}`).toEqual(local(alone.events, 1));
      first += frames.length;
    }
    // Every event belongs to one of the connections.
    expect(shared.events.filter((e) => e.packet >= first).length).toBe(0);
    // What a fresh context says, spelled out: each mid-way connection's leading tail is NotSip,
    // once per direction, and the cut messages of 0 and 3 ended truncated (their contexts were
    // left mid-message when the slot was handed on).
    const sip = shared.events.filter((e) => e.kind === EventKind.SipLine);
    const callOf = (flow: number) => sip.find((e) => e.flow === flow && e.code === SipLine.CallId)?.text;
    expect(sip.filter((e) => e.code === SipLine.NotSip).map((e) => `${callOf(e.flow)}/${e.dir}:${e.text}`)).toEqual([
      "Call-ID: c2/0:a=sendrecv", "Call-ID: c2/1:Content-Length: 0", "Call-ID: c4/0:a=sendrecv", "Call-ID: c4/1:Content-Length: 0",
    ]);
    const truncated = sip.filter((e) => e.code === SipLine.MessageEnd && (e.flags & SipFlag.Truncated) !== 0);
    expect(truncated.map((e) => `${callOf(e.flow)}/${e.dir}`)).toEqual(["Call-ID: c0/0", "Call-ID: c0/1", "Call-ID: c3/0"]);
    expect(shared.stats.sipNotSip).toBe(4);
  });
});

describe("a SIP stream in a slot taken from an idle SIP stream left inside a message", () => {
  it("gives the events it gives alone (1 slot, the idle stream evicted after --control-idle 60 s)", async () => {
    // Connection 0 stops inside the INVITE's SDP and never closes; connection 700 starts 700 s later.
    const open = conn(0, 5060, true);
    open.send(true, invite("c0", SDP, 400));
    const late = recordsOf(midway(700));
    const shared = await run(chunks(writePcap([...recordsOf(open), ...late], { linkType: 1 }), []), 1, 60);
    expect(shared.stats.controlStreamsEvicted).toBe(1);
    expect(shared.stats.controlStreamsDropped).toBe(0);
    const first = open.frames.length + 1;
    const flow = shared.events.find((e) => e.text === "Call-ID: c700")!.flow;
    const alone = await run(chunks(writePcap(late, { linkType: 1 }), []), 1, 60);
    expect(alone.events.some((e) => e.kind === EventKind.SipLine && e.code === SipLine.NotSip)).toBe(true);
    expect(local(shared.events.filter((e) => e.flow === flow), first)).toEqual(local(alone.events, 1));
    // The evicted stream's message ended truncated when its slot was taken (at the new stream's first packet).
    const evicted = shared.events.filter((e) => e.flow !== flow && e.kind === EventKind.SipLine && e.code === SipLine.MessageEnd);
    expect(evicted.map((e) => [e.packet, (e.flags & SipFlag.Truncated) !== 0])).toEqual([[first, true]]);
  });
});
