/**
 * The REGISTER binding in verify JSON (`sessions[].sip.register.inside|outside`: analyze's
 * `sip.register` of each capture) and in the text report, on the generated NAT cases
 * (pcaps/nat/sip-udp-register*, expectations from their generator's description: Contact
 * 192.0.2.10:5060 → 203.0.113.1:5060, expires 3600, answered 200) and the recorded lab run
 * through the kernel's SIP helper (pcaps/lab/sip-udp-helper). Each side is compared with
 * `analyze --json` of that capture, run separately.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { verifyValidator } from "../helpers/verify-schema.js";

const repo = new URL("../../", import.meta.url).pathname;
const validate = verifyValidator();

async function registers(file: string, profile: string[]) {
  const a = JSON.parse((await runCli("analyze", file, "--json", ...profile)).stdout);
  return a.sessions.filter((s: any) => s.sip?.register).map((s: any) => ({ callId: s.sip.callId, register: s.sip.register }));
}

describe("verify sessions[].sip.register: the binding as each capture shows it", () => {
  for (const [name, dir] of [["nat sip-udp-register", "pcaps/nat/sip-udp-register"], ["nat sip-udp-register-not-restored", "pcaps/nat/sip-udp-register-not-restored"], ["lab sip-udp-helper", "pcaps/lab/sip-udp-helper"]]) {
    for (const profile of [[], ["--profile", "linux"]]) {
      it(`${name}${profile.length ? " --profile linux" : ""}: verify's register per side is analyze's, and the text report shows it`, async () => {
        const inside = join(repo, dir, "inside.pcap");
        const outside = join(repo, dir, "outside.pcap");
        const report = JSON.parse((await runCli("verify", "--inside", inside, "--outside", outside, "--json", ...profile)).stdout);
        expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
        const got = report.sessions.filter((s: any) => s.sip?.register);
        const wantIn = await registers(inside, profile);
        const wantOut = await registers(outside, profile);
        expect(got.length).toBeGreaterThan(0);
        expect(got.map((s: any) => s.sip.register.inside)).toEqual(wantIn.map((x: any) => x.register));
        expect(got.map((s: any) => s.sip.register.outside)).toEqual(wantOut.map((x: any) => x.register));
        if (profile.length) expect(got.every((s: any) => s.sip.register.inside.linux && s.sip.register.outside.linux)).toBe(true);
        else expect(got.some((s: any) => s.sip.register.inside.linux)).toBe(false);
        const text = (await runCli("verify", "--inside", inside, "--outside", outside, ...profile)).stdout;
        const block = text.slice(text.indexOf("SIP registrations (the REGISTER binding as each capture shows it)\n"));
        for (const s of got) {
          const b = (k: "inside" | "outside") => s.sip.register[k];
          expect(block).toContain(`REGISTER ${s.sip.callId}: inside Contact ${b("inside").contact.map((c: any) => c.uri).join(", ")}, expires ${b("inside").expires} s, answered ${b("inside").status} (REGISTER @${b("inside").packet}); outside Contact ${b("outside").contact.map((c: any) => c.uri).join(", ")}`);
        }
      });
    }
  }

  it("nat sip-udp-register: Contact 192.0.2.10:5060 inside, 203.0.113.1:5060 outside, expires 3600, answered 200 (the generator's spec)", async () => {
    const dir = join(repo, "pcaps/nat/sip-udp-register");
    const report = JSON.parse((await runCli("verify", "--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--json")).stdout);
    const r = report.sessions.find((s: any) => s.sip?.register).sip.register;
    expect(r.inside).toMatchObject({ contact: [{ host: "192.0.2.10", port: 5060, expires: 3600 }], expires: 3600, status: 200 });
    expect(r.outside).toMatchObject({ contact: [{ host: "203.0.113.1", port: 5060, expires: 3600 }], expires: 3600, status: 200 });
  });

  it("dialogs without a REGISTER carry no register (nat sip-udp-alg)", async () => {
    const dir = join(repo, "pcaps/nat/sip-udp-alg");
    const report = JSON.parse((await runCli("verify", "--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--json")).stdout);
    const sip = report.sessions.filter((s: any) => s.alg === "sip");
    expect(sip.length).toBeGreaterThan(0);
    for (const s of sip) expect(s.sip.register).toBeUndefined();
  });
});
