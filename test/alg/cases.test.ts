/**
 * The generated ALG edge cases (pcaps/alg/<case>.pcap) against their generator's expectation
 * (<case>.expected.json, computed from the generator's spec): every session and negotiation —
 * kind, packet, time, line, valid/reason, announced endpoint, RTSP transport specs, expected
 * flows, data seen (and the flow that fulfilled it), and the `--profile linux` outcome.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";

const dir = new URL("../../pcaps/alg/", import.meta.url).pathname;
// FTP/RTSP cases (SIP: test/alg/sip-cases.test.ts; TFTP: its own test).
const cases = readdirSync(dir).filter((f) => f.endsWith(".expected.json") && !/^(sip|tftp)-/.test(f)).map((f) => f.replace(".expected.json", ""));

/** The transport spec fields the expected files list (other parameters are not). */
function specShape(s: object) {
  const { params: _params, ...rest } = s as Record<string, unknown>;
  return rest;
}

describe("generated ALG cases", () => {
  it("are all here", () => expect(cases.length).toBeGreaterThanOrEqual(38));
  for (const name of cases) {
    it(name, async () => {
      const want = JSON.parse(readFileSync(`${dir}${name}.expected.json`, "utf8"));
      const { sessions, scan } = await analyzeFile(`${dir}${name}.pcap`, { profile: "linux", flowCapLog2: 8 });
      expect(scan.info.packets).toBe(want.packets);
      expect(sessions.length).toBe(want.sessions.length);
      want.sessions.forEach((ws: any, si: number) => {
        const s = sessions[si];
        expect({ alg: s.alg, client: s.client, server: s.server }).toEqual({ alg: ws.alg, client: ws.client, server: ws.server });
        expect(s.negotiations.length, "negotiations").toBe(ws.negotiations.length);
        ws.negotiations.forEach((wn: any, ni: number) => {
          const n = s.negotiations[ni];
          const got: any = {
            kind: n.kind, packet: n.packet, time: n.time, line: n.line, valid: n.valid,
            announced: n.announced, expected: n.expected, dataSeen: n.dataSeen, emulation: n.emulation,
          };
          if (n.command !== undefined && wn.command !== undefined) got.command = n.command;
          if (n.reason !== undefined) got.reason = n.reason;
          if (n.transport) got.transport = { request: n.transport.request.map(specShape), reply: n.transport.reply.map(specShape) };
          const { dataFlow: _df, dataFlows, ...rest } = wn;
          expect(got).toEqual(rest);
          // The flow that fulfilled each expectation is the one the generator put there.
          dataFlows.forEach((df: any, i: number) => {
            const o = n.observed.find((x) => x.expected === i);
            if (df === null) expect(o).toBeUndefined();
            else expect(o?.firstPacket, `expected[${i}]`).toBe(df.firstPacket);
          });
        });
      });
    });
  }
});
