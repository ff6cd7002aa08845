/**
 * A control line sent twice with different bytes (a retransmission that disagrees with the copy
 * read first: an ALG that rewrote one copy and not the other, or damage): analyze marks the
 * negotiation (retransmissionDiffers) and verify judges nothing on its text — the rewrite check is
 * not-checked and names both packets, and no finding rests on the copy it read.
 *
 * The inputs are lab pairs with one outside control segment sent again right after itself, its
 * address or port bytes changed (in as many bytes: the same sequence space): ftp-active-helper's
 * PORT (the kernel's FTP helper rewrote it) and rtsp-play-udp-no-punch's SETUP request.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { frames } from "../../bench/fuzz/corpus.js";
import { ipPackets } from "../../bench/fuzz/mutate.js";
import { runVerify } from "../../src/node/verify-run.js";
import { tempDir } from "../helpers/tmp.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import { runCli } from "../cli/run.js";

const lab = new URL("../../pcaps/lab/ftp-active-helper/", import.meta.url).pathname;
const dir = tempDir("alg-verify-two-copies-");

/** `b` with the TCP segment whose payload starts with `prefix` sent again after itself, its payload `again`; and the new record's packet number. */
function sentAgain(b: Uint8Array, prefix: string, again: (payload: string) => string): { bytes: Uint8Array; packet: number } {
  const d = ipPackets(b, Infinity).find((p) => p.proto === 6 && Buffer.from(b.subarray(p.payload, p.end)).toString("latin1").startsWith(prefix))!;
  const fs = frames(b);
  const k = fs.findIndex((f) => f.offset === d.offset);
  const f = fs[k]!;
  const copy = Buffer.from(b.subarray(f.offset, f.end));
  const text = copy.subarray(d.payload - f.offset, d.end - f.offset).toString("latin1");
  const changed = again(text);
  expect(changed.length).toBe(text.length); // same sequence space
  copy.write(changed, d.payload - f.offset, "latin1");
  return { bytes: Buffer.concat([b.subarray(0, f.end), copy, b.subarray(f.end)]), packet: k + 2 };
}

/** `b` without the records of TCP/UDP packets to or from `port`. */
function withoutPort(b: Uint8Array, port: number): Uint8Array {
  const drop = new Set(ipPackets(b, Infinity).filter((p) => p.sport === port || p.dport === port).map((p) => p.offset));
  expect(drop.size).toBeGreaterThan(0);
  const parts: Uint8Array[] = [b.subarray(0, 24)]; // the classic pcap file header
  for (const f of frames(b)) if (!drop.has(f.offset)) parts.push(b.subarray(f.offset, f.end));
  return Buffer.concat(parts);
}

describe("a negotiation line sent twice with different bytes", () => {
  it("is not judged on the copy read: rewrite not-checked with both packets, no finding on its text", async () => {
    const outside = readFileSync(join(lab, "outside.pcap"));
    const inside = join(lab, "inside.pcap");
    const base = await runVerify({ inside, outside: join(lab, "outside.pcap") });
    const rewrite = (r: typeof base) => r.checks.filter((c) => c.check === "rewrite");
    // two PORTs (LIST, then RETR), both rewritten by the helper
    expect(rewrite(base).map((c) => c.status)).toEqual(["passed", "passed"]);
    const port = base.sessions[0]!.negotiations[0]!;
    expect(port.kind).toBe("PORT");
    const translated = port.outside!.line; // "PORT 198,51,100,1,160,151" as the helper wrote it
    expect(translated).toMatch(/^PORT 198,51,100,1,/);
    // The retransmission names another address (in the same number of bytes: the same sequence space).
    const { bytes, packet } = sentAgain(outside, "PORT ", (t) => t.replace("198,51,100,1,", "198,51,100,9,"));
    const file = join(dir, "outside-two-copies.pcap");
    writeFileSync(file, bytes);
    const r = await runVerify({ inside, outside: file });
    expect(verifyValidator()(r), JSON.stringify(verifyValidator().errors)).toBe(true);
    const n = r.sessions[0]!.negotiations[0]!;
    expect(n.outside!.retransmissionDiffers).toEqual({ packet });
    expect(n.inside!.retransmissionDiffers).toBeUndefined();
    expect(n.outside!.line).toBe(translated); // the first copy is the one read
    expect(n.rewrite).toBeUndefined();
    expect(n.twoCopies).toContain(`the outside capture (packets ${n.outside!.packet} and ${packet})`);
    expect(rewrite(r)).toEqual([expect.objectContaining({ status: "not-checked", reason: n.twoCopies }), expect.objectContaining({ status: "passed" })]);
    expect(r.findings.filter((f) => f.code.startsWith("alg.payload"))).toEqual([]);
    // the data connection still crossed the NAT: that check does not rest on the line's text
    expect(n.dataPath).toBe(port.dataPath);
    expect(r.diagnostics.some((d) => d.code === "tcp_retransmission_differs" && d.packet === packet)).toBe(true);
    // analyze's text says it beside the line's validity
    const text = await runCli("analyze", file);
    expect(text.stdout).toContain(`yes; sent again with other bytes @${packet}`);
  });

  it("a data connection not found for it is not called missing (the other copy may name where it went)", async () => {
    // The first PORT's data connection (port 160,151 = 41111 on both sides: the helper kept it) removed from both captures.
    const inside = join(dir, "inside-no-data.pcap");
    writeFileSync(inside, withoutPort(readFileSync(join(lab, "inside.pcap")), 41111));
    const outside = withoutPort(readFileSync(join(lab, "outside.pcap")), 41111);
    const plain = join(dir, "outside-no-data.pcap");
    writeFileSync(plain, outside);
    const without = await runVerify({ inside, outside: plain });
    expect(without.sessions[0]!.negotiations[0]!.dataPath).toBe("not-attempted");
    expect(without.findings.map((f) => f.code)).toContain("alg.data-flow-missing");
    const twice = join(dir, "outside-no-data-two-copies.pcap");
    writeFileSync(twice, sentAgain(outside, "PORT ", (t) => t.replace("198,51,100,1,", "198,51,100,9,")).bytes);
    const r = await runVerify({ inside, outside: twice });
    const n = r.sessions[0]!.negotiations[0]!;
    expect(n.dataPath).toBe("not-covered");
    expect(n.notCovered).toBe(`${n.twoCopies}, so a flow to the other copy's endpoint cannot be told from a missing one`);
    expect(r.findings.map((f) => f.code)).not.toContain("alg.data-flow-missing");
  });

  it("RTSP: a SETUP whose Transport line is sent again differently — no finding on its text, the blocked media still found", async () => {
    // rtsp-play-udp-no-punch: the router had no RTSP helper; the client's port went out untranslated and the media died there.
    const rtsp = new URL("../../pcaps/lab/rtsp-play-udp-no-punch/", import.meta.url).pathname;
    const inside = join(rtsp, "inside.pcap");
    const base = await runVerify({ inside, outside: join(rtsp, "outside.pcap") });
    expect(base.findings.map((f) => f.code).sort()).toEqual(["alg.media-blocked", "alg.payload-not-translated"]);
    const { bytes, packet } = sentAgain(readFileSync(join(rtsp, "outside.pcap")), "SETUP ", (t) => t.replace("client_port=50000-50001", "client_port=50008-50009"));
    const file = join(dir, "rtsp-outside-two-copies.pcap");
    writeFileSync(file, bytes);
    const r = await runVerify({ inside, outside: file });
    expect(verifyValidator()(r), JSON.stringify(verifyValidator().errors)).toBe(true);
    const n = r.sessions[0]!.negotiations[0]!;
    expect(n.kind).toBe("SETUP");
    expect(n.outside!.retransmissionDiffers).toEqual({ packet });
    expect(n.rewrite).toBeUndefined();
    expect(r.checks.filter((c) => c.check === "rewrite").map((c) => c.status)).toEqual(["not-checked"]);
    // the media that reached the outside and never the inside was seen: still blocked; nothing rests on the port the line names
    expect(r.findings.map((f) => f.code)).toEqual(["alg.media-blocked"]);
    expect(r.verdict).toBe("fail");
  });

  it("SIP over TCP: an INVITE sent again with another SDP address — its rewrite is not judged, its negotiation marked", async () => {
    // sip-tcp-helper: the helper rewrote the INVITE's SDP (c=/o= 198.51.100.1 outside); the copy
    // sent again names 198.51.100.9 (same length: the same sequence space).
    const sip = new URL("../../pcaps/lab/sip-tcp-helper/", import.meta.url).pathname;
    const inside = join(sip, "inside.pcap");
    const base = await runVerify({ inside, outside: join(sip, "outside.pcap") });
    const invite = (r: typeof base) => r.checks.filter((c) => c.check === "rewrite" && /^SIP INVITE \(CSeq 1 INVITE\)/.test(c.subject));
    expect(invite(base).map((c) => c.status)).toEqual(["passed"]);
    const { bytes, packet } = sentAgain(readFileSync(join(sip, "outside.pcap")), "INVITE ", (t) => t.replace("c=IN IP4 198.51.100.1", "c=IN IP4 198.51.100.9"));
    const file = join(dir, "sip-outside-two-copies.pcap");
    writeFileSync(file, bytes);
    // analyze: the message and the SDP negotiation it carries are marked
    const a = JSON.parse((await runCli("analyze", file, "--json")).stdout);
    const msg = a.sessions.flatMap((x: any) => x.sip?.messages ?? []).find((m: any) => m.request?.method === "INVITE");
    expect(msg.retransmissionDiffers).toEqual({ packet });
    const offer = a.sessions.flatMap((x: any) => x.negotiations).find((n: any) => n.kind === "SDP" && n.command === "INVITE");
    expect(offer.retransmissionDiffers).toEqual({ packet });
    expect(offer.announced.ip).toBe("198.51.100.1"); // the first copy is the one read
    const r = await runVerify({ inside, outside: file });
    expect(verifyValidator()(r), JSON.stringify(verifyValidator().errors)).toBe(true);
    const [c] = invite(r);
    expect(c!.status).toBe("not-checked");
    expect(c!.reason).toContain(`the outside capture (packets ${msg.packet} and ${packet})`);
    const vm = r.sessions.flatMap((x) => x.sip?.messages ?? []).find((m) => m.name.startsWith("INVITE") && m.twoCopies);
    expect(vm?.twoCopies).toBe(c!.reason);
    // nothing else changes: the other messages are judged as before, the media crossed both ways
    expect(r.findings.map((f) => f.code)).toEqual(base.findings.map((f) => f.code));
    expect(r.checks.filter((x) => x.check === "rewrite" && x.status === "passed").length).toBe(base.checks.filter((x) => x.check === "rewrite" && x.status === "passed").length - 1);
    expect(r.verdict).toBe(base.verdict);
  });

  it("the same line sent again as it was changes nothing", async () => {
    const outside = readFileSync(join(lab, "outside.pcap"));
    const { bytes } = sentAgain(outside, "PORT ", (t) => t);
    const file = join(dir, "outside-same-copy.pcap");
    writeFileSync(file, bytes);
    const r = await runVerify({ inside: join(lab, "inside.pcap"), outside: file });
    const n = r.sessions[0]!.negotiations[0]!;
    expect(n.outside!.retransmissionDiffers).toBeUndefined();
    expect(n.twoCopies).toBeUndefined();
    expect(r.checks.filter((c) => c.check === "rewrite").map((c) => c.status)).toEqual(["passed", "passed"]);
    expect(r.diagnostics.some((d) => d.code === "tcp_retransmission_differs")).toBe(false);
  });
});
