/** Runs the CLI in-process (main(argv, io)) and collects what it prints. */
import { readFile } from "node:fs/promises";
import { main } from "../../src/node/cli.js";
import type { CliIo } from "../../src/node/io.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(...argv: string[]): Promise<CliResult> {
  return runCliWithStdin(undefined, ...argv);
}

/** Runs the CLI with `stdin` as its standard input (what a file argument `-` reads). */
export function runCliWithStdin(stdin: Uint8Array | string | undefined, ...argv: string[]): Promise<CliResult> {
  return runCliWithIo({ env: {} }, stdin, ...argv);
}

/**
 * Runs the CLI with parts of its io given: whether stdout/stderr are terminals, their widths, the
 * environment (NO_COLOR, FORCE_COLOR; none by default, so the caller's environment never leaks in).
 */
export async function runCliWithIo(extra: Partial<Pick<CliIo, "isTTY" | "stdoutIsTTY" | "stdoutColumns" | "stderrColumns" | "env">>, stdin: Uint8Array | string | undefined, ...argv: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const dec = new TextDecoder();
  const bytes = typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    // In pieces, as a pipe delivers them (a record or a line may straddle two chunks).
    for (let i = 0; bytes && i < bytes.length; i += 4093) yield bytes.subarray(i, i + 4093);
  }
  const code = await main(argv, {
    stdout: (s) => (stdout += typeof s === "string" ? s : dec.decode(s)),
    stderr: (s) => (stderr += s),
    readFile: (p) => readFile(p, "utf8"),
    setExitCode: () => {},
    stdin: chunks(),
    env: {},
    ...extra,
  });
  return { code, stdout, stderr };
}
