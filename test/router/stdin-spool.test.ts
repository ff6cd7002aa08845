/**
 * `router -`: standard input spooled to an unlinked temporary file (router-cli.ts spoolStdin) and
 * read from there as a regular file is — a conntrack dump in pieces, anything else whole — with
 * the same report, text and JSON, as standard input read whole into memory (`stream: false`, the
 * old way). When no temporary file can be made, or a write to it fails (no room), the bytes are
 * held in memory, the report is unchanged, and a `stdin_in_memory` warning goes to stderr.
 */
import { describe, expect, it } from "vitest";
import path from "node:path";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { runRouter, spoolStdin } from "../../src/node/router-cli.js";
import { openSpillFile, type SpillFile } from "../../src/capture/spill-file.js";
import type { CliIo } from "../../src/node/io.js";
import { SHARED_OUTPUT } from "./helpers.js";

function io() {
  const out = { stdout: "", stderr: "" };
  const cli: CliIo = {
    stdout: (s) => void (out.stdout += typeof s === "string" ? s : new TextDecoder().decode(s)),
    stderr: (s) => void (out.stderr += s),
    readFile: async (p) => readFileSync(p, "utf8"),
    setExitCode: () => {},
  };
  return { cli, out };
}

/** A conntrack -L dump of n entries (every tenth with the FTP helper), with its summary. */
function dump(n: number): string {
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    lines.push(`tcp      6 ${k} ESTABLISHED src=10.0.${k >> 8 & 255}.${k & 255} dst=198.51.100.${k % 200} sport=${1024 + k} dport=${k % 10 ? 80 : 21} packets=${k} bytes=${k * 60} src=198.51.100.${k % 200} dst=203.0.113.${k % 50} sport=${k % 10 ? 80 : 21} dport=${2000 + k} packets=${k + 1} bytes=${k * 70} [ASSURED] mark=0 ${k % 10 ? "" : "helper=ftp "}use=1`);
  }
  lines.push(`conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been shown.`);
  return lines.join("\n") + "\n";
}

/** The bytes as a stream of `step`-byte chunks. */
const chunks = (bytes: Uint8Array, step: number) => Readable.from(Array.from({ length: Math.ceil(bytes.length / step) }, (_, k) => bytes.slice(k * step, (k + 1) * step)));

/** A real spill file that counts its reads, and whose writes fail past `room` bytes (ENOSPC). */
function spillWithRoom(room = Infinity) {
  const seen = { opened: 0, reads: 0, closed: 0 };
  const spill = (): SpillFile | string | undefined => {
    const f = openSpillFile(seen);
    if (typeof f !== "object") return f;
    seen.opened++;
    return {
      write(bytes, position) {
        if (position + bytes.length > room) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        f.write(bytes, position);
      },
      read(into, offset, length, position) {
        seen.reads++;
        return f.read(into, offset, length, position);
      },
      close() {
        seen.closed++;
        f.close();
      },
    };
  };
  return { spill, seen };
}

/** The report of `bytes` on standard input, spooled (with `spill`) and read whole into memory. */
async function both(bytes: Uint8Array, json: boolean, spill: () => SpillFile | string | undefined) {
  const a = io(), b = io();
  const ca = await runRouter(["-"], { json, stdin: chunks(bytes, 4093), spill }, a.cli);
  const cb = await runRouter(["-"], { json, stdin: chunks(bytes, 4093), stream: false }, b.cli);
  return { spooled: a.out, whole: b.out, codes: [ca, cb] };
}

const enc = new TextEncoder();

describe("router - spools standard input to a temporary file", () => {
  const big = enc.encode(dump(3000));
  it.each([false, true])("a conntrack dump (json %s): read in pieces from the spool, the same report as read whole", async (json) => {
    const { spill, seen } = spillWithRoom();
    const r = await both(big, json, spill);
    expect(r.codes).toEqual([0, 0]);
    expect(r.spooled.stdout).toBe(r.whole.stdout);
    expect(r.spooled.stderr).toBe("");
    expect(r.spooled.stdout).toContain(json ? '"file": "<stdin>"' : "<stdin>:1  conntrack");
    // read from the file (more than once: the first look, then the scan), then closed
    expect(seen.opened).toBe(1);
    expect(seen.reads).toBeGreaterThan(2 * Math.floor(big.length / (1 << 16)));
    expect(seen.closed).toBe(1);
  });

  it.each([
    "junos-ms__show-services-stateful-firewall-conversations__ftp-nat__flattened-ms-mpc-doc.txt",
    "linux__conntrack-E__tftp-helper-master-and-data-flows.txt",
    "linux__proc-net-nf_conntrack_expect__sip-signalling-and-audio.txt",
    "srx__show-security-flow-session__vsrx-24.4-icmp-nat.txt",
  ])("%s: the same report (text and JSON) as read whole", async (f) => {
    const bytes = readFileSync(path.join(SHARED_OUTPUT, f));
    for (const json of [false, true]) {
      const { spill, seen } = spillWithRoom();
      const r = await both(bytes, json, spill);
      expect(r.spooled.stdout).toBe(r.whole.stdout);
      expect(r.codes[0]).toBe(r.codes[1]);
      expect(seen.closed).toBe(seen.opened);
    }
  });

  it("no room left part way: the rest held in memory, the same report, a stdin_in_memory warning", async () => {
    const { spill, seen } = spillWithRoom(50_000);
    const r = await both(big, false, spill);
    expect(r.codes).toEqual([0, 0]);
    expect(r.spooled.stdout).toBe(r.whole.stdout);
    expect(seen.closed).toBe(1);
    expect(r.spooled.stderr).toMatch(/^warning\[stdin_in_memory\] <stdin>: standard input held in memory \(\d+ bytes\): temporary file failed after \d+ bytes: ENOSPC: no space left on device, write\n$/);
    expect(r.spooled.stderr).toContain(`(${big.length} bytes)`);
  });

  it("no temporary file at all (a TMPDIR that does not exist): held in memory, the same report, the reason said", async () => {
    const spill = () => openSpillFile({}, "/nonexistent-alg-verify-dir");
    const r = await both(big, true, spill);
    expect(r.spooled.stdout).toBe(r.whole.stdout);
    expect(r.spooled.stderr).toMatch(/^warning\[stdin_in_memory\] <stdin>: standard input held in memory \(\d+ bytes\): no temporary file: ENOENT[^\n]*\n$/);
  });

  it("spoolStdin: the bytes read back equal those given, from the file or from memory", async () => {
    const bytes = enc.encode(dump(500));
    for (const room of [Infinity, 10_000, 0]) {
      const { spill } = spillWithRoom(room);
      const s = await spoolStdin(chunks(bytes, 777), spill);
      expect(s.size).toBe(bytes.length);
      expect(s.inMemory === undefined).toBe(room === Infinity);
      expect(Buffer.from(s.bytes()).equals(Buffer.from(bytes))).toBe(true);
      const r = s.source.open();
      const buf = new Uint8Array(1000);
      const parts: Uint8Array[] = [];
      for (let n; (n = r.read(buf)) > 0; ) parts.push(buf.slice(0, n));
      r.close();
      expect(Buffer.concat(parts).equals(Buffer.from(bytes))).toBe(true);
      s.close();
    }
  });
});
