/**
 * The streamed `verify --json` writer gives exactly JSON.stringify(report, null, indent) + "\n":
 * on real reports (recorded NAT cases, indented and compact, with --all-mappings) and on values
 * shaped to hit JSON.stringify's corner cases (members without JSON, empty containers, toJSON,
 * line breaks inside strings, nesting below the streamed levels).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runVerify } from "../../src/node/verify-run.js";
import { writeVerifyJson } from "../../src/report/verify-json.js";
import { writeJson } from "../../src/report/json-pieces.js";

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
