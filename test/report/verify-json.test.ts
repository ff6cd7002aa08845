/**
 * The streamed `verify --json` writer gives exactly JSON.stringify(report, null, indent) + "\n":
 * on real reports (recorded NAT cases, indented and compact, with --all-mappings) and on values
 * shaped to hit JSON.stringify's corner cases (members without JSON, empty containers, toJSON,
 * line breaks inside strings, nesting below the streamed levels). The same shapes through
 * writeJsonSplit (upper levels opened, the rest one JSON.stringify a value), with values large
 * enough to be opened below the report's members, toJSON called with the member's key, boxed
 * primitives, holes, cycles and BigInts.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { runVerify } from "../../src/node/verify-run.js";
import { INLINE_ITEMS, writeJsonSplit, writeVerifyJson } from "../../src/report/verify-json.js";
import { JSON_CHUNK, writeJson } from "../../src/report/json-pieces.js";

const repo = join(import.meta.dirname, "../..");

function collect(run: (write: (chunk: Uint8Array) => void) => void): { text: string; pieces: number } {
  const dec = new TextDecoder();
  let text = "";
  let pieces = 0;
  run((c) => {
    text += dec.decode(c, { stream: true });
    pieces++;
  });
  return { text: text + dec.decode(), pieces };
}

describe("writeJson", () => {
  const shapes: unknown[] = [
    {},
    [],
    null,
    "a\nb",
    42,
    { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol("s")], d: {}, e: [], f: [[]], g: [{}] },
    { nested: { deeper: { deepest: { x: [1, { y: "z\n" }] } } }, list: [[1, [2, [3]]], { k: { l: { m: [] } } }] },
    { when: new Date(0), inner: { when: new Date(1), list: [new Date(2)] } },
    { "weird \"key\"\n": 1, 0: "numeric key first", s: "\u2028\u00e9" },
    [1, "two", null, true, { three: [3] }],
  ];
  it.each(shapes.map((v, i) => [i, v]))("shape %i equals JSON.stringify, indented and compact", (_i, v) => {
    for (const indent of [2, undefined]) {
      expect(collect((w) => writeJson(v, w, { indent, newline: true })).text).toBe(JSON.stringify(v, null, indent) + "\n");
    }
  });

  it("hands a long array over in several pieces", () => {
    const v = { sessions: Array.from({ length: 5000 }, (_, i) => ({ id: i, text: "x".repeat(40) })) };
    const { text, pieces } = collect((w) => writeJson(v, w, { indent: 2, newline: true }));
    expect(text).toBe(JSON.stringify(v, null, 2) + "\n");
    expect(pieces).toBeGreaterThan(3);
  });
});

describe("writeJsonSplit", () => {
  class Plain {
    a = [1];
  }
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ i, l: [i, { z: [i, "x\ny"] }] }));
  const shapes: unknown[] = [
    {},
    [],
    null,
    "a\nb",
    42,
    { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol("s")], d: {}, e: [], f: [[]], g: [{}] },
    { nested: { deeper: { deepest: { x: [1, { y: "z\n" }] } } }, list: [[1, [2, [3]]], { k: { l: { m: [] } } }] },
    { when: new Date(0), inner: { when: new Date(1), list: [new Date(2)] } },
    { "weird \"key\"\n": 1, 0: "numeric key first", s: "\u2028\u00e9\ud800" },
    [1, "two", null, true, { three: [3] }],
    // toJSON: called with the member's key (an index as a string), undefined leaves the member out / null
    { t: { toJSON: (k: string) => `key=${k}` }, u: { toJSON: () => undefined }, v: [{ toJSON: (k: string) => ({ k, deep: [1, { x: 2 }] }) }, { toJSON: () => undefined }] },
    // below the members: an array over INLINE_ITEMS opened, an object holding more items two levels down opened, smaller ones whole
    { big: many(INLINE_ITEMS + 1), small: many(3), mid: { s: [{ n: Array.from({ length: INLINE_ITEMS * 2 }, (_, i) => i) }] } },
    { sessions: [{ negotiations: many(INLINE_ITEMS + 5), sip: { messages: many(INLINE_ITEMS + 1) } }, { negotiations: many(2) }] },
    { boxed: [new Number(3), new String("s"), new Boolean(false)], inst: new Plain(), bare: Object.assign(Object.create(null) as object, { x: [1] }) },
    // eslint-disable-next-line no-sparse-arrays
    { holes: [1, , 3], sparse: Object.assign([], { 5: 1 }), nums: [NaN, -0, Infinity, 1e21, 0.1] },
  ];
  it.each(shapes.map((v, i) => [i, v]))("shape %i equals JSON.stringify, indented by 2 and 4 and compact", (_i, v) => {
    for (const indent of [2, 4, undefined]) {
      expect(collect((w) => writeJsonSplit(v, w, indent)).text).toBe(JSON.stringify(v, null, indent) + "\n");
    }
  });

  it("throws JSON.stringify's TypeError on a cycle, through an opened level or below it, and on a BigInt", () => {
    const up: { a: object[] } = { a: [{}] };
    (up.a[0] as { back?: object }).back = up;
    const below: { a: { b: { c?: object } } } = { a: { b: {} } };
    below.a.b.c = below.a;
    for (const v of [up, below, { a: { b: 1n } }]) expect(() => collect((w) => writeJsonSplit(v, w, 2))).toThrow(TypeError);
  });

  it("equals JSON.stringify on random values, arrays long enough to be opened among them (fast-check)", () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string({ unit: "binary" }), fc.date({ noInvalidDate: true })),
      node: fc.oneof({ depthSize: "small" }, tie("leaf"), fc.array(tie("node"), { maxLength: 5 }), fc.sparseArray(tie("node"), { maxLength: 6 }),
        fc.dictionary(fc.string({ unit: "binary" }), tie("node"), { maxKeys: 5 }), fc.array(fc.integer(), { minLength: INLINE_ITEMS - 2, maxLength: INLINE_ITEMS + 2 })),
    })).node;
    fc.assert(fc.property(value, fc.constantFrom(undefined, 2, 3), (v, indent) => {
      if (v === undefined) return;
      expect(collect((w) => writeJsonSplit(v, w, indent)).text).toBe(JSON.stringify(v, null, indent) + "\n");
    }), { numRuns: 300, seed: 13 });
  });

  it("opens a session too large to be one piece: its text never held whole, chunks of bounded size", () => {
    const v = { sessions: [{ alg: "sip", negotiations: many(20_000) }] };
    let largest = 0;
    const dec = new TextDecoder();
    let text = "";
    let pieces = 0;
    writeJsonSplit(v, (c) => {
      largest = Math.max(largest, c.length);
      text += dec.decode(c, { stream: true });
      pieces++;
    }, 2);
    expect(text + dec.decode()).toBe(JSON.stringify(v, null, 2) + "\n");
    expect(pieces).toBeGreaterThan(10);
    expect(largest).toBeLessThanOrEqual(2 * JSON_CHUNK);
  });

  it("hands a long report over in several pieces", () => {
    const v = { sessions: many(20_000) };
    const { text, pieces } = collect((w) => writeJsonSplit(v, w, 2));
    expect(text).toBe(JSON.stringify(v, null, 2) + "\n");
    expect(pieces).toBeGreaterThan(3);
  });
});

describe("writeVerifyJson on recorded NAT cases", () => {
  const cases = ["ftp-active-masquerade", "rtsp-udp-nat", "sip-udp-alg"];
  it.each(cases)("%s: as JSON.stringify, indented, and compact with --all-mappings over 1000", async (name) => {
    const inside = join(repo, "pcaps/nat", name, "inside.pcap");
    const outside = join(repo, "pcaps/nat", name, "outside.pcap");
    const report = await runVerify({ inside, outside }, { parallel: false, allMappings: true });
    expect(report.sessions.length).toBeGreaterThan(0);
    expect(collect((w) => writeVerifyJson(report, w)).text).toBe(JSON.stringify(report, null, 2) + "\n");
    // More mappings than VERIFY_JSON_INDENT_MAPPINGS: written compact, as the CLI did.
    const many = { ...report, nat: { ...report.nat, mappings: Array.from({ length: 1001 }, () => report.nat.mappings[0]) } };
    expect(collect((w) => writeVerifyJson(many, w)).text).toBe(JSON.stringify(many) + "\n");
  });
});
