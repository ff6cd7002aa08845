/**
 * verify's two worker threads (compiled dist/: analyzeFilesParallel) take turns to copy their flow
 * tables out of wasm memory (the pack lock, freed when its holder has ended). Neither an
 * unreadable capture nor a damaged one leaves the other worker waiting: the run ends with the
 * input error, or with a report that says which capture is damaged; and the one capture given
 * twice (both workers ending together, contending for the lock) gives the serial report. A
 * result's preparation (`onResult`, which may wait) is done before the results are returned, and
 * its failure is the run's.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "../..");
const runner = join(repo, "dist/src/node/verify-run.js");
const built = existsSync(runner) && existsSync(join(repo, "dist/src/node/analyze-worker.js"));
const dir = mkdtempSync(join(tmpdir(), "alg-verify-workers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type RunVerify = typeof import("../../src/node/verify-run.js").runVerify;
type AnalyzeFilesParallel = typeof import("../../src/node/files.js").analyzeFilesParallel;
const analyzeFileOf = async (p: string) => ((await import(join(repo, "dist/src/node/files.js"))) as typeof import("../../src/node/files.js")).analyzeFile(p);
const load = async () => ((await import(runner)) as { runVerify: RunVerify }).runVerify;
const nat = (name: string, side: string) => join(repo, "pcaps/nat", name, `${side}.pcap`);

describe.skipIf(!built)("verify's worker threads and their pack lock (compiled dist/)", () => {
  it("an unreadable capture: the input error, the other worker not left waiting", async () => {
    const runVerify = await load();
    await expect(runVerify({ inside: join(dir, "missing.pcap"), outside: nat("rtsp-udp-nat", "outside") })).rejects.toThrow(/cannot open/);
    await expect(runVerify({ inside: nat("rtsp-udp-nat", "inside"), outside: join(dir, "missing.pcap") })).rejects.toThrow(/cannot open/);
  });

  it("a damaged capture: a report naming it, as the serial run gives", async () => {
    const runVerify = await load();
    const whole = readFileSync(nat("ftp-active-masquerade", "outside"));
    const cut = join(dir, "cut.pcap");
    writeFileSync(cut, whole.subarray(0, whole.length - 7));
    const files = { inside: nat("ftp-active-masquerade", "inside"), outside: cut };
    const parallel = await runVerify(files, { parallel: true });
    expect(parallel.captures.outside?.partial).toBe(true);
    expect(JSON.stringify(parallel)).toBe(JSON.stringify(await runVerify(files, { parallel: false })));
  });

  it("a result is handed on once its onResult (verify's preparation, awaited) is done, in the order the workers end", async () => {
    const { analyzeFilesParallel } = (await import(join(repo, "dist/src/node/files.js"))) as { analyzeFilesParallel: AnalyzeFilesParallel };
    const paths = [nat("sip-udp-alg", "inside"), nat("sip-udp-alg", "outside")];
    const log: string[] = [];
    const results = await analyzeFilesParallel(paths, {}, [], undefined, async (i, r) => {
      log.push(`start ${i}`);
      // A preparation that waits (verify's waits for its modules): the result is not handed on meanwhile.
      await new Promise((go) => setTimeout(go, 20));
      log.push(`done ${i} ${r.scan.flows.count}`);
    });
    expect(results.map((r) => r.scan.flows.count)).toEqual(await Promise.all(paths.map(async (p) => (await analyzeFileOf(p)).scan.flows.count)));
    // Each result's preparation ran once, and both were done before the results were returned.
    expect(log.filter((l) => l.startsWith("done")).sort()).toEqual(results.map((r, i) => `done ${i} ${r.scan.flows.count}`));
    expect(log).toHaveLength(4);
  });

  it("a preparation that fails: the run fails with its error, the other worker not left waiting", async () => {
    const { analyzeFilesParallel } = (await import(join(repo, "dist/src/node/files.js"))) as { analyzeFilesParallel: AnalyzeFilesParallel };
    const paths = [nat("rtsp-udp-nat", "inside"), nat("rtsp-udp-nat", "outside")];
    await expect(analyzeFilesParallel(paths, {}, [], undefined, async (i) => {
      await Promise.resolve();
      if (i === 1) throw new Error("preparation failed");
    })).rejects.toThrow("preparation failed");
  });

  it("one capture on both sides (the workers end together): the serial report", async () => {
    const runVerify = await load();
    const files = { inside: nat("sip-udp-alg", "inside"), outside: nat("sip-udp-alg", "inside") };
    for (let i = 0; i < 3; i++) {
      expect(JSON.stringify(await runVerify(files, { parallel: true }))).toBe(JSON.stringify(await runVerify(files, { parallel: false })));
    }
  });
});
