/**
 * The verify text report's "What is each flow?" table (issue 15 item 5) on every recorded lab run
 * (pcaps/lab: real netfilter, real clients and servers): the legend, columns aligned under their
 * headers, one row per predicted flow, per connection its I line then its O line, and nothing of
 * the predicted flows lost (every field read back from the table's text and compared with the
 * JSON report, which keeps its answer text). Wrapping to narrow widths keeps every line within
 * the width where the cells can give way, and reads back the same. renderTable's wrapping and
 * painting on their own.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { findCases } from "../../src/node/suite-discover.js";
import { runVerify } from "../../src/node/verify-run.js";
import { caseRouter } from "../../src/node/suite-run.js";
import { caseInput } from "../../src/suite/case.js";
import type { VerifyReport } from "../../src/verify/verify.js";
import { FLOW_LEGEND, FLOWS_QUESTION, FLOW_TABLE_WIDTH, formatVerifyText } from "../../src/report/verify-text.js";
import { renderTable, wrapText } from "../../src/report/table.js";
import { palette, stripColour } from "../../src/report/colour.js";

vi.setConfig({ testTimeout: 300_000 });

const repo = new URL("../../", import.meta.url).pathname;
const reports = new Map<string, VerifyReport>();

beforeAll(async () => {
  for (const c of await findCases(join(repo, "pcaps/lab"))) {
    const router = (await caseRouter(caseInput(c))).router.map((r) => r.file);
    reports.set(c.name, await runVerify({ inside: c.inside, outside: c.outside, router }, { parallel: false }));
  }
}, 600_000);

const textOf = (r: VerifyReport, width?: number) => {
  let s = "";
  formatVerifyText(r, (x) => (s += x), { width });
  return s;
};

/** The lines of the flow table: the legend, the header, the rows (continuation lines included). */
function tableLines(text: string): { legend: string; header: string; rows: string[] } {
  const lines = text.split("\n");
  const q = lines.indexOf(`  ${FLOWS_QUESTION}`);
  expect(q, "the question is asked").toBeGreaterThan(0);
  const rows: string[] = [];
  for (let i = q + 3; i < lines.length && lines[i].startsWith("    "); i++) rows.push(lines[i]);
  return { legend: lines[q + 1], header: lines[q + 2], rows };
}

const HEADERS = ["#", "Proto", "I/O", "Flow", "NAT", "State", "Frames", "What it is"];

/**
 * Reads the table back: per row its cells (left-aligned columns from their header's offset to the
 * next header; "#" and the right-aligned Frames, which may be wider than its header, by their
 * neighbours), continuation lines joined to the cell above.
 */
function readBack(header: string, rows: string[]): string[][] {
  const at = HEADERS.map((h) => header.indexOf(h));
  const [, proto, io, flow, nat, state, , what] = at;
  const out: string[][] = [];
  for (const line of rows) {
    const cut = (a: number, b: number) => line.slice(a, b).trim();
    const [st = "", frames = ""] = cut(state, what).split(/ +/);
    const cells = [cut(0, proto), cut(proto, io), cut(io, flow), cut(flow, nat), cut(nat, state), st, frames, cut(what, Infinity)];
    // A continuation line has no proto (a new row always names it).
    if (cells[1] === "" && out.length) {
      cells.forEach((c, i) => {
        if (c) out[out.length - 1][i] += " " + c;
      });
    } else out.push(cells);
  }
  return out;
}

const ep = (e: { ip: string; port: number | null }) => (e.port === null ? e.ip : e.ip.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

/** What the table must say of each predicted flow, in its order (per connection I then O). */
function expectedRows(r: VerifyReport): string[][] {
  const out: string[][] = [];
  let no = 0;
  for (const c of r.predicted.conversations) {
    const ins = c.flows.filter((f) => f.dir === "I");
    const outs = c.flows.filter((f) => f.dir === "O");
    for (let k = 0; k < Math.max(ins.length, outs.length); k++) {
      no++;
      [ins[k], outs[k]].forEach((p, j) => {
        if (!p) return;
        const nat = p.nat.map((t) => `${t.kind} → ${ep(t.to)}`).join(", ");
        out.push([j === 0 || !ins[k] ? String(no) : "", p.proto, p.dir, `${ep(p.src)} → ${ep(p.dst)}`, (nat || "-") + (p.inferred && nat ? " (announced, not seen)" : ""), p.state, String(p.frames), `${c.alg} ${p.role}`]);
      });
    }
  }
  return out;
}

describe("What is each flow? (verify text)", () => {
  it("every lab run: legend, aligned columns, one row per predicted flow, nothing lost", () => {
    let tables = 0;
    for (const [name, r] of reports) {
      const flows = r.predicted.conversations.flatMap((c) => c.flows);
      const text = textOf(r);
      if (!flows.length) {
        expect(text, name).not.toContain(FLOW_LEGEND);
        continue;
      }
      tables++;
      const { legend, header, rows } = tableLines(text);
      expect(legend.trim(), name).toBe(FLOW_LEGEND);
      expect(legend.trim()).toMatch(/Watch = payload inspected.*Forward = forwarded.*I\/O = direction as the router sees it/);
      expect(header.trim().split(/ {2,}/), name).toEqual(HEADERS);
      // Aligned: every row's cells start in their header's column (left) or end under it (right).
      const at = (h: string) => header.indexOf(h);
      for (const line of rows) {
        for (const h of ["Proto", "I/O", "Flow", "NAT", "State", "What it is"]) {
          const c = line[at(h)];
          expect(line[at(h) - 1] ?? " ", `${name}: ${h} column in ${JSON.stringify(line)}`).toBe(" ");
          if (line.slice(at("Proto"), at("I/O")).trim()) expect(c, `${name}: ${h} cell of ${JSON.stringify(line)}`).not.toBe(" ");
        }
        if (line.slice(at("Proto"), at("I/O")).trim()) expect(line[at("Frames") + "Frames".length - 1]).toMatch(/\d/);
      }
      const got = readBack(header, rows);
      expect(got, name).toEqual(expectedRows(r));
      // I and O lines alternate per connection.
      expect(got.map((x) => x[2]).join(""), name).toMatch(/^(IO|I|O)+$/);
      // No line of the table is wider than the default width.
      for (const line of [legend, header, ...rows]) expect(line.length, `${name}: ${line}`).toBeLessThanOrEqual(FLOW_TABLE_WIDTH);
    }
    expect(tables).toBeGreaterThanOrEqual(10);
  });

  it("the JSON report keeps its answer text (the table is the text report's rendering of it)", () => {
    for (const [name, r] of reports) {
      const a = r.answers.find((x) => x.question === FLOWS_QUESTION);
      const flows = r.predicted.conversations.flatMap((c) => c.flows);
      if (!flows.length) continue;
      expect(a?.answer, name).toBe(flows.map((p) => `${p.proto} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port} ${p.state} ${p.dir}: ${p.role}`).join("; "));
      // The text report no longer prints the semicolon wall.
      expect(textOf(r), name).not.toContain(a!.answer);
    }
  });

  it("narrow terminals: long cells wrap within the width and read back the same", () => {
    const ipv6 = reports.get("ftp-ipv6");
    expect(ipv6, "the IPv6 lab run").toBeDefined();
    for (const [name, r] of [["ftp-ipv6", ipv6!], ["ftp-active-no-helper", reports.get("ftp-active-no-helper")!]] as const) {
      for (const width of [80, 100, 132]) {
        const { header, rows } = tableLines(textOf(r, width));
        expect(readBack(header, rows), `${name} at ${width}`).toEqual(expectedRows(r));
        // Where the wrappable cells can give way (down to half their width) the lines fit.
        const natural = tableLines(textOf(r, 10_000));
        const widest = Math.max(...[natural.header, ...natural.rows].map((l) => l.length));
        if (width >= widest) expect(rows.length).toBe(natural.rows.length);
        else expect(rows.length).toBeGreaterThan(natural.rows.length);
      }
    }
    // The IPv6 lab's flows do not fit 100 columns unwrapped; wrapped, every line does.
    const { header, rows } = tableLines(textOf(ipv6!, 100));
    for (const line of [header, ...rows]) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});

describe("renderTable", () => {
  it("wraps the widest wrappable column first, at spaces, never below half its width or its longest word", () => {
    const cols = [{ header: "id", align: "right" as const }, { header: "text", wrap: true }, { header: "note", wrap: true }];
    const rows = [["1", "alpha beta gamma delta", "short"], ["22", "x", "a longer note here"]];
    expect(renderTable(cols, rows)).toBe("id  text                    note\n 1  alpha beta gamma delta  short\n22  x                       a longer note here\n");
    const narrow = renderTable(cols, rows, { maxWidth: 36 });
    expect(narrow.split("\n").every((l) => l.length <= 36)).toBe(true);
    expect(narrow).toBe("id  text             note\n 1  alpha beta       short\n    gamma delta\n22  x                a longer note\n                     here\n");
    // Cannot fit: every wrappable column at its floor, the rest unchanged.
    const floor = renderTable(cols, rows, { maxWidth: 5 });
    expect(floor.split("\n")[0]).toBe("id  text         note");
    expect(wrapText("abcdefgh ij", 3)).toEqual(["abc", "def", "gh", "ij"]);
    expect(wrapText("", 4)).toEqual([""]);
  });

  it("paints cells after padding: the alignment counts the plain text", () => {
    const p = palette(true);
    const t = renderTable([{ header: "verdict", paint: (c) => p.verdict(c, c) }, { header: "n", align: "right" }], [["pass", "1"], ["inconclusive", "22"]]);
    expect(t).toContain("\x1b[");
    expect(stripColour(t)).toBe("verdict        n\npass           1\ninconclusive  22\n");
  });
});
