/**
 * `router --max-router-lines N`: output parsed whole (Junos, SRX, several outputs in one file) is
 * held whole, so a file of more than N lines is not parsed: one `router_line_limit` error at line
 * N + 1, exit 2, the other files still reported. A regular file and spooled standard input are
 * counted before they are read (never read whole past the limit); a text from another reader, or
 * standard input read without a spool, is counted as it arrives or once read. A lone conntrack
 * dump in a regular file is read in pieces (its memory does not grow with its lines) and has no
 * such limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { Command } from "commander";
import { registerRouterCommand, runRouter } from "../../src/node/router-cli.js";
import type { CliIo } from "../../src/node/io.js";
import { ROUTER_LINES } from "../../src/verify/limits.js";

function io(files: Record<string, string> = {}) {
  const out = { stdout: "", stderr: "", exitCode: undefined as number | undefined, reads: [] as string[] };
  const cli: CliIo = {
    stdout: (s) => void (out.stdout += typeof s === "string" ? s : new TextDecoder().decode(s)),
    stderr: (s) => void (out.stderr += s),
    readFile: async (p) => {
      out.reads.push(p);
      return p in files ? files[p]! : readFileSync(p, "utf8");
    },
    setExitCode: (c) => void (out.exitCode = c),
  };
  return { cli, out };
}

async function cli(args: string[], files?: Record<string, string>, exited?: (out: ReturnType<typeof io>["out"]) => void) {
  const { cli: c, out } = io(files);
  const program = new Command().name("alg-verify").exitOverride().configureOutput({ writeOut: c.stdout, writeErr: c.stderr });
  registerRouterCommand(program, c);
  try {
    await program.parseAsync(["router", ...args], { from: "user" });
  } catch (e) {
    exited?.(out);
    throw e;
  }
  return out;
}

/** Junos conversations of `n` conversations: 2 header lines and 7 lines each (2 + 7n lines, the last with its newline). */
function conversations(n: number): string {
  const lines = ["user@host>show services stateful-firewall conversations", "Interface: sp-1/3/0, Service set: S1"];
  for (let k = 0; k < n; k++) {
    const a = `10.0.${k >> 8 & 255}.${k & 255}`;
    const p = 1024 + k;
    const q = 50000 + k;
    lines.push(
      "Conversation: ALG protocol: ftp",
      "  Number of initiators: 2, Number of responders: 2",
      "Flow                                                State    Dir       Frm count",
      `TCP           ${a}:${p} ->        2.2.2.2:21    Watch    I              13`,
      `    NAT source        ${a}:${p}   ->   194.250.1.237:${q}`,
      `TCP            2.2.2.2:21    ->  194.250.1.237:${q} Watch    O              12`,
      `    NAT dest     194.250.1.237:${q}   ->        ${a}:${p}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** A conntrack -L dump of n entries with its summary (n + 1 lines). */
function dump(n: number): string {
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    lines.push(`tcp      6 ${k} ESTABLISHED src=10.0.0.${k & 255} dst=198.51.100.1 sport=${1024 + k} dport=21 src=198.51.100.1 dst=203.0.113.1 sport=21 dport=${2000 + k} [ASSURED] mark=0 helper=ftp use=1`);
  }
  lines.push(`conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been shown.`);
  return lines.join("\n") + "\n";
}

const limitOf = (stdout: string) => JSON.parse(stdout).diagnostics.filter((d: { code: string }) => d.code === "router_line_limit");

describe("router --max-router-lines", () => {
  let dir: string;
  const CONV = conversations(3); // 23 lines
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "alg-verify-lines-"));
    writeFileSync(path.join(dir, "conv.txt"), CONV);
    writeFileSync(path.join(dir, "dump.txt"), dump(40));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults to verify's limit (ROUTER_LINES) and says so in --help", async () => {
    let help = "";
    await expect(cli(["--help"], {}, (out) => void (help = out.stdout))).rejects.toThrow();
    expect(help).toMatch(/--max-router-lines <n>[\s\S]*router_line_limit[\s\S]*\(default: 1000000\)/);
    expect(ROUTER_LINES).toBe(1_000_000);
  });

  it("a regular file of exactly N lines is parsed; one line more is refused before it is read, the other files still reported", async () => {
    const file = path.join(dir, "conv.txt");
    const ok = await cli([file, "--json", "--max-router-lines", "23"]);
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout).flows).toHaveLength(6);
    expect(ok.reads).toEqual([file]);

    const over = await cli([file, path.join(dir, "dump.txt"), "--json", "--max-router-lines", "22"]);
    expect(over.exitCode).toBe(2);
    // counted in pieces before any read whole: io.readFile was never asked for it
    expect(over.reads).toEqual([]);
    const [d] = limitOf(over.stdout);
    expect(d).toMatchObject({ severity: "error", file, line: 23 });
    expect(d.message).toContain("line 23 is past --max-router-lines 22");
    expect(d.message).toContain("raise --max-router-lines");
    expect(over.stderr).toContain("router_line_limit");
    const report = JSON.parse(over.stdout);
    // the conntrack dump (40 entries, 41 lines: read in pieces, no line limit) is still reported in full
    expect(report.documents.map((x: { format: string }) => x.format)).toEqual(["conntrack"]);
    expect(report.flows).toHaveLength(40);
  });

  it("a last line without its newline counts; a final newline opens none", async () => {
    const text = CONV.slice(0, -1);
    expect((await cli(["a.txt", "--json", "--max-router-lines", "23"], { "a.txt": text })).exitCode).toBe(0);
    expect((await cli(["a.txt", "--json", "--max-router-lines", "22"], { "a.txt": text })).exitCode).toBe(2);
    expect((await cli(["a.txt", "--json", "--max-router-lines", "23"], { "a.txt": CONV + "\n" })).exitCode).toBe(2);
  });

  it("a text from another reader (not a regular file) is counted once read: the same verdicts", async () => {
    const ok = await cli(["conv.txt", "--json", "--max-router-lines", "23"], { "conv.txt": CONV });
    expect(ok.exitCode).toBe(0);
    const over = await cli(["conv.txt", "--max-router-lines", "22"], { "conv.txt": CONV });
    expect(over.exitCode).toBe(2);
    expect(over.stdout).toContain("conv.txt:23: error: line 23 is past --max-router-lines 22");
    expect(over.stdout).toContain("[router_line_limit]");
  });

  it("a lone conntrack dump in a regular file is read in pieces and has no line limit", async () => {
    const out = await cli([path.join(dir, "dump.txt"), "--json", "--max-router-lines", "5"]);
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout).flows).toHaveLength(40);
    expect(limitOf(out.stdout)).toEqual([]);
  });

  it("standard input: spooled and counted before it is read whole, or counted as it arrives without a spool", async () => {
    const bytes = new TextEncoder().encode(CONV);
    const chunks = () => Readable.from(Array.from({ length: Math.ceil(bytes.length / 100) }, (_, k) => bytes.slice(k * 100, (k + 1) * 100)));
    for (const stream of [true, false]) {
      const okIo = io();
      expect(await runRouter(["-"], { json: true, maxRouterLines: 23, stdin: chunks(), stream }, okIo.cli)).toBe(0);
      expect(JSON.parse(okIo.out.stdout).flows).toHaveLength(6);
      const overIo = io();
      expect(await runRouter(["-"], { json: true, maxRouterLines: 22, stdin: chunks(), stream }, overIo.cli)).toBe(2);
      expect(limitOf(overIo.out.stdout)).toMatchObject([{ file: "<stdin>", line: 23 }]);
    }
  });

  it("a value that is no whole number from 1 is refused by the command line", async () => {
    for (const bad of ["0", "-3", "1.5", "many"]) {
      await expect(cli(["x.txt", "--max-router-lines", bad], { "x.txt": CONV })).rejects.toThrow(/expected an integer from 1 to 1000000000/);
    }
  });
});
