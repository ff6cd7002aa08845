/**
 * Worker thread of `suite`: runs the cases the pool sends, one at a time, and posts each outcome
 * back. Loaded from the compiled JS (dist/src/node/suite-worker.js) only.
 */
import { parentPort } from "node:worker_threads";
import type { CaseInput } from "../suite/case.js";
import { runCase, type RunCaseOptions } from "./suite-run.js";

parentPort!.on("message", async (m: { id: number; input: CaseInput; opts: RunCaseOptions }) => {
  const run = await runCase(m.input, m.opts);
  parentPort!.postMessage({ id: m.id, run });
});
