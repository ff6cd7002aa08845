/**
 * `--max-sessions`: FTP and RTSP sessions kept per capture, so that memory follows a limit and
 * not the number of control connections. A connection that starts beyond it has no session: its
 * control lines are counted (diagnostic session_limit: the first one's packet, the count); the
 * sessions kept are whole. verify says where each capture stopped keeping sessions (a coverage
 * check) and judges nothing of a session seen in one capture only from the other's cut on (its
 * data path not covered, its rewrite not checked, no conntrack.expectation-missing), instead of a
 * data connection "blocked" because the other capture has no session for it.
 * Capture: sequential FTP and RTSP sessions, each with its data or media flow
 * (pcaps/make/control-floods.ts sequentialSessions), given as both sides of an identity NAT (the
 * outside its packets 50 µs later).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";
import { laterCopy } from "../helpers/pcap-records.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import { analyzeFile } from "../../src/node/files.js";
import { verify } from "../../src/verify/verify.js";
import { sequentialSessions } from "../../pcaps/make/control-floods.js";

const tmp = tempDir("alg-verify-session-limit-");
const file = join(tmp, "sequential.pcap");
writeFileSync(file, sequentialSessions(20));
/** verify's other side: the same packets later (laterCopy). */
const copy = laterCopy(file, join(tmp, "sequential-later.pcap"));
const validate = verifyValidator();

const limitOf = (report: any) => report.diagnostics.filter((d: any) => d.code === "session_limit");

describe("--max-sessions", () => {
  it("analyze keeps the first sessions whole and counts the lines of the connections beyond them", async () => {
    const full = JSON.parse((await runCli("analyze", file, "--json")).stdout);
    expect(full.sessions.map((s: any) => s.alg)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? "rtsp" : "ftp")));
    expect(limitOf(full)).toEqual([]);
    const r = await runCli("analyze", file, "--json", "--max-sessions", "4");
    expect(r.code, r.stderr).toBe(0);
    const cut = JSON.parse(r.stdout);
    expect(cut.sessions).toEqual(full.sessions.slice(0, 4));
    expect(cut.flows).toEqual(full.flows);
    const [d] = limitOf(cut);
    expect(d).toMatchObject({ severity: "warning" });
    // The cut is the fifth connection's first line: after the fourth session's negotiation, before the fifth's.
    expect(d.packet).toBeGreaterThan(full.sessions[3].negotiations[0].packet);
    expect(d.packet).toBeLessThan(full.sessions[4].negotiations[0].packet);
    expect(d.count).toBeGreaterThanOrEqual(16 * 2);
    expect(d.message).toMatch(/^more than --max-sessions \(4\) FTP\/RTSP control connections: those that start from packet \d+ \(.*\) on have no session/);
    const text = await runCli("analyze", file, "--max-sessions", "4");
    expect(text.stdout).toMatch(/warning\[session_limit\]/);
    expect((await runCli("analyze", file, "--max-sessions", "0")).code).toBe(2);
  });

  it("verify: both sides cut alike, the kept sessions checked and the cut said, no finding", async () => {
    const r = await runCli("verify", "--inside", file, "--outside", copy, "--max-sessions", "4", "--json");
    const report = JSON.parse(r.stdout);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.findings).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.sessions).toHaveLength(4);
    const coverage = report.checks.filter((c: any) => c.subject.startsWith("FTP/RTSP sessions of"));
    expect(coverage.map((c: any) => [c.check, c.status])).toEqual([["coverage", "not-checked"], ["coverage", "not-checked"]]);
    expect(coverage[0].reason).toMatch(/^the inside capture keeps no FTP\/RTSP session for the control connections that start from packet \d+ \(.*\) on: it holds more than --max-sessions \(4\) \(session_limit\)/);
  });

  it("verify: a session one capture kept and the other did not is not judged, where it would have been 'blocked'", async () => {
    for (const [a, b, cut] of [[20, 4, "outside"], [4, 20, "inside"]] as const) {
      const inside = await analyzeFile(file, { maxSessions: a });
      const outside = await analyzeFile(copy, { maxSessions: b });
      const report = verify({ inside, outside, router: [] });
      expect(report.findings.map((f) => f.code), `${a}/${b}`).toEqual([]);
      expect(report.verdict).toBe("pass");
      expect(report.sessions).toHaveLength(20);
      const paths = report.checks.filter((c) => c.check === "data-path");
      expect(paths.filter((c) => c.status === "passed")).toHaveLength(4);
      const left = paths.filter((c) => c.status !== "passed");
      expect(left.length).toBeGreaterThanOrEqual(16);
      for (const c of left) {
        expect(c.status, c.subject).toBe("not-checked");
        expect(c.reason, c.subject).toMatch(new RegExp(`^not covered: this session is in the ${cut === "outside" ? "inside" : "outside"} capture only, and the ${cut} capture keeps no FTP/RTSP session`));
      }
    }
    // Without a cut the same sessions' data paths pass.
    const whole = verify({ inside: await analyzeFile(file), outside: await analyzeFile(copy), router: [] });
    expect(whole.checks.filter((c) => c.check === "data-path" && c.status === "passed").length).toBeGreaterThanOrEqual(20);
  });
});
