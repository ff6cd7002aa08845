/**
 * vitest setupFiles: each test file runs with its own TMPDIR inside the run's temp dir root
 * (test/setup/tmp-root.ts), so os.tmpdir() — and every tool the file starts — writes there. After
 * the file (its own afterAll hooks have run), the dir must be empty: whatever the file or the
 * processes it started left behind is listed, removed, and fails the file. A test removes its own
 * temp dirs (rmSync in afterAll or finally; test/helpers/tmp.ts does it for a dir made at load).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, expect, inject } from "vitest";

const root = inject("tmpRoot");
const file = basename(expect.getState().testPath ?? "test");
const dir = mkdtempSync(join(root, `${file}-`));
process.env.TMPDIR = dir;
// Shared by the files of the run (tmp-root.ts SHARED_ENTRIES): the tshark helper's profile dir.
process.env.ALG_VERIFY_TEST_TMP_ROOT = root;

afterAll(() => {
  const left = readdirSync(dir);
  rmSync(dir, { recursive: true, force: true });
  if (left.length) throw new Error(`${file} left ${left.length} entr${left.length === 1 ? "y" : "ies"} in its temp dir (removed now; a test removes what it makes): ${left.slice(0, 20).join(", ")}`);
});
