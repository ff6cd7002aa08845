/**
 * Decapsulation (assembly/wire/tunnel.ts + decode.ts): generated captures of every tunnel kind
 * and of every way a tunnel is left alone (pcaps/make/decap-cases.ts) against the flows and
 * counters their generator computed; tshark's conversations of the same files as a second
 * oracle; and public SIP captures re-wrapped in IP-in-IP, GRE and VXLAN give the flows of the
 * originals (ours and tshark's).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCoreModule } from "../../src/node/index.js";
import { scanCapture } from "../../src/capture/scan.js";
import type { Flow } from "../../src/types.js";
import { decapCases, encapsulateCapture, type DecapCase, type ExpectedFlow } from "../../pcaps/make/decap-cases.js";
import { readPcapRecords } from "../helpers/pcap-records.js";
import { describeWithTshark, tsharkConversations, type TsharkConversation } from "../helpers/tshark.js";
import { PUBLIC_DIR } from "./manifest.js";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";

const ep = (e: { ip: string; port: number | null }) => (e.port === null ? e.ip : e.ip.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

/** Our flows in the generator's terms. */
function asExpected(f: Flow): ExpectedFlow {
  return { proto: f.proto as ExpectedFlow["proto"], initiator: ep(f.initiator), responder: ep(f.responder), ab: f.packets.initiatorToResponder, ba: f.packets.responderToInitiator };
}

async function scan(bytes: Uint8Array, file: string, options: DecapCase["options"] = {}) {
  return scanCapture(await loadCoreModule(), [bytes] as unknown as AsyncIterable<Uint8Array>, { file, flowCapLog2: 8, ...options });
}

const byKey = (a: ExpectedFlow, b: ExpectedFlow) => `${a.proto}${a.initiator}${a.responder}`.localeCompare(`${b.proto}${b.initiator}${b.responder}`);

describe("tunnels: generated cases against their generator's flows and counters", () => {
  const cases = decapCases();
  it("covers every kind and every way a tunnel is left alone", () => {
    const names = cases.map((c) => c.name);
    for (const n of ["ipip-4in4", "ipip-6in4", "ipip-4in6", "ipip-6in6", "gre-ipv4", "gre-key-seq-csum-ipv6", "gre-teb-vlan", "erspan-i", "erspan-ii", "erspan-iii",
      "erspan-iii-subheader", "erspan-iii-ip", "vxlan", "vxlan-port-8472", "nested-vxlan-gre-ipip", "too-deep-5-ipip", "gre-cut", "ipip-inner-cut",
      "gre-version-1", "erspan-ii-bad-version", "vxlan-bad-flag", "gre-outer-fragmented"]) expect(names).toContain(n);
  });
  for (const c of cases) {
    it(`${c.name}: ${c.about}`, async () => {
      const s = await scan(c.pcap, c.name, c.options);
      expect(s.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect([...s.flows].map(asExpected).sort(byKey)).toEqual([...c.expected.flows].sort(byKey));
      expect(s.stats).toMatchObject(c.expected.stats);
      const codes = s.diagnostics.map((d) => d.code);
      for (const code of c.expected.diagnostics) expect(codes, c.name).toContain(code);
      if (c.expected.stats.decapTooDeep + c.expected.stats.decapMalformed + c.expected.stats.decapUnsupported + c.expected.stats.decapFragmented === 0) {
        expect(codes).not.toContain("tunnel_not_decapsulated");
        expect(codes).not.toContain("tunnel_too_deep");
      } else {
        // The first packet whose tunnel was left alone is named.
        const d = s.diagnostics.find((x) => x.code === "tunnel_too_deep" || x.code === "tunnel_not_decapsulated")!;
        expect(d.packet).toBe(1);
      }
    });
  }
  it("the inner flow keeps the inner frame's VLAN (GRE transparent Ethernet bridging)", async () => {
    const c = cases.find((x) => x.name === "gre-teb-vlan")!;
    const s = await scan(c.pcap, c.name);
    expect([...s.flows][0]!.vlan).toEqual([100]);
  });
  it("counts inner IP bytes, not the tunnel's (the router behind the tunnel sees the inner packet)", async () => {
    const c = cases.find((x) => x.name === "gre-key-seq-csum-ipv6")!;
    const f = [...(await scan(c.pcap, c.name)).flows][0]!;
    // "OPTIONS sip:b SIP/2.0\r\n\r\n" = 25 bytes + UDP 8 + IPv6 40.
    expect(f.ipBytes.initiatorToResponder).toBe(2 * (25 + 8 + 40));
    expect(f.payloadBytes.initiatorToResponder).toBe(2 * 25);
  });
});

/** tshark's UDP conversations in the generator's terms. */
function tsharkAsExpected(rows: TsharkConversation[]): ExpectedFlow[] {
  const e = (x: { ip: string; port: number | null }) => ep(x);
  return rows.map((r) => ({ proto: "udp" as const, initiator: e(r.a), responder: e(r.b), ab: r.framesAtoB, ba: r.framesBtoA })).sort(byKey);
}

describeWithTshark("tunnels: tshark decodes the generated cases to the same UDP conversations", () => {
  const dir = tempDir("decap-");
  for (const c of decapCases().filter((x) => x.expected.flows.every((f) => f.proto === "udp") && x.expected.flows.length > 0)) {
    it(c.name, () => {
      const file = join(dir, `${c.name}.pcap`);
      writeFileSync(file, c.pcap);
      const theirs = tsharkAsExpected(tsharkConversations(file, "udp", c.options?.vxlanPorts ? { prefs: [`vxlan.udp.port:${c.options.vxlanPorts.join(",")}`] } : undefined));
      if (c.name === "erspan-iii-ip") {
        // tshark 4.0 shows an ERSPAN III frame of type IP (2) as data: no conversation at all.
        expect(theirs).toEqual([]);
        return;
      }
      if (c.expected.stats.decapMalformed || c.name === "vxlan-not-configured") {
        // Left alone by us; tshark shows the outer UDP pair too (it may also list what it made of the inside).
        expect(theirs.map((f) => `${f.initiator} ${f.responder}`)).toContain(`${c.expected.flows[0]!.initiator} ${c.expected.flows[0]!.responder}`);
        return;
      }
      // tshark also lists the outer UDP of VXLAN as a conversation (one per outer source port).
      const outerUdp = (f: ExpectedFlow) => /:(4789|8472)$/.test(f.responder) && !c.expected.flows.some((x) => x.responder === f.responder);
      expect(theirs.filter((f) => !outerUdp(f))).toEqual([...c.expected.flows].sort(byKey));
    });
  }
});

/** Public SIP captures (Ethernet, little-endian µs pcap) re-wrapped in each tunnel. */
const PUBLIC_SIP = ["sipnab/sip-rtp-g722.pcap", "suricata-verify/sip-nat-register-invite-aaa.pcap", "heplify/heplify-sip-ipv6-udp.pcap", "sipnab/sip-over-tcp-rtp.pcap"];

describe("public SIP captures re-wrapped in IP-in-IP, GRE and VXLAN give the flows of the originals", () => {
  for (const f of PUBLIC_SIP) {
    for (const kind of ["ipip", "gre", "vxlan"] as const) {
      it(`${f} in ${kind}`, async () => {
        const path = join(PUBLIC_DIR, f);
        const original = await scan(new Uint8Array(readFileSync(path)), f);
        const wrapped = await scan(encapsulateCapture(readPcapRecords(path), kind), `${f}.${kind}`);
        const norm = (fl: Flow) => ({ ...asExpected(fl), ipBytes: fl.ipBytes, payloadBytes: fl.payloadBytes, first: fl.first.packet, last: fl.last.packet, tcp: fl.tcp });
        expect([...wrapped.flows].map(norm)).toEqual([...original.flows].map(norm));
        const ip = original.stats.ipv4 + original.stats.ipv6;
        const key = kind === "ipip" ? "decapIpInIp" : kind === "gre" ? "decapGre" : "decapVxlan";
        expect(wrapped.stats[key]).toBe(ip);
      });
    }
  }
});

describeWithTshark("public SIP captures re-wrapped: tshark's conversations equal those of the originals", () => {
  const dir = tempDir("decap-public-");
  for (const f of PUBLIC_SIP) {
    for (const kind of ["ipip", "gre", "vxlan"] as const) {
      it(`${f} in ${kind}`, () => {
        const path = join(PUBLIC_DIR, f);
        const file = join(dir, `${f.replace("/", "_")}.${kind}.pcap`);
        writeFileSync(file, encapsulateCapture(readPcapRecords(path), kind));
        for (const proto of ["tcp", "udp"] as const) {
          const key = (r: TsharkConversation) => `${ep(r.a)} ${ep(r.b)} ${r.framesAtoB} ${r.framesBtoA}`;
          const orig = tsharkConversations(path, proto).map(key).sort();
          // VXLAN's own outer UDP conversation (198.51.100.1:4789 <-> 198.51.100.2:4789) is extra.
          const got = tsharkConversations(file, proto).map(key).filter((k) => !k.startsWith("198.51.100.")).sort();
          expect(got, `${proto} conversations`).toEqual(orig);
        }
      });
    }
  }
});

describe("the CLI options reach the core", () => {
  const dir = tempDir("decap-cli-");
  const file = (name: string) => {
    const c = decapCases().find((x) => x.name === name)!;
    const p = join(dir, `${name}.pcap`);
    writeFileSync(p, c.pcap);
    return p;
  };
  it("flows --vxlan-ports 8472 decapsulates VXLAN on 8472; without it the outer UDP flow stays", async () => {
    const p = file("vxlan-port-8472");
    const on = JSON.parse((await runCli("flows", p, "--json", "--vxlan-ports", "8472")).stdout);
    const off = JSON.parse((await runCli("flows", p, "--json")).stdout);
    expect(on.flows.map((f: Flow) => f.responder.port)).toEqual([5060]);
    expect(on.stats.decapVxlan).toBe(3);
    // Left alone: the outer UDP, one flow per direction (each VTEP sends from 40000 to 8472).
    expect(off.flows.map((f: Flow) => `${f.initiator.port}>${f.responder.port}`)).toEqual(["40000>8472", "40000>8472"]);
    expect(off.stats.decapVxlan).toBe(0);
  });
  it("analyze --max-tunnel-depth 0 leaves IP-in-IP alone and says so; --vxlan-ports rejects a bad list", async () => {
    const r = await runCli("analyze", file("ipip-4in4"), "--json", "--max-tunnel-depth", "0");
    const j = JSON.parse(r.stdout);
    expect(j.flows.map((f: Flow) => f.proto)).toEqual([4]);
    expect(j.diagnostics.map((d: { code: string }) => d.code)).toContain("tunnel_too_deep");
    expect((await runCli("flows", file("vxlan"), "--vxlan-ports", "0")).code).toBe(2);
  });
});
