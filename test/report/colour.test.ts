/**
 * Terminal colour (src/report/colour.ts): when (NO_COLOR, FORCE_COLOR, a terminal) and what (the
 * verdict, the severities; esbuild-style diagnostic lines in pieces cut anywhere).
 */
import { describe, expect, it } from "vitest";
import { colourWanted, diagnosticLinePainter, palette, PLAIN, stripColour } from "../../src/report/colour.js";

describe("colourWanted", () => {
  it("a terminal: colour unless NO_COLOR is set to anything non-empty", () => {
    expect(colourWanted(true, {})).toBe(true);
    expect(colourWanted(true, { NO_COLOR: "1" })).toBe(false);
    expect(colourWanted(true, { NO_COLOR: "0" })).toBe(false);
    // An empty NO_COLOR is no request (no-color.org).
    expect(colourWanted(true, { NO_COLOR: "" })).toBe(true);
  });

  it("no terminal: no colour unless FORCE_COLOR is set to something but 0/false; NO_COLOR wins", () => {
    expect(colourWanted(false, {})).toBe(false);
    expect(colourWanted(undefined, {})).toBe(false);
    for (const v of ["1", "2", "3", "true", ""]) expect(colourWanted(false, { FORCE_COLOR: v }), v).toBe(true);
    for (const v of ["0", "false"]) {
      expect(colourWanted(false, { FORCE_COLOR: v }), v).toBe(false);
      // FORCE_COLOR=0 turns it off on a terminal too.
      expect(colourWanted(true, { FORCE_COLOR: v }), v).toBe(false);
    }
    expect(colourWanted(false, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
    expect(colourWanted(true, { FORCE_COLOR: "1", NO_COLOR: "yes" })).toBe(false);
  });
});

describe("palette", () => {
  it("verdicts: PASS green, FAIL red, INCONCLUSIVE yellow, bold; unknown words unpainted", () => {
    const p = palette(true);
    expect(p.verdict("pass")).toBe("\x1b[1m\x1b[32mPASS\x1b[0m");
    expect(p.verdict("fail")).toBe("\x1b[1m\x1b[31mFAIL\x1b[0m");
    expect(p.verdict("inconclusive")).toBe("\x1b[1m\x1b[33mINCONCLUSIVE\x1b[0m");
    expect(p.verdict("pass", "pass")).toBe("\x1b[1m\x1b[32mpass\x1b[0m");
    expect(p.verdict("maybe")).toBe("MAYBE");
  });

  it("severities: error red, warning yellow, info cyan", () => {
    const p = palette(true);
    expect(p.severity("error", "error[x]")).toBe("\x1b[31merror[x]\x1b[0m");
    expect(p.severity("warning")).toBe("\x1b[33mwarning\x1b[0m");
    expect(p.severity("info")).toBe("\x1b[36minfo\x1b[0m");
    expect(stripColour(p.severity("error", "e") + p.verdict("pass"))).toBe("ePASS");
  });

  it("PLAIN changes nothing", () => {
    expect(PLAIN.verdict("fail")).toBe("FAIL");
    expect(PLAIN.severity("error", "error[x]")).toBe("error[x]");
    expect(palette(false)).toBe(PLAIN);
  });
});

describe("diagnosticLinePainter", () => {
  const text = "ct.txt:3:1: error: not a conntrack line [bad_line]\n    x\n    ^\n  TCP 1.2.3.4:5 -> 6.7.8.9:10: warning: not a diagnostic\nct.txt:9: warning: odd [w]\n";
  it("paints the severity of diagnostic lines only, whatever the pieces", () => {
    for (const cut of [1, 7, 40, 1000]) {
      let out = "";
      const w = diagnosticLinePainter(palette(true), (s) => (out += s));
      for (let i = 0; i < text.length; i += cut) w.write(text.slice(i, i + cut));
      w.flush();
      expect(stripColour(out)).toBe(text);
      expect(out).toContain("ct.txt:3:1: \x1b[31merror\x1b[0m: not a conntrack line [bad_line]\n");
      expect(out).toContain("ct.txt:9: \x1b[33mwarning\x1b[0m: odd [w]\n");
      // An indented line that is no diagnostic stays as it was.
      expect(out).toContain("  TCP 1.2.3.4:5 -> 6.7.8.9:10: warning: not a diagnostic\n");
    }
  });

  it("a last line without its newline is written by flush; PLAIN passes pieces through", () => {
    let out = "";
    const w = diagnosticLinePainter(palette(true), (s) => (out += s));
    w.write("f:1: info: i [c]");
    expect(out).toBe("");
    w.flush();
    expect(out).toBe("f:1: \x1b[36minfo\x1b[0m: i [c]");
    const pieces: string[] = [];
    const plain = diagnosticLinePainter(PLAIN, (s) => pieces.push(s));
    plain.write("f:1: error: e [c]");
    expect(pieces).toEqual(["f:1: error: e [c]"]);
  });
});
