/**
 * TFTP through the NAT (`verify`, src/verify/tftp.ts) on the generated two-sided cases
 * (pcaps/nat/tftp-*, generator pcaps/make/tftp-cases.ts; their verdicts and finding codes are
 * checked with every other case in nat-cases.test.ts): what each request's reply did (forwarded,
 * blocked with the router's ICMP cited, unanswered), with one capture only, the Linux profile, and
 * the JSON schema.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import { IpProto, LinkType, ascii, ethernetFor, ipPacket, udp, writePcap } from "../helpers/pcap-writer.js";
import { tempDir } from "../helpers/tmp.js";

/** This file's temp dir, removed after its tests. */
const tmp = tempDir("alg-verify-tftp-");

const root = new URL("../../pcaps/nat/", import.meta.url).pathname;
const validate = verifyValidator();

async function verify(c: string, ...args: string[]) {
  const files: string[] = [];
  if (!args.includes("--outside-only")) files.push("--inside", join(root, c, "inside.pcap"));
  if (!args.includes("--inside-only")) files.push("--outside", join(root, c, "outside.pcap"));
  const r = await runCli("verify", ...files, "--json", ...args.filter((a) => !a.endsWith("-only")));
  const report = JSON.parse(r.stdout);
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  return { code: r.code, report, codes: report.findings.map((f: { code: string }) => f.code) as string[] };
}

const tftpNeg = (report: any) => report.sessions.find((s: any) => s.alg === "tftp").negotiations[0];

describe("TFTP through the NAT", () => {
  it("with the helper: the reply from the new port crosses to the client, transfer completed", async () => {
    const { report, code } = await verify("tftp-rrq-alg");
    expect(code).toBe(0);
    const n = tftpNeg(report);
    expect(n.dataPath).toBe("forwarded");
    expect(n.inside.announced).toEqual({ ip: "192.0.2.10", port: 50001 });
    expect(n.outside.announced).toEqual({ ip: "203.0.113.1", port: 61001 });
    const dp = report.checks.find((c: any) => c.check === "data-path");
    expect(dp.status).toBe("passed");
    expect(dp.reason).toMatch(/completed \(3 block\(s\), 1500 bytes\)/);
  });
  it("without it: the reply dies at the router, its ICMP error is cited", async () => {
    const { report, codes, code } = await verify("tftp-rrq-no-alg");
    expect(code).toBe(1);
    expect(tftpNeg(report).dataPath).toBe("blocked");
    const f = report.findings.find((x: any) => x.code === "alg.tftp-reply-blocked");
    expect(f.evidence.outside).toEqual([1, 2, 3]);
    expect(f.message).toMatch(/ICMP \(flow 3, packet 3\)/);
    expect(codes).not.toContain("alg.tftp-unanswered");
  });
  it("the outside capture alone shows the block (the router's ICMP)", async () => {
    const { report, codes } = await verify("tftp-rrq-no-alg", "--outside-only");
    expect(report.verdict).toBe("fail");
    expect(codes).toContain("alg.tftp-reply-blocked");
  });
  it("the outside capture alone of a working NAT: the transfer followed there", async () => {
    const { report, codes } = await verify("tftp-rrq-alg", "--outside-only");
    expect(report.verdict).toBe("pass");
    expect(tftpNeg(report).dataPath).toBe("one-side-only");
    expect(codes).toEqual([]);
  });
  it("the inside capture alone of the blocked case ends with the request: not covered, nothing judged", async () => {
    const { report, codes } = await verify("tftp-rrq-no-alg", "--inside-only");
    expect(codes).toEqual([]);
    expect(tftpNeg(report).dataPath).toBe("not-covered");
    expect(report.checks.find((c: any) => c.check === "data-path").reason).toMatch(/capture ends with the request/);
    expect(report.verdict).toBe("inconclusive");
  });
  it("a request retried without an answer is unanswered (the capture goes on after it)", async () => {
    const r = await runCli("verify", "--inside", new URL("../../pcaps/alg/tftp-unanswered.pcap", import.meta.url).pathname, "--json");
    const report = JSON.parse(r.stdout);
    expect(report.findings.map((f: any) => f.code)).toEqual(["alg.tftp-unanswered"]);
    expect(report.findings[0].message).toContain("repeated at packet 2, 3");
    expect(report.verdict).toBe("inconclusive");
  });
  it("no reply, no retry, and the capture ends less than TFTP_REPLY_WAIT_S (5 s) after the request: not covered, not unanswered", async () => {
    // An RRQ, then other traffic 1 s (or 6 s) later and nothing from the server.
    const req = ethernetFor(ipPacket({ src: "192.0.2.10", dst: "198.51.100.20", proto: IpProto.UDP, id: 1, payload: udp({ src: "192.0.2.10", dst: "198.51.100.20", srcPort: 50001, dstPort: 69, payload: ascii("\0\x01boot.cfg\0octet\0") }) }));
    const other = ethernetFor(ipPacket({ src: "192.0.2.11", dst: "198.51.100.53", proto: IpProto.UDP, id: 2, payload: udp({ src: "192.0.2.11", dst: "198.51.100.53", srcPort: 40000, dstPort: 53, payload: ascii("query") }) }));
    const dir = mkdtempSync(join(tmp, "alg-verify-tftp-"));
    const file = (gapS: number) => {
      const f = join(dir, `gap-${gapS}.pcap`);
      writeFileSync(f, writePcap([{ ts: 1_700_000_000_000_000_000n, data: req }, { ts: 1_700_000_000_000_000_000n + BigInt(gapS) * 1_000_000_000n, data: other }], { linkType: LinkType.ETHERNET }));
      return f;
    };
    const short = JSON.parse((await runCli("verify", "--inside", file(1), "--json")).stdout);
    expect(validate(short), JSON.stringify(validate.errors)).toBe(true);
    expect(short.findings.map((f: any) => f.code)).toEqual([]);
    expect(tftpNeg(short).dataPath).toBe("not-covered");
    expect(tftpNeg(short).notCovered).toMatch(/capture ends 1\.000 s after the request.*TFTP_REPLY_WAIT_S = 5 s/);
    const long = JSON.parse((await runCli("verify", "--inside", file(6), "--json")).stdout);
    expect(long.findings.map((f: any) => f.code)).toEqual(["alg.tftp-unanswered"]);
    expect(tftpNeg(long).dataPath).toBe("not-attempted");
  });
  it("an ERROR that crossed the NAT is the server's refusal, not the ALG's failure", async () => {
    const { report, codes } = await verify("tftp-error-alg");
    expect(report.verdict).toBe("pass");
    expect(codes).toEqual(["alg.tftp-transfer-error"]);
    expect(report.findings[0].message).toContain('ERROR 2 "Access violation" from the server');
  });
  it("--profile linux: a reply 301 s after the request would have found the expectation expired", async () => {
    const lenient = await verify("tftp-reply-late");
    expect(lenient.codes).toEqual([]);
    const linux = await verify("tftp-reply-late", "--profile", "linux");
    expect(linux.codes).toEqual(["alg.tftp-linux-expectation-lost"]);
    expect(linux.report.verdict).toBe("pass");
    expect(tftpNeg(linux.report).outside.emulation).toEqual({ profile: "linux", outcome: "parsed", reason: "expectation_expired" });
  });
  it("sessions[].tftp: how the transfer ended on each side, as the generator says (every tftp NAT case)", async () => {
    for (const c of readdirSync(root).filter((d) => d.startsWith("tftp-"))) {
      const meta = JSON.parse(readFileSync(join(root, c, "case.json"), "utf8"));
      const { report } = await verify(c);
      const t = report.sessions.find((s: any) => s.alg === "tftp").tftp;
      expect(t.inside, `${c} inside`).toMatchObject(meta.tftp.inside);
      expect(t.outside, `${c} outside`).toMatchObject(meta.tftp.outside);
    }
    const { report } = await verify("tftp-error-alg");
    const t = report.sessions[0].tftp;
    expect(t).toMatchObject({ opcode: "RRQ", filename: "secret.key", mode: "octet" });
    for (const side of [t.inside, t.outside]) expect(side.error).toMatchObject({ code: 2, message: "Access violation", from: "server" });
    const blocked = (await verify("tftp-rrq-no-alg")).report.sessions[0].tftp;
    expect(blocked.inside.transferFlow).toBeUndefined();
    expect(blocked.outside.serverPort).toBe(40001);
  });
  it("WRQ: the server's ACK 0 from its new port crosses", async () => {
    const { report } = await verify("tftp-wrq-alg");
    expect(report.verdict).toBe("pass");
    expect(tftpNeg(report).dataPath).toBe("forwarded");
  });
});
