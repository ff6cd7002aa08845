/**
 * SIP through a NAT, end to end on the generated two-sided cases (pcaps/nat/sip-*, generator
 * pcaps/make/sip-nat-cases.ts; expectations computed from each case's ALG and media spec): the
 * verdict and the exact set of finding codes (captures only), the packets each finding's evidence
 * must name, the media per direction, the extra `alg.fragile-input` of `--profile linux`, the
 * report against schema/verify.schema.json; then one-sided runs (outside only, inside only) and
 * the public capture of a softphone behind a NAT (taken on its side).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import { PUBLIC_DIR } from "../capture/manifest.js";
import { tempDir } from "../helpers/tmp.js";

/** This file's temp dir, removed after its tests. */
const tmp = tempDir("alg-verify-sip-nat-");

const root = new URL("../../pcaps/nat/", import.meta.url).pathname;
const cases = readdirSync(root).filter((d) => d.startsWith("sip-") && existsSync(join(root, d, "case.json")));
const validate = verifyValidator();

async function verify(...args: string[]) {
  const r = await runCli("verify", ...args, "--json");
  return { code: r.code, report: JSON.parse(r.stdout), stderr: r.stderr };
}

const codesOf = (report: any) => [...new Set<string>(report.findings.map((f: any) => f.code))].sort();

describe("SIP through the NAT: generated cases", () => {
  it("are here", () => expect(cases.length).toBe(19));
  for (const c of cases) {
    const dir = join(root, c);
    const meta = JSON.parse(readFileSync(join(dir, "case.json"), "utf8"));
    const sides = ["--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap")];

    it(`${c}: verdict, finding codes, evidence packets, media per direction`, async () => {
      const { code, report } = await verify(...sides);
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(codesOf(report), JSON.stringify(report.findings.map((f: any) => f.message))).toEqual(meta.expected.findings);
      expect(report.verdict).toBe(meta.expected.verdict);
      expect(code).toBe(meta.expected.verdict === "pass" ? 0 : 1);
      for (const [fc, ev] of Object.entries<any>(meta.evidence)) {
        const f = report.findings.find((x: any) => x.code === fc);
        for (const side of ["inside", "outside"] as const) for (const p of ev[side] ?? []) expect(f.evidence[side], `${fc} ${side}`).toContain(p);
      }
      const sip = report.sessions.filter((s: any) => s.alg === "sip");
      expect(sip.length).toBeGreaterThan(0);
      const media = sip.flatMap((s: any) => s.sip.media).filter((d: any) => d.expected);
      // Per direction, the targets in the order the SDPs announced them (one each, but for the re-INVITE cases).
      for (const dir of ["from-inside", "to-inside"]) {
        const want = meta.media.filter((m: any) => (m.direction === "alice->bob" ? "from-inside" : "to-inside") === dir && m.status !== "none");
        const got = media.filter((d: any) => d.direction === dir);
        expect(got.map((d: any) => d.status), dir).toEqual(want.map((m: any) => m.status));
        got.forEach((d: any, k: number) => expect(d.packets, `${dir} ${k}`).toEqual(want[k].packets));
        want.forEach((m: any, k: number) => m.target && expect(`${got[k].target.outside.ip}:${got[k].target.outside.port}`, dir).toBe(m.target));
      }
      // Every message of the call was paired across the NAT.
      for (const s of sip) expect(s.sip.unpaired).toEqual({ inside: [], outside: [] });
    });

    it(`${c}: --profile linux`, async () => {
      const { report } = await verify(...sides, "--profile", "linux");
      expect(codesOf(report)).toEqual(meta.expected.linux.findings);
      expect(report.verdict).toBe(meta.expected.linux.verdict);
    });
  }

  it("a rewrite that worked: each rewritten field and the m= port the NAT mapped (sip-udp-alg)", async () => {
    const { report } = await verify("--inside", join(root, "sip-udp-alg/inside.pcap"), "--outside", join(root, "sip-udp-alg/outside.pcap"));
    const invite = report.sessions[0].sip.messages.find((m: any) => m.name === "INVITE");
    const st = Object.fromEntries(invite.fields.map((f: any) => [f.field, `${f.status} ${f.outside}`]));
    expect(st).toMatchObject({ via: "rewritten 203.0.113.1:5060", contact: "rewritten 203.0.113.1:5060", "sdp-media": "rewritten 203.0.113.1:7002", "sdp-origin": "rewritten 203.0.113.1" });
    const sdp = report.sessions[0].negotiations.find((n: any) => n.kind === "SDP" && n.command === "INVITE");
    expect(sdp.rewrite).toMatchObject({ ok: true, status: "rewritten", observed: { ip: "203.0.113.1", port: 7002 } });
    expect(sdp.dataPath).toBe("forwarded");
  });

  it("hold: o= 0.0.0.0 outside is the Linux artefact, not a mismatch (sip-udp-hold)", async () => {
    const { report } = await verify("--inside", join(root, "sip-udp-hold/inside.pcap"), "--outside", join(root, "sip-udp-hold/outside.pcap"));
    const reinvite = report.sessions[0].sip.messages.filter((m: any) => m.name === "INVITE")[1];
    const o = reinvite.fields.find((f: any) => f.field === "sdp-origin");
    expect(o).toMatchObject({ status: "artefact", inside: "192.0.2.10", outside: "0.0.0.0" });
  });

  it("a router that hides the Call-ID: dialogs paired by CSeq and branch, every message compared (sip-udp-callid-hidden)", async () => {
    const dir = join(root, "sip-udp-callid-hidden");
    const { report } = await verify("--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"));
    const sip = report.sessions.filter((s: any) => s.alg === "sip");
    expect(sip.length).toBe(1);
    expect(sip[0].sip.callIdRewritten).toBe(true);
    expect(sip[0].sip.messages.every((m: any) => m.inside && m.outside)).toBe(true);
  });

  it("coverage: an outside capture that stops before the media judges no media direction (sip-udp-no-alg cut after the ACK)", async () => {
    const dir = join(root, "sip-udp-no-alg");
    const b = readFileSync(join(dir, "outside.pcap"));
    // Packets 1-5 (INVITE … ACK): 24-byte header, then 16-byte record headers + captured lengths.
    let o = 24;
    for (let k = 0; k < 5; k++) o += 16 + b.readUInt32LE(o + 8);
    const cutFile = join(mkdtempSync(join(tmp, "alg-verify-sip-")), "outside-cut.pcap");
    writeFileSync(cutFile, b.subarray(0, o));
    const { report } = await verify("--inside", join(dir, "inside.pcap"), "--outside", cutFile);
    const media = report.sessions.flatMap((s: any) => s.sip.media);
    expect(media.map((d: any) => d.status).sort()).toEqual(["not-covered", "not-covered"]);
    expect(codesOf(report)).not.toContain("alg.one-way-media");
    expect(codesOf(report)).not.toContain("alg.media-blocked");
    // The INVITE was read on both sides: its rewrite is still judged.
    expect(codesOf(report)).toContain("alg.sdp-not-translated");
  });

  it("coverage: both captures cut a moment after the first RTP (no BYE) judge no one-way media; the full case does (sip-udp-no-alg)", async () => {
    // The bench pair's one-way-media came from calls cut by the capture's end (bench/gen-capture.ts):
    // none back within SIP_MEDIA_WAIT_S (2 s) of the first media and no BYE is not evidence.
    const dir = join(root, "sip-udp-no-alg");
    const cutDir = mkdtempSync(join(tmp, "alg-verify-sip-"));
    const cut = (side: string) => {
      const b = readFileSync(join(dir, `${side}.pcap`));
      // Packets 1-8: INVITE … ACK and alice's first three RTP packets (0.4 ms of media).
      let o = 24;
      for (let k = 0; k < 8; k++) o += 16 + b.readUInt32LE(o + 8);
      const f = join(cutDir, `${side}-cut.pcap`);
      writeFileSync(f, b.subarray(0, o));
      return f;
    };
    const { report } = await verify("--inside", cut("inside"), "--outside", cut("outside"));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const media = report.sessions.flatMap((s: any) => s.sip.media);
    expect(media.map((d: any) => `${d.direction} ${d.status}`).sort()).toEqual(["from-inside forwarded", "to-inside not-covered"]);
    expect(report.checks.find((x: any) => x.check === "data-path" && x.status === "not-checked" && /SIP_MEDIA_WAIT_S/.test(x.reason))).toBeTruthy();
    expect(codesOf(report)).not.toContain("alg.one-way-media");
    expect(codesOf(report)).toContain("alg.sdp-not-translated");
    // The same call with its BYE: one-way media.
    const full = await verify("--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"));
    expect(codesOf(full.report)).toContain("alg.one-way-media");
  });

  it("UPDATE ends the media it moves; a re-INVITE answered 488 changes nothing and expects nothing toward its offer (sip-udp-update-move, sip-udp-reinvite-rejected)", async () => {
    const run = (c: string) => verify("--inside", join(root, c, "inside.pcap"), "--outside", join(root, c, "outside.pcap"));
    const upd = (await run("sip-udp-update-move")).report;
    const old = upd.sessions[0].sip.media.find((d: any) => d.target.outside.port === 7000);
    expect(old.ended).toMatchObject({ why: "moved", command: "UPDATE" });
    expect(old.status).toBe("forwarded");
    const rej = (await run("sip-udp-reinvite-rejected")).report;
    expect(rej.sessions[0].sip.media.map((d: any) => d.target.outside.port).sort()).toEqual([6000, 7000]);
    expect(rej.sessions[0].sip.media.every((d: any) => !d.ended)).toBe(true);
    const offer = rej.sessions[0].negotiations.find((n: any) => n.outside?.announced.port === 7010);
    expect(offer.dataPath).toBe("not-applicable");
  });

  it("one capture only: what it shows is checked, nothing is judged across the NAT", async () => {
    const dir = join(root, "sip-udp-no-alg");
    const out = await verify("--outside", join(dir, "outside.pcap"), "--inside-net", "192.0.2.0/24");
    expect(codesOf(out.report)).toContain("alg.sdp-not-translated");
    const inside = await verify("--inside", join(dir, "inside.pcap"));
    const one = inside.report.findings.find((f: any) => f.code === "alg.one-way-media");
    expect(one?.severity).toBe("warning");
    expect(inside.report.checks.filter((x: any) => x.check === "rewrite").every((x: any) => x.status === "not-checked")).toBe(true);
  });
});

describe("SIP through a NAT: public capture", () => {
  const pub = join(PUBLIC_DIR, "suricata-verify/sip-nat-register-invite-aaa.pcap");
  it("a softphone behind a NAT, captured on its side: RTP out, none back — one-way media (warning, one side)", async () => {
    const { report } = await verify("--inside", pub);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const sip = report.sessions.filter((s: any) => s.alg === "sip");
    expect(sip.length).toBeGreaterThan(0);
    const media = sip.flatMap((s: any) => s.sip.media);
    const out = media.find((d: any) => d.direction === "from-inside" && d.packets.inside > 0);
    expect(out).toBeDefined();
    const f = report.findings.find((x: any) => x.code === "alg.one-way-media");
    expect(f?.severity).toBe("warning");
  });
});
