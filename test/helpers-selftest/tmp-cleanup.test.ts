/**
 * The test suite leaves nothing behind (test/setup/tmp-root.ts, tmp-file.ts): every file runs with
 * its own TMPDIR inside one temp dir root per run. Here vitest runs fixture files under the same
 * setup: a file that removes what it makes passes; one that leaves a dir fails, naming it; one
 * that writes into the run's root fails the run; and no root is left in the system temp dir.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const config = fileURLToPath(new URL("../fixtures/tmp-leak/vitest.config.ts", import.meta.url));
// The system temp dir, not this file's own TMPDIR (set by the setup file).
const systemTmp = process.env.ALG_VERIFY_TEST_TMP_ROOT ? dirname(process.env.ALG_VERIFY_TEST_TMP_ROOT) : tmpdir();

function runFixture(name: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, LEAK_FIXTURE: name, TMPDIR: systemTmp };
  delete env.ALG_VERIFY_TEST_TMP_ROOT;
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  const before = new Set(readdirSync(systemTmp).filter((e) => e.startsWith("alg-verify-test-run-")));
  const r = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--config", config], { cwd: repo, env, encoding: "utf8", timeout: 120_000 });
  const roots = readdirSync(systemTmp).filter((e) => e.startsWith("alg-verify-test-run-") && !before.has(e));
  return { code: r.status, out: `${r.stdout}\n${r.stderr}`, roots };
}

describe("the temp dir checks of the test setup", () => {
  it("a file that removes what it makes passes, and the run's root is gone", { timeout: 150_000 }, () => {
    const r = runFixture("clean.fixture.ts");
    expect(r.code, r.out).toBe(0);
    expect(r.roots).toEqual([]);
  });
  it("a file that leaves a dir in its temp dir fails, naming it", { timeout: 150_000 }, () => {
    const r = runFixture("leaks-file.fixture.ts");
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/leaks-file\.fixture\.ts left 1 entry in its temp dir .*forgotten-/);
    expect(r.roots).toEqual([]);
  });
  it("a run that leaves something in its temp dir root fails, naming it", { timeout: 150_000 }, () => {
    const r = runFixture("leaks-root.fixture.ts");
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/the test run left 1 entry in its temp dir root .*stray\.txt/);
    expect(r.roots).toEqual([]);
  });
});
