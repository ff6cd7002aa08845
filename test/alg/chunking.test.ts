/**
 * Chunking invariance of `analyze` under event pressure (issue 13): the same capture gives the
 * same analyze JSON — byte for byte, but for the `feeds` counter, which counts the chunks — fed
 * as one chunk, 1-byte and 7-byte chunks, random chunks, and small pull reads. The captures are
 * generated hostile sessions (pcaps/make/control-floods.ts: many PORT/227/SETUP lines per
 * segment, long lines, multi-line replies, bare LF, interleaved frames), including ones whose
 * lines fill the event ring and the text ring between two drains; no event may be lost
 * (no event_ring_overflow), and wasm memory never grows.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCoreModule } from "../../src/node/index.js";
import { analyzeCapture } from "../../src/alg/analyze.js";
import { sinkToString, writeFlowsJson } from "../../src/report/flows-json.js";
import { CaptureCore, type ByteSource, type PullSource } from "../../src/wasm/core.js";
import { EVENT_CAP, TEXT_CAP } from "../../src/wasm/abi.js";
import { HOSTILE_LINES, hostileCapture, type Burst, type HostileSession } from "../../pcaps/make/control-floods.js";
import { chunks } from "../helpers/chunks.js";
import { readFileSync } from "node:fs";
import { ethernetFor, tcpSession, writePcap } from "../helpers/pcap-writer.js";

let mod: WebAssembly.Module;
beforeAll(async () => {
  mod = await loadCoreModule();
});


/** A pull source that hands out at most `sizes[i]` bytes per read, whatever it is asked. */
function pull(bytes: Uint8Array, sizes: number[]): PullSource {
  let off = 0;
  let i = 0;
  return {
    read(into) {
      const n = Math.min(into.length, bytes.length - off, Math.max(1, sizes[i++ % sizes.length]));
      into.set(bytes.subarray(off, off + n));
      off += n;
      return n;
    },
  };
}

interface Run {
  json: string;
  events: number;
  maxFill: number;
}

/** Reads of up to 4 MiB, so that one feed carries enough lines to fill either ring. */
const CORE = { flowCapLog2: 8, fragCapLog2: 4, windowBytes: 4 << 20, readBytes: 4 << 20 };

async function analyzeJson(source: ByteSource): Promise<string> {
  const r = await analyzeCapture(mod, source, { ...CORE, file: "mem", profile: "linux" });
  expect(r.scan.core!.memoryBytes).toBe(r.scan.memoryBytes);
  const json = sinkToString((w) => writeFlowsJson(r.scan, w, { profile: "linux", sessions: r.sessions }));
  return json.replace(/"feeds":\d+/, '"feeds":0');
}

/** The single-chunk JSON, with the events drained and the largest fill of a ring at a drain. */
async function reference(bytes: Uint8Array): Promise<Run> {
  let events = 0;
  let maxFill = 0;
  // How full the rings were at each drain, seen by an observer on a core of its own.
  const core = new CaptureCore(mod, {
    ...CORE,
    onEvents: (e) => {
      events += e.length;
      let text = 0;
      for (const x of e) text += x.text.length;
      maxFill = Math.max(maxFill, e.length / EVENT_CAP, text / TEXT_CAP);
    },
  });
  await core.run(chunks(bytes, []));
  expect(core.eventsDropped()).toBe(0);
  return { json: await analyzeJson(chunks(bytes, [])), events, maxFill };
}

async function expectInvariant(bytes: Uint8Array, random: number[], pulls: number[], oneByte = true): Promise<Run> {
  const ref = await reference(bytes);
  expect(ref.json).not.toContain("event_ring_overflow");
  if (oneByte) expect(await analyzeJson(chunks(bytes, [1]))).toBe(ref.json);
  expect(await analyzeJson(chunks(bytes, [7]))).toBe(ref.json);
  expect(await analyzeJson(chunks(bytes, random))).toBe(ref.json);
  expect(await analyzeJson(pull(bytes, pulls))).toBe(ref.json);
  return ref;
}

const burst = (lines: readonly string[], fromClient: boolean): fc.Arbitrary<Burst> =>
  fc.record({
    fromClient: fc.constant(fromClient),
    text: fc.array(fc.constantFrom(...lines), { minLength: 1, maxLength: 4 }).map((l) => l.join("")),
    repeat: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 100, max: 600 })),
    segment: fc.oneof(fc.constant(1460), fc.integer({ min: 1, max: 1460 })),
  });

const session: fc.Arbitrary<HostileSession> = fc.oneof(
  fc.record({
    alg: fc.constant("ftp" as const),
    bursts: fc.array(fc.oneof(burst(HOSTILE_LINES.ftpClient, true), burst(HOSTILE_LINES.ftpServer, false)), { minLength: 1, maxLength: 5 }),
    end: fc.constantFrom("fin" as const, "rst" as const, "none" as const),
  }),
  fc.record({
    alg: fc.constant("rtsp" as const),
    bursts: fc.array(fc.oneof(burst(HOSTILE_LINES.rtspClient, true), burst(HOSTILE_LINES.rtspServer, false)), { minLength: 1, maxLength: 5 }),
    end: fc.constantFrom("fin" as const, "rst" as const, "none" as const),
  }),
);

const sizes = fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 16 });

describe("analyze is chunking-invariant under event pressure", () => {
  it("generated hostile sessions: one chunk = 1-byte = 7-byte = random chunks = small pull reads", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(session, { minLength: 1, maxLength: 3 }), sizes, fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), async (sessions, random, pulls) => {
        const bytes = hostileCapture(sessions);
        await expectInvariant(bytes, random, pulls, bytes.length < 150_000);
      }),
      { numRuns: 10, seed: 13 },
    );
  });

  it("a capture whose short lines fill the event ring between drains loses nothing", async () => {
    // 80 000 short lines in 392 kB of full segments, read in one feed: more than the ring holds.
    const text = "x\r\n".repeat(9) + "PORT 192,0,2,10,4,31\r\n";
    const bytes = hostileCapture([{ alg: "ftp", bursts: [{ fromClient: true, text, repeat: 8000, segment: 1460 }], end: "fin" }]);
    const ref = await expectInvariant(bytes, [1, 5000, 333], [1, 64, 1000]);
    expect(ref.events).toBe(80_000);
    expect(ref.maxFill).toBeGreaterThan(0.3);
    const n = (JSON.parse(ref.json).sessions[0].negotiations as unknown[]).length;
    expect(n).toBe(8000);
  });

  it("a capture whose long lines fill the text ring between drains loses nothing", async () => {
    // 1 300 lines of 1000 bytes: 1.3 MB of text, more than the 1 MiB text ring.
    const long = `227 Entering Passive Mode (198,51,100,20,4,31) ${"z".repeat(950)}\r\n`;
    const bytes = hostileCapture([
      { alg: "ftp", bursts: [{ fromClient: false, text: long, repeat: 1300, segment: 1460 }], end: "fin" },
    ]);
    const ref = await expectInvariant(bytes, [9000, 17], [4000, 3], false);
    expect(ref.events).toBe(1300);
    expect(ref.maxFill).toBeGreaterThan(0.5);
  });
});

describe("analyze is chunking-invariant with SIP traffic", () => {
  const alg = new URL("../../pcaps/alg/", import.meta.url).pathname;
  const pub = new URL("../../../shared/pcaps/public/", import.meta.url).pathname;
  for (const f of [`${alg}sip-tcp-split.pcap`, `${alg}sip-two-in-datagram.pcap`, `${alg}sip-bad-content-length.pcap`, `${pub}sipnab/sip-prack-rtp-rtcp.pcap`]) {
    it(f.split("/").slice(-2).join("/"), async () => {
      const bytes = new Uint8Array(readFileSync(f));
      const ref = await expectInvariant(bytes, [13, 700, 1, 2999], [5, 1500, 64]);
      expect(ref.json).toContain('"alg":"sip"');
    });
  }

  it("a SIP stream of tiny messages that fills the event ring between drains loses nothing", async () => {
    // 20 000 messages of 4 events each (request line, Call-ID, Content-Length, end) over TCP in one feed.
    const s = tcpSession({ client: { ip: "192.0.2.10", port: 51000 }, server: { ip: "198.51.100.20", port: 5060 } });
    s.handshake();
    const msg = "OPTIONS sip:a SIP/2.0\r\ni: x\r\nl: 0\r\n\r\n";
    for (let k = 0; k < 20; k++) s.send(true, msg.repeat(1000), { ackFromPeer: k === 19 });
    const bytes = writePcap(s.frames.map((fr) => ({ ts: fr.ts, data: ethernetFor(fr.data) })), { linkType: 1 });
    const ref = await expectInvariant(bytes, [1460, 333], [4096, 100_000], false);
    expect(ref.events).toBeGreaterThan(EVENT_CAP);
  });
});
