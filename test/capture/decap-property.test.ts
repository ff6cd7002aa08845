/**
 * Properties (fast-check) of decapsulation and reassembly on hostile input: the generated tunnel
 * and fragment captures (pcaps/make/decap-cases.ts, reasm-cases.ts) with random bytes changed
 * (tunnel headers, inner headers, fragment offsets and flags alike) never trap or throw, wasm memory
 * never grows, and how the bytes are chunked never changes the flows, counters or diagnostics.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCoreModule } from "../../src/node/index.js";
import { analyzeCapture } from "../../src/alg/analyze.js";
import { sinkToString, writeFlowsJson } from "../../src/report/flows-json.js";
import { decapCases } from "../../pcaps/make/decap-cases.js";
import { reasmCases } from "../../pcaps/make/reasm-cases.js";
import { chunks } from "../helpers/chunks.js";

let mod: WebAssembly.Module;
beforeAll(async () => {
  mod = await loadCoreModule();
});

const inputs = [...decapCases().map((c) => c.pcap), ...reasmCases().map((c) => c.pcap)];

async function run(bytes: Uint8Array, sizes: number[]) {
  const r = await analyzeCapture(mod, chunks(bytes, sizes), { file: "mem", flowCapLog2: 6, fragCapLog2: 4, reasmDatagrams: 2, windowBytes: 512 << 10 });
  const { feeds: _feeds, ...stats } = r.scan.stats;
  const memory = r.scan.memoryBytes;
  const report = JSON.parse(sinkToString((w) => writeFlowsJson(r.scan, w)));
  delete report.stats.feeds; // how many feed() calls it took is the one thing chunking changes
  return { report, stats, sessions: r.sessions.length, memory };
}

describe("tunnels and fragments, mutated", () => {
  it("never throw, and give the same result in any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: inputs.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 4 }),
        async (which, flips, sizes) => {
          const bytes = inputs[which]!.slice();
          // Leave the 24-byte pcap header alone: the point is the packets.
          for (const [at, v] of flips) bytes[24 + (at % (bytes.length - 24))] = v;
          const whole = await run(bytes, []);
          const split = await run(bytes, sizes);
          expect(split.report).toEqual(whole.report);
          expect(split.stats).toEqual(whole.stats);
          expect(split.sessions).toBe(whole.sessions);
          expect(split.memory).toBe(whole.memory);
        },
      ),
      { numRuns: 60 },
    );
  });
});
