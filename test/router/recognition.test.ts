/**
 * issue 12, router input rows: a file of which nothing was understood says what it looks like
 * (exit 2 in `router`), binary input never reaches the line parsers, `conntrack -E expect` events
 * are a router format, and `router -` reads standard input.
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import fc from "fast-check";
import { describeUnrecognised, parseRouterText, type RouterReport } from "../../src/router/index.js";
import { runRouter, STDIN_NAME } from "../../src/node/router-cli.js";
import type { CliIo } from "../../src/node/io.js";
import { SHARED_OUTPUT } from "./helpers.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const PCAP = path.join(REPO, "pcaps/lab/ftp-active-helper/inside.pcap");
const NFT = path.join(REPO, "pcaps/lab/ftp-active-helper/ruleset.txt");
const PCAPNG = path.resolve(REPO, "../shared/pcaps/public/ndpi/ndpi-rtsp-setup-single.pcapng");
const EXPECT_EVENTS = path.join(SHARED_OUTPUT, "linux__conntrack-E-expect__tftp-rrq-wrq.txt");

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let k = 0; k < n; k++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[k] = x & 255;
  }
  return b;
}

function io(files: Record<string, string>) {
  const out = { stdout: "" };
  const cli: CliIo = {
    stdout: (s) => void (out.stdout += typeof s === "string" ? s : new TextDecoder().decode(s)),
    stderr: () => {},
    readFile: async (p) => (p in files ? files[p]! : readFileSync(p, "utf8")),
    setExitCode: () => {},
  };
  return { cli, out };
}

const nothing = (r: { diagnostics: { code: string; message: string }[] }) => r.diagnostics.find((d) => d.code === "nothing_understood")?.message;

describe("what a file of which nothing was understood looks like", () => {
  test.each([
    ["a pcap capture (bytes)", () => readFileSync(PCAP), "a pcap capture"],
    ["a pcap capture read as UTF-8 text", () => readFileSync(PCAP, "utf8"), "a pcap capture"],
    ["a pcap capture read as Latin-1 text", () => readFileSync(PCAP, "latin1"), "a pcap capture"],
    ["a pcapng capture (bytes)", () => readFileSync(PCAPNG), "a pcapng capture"],
    ["a pcapng capture read as text", () => readFileSync(PCAPNG, "utf8"), "a pcapng capture"],
    ["random bytes", () => randomBytes(4096, 7), "binary data"],
    ["random bytes read as text", () => new TextDecoder().decode(randomBytes(4096, 8)), "binary data"],
    ["the lab's nft ruleset", () => readFileSync(NFT, "utf8"), "an nftables ruleset"],
    ["a JSON document", () => JSON.stringify({ flows: [{ src: "1.1.1.1" }] }, null, 2), "a JSON document"],
    ["an empty file", () => "", "empty"],
    ["blank lines", () => "\n  \n\t\n", "empty"],
    ["other text", () => "# notes\nhello router\n", 'text whose first line is "hello router"'],
  ])("%s", (_name, input, want) => {
    expect(describeUnrecognised(input())).toBe(want);
  });
  test("router exits 2 and names the file and what it looks like", async () => {
    const cases: [string, string][] = [
      [PCAP, `nothing in ${PCAP} was understood as router output: it looks like a pcap capture`],
      [PCAPNG, `nothing in ${PCAPNG} was understood as router output: it looks like a pcapng capture`],
      [NFT, `nothing in ${NFT} was understood as router output: it looks like an nftables ruleset`],
      ["doc.json", "nothing in doc.json was understood as router output: it looks like a JSON document"],
      ["empty.txt", "empty.txt is empty: it holds no router output"],
    ];
    for (const [file, message] of cases) {
      const { cli, out } = io({ "doc.json": '{"a": [1, 2]}\n', "empty.txt": "" });
      expect(await runRouter([file], { json: true }, cli), file).toBe(2);
      const report = JSON.parse(out.stdout) as RouterReport;
      expect(report.documents).toEqual([]);
      expect(report.diagnostics.find((d) => d.code === "nothing_understood")?.message, file).toBe(message);
      // a capture is said to be one, not reported line by line; text is (the ruleset's lines)
      if (file === PCAP || file === PCAPNG || file === "empty.txt") expect(report.diagnostics, file).toHaveLength(1);
      else expect(report.diagnostics.filter((d) => d.code === "unknown_line").length, file).toBeGreaterThan(0);
    }
  });
  test("the parse result carries the description (for verify)", () => {
    expect(parseRouterText(readFileSync(NFT, "utf8"), "r.txt").looksLike).toBe("an nftables ruleset");
    expect(parseRouterText(readFileSync(EXPECT_EVENTS, "utf8"), "e.txt").looksLike).toBeUndefined();
  });
  test("binary input of any kind: one located error, never an exception or a hang", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 64, maxLength: 4096 }), fc.boolean(), (bytes, asText) => {
      const input = asText ? new TextDecoder().decode(bytes) : bytes;
      const r = parseRouterText(input, "b.bin");
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      if (r.documents.length === 0) expect(nothing(r)).toMatch(/^(?:nothing in b\.bin was understood as router output: it looks like |b\.bin is empty)/);
      for (const d of errors) expect(d.file).toBe("b.bin");
    }), { numRuns: 300, seed: 13 });
  });
});

describe("conntrack -E expect", () => {
  test("the lab's TFTP expectation events: event, time, tuple, master, helper and line of each", () => {
    const r = parseRouterText(readFileSync(EXPECT_EVENTS, "utf8"), "e.txt");
    expect(r.diagnostics).toEqual([]);
    expect(r.documents.map((d) => d.format)).toEqual(["conntrack-expect"]);
    expect(r.expectations.map((x) => [x.event, x.time, x.proto, x.dst.port, x.master?.dst.port, x.alg, x.timeout, x.location.line])).toEqual([
      ["NEW", "1796308949.438166", "udp", 35768, 69, "tftp", 300, 2],
      ["DESTROY", "1796308949.439435", "udp", 35768, 69, "tftp", 300, 3],
      ["NEW", "1796308949.482985", "udp", 50721, 69, "tftp", 300, 4],
      ["DESTROY", "1796308949.484297", "udp", 50721, 69, "tftp", 299, 5],
    ]);
    expect(r.documents[0]).toMatchObject({ shown: 4 });
  });
  test("without -o timestamp: after a prompt, and next to flow events", () => {
    const x = "[NEW] 300 proto=6 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=41111 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=192.0.2.10 master-dst=198.51.100.20 sport=57080 dport=21 class=0 helper=ftp";
    const flow = "    [NEW] tcp      6 120 SYN_SENT src=192.0.2.10 dst=198.51.100.20 sport=57080 dport=21 [UNREPLIED] src=198.51.100.20 dst=198.51.100.1 sport=21 dport=57080 helper=ftp";
    const prompted = parseRouterText(`root@gw:~# conntrack -E expect\n${x}\n`, "p.txt");
    expect(prompted.documents.map((d) => [d.format, d.command])).toEqual([["conntrack-expect", "conntrack -E expect"]]);
    expect(prompted.expectations.map((e) => e.event)).toEqual(["NEW"]);
    const r = parseRouterText(`${x}\n${x.replace("[NEW]", "[DESTROY]")}\n${flow}\n`, "m.txt");
    expect(r.documents.map((d) => [d.format, d.location.line])).toEqual([["conntrack-expect", 1], ["conntrack-events", 3]]);
    expect(r.expectations.map((e) => [e.event, e.time, e.alg, e.location.line])).toEqual([["NEW", undefined, "ftp", 1], ["DESTROY", undefined, "ftp", 2]]);
    expect(r.events.map((e) => [e.tag, e.location.line])).toEqual([["NEW", 3]]);
    expect(r.diagnostics).toEqual([]);
  });
  test("the text report shows the event and time columns", async () => {
    const { cli, out } = io({});
    await runRouter([EXPECT_EVENTS], {}, cli);
    expect(out.stdout).toMatch(/TIME +EVENT +PROTO +SRC +DST +MASTER +HELPER +TIMEOUT/);
    expect(out.stdout).toMatch(/1796308949\.439435 +DESTROY +udp +198\.51\.100\.20:0 +198\.51\.100\.1:35768 +192\.0\.2\.10:35768 → 198\.51\.100\.20:69 +tftp +300/);
  });
});

describe("router - reads standard input", () => {
  test("the same report as the file, named <stdin>", async () => {
    const bytes = readFileSync(EXPECT_EVENTS);
    const a = io({}), b = io({});
    const piece = (k: number) => bytes.subarray(k * 100, (k + 1) * 100);
    expect(await runRouter(["-"], { json: true, stdin: Readable.from(Array.from({ length: Math.ceil(bytes.length / 100) }, (_, k) => piece(k))) }, a.cli)).toBe(0);
    await runRouter([EXPECT_EVENTS], { json: true }, b.cli);
    const fromStdin = JSON.parse(a.out.stdout) as RouterReport;
    const fromFile = JSON.parse(b.out.stdout) as RouterReport;
    expect(fromStdin.documents[0]!.file).toBe(STDIN_NAME);
    expect(fromStdin.expectations.map((x) => ({ ...x, location: { ...x.location, file: "" } })))
      .toEqual(fromFile.expectations.map((x) => ({ ...x, location: { ...x.location, file: "" } })));
  });
  test("a capture on standard input: exit 2, said to be a pcap capture", async () => {
    const a = io({});
    expect(await runRouter(["-"], { json: true, stdin: Readable.from([readFileSync(PCAP)]) }, a.cli)).toBe(2);
    expect((JSON.parse(a.out.stdout) as RouterReport).diagnostics[0]!.message).toBe(`nothing in ${STDIN_NAME} was understood as router output: it looks like a pcap capture`);
  });
});
