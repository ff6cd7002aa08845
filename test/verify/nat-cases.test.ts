/**
 * Generated two-sided cases (pcaps/nat/<case>/, generator pcaps/make/nat-cases.ts; expectations
 * computed from the generator's spec): masquerade with the ALG rewriting PORT, a NAT pool, a NAT
 * that changed the data port, no ALG (PORT unchanged, SYNs dropped), passive without an ALG
 * (must pass), EPRT/EPSV, a wrong rewrite address, a port mismatch, RTSP with UDP media through
 * NAT, interleaved, media blocked, media by port preservation. For each: the verdict and finding
 * codes with the router output, with the captures only, and with each deliberately broken router
 * variant; the NAT translations; and the predicted conversation where the captures determine it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";

const root = new URL("../../pcaps/nat/", import.meta.url).pathname;
const cases = readdirSync(root).filter((d) => existsSync(join(root, d, "case.json")));

async function verify(dir: string, router: string[]) {
  const args = ["verify", "--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--json"];
  for (const r of router) args.push("--router", join(dir, r));
  const r = await runCli(...args);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

function check(report: any, want: { verdict: string; findings: string[] }, not: string[] = [], what = "") {
  const codes = new Set<string>(report.findings.map((f: any) => f.code));
  expect(report.verdict, `${what} verdict; findings: ${[...codes].join(", ")}`).toBe(want.verdict);
  for (const c of want.findings) expect(codes.has(c), `${what} has ${c}; got ${[...codes].join(", ")}`).toBe(true);
  for (const c of not) expect(codes.has(c), `${what} must not have ${c}`).toBe(false);
  // Every error is one the case expects.
  const errors = report.findings.filter((f: any) => f.severity === "error").map((f: any) => f.code);
  for (const c of errors) expect(want.findings, `${what} unexpected error ${c}`).toContain(c);
}

describe("two-sided generated cases", () => {
  it("are here", () => expect(cases.length).toBeGreaterThanOrEqual(12));
  for (const c of cases) {
    const dir = join(root, c);
    const meta = JSON.parse(readFileSync(join(dir, "case.json"), "utf8"));
    const routerFiles = ["router-junos.txt", "conntrack.txt"].filter((f) => existsSync(join(dir, f)));
    it(`${c}: with the router output`, async () => {
      const { code, report } = await verify(dir, routerFiles);
      check(report, meta.expected, meta.expected.notFindings, "with router");
      expect(code).toBe(meta.expected.verdict === "pass" ? 0 : 1);
    });
    if (meta.expected.capturesOnly) {
      it(`${c}: captures only`, async () => {
        const { report } = await verify(dir, []);
        check(report, meta.expected.capturesOnly, meta.expected.notFindings, "captures only");
      });
    }
    for (const [file, v] of Object.entries<any>(meta.routerVariants ?? {})) {
      it(`${c}: router variant ${file}`, async () => {
        const { report } = await verify(dir, [file]);
        const codes = report.findings.map((f: any) => f.code);
        for (const x of v.findings) expect(codes, file).toContain(x);
        if (v.verdict) expect(report.verdict, file).toBe(v.verdict);
      });
    }
    it(`${c}: NAT translations of the flows that crossed`, async () => {
      const { report } = await verify(dir, []);
      const got = new Set(report.nat.mappings.map((m: any) => `${m.inside.ip}:${m.inside.port}>${m.translated.ip}:${m.translated.port}|${m.remote.ip}:${m.remote.port}`));
      for (const m of meta.nat.filter((x: any) => x.crossed !== false && x.crossed !== undefined ? x.crossed : true)) {
        if (m.crossed === false) continue;
        expect(got.has(`${m.inside.ip}:${m.inside.port}>${m.outside.ip}:${m.outside.port}|${m.remote.ip}:${m.remote.port}`), JSON.stringify(m)).toBe(true);
      }
    });
  }
});
