/**
 * The JSON report (schemaVersion 1) validates against schema/router.schema.json for every fixture,
 * document indices are renumbered across files, and the text output renders tables and diagnostics.
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import { buildRouterReport, formatRouterText, parseRouterText, formatDiagnostic } from "../../src/router/index.js";
import { fixturePath, rawCases, read, sharedFiles, SHARED_OUTPUT } from "./helpers.js";

const schema = JSON.parse(readFileSync(fileURLToPath(new URL("../../schema/router.schema.json", import.meta.url)), "utf8"));
const ajv = new Ajv2020.default({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

const allInputs = () => [
  ...rawCases().map((c) => ({ name: `${c}.raw`, text: read(fixturePath(`${c}.raw`)) })),
  ...sharedFiles().map((f) => ({ name: f, text: read(path.join(SHARED_OUTPUT, f)) })),
];

describe("JSON report", () => {
  test("every fixture's report validates against the schema", () => {
    for (const { name, text } of allInputs()) {
      const report = JSON.parse(JSON.stringify(buildRouterReport([parseRouterText(text, name)])));
      expect(validate(report), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
  test("all files in one report: schema-valid, documents renumbered", () => {
    const results = allInputs().map(({ name, text }) => parseRouterText(text, name));
    const report = buildRouterReport(results);
    expect(validate(JSON.parse(JSON.stringify(report))), ajv.errorsText(validate.errors)).toBe(true);
    expect(report.schemaVersion).toBe(1);
    expect(report.documents.length).toBe(results.reduce((n, r) => n + r.documents.length, 0));
    for (const f of [...report.flows, ...report.events, ...report.expectations, ...report.counters]) {
      expect(report.documents[f.document]!.file).toBe(f.location.file);
    }
  });
  test("the schema rejects what it should (a flow without nat, a wrong schemaVersion, an unknown format)", () => {
    const good = JSON.parse(JSON.stringify(buildRouterReport([parseRouterText(read(fixturePath("bgf-gate-twice-nat.raw")), "b")])));
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, schemaVersion: 2 })).toBe(false);
    const noNat = structuredClone(good);
    delete noNat.flows[0].nat;
    expect(validate(noNat)).toBe(false);
    const badFormat = structuredClone(good);
    badFormat.documents[0].format = "cisco";
    expect(validate(badFormat)).toBe(false);
  });
  test("garbage input still yields a schema-valid report with located diagnostics", () => {
    const report = buildRouterReport([parseRouterText("hello\n\tworld\n", "g.txt")]);
    expect(validate(JSON.parse(JSON.stringify(report)))).toBe(true);
    expect(report.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["unknown_line", 1, 0], ["unknown_line", 2, 1], ["nothing_understood", 1, 0]]);
  });
});

describe("text output", () => {
  test("tables of flows with NAT, and the summary", () => {
    const r = parseRouterText(read(path.join(SHARED_OUTPUT, "junos-ms__show-services-stateful-firewall-conversations__ftp-nat__junos95-column-layout.txt")), "conv.txt");
    const text = formatRouterText(buildRouterReport([r]));
    const lines = text.split("\n");
    expect(lines[0]).toBe("conv.txt:2  junos-conversations  (show services stateful-firewall conversations application-protocol ftp)");
    expect(lines[1]).toMatch(/^ {2}PROTO +SRC +DST +STATE +DIR +PKTS +NAT +ALG$/);
    expect(lines[2]).toMatch(/^ {2}tcp +1\.1\.79\.2:14083 +2\.2\.2\.2:21 +Watch +I +13 +source 1\.1\.79\.2:14083 → 194\.250\.1\.237:50118 +ftp$/);
    // columns aligned: every row has DST at the same column as the header
    const col = lines[1]!.indexOf("DST");
    for (const l of lines.slice(2, 6)) expect(l[col - 1]).toBe(" ");
    expect(text).toContain("1 document(s), 4 flow(s), 0 counter(s), 0 event(s), 0 expectation(s); 0 error(s), 0 warning(s), 0 info");
  });
  test("statistics, events, expectations and ALG status render as tables", () => {
    const results = ["junos-ms__show-services-stateful-firewall-statistics-extensive__flattened-ms-mpc-doc.txt", "junos-ms__syslog__ftp-alg-control-and-active-data.txt",
      "linux__conntrack-L-expect__ftp-pasv-expectation.txt", "srx__show-security-alg-status__vsrx-24.4.txt"].map((f) => parseRouterText(read(path.join(SHARED_OUTPUT, f)), f));
    const text = formatRouterText(buildRouterReport(results));
    expect(text).toMatch(/ALG errors +FTP +0/);
    expect(text).toMatch(/TCP errors +SYN attack \(multiple SYN messages seen for the same flow\) +276/);
    expect(text).toMatch(/Oct 27 11:43:30 +create +ASP_SFW_FTP_ACTIVE_ACCEPT +tcp +2\.2\.2\.2:20 +1\.1\.1\.2:50726/);
    expect(text).toMatch(/tcp +10\.99\.1\.2:0 +10\.99\.2\.2:44369 +10\.99\.1\.2:55900 → 10\.99\.2\.2:21 +ftp +299/);
    expect(text).toMatch(/RTSP +Enabled/);
  });
  test("first N diagnostics, then a count of the rest", () => {
    const garbage = Array.from({ length: 30 }, (_, k) => `junk line ${k}`).join("\n");
    const text = formatRouterText(buildRouterReport([parseRouterText(garbage, "g.txt")]), { maxDiagnostics: 5 });
    expect(text).toContain("g.txt:5:0: error: ");
    expect(text).not.toContain("g.txt:6:0:");
    expect(text).toContain("… and 26 more");
  });
  test("a diagnostic shows its line and a caret under the column", () => {
    const [d] = parseRouterText("TCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1 oops", "x").diagnostics;
    expect(formatDiagnostic(d!)).toBe([
      `x:1:38: error: not part of a Junos conversation list: "oops" [unknown_text]`,
      "    TCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1 oops",
      "    " + " ".repeat(38) + "^",
    ].join("\n"));
  });
});
