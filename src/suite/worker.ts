/**
 * Worker thread of `suite`: runs the cases the pool sends, one at a time, and posts each outcome
 * back. Loaded from the compiled JS (dist/src/suite/worker.js) only.
 */
import { parentPort } from "node:worker_threads";
import { runCase, type CaseInput } from "./run-case.js";

parentPort!.on("message", async (m: { id: number; input: CaseInput }) => {
  const run = await runCase(m.input);
  parentPort!.postMessage({ id: m.id, run });
});
