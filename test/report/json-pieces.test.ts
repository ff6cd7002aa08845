/**
 * json-pieces.ts writes the UTF-8 bytes of JSON.stringify(value, null, indent): checked on the
 * corner cases JSON.stringify defines (holes, members without JSON, toJSON with its key, boxed
 * primitives, non-finite numbers and -0, escapes, lone surrogates, characters of 2–4 bytes split
 * between chunks), on random values (fast-check), with tiny chunks, and on what it refuses
 * (BigInt, cycles) — with the same errors as JSON.stringify.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { jsonChunks, jsonText } from "../../src/report/json-pieces.js";

const INDENTS = [undefined, 0, 2, 4, 10, 12];

/** jsonText for every indent (and with newline) equals JSON.stringify. */
function expectLikeStringify(v: unknown, chunk?: number): void {
  for (const indent of INDENTS) {
    expect(jsonText(v, { indent, chunk })).toBe(JSON.stringify(v, null, indent));
  }
  expect(jsonText(v, { indent: 2, newline: true, chunk })).toBe(JSON.stringify(v, null, 2) + "\n");
}

describe("jsonChunks equals JSON.stringify", () => {
  it("fills holes of a sparse array with null, as JSON.stringify (Array.prototype.map would skip them)", () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3, , ,];
    const big: unknown[] = [];
    big[5] = { a: 1 };
    big.length = 9;
    for (const v of [sparse, big, new Array(4), { list: sparse, nested: [[, 1], [2, ,]] }]) expectLikeStringify(v);
    expect(jsonText(sparse)).toBe("[1,null,3,null,null]");
  });

  it("leaves out object members without JSON, writes null for such array members", () => {
    const v = { a: undefined, b: () => 1, c: Symbol("s"), d: [undefined, () => 1, Symbol("t")], e: 1, [Symbol("k")]: 2 };
    expectLikeStringify(v);
    expect(jsonText(v)).toBe('{"d":[null,null,null],"e":1}');
    expectLikeStringify({ only: undefined });
    expectLikeStringify([{ only: undefined }, {}]);
  });

  it("nests objects and arrays to any depth without recursion", () => {
    let deep: unknown = "leaf";
    for (let k = 0; k < 20_000; k++) deep = k % 2 ? [deep] : { k: deep };
    const text = jsonText(deep);
    expect(text.length).toBeGreaterThan(60_000);
    expect(text.startsWith('[{"k":[{"k":')).toBe(true);
    expectLikeStringify({ a: { b: { c: { d: [1, { e: [[], {}, [[{}]]] }] } } }, z: [] });
  });

  it("calls toJSON with the member's key or index, and unwraps Number, String and Boolean objects", () => {
    const keys: string[] = [];
    const probe = { toJSON(key: string) { keys.push(key); return { key }; } };
    const v = { when: new Date(0), probe, list: [new Date(1), probe], boxed: [Object(1), Object("s"), Object(false)], undef: { toJSON: () => undefined } };
    expectLikeStringify(v);
    keys.length = 0;
    jsonText(v);
    expect(keys).toEqual(["probe", "1"]);
    expect(jsonText(probe)).toBe('{"key":""}');
  });

  it("writes numbers as JSON.stringify: -0 as 0, NaN and infinities as null", () => {
    expectLikeStringify([0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1.5, 1e21, 1e-7, 123456789.123, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE]);
  });

  it("escapes strings and keys as JSON.stringify, and encodes them as UTF-8", () => {
    const controls = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join("");
    const v = {
      controls, quotes: 'a"b\\c/d', del: "\u007f", latin: "é ñ ü", bmp: "€ \u2028 \u2029 中文", astral: "😀 𝄞",
      lone: ["\ud800", "\udfff", "a\ud800b", "\udc00\ud800", "😀".slice(0, 1)], "key \"quoted\"\n": 1, "é": 2,
    };
    expectLikeStringify(v);
    const bytes = Buffer.concat(Array.from(jsonChunks(v, { indent: 2 }), (c) => Buffer.from(c)));
    expect(bytes.equals(Buffer.from(JSON.stringify(v, null, 2), "utf8"))).toBe(true);
  });

  it("hands a long value over in chunks of about the chunk size, each whole UTF-8", () => {
    const v = { rows: Array.from({ length: 3000 }, (_, i) => ({ i, s: "😀é€".repeat(i % 7) })) };
    const fatal = new TextDecoder("utf-8", { fatal: true });
    const chunks = Array.from(jsonChunks(v, { chunk: 256 }), (c) => fatal.decode(c));
    expect(chunks.length).toBeGreaterThan(100);
    expect(chunks.join("")).toBe(JSON.stringify(v));
    for (const c of chunks.slice(0, -1)) expect(Buffer.byteLength(c)).toBeGreaterThanOrEqual(256);
    expectLikeStringify(v, 64);
    // one string longer than the buffer
    expectLikeStringify({ long: "x\n😀".repeat(100_000) }, 64);
  });

  it("writes a listed member from its iterable, only at the depths asked", () => {
    const report = { a: 1, records: "(lazy)", inner: { records: "(lazy)" } };
    const of = (obj: object, key: string) => (key === "records" ? [1, 2, 3].values() : undefined);
    expect(jsonText(report, { lists: { depth: 0, of } })).toBe('{"a":1,"records":[1,2,3],"inner":{"records":"(lazy)"}}');
    expect(jsonText(report, { lists: { depth: 1, of } })).toBe('{"a":1,"records":[1,2,3],"inner":{"records":[1,2,3]}}');
    const empty = () => [].values();
    expect(jsonText(report, { indent: 2, lists: { depth: 0, of: (o, k) => (k === "records" ? empty() : undefined) } })).toBe(JSON.stringify({ ...report, records: [] }, null, 2));
  });

  it("closes a listed member's iterator when the chunks are left early", () => {
    let closed = 0;
    function* records() {
      try {
        for (let i = 0; i < 100_000; i++) yield { i, s: "x".repeat(20) };
      } finally {
        closed++;
      }
    }
    const it = jsonChunks({ records: null }, { chunk: 256, lists: { depth: 0, of: () => records() } });
    it.next();
    it.next();
    it.return(undefined);
    expect(closed).toBe(1);
  });

  it("throws as JSON.stringify on a BigInt and on a cycle, and refuses a value without JSON", () => {
    const cyclic: Record<string, unknown> = { a: [1] };
    (cyclic.a as unknown[]).push(cyclic);
    expect(() => JSON.stringify(cyclic)).toThrow(TypeError);
    expect(() => jsonText(cyclic)).toThrow(/circular/);
    expect(() => jsonText({ n: 1n })).toThrow(/BigInt/);
    expect(() => jsonText(undefined)).toThrow(TypeError);
    // the same object twice, not nested in itself, is no cycle
    const shared = { x: 1 };
    expectLikeStringify({ a: shared, b: [shared, shared] });
  });

  it("equals JSON.stringify on random JSON values and objects with holes and undefined (fast-check)", () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string({ unit: "binary" }), fc.date({ noInvalidDate: true })),
      node: fc.oneof({ depthSize: "small" }, tie("leaf"), fc.array(tie("node"), { maxLength: 5 }), fc.sparseArray(tie("node"), { maxLength: 6 }), fc.dictionary(fc.string({ unit: "binary" }), tie("node"), { maxKeys: 5 })),
    })).node;
    fc.assert(fc.property(value, fc.constantFrom(undefined, 2, 3), fc.integer({ min: 64, max: 512 }), (v, indent, chunk) => {
      if (v === undefined) return;
      expect(jsonText(v, { indent, chunk })).toBe(JSON.stringify(v, null, indent));
    }), { numRuns: 200, seed: 13 });
  });
});
