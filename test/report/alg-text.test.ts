/**
 * The SIP parts of the text reports that mirror JSON fields: `register.linux` and `media.until`
 * (analyze, on the recorded lab run sip-udp-helper: a REGISTER answered 200 and a hold re-INVITE
 * through the kernel's helper), and the media direction `stopped` (verify, the Data path column of
 * the generated case sip-udp-reinvite-inactive), and the TFTP transfer per side (verify,
 * `sessions[].tftp`, on every generated tftp NAT case). Each line is compared with the JSON of the
 * same run, so the text can only say what the report says.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";

const repo = new URL("../../", import.meta.url).pathname;
const lab = join(repo, "pcaps/lab/sip-udp-helper/inside.pcap");

describe("analyze text: SIP", () => {
  it("the REGISTER's Linux pinhole (register.linux) and the media a later SDP stopped (media.until)", async () => {
    const text = (await runCli("analyze", "--profile", "linux", lab)).stdout;
    const json = JSON.parse((await runCli("analyze", "--profile", "linux", "--json", lab)).stdout);
    const reg = json.sessions.find((s: any) => s.sip?.register?.linux).sip.register.linux;
    const x = reg.expectation;
    expect(text).toContain(`Linux REGISTER pinhole (register.linux): ${reg.outcome} (${reg.reason}): ${x.proto} ${x.from}:* → ${x.to.ip}:${x.to.port}\n`);
    const ended = json.sessions.flatMap((s: any) => s.negotiations).filter((n: any) => n.media?.until);
    expect(ended.length).toBeGreaterThan(0);
    for (const n of ended) {
      const u = n.media.until;
      const line = text.split("\n").find((l) => l.trimStart().startsWith(`${n.packet} `));
      expect(line, `packet ${n.packet}`).toContain(`stopped @${u.packet} by ${u.command} (${u.why}${u.to ? ` to ${u.to.ip}:${u.to.port}` : ""})`);
    }
    // Without the profile there is no Linux model to show.
    expect((await runCli("analyze", lab)).stdout).not.toContain("register.linux");
  });
});

describe("verify text: SIP", () => {
  it("a media direction stopped by a later SDP reads `stopped` in the Data path column, as the JSON says", async () => {
    const dir = join(repo, "pcaps/nat/sip-udp-reinvite-inactive");
    const sides = ["--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap")];
    const json = JSON.parse((await runCli("verify", ...sides, "--json")).stdout);
    const stopped = json.sessions.flatMap((s: any) => s.negotiations).filter((n: any) => n.dataPath === "stopped");
    expect(stopped.length).toBeGreaterThan(0);
    expect(json.sessions.flatMap((s: any) => s.sip.media).some((d: any) => d.status === "stopped")).toBe(true);
    const text = (await runCli("verify", ...sides)).stdout;
    const rows = text.split("\n").filter((l) => /^\s+sip\s+\S+→SDP/.test(l));
    for (const n of stopped) expect(rows.find((l) => l.includes(` ${n.inside.packet} `) && l.trimEnd().endsWith("stopped")), `packet ${n.inside.packet}`).toBeTruthy();
  });
});

describe("verify text: TFTP", () => {
  it("each request's transfer as each capture shows it, as sessions[].tftp says (every tftp NAT case)", async () => {
    const nat = join(repo, "pcaps/nat");
    for (const c of readdirSync(nat).filter((d) => d.startsWith("tftp-"))) {
      const sides = ["--inside", join(nat, c, "inside.pcap"), "--outside", join(nat, c, "outside.pcap")];
      const json = JSON.parse((await runCli("verify", ...sides, "--json")).stdout);
      const text = (await runCli("verify", ...sides)).stdout;
      const block = text.slice(text.indexOf("TFTP transfers (as each capture shows them)\n"));
      expect(block.length, c).toBeGreaterThan(0);
      for (const s of json.sessions.filter((x: any) => x.tftp)) {
        const t = s.tftp;
        const line = block.split("\n").find((l) => l.startsWith(`  ${t.opcode} ${JSON.stringify(t.filename)} ${t.mode}: `))!;
        expect(line, c).toBeDefined();
        for (const side of ["inside", "outside"] as const) {
          const x = t[side];
          if (!x) continue;
          expect(line, `${c} ${side}`).toContain(`${side} ${x.outcome === "error" ? `ERROR ${x.error.code} "${x.error.message}"` : x.outcome}`);
          expect(line, `${c} ${side}`).toContain(`${x.blocks} block(s), ${x.bytes} bytes`);
        }
      }
    }
  });
});
