/**
 * Self-test of pcaps/make/nat-cases.ts and the committed pcaps/nat/<case>/ directories: every file
 * equals a fresh generation byte for byte; case.json is internally consistent (predicted flows
 * derived from `nat` by the header's conventions, frame counts matching the captures, findings
 * sorted and not contradicting notFindings); tshark (the oracle) reads every capture without
 * malformed packets, bad checksums or expert errors and reads back the PORT/EPRT/227/229/SETUP
 * lines and the blocked/forwarded flows the spec describes; every router file parses with
 * parseRouterText without an error diagnostic and gives back the flows it was printed from.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  FINDING_SEVERITY, INBOUND_I_IS_REMOTE, NAT_CASES, NAT_DIR, buildNatCase, type BuiltNatCase, type NatEntry, type PredictedFlow,
} from "../../pcaps/make/nat-cases.js";
import { parseRouterText, type JunosConversationsDocument } from "../../src/router/index.js";
import { describeWithTshark, tsharkFields } from "../helpers/tshark.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const built: BuiltNatCase[] = NAT_CASES.map((c) => buildNatCase(c.name));
const byName = new Map(built.map((c) => [c.name, c]));
const names = built.map((c) => c.name);
const dir = (c: BuiltNatCase) => path.join(root, NAT_DIR, c.name);
const CHECK = ["tcp.check_checksum:TRUE", "udp.check_checksum:TRUE", "ip.check_checksum:TRUE"];
const BAD = "tcp.checksum.status==0 || udp.checksum.status==0 || ip.checksum.status==0 || icmp.checksum.status==0 || _ws.malformed || _ws.expert.severity>=error";
const FINDING = /^(alg|router|conntrack)\.[a-z-]+$/;

describe("pcaps/nat generator", () => {
  it("covers the cases asked for, and the committed tree holds exactly them", () => {
    expect(names).toEqual([
      "ftp-active-masquerade", "ftp-active-pool", "ftp-active-port-changed", "ftp-active-no-alg", "ftp-passive-no-alg",
      "ftp-eprt-epsv", "ftp-alg-wrong-address", "ftp-alg-port-mismatch", "rtsp-udp-nat", "rtsp-interleaved",
      "rtsp-media-blocked", "rtsp-port-preservation",
    ]);
    // pcaps/make/sip-nat-cases.ts and tftp-cases.ts write the sip-* and tftp-* cases (their own self-tests).
    expect(fs.readdirSync(path.join(root, NAT_DIR)).filter((d) => !d.startsWith("sip-") && !d.startsWith("tftp-")).sort()).toEqual([...names].sort());
  });

  it.each(names)("%s: committed files equal a fresh generation", (name) => {
    const c = byName.get(name)!;
    const again = buildNatCase(name);
    expect([...again.files.keys()]).toEqual([...c.files.keys()]);
    expect(fs.readdirSync(dir(c)).sort()).toEqual([...c.files.keys()].sort());
    for (const [f, data] of c.files) {
      expect(again.files.get(f)).toEqual(data);
      const disk = fs.readFileSync(path.join(dir(c), f));
      if (typeof data === "string") expect(disk.toString("utf8"), f).toBe(data);
      else {
        expect(new Uint8Array(disk), f).toEqual(data);
        expect(data.length).toBeLessThan(30 * 1024);
      }
    }
    expect(c.files.has("inside.pcap") && c.files.has("outside.pcap") && c.files.has("router-junos.txt") && c.files.has("case.json")).toBe(true);
  });

  it.each(names)("%s: case.json is self-consistent", (name) => {
    const j = byName.get(name)!.json;
    const results = [j.expected, j.expected.capturesOnly, ...Object.values(j.routerVariants ?? {})];
    for (const r of results) {
      expect(r.findings).toEqual([...new Set(r.findings)].sort());
      for (const f of r.findings) expect(f).toMatch(FINDING);
      // router.alg-inactive is an error only when a session failed for it (an alg.* error).
      const failed = r.findings.some((f) => f.startsWith("alg.") && FINDING_SEVERITY[f] === "error");
      expect(r.verdict).toBe(r.findings.some((f) => FINDING_SEVERITY[f] === "error" && (f !== "router.alg-inactive" || failed)) ? "fail" : "pass");
    }
    for (const nf of j.expected.notFindings) {
      expect(j.expected.findings).not.toContain(nf);
      expect(j.expected.capturesOnly.findings).not.toContain(nf);
    }
    for (const f of Object.keys(j.routerVariants ?? {})) expect(byName.get(name)!.files.has(f)).toBe(true);
    // predicted: one conversation per control entry; I flows then O flows, in `nat` order.
    const controls = j.nat.filter((e) => e.role === "control");
    expect(j.predicted.length).toBe(controls.length);
    let k = 0;
    for (const conv of j.predicted) {
      const entries: NatEntry[] = [];
      do entries.push(j.nat[k++]!); while (k < j.nat.length && j.nat[k]!.role !== "control");
      expect(conv.flows.length).toBe(2 * entries.length);
      entries.forEach((e, i) => {
        const I = conv.flows[i]!;
        const O = conv.flows[entries.length + i]!;
        const state = e.role === "control" ? "Watch" : "Forward";
        const fwd: Omit<PredictedFlow, "frames" | "dir"> = { proto: e.proto === "tcp" ? "TCP" : "UDP", src: e.inside, dst: e.remote, state, nat: [{ kind: "source", from: e.inside, to: e.outside }] };
        const rev: Omit<PredictedFlow, "frames" | "dir"> = { proto: fwd.proto, src: e.remote, dst: e.outside, state, nat: [{ kind: "dest", from: e.outside, to: e.inside }] };
        const swap = INBOUND_I_IS_REMOTE && e.direction === "inbound";
        expect({ ...I, frames: 0 }).toEqual({ ...(swap ? rev : fwd), dir: "I", frames: 0 });
        expect({ ...O, frames: 0 }).toEqual({ ...(swap ? fwd : rev), dir: "O", frames: 0 });
        if (e.crossed) expect(I.frames + O.frames).toBeGreaterThan(0);
      });
    }
  });
});

describeWithTshark("pcaps/nat read back by tshark", () => {
  const files = names.flatMap((n) => ["inside", "outside"].map((s) => `${n}/${s}.pcap`));

  it.each(files)("%s: no malformed packets, bad checksums or expert errors; packet count", (f) => {
    const file = path.join(root, NAT_DIR, f);
    expect(tsharkFields(file, ["frame.number"], BAD, { prefs: CHECK })).toEqual([]);
    const [name, side] = f.replace(".pcap", "").split("/") as [string, "inside" | "outside"];
    expect(tsharkFields(file, ["frame.number"]).length).toBe(byName.get(name)!.json.packets[side]);
  });

  it.each(names)("%s: payload lines and flows read back as specified", (name) => {
    const c = byName.get(name)!;
    expect(c.checks.length).toBeGreaterThan(0);
    for (const k of c.checks) {
      const got = tsharkFields(path.join(dir(c), `${k.side}.pcap`), k.fields, k.filter);
      expect(got, `${k.side}: ${k.filter}`).toEqual(k.values);
    }
  });

  it.each(names)("%s: predicted frame counts equal tshark's per-direction counts", (name) => {
    const c = byName.get(name)!;
    for (const conv of c.json.predicted) {
      for (const f of conv.flows) {
        // Frames of a direction are counted where the router received them.
        const fromInside = f.src.ip === c.json.topology.client;
        const side = fromInside ? "inside" : "outside";
        const p = f.proto.toLowerCase();
        const filter = `${p} && ip.src==${f.src.ip} && ${p}.srcport==${f.src.port} && ip.dst==${f.dst.ip} && ${p}.dstport==${f.dst.port} && !icmp`;
        expect(tsharkFields(path.join(dir(c), `${side}.pcap`), ["frame.number"], filter).length, `${f.dir} ${filter}`).toBe(f.frames);
      }
    }
  });

  it.each(names)("%s: outside TTL is inside TTL ∓ 1 and IP ids are kept", (name) => {
    const c = byName.get(name)!;
    const read = (side: string) => tsharkFields(path.join(dir(c), `${side}.pcap`), ["ip.id", "ip.ttl", "ip.src"], "!icmp");
    const inside = new Map(read("inside").map((r) => [r[0]!, r]));
    let shared = 0;
    for (const o of read("outside")) {
      const i = inside.get(o[0]!);
      if (!i) continue;
      shared++;
      const outbound = i[2] === c.json.topology.client;
      expect(Number(o[1]) - Number(i[1])).toBe(outbound ? -1 : 1);
    }
    expect(shared).toBeGreaterThan(10);
  });
});

describe("pcaps/nat router files", () => {
  const routerFiles = built.flatMap((c) => [...c.files.keys()].filter((f) => f.endsWith(".txt")).map((f) => `${c.name}/${f}`));

  it.each(routerFiles)("%s parses without an error diagnostic", (rel) => {
    const text = fs.readFileSync(path.join(root, NAT_DIR, rel), "utf8");
    const r = parseRouterText(text, rel);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.documents.length).toBe(1);
    expect(r.documents[0]!.format).toBe(rel.endsWith("conntrack.txt") ? "conntrack" : "junos-conversations");
  });

  it.each(names)("%s: router-junos.txt of a passing ALG case is exactly the prediction", (name) => {
    const c = byName.get(name)!;
    const doc = parseRouterText(c.files.get("router-junos.txt") as string, "router-junos.txt").documents[0] as JunosConversationsDocument;
    const convs = doc.interfaces.flatMap((i) => i.conversations);
    const flows = convs.map((cv) => ({ alg: cv.alg, flows: cv.flows.map(({ location: _l, ...f }) => f) }));
    const routerFindings = c.json.expected.findings.filter((f) => f.startsWith("router."));
    if (routerFindings.length === 0) expect(flows).toEqual(c.json.predicted);
    else expect(flows).not.toEqual(c.json.predicted);
  });
});
