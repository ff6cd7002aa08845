/**
 * Control-stream slots reused across kinds (assembly/alg/stream.ts): a slot freed by an FTP or
 * RTSP connection is taken by the next control connection of any kind, SIP over TCP included.
 * A new stream clears only the state its kind reads (a SIP stream resets its SIP contexts; an FTP
 * or RTSP stream leaves them, as it never reads them), so what a capture yields must not depend on
 * which slot, fresh or used by another kind, a connection lands in.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBenchCapture } from "../../bench/gen-capture.js";
import { CaptureCore, type AlgEvent } from "../../src/wasm/core.js";
import { fileSource, loadCoreModule } from "../../src/node/files.js";

let dir: string;
let file: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-slots-"));
  file = path.join(dir, "scripted.pcap");
  // Generator 3 closes every scripted TCP connection with FIN both ways: slots are freed and reused.
  generateBenchCapture(file, { bytes: 4_000_000, flows: 2000, seed: 3, scriptsPerMille: 100, generator: 3 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function events(maxControlStreams: number): Promise<{ events: AlgEvent[]; stats: Record<string, number> }> {
  const out: AlgEvent[] = [];
  const core = new CaptureCore(await loadCoreModule(), { maxControlStreams, onEvents: (e) => { for (const x of e) out.push(x); } });
  const src = fileSource(file);
  try {
    await core.run(src);
  } finally {
    src.close();
  }
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
