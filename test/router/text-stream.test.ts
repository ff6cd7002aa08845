/**
 * `router` text output written as the records are read (issue 13): column widths come from the
 * header and the first WIDTH_WINDOW rows of each table, so no table keeps a row per flow. A table
 * within the window is aligned exactly over all its rows; a longer cell after the window is
 * written whole and pushes the rest of its row right; every record is still listed, under its own
 * document.
 */
import { describe, expect, test } from "vitest";
import { buildRouterReport, parseRouterText, routerTextPieces, formatRouterText } from "../../src/router/index.js";
import { table } from "../../src/router/report.js";
import { WIDTH_WINDOW } from "../../src/router/types.js";
import { defineLazyList } from "../../src/router/lazy.js";
import type { RouterFlow, RouterReport } from "../../src/router/types.js";
import { runCli } from "../cli/run.js";

/** A conntrack -L line; `wide` gives the source a longer address (wider SRC and NAT cells). */
function entry(k: number, wide = false): string {
  const src = wide ? `10.${100 + (k % 100)}.${100 + (k % 150)}.${100 + (k % 155)}` : `10.0.${(k >> 8) & 7}.${k & 255}`;
  return `tcp      6 ${k % 400} ESTABLISHED src=${src} dst=198.51.100.7 sport=${1024 + k} dport=21 packets=3 bytes=180 src=198.51.100.7 dst=203.0.113.1 sport=21 dport=${1024 + k} packets=2 bytes=120 [ASSURED] mark=0 helper=ftp use=1`;
}

function dump(n: number, wideAt: Set<number>): string {
  const lines: string[] = [];
  for (let k = 0; k < n; k++) lines.push(entry(k, wideAt.has(k)));
  lines.push(`conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been shown.`);
  return lines.join("\n") + "\n";
}

/** The flow rows of a rendering (lines of the first table after its header). */
function rows(text: string): string[] {
  const lines = text.split("\n");
  const head = lines.findIndex((l) => l.startsWith("  PROTO"));
  const out: string[] = [];
  for (let i = head + 1; i < lines.length && lines[i]!.startsWith("  tcp"); i++) out.push(lines[i]!);
  return out;
}

describe("router text: widths from the first window", () => {
  test("a table within the window is aligned over all its rows (as table() aligns them)", () => {
    const text = formatRouterText(buildRouterReport([parseRouterText(dump(300, new Set([250])), "ct.txt")]));
    const got = rows(text);
    expect(got).toHaveLength(300);
    // the wide row is inside the window: every row's DST column starts at the same place
    const dstAt = got.map((l) => l.indexOf("198.51.100.7"));
    expect(new Set(dstAt).size).toBe(1);
    const header = text.split("\n").find((l) => l.startsWith("  PROTO"))!;
    expect(header.indexOf("DST")).toBe(dstAt[0]);
    expect(table(["A", "B"], [["x", "y"], ["longer", "z"]])).toEqual(["  A       B", "  x       y", "  longer  z"]);
  });

  test(`past the window (${WIDTH_WINDOW} rows) a longer cell pushes its own row only; every record listed`, () => {
    const n = WIDTH_WINDOW + 500;
    const late = WIDTH_WINDOW + 100;
    const text = formatRouterText(buildRouterReport([parseRouterText(dump(n, new Set([late])), "ct.txt")]));
    const got = rows(text);
    expect(got).toHaveLength(n);
    const header = text.split("\n").find((l) => l.startsWith("  PROTO"))!;
    const dst = header.indexOf("DST");
    for (let k = 0; k < n; k++) {
      if (k === late) continue;
      expect(got[k]!.indexOf("198.51.100.7"), `row ${k}`).toBe(dst);
    }
    // the late wide row: its SRC cell whole, DST pushed right by the extra width, still two spaces apart
    const wide = got[late]!;
    expect(wide.indexOf("198.51.100.7")).toBeGreaterThan(dst);
    expect(wide).toMatch(/10\.\d+\.\d+\.\d+:\d+ {2}198\.51\.100\.7:21/);
    expect(text).toContain(`1 document(s), ${n} flow(s)`);
  });

  test("records are turned into rows as the text is written, not all before the first piece", () => {
    const n = 20_000;
    const base = parseRouterText(dump(1, new Set()), "ct.txt");
    const report = buildRouterReport([base]);
    const one = report.flows[0]!;
    let made = 0;
    defineLazyList<RouterFlow>(report, "flows", {
      length: n,
      *each() {
        for (let k = 0; k < n; k++) {
          made++;
          yield { ...one, src: { ...one.src, port: 1024 + k } };
        }
      },
    });
    const it = routerTextPieces(report as RouterReport)[Symbol.iterator]();
    const first = it.next();
    expect(first.done).toBe(false);
    expect(made).toBeLessThan(n / 4);
    let rest = 0;
    for (let r = it.next(); !r.done; r = it.next()) rest += r.value.split("\n").length;
    expect(made).toBe(n);
    expect(rest).toBeGreaterThan(n / 2);
  });

  test("several files: each document's records under its own header, in order", () => {
    const a = parseRouterText(dump(3, new Set()), "a.txt");
    const b = parseRouterText("ALG Status:\n  FTP : Enabled\n", "b.txt");
    const c = parseRouterText(dump(2, new Set([1])), "c.txt");
    const text = formatRouterText(buildRouterReport([a, b, c]));
    const at = (s: string) => text.indexOf(s);
    expect(at("a.txt:1")).toBeLessThan(at("10.0.0.2:1026"));
    expect(at("10.0.0.2:1026")).toBeLessThan(at("b.txt:1"));
    expect(at("b.txt:1")).toBeLessThan(at("c.txt:1"));
    expect(text.slice(at("c.txt:1"))).toContain("10.101.101.101:1025");
    expect(text).toContain("3 document(s), 5 flow(s)");
  });

  test("router --help states the width rule", async () => {
    const r = await runCli("router", "--help");
    expect(r.stdout.replace(/\s+/g, " ")).toContain(`longest cell in the first ${WIDTH_WINDOW} rows of that table; a later, longer cell pushes the rest of its row right`);
  });

  test("a report put together by hand with records out of document order: each under its document", () => {
    const a = parseRouterText(dump(2, new Set()), "a.txt");
    const c = parseRouterText(dump(2, new Set([1])), "c.txt");
    const report = buildRouterReport([a, c]);
    const flows = Array.from(report.flows);
    report.flows = [flows[3]!, flows[0]!, flows[2]!, flows[1]!];
    const text = formatRouterText(report);
    const [before, after] = text.split("c.txt:1");
    expect(before).toContain("10.0.0.0:1024");
    expect(before).toContain("10.0.0.1:1025");
    expect(before).not.toContain("10.101.101.101");
    expect(after).toContain("10.0.0.0:1024");
    expect(after).toContain("10.101.101.101:1025");
    expect(text).toContain("2 document(s), 4 flow(s)");
  });
});
