/**
 * `--profile linux` for SIP (src/alg/sip-linux.ts, src/verify/sip-linux.ts): the media expectations
 * nf_conntrack_sip makes, flushes and uses, and the REGISTER's signalling expectation, checked
 * against the kernel itself — the expectation events recorded live by the lab run
 * pcaps/lab/sip-udp-helper (`conntrack -E expect`: NEW and DESTROY of each expectation, a hold
 * re-INVITE flushing them) — then on the generated case whose new RTP flow Linux would refuse
 * (pcaps/nat/sip-udp-reinvite-refused), and the REGISTER rules (linuxRegister) on crafted messages.
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import { linuxRegister } from "../../src/alg/sip-linux.js";
import type { SipMessage } from "../../src/alg/sip-types.js";
import { runCli } from "../cli/run.js";

const lab = new URL("../../pcaps/lab/sip-udp-helper/", import.meta.url).pathname;
const nat = (c: string, side: string) => new URL(`../../pcaps/nat/${c}/${side}.pcap`, import.meta.url).pathname;

/** `[NEW] … src=A dst=B … dport=P` lines of conntrack -E expect, as "A>B:P" per event kind. */
function events(text: string): { NEW: string[]; DESTROY: string[] } {
  const out = { NEW: [] as string[], DESTROY: [] as string[] };
  for (const line of text.split("\n")) {
    const m = /\[(NEW|DESTROY)\].*? src=(\S+) dst=(\S+) sport=\d+ dport=(\d+)/.exec(line);
    if (m) out[m[1] as "NEW" | "DESTROY"].push(`${m[2]}>${m[3]}:${m[4]}`);
  }
  return out;
}

describe("Linux SIP helper emulation against the recorded kernel (lab sip-udp-helper)", () => {
  it("every expectation the kernel made (NEW) and removed (DESTROY: used by a flow, flushed at the re-INVITE and at BYE) is predicted", async () => {
    const opts = { profile: "linux" as const, flowCapLog2: 8 };
    const [inside, outside] = [await analyzeFile(`${lab}inside.pcap`, opts), await analyzeFile(`${lab}outside.pcap`, opts)];
    // The kernel reads what it receives: the client's messages on the inside (its expectations at the NAT address as rewritten: the outside copy), the server's on the outside (toward the client's real address: the inside copy).
    const sdp = (r: typeof inside, fromServer: boolean) => r.sessions.flatMap((s) => s.negotiations).filter((n) => n.kind === "SDP" && (n.command !== "INVITE") === fromServer);
    const predicted = [...sdp(outside, false), ...sdp(inside, true)];
    const made = predicted.flatMap((n) => n.media!.linux!.expected.map((x) => `${x.from}>${x.to.ip}:${x.to.port}`));
    const reg = outside.sessions.map((s) => s.sip?.register?.linux).find((x) => x)!;
    expect(reg).toMatchObject({ outcome: "active", expectation: { proto: "udp", from: "198.51.100.20", to: { ip: "198.51.100.1", port: 5060 } } });
    const kernel = events(readFileSync(`${lab}expect-events.txt`, "utf8"));
    expect([...made, `${reg.expectation!.from}>${reg.expectation!.to.ip}:${reg.expectation!.to.port}`].sort()).toEqual([...kernel.NEW].sort());
    // Each media expectation ends in the capture: used once by a flow, or flushed (the hold re-INVITE, the BYE).
    const ended = predicted.flatMap((n) => {
      const l = n.media!.linux!;
      return l.expected.map((x, k) => ({ x, used: k === 0 && !!l.admitted?.length, flushed: !!l.flushedBy }));
    });
    expect(ended.every((e) => e.used || e.flushed)).toBe(true);
    expect(ended.map((e) => `${e.x.from}>${e.x.to.ip}:${e.x.to.port}`).sort()).toEqual([...kernel.DESTROY].sort());
    // What flushed what: the hold re-INVITE the first four, the BYE the 200 (recvonly)'s pair; the client's RTP used 6000.
    expect(predicted.map((n) => n.media!.linux!.flushedBy?.command)).toEqual(["INVITE", undefined, "INVITE", "BYE"]);
    expect(predicted.map((n) => n.command)).toEqual(["INVITE", "INVITE", "200 INVITE", "200 INVITE"]);
    expect(predicted[2]!.media!.linux!.admitted?.length).toBe(1);
    expect(predicted.every((n) => !n.media!.linux!.refused)).toBe(true);
  });

  it("verify --profile linux on the lab run: still pass, the REGISTER pinhole predicted as the kernel listed it", async () => {
    const r = await runCli("verify", "--inside", `${lab}inside.pcap`, "--outside", `${lab}outside.pcap`, "--profile", "linux", "--json");
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe("pass");
    const c = report.checks.find((x: any) => x.check === "linux-register");
    expect(c.reason).toContain("from 198.51.100.20 to 198.51.100.1:5060 (udp) for 300 s");
  });
});

describe("a new RTP flow after a re-INVITE flushed the expectations (sip-udp-reinvite-refused)", () => {
  it("analyze --profile linux: the flow is refused (flushed by bob's INVITE); the first flow was admitted", async () => {
    const r = await analyzeFile(nat("sip-udp-reinvite-refused", "outside"), { profile: "linux", flowCapLog2: 8 });
    const n = r.sessions.flatMap((s) => s.negotiations);
    const invite = n[0]!;
    const bobInvite = n.find((x) => x.command === "INVITE" && x.announced.port === 6010)!;
    expect(invite.media!.linux!.admitted).toEqual([invite.observedFlows[0]]);
    expect(invite.media!.linux!.refused).toEqual([{ flow: expect.any(Number), why: `flushed by INVITE at packet ${bobInvite.packet}` }]);
    expect(invite.emulation?.reason).toContain("would refuse flow");
    const lenient = await analyzeFile(nat("sip-udp-reinvite-refused", "outside"), { flowCapLog2: 8 });
    expect(lenient.sessions.flatMap((s) => s.negotiations).every((x) => !x.media?.linux && !x.emulation)).toBe(true);
  });

  it("verify: pass either way; --profile linux names the flow this router let in", async () => {
    const args = ["verify", "--inside", nat("sip-udp-reinvite-refused", "inside"), "--outside", nat("sip-udp-reinvite-refused", "outside"), "--json"];
    const plain = JSON.parse((await runCli(...args)).stdout);
    expect(plain.findings).toEqual([]);
    const linux = JSON.parse((await runCli(...args, "--profile", "linux")).stdout);
    const f = linux.findings.filter((x: any) => x.code === "alg.fragile-input");
    expect(f.length).toBe(1);
    expect(f[0].message).toMatch(/Linux would have refused it \(flushed by INVITE at packet \d+\)/);
    expect(f[0].evidence.outsideFlows.length).toBe(1);
  });
});

describe("the REGISTER's signalling expectation (linuxRegister)", () => {
  const base = (o: Partial<SipMessage>): SipMessage => ({
    packet: 1, time: "", flow: 1, dir: 0, src: { ip: "192.0.2.10", port: 5060 }, dst: { ip: "198.51.100.20", port: 5060 },
    via: [], contact: [], bodyLength: 0, seq: 0, indexInPacket: 0, segments: 1, cseq: { num: 1, method: "REGISTER" }, ...o,
  });
  const reg = (o: Partial<SipMessage> = {}) => base({ request: { method: "REGISTER", uri: "sip:198.51.100.20" }, contact: [{ uri: "sip:alice@192.0.2.10:5062", host: "192.0.2.10", port: 5062 }], expires: 600, ...o });
  const ans = (code: number, o: Partial<SipMessage> = {}) => base({ packet: 2, dir: 1, src: { ip: "198.51.100.20", port: 5060 }, dst: { ip: "192.0.2.10", port: 5060 }, status: { code, reason: "" }, ...o });

  it("a 2xx naming the Contact again activates it for the Contact's expires (it overrides Expires)", () => {
    const r = linuxRegister([reg(), ans(200, { contact: [{ uri: "sip:alice@192.0.2.10:5062", host: "192.0.2.10", port: 5062, expires: 120 }], expires: 600 })], "udp");
    expect(r).toMatchObject({ outcome: "active", answerPacket: 2, expectation: { proto: "udp", from: "198.51.100.20", to: { ip: "192.0.2.10", port: 5062 }, timeoutS: 120 } });
  });
  it("no answer: pending (PERMANENT, INACTIVE); a 401: flushed; a 2xx without the Contact: flushed", () => {
    expect(linuxRegister([reg()], "udp")?.outcome).toBe("pending");
    expect(linuxRegister([reg(), ans(401)], "udp")?.outcome).toBe("flushed");
    expect(linuxRegister([reg(), ans(200, { contact: [{ uri: "sip:alice@192.0.2.99", host: "192.0.2.99" }], expires: 60 })], "udp")?.outcome).toBe("flushed");
    // An answer to another CSeq is not the helper's concern.
    expect(linuxRegister([reg(), ans(401, { cseq: { num: 7, method: "REGISTER" } })], "udp")?.outcome).toBe("pending");
  });
  it("no Expires and no expires=: the helper reads 0 and opens nothing; a third-party Contact: nothing; transport=tls: nothing", () => {
    expect(linuxRegister([reg({ expires: undefined })], "udp")).toMatchObject({ outcome: "none", reason: expect.stringContaining("expires 0") });
    expect(linuxRegister([reg({ contact: [{ uri: "sip:alice@192.0.2.11", host: "192.0.2.11" }] })], "udp")).toMatchObject({ outcome: "none", reason: expect.stringContaining("third-party") });
    expect(linuxRegister([reg({ contact: [{ uri: "sip:alice@192.0.2.10;transport=tls", host: "192.0.2.10" }] })], "udp")?.outcome).toBe("none");
  });
  it("a Contact host name or a port below 1024: the REGISTER is dropped; over TCP, transport=tcp by default", () => {
    expect(linuxRegister([reg({ contact: [{ uri: "sip:alice@pc.example", host: "pc.example" }] })], "udp")?.outcome).toBe("dropped");
    expect(linuxRegister([reg({ contact: [{ uri: "sip:alice@192.0.2.10:80", host: "192.0.2.10", port: 80 }] })], "udp")?.outcome).toBe("dropped");
    expect(linuxRegister([reg({ contentLength: 0 })], "tcp")?.expectation?.proto).toBe("tcp");
    expect(linuxRegister([reg({ segments: 2 })], "tcp")).toBeUndefined();
  });
});

describe("alg.fragile-input's explanation says what the finding covers for SIP and TFTP", () => {
  it("a SIP case's finding (reinvite-refused) carries the SIP cases; TFTP requests never get it, as it says (every pcaps/nat/tftp-* case under --profile linux)", async () => {
    const sip = JSON.parse((await runCli("verify", "--inside", nat("sip-udp-reinvite-refused", "inside"), "--outside", nat("sip-udp-reinvite-refused", "outside"), "--profile", "linux", "--json")).stdout);
    const f = sip.findings.find((x: any) => x.code === "alg.fragile-input");
    expect(f.message).toMatch(/Linux would have refused it/);
    expect(f.explanation).toMatch(/SIP: .*media opened after its expectation was flushed, used or expired/);
    expect(f.explanation).not.toMatch(/would drop or ignore this line/);
    const cases = readdirSync(new URL("../../pcaps/nat/", import.meta.url).pathname).filter((c) => c.startsWith("tftp-"));
    expect(cases.length).toBeGreaterThan(3);
    for (const c of cases) {
      const r = JSON.parse((await runCli("verify", "--inside", nat(c, "inside"), "--outside", nat(c, "outside"), "--profile", "linux", "--json")).stdout);
      expect(r.sessions.some((s: any) => s.alg === "tftp"), c).toBe(true);
      expect(r.findings.filter((x: any) => x.code === "alg.fragile-input"), c).toEqual([]);
    }
    expect(f.explanation).toMatch(/TFTP requests never get it: nf_conntrack_tftp reads every RRQ\/WRQ/);
  });
});
