/**
 * nf_nat_sip's media expectations across two calls through one NAT (--profile linux): generated
 * two-sided captures (pcaps/make/sip-two-calls.ts; expectations from its spec). Two inside phones
 * announce the same media port: to the same peer, Linux (5.3+) drops the second INVITE (identical
 * expectation of another connection: EALREADY, "all ports in use for SDP media"), whatever this
 * router did (here it moved the port to 7002); to two peers, the expectations differ in their
 * source and both calls keep the port: no finding.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import { clashedRegister } from "../../src/alg/sip-linux.js";
import type { RegisterClash } from "../../src/alg/sip-types.js";
import { clashCheck } from "../../src/verify/sip-linux.js";
import type { SipMessageView } from "../../src/verify/sip-fields.js";
import { BOB, REGISTER_CALL_CASES, RELAY, TWO_CALL_CASES, buildExternalMediaCall, buildRegisterCallCase, buildTwoCallCase } from "../../pcaps/make/sip-two-calls.js";

const tmp = tempDir("alg-verify-sip-clash-");
const validate = verifyValidator();

async function verify(...args: string[]) {
  const r = await runCli("verify", ...args, "--json");
  return { code: r.code, report: JSON.parse(r.stdout) };
}

/** Writes a generated case's two captures; the verify arguments naming them. */
function writeSides(name: string, c: { inside: Uint8Array; outside: Uint8Array }): string[] {
  const inside = join(tmp, `${name}-inside.pcap`);
  const outside = join(tmp, `${name}-outside.pcap`);
  writeFileSync(inside, c.inside);
  writeFileSync(outside, c.outside);
  return ["--inside", inside, "--outside", outside];
}

const codesOf = (report: any) => [...new Set<string>(report.findings.map((f: any) => f.code))].sort();

/** verify of a generated case's sides (with `extra` options): schema-valid, exactly `findings`' codes. */
async function verifyExpecting(sides: string[], findings: string[], ...extra: string[]) {
  const r = await verify(...sides, ...extra);
  expect(validate(r.report), JSON.stringify(validate.errors)).toBe(true);
  expect(codesOf(r.report), JSON.stringify(r.report.findings.map((f: any) => f.message))).toEqual(findings);
  return r;
}

/** verify --profile linux of a generated case: `findings`' codes, a pass; its alg.fragile-input finding, if any. */
async function linuxFragile(sides: string[], findings: string[]) {
  const { report } = await verifyExpecting(sides, findings, "--profile", "linux");
  expect(report.verdict).toBe("pass");
  return report.findings.find((x: any) => x.code === "alg.fragile-input");
}

describe("Linux: the same media port announced by two calls through one NAT", () => {
  for (const spec of TWO_CALL_CASES) {
    const c = buildTwoCallCase(spec);
    const sides = writeSides(spec.name, c);

    it(`${spec.name}: without a profile, both calls pass (media both ways, every rewrite right)`, async () => {
      const { code, report } = await verifyExpecting(sides, c.expected.findings);
      expect(code).toBe(0);
      const sip = report.sessions.filter((s: any) => s.alg === "sip");
      expect(sip.length).toBe(2);
      for (const s of sip) expect(s.sip.media.map((d: any) => d.status).sort()).toEqual(["forwarded", "forwarded"]);
    });

    it(`${spec.name}: --profile linux: ${c.expected.linux.findings.length ? "drops carol's INVITE" : "keeps both"}`, async () => {
      const f = await linuxFragile(sides, c.expected.linux.findings);
      const ev = c.expected.linux.evidence;
      if (!ev) return;
      expect(f.message).toContain("all ports in use for SDP media");
      expect(f.message).toContain(`udp ${spec.peer} → 203.0.113.1:7000`);
      expect(f.message).toContain("this router wrote m= port 7002 instead");
      for (const side of ["inside", "outside"] as const) for (const p of ev[side]) expect(f.evidence[side]).toContain(p);
    });
  }
});

/**
 * Every SDP message the cross-call table drops (its alg.fragile-input finding names it by inside
 * packet) is dropped in every part of the report: both captures' negotiations (emulation
 * "dropped" with the finding's reason, media.linux without expectations, so nothing admitted), the
 * HTML report's negotiation rows; every other SDP keeps analyze's own Linux outcome.
 */
async function droppedEverywhere(sides: string[], dropped: number[]) {
  const { report } = await verify(...sides, "--profile", "linux");
  const said = report.findings.flatMap((f: any) => {
    const m = /^SIP \S+ at inside packet (\d+): Linux would have dropped it \(("all ports in use for SDP media")\): (.*?); nf_nat_sip moves/.exec(f.message);
    return m ? [{ packet: Number(m[1]), reason: `${m[2]}: ${m[3]}` }] : [];
  });
  expect(said.map((x: any) => x.packet)).toEqual(dropped);
  const sdp = report.sessions.flatMap((s: any) => s.negotiations).filter((n: any) => n.kind === "SDP");
  for (const n of sdp) {
    const hit = said.find((x: any) => x.packet === n.inside?.packet);
    for (const side of ["inside", "outside"] as const) {
      const x = n[side];
      if (!x) continue;
      if (!hit) {
        expect(x.emulation.reason, `${side} ${x.packet}`).not.toContain("all ports in use");
        continue;
      }
      expect(x.emulation, `${side} ${x.packet}`).toEqual({ profile: "linux", outcome: "dropped", reason: hit.reason });
      expect(x.media.linux, `${side} ${x.packet}`).toEqual({ expected: [], none: hit.reason });
    }
  }
  expect(sdp.filter((n: any) => n.inside?.emulation.outcome === "dropped").map((n: any) => n.inside.packet)).toEqual(dropped);
  const html = join(tmp, `dropped-${dropped.join("-") || "none"}-${sides[1]!.split("/").pop()}.html`);
  const h = await runCli("verify", ...sides, "--profile", "linux", "--html", html);
  expect(h.code, h.stderr).toBe(0);
  const page = readFileSync(html, "utf8");
  for (const x of said) expect(page).toContain(`inside linux: dropped (${x.reason.replaceAll('"', "&quot;")}); outside linux: dropped (`);
  return report;
}

describe("Linux: an SDP the cross-call table drops is dropped in every part of the report", () => {
  for (const spec of TWO_CALL_CASES) {
    const c = buildTwoCallCase(spec);
    const sides = writeSides(`${spec.name}-dropped`, c);
    const clash = c.expected.linux.findings.length > 0;
    it(`${spec.name}: ${clash ? "carol's INVITE dropped in both captures' negotiations and the HTML, nothing let in by it; alice's kept" : "no SDP dropped"}`, async () => {
      const report = await droppedEverywhere(sides, clash ? [c.carolInvite.inside] : []);
      const invites = report.sessions.flatMap((s: any) => s.negotiations).filter((n: any) => n.kind === "SDP" && n.command === "INVITE");
      expect(invites.map((n: any) => n.inside.emulation.outcome)).toEqual(["parsed", clash ? "dropped" : "parsed"]);
      // alice's INVITE keeps analyze's model: its expectations let her RTP in.
      expect(invites[0].inside.media.linux.admitted?.length).toBe(1);
      if (clash) expect(invites[1].inside.media.linux.admitted).toBeUndefined();
    });
  }
  for (const spec of REGISTER_CALL_CASES) {
    const c = buildRegisterCallCase(spec);
    const sides = writeSides(`${spec.name}-dropped`, c);
    // register-then-call with registrar bob: carol's INVITE meets alice's REGISTER's signalling expectation.
    const invite = spec.registerFirst && spec.registrar === BOB ? c.expected.linux.evidence!.inside[0]! : undefined;
    it(`${spec.name}: ${invite ? `carol's INVITE (inside packet ${invite}) dropped everywhere` : "no SDP dropped"}`, async () => {
      await droppedEverywhere(sides, invite ? [invite] : []);
    });
  }
});

describe("Linux: sip_external_media is not modelled (the profile emulates sip_direct_media=1)", () => {
  it("an SDP naming a relay on the peer's side gets no expectation: c= is not the sender, whatever the routes", async () => {
    const c = buildExternalMediaCall();
    const inside = join(tmp, "external-inside.pcap");
    const outside = join(tmp, "external-outside.pcap");
    writeFileSync(inside, c.inside);
    writeFileSync(outside, c.outside);
    const r = await runCli("analyze", inside, "--json", "--profile", "linux");
    const report = JSON.parse(r.stdout);
    const offer = report.sessions.flatMap((s: any) => s.negotiations).find((n: any) => n.kind === "SDP" && n.command === "INVITE");
    expect(offer.announced).toMatchObject({ ip: RELAY, port: 7000 });
    expect(offer.media.linux.expected).toEqual([]);
    expect(offer.media.linux.none).toMatch(/not the sender 192\.0\.2\.10: no expectation with sip_direct_media=1/);
    // verify with the profile: the Linux helper leaves such an SDP alone, and so did this router: nothing to flag but the fragile input.
    const v = await verify("--inside", inside, "--outside", outside, "--profile", "linux");
    const f = v.report.findings.filter((x: any) => x.code === "alg.fragile-input");
    expect(f.map((x: any) => x.message).join("\n")).toMatch(/at 198\.51\.100\.40, not the sender 192\.0\.2\.10: with sip_direct_media=1 the helper opens no pinhole/);
  });
});

describe("Linux: a REGISTER's signalling expectation in the same table as the calls' media", () => {
  for (const spec of REGISTER_CALL_CASES) {
    const c = buildRegisterCallCase(spec);
    const sides = writeSides(spec.name, c);

    it(`${spec.name}: without a profile, the registration and the call pass`, async () => {
      const { code, report } = await verifyExpecting(sides, c.expected.findings);
      expect(code).toBe(0);
      const sip = report.sessions.filter((s: any) => s.alg === "sip");
      expect(sip.map((s: any) => s.sip.method).sort()).toEqual(["INVITE", "REGISTER"]);
      const call = sip.find((s: any) => s.sip.method === "INVITE");
      expect(call.sip.media.map((d: any) => d.status)).toEqual(["forwarded", "forwarded"]);
    });

    it(`${spec.name}: --profile linux: ${c.expected.linux.findings.length ? c.expected.linux.message!.source.slice(1, 40) : "no clash"}`, async () => {
      const f = await linuxFragile(sides, c.expected.linux.findings);
      const ev = c.expected.linux.evidence;
      if (!ev) return;
      expect(f.message).toMatch(c.expected.linux.message!);
      for (const side of ["inside", "outside"] as const) expect(f.evidence[side]).toEqual(ev[side]);
    });

    const want = c.expected.linux.register;
    it(`${spec.name}: --profile linux: one REGISTER outcome (${want.outcome}) in the check, register.inside/outside.linux, the finding and the text`, async () => {
      const { report } = await verify(...sides, "--profile", "linux");
      const pins = report.checks.filter((x: any) => x.check === "linux-register");
      expect(pins.map((x: any) => [x.subject, x.status])).toEqual([[`sip REGISTER at ${want.side} packet ${want.packet}`, want.status]]);
      const pin = pins[0];
      const reg = report.sessions.find((s: any) => s.sip?.register).sip.register;
      for (const side of ["inside", "outside"] as const) {
        const l = reg[side].linux;
        expect(l.outcome, side).toBe(want.outcome);
        expect(l.clash, side).toEqual(want.clash);
        // The check says what register.linux says: the kept pinhole's lifetime and answer, or the clash's reason.
        if (want.outcome === "active") expect(pin.reason, side).toContain(`for ${l.expectation.timeoutS} s, activated by the answer at packet ${l.answerPacket}`);
        else expect(pin.reason, side).toContain(l.reason);
      }
      const f = report.findings.filter((x: any) => x.code === "alg.fragile-input" && x.message.startsWith("SIP REGISTER"));
      if (want.outcome === "active") {
        expect(f).toEqual([]);
        expect(pin.reason).toMatch(/^Linux would keep a signalling expectation from 198\.51\.100\.\d+ to 203\.0\.113\.1:5070 \(udp\) for 3600 s, activated by the answer at packet \d+/);
        expect(reg.outside.linux.expectation).toMatchObject({ proto: "udp", to: { ip: "203.0.113.1", port: 5070 }, timeoutS: 3600 });
        return;
      }
      // Dropped: no pinhole, no answer; moved: no port named (random), the answer kept.
      for (const side of ["inside", "outside"] as const) {
        expect(reg[side].linux.expectation, side).toBeUndefined();
        expect(reg[side].linux.packet, side).toBe(want.packet);
        if (want.outcome === "dropped") expect(reg[side].linux.answerPacket, side).toBeUndefined();
        else expect(reg[side].linux.answerPacket, side).toBe(want.packet + 1);
      }
      const reason = reg.inside.linux.reason;
      expect(pin.reason).toBe(want.outcome === "dropped"
        ? `Linux would drop the REGISTER: ${reason}; this router forwarded it (outside packet ${c.expected.linux.evidence!.outside[0]}) (alg.fragile-input)`
        : `Linux would move the REGISTER's signalling pinhole: ${reason}; this router wrote Contact port 5070 (outside packet ${c.expected.linux.evidence!.outside[0]}), where Linux never would (alg.fragile-input)`);
      if (want.outcome === "moved") expect(reason).toMatch(/random port above 5070 .*which cannot be predicted$/);
      expect(f.length).toBe(1);
      expect(f[0].message).toContain(reason);
      // The text report: the finding and the failed check, both with the one reason; no line says the pinhole is kept.
      const text = (await runCli("verify", ...sides, "--profile", "linux")).stdout;
      expect(text).toContain(`failed linux-register of sip REGISTER at inside packet ${want.packet}: ${pin.reason}`);
      expect(text).toContain(`warning[alg.fragile-input] ${f[0].message}`);
      expect(text).not.toMatch(/Linux would keep a signalling expectation/);
    });
  }
});

describe("Linux: a REGISTER the table decided, against what this router wrote (clashCheck)", () => {
  const clash = (errno: RegisterClash["errno"]): RegisterClash => ({ errno, wanted: { proto: "udp", from: "198.51.100.20", to: { ip: "203.0.113.1", port: 5070 } }, heldBy: { message: "INVITE", packet: 1, flow: 1, class: "audio" } });
  const judge = (errno: RegisterClash["errno"], contactPort?: number | null) => {
    const c = clash(errno);
    const r = clashedRegister({ outcome: "active", reason: "activated by the 200 for 3600 s", packet: 4, answerPacket: 5 }, c);
    // null: an outside copy without a port in its Contact (5060); undefined: no outside copy.
    const pair = contactPort === undefined ? undefined : ({ packet: 7, contact: [contactPort === null ? { uri: "<sip:alice@203.0.113.1>", host: "203.0.113.1" } : { uri: `<sip:alice@203.0.113.1:${contactPort}>`, host: "203.0.113.1", port: contactPort }] } as unknown as SipMessageView);
    return { r, ...clashCheck(r, c, pair) };
  };

  it("moved: a higher Contact port is what Linux might write (random): not checked; the wanted port or a lower one: failed", () => {
    const higher = judge("EBUSY", 5072);
    expect(higher.r.outcome).toBe("moved");
    expect(higher.r.expectation).toBeUndefined();
    expect(higher.r.answerPacket).toBe(5);
    expect(higher.status).toBe("not-checked");
    expect(higher.reason).toContain("this router wrote Contact port 5072 (outside packet 7), above 5070 as Linux would, but Linux's port is random: not compared");
    for (const port of [5070, null]) {
      const j = judge("EBUSY", port);
      expect(j.status, String(port)).toBe("failed");
      expect(j.reason).toContain(`this router wrote Contact port ${port ?? 5060} (outside packet 7), where Linux never would`);
    }
  });

  it("dropped: failed when this router forwarded it; not checked when the outside capture does not hold it", () => {
    const fwd = judge("EALREADY", 5070);
    expect(fwd.r).toMatchObject({ outcome: "dropped", packet: 4 });
    expect(fwd.r.answerPacket).toBeUndefined();
    expect(fwd.status).toBe("failed");
    expect(fwd.reason).toBe(`Linux would drop the REGISTER: ${fwd.r.reason}; this router forwarded it (outside packet 7) (alg.fragile-input)`);
    const gone = judge("EALREADY");
    expect(gone.status).toBe("not-checked");
    expect(gone.reason).toMatch(/the outside capture does not hold the REGISTER/);
    expect(judge("EBUSY").status).toBe("not-checked");
  });
});
