/**
 * `router --json` of a conntrack dump with its usual lines written by the wasm core
 * (assembly/conntrack-json.ts, src/router/conntrack/wasm-json.ts) and the others by the scan: the
 * bytes of JSON.stringify(report, null, 2) for every sample and fixture, for edge cases of each
 * token the wasm reads, and for seeded random dumps of usual and unusual lines — read 1, 7 or
 * 64 KiB at a time, with the release and the debug core (assertions on). The wasm must write the
 * usual lines itself (counted), or this file would test only the scan.
 */
import { afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import os from "node:os";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Readable } from "node:stream";
import { ROUTER_WASM_MIN_BYTES, runRouter } from "../../src/node/router-cli.js";
import type { CliIo } from "../../src/node/io.js";
import fc from "fast-check";
import {
  buildRouterReport, memoryRouterSource, parseRouterStream, parseRouterText, routerJsonPieces, type RouterParseOptions,
} from "../../src/router/index.js";
import { ConntrackWasm } from "../../src/router/conntrack/wasm-json.js";
import { packageRoot } from "../../src/node/files.js";
import { FIXTURES, SHARED_OUTPUT, rawCases, read, sharedFiles } from "./helpers.js";

const CORES = ["release", "debug"].map((f) => ({ flavour: f, module: new WebAssembly.Module(readFileSync(path.join(packageRoot(), "build", `${f}.wasm`))) }));

/** Lines the wasm wrote (ConntrackWasm.run's count, summed). */
let wasmLines = 0;
const run = ConntrackWasm.prototype.run;
ConntrackWasm.prototype.run = function (this: ConntrackWasm, ...args: Parameters<typeof run>) {
  const next = run.apply(this, args);
  wasmLines += this.lines;
  return next;
};
afterEach(() => {
  wasmLines = 0;
});


const enc = new TextEncoder();
/**
 * What `router --json` must print: the JSON of the whole text parsed — from its bytes as a file is
 * read (a byte-order mark dropped: test/router/stream.test.ts shows the streamed report equals it).
 */
function expectedJson(text: string, name: string, opts?: RouterParseOptions): string {
  const bytes = enc.encode(text);
  return JSON.stringify(buildRouterReport([parseRouterText(new TextDecoder().decode(bytes), name, opts)]), null, 2) + "\n";
}

/** The streamed report's JSON with the wasm writer, or null when the file is not streamed. */
function wasmJson(text: string, name: string, step: number, module: WebAssembly.Module, opts?: RouterParseOptions): string | null {
  const r = parseRouterStream(memoryRouterSource(enc.encode(text), step), name, { ...opts, wasm: module });
  return r === null ? null : Array.from(routerJsonPieces(buildRouterReport([r]))).join("");
}

const USUAL = "tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=192.0.2.7 sport=40000 dport=21 packets=12 bytes=9999 src=192.0.2.7 dst=198.51.100.1 sport=21 dport=61000 packets=10 bytes=800 [ASSURED] mark=0 helper=ftp use=1";

/** Each token the wasm reads, varied; lines it must leave to the scan; lines of errors. */
const EDGE = [
  "\uFEFF" + USUAL,
  USUAL,
  "udp      17 29 src=10.0.0.2 dst=192.0.2.8 sport=5060 dport=5060 [UNREPLIED] src=192.0.2.8 dst=10.0.0.2 sport=5060 dport=5060 mark=0 use=1",
  "udp 17 src=10.0.0.2 dst=192.0.2.8 sport=5060 dport=5060",
  "tcp\t6\t10\tCLOSE\tsrc=10.0.0.4\tdst=10.0.0.5 sport=9 dport=9  src=10.0.0.5   dst=10.0.0.4 sport=9 dport=9\t mark=0 use=1 ",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 src=10.0.0.5 dst=10.0.0.4 sport=9 dport=9 mark=0 use=1\r",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 src=10.0.0.5 dst=10.0.0.4 sport=9\rdport=9",
  "tcp 6 007 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=009 dport=0 packets=999999999999999 bytes=4294967296 src=10.0.0.5 dst=10.0.0.4 packets=0 mark=4294967295 use=2147483648",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 packets=9999999999999999",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=65536",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=65535 dport=",
  "tcp 6 10 CLOSE src=010.0.0.4 dst=10.0.0.5 sport=9 dport=9",
  "tcp 6 10 CLOSE src=10.0.0.256 dst=10.0.0.5 sport=9 dport=9",
  "tcp 6 10 CLOSE src=10.0.0 dst=10.0.0.5 sport=9 dport=9",
  "tcp 6 10 CLOSE src=2001:db8::1 dst=2001:db8::2 sport=9 dport=9",
  "tcp 6 10 CLOSE dst=10.0.0.5 sport=9 dport=9",
  "tcp 6 10 CLOSE src=10.0.0.4 src=10.0.0.5 src=10.0.0.6 dst=10.0.0.7 sport=1 sport=2 dport=3",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 src=10.0.0.5 dport=1",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 src=10.0.0.5 dst=10.0.0.4 bytes=5",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=1 dport=2 src=10.0.0.5 dst=10.0.0.4 sport=2 dport=1 [A] [B_C] [ASSURED] [] [x mark=1 mark=2 helper= use=0",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=1 dport=2 [OFFLOAD] helper=a=b",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 mark=x",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 use=-1",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 zone=1",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 id=1",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 secmark=0",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sportx=1",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 bytez=1",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 helpers=1",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 packetz=1",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 \"quoted\"",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 [BACK\\SLASH]",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 [NON-ÅSCII]",
  "icmp 1 29 src=10.0.0.3 dst=192.0.2.9 type=8 code=0 id=77",
  "gre 47 10 src=10.0.0.3 dst=192.0.2.9",
  "ipv4 2 tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
  "ipv6 10 tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5",
  "ipvx 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5",
  "xx 58 src=10.0.0.4 dst=10.0.0.5",
  "xx 132 S_1 src=10.0.0.4 dst=10.0.0.5",
  "xx 255 src=10.0.0.4 dst=10.0.0.5",
  "xx 256 src=10.0.0.4 dst=10.0.0.5",
  "x=y 6 src=10.0.0.4 dst=10.0.0.5",
  "tcp",
  "tcp 6",
  "tcp 6 10",
  "tcp 6 10 CLOSE",
  "cdp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5",
  "  tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5",
  "# comment",
  "",
  "not an entry",
  "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=1 dport=2 src=10.0.0.5 dst=10.0.0.4 sport=2 dport=1 " + Array.from({ length: 40 }, (_, k) => `[F${k}]`).join(" "),
  "conntrack v1.4.7 (conntrack-tools): 9 flow entries have been shown.",
  USUAL,
  "",
].join("\n");

describe("conntrack JSON written by the wasm core", () => {
  const cases: { name: string; text: string }[] = [
    { name: "edge.txt", text: EDGE },
    { name: "edge-no-final-newline.txt", text: EDGE.trimEnd() },
    { name: "quoted \"name\" ß.txt", text: EDGE },
    ...sharedFiles().map((f) => ({ name: f, text: read(path.join(SHARED_OUTPUT, f)) })),
    ...rawCases().map((c) => ({ name: `${c}.raw`, text: read(path.join(FIXTURES, `${c}.raw`)) })),
  ];

  it.each(cases)("$name: the bytes of the whole text parsed, read 1, 7 or 64 KiB at a time", ({ name, text }) => {
    const json = expectedJson(text, name);
    for (const { module } of CORES) {
      for (const step of [1, 7, 1 << 16]) {
        const s = wasmJson(text, name, step, module);
        if (s !== null) expect(s).toBe(json);
      }
    }
  });

  it("writes the usual lines itself (the edge cases: 8 of them), and a forced format and a diagnostic limit change nothing", () => {
    for (const { module } of CORES) {
      wasmLines = 0;
      expect(wasmJson(EDGE, "edge.txt", 7, module)).toBe(expectedJson(EDGE, "edge.txt"));
      expect(wasmLines).toBeGreaterThanOrEqual(8);
      const opts: RouterParseOptions = { format: "conntrack", diagnosticLimit: 2 };
      expect(wasmJson(EDGE, "edge.txt", 7, module, opts)).toBe(expectedJson(EDGE, "edge.txt", opts));
    }
  });

  it("a dump of 30 000 usual lines (more than a chunk of output, several runs): every line written by the wasm", () => {
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      lines.push(`tcp      6 ${i} ESTABLISHED src=10.0.${i >> 8 & 255}.${i & 255} dst=198.0.0.${i % 251} sport=${1024 + i % 60000} dport=${i % 7 ? 21 : 80} packets=${i} bytes=${i * 977} src=198.0.0.${i % 251} dst=203.0.0.${i & 255} sport=${i % 7 ? 21 : 80} dport=${1024 + i % 50000} packets=${i} bytes=${i * 3} [ASSURED] mark=0${i % 3 ? "" : " helper=ftp"} use=1`);
    }
    const text = lines.join("\n") + "\n";
    wasmLines = 0;
    expect(wasmJson(text, "big.txt", 1 << 16, CORES[0]!.module)).toBe(expectedJson(text, "big.txt"));
    expect(wasmLines).toBe(30_000);
  });

  it("without a temporary file for the flows (ALG_VERIFY_ROUTER_SPILL=0): the same bytes", () => {
    const saved = process.env.ALG_VERIFY_ROUTER_SPILL;
    process.env.ALG_VERIFY_ROUTER_SPILL = "0";
    try {
      expect(wasmJson(EDGE, "edge.txt", 7, CORES[0]!.module)).toBe(expectedJson(EDGE, "edge.txt"));
    } finally {
      if (saved === undefined) delete process.env.ALG_VERIFY_ROUTER_SPILL;
      else process.env.ALG_VERIFY_ROUTER_SPILL = saved;
    }
  });

  it("the first look's wasm skip of plain lines: the same decision as the scan's on near misses (read in pieces or left to the whole-text parser)", () => {
    const near = [
      "ipv4     2 tcp      6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 mark=0 use=1",
      "ipvx 6 10 src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 10 20 CLOSE src=10.0.0.4 dst=10.0.0.5",
      "tcp 6 10 20 30 CLOSE src=10.0.0.4 dst=10.0.0.5",
      "TCP 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "\ttcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp\t6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 user@host",
      "tcp 6 10 CLOSE_1 src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 10 Close src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 10 CLOSE dst=10.0.0.5 src=10.0.0.4 sport=9 dport=9",
      "tcp 6 10 CLOSE src",
      "Session ID: 1, Policy name: p/4, Timeout: 2, Valid",
      "  In: 10.0.0.1/1 --> 10.0.0.2/2;tcp, If: ge-0/0/0.0, Pkts: 1, Bytes: 60",
      "[NEW] tcp 6 120 SYN_SENT src=10.0.0.1 dst=192.0.2.7 sport=40000 dport=21",
      "router> show services stateful-firewall conversations",
      "# comment",
      "",
    ];
    for (const line of near) {
      const text = `${USUAL}\n${USUAL}\n${line}\n${USUAL}\n`;
      for (const step of [7, 1 << 16]) {
        const plain = parseRouterStream(memoryRouterSource(enc.encode(text), step), "near.txt");
        const s = wasmJson(text, "near.txt", step, CORES[0]!.module);
        expect(s === null, line).toBe(plain === null);
        if (s !== null) expect(s, line).toBe(Array.from(routerJsonPieces(buildRouterReport([plain!]))).join(""));
      }
    }
  });

  it("random dumps of usual and unusual tokens: the bytes of the whole text parsed", () => {
    const addr = fc.oneof(
      fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((q) => q.join(".")),
      fc.constantFrom("10.0.0.01", "1.2.3", "256.1.1.1", "::1", "", "1.2.3.4.5"),
    );
    const number = fc.oneof(fc.nat(70000).map(String), fc.constantFrom("", "x", "-1", "00", "999999999999999", "1000000000000000", "4294967296"));
    const kv = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom("src", "dst"), addr).map(([k, v]) => `${k}=${v}`) },
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom("sport", "dport", "packets", "bytes", "mark", "use"), number).map(([k, v]) => `${k}=${v}`) },
      { weight: 1, arbitrary: fc.constantFrom("helper=ftp", "helper=", "zone=1", "id=7", "type=8", "secmark=0", "[ASSURED]", "[UNREPLIED]", "[]", "word", "[x\"y]") },
    );
    const line = fc.tuple(
      fc.constantFrom("tcp", "udp", "sctp", "x"), fc.constantFrom("6", "17", "1", "58", "300", "132"),
      fc.option(fc.nat(500000).map(String)), fc.option(fc.constantFrom("ESTABLISHED", "SYN_SENT", "Close")),
      fc.array(kv, { maxLength: 16 }), fc.constantFrom(" ", "  ", "\t", " \t"),
    ).map(([p, n, t, s, toks, sep]) => [p, n, ...(t === null ? [] : [t]), ...(s === null ? [] : [s]), ...toks].join(sep));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), fc.constantFrom("\n", "\r\n"), fc.constantFrom(1, 7, 1 << 16), (ls, eol, step) => {
        const text = USUAL + eol + ls.join(eol) + eol;
        const s = wasmJson(text, "random.txt", step, CORES[0]!.module);
        return s === null || s === expectedJson(text, "random.txt");
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it("router --json (the CLI): a dump of ROUTER_WASM_MIN_BYTES or more, from a file or standard input, written by the wasm; the same bytes as ALG_VERIFY_ROUTER_WASM=0", async () => {
    const lines: string[] = [];
    for (let size = 0, i = 0; size < ROUTER_WASM_MIN_BYTES + 1000; i++) {
      const l = i % 500 === 7 ? EDGE.split("\n")[(i / 500) % 40 | 0]! : USUAL.replace("431999", String(i));
      lines.push(l);
      size += l.length + 1;
    }
    const text = lines.join("\n") + "\n";
    const dir = mkdtempSync(path.join(os.tmpdir(), "algv-ctwasm-"));
    const saved = process.env.ALG_VERIFY_ROUTER_WASM;
    try {
      const file = path.join(dir, "dump.txt");
      writeFileSync(file, text);
      const outputs: string[] = [];
      for (const off of [false, true]) {
        if (off) process.env.ALG_VERIFY_ROUTER_WASM = "0";
        for (const stdin of [false, true]) {
          let out = "";
          const cli: CliIo = {
            stdout: (x) => void (out += typeof x === "string" ? x : new TextDecoder().decode(x)),
            stderr: () => {},
            readFile: async (p) => readFileSync(p, "utf8"),
            setExitCode: () => {},
          };
          wasmLines = 0;
          await runRouter([stdin ? "-" : file], { json: true, ...(stdin && { stdin: Readable.from([enc.encode(text)]) }) }, cli);
          if (off) expect(wasmLines).toBe(0);
          else expect(wasmLines).toBeGreaterThan(lines.length * 0.9);
          outputs.push(stdin ? out.replaceAll('"<stdin>"', JSON.stringify(file)) : out);
        }
      }
      expect(outputs[0]!.length).toBeGreaterThan(text.length);
      for (const o of outputs) expect(o).toBe(outputs[0]);
    } finally {
      if (saved === undefined) delete process.env.ALG_VERIFY_ROUTER_WASM;
      else process.env.ALG_VERIFY_ROUTER_WASM = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
