/**
 * IP reassembly of fragmented UDP datagrams on ALG ports (assembly/flow/reasm.ts): generated
 * fragmented TFTP requests (pcaps/make/reasm-cases.ts) — the ALG parses the request whole exactly
 * when the generator says it was reassembled, every counter as the generator computed, every
 * fragment still counted as a packet of its flow; tshark (which reassembles too) reads the same
 * filenames; and the results do not depend on how the capture is chunked.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCoreModule } from "../../src/node/index.js";
import { analyzeCapture } from "../../src/alg/analyze.js";
import { reasmCases, sipReasmCases, type ReasmCase } from "../../pcaps/make/reasm-cases.js";
import { chunks } from "../helpers/chunks.js";
import { describeWithTshark, tsharkFields } from "../helpers/tshark.js";
import { tempDir } from "../helpers/tmp.js";

async function analyze(c: ReasmCase, source: AsyncIterable<Uint8Array> = [c.pcap] as unknown as AsyncIterable<Uint8Array>) {
  return analyzeCapture(await loadCoreModule(), source, { file: c.name, flowCapLog2: 8, ...c.options });
}

const requests = (r: Awaited<ReturnType<typeof analyze>>) => r.sessions.filter((s) => s.alg === "tftp").map((s) => s.tftp!.filename);

describe("fragmented TFTP requests: reassembled for the ALG as the generator says", () => {
  const cases = reasmCases();
  it("covers in order, reversed, repeated, missing, overlapping, too large, timed out, evicted, cut, IPv6, another port", () => {
    expect(cases.map((c) => c.name)).toEqual(["in-order", "reversed", "shuffled-repeat", "missing", "overlap", "too-large", "no-reassembly", "timeout", "evicted", "snaplen-cut", "ipv6", "other-port"]);
  });
  for (const c of cases) {
    it(`${c.name}: ${c.about}`, async () => {
      const r = await analyze(c);
      expect(r.scan.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(requests(r)).toEqual(c.expected.requests);
      expect(r.scan.stats).toMatchObject(c.expected.stats);
      // Fragments are packets of the request's flow as before; the datagram counts once for conntrack.
      const flow = [...r.scan.flows].find((f) => f.first.packet === 1)!;
      expect(flow.packets.initiatorToResponder).toBe(c.expected.requestFlow.packets);
      expect(flow.fragments).toBe(c.expected.requestFlow.fragments);
      expect(flow.datagrams!.initiatorToResponder).toBe(c.expected.requestFlow.datagrams);
      const lost = ["reasmEvicted", "reasmTimeouts", "reasmOverlaps", "reasmTooLarge", "reasmIncomplete"].reduce((n, k) => n + c.expected.stats[k]!, 0);
      const diag = r.scan.diagnostics.find((d) => d.code === "reassembly_incomplete");
      if (lost) expect(diag?.count).toBe(lost);
      else expect(diag).toBeUndefined();
    });
  }
  it("the snaplen-cut datagram reaches the ALG marked as cut", async () => {
    const r = await analyze(cases.find((c) => c.name === "snaplen-cut")!);
    expect(r.sessions.find((s) => s.alg === "tftp")!.tftp!.truncated).toBe(true);
  });
  it("the same results in every chunking of the capture", async () => {
    for (const c of cases) {
      const whole = await analyze(c);
      for (const size of [1, 7, 100, 4096]) {
        const sizes = Array.from({ length: Math.ceil(c.pcap.length / size) }, () => size);
        const r = await analyze(c, chunks(c.pcap, sizes));
        expect(requests(r), `${c.name} in chunks of ${size}`).toEqual(requests(whole));
        expect(r.scan.stats, `${c.name} in chunks of ${size}`).toMatchObject({ ...c.expected.stats, feeds: r.scan.stats.feeds });
      }
    }
  });
});

describeWithTshark("fragmented TFTP requests: tshark reassembles the same filenames", () => {
  const dir = tempDir("reasm-");
  for (const c of reasmCases().filter((x) => ["in-order", "reversed", "shuffled-repeat", "ipv6"].includes(x.name))) {
    it(c.name, () => {
      const file = join(dir, `${c.name}.pcap`);
      writeFileSync(file, c.pcap);
      const names = tsharkFields(file, ["tftp.source_file"], "tftp.opcode == 1").map((r) => r[0]);
      expect(names).toEqual(c.expected.requests);
    });
  }
});

describe("a fragmented SIP INVITE: the SIP parser sees the whole message and its SDP", () => {
  for (const c of sipReasmCases()) {
    it(`${c.name}: ${c.about}`, async () => {
      const r = await analyzeCapture(await loadCoreModule(), [c.pcap] as unknown as AsyncIterable<Uint8Array>, { file: c.name, flowCapLog2: 8, ...c.options });
      const sip = r.sessions.filter((s) => s.alg === "sip");
      expect(sip).toHaveLength(1);
      const msg = sip[0]!.sip!.messages[0]!;
      expect(msg.callId ?? sip[0]!.sip!.callId).toBe(c.expected.callId);
      expect(msg.contentLength).toBe(c.expected.contentLength);
      if (c.expected.truncated) {
        expect(msg.truncated).toBe(true);
        expect(msg.bodyLength).toBeLessThan(c.expected.contentLength);
        expect(r.scan.stats.reasmDatagrams).toBe(0);
      } else {
        expect(msg.truncated ?? false).toBe(false);
        expect(msg.bodyLength).toBe(c.expected.contentLength);
        expect(msg.sdp!.media.map((m) => m.port)).toEqual(c.expected.mediaPorts);
        expect(r.scan.stats.reasmDatagrams).toBe(1);
        // The message is numbered by the packet that completed it (the last fragment to arrive).
        expect(msg.packet).toBe(r.scan.info.packets);
      }
    });
  }
});
