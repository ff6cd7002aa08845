/**
 * Browser throughput: the built page (dist/web/index.html) in Debian's Chromium, headless,
 * analyzing a capture given to its file picker — File.stream() chunks into the worker's wasm
 * window, exactly as a user's dropped file — against Node's in-process `analyzeFile` on the same
 * file in the same run. The browser figure is the worker's own timing of the capture (stream
 * read + wasm + sessions); the end-to-end figure (click to rendered report) is given beside it.
 * The runs are paired (page, Node, page, Node, …) and the ratio is the median of the pairs' ratios,
 * so a load that changes during the bench (a shared machine) weighs on both sides alike. Beside
 * the times, whole-process CPU: Node's own (process.cpuUsage) against every Chromium process's
 * (user + system from /proc, Linux), which a loaded machine disturbs far less than wall time: from
 * the click to the page's last progress update (the whole file read and decoded: what analyzeFile
 * does, but for the sessions' last step) and to the rendered report (verify, the report's text
 * forms, the flow-table transfer and the page's rendering on top). A third row is the page's floor:
 * the same File read alone in a bench-only page's worker exactly as the engine reads it, no
 * decoding (paired with the same Node runs), and the page's row says how much of its worker's
 * time went waiting for the File's bytes (the page's `data-wait-ms`).
 *
 *   node dist/bench/web.bench.js [capture] [--iterations 3]     (npm run bench includes it)
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { analyzeFile, packageRoot } from "../src/node/index.js";
import { STREAM_MIN_READ_BYTES, STREAM_STAGING_BYTES, STREAM_STALL_MS } from "../src/browser/index.js";
import { chromiumPath, launchChromium, serveStatic } from "../test/helpers/chromium.js";

/** CPU seconds (user + system) of every descendant of `root` (Chromium's processes under this Node); NaN off Linux. */
export function descendantsCpuSeconds(root = process.pid): number {
  let dirs: string[];
  try {
    dirs = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return NaN;
  }
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const d of dirs) {
    try {
      const st = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // the process ended meanwhile
    }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    let p = parent.get(pid);
    for (let hops = 0; p !== undefined && p !== root && p > 1 && hops < 64; hops++) p = parent.get(p);
    if (p === root) sum += t;
  }
  return sum / 100; // USER_HZ
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * The page's floor: a worker started in the page itself (a blob: URL, as the engine's; the CSP
 * allows it) that reads the File picked in #file-inside exactly as the engine does
 * (File.stream(), a BYOB reader into one STREAM_STAGING_BYTES buffer, each read waiting for
 * STREAM_MIN_READ_BYTES) and does nothing with the bytes. The page can be no faster than this
 * (the decoding can at best hide under the reading), so on an idle machine Node's time over this
 * one is the most the page could reach of Node with File.stream(). On a loaded one this read alone
 * was seen slower than the page's read and decode (bench/PERFORMANCE-LOG.md, session 10): a floor only when idle. A read that has not settled
 * after STREAM_STALL_MS (Chromium's occasional stuck BYOB read, see streamSource) spoils that
 * run: it is counted and left out.
 */
const FLOOR_WORKER = `onmessage = async (e) => {
  const t0 = performance.now();
  const r = e.data.stream().getReader({ mode: "byob" });
  let buf = new ArrayBuffer(${STREAM_STAGING_BYTES});
  let bytes = 0, reads = 0;
  for (;;) {
    let timer;
    const stalled = new Promise((resolve) => { timer = setTimeout(() => resolve("stalled"), ${STREAM_STALL_MS}); });
    const got = await Promise.race([r.read(new Uint8Array(buf), { min: ${STREAM_MIN_READ_BYTES} }), stalled]);
    clearTimeout(timer);
    if (got === "stalled") { r.cancel().catch(() => undefined); postMessage({ ms: NaN, bytes, reads, stalled: true }); return; }
    const { value, done } = got;
    reads++;
    if (value) { bytes += value.length; buf = value.buffer; }
    if (done) break;
  }
  postMessage({ ms: performance.now() - t0, bytes, reads });
};`;

export interface WebBenchRow {
  name: string;
  mbPerSec: number;
  packetsPerSec: number;
  seconds: number;
  bytes: number;
  note?: string;
}

/** Best of `iterations` paired runs (after one warm-up run of each) per side; null when Chromium is not installed. */
export async function runWebBench(path: string, packets: number, iterations = 3): Promise<WebBenchRow[] | null> {
  if (!chromiumPath()) return null;
  const bytes = statSync(path).size;
  const root = packageRoot();
  const server = await serveStatic(join(root, "dist", "web"));
  const browser = await launchChromium();
  const rows: WebBenchRow[] = [];
  let firstWorker = NaN;
  let stalls = 0;
  const reads: number[] = [];
  try {
    // One page, like one Node process: a warm-up run, then the best of `iterations` (the same
    // rule as the in-process Node figure below: tinybench-style warm-up, best time).
    let bestWorker = Infinity;
    let bestE2e = Infinity;
    let bestNode = Infinity;
    const ratios: number[] = [];
    const floorRatios: number[] = [];
    const floors: number[] = [];
    const waits: number[] = [];
    const cpuRatios: number[] = [];
    const cpu = { node: [] as number[], chromium: [] as number[], read: [] as number[] };
    const page = await browser.newPage();
    await page.goto(server.origin + "/index.html");
    await page.waitForFunction(() => document.body.dataset.engine === "ready");
    await page.setInputFiles("#file-inside", path);
    let floorStalls = 0;
    const readAlone = async (): Promise<number> => {
      const r = await page.evaluate((code) => new Promise<{ ms: number; bytes: number; stalled?: boolean }>((resolve, reject) => {
        const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
        const w = new Worker(url);
        const end = () => { w.terminate(); URL.revokeObjectURL(url); };
        w.onmessage = (e) => { end(); resolve(e.data); };
        w.onerror = (e) => { end(); reject(new Error(e.message)); };
        w.postMessage(document.querySelector<HTMLInputElement>("#file-inside")!.files![0]);
      }), FLOOR_WORKER);
      if (r.stalled) {
        floorStalls++;
        return NaN;
      }
      if (r.bytes !== bytes) throw new Error(`floor page read ${r.bytes} of ${bytes} bytes`);
      return r.ms / 1000;
    };
    await readAlone(); // its warm-up
    await analyzeFile(path); // Node's warm-up
    for (let i = 0; i <= iterations; i++) {
      // Wait for the page's event, not by polling: rAF polling would keep the page's main thread
      // busy on a 2-core machine and slow the run it measures.
      const settled = page.evaluate(() => new Promise<void>((r) => document.addEventListener("alg-verify:settled", () => r(), { once: true })));
      // The progress bar reaching 100 %: the file read and decoded (observed, not polled).
      const read = page.evaluate(() => new Promise<void>((r) => {
        const o = new MutationObserver(() => {
          if (document.querySelector<HTMLProgressElement>("#bar-inside progress")!.value < 100) return;
          o.disconnect();
          r();
        });
        o.observe(document.body, { attributes: true, attributeFilter: ["data-progress-updates"] });
      }));
      const c0 = descendantsCpuSeconds();
      let readCpu = NaN;
      const readDone = read.then(() => { readCpu = descendantsCpuSeconds() - c0; });
      const t0 = performance.now();
      await page.click("#run");
      await settled;
      const e2e = (performance.now() - t0) / 1000;
      const chromiumCpu = descendantsCpuSeconds() - c0;
      if ((await page.getAttribute("body", "data-state")) !== "done") throw new Error(`page failed: ${await page.textContent("#status")}`);
      await readDone; // a finished run posted its 100 % before its report
      const ms = Number(await page.$eval("#timing span", (e) => (e as HTMLElement).dataset.ms));
      stalls += Number(await page.$eval("#timing span", (e) => (e as HTMLElement).dataset.stalls));
      const waitMs = Number(await page.$eval("#timing span", (e) => (e as HTMLElement).dataset.waitMs));
      reads.push(Number(await page.$eval("#timing span", (e) => (e as HTMLElement).dataset.reads)));
      if (i === 0) {
        firstWorker = ms / 1000;
        continue;
      }
      bestWorker = Math.min(bestWorker, ms / 1000);
      bestE2e = Math.min(bestE2e, e2e);
      const u0 = process.cpuUsage();
      const n0 = performance.now();
      await analyzeFile(path);
      const node = (performance.now() - n0) / 1000;
      const u = process.cpuUsage(u0);
      const nodeCpu = (u.user + u.system) / 1e6;
      cpu.node.push(nodeCpu);
      cpu.chromium.push(chromiumCpu);
      cpu.read.push(readCpu);
      cpuRatios.push(nodeCpu / readCpu);
      bestNode = Math.min(bestNode, node);
      ratios.push(node / (ms / 1000));
      waits.push(waitMs / ms);
      const floor = await readAlone();
      if (Number.isFinite(floor)) {
        floors.push(floor);
        floorRatios.push(node / floor);
      }
    }
    await page.close();
    const mib = (bytes / 2 ** 20).toFixed(0);
    ratios.sort((a, b) => a - b);
    const ratio = median(ratios);
    const cpuNote = Number.isFinite(median(cpuRatios))
      ? `; whole-process CPU to the file read and decoded ${median(cpu.read).toFixed(2)} s against Node's ${median(cpu.node).toFixed(2)} s for analyzeFile: ${(median(cpuRatios) * 100).toFixed(0)} % of Node per CPU second (median of the pairs); to the rendered report ${median(cpu.chromium).toFixed(2)} s`
      : "";
    rows.push(
      { name: `analyze in Node (in-process analyzeFile), ${mib} MiB`, seconds: bestNode, bytes, mbPerSec: bytes / 1e6 / bestNode, packetsPerSec: packets / bestNode, note: `best of ${iterations} after a warm-up run, each right after a page run` },
      {
        name: `analyze in Chromium (page worker, File.stream), ${mib} MiB`, seconds: bestWorker, bytes, mbPerSec: bytes / 1e6 / bestWorker, packetsPerSec: packets / bestWorker,
        note: `best of ${iterations} after a warm-up run (cold first run ${firstWorker.toFixed(2)} s); ${(ratio * 100).toFixed(0)} % of Node (median of ${ratios.length} paired runs, range ${(ratios[0] * 100).toFixed(0)}–${(ratios[ratios.length - 1] * 100).toFixed(0)} %); click to rendered report ${bestE2e.toFixed(2)} s${cpuNote}; reads of the File's stream per run (median) ${median(reads)}; stalled BYOB reads over all page runs: ${stalls}; the worker waited for the File's bytes ${(median(waits) * 100).toFixed(0)} % of its time (median)`,
      },
    );
    if (floors.length) rows.push(
      {
        name: `reading the File alone in Chromium (a worker in the page, File.stream BYOB as the engine, no decoding), ${mib} MiB`, seconds: median(floors), bytes, mbPerSec: bytes / 1e6 / median(floors), packetsPerSec: packets / median(floors),
        note: `median of ${floors.length}, each right after a Node run; Node's time over it ${(median(floorRatios) * 100).toFixed(0)} % (median of the pairs): at a low load, the most the page can reach of Node with File.stream() (at a high one this read can take longer than the page's own read and decode: see README)${floorStalls ? `; ${floorStalls} run(s) left out, a read stuck over ${STREAM_STALL_MS} ms` : ""}`,
      },
    );
  } finally {
    await browser.close();
    await server.close();
  }
  return rows;
}

if (fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { iterations: { type: "string", default: "3" } } });
  const path = positionals[0];
  if (!path) {
    process.stderr.write("usage: node dist/bench/web.bench.js <capture> [--iterations n]\n");
    process.exit(2);
  }
  const packets = (await analyzeFile(path)).scan.info.packets;
  const rows = await runWebBench(path, packets, Number(values.iterations));
  if (!rows) {
    process.stderr.write("web bench: chromium not found (apt-get install chromium)\n");
    process.exit(2);
  }
  for (const r of rows) process.stdout.write(`${r.name}: ${r.mbPerSec.toFixed(0)} MB/s, ${(r.packetsPerSec / 1e6).toFixed(2)} M packets/s, ${r.seconds.toFixed(3)} s${r.note ? ` (${r.note})` : ""}\n`);
}
