/** Shared by the router-*.test.ts files: verify a case folder's two captures with router files, and scratch files. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../cli/run.js";
import { printJunosConversations } from "../../src/router/index.js";
import { tempDir } from "../helpers/tmp.js";

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
  const tmp = tempDir(`alg-verify-${prefix}-`);
  return (name, text) => {
    const f = join(tmp, name);
    writeFileSync(f, text);
    return f;
  };
}

/** Finding codes of a verify report. */
export const codes = (report: any): string[] => report.findings.map((f: any) => f.code);
/** The report's checks of one kind (`router-flow`, `conntrack-expectation`, ...). */
export const checks = (report: any, name: string): any[] => report.checks.filter((c: any) => c.check === name);
/** 1-based number of the first line of `text` matching `re` (0 when none does). */
export const lineOf = (text: string, re: RegExp): number => text.split("\n").findIndex((l) => re.test(l)) + 1;

/** A verify report's predicted conversations as a Junos service PIC would list them (`alg` overrides each conversation's ALG protocol). */
export function predictedJunosTable(report: any, alg?: string): string {
  return printJunosConversations([{
    name: "ms-1/3/0", serviceSet: "SET",
    conversations: report.predicted.conversations.map((c: any) => ({
      alg: alg ?? c.alg, initiators: c.flows.filter((f: any) => f.dir === "I").length, responders: c.flows.filter((f: any) => f.dir === "O").length,
      flows: c.flows.map((f: any) => ({ proto: f.proto, src: f.src, dst: f.dst, state: f.state, dir: f.dir, frames: f.frames, nat: f.nat })),
    })),
  }]);
}
