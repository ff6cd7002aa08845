/**
 * sessions-json.ts writes analyze's sessions as JSON.stringify does (and as json-pieces' walker,
 * which it replaces for small sessions): on the sessions of real SIP/FTP/RTSP captures and
 * generated SIP cases, with sessions above SESSION_JSON_INLINE_ITEMS (walked) between inline ones,
 * on text needing escapes or 2–4 UTF-8 bytes, and on arrays it must leave to the walker whole
 * (holes, toJSON, non-objects).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import type { Session } from "../../src/alg/sessions.js";
import { SESSION_JSON_INLINE_ITEMS, writeSessionsJson } from "../../src/report/sessions-json.js";

const pub = new URL("../../../shared/pcaps/public/", import.meta.url).pathname;
const alg = new URL("../../pcaps/alg/", import.meta.url).pathname;

/** What writeSessionsJson writes, decoded, with the number of chunks. */
function written(sessions: readonly unknown[]): { text: string; chunks: number } {
  const dec = new TextDecoder();
  let text = "";
  let chunks = 0;
  writeSessionsJson(sessions as Session[], (c) => {
    chunks++;
    text += dec.decode(c, { stream: true });
  });
  return { text: text + dec.decode(), chunks };
}

function expectStringify(sessions: readonly unknown[]): void {
  expect(written(sessions).text).toBe(JSON.stringify(sessions));
}

describe("writeSessionsJson equals JSON.stringify", () => {
  it("on the sessions of public SIP captures and the generated SIP cases (--profile linux)", async () => {
    const files = [
      `${pub}suricata-verify/sip-nat-register-invite-aaa.pcap`, `${pub}sipnab/sip-over-tcp-rtp.pcap`,
      `${pub}sipnab/sip-register-invite-reinvite-bye.pcap`, `${pub}sipnab/sip-prack-rtp-rtcp.pcap`,
      ...readdirSync(alg).filter((f) => f.startsWith("sip-") && f.endsWith(".pcap")).map((f) => alg + f),
    ];
    let sip = 0;
    for (const f of files) {
      const { sessions } = await analyzeFile(f, { flowCapLog2: 10, profile: "linux" });
      sip += sessions.filter((s) => s.alg === "sip").length;
      expectStringify(sessions);
    }
    expect(sip).toBeGreaterThanOrEqual(20);
  });

  it("walks a session above the inline limit between inline ones, in the same bytes", async () => {
    const { sessions } = await analyzeFile(`${pub}suricata-verify/sip-nat-register-invite-aaa.pcap`, { flowCapLog2: 10 });
    const big = sessions.find((s) => s.sip && s.sip.messages.length > 1)!;
    const many = { ...big, sip: { ...big.sip!, messages: Array.from({ length: SESSION_JSON_INLINE_ITEMS + 1 }, (_, i) => big.sip!.messages[i % big.sip!.messages.length]) } };
    expectStringify([sessions[0], many, sessions[1], many]);
    expectStringify([many]);
  });

  it("chunks: several of at most a few times 64 KiB, each whole UTF-8; escapes and 2–4 byte characters as JSON.stringify", () => {
    const s = (i: number): Record<string, unknown> => ({
      id: i, alg: "sip", negotiations: [],
      sip: { callId: `c${i}"\\\n\u0001é€😀\ud800x`.repeat(40), messages: [] },
    });
    const list = Array.from({ length: 2000 }, (_, i) => s(i));
    const { text, chunks } = written(list);
    expect(text).toBe(JSON.stringify(list));
    expect(chunks).toBeGreaterThan(10);
    expectStringify([]);
  });

  it("leaves holes, toJSON members and non-objects to the walker (null, toJSON's key)", () => {
    const one = { id: 1, negotiations: [] };
    // eslint-disable-next-line no-sparse-arrays
    expectStringify([one, , one]);
    expectStringify([one, undefined, 3, "x", null]);
    expectStringify([one, { negotiations: [], toJSON: (k: string) => `key ${k}` }]);
  });
});
