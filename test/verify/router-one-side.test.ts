/**
 * Router output against captures that show no translation: one capture only (it shows each flow
 * on one side of the NAT), or two captures that are not paired (nat.captures-unrelated /
 * -identical). What the router did to the addresses is not in such captures, so it is never
 * judged: no router.nat-mismatch; a router line or entry is found by the ends the capture shows,
 * either side of its NAT (a rewritten tuple on its own side only); a flow the capture shows one way
 * only is not known to have crossed (not called missing); a helper's expectation seen from the
 * inside capture alone names the endpoint as the NAT rewrote it (not called missing); an
 * expectation listing given with the outside capture alone names the inside host (not called
 * unrelated); and with captures of two runs, a flow of the capture the router output names
 * nothing of is not called missing. What one capture does show is still checked — the helper,
 * the counters (packets both ways, bytes of the direction entering the router on its side), the
 * state — and a real contradiction still fails.
 *
 * The lab runs (pcaps/lab, pcaps/nat) through a real Linux NAT with its helpers, and Junos
 * conversations written for the nat cases. Before this, every one of them given one capture and
 * its router output failed with router.nat-mismatch.
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { checks, codes, lab, nat, scratch } from "./router-helpers.js";

const write = scratch("router-one-side");

async function verify(args: string[]): Promise<{ code: number; report: any }> {
  const r = await runCli("verify", ...args, "--json");
  return { code: r.code, report: JSON.parse(r.stdout) };
}
const side = (dir: string, which: "inside" | "outside", ...router: string[]) =>
  verify([`--${which}`, join(dir, `${which}.pcap`), ...router.flatMap((f) => ["--router", join(dir, f)])]);

describe("router output with one capture", () => {
  it.each(["inside", "outside"] as const)("FTP active through the helper, %s capture alone: the entries agree, their translation not compared", async (which) => {
    const dir = join(lab, "ftp-active-helper");
    const { code, report } = await side(dir, which, "conntrack.txt");
    expect(codes(report)).not.toContain("router.nat-mismatch");
    expect(codes(report)).not.toContain("conntrack.counter-mismatch");
    expect(report.verdict).toBe("pass");
    expect(code).toBe(0);
    const flows = checks(report, "router-flow");
    expect(flows.length).toBe(6);
    for (const c of flows) {
      expect(c.status, c.subject).toBe("passed");
      expect(c.reason).toContain(`tuples (NAT) not compared: only the ${which} capture was given`);
      expect(c.reason).toContain(`bytes of the direction entering the router on the ${which} side only`);
    }
    // the control entry's helper is still checked
    expect(flows.filter((c: any) => /: helper, counters \(/.test(c.reason)).length).toBe(2);
  });

  it("the inside capture alone: an expectation not found for the endpoint as the inside host wrote it is not called missing", async () => {
    // The SDP's media endpoint: 192.0.2.10:7000 inside, 198.51.100.1:7000 outside, where the
    // helper's sip/audio expectations are (the paired run finds them there).
    const dir = join(lab, "sip-clash-own-connection");
    const paired = await verify(["--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--router", join(dir, "expect.txt")]);
    expect(checks(paired.report, "conntrack-expectation").map((c: any) => c.status)).toEqual(["passed", "passed"]);
    const { report } = await side(dir, "inside", "conntrack.txt", "expect.txt");
    expect(codes(report)).not.toContain("conntrack.expectation-missing");
    const x = checks(report, "conntrack-expectation");
    expect(x.length).toBe(2);
    for (const c of x) expect(c).toMatchObject({ status: "not-checked", reason: expect.stringContaining("names it as the NAT rewrote it: only the inside capture was given") });
  });

  it("the outside capture alone: an expectation listing naming the inside host is not judged, not unrelated; what it can show is compared", async () => {
    const { report } = await side(join(lab, "ftp-passive-helper"), "outside", "conntrack.txt", "expect.txt");
    expect(codes(report)).not.toContain("router.unrelated");
    const doc = checks(report, "router-document").find((c: any) => c.subject.includes("expect.txt"));
    expect(doc).toMatchObject({ status: "not-checked", reason: expect.stringContaining("which was given alone: an expectation and its master name the inside host") });
    // the passive data endpoint is the server's: the same on both sides, so its expectation is found
    expect(checks(report, "conntrack-expectation").some((c: any) => c.status === "passed" && /expect\.txt:\d+ for 198\.51\.100\.20:402\d\d/.test(c.reason))).toBe(true);
    expect(report.verdict).toBe("pass");
  });

  it("the outside capture alone: the remote's media to the inside host's private address is another flow, not the NAT'd entry's reverse", async () => {
    // No helper: the SDP kept 192.0.2.10:7000, the remote sends there (seen outside, never crossing);
    // the router's entry is the host's own media, source-NAT'd (its original tuple is the inside's).
    const { report } = await side(join(lab, "sip-udp-no-helper"), "outside", "conntrack.txt");
    expect(codes(report)).not.toContain("router.frame-count-contradiction");
    expect(codes(report)).not.toContain("router.flow-missing");
    expect(codes(report)).toContain("conntrack.helper-missing");
    const media = checks(report, "router-flow").filter((c: any) => c.subject.includes("192.0.2.10:7000"));
    expect(media.length).toBe(2);
    for (const c of media) expect(c).toMatchObject({ status: "not-checked", reason: "conntrack: no entry, and the outside capture alone shows it one way only: whether it crossed the router is not known" });
  });

  it("Junos conversations, one capture: lines found either side of their NAT, the active data flow whichever end the capture saw open it", async () => {
    for (const which of ["inside", "outside"] as const) {
      const { report } = await side(join(nat, "ftp-active-pool"), which, "router-junos.txt");
      expect(codes(report), which).toEqual([]);
      const flows = checks(report, "router-flow");
      expect(flows.length).toBe(4);
      for (const c of flows) {
        expect(c.status, `${which} ${c.subject}`).toBe("passed");
        expect(c.reason).toMatch(/state and frame count agree; NAT not compared: only the (inside|outside) capture was given/);
      }
    }
  });

  it("what one capture shows is still judged: a zero count against traffic, a control flow listed as Forward", async () => {
    const dir = join(lab, "ftp-active-helper");
    const dump = readFileSync(join(dir, "conntrack.txt"), "utf8").split("\n");
    // the control entry (line 2) with no packet counted in its original direction
    dump[1] = dump[1]!.replace(/packets=\d+ bytes=\d+/, "packets=0 bytes=0");
    const f = write("zero.txt", dump.join("\n"));
    const { report } = await verify(["--inside", join(dir, "inside.pcap"), "--router", f]);
    expect(codes(report)).toContain("router.frame-count-contradiction");
    expect(report.verdict).toBe("fail");

    const pool = join(nat, "ftp-active-pool");
    const junos = readFileSync(join(pool, "router-junos.txt"), "utf8").replace(/(:21 +)Watch(    I)/, "$1Forward$2");
    const j = write("forward.txt", junos);
    const out = await verify(["--outside", join(pool, "outside.pcap"), "--router", j]);
    expect(codes(out.report)).toContain("router.alg-inactive");
  });
});

describe("router output with two captures that are not paired", () => {
  it("captures of two runs: the router output of one is compared with that run's flows only; nothing of the translation", async () => {
    const { report } = await verify([
      "--inside", join(lab, "ftp-active-helper", "inside.pcap"), "--outside", join(lab, "ftp-passive-helper", "outside.pcap"),
      "--router", join(lab, "ftp-active-helper", "conntrack.txt"),
    ]);
    expect(codes(report)).toEqual(["nat.captures-unrelated"]);
    const flows = checks(report, "router-flow");
    const inside = flows.filter((c: any) => c.subject.includes("192.0.2.10:"));
    const outside = flows.filter((c: any) => !c.subject.includes("192.0.2.10:"));
    expect(inside.length).toBe(6);
    for (const c of inside) expect(c, c.subject).toMatchObject({ status: "passed", reason: expect.stringContaining("tuples (NAT) not compared: the captures are not of the same run (nat.captures-unrelated)") });
    expect(outside.length).toBeGreaterThan(0);
    for (const c of outside) expect(c, c.subject).toMatchObject({ status: "not-checked", reason: expect.stringContaining("the router output names no flow of the outside capture") });
  });

  it("a copy of one capture on both sides: the entries agree, their translation not compared", async () => {
    const dir = join(lab, "ftp-active-helper");
    const copy = write("copy.pcap", "");
    copyFileSync(join(dir, "inside.pcap"), copy);
    const { report } = await verify(["--inside", join(dir, "inside.pcap"), "--outside", copy, "--router", join(dir, "conntrack.txt")]);
    expect(codes(report)).toEqual(["nat.captures-identical"]);
    const flows = checks(report, "router-flow");
    expect(flows.length).toBe(12);
    for (const c of flows) {
      expect(c, c.subject).toMatchObject({ status: "passed", reason: expect.stringContaining("tuples (NAT) not compared: the captures are copies of one capture") });
      expect(c.reason).toContain("counters (packets; bytes not compared: the captures are copies of one capture");
    }
  });

  it("the two captures paired: the translation is compared as before (a wrong NAT port is router.nat-mismatch)", async () => {
    const dir = join(lab, "ftp-active-helper");
    const dump = readFileSync(join(dir, "conntrack.txt"), "utf8").split("\n");
    dump[1] = dump[1]!.replace(/dst=198\.51\.100\.1 sport=21 dport=(\d+)/, (_, p) => `dst=198.51.100.1 sport=21 dport=${Number(p) + 1}`);
    const { report } = await verify(["--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--router", write("port.txt", dump.join("\n"))]);
    expect(codes(report)).toContain("router.nat-mismatch");
  });
});
