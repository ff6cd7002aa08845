/**
 * `analyze` through the CLI in-process: JSON validates against schema/analyze.schema.json (which
 * extends flows.schema.json) on every generated case and public FTP/RTSP capture; the text output
 * shows the tables; options and exit codes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import Ajv2020Module from "ajv/dist/2020.js";
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
import { runCli } from "../cli/run.js";
import { manifest } from "../capture/manifest.js";

const load = (f: string) => JSON.parse(readFileSync(new URL(`../../schema/${f}`, import.meta.url), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addSchema(load("flows.schema.json"));
const validate = ajv.compile(load("analyze.schema.json"));

const algDir = new URL("../../pcaps/alg/", import.meta.url).pathname;
const files = [
  ...readdirSync(algDir).filter((f) => f.endsWith(".pcap")).map((f) => algDir + f),
  ...manifest().filter((e) => /^(FTP|RTSP|SIP)/.test(e.contains)).map((e) => e.path),
];

describe("analyze --json", () => {
  for (const f of files) {
    it(`validates: ${f.split("/").slice(-2).join("/")}`, async () => {
      const r = await runCli("analyze", f, "--json", "--profile", "linux");
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.profile).toBe("linux");
    });
  }
});

describe("analyze CLI", () => {
  it("prints sessions and negotiation tables", async () => {
    const r = await runCli("analyze", new URL("../../pcaps/example/ftp-active-nat-inside.pcap", import.meta.url).pathname);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 FTP and 0 RTSP control session/);
    expect(r.stdout).toMatch(/PORT\s+192\.0\.2\.10:50000\s+yes\s+tcp 198\.51\.100\.20:\* → 192\.0\.2\.10:50000\s+flow 2 @13/);
    expect(r.stdout).toMatch(/PASV→227\s+198\.51\.100\.20:30000/);
    expect(r.stdout).not.toMatch(/parsed \(ok\)/);
  });
  it("--profile linux adds the emulation column", async () => {
    const r = await runCli("analyze", algDir + "ftp-port-split.pcap", "--profile", "linux");
    expect(r.stdout).toMatch(/dropped \(split_command\)/);
  });
  it("--ftp-ports moves the FTP control port", async () => {
    const r = await runCli("analyze", algDir + "ftp-port-baseline.pcap", "--ftp-ports", "2121", "--json");
    expect(JSON.parse(r.stdout).sessions).toEqual([]);
  });
  it("--ftp-ports/--sip-ports none: that ALG is not looked for; the flows are the same; a list mixing none and ports is refused", async () => {
    const both = async (file: string, ...args: string[]) => JSON.parse((await runCli("analyze", algDir + file, "--json", ...args)).stdout);
    const ftp = await both("ftp-port-baseline.pcap");
    const noFtp = await both("ftp-port-baseline.pcap", "--ftp-ports", "none");
    expect(ftp.sessions.length).toBeGreaterThan(0);
    expect(noFtp.sessions).toEqual([]);
    expect(noFtp.flows).toEqual(ftp.flows);
    const sip = await both("sip-udp-basic.pcap");
    const noSip = await both("sip-udp-basic.pcap", "--sip-ports", "None");
    expect(sip.sessions.filter((s: { alg: string }) => s.alg === "sip").length).toBe(1);
    expect(noSip.sessions).toEqual([]);
    expect(sip.stats.sipMessages).toBe(4);
    expect(noSip.stats.sipMessages).toBe(0);
    const bad = await runCli("analyze", algDir + "ftp-port-baseline.pcap", "--ftp-ports", "21,none");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ports \(1-65535\), or none/);
  });
  it("reports the handshake and the source port (20) of an active data flow", async () => {
    const r = await runCli("analyze", new URL("../../pcaps/example/ftp-active-nat-inside.pcap", import.meta.url).pathname, "--json");
    const n = JSON.parse(r.stdout).sessions[0].negotiations[0];
    expect(n.dataSeen).toBe(true);
    expect(n.observedFlows).toEqual([2]);
    expect(n.observed[0]).toMatchObject({ expected: 0, flow: 2, handshake: true, fromPort20: true, sourcePort: 20 });
  });
  it("--window shorter than the data flow's delay reports the flow late, not seen", async () => {
    const r = await runCli("analyze", new URL("../../pcaps/example/ftp-active-nat-inside.pcap", import.meta.url).pathname, "--json", "--window", "0");
    const n = JSON.parse(r.stdout).sessions[0].negotiations[0];
    expect(n.dataSeen).toBe(false);
    expect(n.lateFlows).toEqual([2]);
  });
  it("rejects an unknown profile with exit 2", async () => {
    const r = await runCli("analyze", algDir + "ftp-port-split.pcap", "--profile", "junos");
    expect(r.code).toBe(2);
  });
  it("a corrupt capture: exit 2 with the partial report", async () => {
    const r = await runCli("analyze", manifest().find((e) => e.file.includes("bad-caplen"))!.path, "--json");
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).capture.partial).toBe(true);
  });
});
