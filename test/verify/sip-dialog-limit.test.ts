/**
 * `--max-sip-dialogs`: SIP dialogs kept per capture, so that a capture's memory follows the limit
 * and not its number of calls (a SIPp load test of a million calls). Past the limit SIP is read up
 * to the first message of the first dialog beyond it (diagnostic sip_dialog_limit: that packet,
 * the messages counted): the kept dialogs are the whole SIP picture up to one point. What rests on
 * SIP past that point is not judged:
 *  - analyze --profile linux: no media flow starting from there on is admitted or refused;
 *  - verify: a coverage check says where each capture's SIP ends; a dialog or message in one
 *    capture only, at or past the other's cut, is not taken as dropped (no alg.sip-request-dropped,
 *    its media not covered, its messages not checked, saying why); an SRX transaction row matching
 *    nothing, or a REGISTER expectation missing, is not checked instead of failed.
 * Captures: the lab's real SIPp run (REGISTER, then a call) and the generated two-call pairs
 * (pcaps/make/sip-two-calls.ts: alice calls, carol calls, then both calls' RTP, then the BYEs).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import { analyzeFile } from "../../src/node/files.js";
import { verify } from "../../src/verify/verify.js";
import { TWO_CALL_CASES, buildTwoCallCase } from "../../pcaps/make/sip-two-calls.js";

const root = join(import.meta.dirname, "../..");
const lab = join(root, "pcaps/lab/sip-udp-helper");
const tmp = tempDir("alg-verify-sip-limit-");
const validate = verifyValidator();

const twoPeers = TWO_CALL_CASES.find((c) => c.name === "sip-two-calls-two-peers")!;
const samePeer = TWO_CALL_CASES.find((c) => c.name === "sip-two-calls-same-peer")!;

function sides(name: string, c: { inside: Uint8Array; outside: Uint8Array }): { inside: string; outside: string } {
  const inside = join(tmp, `${name}-inside.pcap`);
  const outside = join(tmp, `${name}-outside.pcap`);
  writeFileSync(inside, c.inside);
  writeFileSync(outside, c.outside);
  return { inside, outside };
}

async function analyzeJson(...args: string[]) {
  const r = await runCli("analyze", "--json", ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const sipOf = (report: any) => report.sessions.filter((s: any) => s.alg === "sip");
const limitOf = (report: any) => report.diagnostics.filter((d: any) => d.code === "sip_dialog_limit");
const kept = (report: any) => sipOf(report).reduce((n: number, s: any) => n + s.sip.messages.length, 0);

describe("analyze --max-sip-dialogs", () => {
  it("keeps the first dialogs and counts every SIP message from the first dialog beyond them on", async () => {
    const full = await analyzeJson(join(lab, "inside.pcap"));
    expect(sipOf(full).map((s: any) => [s.sip.method, s.sip.messages.length])).toEqual([["REGISTER", 2], ["INVITE", 9]]);
    expect(limitOf(full)).toEqual([]);
    const cut = await analyzeJson(join(lab, "inside.pcap"), "--max-sip-dialogs", "1");
    // The REGISTER dialog whole; the INVITE (packet 5) and the call's 8 later messages counted.
    expect(sipOf(cut).map((s: any) => s.sip)).toEqual([sipOf(full)[0].sip]);
    expect(limitOf(cut)).toEqual([expect.objectContaining({ severity: "warning", packet: 5, count: 9 })]);
    expect(cut.stats.sipMessages - kept(cut)).toBe(9);
    expect(limitOf(cut)[0].message).toMatch(/more than --max-sip-dialogs \(1\) SIP dialogs: SIP is read up to packet 5 \(2026-12-03T18:59:53\.260488000Z\)/);
    // The flows are the capture's, whatever SIP kept.
    expect(cut.flows).toEqual(full.flows);
    const two = await analyzeJson(join(lab, "inside.pcap"), "--max-sip-dialogs", "2");
    expect(two.sessions).toEqual(full.sessions);
    expect(limitOf(two)).toEqual([]);
    const text = await runCli("analyze", join(lab, "inside.pcap"), "--max-sip-dialogs", "1");
    expect(text.stdout).toMatch(/1 SIP dialog\(s\)/);
    expect(text.stdout).toMatch(/warning\[sip_dialog_limit\]/);
  });

  it("refuses a limit of 0 (usage error)", async () => {
    const r = await runCli("analyze", join(lab, "inside.pcap"), "--max-sip-dialogs", "0");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-sip-dialogs/);
  });

  it("--profile linux judges no media flow that starts where SIP is no longer read", async () => {
    const { inside } = sides("two-peers", buildTwoCallCase(twoPeers));
    const mediaOf = (report: any) => sipOf(report)[0].negotiations.map((n: any) => [n.media.linux.admitted ?? [], n.media.linux.refused ?? []]);
    const full = await analyzeJson(inside, "--profile", "linux");
    const cut = await analyzeJson(inside, "--profile", "linux", "--max-sip-dialogs", "1");
    expect(sipOf(cut)).toHaveLength(1);
    expect(sipOf(cut)[0].sip.callId).toBe(sipOf(full)[0].sip.callId);
    // Every SIP message the core read is kept or counted, once (two flows' messages interleave).
    expect(limitOf(cut)[0].count).toBe(cut.stats.sipMessages - kept(cut));
    expect(limitOf(cut)[0].count).toBeGreaterThan(2);
    // alice's RTP starts after carol's INVITE: let in without the limit, not judged with it.
    expect(mediaOf(full).some(([admitted]: number[][]) => admitted.length > 0)).toBe(true);
    expect(mediaOf(cut).every(([admitted, refused]: unknown[][]) => admitted.length === 0 && refused.length === 0)).toBe(true);
    // Its media flows are still matched: they are flows of the capture.
    expect(sipOf(cut)[0].negotiations.map((n: any) => n.observedFlows)).toEqual(sipOf(full)[0].negotiations.map((n: any) => n.observedFlows));
  });
});

describe("verify with a SIP cut", () => {
  it("both captures cut at the same dialog: the kept dialog is checked, the rest said not checked, no finding", async () => {
    const s = sides("same-peer", buildTwoCallCase(samePeer));
    const full = await runCli("verify", "--inside", s.inside, "--outside", s.outside, "--profile", "linux", "--json");
    // Without the limit Linux's drop of carol's INVITE is found (sip-linux-clash.test.ts).
    expect(JSON.parse(full.stdout).findings.map((f: any) => f.code)).toContain("alg.fragile-input");
    const r = await runCli("verify", "--inside", s.inside, "--outside", s.outside, "--profile", "linux", "--max-sip-dialogs", "1", "--json");
    const report = JSON.parse(r.stdout);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.findings).toEqual([]);
    expect(r.code).toBe(0);
    const coverage = report.checks.filter((c: any) => c.check === "coverage" && c.subject.startsWith("SIP of"));
    expect(coverage.map((c: any) => [c.subject, c.status])).toEqual([
      [`SIP of the inside capture ${s.inside}`, "not-checked"],
      [`SIP of the outside capture ${s.outside}`, "not-checked"],
    ]);
    expect(coverage[0].reason).toMatch(/^the inside capture's SIP is read only up to packet \d+ \(.*\): it holds more than --max-sip-dialogs \(1\) dialogs \(sip_dialog_limit\): its SIP messages from there on were counted, not kept/);
    expect(report.sessions.filter((x: any) => x.alg === "sip")).toHaveLength(1);
    expect(report.checks.some((c: any) => c.check === "rewrite" && c.status === "passed")).toBe(true);
  });

  it("a dialog one capture kept and the other did not: nothing concluded from its absence", async () => {
    const opts = { profile: "linux" as const };
    const cases: [number, number, "inside" | "outside"][] = [[2, 1, "outside"], [1, 2, "inside"]];
    for (const [a, b, cutSide] of cases) {
      const inside = await analyzeFile(join(lab, "inside.pcap"), { ...opts, maxSipDialogs: a });
      const outside = await analyzeFile(join(lab, "outside.pcap"), { ...opts, maxSipDialogs: b });
      const report = verify({ inside, outside, router: [] }, opts);
      expect(report.findings.map((f) => f.code), `${a}/${b}`).toEqual([]);
      expect(report.verdict).toBe("pass");
      const other = cutSide === "inside" ? "outside" : "inside";
      const call = report.checks.filter((c) => c.subject.startsWith("SIP INVITE"));
      expect(call.length).toBeGreaterThan(9);
      for (const c of call) {
        expect(c.status, c.subject).toBe("not-checked");
        expect(c.reason, c.subject).toMatch(new RegExp(`the ${cutSide} capture's SIP is read only up to packet 5 .*sip_dialog_limit`));
      }
      expect(call.filter((c) => c.check === "data-path").map((c) => c.reason)).toEqual([
        expect.stringMatching(new RegExp(`^not covered: the dialog is in the ${other} capture only, and the ${cutSide} capture's SIP`)),
        expect.stringMatching(new RegExp(`^not covered: the dialog is in the ${other} capture only, and the ${cutSide} capture's SIP`)),
      ]);
    }
    // The same pair without a cut fails nothing either, and checks the call.
    const inside = await analyzeFile(join(lab, "inside.pcap"), opts);
    const outside = await analyzeFile(join(lab, "outside.pcap"), opts);
    const whole = verify({ inside, outside, router: [] }, opts);
    expect(whole.checks.filter((c) => c.subject.startsWith("SIP INVITE") && c.status === "passed").length).toBeGreaterThan(0);
  });

  it("an SRX transaction row the captures no longer hold is not checked", async () => {
    const s = sides("two-peers-router", buildTwoCallCase(twoPeers));
    const srx = join(tmp, "srx-transactions.txt");
    writeFileSync(srx, [
      "user@host> show security alg sip transactions",
      "Total number of transactions: 2",
      "Transaction Name       Method    CSeq       State         Timeout    VIA RSC ID",
      "UAS:tsx0x1           INVITE      1     Proceeding            -1 -",
      "UAS:tsx0x2              BYE      2         Trying            27 8186",
    ].join("\n") + "\n");
    const run = async (...extra: string[]) => JSON.parse((await runCli("verify", "--inside", s.inside, "--outside", s.outside, "--router", srx, ...extra, "--json")).stdout);
    const tx = (report: any) => report.checks.filter((c: any) => c.check === "srx-sip-transaction").map((c: any) => [c.status, c.reason]);
    const full = await run();
    expect(tx(full).map((x: string[]) => x[0])).toEqual(["passed", "passed"]);
    const cut = await run("--max-sip-dialogs", "1");
    // alice's INVITE is before the cut; the BYEs come after it.
    expect(tx(cut)[0][0]).toBe("passed");
    expect(tx(cut)[1]).toEqual(["not-checked", expect.stringMatching(/^no transaction in the captures has BYE CSeq 2 \(.*\), but it may be among the SIP messages not kept: the inside capture's SIP is read only up to packet \d+/)]);
    expect(cut.findings.map((f: any) => f.code)).toEqual([]);
  });

  it("a REGISTER expectation missing from the listing is not failed when a later REGISTER may be among the messages not kept", async () => {
    // The lab run's listing without the REGISTER's PERMANENT line, the call's media expectations kept.
    const listing = join(tmp, "expect-without-register.txt");
    writeFileSync(listing, readFileSync(join(lab, "expect.txt"), "utf8").split("\n").filter((l) => !l.includes("PERMANENT")).join("\n"));
    const run = async (...extra: string[]) => JSON.parse((await runCli("verify", "--inside", join(lab, "inside.pcap"), "--outside", join(lab, "outside.pcap"), "--router", listing, ...extra, "--json")).stdout);
    const register = (report: any) => report.checks.filter((c: any) => c.check === "conntrack-expectation" && c.subject.startsWith("sip REGISTER"));
    const full = await run();
    expect(full.findings.map((f: any) => f.code)).toContain("conntrack.expectation-missing");
    expect(register(full).map((c: any) => c.status)).toEqual(["failed"]);
    const cut = await run("--max-sip-dialogs", "1");
    expect(cut.findings.map((f: any) => f.code)).toEqual([]);
    expect(register(cut).map((c: any) => [c.status, c.reason])).toEqual([["not-checked", expect.stringMatching(/a later REGISTER that removed it may be among the SIP messages not kept: the outside capture's SIP is read only up to packet 5/)]]);
  });
});
