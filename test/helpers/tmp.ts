/** Temp dirs of a test file, removed after it (the per-file check in test/setup/tmp-file.ts fails a file that leaves any). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** A new dir in the file's temp dir, removed after the file's tests. Call while the file loads (module or describe level). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
