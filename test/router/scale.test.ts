/**
 * issue 13, router rows, at test-friendly sizes (the scaling itself is measured in
 * bench/router.bench.ts): sizes above the old stack-overflow threshold (~120 000 arguments spread
 * into one call), bounded diagnostics, syslog lines that start no record, and streamed output
 * equal to the one-string rendering on every fixture.
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { PassThrough } from "node:stream";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import {
  buildRouterReport, formatRouterText, parseRouterText, routerJsonPieces, routerTextPieces, writeRouterReport,
  DEFAULT_DIAGNOSTIC_LIMIT, type RouterParseResult, type RouterReport,
} from "../../src/router/index.js";
import { MAX_WRAP_LINES } from "../../src/router/junos/syslog.js";
import { runRouter, writableSink } from "../../src/node/router-cli.js";
import type { CliIo } from "../../src/node/io.js";
import { generateConntrack } from "../../bench/router.bench.js";
import { fixturePath, rawCases, read, sharedFiles, SHARED_OUTPUT } from "./helpers.js";

/** Above the ~120 000 arguments at which `push(...x)` / `Math.max(...x)` overflowed the stack. */
const OVER_SPREAD_LIMIT = 130_000;

const ASP = "Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {ss_ftp}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 6 (TCP) application: ftp, fe-3/3/3.0:1.1.1.2:4450 -> 2.2.2.2:21, creating forward or watch flow";

function memoryIo(files: Record<string, string>) {
  const out = { stdout: "", exitCode: undefined as number | undefined };
  const io: CliIo = {
    stdout: (s) => void (out.stdout += typeof s === "string" ? s : new TextDecoder().decode(s)),
    stderr: () => {},
    readFile: async (p) => {
      if (!(p in files)) throw new Error("ENOENT");
      return files[p]!;
    },
    setExitCode: (c) => void (out.exitCode = c),
  };
  return { io, out };
}

const joined = (pieces: Iterable<string>): string => {
  let s = "";
  for (const p of pieces) s += p;
  return s;
};

describe("router at sizes that overflowed the stack", () => {
  test(`router (text and --json) on a ${OVER_SPREAD_LIMIT}-entry conntrack -L dump: exit 0, every entry listed`, async () => {
    const { io, out } = memoryIo({ "ct.txt": generateConntrack(OVER_SPREAD_LIMIT) });
    expect(await runRouter(["ct.txt"], {}, io)).toBe(0);
    expect(out.stdout).toContain(`1 document(s), ${OVER_SPREAD_LIMIT} flow(s)`);
    expect(out.stdout.split("\n").filter((l) => l.startsWith("  tcp ")).length).toBe(OVER_SPREAD_LIMIT);
  }, 120_000);
  test(`--json on ${OVER_SPREAD_LIMIT} statistics documents: all documents and counters`, async () => {
    // parsed at a smaller size, the report at the size that overflowed (the parse is linear: bench)
    const st = "Interface: ms-3/2/0 Service set: s New flows: Accepts: 1, Discards: 0";
    const { io, out } = memoryIo({ "st.txt": Array(1_000).fill(st).join("\n") });
    expect(await runRouter(["st.txt"], { json: true }, io)).toBe(0);
    expect((JSON.parse(out.stdout) as RouterReport).documents).toHaveLength(1_000);
    const one = parseRouterText(st, "st.txt");
    const big: RouterParseResult = {
      ...one,
      documents: Array(OVER_SPREAD_LIMIT).fill(one.documents[0]),
      counters: Array.from({ length: OVER_SPREAD_LIMIT }, (_, k) => ({ ...one.counters[0]!, document: k })),
    };
    const report = JSON.parse(joined(routerJsonPieces(buildRouterReport([one, big])))) as RouterReport;
    expect(report.documents).toHaveLength(OVER_SPREAD_LIMIT + 1);
    expect(report.counters).toHaveLength(OVER_SPREAD_LIMIT + 2);
    expect(report.counters.at(-1)!.document).toBe(OVER_SPREAD_LIMIT);
  }, 120_000);
  test("reports built from results with more documents, records and diagnostics than the spread limit", () => {
    const r = parseRouterText("ALG Status:\n  FTP : Enabled\n", "a.txt");
    const big: RouterParseResult = {
      ...r,
      documents: Array(OVER_SPREAD_LIMIT).fill(r.documents[0]),
      diagnostics: Array(OVER_SPREAD_LIMIT).fill({ code: "x", severity: "info", message: "m", file: "a.txt" }),
    };
    const report = buildRouterReport([r, big]);
    expect(report.documents).toHaveLength(OVER_SPREAD_LIMIT + 1);
    expect(report.diagnostics).toHaveLength(OVER_SPREAD_LIMIT);
    expect(formatRouterText(report, { maxDiagnostics: 1 })).toContain(`… and ${OVER_SPREAD_LIMIT - 1} more`);
  }, 120_000);
});

describe("diagnostics are bounded (diagnostic limit)", () => {
  test(`${OVER_SPREAD_LIMIT} unrecognised lines: exit 2; the first ${DEFAULT_DIAGNOSTIC_LIMIT} listed, the rest counted`, async () => {
    const junk = Array.from({ length: OVER_SPREAD_LIMIT }, (_, k) => `junk line ${k}`).join("\n");
    const { io, out } = memoryIo({ "j.txt": junk });
    expect(await runRouter(["j.txt"], { json: true }, io)).toBe(2);
    const report = JSON.parse(out.stdout) as RouterReport;
    const codes = report.diagnostics.map((d) => d.code);
    expect(codes.filter((c) => c === "unknown_line")).toHaveLength(DEFAULT_DIAGNOSTIC_LIMIT);
    expect(report.diagnostics[DEFAULT_DIAGNOSTIC_LIMIT - 1]).toMatchObject({ line: DEFAULT_DIAGNOSTIC_LIMIT });
    expect(report.diagnostics.find((d) => d.code === "nothing_understood")?.message).toBe(`nothing in j.txt was understood as router output: it looks like text whose first line is "junk line 0"`);
    expect(report.diagnostics.at(-1)).toMatchObject({
      code: "diagnostic_limit", severity: "error", count: OVER_SPREAD_LIMIT - DEFAULT_DIAGNOSTIC_LIMIT,
      message: expect.stringContaining(`unknown_line: ${OVER_SPREAD_LIMIT - DEFAULT_DIAGNOSTIC_LIMIT}`),
    });
  }, 120_000);
  test("the limit is an option; below it nothing is counted; the report stays schema-valid", () => {
    const junk = "a\nb\nc\nd\nALG Status:\n  FTP : Enabled\n";
    const two = parseRouterText(junk, "j.txt", { diagnosticLimit: 2 });
    const schema = JSON.parse(readFileSync(fileURLToPath(new URL("../../schema/router.schema.json", import.meta.url)), "utf8"));
    const validate = new Ajv2020.default({ allErrors: true, strict: true }).compile(schema);
    expect(validate(JSON.parse(JSON.stringify(buildRouterReport([two]))))).toBe(true);
    expect(two.diagnostics.map((d) => [d.code, d.line, d.count])).toEqual([["unknown_line", 1, undefined], ["unknown_line", 2, undefined], ["diagnostic_limit", 3, 2]]);
    expect(parseRouterText(junk, "j.txt").diagnostics.map((d) => d.code)).toEqual(Array(4).fill("unknown_line"));
  });
});

describe("syslog lines that start no record", () => {
  test("an ASP_SFW line and 20 000 stray lines: the event kept, each stray line reported (bounded)", () => {
    const n = 20_000;
    const text = [ASP, ...Array.from({ length: n }, (_, k) => `stray text ${k} that starts no record`)].join("\n");
    const r = parseRouterText(text, "s.txt");
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ tag: "ASP_SFW_CREATE_ACCEPT_FLOW", text: "creating forward or watch flow" });
    const unknown = r.diagnostics.filter((d) => d.code === "unknown_line");
    expect(unknown).toHaveLength(DEFAULT_DIAGNOSTIC_LIMIT);
    expect(unknown.slice(0, 2).map((d) => [d.line, d.column])).toEqual([[2, 0], [3, 0]]);
    expect(r.diagnostics.at(-1)).toMatchObject({ code: "diagnostic_limit", count: n - DEFAULT_DIAGNOSTIC_LIMIT });
  });
  test(`indented stray lines: at most ${MAX_WRAP_LINES} lines make one record, the rest are reported`, () => {
    const stray = Array.from({ length: 20 }, (_, k) => `   more ${k}`);
    const r = parseRouterText([ASP, ...stray].join("\n"), "s.txt");
    expect(r.events).toHaveLength(1);
    expect(r.events[0]!.text).toBe(["creating forward or watch flow", ...stray.slice(0, MAX_WRAP_LINES - 1).map((s) => s.trim())].join(" "));
    expect(r.diagnostics.map((d) => d.line)).toEqual(Array.from({ length: 20 - (MAX_WRAP_LINES - 1) }, (_, k) => k + MAX_WRAP_LINES + 1));
  });
});

describe("streamed output equals the one-string rendering", () => {
  const inputs = () => [
    ...rawCases().map((c) => ({ name: `${c}.raw`, text: read(fixturePath(`${c}.raw`)) })),
    ...sharedFiles().map((f) => ({ name: f, text: read(path.join(SHARED_OUTPUT, f)) })),
  ];
  test("every fixture: JSON pieces join to JSON.stringify(report, null, 2); text pieces to formatRouterText", () => {
    const all: RouterParseResult[] = [];
    for (const { name, text } of inputs()) {
      const r = parseRouterText(text, name);
      all.push(r);
      const report = buildRouterReport([r]);
      expect(joined(routerJsonPieces(report)), name).toBe(JSON.stringify(report, null, 2) + "\n");
      expect(joined(routerTextPieces(report)), name).toBe(formatRouterText(report));
    }
    const report = buildRouterReport(all);
    expect(joined(routerJsonPieces(report))).toBe(JSON.stringify(report, null, 2) + "\n");
  });
  test("written to a stream with a small buffer and a slow reader: the same JSON, waiting for drain", async () => {
    const report = buildRouterReport([parseRouterText(generateConntrack(3_000), "ct.txt")]);
    const stream = new PassThrough({ highWaterMark: 1024 });
    const chunks: Buffer[] = [];
    let drains = 0;
    stream.on("drain", () => drains++);
    const reading = (async () => {
      for await (const c of stream) {
        chunks.push(c as Buffer);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await writeRouterReport(report, writableSink(stream), { json: true });
    stream.end();
    await reading;
    const text = Buffer.concat(chunks).toString("utf8");
    expect(drains).toBeGreaterThan(0);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(report)));
    expect(text).toBe(JSON.stringify(report, null, 2) + "\n");
  }, 60_000);
  test("the CLI writes the report in pieces (no single string), equal to the one-string form", async () => {
    const pieces: string[] = [];
    const { io } = memoryIo({ "ct.txt": generateConntrack(2_000) });
    // (JSON pieces are bytes in a buffer the writer reuses: decoded as they come)
    await runRouter(["ct.txt"], { json: true, out: (p) => void pieces.push(typeof p === "string" ? p : new TextDecoder().decode(p)) }, io);
    expect(pieces.length).toBeGreaterThan(5);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(1 << 18);
    const report = buildRouterReport([parseRouterText(generateConntrack(2_000), "ct.txt")]);
    expect(pieces.join("")).toBe(JSON.stringify(report, null, 2) + "\n");
  });
});
