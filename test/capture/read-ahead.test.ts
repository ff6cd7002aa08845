/**
 * Reading ahead on a worker thread (src/node/read-ahead.ts): the bytes handed to the scan are the
 * file's, in order, for any read size, across the first part read in place, the ring's wrap and
 * the end of file; and an analysis fed that way is the analysis of the file read in place.
 */
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readAheadSource } from "../../src/node/read-ahead.js";
import { fileSource, loadCoreModule } from "../../src/node/files.js";
import { analyzeCapture } from "../../src/alg/analyze.js";
import { sinkToString, writeFlowsJson } from "../../src/report/flows-json.js";
import { generateBenchCapture } from "../../bench/gen-capture.js";

const dir = mkdtempSync(join(tmpdir(), "alg-verify-readahead-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 6 MiB: the 1 MiB slots of the 4-slot ring are reused; FTP and RTSP sessions included.
const path = join(dir, "bench.pcap");
generateBenchCapture(path, { bytes: 6 << 20, flows: 2000, seed: 7 });
const file = readFileSync(path);

const fail = (text: string) => new Error(`read failed: ${text}`);

/** Reads the whole file through a read-ahead source, `size(i)` bytes asked at the i-th read. */
function readAll(head: number, size: (i: number) => number): Buffer {
  const fd = openSync(path, "r");
  const src = readAheadSource(fd, file.length, fail, head);
  const parts: Buffer[] = [];
  try {
    for (let i = 0; ; i++) {
      const into = new Uint8Array(size(i));
      const n = src.read(into) as number;
      if (n === 0) break;
      parts.push(Buffer.from(into.subarray(0, n)));
    }
  } finally {
    src.close();
  }
  return Buffer.concat(parts);
}

describe("read ahead on a worker thread", () => {
  it("hands over the file's bytes in order for any read size", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return 1 + (seed % 300_000);
    };
    for (const [head, size] of [
      [64 << 10, () => 128 << 10],
      [100_003, () => 4096],
      [1, random],
      [3 << 20, () => 1 << 20],
    ] as [number, (i: number) => number][]) {
      const got = readAll(head, size);
      expect(got.length).toBe(file.length);
      expect(got.equals(file)).toBe(true);
    }
  });

  it("reads a file no longer than the first part in place (no worker)", () => {
    const got = readAll(file.length, () => 128 << 10);
    expect(got.equals(file)).toBe(true);
  });

  it("reports the worker's read error as the file's (a directory cannot be read)", () => {
    const src = readAheadSource(openSync(dir, "r"), 1 << 20, fail, 0);
    try {
      expect(() => src.read(new Uint8Array(4096))).toThrow("read failed: EISDIR");
    } finally {
      src.close();
    }
  });

  it("gives the same analysis as reading in place", async () => {
    const module = await loadCoreModule();
    const report = async (readAhead: boolean) => {
      const src = readAhead ? readAheadSource(openSync(path, "r"), file.length, fail, 256 << 10) : fileSource(path);
      try {
        const { scan, sessions } = await analyzeCapture(module, src, { file: "bench.pcap", profile: "linux" });
        return { json: sinkToString((w) => writeFlowsJson(scan, w, { profile: "linux", sessions })), sessions: sessions.length };
      } finally {
        src.close();
      }
    };
    const inPlace = await report(false);
    const ahead = await report(true);
    expect(inPlace.sessions).toBeGreaterThan(0);
    expect(ahead.json).toBe(inPlace.json);
  });
});
