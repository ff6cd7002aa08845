/**
 * The oracles, one checker per target, run in-process on memory (no process per input):
 *  - capture: `analyzeCapture` (the capture scan and its sessions; one chunk, or the case's chunk size) → no exception
 *    (a wasm trap is one), every error diagnostic located (the file, a byte offset inside the
 *    input) and the scan marked partial, wasm memory unchanged, no more control-stream conflicts
 *    than retransmissions, the `analyze --json` report valid
 *    against schema/analyze.schema.json;
 *  - router: `parseRouterText` → no exception, no internal_error, every diagnostic on a line of
 *    the input, the `router --json` report valid against schema/router.schema.json, the text
 *    report renders, and a text the stream reads (one dump) gives the same `--json` bytes read in
 *    pieces with the wasm core writing its usual conntrack lines (`stream-differs`);
 *  - verify: both captures analyzed, the router texts parsed, `verify()` → no exception, the report
 *    valid against schema/verify.schema.json, its exit code (as the CLI derives it) in {0,1,2,4};
 *  - cli (a sample of the cases): the same input written to files and run through the CLI's
 *    `main()` (`analyze --json`, `router --json`, `verify --json`): exit code in {0,1,2,4}, no
 *    "internal error", stdout a JSON report valid against its schema.
 * A check returns the first violation (oracle name + message) or undefined.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { analyzeCapture } from "../../src/alg/analyze.js";
import { loadCoreModule, InputError } from "../../src/node/index.js";
import { main } from "../../src/node/cli.js";
import { sinkToString, writeFlowsJson } from "../../src/report/flows-json.js";
import { buildRouterReport, formatRouterText, memoryRouterSource, parseRouterStream, parseRouterText, routerJsonPieces } from "../../src/router/index.js";
import type { RouterParseResult } from "../../src/router/types.js";
import type { Diagnostic } from "../../src/types.js";
import { verify } from "../../src/verify/verify.js";
import { repoRoot } from "./corpus.js";
import type { PairInput } from "./mutate.js";

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;

export interface Violation { oracle: string; message: string }

/** Exit codes a CLI run may end with: ok, findings (verify fail), input error, inconclusive. */
export const ALLOWED_EXIT_CODES = [0, 1, 2, 4];

/** Small tables, so that thousands of cores are cheap to make; the limits are part of what is fuzzed. */
const CORE = { flowCapLog2: 6, fragCapLog2: 4, windowBytes: 64 << 10, maxControlStreams: 8 };

export interface Oracles {
  module: WebAssembly.Module;
  schemas: Record<"analyze" | "router" | "verify", ValidateFunction>;
}

export async function loadOracles(): Promise<Oracles> {
  const ajv = new Ajv2020({ allErrors: false, strict: false, allowUnionTypes: true });
  const dir = join(repoRoot(), "schema");
  ajv.addSchema(JSON.parse(readFileSync(join(dir, "flows.schema.json"), "utf8"))); // analyze's $ref
  const get = (f: string) => ajv.compile(JSON.parse(readFileSync(join(dir, f), "utf8")));
  return { module: await loadCoreModule(), schemas: { analyze: get("analyze.schema.json"), router: get("router.schema.json"), verify: get("verify.schema.json") } };
}

async function* chunked(b: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  if (size <= 0 || size >= b.length) { yield b; return; }
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size);
}

function thrown(e: unknown): Violation {
  if (e instanceof InputError && e.file) return { oracle: "none", message: "" }; // located: allowed
  const err = e as Error;
  const trap = err instanceof WebAssembly.RuntimeError || /unreachable|out of bounds|RuntimeError/.test(String(err?.message));
  return { oracle: trap ? "wasm-trap" : "exception", message: `${err?.name ?? "Error"}: ${err?.message ?? String(e)}\n${(err?.stack ?? "").split("\n").slice(1, 6).join("\n")}` };
}

const ok = (v: Violation | undefined) => (v && v.oracle !== "none" ? v : undefined);

function schemaViolation(name: string, validate: ValidateFunction, report: unknown): Violation | undefined {
  if (validate(report)) return undefined;
  const e = validate.errors?.[0];
  return { oracle: "schema", message: `${name} report not valid: ${e?.instancePath || "/"} ${e?.message} (${JSON.stringify(e?.params)})` };
}

/**
 * Error diagnostics of a capture: the file named, a byte offset inside the input, and numbers
 * that agree with each other ("N bytes present, M expected" with N < M: a wrapped u32 once gave
 * "56 bytes present, 8 expected").
 */
function unlocated(diags: Diagnostic[], file: string, length: number): Violation | undefined {
  for (const d of diags) {
    if (d.severity !== "error") continue;
    const n = /(\d+) bytes present, (\d+) expected|(\d+) bytes, expected at least (\d+)/.exec(d.message);
    if (n && Number(n[1] ?? n[3]) >= Number(n[2] ?? n[4])) return { oracle: "incoherent-error", message: `error[${d.code}] at offset ${d.offset}: ${d.message}` };
    if (d.file !== file) return { oracle: "unlocated-error", message: `error[${d.code}] names file ${JSON.stringify(d.file)}, not ${file}` };
    if (d.offset === undefined || !Number.isInteger(d.offset) || d.offset < 0 || d.offset > length) {
      return { oracle: "unlocated-error", message: `error[${d.code}] at offset ${d.offset} of a ${length}-byte input: ${d.message}` };
    }
  }
  return undefined;
}

export async function checkCapture(o: Oracles, bytes: Uint8Array, chunk = 0): Promise<Violation | undefined> {
  const file = "fuzz.pcap";
  try {
    // analyze = the capture scan + the control-line events turned into sessions
    const a = await analyzeCapture(o.module, chunked(bytes, chunk), { file, ...CORE });
    const scan = a.scan;
    const v = unlocated(scan.diagnostics, file, bytes.length);
    if (v) return v;
    if (scan.diagnostics.some((d) => d.severity === "error") && !scan.info.partial) return { oracle: "unlocated-error", message: "an error diagnostic but the scan is not marked partial" };
    if (scan.core && scan.core.memoryBytes !== scan.memoryBytes) return { oracle: "memory", message: `wasm memory grew from ${scan.memoryBytes} to ${scan.core.memoryBytes}` };
    // A conflict is a retransmission whose bytes differ: never more of them than retransmissions.
    if (scan.stats.ctrlConflicts > scan.stats.ctrlRetransmits) return { oracle: "counters", message: `ctrlConflicts ${scan.stats.ctrlConflicts} > ctrlRetransmits ${scan.stats.ctrlRetransmits}` };
    const report = JSON.parse(sinkToString((w) => writeFlowsJson(a.scan, w, { profile: "lenient", sessions: a.sessions })));
    return schemaViolation("analyze", o.schemas.analyze, report);
  } catch (e) {
    return ok(thrown(e));
  }
}

/** The largest number of lines any splitting of `text` can give (\r\n, \n, \r, U+2028/9, NEL). */
const maxLines = (text: string) => text.split(/\r\n|[\n\r\u2028\u2029\u0085]/).length;

export function checkRouter(o: Oracles, text: string, file = "fuzz-router.txt"): Violation | undefined {
  try {
    const r = parseRouterText(text, file);
    const v = routerDiagnostics(r, text, file);
    if (v) return v;
    const report = buildRouterReport([r]);
    // the text `router --json` prints (the report holds Maps: JSON.stringify alone would not do)
    let json = "";
    for (const piece of routerJsonPieces(report)) json += piece;
    const vs = schemaViolation("router", o.schemas.router, JSON.parse(json));
    if (vs) return vs;
    formatRouterText(report);
    return streamDiffers(o, text, file);
  } catch (e) {
    return ok(thrown(e));
  }
}

const utf8 = new TextEncoder();

/**
 * A file read in pieces (`router` on a regular file: parseRouterStream) with the wasm core writing
 * a conntrack dump's usual lines (assembly/conntrack-json.ts, as `router --json` does for a dump of
 * ROUTER_WASM_MIN_BYTES or more): its `--json` bytes must be those of the whole text parsed, for a
 * text the stream reads at all (one dump; otherwise it is read whole, as here).
 */
function streamDiffers(o: Oracles, text: string, file: string): Violation | undefined {
  const bytes = utf8.encode(text);
  const streamed = parseRouterStream(memoryRouterSource(bytes), file, { wasm: o.module });
  if (streamed === null) return undefined;
  let got = "";
  for (const piece of routerJsonPieces(buildRouterReport([streamed]))) got += piece;
  // the whole text as the file's bytes decode (a lone surrogate of the string is U+FFFD there)
  let want = "";
  for (const piece of routerJsonPieces(buildRouterReport([parseRouterText(new TextDecoder().decode(bytes), file)]))) want += piece;
  if (got === want) return undefined;
  let at = 0;
  while (at < got.length && got[at] === want[at]) at++;
  return { oracle: "stream-differs", message: `router --json read in pieces with the wasm writer differs from the whole text's at character ${at}: ${JSON.stringify(got.slice(Math.max(0, at - 80), at + 80))} against ${JSON.stringify(want.slice(Math.max(0, at - 80), at + 80))}` };
}

function routerDiagnostics(r: RouterParseResult, text: string, file: string): Violation | undefined {
  const lines = maxLines(text);
  for (const d of r.diagnostics) {
    if (d.code === "internal_error") return { oracle: "exception", message: `internal_error: ${d.message}` };
    if (d.file !== file || d.line === undefined || d.line < 1 || d.line > Math.max(1, lines) || (d.column !== undefined && d.column < 0)) {
      return { oracle: "unlocated-error", message: `${d.severity}[${d.code}] at ${d.file}:${d.line}:${d.column} of a ${lines}-line text: ${d.message}` };
    }
  }
  return undefined;
}

/** The exit code the CLI gives a verify report (src/node/cli.ts): 2 on a located input error. */
function verifyExit(report: ReturnType<typeof verify>): number {
  if (report.diagnostics.some((d) => d.severity === "error" && d.offset !== undefined)) return 2;
  return report.verdict === "pass" ? 0 : report.verdict === "inconclusive" ? 4 : 1;
}

export async function checkPair(o: Oracles, p: PairInput): Promise<Violation | undefined> {
  try {
    const inside = p.inside && (await analyzeCapture(o.module, chunked(p.inside, 0), { file: "inside.pcap", ...CORE }));
    const outside = p.outside && (await analyzeCapture(o.module, chunked(p.outside, 0), { file: "outside.pcap", ...CORE }));
    for (const [a, b] of [[inside, p.inside], [outside, p.outside]] as const) {
      const v = a && unlocated(a.scan.diagnostics, a.scan.info.file, b!.length);
      if (v) return v;
    }
    const router = p.router.map((r, i) => parseRouterText(r.text, `router-${i}.txt`));
    for (let i = 0; i < router.length; i++) {
      const v = routerDiagnostics(router[i]!, p.router[i]!.text, `router-${i}.txt`);
      if (v) return v;
    }
    if (!inside && !outside && !router.length) return undefined;
    const report = verify({ inside: inside || undefined, outside: outside || undefined, router });
    const code = verifyExit(report);
    if (!ALLOWED_EXIT_CODES.includes(code)) return { oracle: "exit-code", message: `verify would exit ${code}` };
    return schemaViolation("verify", o.schemas.verify, JSON.parse(JSON.stringify(report)));
  } catch (e) {
    return ok(thrown(e));
  }
}

/** The same inputs through the CLI's main(): files on disk, `--json`, the exit code and report. */
export async function checkCli(o: Oracles, kind: "capture" | "router" | "pair", input: Uint8Array | string | PairInput): Promise<Violation | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "alg-verify-fuzz-"));
  try {
    let argv: string[];
    let schema: ValidateFunction;
    if (kind === "capture") {
      writeFileSync(join(dir, "c.pcap"), input as Uint8Array);
      argv = ["analyze", join(dir, "c.pcap"), "--json", "--max-flows", "64", "--max-control-streams", "8"];
      schema = o.schemas.analyze;
    } else if (kind === "router") {
      writeFileSync(join(dir, "r.txt"), input as string);
      argv = ["router", join(dir, "r.txt"), "--json"];
      schema = o.schemas.router;
    } else {
      const p = input as PairInput;
      argv = ["verify", "--json", "--max-flows", "64"];
      if (p.inside) { writeFileSync(join(dir, "inside.pcap"), p.inside); argv.push("--inside", join(dir, "inside.pcap")); }
      if (p.outside) { writeFileSync(join(dir, "outside.pcap"), p.outside); argv.push("--outside", join(dir, "outside.pcap")); }
      p.router.forEach((r, i) => { writeFileSync(join(dir, `router-${i}.txt`), r.text); argv.push("--router", join(dir, `router-${i}.txt`)); });
      if (!p.inside && !p.outside && !p.router.length) return undefined;
      schema = o.schemas.verify;
    }
    let stdout = "", stderr = "";
    const dec = new TextDecoder();
    const code = await main(argv, {
      stdout: (s) => { stdout += typeof s === "string" ? s : dec.decode(s); },
      stderr: (s) => { stderr += s; },
      readFile: async (f) => readFileSync(f, "utf8"),
      setExitCode: () => {},
    });
    if (/internal error/i.test(stderr)) return { oracle: "cli-internal-error", message: `${argv[0]}: ${stderr.slice(0, 600)}` };
    if (!ALLOWED_EXIT_CODES.includes(code)) return { oracle: "exit-code", message: `${argv[0]} exited ${code}: ${stderr.slice(0, 600)}` };
    if (code === 2 && !stdout) {
      // an input error without a report must say where: the file and an offset or line
      return /\S+: .*(offset \d+|line \d+|:\d+)/.test(stderr) || /error\[[a-z_]+\] \S+/.test(stderr) ? undefined : { oracle: "unlocated-error", message: `${argv[0]} exit 2: ${stderr.slice(0, 400)}` };
    }
    let report: unknown;
    try {
      report = JSON.parse(stdout);
    } catch (e) {
      return { oracle: "schema", message: `${argv[0]} --json printed no JSON (exit ${code}): ${(e as Error).message}` };
    }
    return schemaViolation(argv[0]!, schema, report);
  } catch (e) {
    return ok(thrown(e));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
