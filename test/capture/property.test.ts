/**
 * Properties (fast-check) of the capture core on hostile input:
 *  - random bytes and random mutations of real captures never trap, hang or throw: the scan
 *    ends with a result, and any fatal error is a located diagnostic inside the input;
 *  - how the bytes are chunked never changes the result (flows, counters, diagnostics);
 *  - wasm memory never grows.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCoreModule } from "../../src/node/index.js";
import { scanCapture, type CaptureScan } from "../../src/capture/scan.js";
import { sinkToString, writeFlowsJson } from "../../src/report/flows-json.js";
import { PUBLIC_DIR } from "./manifest.js";
import { chunks } from "../helpers/chunks.js";

let mod: WebAssembly.Module;
beforeAll(async () => {
  mod = await loadCoreModule();
});


async function scan(bytes: Uint8Array, sizes: number[] = [], readBytes?: number): Promise<CaptureScan> {
  return scanCapture(mod, chunks(bytes, sizes), { file: "mem", flowCapLog2: 6, fragCapLog2: 4, windowBytes: 512 << 10, readBytes });
}

function summary(s: CaptureScan) {
  const { feeds: _feeds, ...stats } = s.stats;
  const report = JSON.parse(sinkToString((w) => writeFlowsJson(s, w)));
  delete report.stats.feeds;
  return { info: s.info, stats, diagnostics: s.diagnostics, report };
}

function checkSane(s: CaptureScan, length: number) {
  for (const d of s.diagnostics) {
    if (d.severity === "error") {
      expect(d.offset).toBeGreaterThanOrEqual(0);
      expect(d.offset!).toBeLessThanOrEqual(length);
      expect(s.info.partial).toBe(true);
    }
  }
  expect(s.info.bytes).toBeLessThanOrEqual(length);
  const before = s.memoryBytes;
  expect(s.core!.memoryBytes).toBe(before);
}

const seeds = [
  "suricata-verify/ftp-download-active.pcap",
  "pcapng-test-generator/pcapng-le-test202.pcapng",
  "pcapplusplus/ppp-many-interfaces.pcapng",
  "zeek/zeek-ipv6-fragmented-dns.pcap",
  "zeek/zeek-http-qinq.pcap",
  "tcpdump/tcpdump-pptp-bigendian.pcap",
].map((f) => new Uint8Array(readFileSync(join(PUBLIC_DIR, f))));

describe("hostile input", () => {
  it("random bytes never throw", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        checkSane(await scan(bytes), bytes.length);
      }),
      { numRuns: 300 },
    );
  });

  it("random bytes after a valid pcap or pcapng header never throw", async () => {
    const heads = [seeds[0].subarray(0, 24), seeds[1].subarray(0, 28 + 20)];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...heads), fc.uint8Array({ maxLength: 8192 }), async (head, tail) => {
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        checkSane(await scan(bytes), bytes.length);
      }),
      { numRuns: 300 },
    );
  });

  it("mutations of real captures never throw", async () => {
    const mutation = fc.record({
      seed: fc.nat(seeds.length - 1),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 16 }),
      cut: fc.option(fc.nat()),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ seed, flips, cut }) => {
        const bytes = seeds[seed].slice();
        for (const [at, v] of flips) bytes[at % bytes.length] = v;
        const b = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
        checkSane(await scan(b), b.length);
      }),
      { numRuns: 400 },
    );
  });
});

describe("chunking invariance", () => {
  it("any split of the input gives the same result", async () => {
    const whole = await Promise.all(seeds.map((b) => scan(b).then(summary)));
    await fc.assert(
      fc.asyncProperty(fc.nat(seeds.length - 1), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }), async (i, sizes) => {
        expect(summary(await scan(seeds[i], sizes))).toEqual(whole[i]);
      }),
      { numRuns: 60 },
    );
  });
});
