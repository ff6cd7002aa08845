/**
 * Flow-table semantics on generated captures: a new SYN on an ended 5-tuple is a new flow (as
 * tshark's tcp.stream — checked against real tshark), a mid-stream start is re-oriented when the
 * real initiator's SYN appears, and a full table counts the rest as unattributed with a located
 * `flow_table_full` diagnostic — never silently.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { scanFile } from "../../src/node/index.js";
import { ethernetFor, tcpSession, writePcap, type SessionFrame } from "../helpers/pcap-writer.js";
import { describeWithTshark, tsharkFields } from "../helpers/tshark.js";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("alg-verify-table-");

function capture(name: string, frames: SessionFrame[]): string {
  const path = join(dir, name);
  writeFileSync(path, writePcap(frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: 1 }));
  return path;
}

const client = { ip: "192.0.2.10", port: 40000 };
const server = { ip: "198.51.100.20", port: 80 };

function reused(closeWith: "fin" | "rst"): SessionFrame[] {
  const a = tcpSession({ client, server, isn: 1000 });
  a.handshake();
  a.send(true, "GET / HTTP/1.0\r\n\r\n");
  if (closeWith === "fin") a.close();
  else a.rst();
  const b = tcpSession({ client, server, isn: 900_000, start: a.now + 1_000_000n });
  b.handshake();
  b.send(true, "GET /again HTTP/1.0\r\n\r\n");
  b.close();
  return [...a.frames, ...b.frames];
}

describeWithTshark("5-tuple reuse", () => {
  for (const how of ["fin", "rst"] as const) {
    it(`after ${how.toUpperCase()}: a new SYN opens a second flow, as tcp.stream does`, async () => {
      const path = capture(`reuse-${how}.pcap`, reused(how));
      const flows = [...(await scanFile(path, { flowCapLog2: 6 })).flows];
      expect(flows).toHaveLength(2);
      const streams = tsharkFields(path, ["tcp.stream"]).map((r) => Number(r[0]));
      expect(new Set(streams).size).toBe(2);
      const perStream = [0, 1].map((s) => streams.filter((x) => x === s).length);
      expect(flows.map((f) => f.packets.initiatorToResponder + f.packets.responderToInitiator)).toEqual(perStream);
      expect(flows[1].first.packet).toBe(streams.indexOf(1) + 1);
      expect(flows.every((f) => f.tcp!.syn && f.initiator.ip === client.ip)).toBe(true);
    });
  }
});

it("a capture that starts mid-connection is re-oriented when the initiator's SYN appears", async () => {
  // Server data first (mid-stream), then a fresh handshake from the client on the same tuple.
  const mid = tcpSession({ client, server, isn: 5000 });
  mid.segment(false, { ack: true, psh: true }, new TextEncoder().encode("tail of an old response"));
  const b = tcpSession({ client, server, isn: 7000, start: mid.now + 1000n });
  b.handshake();
  b.close();
  const flows = [...(await scanFile(capture("midstream.pcap", [...mid.frames, ...b.frames]), { flowCapLog2: 6 })).flows];
  expect(flows).toHaveLength(1);
  expect(flows[0].initiator).toEqual(client);
  expect(flows[0].packets.responderToInitiator).toBeGreaterThanOrEqual(2);
});

it("a full flow table counts later flows as unattributed, with a located diagnostic", async () => {
  const frames: SessionFrame[] = [];
  let t = 0n;
  for (let i = 0; i < 40; i++) {
    const s = tcpSession({ client: { ip: "192.0.2.10", port: 41000 + i }, server, start: 1_700_000_000_000_000_000n + t });
    s.handshake();
    t = s.now - 1_700_000_000_000_000_000n + 1000n;
    frames.push(...s.frames);
  }
  const path = capture("many.pcap", frames);
  // --max-flows 16 → 32 slots, 24 usable.
  const r = await runCli("flows", path, "--json", "--max-flows", "16");
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.flows).toHaveLength(24);
  expect(report.stats.unattributed).toBe(16 * 3);
  const d = report.diagnostics.find((x: { code: string }) => x.code === "flow_table_full");
  expect(d).toMatchObject({ severity: "warning", packet: 24 * 3 + 1, count: 48 });
  expect(r.stderr).toContain("flow_table_full");
});
