/**
 * A router that moves a REGISTER's Contact port as Linux does after EBUSY (pcaps/make/sip-two-calls.ts
 * MOVED_CONTACT_CASES: alice's Contact 192.0.2.10:5070 written as 203.0.113.1:5072 while her
 * signalling maps to 203.0.113.1:5070), judged without a profile by the registrar's signalling to
 * the moved port (src/verify/sip-contact.ts): forwarded → no finding; dropped at the router → an
 * error naming the flow; not in the capture → a warning and the rewrite check not judged.
 * Expectations from the generator's spec.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import { MOVED_CONTACT_CASES, buildRegisterCallCase } from "../../pcaps/make/sip-two-calls.js";

const tmp = tempDir("alg-verify-sip-moved-");
const validate = verifyValidator();

describe("a Contact port moved by the router (as Linux after EBUSY), without a profile", () => {
  for (const spec of MOVED_CONTACT_CASES) {
    const c = buildRegisterCallCase(spec);
    const want = c.moved!;
    const inside = join(tmp, `${spec.name}-inside.pcap`);
    const outside = join(tmp, `${spec.name}-outside.pcap`);
    writeFileSync(inside, c.inside);
    writeFileSync(outside, c.outside);
    const sides = ["--inside", inside, "--outside", outside];

    it(`${spec.name}: ${want.verdict}, contact ${want.status}, the REGISTER's rewrite check ${want.check}${want.severity ? `, alg.payload-port-mismatch (${want.severity})` : ""}`, async () => {
      const r = await runCli("verify", ...sides, "--json");
      const report = JSON.parse(r.stdout);
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.verdict).toBe(want.verdict);
      expect(r.code).toBe(want.verdict === "fail" ? 1 : 0);
      expect(report.findings.map((f: any) => f.code), JSON.stringify(report.findings.map((f: any) => f.message))).toEqual(want.findings);
      const reg = report.sessions.find((s: any) => s.sip?.method === "REGISTER").sip.messages.find((m: any) => m.name === "REGISTER");
      expect([reg.inside, reg.outside]).toEqual([want.register!.inside, want.register!.outside]);
      const contact = reg.fields.find((f: any) => f.field === "contact");
      expect([contact.inside, contact.outside, contact.status]).toEqual(["192.0.2.10:5070", "203.0.113.1:5072", want.status]);
      const check = report.checks.find((x: any) => x.check === "rewrite" && x.subject.startsWith(`SIP REGISTER (CSeq 1 REGISTER) (inside packet ${want.register!.inside},`));
      expect(check.status).toBe(want.check);
      const f = report.findings[0];
      if (spec.registrarReaches === "forwarded") {
        expect(contact.expected).toBe("203.0.113.1:5072");
        expect(contact.note).toMatch(/^moved from the signalling mapping's port 5070 to 5072: the NAT forwards signalling there \(outside flow \d+ reached 192\.0\.2\.10:5070, inside flow \d+\)/);
        return;
      }
      expect(f.severity).toBe(want.severity);
      expect(f.evidence.inside).toEqual([want.register!.inside]);
      expect(f.evidence.outside).toEqual([want.register!.outside]);
      expect(f.message).toMatch(/^REGISTER at inside packet \d+ \/ outside packet \d+: Contact says 203\.0\.113\.1:5072 outside, but the NAT maps 192\.0\.2\.10:5070 to 203\.0\.113\.1:5070; moved from the signalling mapping's port 5070 to 5072/);
      if (spec.registrarReaches === "dropped") {
        // The OPTIONS's outside flow is named and in the evidence.
        const flow = /outside flow (\d+) did not cross the router$/.exec(f.message);
        expect(flow, f.message).not.toBeNull();
        expect(f.evidence.outsideFlows).toContain(Number(flow![1]));
      } else {
        expect(f.message).toContain("no signalling to 203.0.113.1:5072 in the outside capture shows whether the NAT forwards it");
      }
      // The text report says the same, with the severity.
      const text = (await runCli("verify", ...sides)).stdout;
      expect(text).toContain(`${want.severity}[alg.payload-port-mismatch] ${f.message}`);
    });

    it(`${spec.name}: --profile linux: the REGISTER's moved Contact above 5070 is not compared with Linux's random port`, async () => {
      const r = await runCli("verify", ...sides, "--json", "--profile", "linux");
      const report = JSON.parse(r.stdout);
      const pin = report.checks.filter((x: any) => x.check === "linux-register");
      expect(pin.map((x: any) => x.status)).toEqual(["not-checked"]);
      expect(pin[0].reason).toContain("this router wrote Contact port 5072 (outside packet");
      expect(pin[0].reason).toContain("above 5070 as Linux would, but Linux's port is random: not compared");
      expect(report.verdict).toBe(want.verdict);
    });
  }
});
