/**
 * paramOf (one parameter, no map) must answer as parseParams(text).get(name) does — the last of
 * repeated names, "" without '=', quotes removed, names in any case, blanks around — and
 * splitValues' one-value shortcut as the full scan: over every short combination of the
 * characters that matter (deterministic, ~50 000 texts).
 */
import { describe, expect, it } from "vitest";
import { paramOf, parseParams, splitValues } from "../../src/alg/sip-parse.js";

const PIECES = [";", "=", " ", "\t", '"', "\u00a0", "\u20ac", "r", "T", "tag", "TaG", "rport", "received", "branch", "expires", ",", "<", ">", "\\", "5060", "x"];

function* texts(): Generator<string> {
  let seed = 12345;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  for (let i = 0; i < 50_000; i++) {
    let t = "";
    for (let k = rnd(12); k > 0; k--) t += PIECES[rnd(PIECES.length)];
    yield t;
  }
}

describe("SIP parameter lookup without a map", () => {
  it("paramOf equals parseParams().get for the names the parsers ask for", () => {
    let mismatches = 0;
    let found = 0;
    for (const t of texts()) {
      const all = parseParams(t);
      for (const name of ["tag", "rport", "received", "branch", "expires"]) {
        const v = paramOf(t, name);
        if (v !== all.get(name)) mismatches++;
        if (v !== undefined) found++;
      }
    }
    expect(mismatches).toBe(0);
    expect(found).toBeGreaterThan(3000); // the texts do hold the parameters
  });

  it("examples", () => {
    expect(paramOf(' ;TAG = "a;b" ; tag=x2', "tag")).toBe("x2");
    expect(paramOf(";rport;branch=z9hG4bK1", "rport")).toBe("");
    expect(paramOf(";rport=5060", "rport")).toBe("5060");
    expect(paramOf(';tag="q"', "tag")).toBe("q");
    expect(paramOf(";tagx=1;xtag=2", "tag")).toBeUndefined();
    expect(splitValues("  <sip:a@b>  ")).toEqual(["<sip:a@b>"]);
    expect(splitValues("   ")).toEqual([]);
  });
});
