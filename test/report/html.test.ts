/**
 * The HTML report as text (Chromium opens it in test/web/html-report.test.ts): well formed, its
 * CSP names the hash of its one style (node:crypto), nothing external, the parts in reading order,
 * findings grouped by code with every message kept, limits counted in place, and text from the
 * captures escaped.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findCases } from "../../src/node/suite-discover.js";
import { runVerify } from "../../src/node/verify-run.js";
import { caseRouter } from "../../src/node/suite-run.js";
import { caseInput } from "../../src/suite/case.js";
import type { VerifyReport } from "../../src/verify/verify.js";
import { groupFindings, htmlReport, suiteIndexHtml } from "../../src/report/html.js";
import { FLOW_COLUMNS, FLOW_LEGEND, FLOW_TABLE_WIDTH, formatVerifyText } from "../../src/report/verify-text.js";
import { renderTable } from "../../src/report/table.js";
import { all, byAttr, parse } from "./svg-parse.js";

const repo = new URL("../../", import.meta.url).pathname;
let fail: VerifyReport;
let sip: VerifyReport;

async function labReport(name: string): Promise<VerifyReport> {
  const [c] = (await findCases(join(repo, "pcaps/lab"))).filter((x) => x.name === name);
  const { router } = await caseRouter(caseInput(c));
  return runVerify({ ...c, router: router.map((r) => r.file) }, { parallel: false });
}

beforeAll(async () => {
  fail = await labReport("ftp-active-no-helper");
  sip = await labReport("sip-udp-helper");
}, 120_000);

describe("HTML report", () => {
  it("is one well-formed document whose CSP allows exactly its own style", () => {
    const text = htmlReport(fail, { routerText: "router says <b>hi</b>" });
    const doc = parse(text);
    const style = all(doc, (n) => n.tag === "style");
    expect(style).toHaveLength(1);
    const csp = all(doc, (n) => n.tag === "meta" && n.attrs["http-equiv"] === "Content-Security-Policy")[0].attrs.content;
    const hash = createHash("sha256").update(style[0].text, "utf8").digest("base64");
    expect(csp).toBe(`default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`);
    expect(all(doc, (n) => ["script", "link", "img", "iframe", "object"].includes(n.tag))).toEqual([]);
    expect(all(doc, (n) => Object.keys(n.attrs).some((k) => k === "src" || k === "href" || k === "style" || k.startsWith("on")))).toEqual([]);
    // The router text is shown as text, never as markup.
    expect(byAttr(doc, "id", "router-text")[0].text).toBe("router says <b>hi</b>");
    expect(all(doc, (n) => n.tag === "b")).toEqual([]);
  });

  it("reads in order: verdict, answers, topology, findings grouped by cause, diagrams, conversations, tables", () => {
    const doc = parse(htmlReport(fail));
    const ids = all(doc, (n) => ["verdict", "answers", "topology", "findings", "diagrams", "conversations", "negotiations", "nat", "timeline", "diagnostics"].includes(n.attrs.id)).map((n) => n.attrs.id);
    expect(ids).toEqual(["verdict", "answers", "topology", "findings", "diagrams", "conversations", "negotiations", "nat", "timeline", "diagnostics"]);
    expect(byAttr(doc, "id", "verdict")[0].attrs["data-verdict"]).toBe("fail");
    const groups = byAttr(doc, "data-code").filter((n) => n.tag === "div");
    expect(groups.map((g) => g.attrs["data-code"])).toEqual(groupFindings(fail.findings).map((g) => g.code));
    expect(groups[0].attrs.class).toBe("group error");
    for (const f of fail.findings) expect(byAttr(doc, "id", "findings")[0].text).toContain(f.message);
    expect(byAttr(doc, "data-session").map((n) => n.attrs["data-session"])).toEqual(["1"]);
    // Times in the timeline relative to its first entry, the absolute time kept in the tooltip.
    const first = all(byAttr(doc, "id", "timeline")[0], (n) => n.tag === "span" && "title" in n.attrs)[0];
    expect(first.text).toBe("+0.000 ms");
    expect(first.attrs.title).toBe(fail.timeline[0].time);
  });

  it.each([["ftp-active-no-helper", () => fail], ["sip-udp-helper", () => sip]])("%s: \"What is each flow?\" is the text report's flow table as an HTML table, with its legend", (_name, get) => {
    const r = get();
    const doc = parse(htmlReport(r));
    const ft = byAttr(doc, "id", "flow-table")[0];
    expect(all(ft, (n) => n.tag === "p")[0].text).toBe(FLOW_LEGEND);
    expect(all(ft, (n) => n.tag === "th").map((n) => n.text)).toEqual(FLOW_COLUMNS.map((c) => c.header));
    const rows = all(ft, (n) => n.tag === "tr").slice(1).map((tr) => all(tr, (n) => n.tag === "td").map((td) => td.text));
    expect(rows.length).toBe(r.predicted.conversations.reduce((n, c) => n + c.flows.length, 0));
    // The same cells, laid out as text, are the text report's table under the same question.
    let text = "";
    formatVerifyText(r, (s) => { text += s; });
    const table = renderTable(FLOW_COLUMNS, rows, { maxWidth: FLOW_TABLE_WIDTH - 4 }).split("\n").filter(Boolean).map((l) => `    ${l}`.trimEnd());
    const lines = text.split("\n").map((l) => l.trimEnd());
    const at = lines.indexOf(`    ${FLOW_LEGEND}`);
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 1 + table.length)).toEqual(table);
    // The frames column is right-aligned (numeric); the JSON answer keeps its one-line text.
    expect(all(ft, (n) => n.tag === "td" && n.attrs.class === "num").length).toBe(rows.length * 2);
    expect(r.answers.find((a) => a.question === "What is each flow?")!.answer).toMatch(/^(UDP|TCP) /);
    // A row limit counts what it leaves out, inside the answer.
    expect(byAttr(parse(htmlReport(r, { maxRows: 1 })), "id", "flow-table")[0].text).toContain(`${rows.length - 1} more row(s) not shown (limit 1)`);
  });

  it("groups findings of one cause, errors first, summing occurrences", () => {
    const f = (code: string, severity: "error" | "warning", occurrences?: number) => ({ code, severity, message: code, explanation: "", evidence: {}, ...(occurrences ? { occurrences } : {}) });
    const g = groupFindings([f("b", "warning"), f("a", "error", 3), f("b", "warning", 2), f("a", "error")]);
    expect(g.map((x) => [x.code, x.severity, x.findings.length, x.occurrences])).toEqual([["a", "error", 2, 4], ["b", "warning", 2, 3]]);
  });

  it("limits diagrams and rows, counting what is left out; unknown verdicts keep a safe class", () => {
    const big: VerifyReport = structuredClone(fail);
    for (let i = 0; i < 5; i++) big.sessions.push(...fail.sessions);
    (big as { verdict: string }).verdict = "some new\"verdict";
    const doc = parse(htmlReport(big, { maxDiagrams: 2, maxRows: 3 }));
    expect(byAttr(doc, "data-session")).toHaveLength(2);
    expect(byAttr(doc, "id", "diagrams")[0].text).toContain("4 more session(s) not drawn (limit 2)");
    expect(byAttr(doc, "id", "negotiations")[0].text).toContain("3 more row(s) not shown (limit 3)");
    expect(byAttr(doc, "id", "verdict")[0].attrs.class).toBe("verdict some-new-verdict");
  });

  it("suite index: one row per case with its verdict and a link to its report", () => {
    const doc = parse(suiteIndexHtml([
      { case: "lab/a", verdict: "pass", expected: { verdict: "pass" }, regression: false, findings: [], href: "lab_a.html" },
      { case: "lab/b", verdict: "error", regression: true, findings: [], error: "cannot read <x>" },
    ]));
    expect(byAttr(doc, "id", "verdict")[0].text).toContain("1 REGRESSION(S)");
    const rows = all(doc, (n) => n.tag === "tr").slice(1);
    expect(rows.map((r) => [all(r, (n) => n.tag === "a")[0]?.attrs.href, byAttr(r, "data-verdict")[0].attrs["data-verdict"]])).toEqual([["lab_a.html", "pass"], [undefined, "error"]]);
    expect(rows[1].text).toContain("cannot read <x>");
  });
});
