/**
 * SIP header values shared between messages that repeat a line (src/alg/sip.ts LineCache): a
 * message with one Via (Contact) line shares the cached list itself, so that list must never be
 * changed — a message with a second line gets a new, concatenated list (pushing into the cached
 * array would leak the second Via into every later message that repeats the first line) — and
 * the cache must parse the same after it empties itself at SIP_LINE_CACHE.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import { LineCache, SIP_LINE_CACHE } from "../../src/alg/sip.js";
import { parseContact, parseParty, parseVia } from "../../src/alg/sip-parse.js";
import { ascii, ethernetFor, ipPacket, IpProto, udp, writePcap, type PcapRecord } from "../helpers/pcap-writer.js";

const A = { ip: "192.0.2.10", port: 5060 };
const B = { ip: "198.51.100.20", port: 5060 };
const dir = mkdtempSync(join(tmpdir(), "algv-sip-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One UDP datagram per message, `fromA` says the direction. */
function capture(messages: { fromA: boolean; text: string }[]): string {
  const recs: PcapRecord[] = messages.map((m, i) => {
    const [s, d] = m.fromA ? [A, B] : [B, A];
    const l4 = udp({ src: s.ip, dst: d.ip, srcPort: s.port, dstPort: d.port, payload: ascii(m.text) });
    return { ts: BigInt(i + 1) * 1_000_000n, data: ethernetFor(ipPacket({ src: s.ip, dst: d.ip, proto: IpProto.UDP, payload: l4, id: i + 1 })) };
  });
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(path, writePcap(recs, { linkType: 1 }));
  return path;
}

const VIA1 = "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1";
const VIA2 = "Via: SIP/2.0/UDP 10.0.0.7:5062;received=10.0.0.8;rport=5063;branch=z9hG4bK2";
const FROM = "From: <sip:alice@192.0.2.10>;tag=a1";
const TO = "To: <sip:bob@198.51.100.20>";
const CONTACT1 = "Contact: <sip:alice@192.0.2.10:5060>;expires=60";
const CONTACT2 = "Contact: <sip:alice@10.0.0.7:5062>";

function msg(start: string, headers: string[]): string {
  return `${start}\r\n${headers.join("\r\n")}\r\nCall-ID: cache-1\r\nContent-Length: 0\r\n\r\n`;
}

describe("SIP header values shared between messages (LineCache)", () => {
  it("a message's Via and Contact lists stay its own when their lines repeat in other messages", async () => {
    const path = capture([
      // two Via and two Contact lines: the second of each is added to a list whose first came from the cache
      { fromA: true, text: msg("OPTIONS sip:bob@198.51.100.20 SIP/2.0", [VIA1, VIA2, FROM, TO, CONTACT1, CONTACT2, "CSeq: 1 OPTIONS"]) },
      // the first lines alone again: one Via, one Contact
      { fromA: false, text: msg("SIP/2.0 200 OK", [VIA1, FROM, `${TO};tag=b1`, CONTACT1, "CSeq: 1 OPTIONS"]) },
      // the same lines in the other order
      { fromA: true, text: msg("OPTIONS sip:bob@198.51.100.20 SIP/2.0", [VIA2, VIA1, FROM, `${TO};tag=b1`, CONTACT2, CONTACT1, "CSeq: 2 OPTIONS"]) },
      { fromA: false, text: msg("SIP/2.0 200 OK", [VIA2, VIA1, FROM, `${TO};tag=b1`, CONTACT2, "CSeq: 2 OPTIONS"]) },
      // the first lines alone once more: the same lists as the second message's
      { fromA: false, text: msg("SIP/2.0 200 OK", [VIA1, FROM, `${TO};tag=b1`, CONTACT1, "CSeq: 1 OPTIONS"]) },
    ]);
    const { sessions } = await analyzeFile(path, { flowCapLog2: 6 });
    const sip = sessions.filter((s) => s.alg === "sip");
    expect(sip.length).toBe(1);
    const m = sip[0]!.sip!.messages;
    expect(m.length).toBe(5);
    const [v1] = parseVia(VIA1);
    const [v2] = parseVia(VIA2);
    const [c1] = parseContact(CONTACT1);
    const [c2] = parseContact(CONTACT2);
    expect(m.map((x) => x.via)).toEqual([[v1, v2], [v1], [v2, v1], [v2, v1], [v1]]);
    expect(m.map((x) => x.contact)).toEqual([[c1, c2], [c1], [c2, c1], [c2], [c1]]);
    expect(m.map((x) => x.from)).toEqual([parseParty(FROM), parseParty(FROM), parseParty(FROM), parseParty(FROM), parseParty(FROM)]);
    expect(m.map((x) => x.to?.tag)).toEqual([undefined, "b1", "b1", "b1", "b1"]);
    expect(m.map((x) => x.cseq)).toEqual([{ num: 1, method: "OPTIONS" }, { num: 1, method: "OPTIONS" }, { num: 2, method: "OPTIONS" }, { num: 2, method: "OPTIONS" }, { num: 1, method: "OPTIONS" }]);
    expect(m.map((x) => x.callId)).toEqual(["cache-1", "cache-1", "cache-1", "cache-1", "cache-1"]);
    // A message of one Via (Contact) line keeps the cached list itself (one list for all of them),
    // unchanged by the messages that added a second line to it; two-line lists are their own.
    expect(m[4]!.via).toBe(m[1]!.via);
    expect(m[4]!.contact).toBe(m[1]!.contact);
    expect(new Set(m.map((x) => x.via)).size).toBe(4);
    expect(new Set(m.map((x) => x.contact)).size).toBe(4);
  });

  it("parses the same before and after it empties itself at SIP_LINE_CACHE lines", () => {
    const cache = new LineCache();
    const first = cache.vias(VIA2);
    expect(first).toEqual(parseVia(VIA2));
    expect(cache.vias(VIA2)).toBe(first);
    for (let i = 0; i < SIP_LINE_CACHE; i++) cache.vias(`Via: SIP/2.0/UDP 192.0.2.${i % 250}:${1024 + i};branch=b${i}`);
    const again = cache.vias(VIA2);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(cache.parties(FROM)).toEqual(parseParty(FROM));
    expect(cache.contacts(CONTACT1)).toEqual(parseContact(CONTACT1));
    expect(cache.cseqOf("CSeq: x")).toBeUndefined();
    expect(cache.cseqOf("CSeq: 7 INVITE")).toEqual({ num: 7, method: "INVITE" });
    expect(cache.headerOf("Call-ID: a@b ")).toBe("a@b");
    expect(cache.headerOf("i:x")).toBe("x");
    expect(cache.headerOf("Content-Type:")).toBe("");
  });

  it("a dialog's later message shares its earlier From/To values after the cache has emptied itself", async () => {
    // An INVITE and its 200, then other dialogs' messages enough to empty the cache (more than
    // SIP_LINE_CACHE distinct lines), then the dialog's BYE: its From and To (new texts to the
    // cache by then) are the dialog's own objects again, equal to what they parse to.
    const other = (i: number) => ({
      fromA: true,
      text: `OPTIONS sip:bob@198.51.100.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKo${i}\r\nFrom: <sip:o${i}@192.0.2.10>;tag=o${i}\r\n` +
        `To: <sip:bob@198.51.100.20>\r\nCall-ID: other-${i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    });
    const n = Math.ceil(SIP_LINE_CACHE / 2) + 10; // three new lines each (Via, From, Call-ID)
    const path = capture([
      { fromA: true, text: msg("INVITE sip:bob@198.51.100.20 SIP/2.0", [VIA1, FROM, TO, CONTACT1, "CSeq: 1 INVITE"]) },
      { fromA: false, text: msg("SIP/2.0 200 OK", [VIA1, FROM, `${TO};tag=b1`, "CSeq: 1 INVITE"]) },
      ...Array.from({ length: n }, (_, i) => other(i)),
      { fromA: false, text: msg("BYE sip:alice@192.0.2.10 SIP/2.0", ["Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bKbye", `From: <sip:bob@198.51.100.20>;tag=b1`, "To: <sip:alice@192.0.2.10>;tag=a1", "CSeq: 1 BYE"]) },
      { fromA: true, text: msg("SIP/2.0 200 OK", ["Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bKbye", `From: <sip:bob@198.51.100.20>;tag=b1`, "To: <sip:alice@192.0.2.10>;tag=a1", "CSeq: 1 BYE"]) },
      { fromA: true, text: msg("INVITE sip:bob@198.51.100.20 SIP/2.0", ["Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKre", FROM, `${TO};tag=b1`, "CSeq: 2 INVITE"]) },
    ]);
    const { sessions } = await analyzeFile(path, { flowCapLog2: 10 });
    const d = sessions.find((s) => s.alg === "sip" && s.sip!.callId === "cache-1")!;
    const m = d.sip!.messages;
    expect(m.map((x) => x.request?.method ?? x.status?.code)).toEqual(["INVITE", 200, "BYE", 200, "INVITE"]);
    expect(m.map((x) => x.from)).toEqual([parseParty(FROM), parseParty(FROM), parseParty("From: <sip:bob@198.51.100.20>;tag=b1"),
      parseParty("From: <sip:bob@198.51.100.20>;tag=b1"), parseParty(FROM)]);
    // The re-INVITE's From is the INVITE's object; its To (tagged) is the 200's.
    expect(m[4]!.from).toBe(m[0]!.from);
    expect(m[4]!.to).toBe(m[1]!.to);
    expect(m[4]!.callId).toBe(d.sip!.callId);
    // Values that differ are not shared (the BYE's From has another URI than the INVITE's To).
    expect(m[2]!.from).not.toBe(m[0]!.to);
    expect(m[3]!.from).toBe(m[2]!.from);
  });
});
