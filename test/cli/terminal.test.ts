/**
 * The terminal (issue 15 item 5): colour of the verdict and severities and progress on stderr.
 *
 * In-process through main() with the io's terminal flags and environment given: colour when stdout
 * is a terminal or FORCE_COLOR asks, never with NO_COLOR, never in --json / --format junos / the
 * --html file; the coloured text is the plain text plus escape codes; verify, analyze, router and
 * suite. Progress only when stderr is a terminal.
 *
 * Through the real launcher (compiled dist/) in a pseudo-terminal (python3's pty module): colour
 * and progress (percent per capture, cleared before the report) with nothing set; NO_COLOR turns
 * the colour off, not the progress; through pipes neither, unless FORCE_COLOR.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runCliWithIo } from "./run.js";
import { stripColour } from "../../src/report/colour.js";

vi.setConfig({ testTimeout: 300_000 });

const repo = new URL("../../", import.meta.url).pathname;
const lab = (c: string, f: string) => join(repo, "pcaps/lab", c, f);
const tmp = mkdtempSync(join(tmpdir(), "alg-verify-term-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SGR = /\x1b\[[0-9;]*m/;
const noHelper = (extra: string[] = []) => ["verify", "--inside", lab("ftp-active-no-helper", "inside.pcap"), "--outside", lab("ftp-active-no-helper", "outside.pcap"), "--router", lab("ftp-active-no-helper", "conntrack.txt"), ...extra];
const helper = ["verify", "--inside", lab("ftp-active-helper", "inside.pcap"), "--outside", lab("ftp-active-helper", "outside.pcap")];
const run = (io: Parameters<typeof runCliWithIo>[0], ...argv: string[]) => runCliWithIo(io, undefined, ...argv);

describe("colour (in-process)", () => {
  it("verify: FAIL red and the findings' severities when forced or on a terminal; the same text without the codes", async () => {
    const plain = await run({}, ...noHelper());
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toMatch(SGR);
    for (const io of [{ env: { FORCE_COLOR: "1" } }, { stdoutIsTTY: true, env: {} }, { env: { FORCE_COLOR: "" } }]) {
      const c = await run(io, ...noHelper());
      expect(c.code).toBe(1);
      expect(c.stdout, JSON.stringify(io)).toMatch(/^verdict: \x1b\[1m\x1b\[31mFAIL\x1b\[0m \(/);
      expect(c.stdout).toMatch(/^ {2}\x1b\[31merror\[alg\.payload-not-translated\]\x1b\[0m /m);
      expect(c.stdout).toMatch(/^ {2}\x1b\[33mwarning\[/m);
      expect(stripColour(c.stdout)).toBe(plain.stdout);
    }
    const pass = await run({ env: { FORCE_COLOR: "1" } }, ...helper);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/^verdict: \x1b\[1m\x1b\[32mPASS\x1b\[0m/);
    // INCONCLUSIVE: a capture with no FTP/RTSP negotiation.
    const none = await run({ env: { FORCE_COLOR: "1" } }, "verify", "--inside", join(repo, "pcaps/flows", "mix.pcapng"));
    expect(none.code).toBe(4);
    expect(none.stdout).toMatch(/^verdict: \x1b\[1m\x1b\[33mINCONCLUSIVE\x1b\[0m/);
  });

  it("never with NO_COLOR (any non-empty value), FORCE_COLOR=0, a pipe; never in --json, --format junos or the --html file", async () => {
    for (const io of [{ stdoutIsTTY: true, env: { NO_COLOR: "1" } }, { stdoutIsTTY: true, env: { NO_COLOR: "1", FORCE_COLOR: "1" } }, { stdoutIsTTY: true, env: { FORCE_COLOR: "0" } }, { stdoutIsTTY: false, env: {} }]) {
      expect((await run(io, ...noHelper())).stdout, JSON.stringify(io)).not.toMatch(SGR);
    }
    const forced = { stdoutIsTTY: true, env: { FORCE_COLOR: "3" } };
    const json = await run(forced, ...noHelper(["--json"]));
    expect(json.stdout).not.toMatch(SGR);
    expect(JSON.parse(json.stdout).verdict).toBe("fail");
    expect((await run(forced, ...noHelper(["--format", "junos"]))).stdout).not.toMatch(SGR);
    const html = join(tmp, "r.html");
    await run(forced, ...noHelper(["--html", html]));
    expect(readFileSync(html, "utf8")).not.toMatch(/\x1b/);
  });

  it("analyze: the severity of its diagnostics (a capture cut in a record)", async () => {
    const bytes = readFileSync(lab("ftp-active-helper", "inside.pcap"));
    const cut = join(tmp, "cut.pcap");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const plain = await run({}, "analyze", cut);
    expect(plain.stdout).toMatch(/^(error|warning)\[/m);
    const c = await run({ env: { FORCE_COLOR: "1" } }, "analyze", cut);
    expect(c.stdout).toMatch(/^\x1b\[3[13]m(error|warning)\[[a-z_]+\]\x1b\[0m /m);
    expect(stripColour(c.stdout)).toBe(plain.stdout);
    expect((await run({ env: { FORCE_COLOR: "1" } }, "analyze", cut, "--json")).stdout).not.toMatch(SGR);
  });

  it("router: the severity of its diagnostics, not in --json", async () => {
    const f = lab("ftp-active-helper", "ruleset.txt");
    const plain = await run({}, "router", f);
    expect(plain.code).toBe(2);
    const c = await run({ stdoutIsTTY: true }, "router", f);
    expect(c.stdout).toContain(`${f}:23:1: \x1b[31merror\x1b[0m: not router output of any known format`);
    expect(stripColour(c.stdout)).toBe(plain.stdout);
    expect((await run({ stdoutIsTTY: true }, "router", f, "--json")).stdout).not.toMatch(SGR);
  });

  it("suite: each case's verdict (and REGRESSION) coloured", async () => {
    const dir = join(tmp, "suite");
    for (const c of ["ftp-active-helper", "ftp-active-no-helper"]) cpSync(join(repo, "pcaps/lab", c), join(dir, c), { recursive: true });
    // A case expecting a pass where verify fails: a regression.
    cpSync(join(repo, "pcaps/lab/ftp-active-no-helper"), join(dir, "regressed"), { recursive: true });
    const spec = JSON.parse(readFileSync(join(dir, "regressed/case.json"), "utf8"));
    writeFileSync(join(dir, "regressed/case.json"), JSON.stringify({ ...spec, expected: { verdict: "pass", findings: [] } }));
    const plain = await run({}, "suite", dir, "--jobs", "1");
    expect(plain.stdout).not.toMatch(SGR);
    const c = await run({ env: { FORCE_COLOR: "1" } }, "suite", dir, "--jobs", "1");
    expect(c.stdout).toMatch(/^ftp-active-helper +\x1b\[1m\x1b\[32mpass\x1b\[0m /m);
    expect(c.stdout).toMatch(/^ftp-active-no-helper +\x1b\[1m\x1b\[31mfail\x1b\[0m /m);
    expect(c.stdout).toMatch(/^regressed +\x1b\[1m\x1b\[31mfail\x1b\[0m .*\x1b\[1m\x1b\[31mREGRESSION\x1b\[0m$/m);
    // Alignment counts the plain text: the columns line up as without colour (the time column aside).
    const untimed = (s: string) => s.replace(/\d+\.\d+s/g, "T");
    expect(untimed(stripColour(c.stdout))).toBe(untimed(plain.stdout));
  });
});

describe("--help", () => {
  it("says when there is colour and progress, and how NO_COLOR / FORCE_COLOR change it", async () => {
    for (const argv of [["--help"], ["verify", "--help"]]) {
      const r = await run({}, ...argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Terminal:\n.*colour.*stdout is a terminal\.\n {2}NO_COLOR=1 .*\n {2}FORCE_COLOR=1 .*FORCE_COLOR=0: never\)\n {2}Progress .*stderr is a terminal\./);
    }
  });
});

describe("progress (in-process)", () => {
  it("verify: per capture percent on stderr when it is a terminal, cleared before the report; nothing otherwise", async () => {
    const tty = await run({ isTTY: true }, ...noHelper());
    expect(tty.stderr).toMatch(/\r(inside|outside)\.pcap \d+%/);
    expect(tty.stderr).toContain("\rcomparing the captures through the NAT …\x1b[K");
    expect(tty.stderr.endsWith("\r\x1b[K")).toBe(true);
    const pipe = await run({ isTTY: false }, ...noHelper());
    expect(pipe.stderr).toBe("");
    expect(pipe.stdout).toBe(tty.stdout);
  });

  it("analyze: its percentage of the file", async () => {
    const f = lab("ftp-active-helper", "inside.pcap");
    const tty = await run({ isTTY: true }, "analyze", f);
    expect(tty.stderr).toMatch(new RegExp(`^\\r${f.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: 100\\.0%, 0 MB, `));
    expect(tty.stderr.endsWith("\r\x1b[K")).toBe(true);
    expect((await run({ isTTY: false }, "analyze", f)).stderr).toBe("");
  });
});

const bin = join(repo, "bin/alg-verify.js");
const built = existsSync(join(repo, "dist/src/node/cli.js")) && existsSync(join(repo, "dist/src/node/progress.js"));
const hasPython = spawnSync("python3", ["-c", "import pty"]).status === 0;

/** Runs argv in a pseudo-terminal 100 columns wide; stdout and stderr both arrive on it. */
const PTY = `
import os, pty, sys, fcntl, termios, struct
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 100, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
out = []
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out.append(b)
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(b"".join(out))
sys.exit(os.waitstatus_to_exitcode(st))
`;

function envWithout(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  return { ...env, ...extra };
}

const inPty = (env: Record<string, string>, ...argv: string[]) => {
  const r = spawnSync("python3", ["-c", PTY, process.execPath, bin, ...argv], { env: envWithout(env), encoding: "utf8", maxBuffer: 1 << 26 });
  // The terminal writes a newline as CR LF.
  return { code: r.status, out: r.stdout.replace(/\r\n/g, "\n") };
};

describe.skipIf(!built || !hasPython)("the launcher in a pseudo-terminal and through pipes (compiled dist/)", () => {
  it("a terminal: the verdict coloured, progress per capture then cleared, the table at the terminal's width", async () => {
    const r = inPty({}, ...noHelper());
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\r(inside|outside)\.pcap \d+%/);
    // Cleared before the report starts.
    expect(r.out).toContain("\r\x1b[Kverdict: ");
    expect(r.out).toContain("verdict: \x1b[1m\x1b[31mFAIL\x1b[0m");
    expect(r.out).toMatch(/\x1b\[31merror\[alg\.payload-not-translated\]\x1b\[0m/);
    const report = stripColour(r.out.slice(r.out.indexOf("verdict: ")));
    // The flow table wrapped to the terminal's 100 columns: the report of a 100-column stdout.
    expect(report).toBe((await run({ stdoutColumns: 100 }, ...noHelper())).stdout);
    const table = report.slice(report.indexOf("What is each flow?"), report.indexOf("Are there ALG errors?")).split("\n").slice(1, -1);
    expect(table.length).toBeGreaterThan(3);
    for (const line of table) expect(line.length, line).toBeLessThanOrEqual(100);
    const piped = spawnSync(process.execPath, [bin, ...noHelper()], { env: envWithout({}), encoding: "utf8" });
    expect(piped.stdout).not.toBe(report);
  });

  it("NO_COLOR: no colour, progress still on the terminal", () => {
    const r = inPty({ NO_COLOR: "1" }, ...noHelper());
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(SGR);
    expect(r.out).toMatch(/\r(inside|outside)\.pcap \d+%/);
    expect(r.out).toContain("verdict: FAIL (");
  });

  it("analyze on a terminal: its percentage; FORCE_COLOR=0 turns the colour off", () => {
    const f = lab("ftp-active-helper", "inside.pcap");
    const r = inPty({ FORCE_COLOR: "0" }, "analyze", f);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`\r${f}: 100.0%`);
    expect(r.out).not.toMatch(SGR);
  });

  it("pipes: no colour, no progress; FORCE_COLOR colours the report, still no progress", () => {
    const r = spawnSync(process.execPath, [bin, ...noHelper()], { env: envWithout({}), encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).not.toMatch(/\x1b/);
    expect(r.stderr).toBe("");
    const f = spawnSync(process.execPath, [bin, ...noHelper()], { env: envWithout({ FORCE_COLOR: "1" }), encoding: "utf8" });
    expect(f.stdout).toContain("verdict: \x1b[1m\x1b[31mFAIL\x1b[0m");
    expect(f.stderr).toBe("");
    expect(stripColour(f.stdout)).toBe(r.stdout);
  });
});
