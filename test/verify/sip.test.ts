/**
 * SIP verify end to end on real files (issue 14, h5): which capture is the inside one from SIP over
 * UDP (generated cases and the recorded lab runs, as given and swapped), what comes in from outside
 * (the NAT's address turned back or not, with both sides' frames as evidence), and Content-Length
 * resting on the analyzer's BodyLong flag. Expectations come from the generators' case.json (their
 * spec) and from the lab runs' own as-given verdicts; swapping the files is the only change made.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { verifyValidator } from "../helpers/verify-schema.js";

const nat = new URL("../../pcaps/nat/", import.meta.url).pathname;
const lab = new URL("../../pcaps/lab/", import.meta.url).pathname;
const validate = verifyValidator();

async function verify(...args: string[]) {
  const r = await runCli("verify", ...args, "--json");
  return JSON.parse(r.stdout);
}

const codesOf = (report: any) => [...new Set<string>(report.findings.map((f: any) => f.code))].sort();
const check = (report: any, name: string) => report.checks.find((c: any) => c.check === name);
const meta = (c: string) => JSON.parse(readFileSync(join(nat, c, "case.json"), "utf8"));

describe("sides from SIP over UDP (no FTP/RTSP control lines)", () => {
  for (const c of ["sip-udp-alg", "sip-udp-no-alg", "sip-udp-register", "sip-udp-not-restored"]) {
    const dir = join(nat, c);
    it(`${c}: as given → sides passed; swapped → nat.sides-swapped and the case's own findings, computed swapped back`, async () => {
      const want = meta(c).expected.findings;
      const given = await verify("--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"));
      expect(check(given, "sides")).toMatchObject({ status: "passed", reason: expect.stringMatching(/SIP dialog\(s\) every message from the translated host was seen inside first/) });
      expect(check(given, "nat-pairing")).toMatchObject({ status: "passed", reason: expect.stringMatching(/1 SIP dialog\(s\) keep one clock offset/) });
      expect(codesOf(given)).toEqual(want);

      const swapped = await verify("--inside", join(dir, "outside.pcap"), "--outside", join(dir, "inside.pcap"));
      expect(validate(swapped), JSON.stringify(validate.errors)).toBe(true);
      expect(codesOf(swapped)).toEqual([...want, "nat.sides-swapped"].sort());
      expect(swapped.nat.sidesSwappedBack).toBe(true);
      expect(swapped.inputs.inside).toBe(join(dir, "inside.pcap"));
      expect(check(swapped, "sides")).toMatchObject({ status: "failed", reason: expect.stringMatching(/reached the outside capture first/) });
      const f = swapped.findings.find((x: any) => x.code === "nat.sides-swapped");
      expect(f.evidence.insideFlows.length + f.evidence.outsideFlows.length).toBe(2);
    });
  }

  for (const c of ["sip-udp-helper", "sip-udp-no-helper"]) {
    it(`lab ${c} (recorded through the kernel): as given → passed; swapped → nat.sides-swapped, the same findings otherwise`, async () => {
      const dir = join(lab, c);
      const given = await verify("--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"));
      expect(check(given, "sides").status).toBe("passed");
      expect(codesOf(given)).not.toContain("nat.sides-swapped");
      const swapped = await verify("--inside", join(dir, "outside.pcap"), "--outside", join(dir, "inside.pcap"));
      expect(codesOf(swapped)).toEqual([...codesOf(given), "nat.sides-swapped"].sort());
      expect(swapped.verdict).toBe("fail");
    });
  }

  it("--sip-sides-dialogs (SIP_SIDES_DIALOGS): the dialogs beyond it are not examined, counted in sip_sides_dialog_limit and named in the reason (lab sip-udp-helper: 2 dialogs)", async () => {
    const dir = join(lab, "sip-udp-helper");
    const files = ["--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap")];
    const all = await verify(...files);
    expect(all.diagnostics.find((d: any) => d.code === "sip_sides_dialog_limit")).toBeUndefined();
    expect(check(all, "sides").reason).toMatch(/^on 2 SIP dialog\(s\)/);
    const one = await verify(...files, "--sip-sides-dialogs", "1");
    expect(validate(one), JSON.stringify(validate.errors)).toBe(true);
    expect(one.diagnostics.filter((d: any) => d.code === "sip_sides_dialog_limit")).toEqual([expect.objectContaining({ severity: "info", count: 1 })]);
    expect(check(one, "sides")).toMatchObject({ status: "passed", reason: expect.stringMatching(/^on 1 SIP dialog\(s\).*only the first 1 dialogs seen in both captures were examined, 1 not/) });
    const none = await verify(...files, "--sip-sides-dialogs", "0");
    expect(none.diagnostics.find((d: any) => d.code === "sip_sides_dialog_limit").count).toBe(2);
    expect(check(none, "sides")).toMatchObject({ status: "not-checked", reason: expect.stringMatching(/2 SIP dialog\(s\) seen in both captures, none examined \(--sip-sides-dialogs 0\)/) });
    const bad = await runCli("verify", ...files, "--sip-sides-dialogs", "-1");
    expect(bad.code).toBe(2);
  });

  it("two different runs (same Call-ID, other timing): the directions overlap, nothing is judged", async () => {
    const r = await verify("--inside", join(nat, "sip-udp-alg/inside.pcap"), "--outside", join(nat, "sip-udp-no-alg/outside.pcap"));
    expect(check(r, "sides")).toMatchObject({ status: "not-checked", reason: expect.stringMatching(/1 SIP dialog\(s\) do not show it \(the time differences of the two directions overlap\)/) });
    expect(codesOf(r)).not.toContain("nat.sides-swapped");
  });
});

describe("what comes in from outside: the NAT's address turned back", () => {
  it("bob's BYE to alice's public Contact: Request-URI and To turned back, the check says so (sip-udp-bye-from-bob)", async () => {
    const r = await verify("--inside", join(nat, "sip-udp-bye-from-bob/inside.pcap"), "--outside", join(nat, "sip-udp-bye-from-bob/outside.pcap"));
    const bye = r.sessions[0].sip.messages.find((m: any) => m.name === "BYE");
    expect(bye.direction).toBe("inbound");
    const st = Object.fromEntries(bye.fields.map((f: any) => [f.field, `${f.status} ${f.outside} -> ${f.inside}`]));
    expect(st).toMatchObject({ "request-uri": "rewritten 203.0.113.1:5060 -> 192.0.2.10:5060", to: "rewritten 203.0.113.1:5060 -> 192.0.2.10:5060" });
    const c = r.checks.find((x: any) => x.check === "rewrite" && x.subject.startsWith(`SIP BYE (CSeq 1 BYE) (inside packet ${bye.inside}`));
    expect(c).toMatchObject({ status: "passed", reason: expect.stringMatching(/back to the private 192\.0\.2\.10:5060/) });
    expect(r.verdict).toBe("pass");
  });

  it("nothing turned back: the responses' Via is an error, bob's Request-URI/To a warning, each quoting the outside and inside frame (sip-udp-not-restored)", async () => {
    const r = await verify("--inside", join(nat, "sip-udp-not-restored/inside.pcap"), "--outside", join(nat, "sip-udp-not-restored/outside.pcap"));
    const via = r.findings.find((f: any) => f.code === "alg.via-not-restored");
    expect(via.severity).toBe("error");
    expect(via.message).toMatch(/^100 INVITE at outside packet 2 \/ inside packet 2, on its way in: topmost Via sent-by still names the NAT's 203\.0\.113\.1:5060 on the inside, not the private 192\.0\.2\.10:5060/);
    expect(via.evidence.inside).toEqual(via.evidence.outside);
    const hdr = r.findings.find((f: any) => f.code === "alg.sip-header-not-restored");
    expect(hdr.severity).toBe("warning");
    const bye = r.sessions[0].sip.messages.find((m: any) => m.name === "BYE");
    expect(hdr.evidence.inside).toContain(bye.inside);
    expect(hdr.evidence.outside).toContain(bye.outside);
    // Messages alice sent are still judged as outbound and pass.
    const invite = r.sessions[0].sip.messages.find((m: any) => m.name === "INVITE");
    expect(invite.direction).toBe("outbound");
    expect(invite.fields.every((f: any) => f.status === "rewritten" || f.status === "not-needed")).toBe(true);
  });
});

describe("Content-Length from the analyzer's BodyLong flag", () => {
  const dir = join(nat, "sip-udp-content-length");

  it("analyze marks the outside INVITE bodyLong (bytes after the declared body), not the inside one", async () => {
    const read = async (f: string) => JSON.parse((await runCli("analyze", join(dir, f), "--json")).stdout).sessions.find((s: any) => s.alg === "sip").sip.messages[0];
    const [i, o] = [await read("inside.pcap"), await read("outside.pcap")];
    expect([i.request.method, i.bodyLong, i.contentLength === i.bodyLength]).toEqual(["INVITE", undefined, true]);
    expect([o.request.method, o.bodyLong, o.contentLength]).toEqual(["INVITE", true, i.contentLength]);
  });

  it("the outside capture alone shows it (a warning: who broke it is not in one capture)", async () => {
    const r = await verify("--outside", join(dir, "outside.pcap"));
    const f = r.findings.find((x: any) => x.code === "alg.content-length-wrong");
    expect(f).toMatchObject({ severity: "warning", evidence: { outside: [1] } });
    expect(f.message).toMatch(/more bytes of body follow it in the datagram/);
  });
});
