/**
 * A capture holding one direction only — taken with `src host …`, or on a mirror port copying one
 * way — beside a full capture of the other side (the lab runs through a real Linux NAT, one side
 * cut to the packets its host sent). Absence in such a capture proves nothing: no flow, media or
 * reply is called blocked, missing or unanswered for not being in it. A flow the NAT pairing finds
 * on both sides crossed, though the capture lacks the negotiation that announced it (its rewrite
 * not checked). It is said: nat.capture-one-direction (warning) and a coverage check. What the
 * full capture shows against the cut one is still judged (a reply the router answered with ICMP).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { sentBy } from "../helpers/pcap-records.js";
import { tempDir } from "../helpers/tmp.js";
import { checks, codes, lab } from "./router-helpers.js";

const tmp = tempDir("alg-verify-one-direction-");
const HOST = "192.0.2.10";
const NAT = "198.51.100.1";

async function verify(inside: string, outside: string): Promise<any> {
  const r = await runCli("verify", "--inside", inside, "--outside", outside, "--json");
  return JSON.parse(r.stdout);
}
/** The lab case with its inside capture cut to the host's packets, or its outside one to the NAT's. */
function cut(name: string, side: "inside" | "outside"): [string, string] {
  const dir = join(lab, name);
  const f = sentBy(join(dir, `${side}.pcap`), join(tmp, `${name}-${side}.pcap`), side === "inside" ? HOST : NAT);
  return side === "inside" ? [f, join(dir, "outside.pcap")] : [join(dir, "inside.pcap"), f];
}

describe("a capture of one direction only", () => {
  it.each(["inside", "outside"] as const)("passive FTP, the %s capture one way: the data connections crossed (paired), the 227 not checked; said", async (side) => {
    const report = await verify(...cut("ftp-passive-helper", side));
    expect(codes(report)).toEqual(["nat.capture-one-direction"]);
    expect(report.verdict).toBe("pass");
    expect(report.findings[0]).toMatchObject({ severity: "warning", message: expect.stringMatching(new RegExp(`^in the ${side} capture .* no control flow has packets both ways, and 1 carries, one way only, packets that answer the other direction \\(from ${side === "inside" ? HOST : NAT}:\\d+\\)$`)) });
    const cov = checks(report, "coverage").find((c: any) => c.subject.startsWith(`directions of the ${side} capture`));
    expect(cov).toMatchObject({ status: "not-checked", reason: expect.stringContaining("a filter or on a mirror port that copies one direction") });
    const dp = checks(report, "data-path");
    expect(dp.length).toBe(2);
    for (const c of dp) expect(c).toMatchObject({ status: "passed", reason: "the data connection crossed the NAT (seen on both sides as one flow)" });
    for (const c of checks(report, "rewrite")) expect(c).toMatchObject({ status: "not-checked", reason: `not seen in the ${side} capture` });
  });

  it("SIP over UDP, the inside capture one way: the media to the inside host is not called blocked", async () => {
    const report = await verify(...cut("sip-udp-helper", "inside"));
    expect(codes(report)).toContain("nat.capture-one-direction");
    expect(codes(report)).not.toContain("alg.media-blocked");
    expect(report.verdict).toBe("pass");
    const media = checks(report, "data-path").filter((c: any) => /media to the inside host/.test(c.subject));
    expect(media.length).toBeGreaterThan(0);
    for (const c of media) expect(c).toMatchObject({ status: "not-checked", reason: expect.stringContaining("the inside capture holds packets of one direction only (nat.capture-one-direction)") });
  });

  it("TFTP, the inside capture one way: the reply crossed (its flow paired); through a NAT without the helper it is still blocked, the router's ICMP cited", async () => {
    const ok = await verify(...cut("tftp-helper", "inside"));
    expect(codes(ok)).not.toContain("alg.tftp-reply-blocked");
    expect(ok.verdict).toBe("pass");
    expect(checks(ok, "data-path").every((c: any) => c.status === "passed")).toBe(true);
    const blocked = await verify(...cut("tftp-no-helper", "inside"));
    const f = blocked.findings.find((x: any) => x.code === "alg.tftp-reply-blocked");
    expect(f?.message).toContain("the router answered it with ICMP");
  });

  it("RTSP PLAY without the helper: media the router answered with ICMP is still blocked (inside one way); a SETUP left unrewritten while the NAT moved the port is still an error (outside one way)", async () => {
    const inside = await verify(...cut("rtsp-play-udp-no-punch", "inside"));
    const blocked = inside.findings.find((f: any) => f.code === "alg.media-blocked");
    expect(blocked?.message).toContain("ICMP");
    expect(inside.verdict).toBe("fail");
    const moved = await verify(...cut("rtsp-play-udp-fully-random", "outside"));
    const f = moved.findings.find((x: any) => x.code === "alg.payload-not-translated");
    expect(f).toMatchObject({ severity: "error", message: expect.stringMatching(/^SETUP client_port 50000 left as the inside host wrote it, while the NAT maps 192\.0\.2\.10:50000 to 198\.51\.100\.1:\d+: media sent to the port it names finds no mapping$/) });
    expect(checks(moved, "data-path")[0]).toMatchObject({ status: "not-checked", reason: expect.stringContaining("one direction only") });
    // no punch packet: the NAT's port for it is not in the captures, so it may have worked by port preservation
    const unknown = await verify(...cut("rtsp-play-udp-no-punch", "outside"));
    expect(unknown.findings.find((x: any) => x.code === "alg.payload-not-translated")).toMatchObject({ severity: "warning", message: expect.stringContaining("whether media reached the client") });
  });

  it("no full capture is taken for one of one direction", async () => {
    for (const name of ["ftp-active-helper", "ftp-passive-helper", "rtsp-play-udp-port-preserving", "sip-tcp-helper", "sip-udp-helper", "tftp-helper", "tftp-no-helper", "sip-clash-move"]) {
      const report = await verify(join(lab, name, "inside.pcap"), join(lab, name, "outside.pcap"));
      expect(codes(report), name).not.toContain("nat.capture-one-direction");
    }
  });
});
