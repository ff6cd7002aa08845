import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Both cores: most suites wait on tshark, Chromium or the lab's namespaces, not on the CPU.
    maxWorkers: 2,
    // One temp dir root per run, a TMPDIR per test file inside it; a file or run that leaves files
    // behind fails (test/setup/tmp-root.ts, test/setup/tmp-file.ts).
    globalSetup: ["test/setup/tmp-root.ts"],
    setupFiles: ["test/setup/tmp-file.ts"],
  },
});
