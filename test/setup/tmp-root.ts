/**
 * vitest globalSetup: one temp dir root per test run (`alg-verify-test-run-*` in the system temp
 * dir), handed to every test file (test/setup/tmp-file.ts makes each file's TMPDIR a dir inside it,
 * so tmpdir(), mkdtemp and the tools the tests start — tshark, Chromium, the CLI — write there).
 * At the end of the run the root is removed; anything still in it (a file's dir its own check did
 * not remove, say after a crash) fails the run, named.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    tmpRoot: string;
  }
}

/** Entries of the root that are shared by the files of a run and expected at its end. */
export const SHARED_ENTRIES = ["tshark-profile"];

export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), "alg-verify-test-run-"));
  project.provide("tmpRoot", root);
  return () => {
    const left = readdirSync(root).filter((e) => !SHARED_ENTRIES.includes(e));
    rmSync(root, { recursive: true, force: true });
    if (!left.length) return;
    // Thrown here vitest only logs it ("error during close") and still exits 0: say it and fail the run.
    console.error(`the test run left ${left.length} entr${left.length === 1 ? "y" : "ies"} in its temp dir root ${root} (removed now): ${left.slice(0, 20).join(", ")}`);
    process.exitCode = 1;
  };
}
