/**
 * `verify --max-router-lines`: verify compares router output whole, holding every record, so a
 * router file longer than the limit is refused — `router_line_limit`, exit 2, the first line past
 * the limit named — before it is read whole (a regular file is counted in pieces; standard input
 * is read no further than the limit). A file of exactly the limit is read and compared.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAllText, TooManyLines } from "../../src/node/io.js";
import { readRouterFile } from "../../src/node/verify-run.js";
import { linesOver, ROUTER_LINES } from "../../src/verify/limits.js";
import { runCli, runCliWithStdin } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";

const lab = (f: string) => new URL(`../../pcaps/lab/ftp-active-helper/${f}`, import.meta.url).pathname;
const tmp = tempDir("alg-verify-router-lines-");
const conntrack = readFileSync(lab("conntrack.txt"), "utf8");
const lines = conntrack.split("\n").filter(Boolean).length;

async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const b = new TextEncoder().encode(text);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe("counting lines", () => {
  it("linesOver: a last line without its newline counts; a final newline opens no line", () => {
    expect(linesOver("", 1)).toBe(false);
    expect(linesOver("a", 1)).toBe(false);
    expect(linesOver("a\n", 1)).toBe(false);
    expect(linesOver("a\nb", 1)).toBe(true);
    expect(linesOver("a\nb\n", 2)).toBe(false);
    expect(linesOver("a\nb\nc", 2)).toBe(true);
    expect(linesOver("\n\n\n", 3)).toBe(false);
    expect(linesOver("\n\n\n\n", 3)).toBe(true);
  });

  it("readAllText stops at the first byte past the limit, wherever the pieces split the text", async () => {
    const text = "one\ntwo\nthree\n";
    for (const size of [1, 2, 3, 4, 5, 64]) {
      expect(await readAllText(pieces(text, size), 3)).toBe(text);
      expect(await readAllText(pieces(text + "four", size), 4)).toBe(text + "four");
      await expect(readAllText(pieces(text + "f", size), 3), `pieces of ${size}`).rejects.toBeInstanceOf(TooManyLines);
      await expect(readAllText(pieces(text, size), 2), `pieces of ${size}`).rejects.toMatchObject({ maxLines: 2 });
    }
    // It reads no further than that: a source that never ends is left at the limit.
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) yield new TextEncoder().encode("line\n");
    }
    await expect(readAllText(endless(), 1000)).rejects.toBeInstanceOf(TooManyLines);
  });
});

describe("verify --max-router-lines", () => {
  const args = ["verify", "--inside", lab("inside.pcap"), "--outside", lab("outside.pcap")];

  it(`the default is ${ROUTER_LINES} lines, named in --help`, async () => {
    const { stdout } = await runCli("verify", "--help");
    expect(stdout.replace(/\s+/g, " ")).toContain(`--max-router-lines <n> lines of one router file read at most`);
    expect(stdout.replace(/\s+/g, " ")).toContain(`(default: ${ROUTER_LINES})`);
  });

  it("a file of exactly the limit is compared; one line more is refused with the line named (exit 2)", async () => {
    expect(lines).toBeGreaterThan(1);
    const ok = await runCli(...args, "--router", lab("conntrack.txt"), "--max-router-lines", String(lines), "--json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).checks.some((c: any) => c.check === "router-flow" && c.status === "passed")).toBe(true);
    const over = await runCli(...args, "--router", lab("conntrack.txt"), "--max-router-lines", String(lines - 1), "--json");
    expect(over.code).toBe(2);
    expect(over.stdout).toBe("");
    expect(over.stderr).toContain(`error[router_line_limit] ${lab("conntrack.txt")}: line ${lines} is past --max-router-lines ${lines - 1}: verify compares router output whole`);
    // The same file without its last newline: still that many lines.
    const cut = join(tmp, "no-final-newline.txt");
    writeFileSync(cut, conntrack.replace(/\n$/, ""));
    expect((await runCli(...args, "--router", cut, "--max-router-lines", String(lines))).code).toBe(0);
    expect((await runCli(...args, "--router", cut, "--max-router-lines", String(lines - 1))).code).toBe(2);
  });

  it("standard input: the same limit, read no further", async () => {
    expect((await runCliWithStdin(conntrack, ...args, "--router", "-", "--max-router-lines", String(lines))).code).toBe(0);
    const over = await runCliWithStdin(conntrack, ...args, "--router", "-", "--max-router-lines", String(lines - 1));
    expect(over.code).toBe(2);
    expect(over.stderr).toContain(`error[router_line_limit] <stdin>: line ${lines} is past --max-router-lines ${lines - 1}`);
  });

  it("a reader that hands the text whole (the suite's, a test's): counted after the read", async () => {
    const name = "not-on-disk/conntrack.txt";
    await expect(readRouterFile(name, async () => conntrack, lines - 1)).rejects.toMatchObject({ name: "InputError", code: "router_line_limit", file: name });
    expect((await readRouterFile(name, async () => conntrack, lines)).flows.length).toBeGreaterThan(0);
  });
});
