/**
 * The seed's rules in the comparison with a Junos conversation table (issue 12, scope 5), on
 * tables made in the test from the generated cases' router files (pcaps/nat/<case>/router-junos.txt):
 *  - "For FTP and RTSP ALG flows, the control connections are always Watch flows": a control flow
 *    in Forward while the captures show the ALG rewriting the payload is router.state-mismatch
 *    (error); without a rewrite in the captures it stays router.alg-inactive (a warning when every
 *    negotiation worked anyway);
 *  - "A valid frame count in the data flows indicates that data transfer has taken place": a zero
 *    where the captures show packets, or a count where they show none, is
 *    router.frame-count-contradiction (error, whatever --frame-tolerance says); other differences
 *    are router.frame-count-mismatch warnings beyond the tolerance.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nat, scratch, verifyCase } from "./router-helpers.js";

const write = scratch("router-junos");
let made = 0;

/** verify a generated case with `table` as its router output; returns the file too. */
async function verify(c: string, table: string, ...extra: string[]) {
  const file = write(`${c}-${++made}.txt`, table);
  return { ...(await verifyCase(join(nat, c), [file], ...extra)), file };
}

const table = (c: string) => readFileSync(join(nat, c, "router-junos.txt"), "utf8");
const codes = (report: any) => report.findings.map((f: any) => f.code);
/** Replace the state word (and keep the column layout) of the flow lines matching `re`. */
const setState = (t: string, re: RegExp, from: string, to: string) => t.split("\n").map((l) => (re.test(l) ? l.replace(from, to.padEnd(from.length)) : l)).join("\n");
/** Set the frame count of the first flow line matching `re`; returns the table and the count it had. */
function setFrames(t: string, re: RegExp, n: number): [string, number] {
  const lines = t.split("\n");
  const i = lines.findIndex((l) => re.test(l));
  const m = /(\d+)$/.exec(lines[i])!;
  lines[i] = lines[i].slice(0, m.index) + String(n).padStart(m[1].length);
  return [lines.join("\n"), Number(m[1])];
}

describe("control flows are always Watch", () => {
  it("the ALG rewrote PORT, but the router lists the control flow as Forward: router.state-mismatch (error), not alg-inactive", async () => {
    const t = table("ftp-active-masquerade");
    const changed = setState(t, /:21\b.*Watch/, "Watch  ", "Forward");
    expect(changed).not.toBe(t);
    const { code, report, file } = await verify("ftp-active-masquerade", changed);
    expect(code).toBe(1);
    expect(report.verdict).toBe("fail");
    const sm = report.findings.filter((f: any) => f.code === "router.state-mismatch");
    expect(sm.map((f: any) => f.message.split(" ").slice(0, 2).join(" ")).sort()).toEqual(["control initiator", "control responder"]);
    for (const f of sm) {
      expect(f.severity).toBe("error");
      expect(f.message).toMatch(/is Forward on the router, expected Watch while the captures show the ALG rewriting its payload \(PORT "PORT 192,0,2,10,[\d,]+" → "PORT 203,0,113,1,[\d,]+"\): control flows are always Watch/);
      expect(f.evidence.router[0].file).toBe(file);
      const port = report.sessions[0].negotiations.find((n: any) => n.kind === "PORT");
      expect(f.evidence.inside).toEqual([port.inside.packet]);
      expect(f.evidence.outside).toEqual([port.outside.packet]);
    }
    expect(codes(report)).not.toContain("router.alg-inactive");
    // Unchanged, the same table passes.
    const same = await verify("ftp-active-masquerade", t);
    expect(same.report.verdict).toBe("pass");
    expect(codes(same.report)).toEqual([]);
  });

  it("passive FTP needed no rewrite: a Forward control flow says the ALG is not applied (router.alg-inactive, a warning), the run passes", async () => {
    const t = table("ftp-passive-no-alg");
    const changed = setState(t, /:21\b.*Watch/, "Watch  ", "Forward");
    expect(changed).not.toBe(t);
    const { code, report } = await verify("ftp-passive-no-alg", changed);
    expect(codes(report)).toEqual(["router.alg-inactive"]);
    expect(report.findings[0].severity).toBe("warning");
    expect(report.verdict).toBe("pass");
    expect(code).toBe(0);
  });
});

describe("frame counts: zero against non-zero is a contradiction, other differences drift", () => {
  it("Frm count 0 on the data flow the captures show carrying packets: router.frame-count-contradiction (error)", async () => {
    const [changed, had] = setFrames(table("ftp-active-masquerade"), /:20 +Forward +I +\d+$/, 0);
    expect(had).toBeGreaterThan(0);
    for (const tolerance of ["0", String(had + 5)]) {
      const { code, report, file } = await verify("ftp-active-masquerade", changed, "--frame-tolerance", tolerance);
      expect(code, tolerance).toBe(1);
      const c = report.findings.filter((f: any) => f.code === "router.frame-count-contradiction");
      expect(c, tolerance).toHaveLength(1);
      expect(c[0].severity).toBe("error");
      expect(c[0].message).toMatch(new RegExp(`^data initiator TCP .*:20 \\(Forward I\\): router counts 0 frames, the captures ${had}: a zero where traffic passed$`));
      expect(c[0].evidence.router[0].file).toBe(file);
      expect(codes(report)).not.toContain("router.frame-count-mismatch");
      const ck = report.checks.filter((x: any) => x.check === "router-flow" && x.status === "failed");
      expect(ck).toHaveLength(1);
      expect(ck[0].subject).toMatch(/data initiator .* \(Forward I\)$/);
      expect(ck[0].reason).toContain("router.frame-count-contradiction");
    }
  });

  it("a count on a media flow where the captures show no packet: router.frame-count-contradiction", async () => {
    const [changed, had] = setFrames(table("rtsp-udp-nat"), /UDP .*:40070 +Forward +I +\d+$/, 3);
    expect(had).toBe(0);
    const { report } = await verify("rtsp-udp-nat", changed);
    const c = report.findings.filter((f: any) => f.code === "router.frame-count-contradiction");
    expect(c).toHaveLength(1);
    expect(c[0].message).toMatch(/router counts 3 frames, the captures 0: a count where no packet passed$/);
    expect(report.verdict).toBe("fail");
  });

  it("a count off by one is drift: router.frame-count-mismatch (warning) beyond --frame-tolerance, nothing within it", async () => {
    const t = table("ftp-active-masquerade");
    const had = Number(/:20 +-> .*Forward +O +(\d+)$/m.exec(t)![1]);
    const [drift] = setFrames(t, /:20 +-> .*Forward +O +\d+$/, had + 1);
    const strict = await verify("ftp-active-masquerade", drift);
    expect(strict.report.verdict).toBe("pass");
    expect(codes(strict.report)).toEqual(["router.frame-count-mismatch"]);
    expect(strict.report.findings[0].severity).toBe("warning");
    const tolerant = await verify("ftp-active-masquerade", drift, "--frame-tolerance", "1");
    expect(codes(tolerant.report)).toEqual([]);
    // Every predicted flow was compared with its line, and passed.
    const ck = tolerant.report.checks.filter((x: any) => x.check === "router-flow");
    expect(ck.length).toBe(tolerant.report.predicted.conversations[0].flows.length);
    for (const x of ck) {
      expect(x.status).toBe("passed");
      expect(x.reason).toMatch(new RegExp(`^Junos ${tolerant.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: state, NAT and frame count agree`));
    }
  });
});
