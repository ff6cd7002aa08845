/** Shared by the router-*.test.ts files: verify a case folder's two captures with router files, and scratch files. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/run.js";

export const lab = new URL("../../pcaps/lab/", import.meta.url).pathname;
export const nat = new URL("../../pcaps/nat/", import.meta.url).pathname;

/** `verify --json` on `<dir>/inside.pcap` and `<dir>/outside.pcap` with each router file, then `extra` options. */
export async function verifyCase(dir: string, router: string[], ...extra: string[]): Promise<{ code: number; report: any }> {
  const args = ["verify", "--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--json"];
  for (const r of router) args.push("--router", r);
  const r = await runCli(...args, ...extra);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

/** A folder for the files one test file writes; `write(name, text)` returns the path. */
export function scratch(prefix: string): (name: string, text: string) => string {
  const tmp = mkdtempSync(join(tmpdir(), `alg-verify-${prefix}-`));
  return (name, text) => {
    const f = join(tmp, name);
    writeFileSync(f, text);
    return f;
  };
}
