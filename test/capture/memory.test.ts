/**
 * Bounded memory: wasm linear memory is sized once at init and does not change across the
 * thousands of feeds of a large generated capture (40 MB, ~70 k packets, thousands of flows),
 * whichever way the bytes arrive (pull reads or copied chunks).
 */
import { mkdtempSync, rmSync, createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { generateBenchCapture } from "../../bench/gen-capture.js";
import { fileSource, loadCoreModule } from "../../src/node/index.js";
import { CaptureCore } from "../../src/wasm/core.js";
import { ST_EV_HEAD, ST_EV_TAIL, ST_TEXT_HEAD, ST_TEXT_TAIL } from "../../src/wasm/abi.js";

const dir = mkdtempSync(join(tmpdir(), "alg-verify-mem-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("wasm memory is constant across every feed of a 40 MB capture", async () => {
  const path = join(dir, "big.pcap");
  const gen = generateBenchCapture(path, { bytes: 40 << 20, flows: 20_000, seed: 7 });
  const mod = await loadCoreModule();
  for (const mode of ["pull", "stream"] as const) {
    const sizes = new Set<number>();
    let feeds = 0;
    const core: CaptureCore = new CaptureCore(mod, {
      flowCapLog2: 16,
      onProgress: () => {
        feeds++;
        sizes.add(core.memoryBytes);
      },
    });
    const before = core.memoryBytes;
    if (mode === "pull") {
      const src = fileSource(path);
      await core.run(src);
      src.close();
    } else {
      await core.run(createReadStream(path, { highWaterMark: 1 << 20 }));
    }
    expect(feeds).toBeGreaterThan(100);
    expect([...sizes]).toEqual([before]);
    expect(core.state().packets).toBe(gen.packets);
    expect(core.stats().unattributed).toBe(0);
    expect(core.state().flows).toBe(gen.flows);
  }
});

it("the event rings start again at their first byte after every drain (their resident pages are one feed's events, not the capture's)", async () => {
  const path = join(dir, "alg.pcap");
  generateBenchCapture(path, { bytes: 16 << 20, flows: 5_000, seed: 11 });
  const mod = await loadCoreModule();
  let events = 0;
  let drains = 0;
  const heads = new Set<number>();
  const core: CaptureCore = new CaptureCore(mod, {
    onEvents: (e) => {
      events += e.length;
      drains++;
    },
    onProgress: () => {
      const dv = new DataView(core.exports.memory.buffer);
      const st = core.exports.statePtr() >>> 0;
      for (const at of [ST_EV_HEAD, ST_EV_TAIL, ST_TEXT_HEAD, ST_TEXT_TAIL]) heads.add(dv.getUint32(st + at, true));
    },
  });
  const src = fileSource(path);
  await core.run(src);
  src.close();
  expect(drains).toBeGreaterThan(10);
  expect(events).toBeGreaterThan(1_000);
  expect([...heads]).toEqual([0]);
});
