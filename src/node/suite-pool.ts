/**
 * Runs the cases of a suite, `jobs` at a time in worker threads (one case per worker at a time,
 * the captures of a case one after the other inside it). Falls back to one case after the other
 * in this thread when jobs is 1, when there is one case, or when the compiled worker is missing
 * (running from the TypeScript sources, e.g. under vitest), as `analyzeFilesParallel` does.
 * Results come back in the order of `inputs`, whatever order the workers finish in.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { crashed, type CaseInput, type CaseRun } from "../suite/case.js";
import { runCase, type RunCaseOptions } from "./suite-run.js";

export interface PoolOptions extends RunCaseOptions {
  jobs: number;
  /** The worker module (default: ./suite-worker.js beside this module). */
  workerUrl?: URL;
  /** Called as each case finishes (index into inputs). */
  onDone?: (index: number, run: CaseRun) => void;
}

export const defaultWorkerUrl = (): URL => new URL("./suite-worker.js", import.meta.url);

/** Whether `runCases` would use worker threads for these options. */
export function usesWorkers(count: number, opts: PoolOptions): boolean {
  const url = opts.workerUrl ?? defaultWorkerUrl();
  return opts.jobs > 1 && count > 1 && url.protocol === "file:" && existsSync(fileURLToPath(url));
}

export async function runCases(inputs: CaseInput[], opts: PoolOptions): Promise<CaseRun[]> {
  const out: CaseRun[] = new Array(inputs.length);
  const caseOpts: RunCaseOptions = { maxRouterFileBytes: opts.maxRouterFileBytes };
  if (!usesWorkers(inputs.length, opts)) {
    for (let i = 0; i < inputs.length; i++) {
      out[i] = await runCase(inputs[i], caseOpts);
      opts.onDone?.(i, out[i]);
    }
    return out;
  }
  const url = opts.workerUrl ?? defaultWorkerUrl();
  let next = 0;
  const workers = Math.min(opts.jobs, inputs.length);
  await new Promise<void>((resolveAll) => {
    let running = 0;
    const finish = (i: number, run: CaseRun) => {
      out[i] = run;
      opts.onDone?.(i, run);
    };
    // One lane: a worker taking the next case until none is left; a dead worker is replaced.
    const lane = () => {
      running++;
      const w = new Worker(url);
      let current = -1;
      let settled = false;
      const take = () => {
        if (next >= inputs.length) {
          settled = true;
          void w.terminate();
          if (--running === 0) resolveAll();
          return;
        }
        current = next++;
        w.postMessage({ id: current, input: inputs[current], opts: caseOpts });
      };
      const die = (why: string) => {
        if (settled) return;
        settled = true;
        if (current >= 0 && out[current] === undefined) finish(current, crashed(`worker failed: ${why}`));
        void w.terminate();
        running--;
        if (next < inputs.length) lane();
        else if (running === 0) resolveAll();
      };
      w.on("message", (m: { id: number; run: CaseRun }) => {
        finish(m.id, m.run);
        take();
      });
      w.once("error", (e) => die(e.message));
      w.once("exit", (code) => die(`exited with code ${code}`));
      take();
    };
    for (let i = 0; i < workers; i++) lane();
  });
  return out;
}
