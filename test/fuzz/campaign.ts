/**
 * The CI-sized campaign shared by the test files of test/fuzz (each file runs its own kinds, so
 * vitest runs them side by side on two cores). Failures are shrunk and saved under
 * test-artifacts/fuzz-repro/ (FUZZ_REPRO_DIR overrides): move a reproducer into test/fuzz/repro/ to
 * make it a regression test, and list it in test/fuzz/KNOWN.md while its bug is open.
 */
import { basename, join } from "node:path";
import { expect } from "vitest";
import { knownFailures, loadCorpus, runCampaign, type CampaignOptions, type CampaignResult } from "../../bench/fuzz/engine.js";
import { loadOracles } from "../../bench/fuzz/oracles.js";

/** The campaign seed of `npm test` (fixed: the same inputs on every run). */
export const CI_SEED = 1;

const root = new URL("../../", import.meta.url).pathname;
export const ARTIFACTS = process.env.FUZZ_REPRO_DIR ?? join(root, "test-artifacts", "fuzz-repro");

export async function ciCampaign(opts: Omit<CampaignOptions, "seed" | "reproDir">): Promise<CampaignResult> {
  const res = await runCampaign(await loadOracles(), loadCorpus(), { seed: CI_SEED, reproDir: ARTIFACTS, ...opts });
  const known = knownFailures();
  const kinds = Object.entries(res.cases).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ");
  console.log(`[fuzz] ${kinds} (${res.cli} through the CLI) in ${(res.ms / 1000).toFixed(1)} s (CPU ${(res.cpuMs / 1000).toFixed(1)} s); slowest case ${res.slowest.ms.toFixed(0)} ms (${res.slowest.kind} #${res.slowest.index}); ${res.failures.length} failure(s)`);
  const fresh = res.failures.filter((f) => !f.repro || !known.has(basename(f.repro)));
  for (const f of res.failures) console.log(`[fuzz] ${known.has(basename(f.repro ?? "")) ? "known" : "NEW"} ${f.kind} #${f.index} ${f.violation.oracle}: ${f.violation.message.split("\n")[0]} -> ${f.repro}`);
  expect(fresh.map((f) => ({ case: `${f.kind} #${f.index}`, oracle: f.violation.oracle, message: f.violation.message, how: f.how.join("; "), repro: f.repro }))).toEqual([]);
  return res;
}
