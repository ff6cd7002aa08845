/**
 * A SIP request the router drops (seen inside, never outside; alg.sip-request-dropped, src/verify/sip.ts
 * droppedRequests), without a profile:
 *   - generated: alice's OPTIONS crosses and is answered, her INVITE (CSeq 2) and its retransmission
 *     never leave the router, a later OPTIONS (CSeq 3) crosses: the outside capture runs on after the
 *     INVITE, so the drop is shown: an error, one per transaction, both copies in the evidence;
 *     the same capture cut before the INVITE on the outside only (the capture may have stopped): a
 *     warning for each transaction not seen outside (one finding, occurrences 2);
 *   - the lab runs through this kernel (pcaps/lab/sip-clash-*): the INVITE / REGISTER nf_nat_sip
 *     dropped is said (a warning: nothing crossed after it), and under --profile linux the table's own
 *     finding says it instead.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import { DEFAULT_EPOCH_NS, IpProto, LinkType, ethernetFor, ipPacket, udp, writePcap } from "../helpers/pcap-writer.js";

const tmp = tempDir("alg-verify-sip-dropped-");
const validate = verifyValidator();
const ALICE = "192.0.2.10";
const NAT = "203.0.113.1";
const BOB = "198.51.100.20";
const enc = (s: string) => new TextEncoder().encode(s);

function req(method: string, cseq: number, host: string): Uint8Array {
  return enc([`${method} sip:bob@${BOB}:5060 SIP/2.0`, `Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bK-${method}${cseq};rport`, "Max-Forwards: 70",
    `From: <sip:alice@${host}>;tag=a1`, `To: <sip:bob@${BOB}>`, "Call-ID: drop-1@192.0.2.10", `CSeq: ${cseq} ${method}`,
    `Contact: <sip:alice@${host}:5060>`, "Content-Length: 0", "", ""].join("\r\n"));
}
function ok(method: string, cseq: number, host: string): Uint8Array {
  return enc(["SIP/2.0 200 OK", `Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bK-${method}${cseq};rport`, `From: <sip:alice@${host}>;tag=a1`,
    `To: <sip:bob@${BOB}>;tag=b1`, "Call-ID: drop-1@192.0.2.10", `CSeq: ${cseq} ${method}`, "Content-Length: 0", "", ""].join("\r\n"));
}

/** [seconds, side ("in", "out", "both"), message]: inside copies from ALICE, outside from the NAT. */
function pair(script: [number, "in" | "both", "req" | "ok", string, number][], cutOutsideAfter = Infinity): { inside: string; outside: string } {
  const recs = { inside: [] as { ts: bigint; data: Uint8Array }[], outside: [] as { ts: bigint; data: Uint8Array }[] };
  script.forEach(([s, where, kind, method, cseq], i) => {
    const ts = DEFAULT_EPOCH_NS + BigInt(Math.round(s * 1e6)) * 1000n;
    for (const side of where === "in" ? ["inside"] as const : ["inside", "outside"] as const) {
      if (side === "outside" && s > cutOutsideAfter) continue;
      const host = side === "inside" ? ALICE : NAT;
      const [src, dst] = kind === "req" ? [host, BOB] : [BOB, host];
      const payload = kind === "req" ? req(method, cseq, host) : ok(method, cseq, host);
      const l3 = ipPacket({ src, dst, proto: IpProto.UDP, id: i, payload: udp({ src, dst, srcPort: 5060, dstPort: 5060, payload }) });
      recs[side].push({ ts: side === "outside" ? ts + 100_000n : ts, data: ethernetFor(l3) });
    }
  });
  const out = { inside: join(tmp, `in-${cutOutsideAfter}.pcap`), outside: join(tmp, `out-${cutOutsideAfter}.pcap`) };
  writeFileSync(out.inside, writePcap(recs.inside, { linkType: LinkType.ETHERNET }));
  writeFileSync(out.outside, writePcap(recs.outside, { linkType: LinkType.ETHERNET }));
  return out;
}

const SCRIPT: [number, "in" | "both", "req" | "ok", string, number][] = [
  [0, "both", "req", "OPTIONS", 1], [0.01, "both", "ok", "OPTIONS", 1],
  [1, "in", "req", "INVITE", 2], [1.5, "in", "req", "INVITE", 2],
  [3, "both", "req", "OPTIONS", 3], [3.01, "both", "ok", "OPTIONS", 3],
];

async function verify(...args: string[]) {
  const r = await runCli("verify", ...args, "--json");
  const report = JSON.parse(r.stdout);
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  return { report, code: r.code, dropped: report.findings.filter((f: any) => f.code === "alg.sip-request-dropped") };
}

describe("a SIP request the router drops (alg.sip-request-dropped)", () => {
  it("generated: the INVITE and its retransmission never cross, the outside capture runs on: one error, both copies", async () => {
    const f = pair(SCRIPT);
    const { report, code, dropped } = await verify("--inside", f.inside, "--outside", f.outside);
    expect(dropped.map((x: any) => [x.severity, x.evidence.inside])).toEqual([["error", [3, 4]]]);
    expect(dropped[0].message).toBe(`INVITE (CSeq 2 INVITE) from ${ALICE}:5060 to ${BOB}:5060 at inside packet 3 (and 1 retransmission(s): inside packet 4) never left the router: not in the outside capture, which runs on after it`);
    expect([report.verdict, code]).toEqual(["fail", 1]);
    // The OPTIONS transactions that crossed are not said.
    expect(report.findings.filter((x: any) => x.severity === "error").map((x: any) => x.code)).toEqual(["alg.sip-request-dropped"]);
  });
  it("generated: the outside capture ends before the INVITE: a warning (it may have stopped)", async () => {
    const f = pair(SCRIPT, 0.5);
    const { report, dropped } = await verify("--inside", f.inside, "--outside", f.outside);
    // Two transactions (the INVITE, the OPTIONS of CSeq 3), one finding with both (occurrences 2).
    expect(dropped.map((x: any) => [x.severity, x.evidence.inside, x.occurrences])).toEqual([["warning", [3, 4, 5], 2]]);
    expect(dropped[0].message).toContain("whose last packet comes before it (dropped, or that capture had stopped)");
    expect(report.verdict).toBe("pass");
  });
  const lab = new URL("../../pcaps/lab/", import.meta.url).pathname;
  for (const [name, what] of [["sip-clash-register-invite", "INVITE (CSeq 1 INVITE) from 192.0.2.10:5062"], ["sip-clash-own-connection", "REGISTER (CSeq 1 REGISTER) from 192.0.2.10:5060"]] as const) {
    it(`lab ${name}: the request the kernel dropped is said; --profile linux says it by its clash finding instead`, async () => {
      const sides = ["--inside", join(lab, name, "inside.pcap"), "--outside", join(lab, name, "outside.pcap")];
      const plain = await verify(...sides);
      expect(plain.dropped.map((x: any) => x.severity)).toEqual(["warning"]);
      expect(plain.dropped[0].message).toMatch(new RegExp(`^${what.replace(/[().]/g, "\\$&")} to 198\\.51\\.100\\.20:5060 at inside packet \\d+ never left the router`));
      const linux = await verify(...sides, "--profile", "linux");
      expect(linux.dropped).toEqual([]);
    });
  }
});
