/**
 * verify on the bundled example pair and on the seed's router samples:
 *  - the example (FTP active + passive through a source NAT whose ALG rewrote PORT) passes with no
 *    finding; the mappings, rewrites, data paths and predicted Junos conversations are right;
 *  - printing the prediction in Junos layout and feeding it back as router output gives no router
 *    finding; each deliberate change of that output gives its router.* finding;
 *  - router output alone: the seed's FTP and RTSP samples are labelled and answered as the seed
 *    does (control/data initiator/responder; RTSP Forward flows with 0 frames are pinholes);
 *  - every report validates against schema/verify.schema.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verifyValidator } from "../helpers/verify-schema.js";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";

const validate = verifyValidator();

const ex = (f: string) => new URL(`../../pcaps/example/${f}`, import.meta.url).pathname;
const fixture = (f: string) => new URL(`../fixtures/router/${f}`, import.meta.url).pathname;
const tmp = tempDir("alg-verify-verify-");

async function verifyJson(...args: string[]) {
  const r = await runCli("verify", ...args, "--json");
  const report = JSON.parse(r.stdout);
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  return { code: r.code, report, stderr: r.stderr };
}

const pair = ["--inside", ex("ftp-active-nat-inside.pcap"), "--outside", ex("ftp-active-nat-outside.pcap")];

describe("the bundled example pair", () => {
  it("passes with no finding", async () => {
    const { code, report } = await verifyJson(...pair);
    expect(code).toBe(0);
    expect(report.verdict).toBe("pass");
    expect(report.findings).toEqual([]);
    expect(report.nat.natAddresses).toEqual(["203.0.113.1"]);
    expect(report.nat.unpaired).toEqual([]);
    expect(report.nat.mappings.map((m: any) => `${m.direction} ${m.inside.ip}:${m.inside.port}>${m.translated.ip}:${m.translated.port} ${m.remote.port}`)).toEqual([
      "outbound 192.0.2.10:51000>203.0.113.1:51000 21",
      "inbound 192.0.2.10:50000>203.0.113.1:50000 20",
      "outbound 192.0.2.10:51002>203.0.113.1:51002 21",
      "outbound 192.0.2.10:51004>203.0.113.1:51004 30000",
    ]);
    const [active, passive] = report.sessions.map((s: any) => s.negotiations[0]);
    expect(active).toMatchObject({ kind: "PORT", dataPath: "forwarded", rewrite: { ok: true, observed: { ip: "203.0.113.1", port: 50000 } } });
    expect(active.inside.announced).toEqual({ ip: "192.0.2.10", port: 50000 });
    expect(active.outside.line).toBe("PORT 203,0,113,1,195,80");
    expect(passive).toMatchObject({ kind: "227", command: "PASV", dataPath: "forwarded", rewrite: { ok: true } });
    const c = report.predicted.conversations[0];
    expect(c.flows.map((f: any) => `${f.dir} ${f.state} ${f.src.ip}:${f.src.port}>${f.dst.ip}:${f.dst.port} ${f.frames} ${f.role}`)).toEqual([
      "I Watch 192.0.2.10:51000>198.51.100.20:21 10 control initiator",
      "I Forward 192.0.2.10:50000>198.51.100.20:20 3 data initiator",
      "O Watch 198.51.100.20:21>203.0.113.1:51000 10 control responder",
      "O Forward 198.51.100.20:20>203.0.113.1:50000 5 data responder",
    ]);
    expect(report.answers[0]).toMatchObject({ question: "Is the FTP ALG active?" });
    expect(report.answers[0].answer).toMatch(/^Yes/);
  });

  it("its own prediction, printed in Junos layout and read back as router output, matches", async () => {
    const printed = await runCli("verify", ...pair, "--format", "junos");
    const f = join(tmp, "predicted.txt");
    writeFileSync(f, printed.stdout);
    const { code, report } = await verifyJson(...pair, "--router", f);
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    expect(report.answers[0].answer).toMatch(/router lists 8 flow\(s\) under ALG protocol ftp/);
  });

  it("each change of the router output gives its finding", async () => {
    const printed = (await runCli("verify", ...pair, "--format", "junos")).stdout;
    const cases: [string, (s: string) => string, string][] = [
      ["data flow missing", (s) => s.replace(/^TCP +192\.0\.2\.10:50000 .*\n.*\n/m, ""), "router.flow-missing"],
      ["NAT port differs", (s) => s.replace("203.0.113.1:50000   \n", "203.0.113.1:50001   \n"), "router.nat-mismatch"],
      ["frame count differs", (s) => s.replace(/(TCP +192\.0\.2\.10:51000 .*Watch +I +)10/, "$117"), "router.frame-count-mismatch"],
      ["data flow in Watch", (s) => s.replace(/(TCP +192\.0\.2\.10:50000 .*)Forward/, "$1Watch  "), "router.state-mismatch"],
      ["ALG protocol any", (s) => s.replace("ALG protocol: ftp", "ALG protocol: any"), "router.alg-inactive"],
    ];
    for (const [what, edit, code] of cases) {
      const changed = edit(printed);
      expect(changed, what).not.toBe(printed);
      const f = join(tmp, `${code}.txt`);
      writeFileSync(f, changed);
      const { report } = await verifyJson(...pair, "--router", f);
      expect(report.findings.map((x: any) => x.code), what).toContain(code);
    }
  });

  it("one side only: flows and negotiations without NAT checks", async () => {
    const { code, report } = await verifyJson("--inside", ex("ftp-active-nat-inside.pcap"));
    expect(code).toBe(0);
    expect(report.sessions.flatMap((s: any) => s.negotiations.map((n: any) => n.dataPath))).toEqual(["one-side-only", "one-side-only"]);
    expect(report.predicted.conversations).toHaveLength(2);
  });
});

describe("router output alone (the seed's samples)", () => {
  it("FTP: labels each flow and answers that the ALG is active", async () => {
    const { code, report } = await verifyJson("--router", fixture("seed-ftp-conversations.raw"));
    expect(code).toBe(0);
    expect(report.router.labelled.map((f: any) => `${f.dir} ${f.src.ip}:${f.src.port} ${f.frames} ${f.role}`)).toEqual([
      "I 1.1.79.2:14083 13 control initiator",
      "I 1.1.79.2:14104 3 data initiator",
      "O 2.2.2.2:21 12 control responder",
      "O 2.2.2.2:20 5 data responder",
    ]);
    const a = report.answers.find((x: any) => x.question === "Is the FTP ALG active?");
    expect(a.answer).toMatch(/^Yes: the conversation's ALG protocol is ftp and its control flows \(Watch\) counted I 13, O 12 frames/);
    expect(report.findings).toEqual([]);
  });
  it("RTSP: 5 initiators; Forward UDP flows with frame count 0 are pinholes without traffic yet", async () => {
    const { report } = await verifyJson("--router", fixture("seed-rtsp-conversations.raw"));
    const media = report.router.labelled.filter((f: any) => f.role.startsWith("media"));
    expect(media).toHaveLength(8);
    expect(media.filter((f: any) => f.note === "pinhole without traffic yet (frame count 0)")).toHaveLength(6);
    expect(report.router.labelled.filter((f: any) => f.dir === "I")).toHaveLength(5);
    const a = report.answers.find((x: any) => /media flows exist/.test(x.question));
    expect(a.answer).toMatch(/6 with frame count 0: pinholes opened by the ALG that have carried no traffic yet/);
  });
  it("ALG errors in the statistics fail the run", async () => {
    const { code, report } = await verifyJson("--router", fixture("statistics-laid-out.raw"));
    expect(report.findings.map((f: any) => f.code)).toEqual(["router.alg-errors"]);
    expect(code).toBe(1);
  });
  it("no input at all is a usage error", async () => {
    const r = await runCli("verify");
    expect(r.code).toBe(2);
  });
});
