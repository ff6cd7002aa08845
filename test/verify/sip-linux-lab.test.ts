/**
 * The Linux clash table (src/verify/sip-linux.ts linuxClashes, clashedRegister) against this
 * machine's kernel: the sip-clash-* runs recorded by lab/run.sh through nf_conntrack_sip/nf_nat_sip
 * (pcaps/lab/<scenario>/: lab/sip_clash.py peers, no media). What the kernel did is read from the
 * run (case.json's per-side request counts and outside Contact port, written by run.sh from the
 * captures; expect.txt, `conntrack -L expect`), and `verify --profile linux` must have predicted it:
 *   - sip-clash-register-invite: the INVITE meets the REGISTER's signalling expectation (another
 *     connection, another class): EALREADY, the INVITE dropped;
 *   - sip-clash-own-connection: the REGISTER meets its own connection's media expectation:
 *     EALREADY, the REGISTER dropped;
 *   - sip-clash-move: the REGISTER meets another connection's media expectation: EBUSY, moved
 *     to a random port above 5070 — and without a profile that moved Contact is judged by the
 *     registrar's OPTIONS the moved pinhole let in (src/verify/sip-contact.ts): rewritten, no finding.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { verifyValidator } from "../helpers/verify-schema.js";

const root = new URL("../../pcaps/lab/", import.meta.url).pathname;
const validate = verifyValidator();

function lab(name: string) {
  const dir = join(root, name);
  const meta = JSON.parse(readFileSync(join(dir, "case.json"), "utf8"));
  const expectLines = readFileSync(join(dir, "expect.txt"), "utf8").split("\n").filter(Boolean);
  const sides = ["--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap")];
  const verify = async (...extra: string[]) => {
    const r = await runCli("verify", ...sides, "--json", ...extra);
    const report = JSON.parse(r.stdout);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    return report;
  };
  return { meta, expectLines, verify, nat: meta.topology.natAddress as string, server: meta.topology.server as string };
}

/** `conntrack -L expect` lines of the run to NAT:port (dport=), with their class. */
const expectationsTo = (lines: string[], nat: string, port: number) =>
  lines.filter((l) => l.includes(` dst=${nat} `) && new RegExp(` dport=${port} `).test(l)).map((l) => ({ cls: /class=(\d)/.exec(l)![1], permanent: l.includes("PERMANENT") }));

describe("the Linux clash table against this kernel (lab sip-clash-*)", () => {
  it("sip-clash-register-invite: the kernel dropped the INVITE, as --profile linux predicts (and the negotiations say)", async () => {
    const { meta, expectLines, verify, nat, server } = lab("sip-clash-register-invite");
    // The kernel: the INVITE never left the router; the REGISTER did, its expectation the only one on 5070.
    expect(meta.media.requestsToServer).toEqual({ inside: { REGISTER: 1, INVITE: 1 }, outside: { REGISTER: 1, INVITE: 0 } });
    expect(expectationsTo(expectLines, nat, 5070)).toEqual([{ cls: "0", permanent: true }]);
    expect(expectationsTo(expectLines, nat, 5071)).toEqual([]);
    const report = await verify("--profile", "linux");
    const invite = report.sessions.find((s: any) => s.sip?.method === "INVITE");
    expect(invite.sip.unpaired.outside).toEqual([]);
    const [packet] = invite.sip.unpaired.inside;
    const f = report.findings.filter((x: any) => x.code === "alg.fragile-input" && x.message.startsWith(`SIP INVITE at inside packet ${packet}: Linux would have dropped it ("all ports in use for SDP media"): its media expectation udp ${server} → ${nat}:5070 is the signalling expectation the REGISTER at inside packet `));
    expect(f.length, JSON.stringify(report.findings.map((x: any) => x.message))).toBe(1);
    const neg = invite.negotiations.find((n: any) => n.kind === "SDP");
    expect(neg.inside.emulation.outcome).toBe("dropped");
    expect(neg.inside.media.linux.expected).toEqual([]);
  });

  it("sip-clash-own-connection: the kernel dropped the REGISTER, as --profile linux predicts (EALREADY on its own connection)", async () => {
    const { meta, expectLines, verify, nat, server } = lab("sip-clash-own-connection");
    expect(meta.media.requestsToServer).toEqual({ inside: { REGISTER: 1, INVITE: 1 }, outside: { REGISTER: 0, INVITE: 1 } });
    // Only the INVITE's media pair (class 1) on 7000/7001: no signalling expectation.
    expect(expectationsTo(expectLines, nat, 7000)).toEqual([{ cls: "1", permanent: false }]);
    expect(expectLines.filter((l) => l.includes("class=0"))).toEqual([]);
    const report = await verify("--profile", "linux");
    const reg = report.sessions.find((s: any) => s.sip?.register).sip.register;
    expect(reg.outside).toBeUndefined();
    expect(reg.inside.linux).toMatchObject({ outcome: "dropped", clash: { errno: "EALREADY", wanted: { proto: "udp", from: server, to: { ip: nat, port: 7000 } }, heldBy: { message: "INVITE", class: "audio" } } });
    const pin = report.checks.filter((x: any) => x.check === "linux-register");
    expect(pin.map((x: any) => x.status)).toEqual(["not-checked"]);
    expect(pin[0].reason).toContain("the outside capture does not hold the REGISTER");
  });

  it("sip-clash-move: the kernel moved the Contact above 5070 (EBUSY), as --profile linux predicts; without a profile the moved Contact is the NAT's", async () => {
    const { meta, expectLines, verify, nat, server } = lab("sip-clash-move");
    expect(meta.media.requestsToServer).toEqual({ inside: { REGISTER: 1, INVITE: 1 }, outside: { REGISTER: 1, INVITE: 1 } });
    const moved: number = meta.media.registerContactPortOutside;
    expect(moved).toBeGreaterThan(5070);
    // The kernel's signalling expectation sits on the moved port; the media pair keeps 5070/5071.
    expect(expectationsTo(expectLines, nat, moved)).toEqual([{ cls: "0", permanent: true }]);
    expect(expectationsTo(expectLines, nat, 5070)).toEqual([{ cls: "1", permanent: false }]);
    expect(meta.media.optionsToClient).toEqual({ inside: 1, outside: 1 });
    const linux = await verify("--profile", "linux");
    const reg = linux.sessions.find((s: any) => s.sip?.register).sip.register;
    for (const side of ["inside", "outside"] as const) {
      expect(reg[side].linux).toMatchObject({ outcome: "moved", clash: { errno: "EBUSY", wanted: { proto: "udp", from: server, to: { ip: nat, port: 5070 } }, heldBy: { message: "INVITE", class: "audio" } } });
      expect(reg[side].linux.expectation).toBeUndefined();
    }
    const pin = linux.checks.filter((x: any) => x.check === "linux-register");
    expect(pin.map((x: any) => x.status)).toEqual(["not-checked"]);
    expect(pin[0].reason).toContain(`this router wrote Contact port ${moved} (outside packet`);
    expect(pin[0].reason).toContain("above 5070 as Linux would, but Linux's port is random: not compared");
    // Without a profile: the registrar's OPTIONS to the moved port reached the client: no port finding.
    const plain = await verify();
    expect(plain.verdict).toBe("pass");
    expect(plain.findings.map((x: any) => x.code)).not.toContain("alg.payload-port-mismatch");
    const m = plain.sessions.find((s: any) => s.sip?.method === "REGISTER").sip.messages.find((x: any) => x.name === "REGISTER");
    const contact = m.fields.find((x: any) => x.field === "contact");
    expect([contact.outside, contact.status]).toEqual([`${nat}:${moved}`, "rewritten"]);
    expect(contact.note).toMatch(new RegExp(`^moved from the signalling mapping's port 5070 to ${moved}: the NAT forwards signalling there \\(outside flow \\d+ reached 192\\.0\\.2\\.10:5070, inside flow \\d+\\)`));
    // The registrar's 200 echoes the moved Contact and the kernel does not turn it back (not the
    // connection's): judged against the moved pinhole's private endpoint, 192.0.2.10:5070, not the
    // moved port on the private address.
    const ok = plain.sessions.find((s: any) => s.sip?.method === "REGISTER").sip.messages.find((x: any) => x.name === "200 REGISTER");
    const echo = ok.fields.find((x: any) => x.field === "contact");
    expect([echo.outside, echo.inside, echo.status, echo.expected]).toEqual([`${nat}:${moved}`, `${nat}:${moved}`, "not-rewritten", "192.0.2.10:5070"]);
    expect(echo.note).toBe(`the Contact 192.0.2.10:5070 that the NAT moved to ${nat}:${moved} (inside packet ${m.inside})`);
    const warn = plain.findings.filter((x: any) => x.code === "alg.sip-header-not-restored");
    expect(warn.map((x: any) => x.message)).toEqual([`200 REGISTER at outside packet ${ok.outside} / inside packet ${ok.inside}, on its way in: Contact still names the NAT's ${nat}:${moved} on the inside, not the private 192.0.2.10:5070 (the NAT moved the Contact 192.0.2.10:5070 to ${nat}:${moved} at inside packet ${m.inside}, and maps it back there)`]);
    expect(warn[0].severity).toBe("warning");
  });
});
