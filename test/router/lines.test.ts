/** The line index and the code-unit window the big parsers read instead of line strings. */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { CodeWindow, Lines, splitLines } from "../../src/router/lines.js";
import { splitParts } from "../../src/router/detect.js";
import { fixturePath, rawCases, read } from "./helpers.js";

const texty = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.array(fc.constantFrom("a", "b c", "\n", "\r\n", "\r", "", "é", "☃", "\u0120", "\u2028", "  "), { maxLength: 40 }).map((a) => a.join("")),
);

describe("Lines", () => {
  test("get(i) and length are those of splitLines; end(i) is where the line stops", () => {
    fc.assert(fc.property(texty, (s) => {
      const want = splitLines(s);
      const lines = new Lines(s);
      expect(lines.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        expect(lines.get(i)).toBe(want[i]);
        expect(s.slice(lines.starts[i]!, lines.end(i))).toBe(want[i]);
      }
      expect(lines.get(-1)).toBe("");
      expect(lines.get(want.length)).toBe("");
    }), { numRuns: 500 });
  });
  test("splitParts gives the same parts for a Lines and for the array of lines", () => {
    for (const c of rawCases()) {
      const text = read(fixturePath(`${c}.raw`));
      expect(splitParts(new Lines(text)), c).toEqual(splitParts(splitLines(text)));
    }
  });
  test("a conversation header line holding a marker of another format is still classified by every marker", () => {
    // `src=…dst=…` makes it a conntrack line, so the conversation list ends before it
    const parts = splitParts(splitLines("TCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1\nConversation: ALG protocol: ftp src=1 dst=2\n"));
    expect(parts.map((p) => p.format)).toEqual(["junos-conversations", "conntrack"]);
    const plain = splitParts(splitLines("TCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1\nConversation: ALG protocol: ftp\n  Number of initiators: 1, Number of responders: 0\n"));
    expect(plain.map((p) => [p.format, p.start, p.end])).toEqual([["junos-conversations", 0, 4]]);
  });
});

describe("CodeWindow", () => {
  test("codes[k - base] is text.charCodeAt(k) for every covered range, ASCII or not, across window edges", () => {
    const big = "x".repeat(70000) + "é" + "y".repeat(70000) + "\u2603z";
    const win = new CodeWindow(big);
    const ranges: [number, number][] = [[0, 10], [65530, 65540], [69990, 70010], [70001, 140002], [139990, big.length], [5, 5], [0, big.length]];
    for (const [s, e] of ranges) {
      win.cover(s, e);
      expect(win.base).toBeLessThanOrEqual(s);
      expect(win.end).toBeGreaterThanOrEqual(e);
      for (let k = s; k < e; k += Math.max(1, ((e - s) / 97) | 0)) expect(win.codes[k - win.base], `offset ${k}`).toBe(big.charCodeAt(k));
    }
  });
  test("random texts and ranges", () => {
    fc.assert(fc.property(texty, fc.nat(), fc.nat(), (s, a, b) => {
      const win = new CodeWindow(s);
      const x = s.length ? a % (s.length + 1) : 0, y = s.length ? b % (s.length + 1) : 0;
      const [from, to] = x <= y ? [x, y] : [y, x];
      win.cover(from, to);
      for (let k = from; k < to; k++) expect(win.codes[k - win.base]).toBe(s.charCodeAt(k));
    }), { numRuns: 300 });
  });
});
