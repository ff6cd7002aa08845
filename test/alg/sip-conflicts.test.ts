/**
 * SIP over TCP, a segment sent again with other bytes (TcpConflict): analyze marks the message it
 * falls in (retransmissionDiffers, the first conflict's packet), and past SIP_CONFLICTS_KEPT
 * conflicts the rest are counted, not placed (sip_conflicts_not_placed). The capture is
 * pcaps/alg/sip-tcp-split.pcap with one of its SIP segments sent again, after itself, as many
 * times as asked, one byte of its payload changed in each copy.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { frames } from "../../bench/fuzz/corpus.js";
import { ipPackets } from "../../bench/fuzz/mutate.js";
import { analyzeCapture } from "../../src/alg/analyze.js";
import { SIP_CONFLICTS_KEPT } from "../../src/alg/sip.js";
import { loadCoreModule } from "../../src/node/index.js";

const seed = new Uint8Array(readFileSync(new URL("../../pcaps/alg/sip-tcp-split.pcap", import.meta.url)));
let mod: WebAssembly.Module;
beforeAll(async () => {
  mod = await loadCoreModule();
});

/** The capture with its first TCP segment of 200+ payload bytes sent again `n` times after itself, one byte changed in each; and that segment's packet number. */
function sentAgain(n: number): { bytes: Uint8Array; packet: number } {
  const d = ipPackets(seed, Infinity).find((p) => p.proto === 6 && p.end - p.payload >= 200)!;
  const fs = frames(seed);
  const k = fs.findIndex((f) => f.offset === d.offset);
  const f = fs[k]!;
  const copies: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const c = seed.slice(f.offset, f.end);
    const at = d.payload - f.offset + 20 + (i % 100);
    c[at] = c[at] === 0x41 ? 0x42 : 0x41;
    copies.push(c);
  }
  const parts = [seed.subarray(0, f.end), ...copies, seed.subarray(f.end)];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { bytes: out, packet: k + 1 };
}

const analyze = (bytes: Uint8Array) => analyzeCapture(mod, [bytes] as unknown as AsyncIterable<Uint8Array>, { file: "t.pcap" });

describe("SIP over TCP: a segment sent again with other bytes", () => {
  it("marks the message it falls in, with the first other copy's packet", async () => {
    const before = await analyze(seed);
    expect(before.sessions.flatMap((s) => s.sip?.messages ?? []).filter((m) => m.retransmissionDiffers)).toEqual([]);
    const { bytes, packet } = sentAgain(2);
    const r = await analyze(bytes);
    expect(r.scan.stats.ctrlConflicts).toBe(2);
    const marked = r.sessions.flatMap((s) => s.sip?.messages ?? []).filter((m) => m.retransmissionDiffers);
    // one message, marked by the first copy (the packet right after the original)
    expect(marked.map((m) => m.retransmissionDiffers)).toEqual([{ packet: packet + 1 }]);
    expect(r.scan.diagnostics.map((d) => d.code)).toContain("tcp_retransmission_differs");
    expect(r.scan.diagnostics.map((d) => d.code)).not.toContain("sip_conflicts_not_placed");
  });

  it(`past ${SIP_CONFLICTS_KEPT} conflicts the rest are counted, not placed`, async () => {
    const { bytes, packet } = sentAgain(SIP_CONFLICTS_KEPT + 3);
    const r = await analyze(bytes);
    expect(r.scan.stats.ctrlConflicts).toBe(SIP_CONFLICTS_KEPT + 3);
    const d = r.scan.diagnostics.find((x) => x.code === "sip_conflicts_not_placed")!;
    expect(d).toMatchObject({ severity: "warning", count: 3, packet: packet + SIP_CONFLICTS_KEPT + 1 });
    // the kept ones still marked their message
    expect(r.sessions.flatMap((s) => s.sip?.messages ?? []).filter((m) => m.retransmissionDiffers).length).toBe(1);
  });
});
