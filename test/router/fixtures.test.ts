/**
 * ntc-templates style: every `test/fixtures/router/<case>.raw` and every shared reference sample
 * parses with no error diagnostic, to exactly the JSON beside it (checked field by field).
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { parseRouterText } from "../../src/router/index.js";
import { expectFields, expectedShape, fixturePath, loadExpected, rawCases, read, sharedFiles, SHARED_OUTPUT, FIXTURES } from "./helpers.js";

describe("raw fixtures (seed samples and grammar variants)", () => {
  test("every raw fixture names its source on its first line", () => {
    const cases = rawCases();
    expect(cases.length).toBeGreaterThanOrEqual(18);
    for (const c of cases) expect(read(fixturePath(`${c}.raw`)).split("\n")[0], c).toMatch(/^# source: \S/);
  });
  test.each(rawCases())("%s", (c) => {
    const r = parseRouterText(read(fixturePath(`${c}.raw`)), `${c}.raw`);
    expect(r.diagnostics.filter((d) => d.severity === "error"), "no error diagnostics").toEqual([]);
    expect(r.documents.length).toBeGreaterThan(0);
    expectFields(expectedShape(r), loadExpected(fixturePath(`${c}.json`), expectedShape(r)));
  });
});

describe("shared reference samples (read in place)", () => {
  test("the inventory of ROUTER-FORMATS.md §8 is present", () => {
    expect(sharedFiles().length).toBe(25);
  });
  test.each(sharedFiles())("%s", (f) => {
    const r = parseRouterText(read(path.join(SHARED_OUTPUT, f)), f);
    expect(r.diagnostics.filter((d) => d.severity === "error"), "no error diagnostics").toEqual([]);
    const expected = loadExpected(path.join(FIXTURES, "reference", f.replace(/\.txt$/, ".json")), expectedShape(r));
    expectFields(expectedShape(r), expected);
  });
});
