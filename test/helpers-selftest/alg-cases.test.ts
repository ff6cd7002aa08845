/**
 * Self-test of pcaps/make/alg-cases.ts and the committed pcaps/alg/ files: every capture and
 * expected file equals a fresh generation byte for byte, the expected files are internally
 * consistent, and tshark (the oracle) reads back what the generator's spec says at the frame
 * numbers the expected files name — commands/response codes, the announced address where Wireshark
 * parses it, RTSP Transport headers, negotiation lines and times, and the data/media flows.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ALG_CASES, ALG_DIR, buildAlgCase, expectedJson, type BuiltCase, type NegotiationOut,
} from "../../pcaps/make/alg-cases.js";
import { describeWithTshark, tsharkFields } from "../helpers/tshark.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const built: BuiltCase[] = ALG_CASES.map((c) => buildAlgCase(c.name));
const byName = new Map(built.map((c) => [c.name, c]));
const file = (c: BuiltCase) => path.join(root, ALG_DIR, `${c.name}.pcap`);
const ftpCases = built.filter((c) => c.expected.sessions.every((s) => s.alg === "ftp")).map((c) => c.name);
const rtspCases = built.filter((c) => c.expected.sessions.every((s) => s.alg === "rtsp")).map((c) => c.name);
const allNegs = (c: BuiltCase): NegotiationOut[] => c.expected.sessions.flatMap((s) => s.negotiations);
const WINDOW_NS = 300_000_000_000n;

function isoToNs(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)\.(\d{9})Z$/.exec(iso);
  if (!m) throw new Error(`bad time ${iso}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt(m[2]!);
}

describe("pcaps/alg generator", () => {
  it("covers the cases the issue asks for", () => {
    const required = [
      "ftp-port-split", "ftp-port-bare-lf", "ftp-port-lowercase", "ftp-port-two-spaces", "ftp-227-multiline",
      "ftp-227-no-parens", "ftp-227-digit-in-text", "ftp-eprt-bang-delim", "ftp-eprt-ipv6", "ftp-port-over-65535",
      "ftp-port-octet-over-255", "ftp-port-zero", "ftp-port-out-of-order", "ftp-port-retransmitted",
      "ftp-two-lines-one-segment", "ftp-epsv-229", "ftp-229-no-parens", "rtsp-setup-multi-spec",
      "rtsp-setup-slash-ports", "rtsp-setup-single-port", "rtsp-setup-destination", "rtsp-setup-interleaved",
      "rtsp-reply-changes-client-port", "rtsp-setup-lowercase-header", "rtsp-teardown", "rtsp-port-8554",
    ];
    for (const r of required) expect(byName.has(r), r).toBe(true);
    // The committed directory holds exactly the generated cases.
    // (SIP and TFTP cases have their own generators: pcaps/make/sip-cases.ts, tftp-cases.ts.)
    const onDisk = fs.readdirSync(path.join(root, ALG_DIR)).filter((f) => !/^(sip|tftp)-/.test(f)).sort();
    expect(onDisk).toEqual(built.flatMap((c) => [`${c.name}.expected.json`, `${c.name}.pcap`]).sort());
  });

  it.each(built.map((c) => c.name))("%s: committed files equal a fresh generation", (name) => {
    const c = byName.get(name)!;
    const again = buildAlgCase(name);
    expect(again.pcap).toEqual(c.pcap);
    expect(c.pcap.length).toBeLessThan(20 * 1024);
    expect(new Uint8Array(fs.readFileSync(file(c)))).toEqual(c.pcap);
    expect(fs.readFileSync(path.join(root, ALG_DIR, `${name}.expected.json`), "utf8")).toBe(expectedJson(c));
  });

  it.each(built.map((c) => c.name))("%s: expected file is self-consistent", (name) => {
    const c = byName.get(name)!;
    const e = c.expected;
    expect(e.sessions.length).toBeGreaterThan(0);
    for (const n of allNegs(c)) {
      expect(n.packet).toBeGreaterThanOrEqual(1);
      expect(n.packet).toBeLessThanOrEqual(e.packets);
      expect(n.emulation.profile).toBe("linux");
      expect(["parsed", "ignored", "dropped"]).toContain(n.emulation.outcome);
      expect(n.emulation.reason).toMatch(/^[a-z0-9_]+$/);
      expect(n.line).not.toMatch(/[\r\n]/);
      expect(n.valid).toBe(n.reason === undefined);
      if (!n.valid) expect(n.expected).toEqual([]);
      expect(n.dataFlows.length).toBe(n.expected.length);
      expect(n.dataFlow).toEqual(n.dataFlows[0] ?? null);
      expect(n.dataSeen).toBe(n.dataFlows.some((f) => f !== null));
      n.expected.forEach((x, i) => {
        const f = n.dataFlows[i];
        if (!f) return;
        // The flow put in the capture matches its expectation and starts after the negotiation,
        // inside the 300 s window.
        expect(f.to).toEqual(x.to);
        expect(f.from.ip).toBe(x.from.ip);
        if (x.from.port !== null) expect(f.from.port).toBe(x.from.port);
        expect(f.firstPacket).toBeGreaterThan(n.packet);
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// tshark oracle
// ---------------------------------------------------------------------------------------------

/**
 * What tshark 4.0 (packet-ftp.c, ALG-BEHAVIOUR.md §1/§4 "Wireshark" column) makes of each FTP
 * negotiation at its `packet`:
 *   "equal"  — the announced ip/port fields equal the expected `announced` values;
 *   "absent" — tshark deliberately does not parse it (reason given), no address fields at all;
 *   { ip }   — tshark parses it but differs by design (value given).
 */
type TsharkView = "equal" | { absent: string } | { ip: string; why: string };
const TSHARK_FTP: Record<string, TsharkView> = {
  "ftp-port-lowercase": { absent: "verb compared case-sensitively (strncmp L941)" },
  "ftp-port-split": { absent: "no FTP reassembly: the completing frame holds only `195,80`, dissected as the command `195,80`" },
  "ftp-two-lines-one-segment": { absent: "only the first line of a PDU is parsed (L907): the frame is `TYPE`" },
  "ftp-229-no-parens": { absent: "`(` required (L560-640); expert ftp.epsv.args_invalid" },
  "ftp-eprt-bad-family": { absent: "AF 1/2 only (L495-519); expert ftp.eprt.args_invalid" },
  "ftp-port-over-65535": { absent: "ws_strtou16 rejects 75796 (L526); expert ftp.eprt.args_invalid" },
  "ftp-lprt": { absent: "Wireshark has no LPRT parser" },
  "ftp-lpsv-228": { absent: "Wireshark has no 228/LPSV parser" },
  "ftp-port-octet-over-255": { ip: "192.0.2.10", why: "IP built from unmasked shifted numbers (L358): 2<<8 | 522 bleeds to 192.0.2.10; we report no ip (octet_out_of_range)" },
};

// Fields per negotiation kind: [ipv4 field, ipv6 field, port field].
const FTP_FIELDS: Record<string, [string | null, string | null, string]> = {
  PORT: ["ftp.active.cip", null, "ftp.active.port"],
  EPRT: ["ftp.eprt.ip", "ftp.eprt.ipv6", "ftp.eprt.port"],
  "227": ["ftp.passive.ip", null, "ftp.passive.port"],
  "229": [null, null, "ftp.epsv.port"],
  LPRT: [null, null, "ftp.active.port"],
  "228": [null, null, "ftp.passive.port"],
};
const ALL_ADDR_FIELDS = ["ftp.active.cip", "ftp.active.port", "ftp.passive.ip", "ftp.passive.port", "ftp.eprt.ip", "ftp.eprt.ipv6", "ftp.eprt.port", "ftp.epsv.port"];

// Dissect out-of-order and retransmitted segments too (tshark 4.0 hands a suspected
// retransmission to no subdissector while sequence analysis is on).
const NO_SEQ = { prefs: ["tcp.analyze_sequence_numbers:FALSE"] };
const CHECK = ["tcp.check_checksum:TRUE", "udp.check_checksum:TRUE", "ip.check_checksum:TRUE"];

const TABLE_FIELDS = [
  "frame.number", "frame.time_epoch", "tcp.payload", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "udp.srcport",
  "tcp.dstport", "udp.dstport", "tcp.flags.syn", "tcp.flags.ack", "ftp.request.command", "ftp.response.code",
  "rtsp.method", "rtsp.status", "rtsp.transport", ...ALL_ADDR_FIELDS,
];
const tables = new Map<string, Map<number, Record<string, string>>>();
/** One tshark pass per capture (sequence analysis off, see NO_SEQ): frame number → field → text. */
function table(c: BuiltCase): Map<number, Record<string, string>> {
  let t = tables.get(c.name);
  if (!t) {
    t = new Map();
    for (const r of tsharkFields(file(c), TABLE_FIELDS, undefined, NO_SEQ)) {
      t.set(Number(r[0]), Object.fromEntries(TABLE_FIELDS.map((f, i) => [f, r[i]!])));
    }
    tables.set(c.name, t);
  }
  return t;
}
const at = (c: BuiltCase, frame: number): Record<string, string> => {
  const r = table(c).get(frame);
  if (!r) throw new Error(`${c.name}: no frame ${frame}`);
  return r;
};
const epochNs = (t: string): bigint => {
  const [sec, frac] = t.split(".");
  return BigInt(sec!) * 1_000_000_000n + BigInt((frac ?? "").padEnd(9, "0"));
};

describeWithTshark("pcaps/alg read back by tshark", () => {
  it.each(built.map((c) => c.name))("%s: frame count, checksums, nothing malformed", (name) => {
    const c = byName.get(name)!;
    const rows = tsharkFields(file(c), ["frame.number"], undefined, { prefs: CHECK });
    expect(rows.length).toBe(c.expected.packets);
    const bad = tsharkFields(file(c), ["frame.number", "_ws.expert.message"],
      "tcp.checksum.status==0 || udp.checksum.status==0 || ip.checksum.status==0 || _ws.malformed || _ws.expert.severity>=error",
      { prefs: CHECK });
    // Wireshark's own "arguments must have the form" errors are expected where the case is
    // deliberately unparseable for it (ftp-229-no-parens, ftp-eprt-bad-family, ftp-port-over-65535).
    const allowed = ["ftp-229-no-parens", "ftp-eprt-bad-family", "ftp-port-over-65535"].includes(name);
    expect(bad.filter((r) => !(allowed && /arguments must have the form/.test(r[1]!)))).toEqual([]);
    expect(bad.length).toBe(allowed ? 1 : 0);
  });

  it.each(built.map((c) => c.name))("%s: negotiation lines, times and data flows at the stated frames", (name) => {
    const c = byName.get(name)!;
    for (const n of allNegs(c)) {
      const row = at(c, n.packet);
      expect(epochNs(row["frame.time_epoch"]!)).toBe(isoToNs(n.time));
      const payload = Buffer.from(row["tcp.payload"]!.replace(/:/g, ""), "hex").toString("latin1");
      const first = payload.split(/\r?\n/)[0]!;
      const completes = payload.includes(n.line + "\r\n") || payload.includes(n.line + "\n") ||
        (first.length > 0 && n.line.endsWith(first) && !n.line.startsWith(first));
      expect(completes, `${n.line} in ${JSON.stringify(payload)}`).toBe(true);
      for (const f of n.dataFlows) {
        if (!f) continue;
        const d = at(c, f.firstPacket);
        expect(d["ip.src"] || d["ipv6.src"]).toBe(f.from.ip);
        expect(d["ip.dst"] || d["ipv6.dst"]).toBe(f.to.ip);
        expect(Number(d["tcp.srcport"] || d["udp.srcport"])).toBe(f.from.port);
        expect(Number(d["tcp.dstport"] || d["udp.dstport"])).toBe(f.to.port);
        if (d["tcp.srcport"]) expect([d["tcp.flags.syn"], d["tcp.flags.ack"]]).toEqual(["1", "0"]);
        const dt = epochNs(d["frame.time_epoch"]!) - isoToNs(n.time);
        expect(dt > 0n && dt <= WINDOW_NS).toBe(true);
      }
    }
  });

  it.each(ftpCases)("%s: FTP request commands and response codes", (name) => {
    const c = byName.get(name)!;
    for (const s of c.segments) {
      if (!s.lineStart) continue; // the tail of a split line (tshark: a bogus command, no reassembly)
      const firstLine = s.text.split(/\r?\n/)[0]!;
      const r = at(c, s.frame);
      if (s.fromClient) expect(r["ftp.request.command"], `frame ${s.frame}`).toBe(firstLine.split(" ")[0]);
      else expect(r["ftp.response.code"], `frame ${s.frame}`).toBe(firstLine.slice(0, 3));
    }
  });

  it.each(ftpCases)("%s: announced address where tshark parses it", (name) => {
    const c = byName.get(name)!;
    const view = TSHARK_FTP[name] ?? "equal";
    for (const n of allNegs(c)) {
      const row = at(c, n.packet);
      const got = Object.fromEntries(ALL_ADDR_FIELDS.map((f) => [f, row[f]!]));
      if (typeof view === "object" && "absent" in view) {
        expect(Object.values(got).every((v) => v === ""), `${view.absent}: ${JSON.stringify(got)}`).toBe(true);
        continue;
      }
      const [f4, f6, fp] = FTP_FIELDS[n.kind]!;
      expect(got[fp]).toBe(String(n.announced.port));
      const ip = (f4 && got[f4]) || (f6 && got[f6]) || undefined;
      if (view === "equal") expect(ip).toBe(n.announced.ip);
      else expect(ip).toBe(view.ip);
    }
  });

  it.each(rtspCases)("%s: RTSP SETUP/reply Transport headers", (name) => {
    const c = byName.get(name)!;
    const negs = allNegs(c);
    expect(c.setups.length).toBe(negs.length);
    c.setups.forEach((s, i) => {
      expect(negs[i]!.packet).toBe(s.replyFrame);
      const q = at(c, s.requestFrame);
      expect([q["rtsp.method"], q["rtsp.transport"]]).toEqual(["SETUP", s.requestTransport]);
      const p = at(c, s.replyFrame);
      expect([p["rtsp.status"], p["rtsp.transport"]]).toEqual(["200", s.replyTransport]);
      expect(negs[i]!.line.toLowerCase()).toBe(`transport: ${s.replyTransport}`.toLowerCase());
    });
  });
});
