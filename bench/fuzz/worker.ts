/** `npm run fuzz`'s worker thread: runs a slice of the campaign and reports each case's start. */
import { parentPort, workerData } from "node:worker_threads";
import { loadCorpus, runCampaign, type CampaignOptions } from "./engine.js";
import { loadOracles } from "./oracles.js";

const opts = workerData as Omit<CampaignOptions, "onStart" | "onFailure">;
const oracles = await loadOracles();
const corpus = loadCorpus();
const result = await runCampaign(oracles, corpus, {
  ...opts,
  onStart: (n) => {
    parentPort!.postMessage({ t: "start", n });
    // the runner's own test of its watchdog: this case never ends
    if (process.env.FUZZ_SELFTEST_HANG_CASE === String(n)) for (;;);
  },
  onCase: (n, c, ms) => parentPort!.postMessage({ t: "case", n, kind: c.kind, index: c.index, how: c.how, cli: c.cli, ms }),
  onFailure: (f) => parentPort!.postMessage({ t: "failure", f }),
});
parentPort!.postMessage({ t: "done", result });
