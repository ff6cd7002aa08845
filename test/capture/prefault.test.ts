/**
 * The prefault helper (src/node/prefault.ts, compiled dist/: its worker thread must exist): the
 * shared-memory core (build/shared.wasm) with a worker touching the flow table's pages ahead of
 * the scan gives byte for byte the report of the release core without it — on a generated
 * capture of 27 k flows (the worker runs while records are made) and on every public capture —
 * and the worker does touch the index and the record pages ahead of the newest record.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateBenchCapture } from "../../bench/gen-capture.js";

const repo = join(import.meta.dirname, "../..");
const dist = (p: string) => join(repo, "dist/src", p);
const built = existsSync(dist("node/prefault-worker.js")) && existsSync(join(repo, "build/shared.wasm"));
const dir = mkdtempSync(join(tmpdir(), "alg-verify-prefault-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Files = typeof import("../../src/node/files.js");
type Prefault = typeof import("../../src/node/prefault.js");
type FlowsJson = typeof import("../../src/report/flows-json.js");
type Scan = typeof import("../../src/capture/scan.js");
type Analyze = typeof import("../../src/alg/analyze.js");
const files = () => import(dist("node/files.js")) as Promise<Files>;
const prefault = () => import(dist("node/prefault.js")) as Promise<Prefault>;
const flowsJson = () => import(dist("report/flows-json.js")) as Promise<FlowsJson>;
const scanModule = () => import(dist("capture/scan.js")) as Promise<Scan>;
const analyzeModule = () => import(dist("alg/analyze.js")) as Promise<Analyze>;

/**
 * analyze --json's report of one capture, with or without the helper (the file entry's), or with
 * a helper whose worker has started before the scan and keeps `ahead` pages ahead (a number):
 * its length and sha256.
 */
async function report(path: string, withHelper: boolean | number): Promise<string> {
  const { analyzeFile, loadCoreModule, fileSource } = await files();
  const { writeFlowsJson } = await flowsJson();
  let r: Awaited<ReturnType<Files["analyzeFile"]>>;
  if (typeof withHelper === "number") {
    const { analyzeCapture } = await analyzeModule();
    const { prefaultHelper } = await prefault();
    const src = fileSource(path);
    try {
      r = await analyzeCapture((await loadCoreModule(true))!, src, { file: path, memoryHelper: prefaultHelper(withHelper, true) });
    } finally {
      src.close();
    }
  } else r = await analyzeFile(path, { prefault: withHelper });
  const parts: string[] = [];
  writeFlowsJson(r.scan, (c) => { parts.push(typeof c === "string" ? c : Buffer.from(c).toString("latin1")); }, { sessions: r.sessions });
  const text = parts.join("");
  expect(text).toContain('"flows":');
  return `${text.length} ${createHash("sha256").update(text).digest("hex")}`;
}

function captures(root: string): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) stack.push(p);
      else if (/\.(pcap|pcapng|cap)$/.test(name)) out.push(p);
    }
  }
  return out.sort();
}

describe.skipIf(!built)("the prefault helper (compiled dist/)", () => {
  it("a generated capture of 27 k flows: the same report with the helper as without", async () => {
    const path = join(dir, "gen.pcap");
    generateBenchCapture(path, { bytes: 24 << 20, flows: 30_000, seed: 5 });
    const plain = await report(path, false);
    // The worker running beside the whole scan, keeping 8, 64 or 1024 pages ahead; and as files.ts starts it.
    for (const ahead of [8, 64, 1024]) expect(await report(path, ahead)).toBe(plain);
    expect(await report(path, true)).toBe(plain);
  });

  it("every public capture: the same report with the helper as without", async () => {
    const all = captures(join(repo, "../shared/pcaps/public"));
    expect(all.length).toBeGreaterThan(20);
    for (const path of all) {
      let plain: string;
      try {
        plain = await report(path, false);
      } catch (e) {
        // A capture the core refuses is refused the same way with the helper.
        await expect(report(path, true)).rejects.toThrow((e as Error).message);
        continue;
      }
      expect(await report(path, true), path).toBe(plain);
    }
  });

  it("its worker touches the whole index and the record pages ahead of the newest record", async () => {
    const { loadCoreModule, fileSource } = await files();
    const { prefaultHelper } = await prefault();
    const { scanCapture } = await scanModule();
    const path = join(dir, "gen.pcap");
    const shared = await loadCoreModule(true);
    expect(shared).toBeDefined();
    const helper = prefaultHelper(64, true);
    const src = fileSource(path);
    try {
      const scan = await scanCapture(shared!, src, { file: path, memoryHelper: helper });
      expect(scan.core!.exports.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(scan.flows.count).toBeGreaterThan(20_000);
    } finally {
      src.close();
    }
    // The default table: 2^19 index entries of 4 bytes (512 pages), then at least `ahead` record
    // pages, and the PREFAULT_AHEAD_STREAMS control-stream slots past the last one used (3 ranges
    // of at least a page each).
    const { PREFAULT_AHEAD_STREAMS } = await prefault();
    expect(helper.pages()).toBeGreaterThanOrEqual(512 + 64 + 3 * PREFAULT_AHEAD_STREAMS);
  });

  it("the control-stream slots: the core counts those used, and the ranges a stream writes lie in its slot", async () => {
    const { loadCoreModule, fileSource } = await files();
    const { scanCapture } = await scanModule();
    const { ST_STREAMS_USED } = await import(dist("wasm/abi.js")) as typeof import("../../src/wasm/abi.js");
    const path = join(dir, "gen.pcap");
    const src = fileSource(path);
    try {
      const scan = await scanCapture((await loadCoreModule(true))!, src, { file: path });
      const core = scan.core!.exports;
      const used = new DataView(core.memory.buffer).getUint32((core.statePtr() >>> 0) + ST_STREAMS_USED, true);
      // the generated capture's FTP/RTSP/SIP sessions: some slots used, at most one per stream made
      expect(scan.stats.controlStreams).toBeGreaterThan(0);
      expect(used).toBeGreaterThan(0);
      expect(used).toBeLessThanOrEqual(Math.min(scan.stats.controlStreams, core.streamSlots()));
      const r = [0, 1, 2, 3, 4, 5].map((i) => core.streamTouchRange(i));
      expect(r[0]).toBe(0);
      expect(r[5]).toBe(core.streamSlotSize());
      // ascending, each range non-empty, with the out-of-order data (2 × 8 KiB) left between them
      for (let i = 1; i < 6; i++) expect(r[i]).toBeGreaterThan(r[i - 1]);
      expect(r[2] - r[1] + (r[4] - r[3])).toBe(2 * 8192);
    } finally {
      src.close();
    }
  });
});
