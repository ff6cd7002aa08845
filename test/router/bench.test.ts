/** The benchmark's generated dumps are valid input (a benchmark over diagnostics would measure the wrong thing). */
import { describe, expect, test } from "vitest";
import { generateConntrack, generateConversations, generateSyslogStray, runRouterBench } from "../../bench/router.bench.js";
import { parseRouterText } from "../../src/router/index.js";

describe("router bench inputs", () => {
  test("the conversation dump parses to its flows with no diagnostic", () => {
    const r = parseRouterText(generateConversations(2000), "c");
    expect(r.diagnostics).toEqual([]);
    expect(r.flows).toHaveLength(2000);
    expect(r.flows.every((f) => f.nat.length === 1 && f.alg === "ftp")).toBe(true);
  });
  test("the conntrack dump parses to its entries with no diagnostic", () => {
    const r = parseRouterText(generateConntrack(5000), "t");
    expect(r.diagnostics).toEqual([]);
    expect(r.flows).toHaveLength(5000);
    expect(r.flows.filter((f) => f.alg === "ftp")).toHaveLength(500);
    expect(r.documents[0]).toMatchObject({ format: "conntrack", shown: 5000 });
  });
  test("the syslog flood is one event and bounded diagnostics", () => {
    const r = parseRouterText(generateSyslogStray(1500), "s");
    expect(r.events).toHaveLength(1);
    expect(r.diagnostics.at(-1)).toMatchObject({ code: "diagnostic_limit", count: 500 });
  });
  test("runRouterBench reports figures for every input", async () => {
    const res = await runRouterBench({ iterations: 1, flows: 400, conntrackLines: 1000, syslogLines: 1500 });
    expect(res.map((r) => r.name)).toEqual(["junos-conversations-100k", "conntrack-100k", "conntrack-1M", "conntrack-1M-objects", "conntrack-100k-json", "conntrack-1M-json", "conntrack-100k-json-stream", "conntrack-1M-json-stream", "conntrack-100k-text", "conntrack-1M-text", "syslog-stray-200k"]);
    for (const r of res) {
      expect(r.bytes).toBeGreaterThan(0);
      expect(r.mbPerSec).toBeGreaterThan(0);
      expect(r.linesPerSec).toBeGreaterThan(r.mbPerSec);
    }
  });
});
