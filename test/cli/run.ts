/** Runs the CLI in-process (main(argv, io)) and collects what it prints. */
import { readFile } from "node:fs/promises";
import { main } from "../../src/node/cli.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(...argv: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const dec = new TextDecoder();
  const code = await main(argv, {
    stdout: (s) => (stdout += typeof s === "string" ? s : dec.decode(s)),
    stderr: (s) => (stderr += s),
    readFile: (p) => readFile(p, "utf8"),
    setExitCode: () => {},
  });
  return { code, stdout, stderr };
}
