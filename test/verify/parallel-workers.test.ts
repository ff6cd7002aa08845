/**
 * verify's two worker threads (compiled dist/: analyzeFilesParallel) take turns to copy their flow
 * tables out of wasm memory (the pack lock, freed when its holder has ended). Neither an
 * unreadable capture nor a damaged one leaves the other worker waiting: the run ends with the
 * input error, or with a report that says which capture is damaged; and the one capture given
 * twice (both workers ending together, contending for the lock) gives the serial report.
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

  it("one capture on both sides (the workers end together): the serial report", async () => {
    const runVerify = await load();
    const files = { inside: nat("sip-udp-alg", "inside"), outside: nat("sip-udp-alg", "inside") };
    for (let i = 0; i < 3; i++) {
      expect(JSON.stringify(await runVerify(files, { parallel: true }))).toBe(JSON.stringify(await runVerify(files, { parallel: false })));
    }
  });
});
