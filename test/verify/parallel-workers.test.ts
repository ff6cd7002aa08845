/**
 * verify's captures analyzed at once (compiled dist/: analyzeFilesParallel): the largest in the
 * calling thread, the other in a worker thread; with ALG_VERIFY_MAIN_SCAN=0 each in a worker, and
 * the workers take turns to copy their flow tables out of wasm memory (the pack lock, freed when
 * its holder has ended). Neither an unreadable capture nor a damaged one leaves the other side
 * waiting: the run ends with the input error, or with a report that says which capture is
 * damaged; and the one capture given twice (two workers ending together, contending for the
 * lock) gives the serial report. A result's preparation (`onResult`, which may wait) is done
 * before the results are returned, and its failure is the run's. A worker hands its table over in
 * place (the core built with shared memory) as soon as its scan made it, before its sessions are
 * finished, and this thread or the worker prepares it (ALG_VERIFY_PREPARE: whichever is free
 * first, or the one named); with ALG_VERIFY_SHARE_TABLES=0 as a packed copy. Every layout gives
 * the serial report.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { laterCopy } from "../helpers/pcap-records.js";

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

/**
 * The layouts: the largest capture in this thread, or every capture in a worker
 * (ALG_VERIFY_MAIN_SCAN=0); the workers' tables handed over in place, or packed
 * (ALG_VERIFY_SHARE_TABLES=0: with two workers, the pack lock contended).
 */
const layouts = [
  ["the largest capture in this thread", undefined],
  ["every capture in a worker", "0"],
  ["the largest capture in this thread, tables packed", undefined, "0"],
  ["every capture in a worker, tables packed", "0", "0"],
] as const;
const withLayout = (env: string | undefined, share?: string) => {
  if (env === undefined) delete process.env.ALG_VERIFY_MAIN_SCAN;
  else process.env.ALG_VERIFY_MAIN_SCAN = env;
  if (share === undefined) delete process.env.ALG_VERIFY_SHARE_TABLES;
  else process.env.ALG_VERIFY_SHARE_TABLES = share;
};
afterEach(() => withLayout(undefined));

type Prepared = NonNullable<ReturnType<typeof import("../../src/verify/flow-columns.js").preparedOf>>;

/** Columns and key orders computed by a worker: those computed here from the same table. */
async function expectSameColumns(sent: Prepared, table: import("../../src/capture/flow-table.js").FlowTable) {
  const { computeFlowColumns } = (await import(join(repo, "dist/src/verify/flow-columns.js"))) as typeof import("../../src/verify/flow-columns.js");
  const { sortIdsByKey } = (await import(join(repo, "dist/src/wasm/key-sort.js"))) as typeof import("../../src/wasm/key-sort.js");
  const fresh = computeFlowColumns(table);
  for (const k of ["initiator", "responder", "firstMs", "packets"] as const) expect(Array.from(sent.columns[k]), k).toEqual(Array.from(fresh[k]));
  const orders = sortIdsByKey([fresh.initiator, fresh.responder]);
  for (const [j, k] of (["initiatorOrder", "responderOrder"] as const).entries()) {
    expect(Array.from(sent.columns[k]!.ids), k).toEqual(Array.from(orders[j]!.ids));
    expect(Array.from(sent.columns[k]!.sorted), k).toEqual(Array.from(orders[j]!.sorted));
  }
  expect([sent.columns.spanFirstMs, sent.columns.spanLastMs]).toEqual([fresh.spanFirstMs, fresh.spanLastMs]);
}

describe.skipIf(!built)("verify's worker threads and their pack lock (compiled dist/)", () => {
  it("the largest capture is analyzed in the calling thread (its wasm instance kept), the other in a worker; ALG_VERIFY_MAIN_SCAN=0 puts both in workers", async () => {
    const { analyzeFilesParallel } = (await import(join(repo, "dist/src/node/files.js"))) as { analyzeFilesParallel: AnalyzeFilesParallel };
    // outside.pcap is one byte longer than inside.pcap; given either way round.
    const paths = [nat("ftp-active-masquerade", "inside"), nat("ftp-active-masquerade", "outside")];
    expect(readFileSync(paths[1]).length).toBeGreaterThan(readFileSync(paths[0]).length);
    for (const order of [paths, [...paths].reverse()]) {
      const here = await analyzeFilesParallel(order, {});
      expect(here.map((r) => r.scan.core !== undefined)).toEqual(order.map((p) => p === paths[1]));
      withLayout("0");
      const workers = await analyzeFilesParallel(order, {});
      withLayout(undefined);
      expect(workers.map((r) => r.scan.core !== undefined)).toEqual([false, false]);
      const serial = await Promise.all(order.map(analyzeFileOf));
      for (const rs of [here, workers]) {
        expect(rs.map((r) => [r.scan.info, r.scan.flows.count, JSON.stringify(r.sessions)])).toEqual(serial.map((r) => [r.scan.info, r.scan.flows.count, JSON.stringify(r.sessions)]));
      }
    }
  });

  it.each(layouts)("progress: every capture's figures, never going back (%s)", async (_, env, share?: string) => {
    withLayout(env, share);
    const { analyzeFilesParallel } = (await import(join(repo, "dist/src/node/files.js"))) as { analyzeFilesParallel: AnalyzeFilesParallel };
    const paths = [nat("sip-udp-alg", "inside"), nat("ftp-active-masquerade", "outside")];
    const seen: number[][] = [[], []];
    await analyzeFilesParallel(paths, {}, [], (i, bytes) => seen[i].push(bytes));
    for (const [i, s] of seen.entries()) {
      expect(s.length, `capture ${i}`).toBeGreaterThan(0);
      expect(s.every((b, k) => k === 0 || b > s[k - 1]), `capture ${i}: ${s}`).toBe(true);
      expect(s.at(-1)).toBeLessThanOrEqual(readFileSync(paths[i]).length);
    }
  });

  it.each(layouts)("an unreadable capture: the input error, the other side not left waiting (%s)", async (_, env, share?: string) => {
    withLayout(env, share);
    const runVerify = await load();
    await expect(runVerify({ inside: join(dir, "missing.pcap"), outside: nat("rtsp-udp-nat", "outside") })).rejects.toThrow(/cannot open/);
    await expect(runVerify({ inside: nat("rtsp-udp-nat", "inside"), outside: join(dir, "missing.pcap") })).rejects.toThrow(/cannot open/);
  });

  it.each(layouts)("a damaged capture: a report naming it, as the serial run gives (%s)", async (_, env, share?: string) => {
    withLayout(env, share);
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

  it.each(layouts)("a worker's table: in place in its shared memory, handed over as soon as its scan made it, or packed (with columns when it waited for the pack lock); the same report (%s)", async (_, env, share?: string) => {
    withLayout(env, share);
    const { analyzeFilesParallel } = (await import(join(repo, "dist/src/node/files.js"))) as { analyzeFilesParallel: AnalyzeFilesParallel };
    type Columns = typeof import("../../src/verify/flow-columns.js");
    const { preparedOf } = (await import(join(repo, "dist/src/verify/flow-columns.js"))) as Columns;
    // outside.pcap is the larger: in this thread unless every capture is in a worker.
    const paths = [nat("sip-udp-alg", "inside"), nat("sip-udp-alg", "outside")];
    expect(readFileSync(paths[1]).length).toBeGreaterThan(readFileSync(paths[0]).length);
    const seen = new Map<number, ReturnType<Columns["preparedOf"]>>();
    const order: string[] = [];
    const tables = new Map<number, unknown>();
    const results = await analyzeFilesParallel(paths, {}, [], undefined, (i, r) => {
      seen.set(i, preparedOf(r.scan.flows));
      order.push(`result ${i}`);
    }, (i, t) => {
      tables.set(i, t);
      order.push(`table ${i}`);
    });
    const inWorker = env === "0" ? [0, 1] : [0];
    for (const i of [0, 1]) {
      // Tables shared: every thread scans with the core built with shared memory (one compiled
      // module for all, files.ts analyzeFilesParallel), this thread too; a worker's is handed over in place.
      expect(results[i].scan.flows.shareParts() !== undefined, `capture ${i}'s table in shared memory`).toBe(share !== "0");
      const shared = inWorker.includes(i) && share !== "0";
      const sent = seen.get(i);
      // A table in shared memory comes first, alone (the result's table is that one), and this
      // thread prepares it (onTable) — unless the worker, done with its sessions before this
      // thread read that message, took the preparation (ALG_VERIFY_PREPARE) and sent the columns
      // with its result.
      if (shared && !tables.has(i)) expect(sent, `capture ${i}: prepared by its worker`).toBeDefined();
      else expect(tables.get(i), `capture ${i}'s table handed over early`).toBe(shared ? results[i].scan.flows : undefined);
      if (tables.has(i)) expect(order.indexOf(`table ${i}`)).toBeLessThan(order.indexOf(`result ${i}`));
      // This thread's own table, or one handed over in place and prepared here: nothing computed before its preparation.
      if (!inWorker.includes(i) || tables.has(i)) {
        expect(sent).toBeUndefined();
        continue;
      }
      // Packed: computed only by a worker that waited for the pack lock (there is one with two workers).
      if (!sent) continue;
      await expectSameColumns(sent, results[i].scan.flows);
    }
    const runVerify = await load();
    const files = { inside: paths[0], outside: paths[1] };
    expect(JSON.stringify(await runVerify(files, { parallel: true }))).toBe(JSON.stringify(await runVerify(files, { parallel: false })));
  });

  it.each([["worker"], ["main"]] as const)("ALG_VERIFY_PREPARE=%s: who prepares a table handed over in place; the same report", async (by) => {
    process.env.ALG_VERIFY_PREPARE = by;
    try {
      const { analyzeFilesParallel } = (await import(join(repo, "dist/src/node/files.js"))) as { analyzeFilesParallel: AnalyzeFilesParallel };
      const { preparedOf } = (await import(join(repo, "dist/src/verify/flow-columns.js"))) as typeof import("../../src/verify/flow-columns.js");
      const paths = [nat("sip-udp-alg", "inside"), nat("sip-udp-alg", "outside")];
      const tables: number[] = [];
      let sent: ReturnType<typeof preparedOf>;
      const results = await analyzeFilesParallel(paths, {}, [], undefined, (i, r) => {
        if (i === 0) sent = preparedOf(r.scan.flows);
      }, (i) => {
        tables.push(i);
      });
      // Capture 0 (the smaller) is the worker's, its table in shared memory.
      expect(results[0].scan.flows.shareParts()).toBeDefined();
      if (by === "main") {
        expect(tables).toEqual([0]);
        expect(sent).toBeUndefined();
      } else {
        expect(tables).toEqual([]);
        await expectSameColumns(sent!, results[0].scan.flows);
      }
      const runVerify = await load();
      const files = { inside: paths[0], outside: paths[1] };
      expect(JSON.stringify(await runVerify(files, { parallel: true }))).toBe(JSON.stringify(await runVerify(files, { parallel: false })));
    } finally {
      delete process.env.ALG_VERIFY_PREPARE;
    }
  });

  it("a preparation that fails: the run fails with its error, the other worker not left waiting", async () => {
    const { analyzeFilesParallel } = (await import(join(repo, "dist/src/node/files.js"))) as { analyzeFilesParallel: AnalyzeFilesParallel };
    const paths = [nat("rtsp-udp-nat", "inside"), nat("rtsp-udp-nat", "outside")];
    await expect(analyzeFilesParallel(paths, {}, [], undefined, async (i) => {
      await Promise.resolve();
      if (i === 1) throw new Error("preparation failed");
    })).rejects.toThrow("preparation failed");
  });

  it.each(layouts)("one capture on both sides (two workers end together): the serial report (%s)", async (_, env, share?: string) => {
    withLayout(env, share);
    const runVerify = await load();
    // The other side: the same packets later (laterCopy).
    const files = { inside: nat("sip-udp-alg", "inside"), outside: laterCopy(nat("sip-udp-alg", "inside"), join(dir, "sip-udp-alg-inside-later.pcap")) };
    for (let i = 0; i < 3; i++) {
      expect(JSON.stringify(await runVerify(files, { parallel: true }))).toBe(JSON.stringify(await runVerify(files, { parallel: false })));
    }
  });
});

describe("one compiled core for every thread", () => {
  it("a core handed to a thread (adoptCoreModule) is the one it scans with", async () => {
    const { adoptCoreModule, loadCoreModule, analyzeFile } = await import("../../src/node/files.js");
    const bytes = readFileSync(join(repo, "build/shared.wasm"));
    const handed = new WebAssembly.Module(bytes);
    adoptCoreModule(handed, true);
    expect(await loadCoreModule(true)).toBe(handed);
    // And it scans: the same flows as the core the thread compiles itself.
    const path = nat("sip-udp-alg", "inside");
    const own = await analyzeFile(path);
    const withHanded = await analyzeFile(path, { sharedMemory: true });
    expect(withHanded.scan.flows.shareParts()).toBeDefined();
    expect(withHanded.scan.flows.count).toBe(own.scan.flows.count);
  });
});
