/**
 * Classic pcap framing against pcap-parser (a second, independent oracle): for every classic
 * pcap it can read, the record count, each record's timestamp and lengths, and each record's
 * file offset agree. Our side is the per-record tap of the wasm core (CoreOptions.onRecords).
 */
import { createReadStream } from "node:fs";
import { expect, it } from "vitest";
import pcapParser from "pcap-parser";
import { loadCoreModule } from "../../src/node/index.js";
import { scanCapture } from "../../src/capture/scan.js";
import { fileSource } from "../../src/node/index.js";
import type { RecordInfo } from "../../src/wasm/core.js";
import { manifest } from "./manifest.js";

interface Rec {
  sec: number;
  usec: number;
  caplen: number;
  origLen: number;
}

function parseWithPcapParser(path: string): Promise<Rec[] | Error> {
  return new Promise((resolve) => {
    const recs: Rec[] = [];
    const parser = pcapParser.parse(createReadStream(path));
    let failed: Error | undefined;
    parser.on("packet", (p: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number } }) => {
      recs.push({ sec: p.header.timestampSeconds, usec: p.header.timestampMicroseconds, caplen: p.header.capturedLength, origLen: p.header.originalLength });
    });
    parser.on("error", (e: Error) => (failed = e));
    parser.on("end", () => resolve(failed ?? recs));
  });
}

const classic = manifest().filter((e) => e.format.startsWith("pcap v") && !e.corrupt);

it("pcap-parser reads most classic captures (the oracle is really exercised)", async () => {
  let read = 0;
  for (const e of classic) if (!((await parseWithPcapParser(e.path)) instanceof Error)) read++;
  expect(read).toBeGreaterThan(30);
});

for (const e of classic) {
  it(`framing equals pcap-parser: ${e.file}`, async () => {
    const theirs = await parseWithPcapParser(e.path);
    if (theirs instanceof Error) {
      // pcap-parser knows only the microsecond magic.
      expect(e.format).toMatch(/nanosecond/);
      return;
    }
    const ours: RecordInfo[] = [];
    const src = fileSource(e.path);
    // A tiny read size forces records to straddle reads.
    await scanCapture(await loadCoreModule(), src, { file: e.path, flowCapLog2: 8, readBytes: 4096, onRecords: (r) => ours.push(...r) });
    src.close();
    expect(ours.length).toBe(theirs.length);
    let offset = 24;
    ours.forEach((r, i) => {
      const t = theirs[i];
      expect(r.packet).toBe(i + 1);
      expect(r.offset).toBe(offset);
      expect(r.ts).toBe(BigInt(t.sec) * 1_000_000_000n + BigInt(t.usec) * 1000n);
      expect(r.caplen).toBe(t.caplen);
      expect(r.origLen).toBe(t.origLen);
      offset += 16 + r.caplen;
    });
  });
}
