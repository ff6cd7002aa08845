/**
 * Self-test of the benchmark generator and the JS baseline decoder: the decoder must find exactly
 * the packets and distinct flows the generator reports, whatever the chunk size (tail carry), for
 * both pcap; tshark (when present) must agree on frames and conversations.
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBenchCapture, parseSize, type BenchCaptureResult } from "../../bench/gen-capture.js";
import { JsFlowDecoder } from "../../bench/js-decoder.js";
import { LinkType, ethernet, ipv4, tcp, writePcap } from "../helpers/pcap-writer.js";
import { describeWithTshark, tsharkConversations, tsharkPacketCount } from "../helpers/tshark.js";

let dir: string;
let file: string;
let res: BenchCaptureResult;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "alg-verify-bench-"));
  file = path.join(dir, "bench.pcap");
  res = generateBenchCapture(file, { bytes: 3_000_000, flows: 2000, seed: 3 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function decode(bytes: Uint8Array, chunk: number): JsFlowDecoder {
  const d = new JsFlowDecoder(14);
  for (let o = 0; o < bytes.length; o += chunk) d.feed(bytes.subarray(o, Math.min(bytes.length, o + chunk)));
  d.finish();
  return d;
}

describe("bench generator + JS decoder", () => {
  it("parses sizes", () => {
    expect(parseSize("1G")).toBe(2 ** 30);
    expect(parseSize("512M")).toBe(512 * 2 ** 20);
    expect(parseSize("100")).toBe(100);
  });

  it("is deterministic and reaches the requested size", () => {
    const f2 = path.join(dir, "again.pcap");
    expect(generateBenchCapture(f2, { bytes: 3_000_000, flows: 2000, seed: 3 })).toEqual(res);
    expect(fs.readFileSync(f2).equals(fs.readFileSync(file))).toBe(true);
    expect(res.bytes).toBe(fs.statSync(file).size);
    expect(res.bytes).toBeGreaterThanOrEqual(3_000_000);
  });

  it.each([1 << 20, 65536, 1517, 7])("decoder finds the generator's packets and flows (chunk %i)", (chunk) => {
    const d = decode(new Uint8Array(fs.readFileSync(file)), chunk);
    expect(d.stats.packets).toBe(res.packets);
    expect(d.stats.flows).toBe(res.flows);
    expect(d.stats.malformed + d.stats.nonIp + d.stats.tableFull + d.stats.truncated).toBe(0);
  });

  it("decoder: big-endian ns pcap, VLAN/QinQ keys, direction accounting", () => {
    const syn = (src: string, dst: string, sp: number, dp: number, flags: { syn?: boolean; ack?: boolean }) =>
      ipv4({ src, dst, proto: 6, payload: tcp({ srcPort: sp, dstPort: dp, seq: 1, ack: 0, flags }) });
    const a = syn("10.0.0.1", "10.0.0.2", 1000, 80, { syn: true });
    const b = syn("10.0.0.2", "10.0.0.1", 80, 1000, { syn: true, ack: true });
    const recs = [
      ethernet({ etherType: 0x0800, payload: a }),
      ethernet({ etherType: 0x0800, payload: b }),
      ethernet({ etherType: 0x0800, vlans: [{ vid: 5 }], payload: a }),
      ethernet({ etherType: 0x0800, vlans: [{ tpid: 0x88a8, vid: 5 }, { vid: 6 }], payload: b }),
    ].map((data, i) => ({ ts: BigInt(i), data }));
    const bytes = writePcap(recs, { linkType: LinkType.ETHERNET, bigEndian: true, nanosecond: true });
    const d = decode(bytes, 5);
    expect(d.stats.flows).toBe(3);
    const seen: number[][] = [];
    d.forEachFlow((_s, p0, p1, b0, b1, first, last) => seen.push([p0, p1, b0, b1, first, last]));
    expect(seen.sort()).toEqual([[1, 0, a.length, 0, 3, 3], [1, 0, b.length, 0, 4, 4], [1, 1, a.length, b.length, 1, 2]].sort());
  });
});

describeWithTshark("bench capture vs tshark", () => {
  it("frames and conversations match the generator", () => {
    expect(tsharkPacketCount(file)).toBe(res.packets);
    const n = tsharkConversations(file, "tcp").length + tsharkConversations(file, "udp").length;
    expect(n).toBe(res.flows);
  });
});
