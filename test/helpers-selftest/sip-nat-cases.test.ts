/**
 * Self-test of pcaps/make/sip-nat-cases.ts and the committed pcaps/nat/sip-* directories: every
 * file equals a fresh generation byte for byte; case.json is consistent (findings sorted, verdict
 * from the severities, notFindings not expected, evidence packets within the captures); tshark
 * (the oracle) reads every capture without malformed packets, bad checksums or expert errors, and
 * reads back alice's INVITE as each case's ALG wrote it: Via/Contact and SDP c= per side, the
 * Content-Length each side declares, and the media per direction and side.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { NAT_DIR } from "../../pcaps/make/nat-cases.js";
import { SIP_FINDING_SEVERITY, SIP_NAT_CASES, buildSipNatCase, type BuiltSipCase } from "../../pcaps/make/sip-nat-cases.js";
import { describeWithTshark, tsharkFields, tsharkProblems } from "../helpers/tshark.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const built: BuiltSipCase[] = SIP_NAT_CASES.map((c) => buildSipNatCase(c.name));
const names = built.map((c) => c.name);
const byName = new Map(built.map((c) => [c.name, c]));
const dir = (n: string) => path.join(root, NAT_DIR, n);

describe("pcaps/nat SIP generator", () => {
  it("covers the cases asked for, and the committed tree holds them", () => {
    expect(names).toEqual(["sip-udp-alg", "sip-udp-no-alg", "sip-udp-alg-headers-only", "sip-udp-content-length", "sip-udp-hold", "sip-udp-media-blocked", "sip-udp-register", "sip-udp-callid-hidden", "sip-tcp-alg", "sip-tcp-split", "sip-udp-reinvite-move", "sip-udp-reinvite-inactive", "sip-udp-reinvite-refused", "sip-udp-update-move", "sip-udp-reinvite-rejected", "sip-udp-bye-from-bob", "sip-udp-not-restored", "sip-udp-bye-not-restored", "sip-udp-register-not-restored"]);
    const onDisk = fs.readdirSync(path.join(root, NAT_DIR)).filter((d) => d.startsWith("sip-"));
    expect(onDisk.sort()).toEqual([...names].sort());
  });

  it.each(names)("%s: committed files equal a fresh generation", (name) => {
    const again = buildSipNatCase(name);
    expect(fs.readdirSync(dir(name)).sort()).toEqual([...again.files.keys()].sort());
    for (const [f, data] of again.files) {
      const disk = fs.readFileSync(path.join(dir(name), f));
      if (typeof data === "string") expect(disk.toString("utf8"), f).toBe(data);
      else expect(new Uint8Array(disk), f).toEqual(data);
    }
  });

  it.each(names)("%s: case.json is self-consistent", (name) => {
    const j = byName.get(name)!.json;
    for (const r of [j.expected, j.expected.capturesOnly, j.expected.linux]) {
      expect(r.findings).toEqual([...new Set(r.findings)].sort());
      for (const f of r.findings) expect(SIP_FINDING_SEVERITY[f], f).toBeDefined();
    }
    for (const nf of j.expected.notFindings) expect(j.expected.findings).not.toContain(nf);
    for (const [code, ev] of Object.entries(j.evidence)) {
      expect(j.expected.findings).toContain(code);
      for (const side of ["inside", "outside"] as const) for (const p of ev[side] ?? []) expect(p).toBeLessThanOrEqual(j.packets[side]);
    }
  });
});

describeWithTshark("pcaps/nat SIP cases read back by tshark", () => {
  it.each(names)("%s: no malformed packets, bad checksums or expert errors on either side; packet counts", (name) => {
    for (const side of ["inside", "outside"] as const) {
      const file = path.join(dir(name), `${side}.pcap`);
      expect(tsharkProblems(file), side).toEqual([]);
      expect(tsharkFields(file, ["frame.number"]).length, side).toBe(byName.get(name)!.json.packets[side]);
    }
  });

  it.each(SIP_NAT_CASES.map((c) => c.name))("%s: alice's first request as the ALG wrote it on each side", (name) => {
    const def = SIP_NAT_CASES.find((c) => c.name === name)!;
    const method = def.register ? "REGISTER" : "INVITE";
    const read = (side: string) => tsharkFields(path.join(dir(name), `${side}.pcap`), ["sip.Via", "sip.Contact", "sdp.connection_info", "sdp.media", "sip.Content-Length"], `sip.Method=="${method}"`)[0]!;
    const inside = read("inside");
    const outside = read("outside");
    expect(inside[0]).toContain("192.0.2.10:5060");
    const rewritten = def.alg.headers && !def.splitInvite;
    expect(outside[0]).toContain(rewritten ? "203.0.113.1:5060" : "192.0.2.10:5060");
    expect(outside[1]).toContain(rewritten ? "203.0.113.1:5060" : "192.0.2.10:5060");
    if (def.register) return;
    expect(inside[2]).toBe("IN IP4 192.0.2.10");
    const sdp = def.alg.sdp && !def.splitInvite;
    expect(outside[2]).toBe(sdp ? "IN IP4 203.0.113.1" : "IN IP4 192.0.2.10");
    expect(outside[3]).toBe(`audio ${sdp ? def.alg.mediaPort : 7000} RTP/AVP 8`);
    // Content-Length: recomputed (2 bytes longer: 192.0.2.10 → 203.0.113.1 in o= and c=) or kept.
    expect(Number(outside[4]) - Number(inside[4])).toBe(sdp && def.alg.length ? 2 : 0);
  });

  it.each(names)("%s: media per direction and side as the spec says", (name) => {
    const j = byName.get(name)!.json;
    // Per direction, summed over its targets (the re-INVITE cases move media to 7010 / 6010).
    for (const direction of ["alice->bob", "bob->alice"] as const) {
      const list = j.media.filter((m) => m.direction === direction);
      if (!list.length) continue;
      const fromAlice = direction === "alice->bob";
      for (const side of ["inside", "outside"] as const) {
        const filter = fromAlice ? "rtp.ssrc==0xa11ce000 || ((udp.srcport==7000 || udp.srcport==7010) && !sip)" : "(udp.srcport==6000 || udp.srcport==6010) && !icmp && !sip";
        const n = tsharkFields(path.join(dir(name), `${side}.pcap`), ["frame.number"], filter).length;
        expect(n, `${direction} ${side}`).toBe(list.reduce((a, m) => a + m.packets[side], 0));
      }
    }
    if (name === "sip-udp-media-blocked") {
      const icmp = tsharkFields(path.join(dir(name), "outside.pcap"), ["icmp.type", "icmp.code", "udp.dstport"], "icmp");
      expect(icmp).toEqual(Array(5).fill(["3", "3", "7000"]));
    }
  });
});
