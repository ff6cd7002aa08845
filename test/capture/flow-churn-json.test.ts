/**
 * `analyze --json` writes its `sessions` (megabytes of JSON on a long capture) a session at a time:
 * the pieces join to exactly what one JSON.stringify of the whole array gave, and no piece is
 * much longer than 64 KiB plus one session.
 */
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import { writeFlowsJson, type Sink } from "../../src/report/flows-json.js";

const capture = new URL("../../pcaps/example/ftp-active-nat-inside.pcap", import.meta.url).pathname;

/** The report with `extra` stringified whole (the form before streaming), flows as written. */
function oneString(pieces: (string | Uint8Array)[], extra: Record<string, unknown>): string {
  const dec = new TextDecoder();
  const text = pieces.map((p) => (typeof p === "string" ? p : dec.decode(p))).join("");
  const head = text.slice(0, text.lastIndexOf("\n]") + 2);
  let tail = "";
  for (const [k, v] of Object.entries(extra)) tail += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  return head + tail + text.slice(text.indexOf(',"stats":', head.length));
}

describe("analyze --json: extra arrays streamed", () => {
  it("joins to JSON.stringify of the array, in bounded pieces, with holes and many sessions", async () => {
    const r = await analyzeFile(capture, { profile: "linux" });
    expect(r.sessions.length).toBeGreaterThan(0);
    // many copies of the real sessions (a long capture), a hole and an undefined member
    const many: unknown[] = [];
    for (let i = 0; i < 3000; i++) many.push(r.sessions[i % r.sessions.length]);
    many[5] = undefined;
    many.length = 3002;
    for (const extra of [{ profile: "linux", sessions: r.sessions }, { profile: "linux", sessions: many }, { sessions: [] }]) {
      const pieces: (string | Uint8Array)[] = [];
      const sink: Sink = (c) => void pieces.push(typeof c === "string" ? c : c.slice());
      writeFlowsJson(r.scan, sink, extra);
      const text = pieces.map((p) => (typeof p === "string" ? p : new TextDecoder().decode(p))).join("");
      expect(text).toBe(oneString(pieces, extra));
      const longest = Math.max(0, ...pieces.filter((p): p is string => typeof p === "string").map((p) => p.length));
      const oneSession = JSON.stringify(r.sessions[0]).length;
      expect(longest).toBeLessThan((1 << 16) + 2 * oneSession + 4096);
    }
  });
});
