/**
 * `alg-verify router` driven in-process through registerRouterCommand with a fake CliIo.
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { registerRouterCommand } from "../../src/node/router-cli.js";
import type { CliIo } from "../../src/node/io.js";
import { SHARED_OUTPUT, fixturePath } from "./helpers.js";

function fakeIo(files: Record<string, string> = {}) {
  const out = { stdout: "", stderr: "", exitCode: undefined as number | undefined };
  const io: CliIo = {
    // (--json arrives as UTF-8 bytes, each chunk whole characters)
    stdout: (s) => void (out.stdout += typeof s === "string" ? s : new TextDecoder().decode(s)),
    stderr: (s) => void (out.stderr += s),
    readFile: async (p) => (p in files ? files[p]! : readFile(p, "utf8")),
    setExitCode: (c) => void (out.exitCode = c),
  };
  return { io, out };
}

async function run(args: string[], files?: Record<string, string>) {
  const { io, out } = fakeIo(files);
  const program = new Command().name("alg-verify").exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerRouterCommand(program, io);
  await program.parseAsync(["router", ...args], { from: "user" });
  return out;
}

const CONV = path.join(SHARED_OUTPUT, "junos-ms__show-services-stateful-firewall-conversations__ftp-nat__junos95-column-layout.txt");
const CT = path.join(SHARED_OUTPUT, "linux__conntrack-L__ftp-control-helper-snat__after-pasv.txt");

describe("alg-verify router", () => {
  test("--json prints the report with 2-space indent; exit 0", async () => {
    const out = await run([CONV, CT, "--json"]);
    expect(out.exitCode).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(out.stdout.startsWith('{\n  "schemaVersion": 1,')).toBe(true);
    expect(report.documents.map((d: { format: string }) => d.format)).toEqual(["junos-conversations", "conntrack"]);
    expect(report.flows).toHaveLength(5);
    expect(report.flows[4].document).toBe(1);
  });
  test("text output by default", async () => {
    const out = await run([CT]);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/tcp +10\.99\.1\.2:55900 +10\.99\.2\.2:21 +ESTABLISHED +6\/6 +source 10\.99\.1\.2:55900 → 10\.99\.2\.1:55900 +ftp/);
  });
  test("a file that cannot be read: diagnostic and exit 2, the other files still reported", async () => {
    const out = await run(["/nonexistent/file.txt", CT, "--json"]);
    expect(out.exitCode).toBe(2);
    const report = JSON.parse(out.stdout);
    expect(report.diagnostics[0]).toMatchObject({ code: "unreadable_file", severity: "error", file: "/nonexistent/file.txt" });
    expect(report.flows).toHaveLength(1);
  });
  test("a file in which nothing was understood: exit 2", async () => {
    const out = await run(["junk.txt"], { "junk.txt": "this is not\nrouter output\n" });
    expect(out.exitCode).toBe(2);
    expect(out.stdout).toContain("junk.txt:1:0: error:");
    expect(out.stdout).toContain("[nothing_understood]");
    expect(out.stderr).toContain("junk.txt");
    expect(out.stderr).toContain("nothing_understood");
  });
  test("an empty file: exit 2", async () => {
    expect((await run(["e.txt"], { "e.txt": "" })).exitCode).toBe(2);
  });
  test("diagnostics that are not fatal keep exit 0", async () => {
    const out = await run(["p.txt"], { "p.txt": "TCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1\nstray words\n" });
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain("p.txt:2:0: error: ");
    expect(out.stderr).toBe("");
  });
  test("--format forces the parser", async () => {
    // a bare ALG list line would not be detected as SRX ALG status without its header … but forced it is
    const out = await run(["a.txt", "--format", "srx-alg-status", "--json"], { "a.txt": "  FTP : Enabled\n  Foo bar baz\n" });
    const report = JSON.parse(out.stdout);
    expect(report.documents).toHaveLength(1);
    expect(report.documents[0]).toMatchObject({ format: "srx-alg-status", forced: true, algs: [{ name: "FTP", enabled: true }] });
    expect(report.diagnostics.map((d: { code: string; line: number }) => [d.code, d.line])).toEqual([["unknown_line", 2]]);
  });
  test("--format rejects unknown names", async () => {
    await expect(run([CT, "--format", "cisco"])).rejects.toThrow();
  });
  test("--max-diagnostics limits the text output", async () => {
    const junk = Array.from({ length: 12 }, (_, k) => `junk ${k}`).join("\n");
    const out = await run(["j.txt", "--max-diagnostics", "3"], { "j.txt": junk });
    expect(out.stdout).toContain("… and 10 more");
  });
  test("reads fixtures with several outputs", async () => {
    const out = await run([fixturePath("multi-output.raw"), "--json"]);
    expect(JSON.parse(out.stdout).documents.map((d: { format: string }) => d.format)).toEqual(["junos-conversations", "srx-alg-status", "conntrack-expect", "conntrack"]);
  });
});
