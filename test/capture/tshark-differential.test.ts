/**
 * Differential test against real tshark: for every public capture not marked corrupt, the packet
 * count and the TCP/UDP conversations (endpoints, initiator, packets each way) equal tshark's.
 * Cases where tshark differs by design (IP reassembly, VLAN-blind conversation keys, truncated
 * TCP headers) are listed in test/helpers/tshark.ts TSHARK_DIFFERS and tested explicitly below.
 */
import { expect, it } from "vitest";
import { scanFile } from "../../src/node/index.js";
import type { Flow } from "../../src/types.js";
import { describeWithTshark, TSHARK_DIFFERS, tsharkConversations, tsharkFields, type TsharkConversation } from "../helpers/tshark.js";
import { manifest } from "./manifest.js";

const pairKey = (a: { ip: string; port: number | null }, b: { ip: string; port: number | null }) =>
  [`${a.ip}|${a.port}`, `${b.ip}|${b.port}`].sort().join(" ");

/** Our flows as tshark 4.0 keys them: the same tuple on two interfaces is one conversation. */
async function flowsOf(path: string): Promise<Flow[]> {
  const scan = await scanFile(path, { flowCapLog2: 12, mergeInterfaces: true });
  expect(scan.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return [...scan.flows];
}

/**
 * Endpoints announced by SDP in the capture (`c=` address with each `m=` port, and the RTCP port
 * above it), as tshark decodes them.
 */
function sdpEndpoints(path: string): Set<string> {
  const out = new Set<string>();
  for (const [addrs, ports] of tsharkFields(path, ["sdp.connection_info.address", "sdp.media.port"], "sdp")) {
    const ips = addrs!.split(",").filter(Boolean);
    for (const p of ports!.split(",").filter(Boolean)) {
      for (const ip of ips) {
        out.add(`${ip}|${p}`);
        out.add(`${ip}|${Number(p) + 1}`);
      }
    }
  }
  return out;
}

/**
 * tshark 4.0 keeps the media conversations that SDP set up apart: one per direction, and a new
 * one at each renegotiation (re-INVITE), apart from packets of the pair seen before the SDP, so
 * `-z conv,udp` prints several rows (mostly one-way) for one endpoint pair. All rows of a pair
 * with an SDP-announced endpoint are merged into one conversation (A = the sender of the
 * earliest row, frames summed per direction), as a flow table keyed by the endpoint pair sees
 * them. Returns the rows and how many were folded in.
 */
function mergeSdpSplit(rows: TsharkConversation[], sdp: Set<string>): { rows: TsharkConversation[]; merged: number } {
  const announced = (r: TsharkConversation) => sdp.has(`${r.a.ip}|${r.a.port}`) || sdp.has(`${r.b.ip}|${r.b.port}`);
  const groups = new Map<string, TsharkConversation[]>();
  const out: TsharkConversation[] = [];
  for (const r of rows) {
    if (!announced(r)) {
      out.push(r);
      continue;
    }
    const k = pairKey(r.a, r.b);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  let merged = 0;
  for (const g of groups.values()) {
    if (g.length === 1) {
      out.push(g[0]!);
      continue;
    }
    const first = g.reduce((x, y) => (y.relStart < x.relStart ? y : x));
    const same = (r: TsharkConversation) => r.a.ip === first.a.ip && r.a.port === first.a.port;
    const sum = (rs: TsharkConversation[], f: (r: TsharkConversation) => number) => rs.reduce((n, r) => n + f(r), 0);
    merged += g.length - 1;
    out.push({
      ...first,
      framesAtoB: sum(g, (r) => (same(r) ? r.framesAtoB : r.framesBtoA)), bytesAtoB: sum(g, (r) => (same(r) ? r.bytesAtoB : r.bytesBtoA)),
      framesBtoA: sum(g, (r) => (same(r) ? r.framesBtoA : r.framesAtoB)), bytesBtoA: sum(g, (r) => (same(r) ? r.bytesBtoA : r.bytesAtoB)),
      bytesExact: g.every((r) => r.bytesExact),
    });
  }
  return { rows: out, merged };
}

/** Public captures in which tshark splits SDP-announced media per direction (checked below). */
const SDP_SPLIT = new Set<string>();

/** Our flows of one protocol, as tshark would print them: A = initiator, frames each way. */
function compareConversations(ours: Flow[], theirs: TsharkConversation[], file: string) {
  const byPair = new Map<string, Flow[]>();
  for (const f of ours) {
    const k = pairKey(f.initiator, f.responder);
    byPair.set(k, [...(byPair.get(k) ?? []), f]);
  }
  expect(ours.length, `${file}: number of conversations`).toBe(theirs.length);
  for (const t of theirs) {
    const cands = byPair.get(pairKey(t.a, t.b)) ?? [];
    expect(cands.length, `${file}: flow for ${t.a.ip}:${t.a.port} <-> ${t.b.ip}:${t.b.port}`).toBeGreaterThan(0);
    // Several flows on the same pair (4-tuple reuse): match the one with the same counts.
    const match = cands.find((f) => {
      const aIsInit = f.initiator.ip === t.a.ip && f.initiator.port === t.a.port;
      const ab = aIsInit ? f.packets.initiatorToResponder : f.packets.responderToInitiator;
      const ba = aIsInit ? f.packets.responderToInitiator : f.packets.initiatorToResponder;
      return ab === t.framesAtoB && ba === t.framesBtoA;
    });
    expect(match, `${file}: packets each way for ${t.a.ip}:${t.a.port} -> ${t.b.ip}:${t.b.port} (${t.framesAtoB}/${t.framesBtoA}); ours: ${JSON.stringify(cands.map((f) => f.packets))}`).toBeDefined();
    // tshark's A is the sender of the first packet; ours is the SYN sender, which is the same
    // whenever the flow starts with its SYN (or is UDP).
    if (!match!.tcp || match!.tcp.syn) {
      expect(`${match!.initiator.ip}:${match!.initiator.port}`, `${file}: initiator`).toBe(`${t.a.ip}:${t.a.port}`);
    }
  }
}

const entries = manifest().filter((e) => !e.corrupt);

/**
 * tshark's record count without the pcapng custom blocks (type 0x00000BAD / 0x40000BAD): tshark
 * 4.0 shows each as a frame whose only protocol is "data"; they hold no packet, and we skip them
 * by their length like every other non-packet block.
 */
function tsharkPackets(path: string): number {
  return tsharkFields(path, ["frame.number", "frame.protocols"]).filter((r) => r[1] !== "data").length;
}

describeWithTshark("flows agree with tshark on every public capture", () => {
  it("covers the manifest", () => {
    expect(entries.length).toBeGreaterThan(40);
  });
  for (const e of entries) {
    it(`${e.file}`, async () => {
      const flows = await flowsOf(e.path);
      const scan = await scanFile(e.path, { flowCapLog2: 12 });
      expect(scan.info.packets, "packet count").toBe(tsharkPackets(e.path));
      if (TSHARK_DIFFERS[e.file]) return; // compared explicitly below
      compareConversations(flows.filter((f) => f.proto === "tcp"), tsharkConversations(e.path, "tcp"), e.file);
      const rows = tsharkConversations(e.path, "udp");
      // Only a capture where tshark lists one endpoint pair twice needs its SDP decoded.
      const pairs = new Set(rows.map((r) => pairKey(r.a, r.b)));
      const udp = pairs.size < rows.length ? mergeSdpSplit(rows, sdpEndpoints(e.path)) : { rows, merged: 0 };
      if (udp.merged) SDP_SPLIT.add(e.file);
      compareConversations(flows.filter((f) => f.proto === "udp"), udp.rows, e.file);
    });
  }
  it("SDP-announced media: tshark splits a conversation per direction in exactly these captures (merged above)", () => {
    // Runs after the per-file tests (vitest keeps their order); each of these had one-way rows
    // both ways on an SDP-announced endpoint pair, which one flow of ours holds.
    expect([...SDP_SPLIT].sort()).toEqual([
      "ndpi/ndpi-fax-t38-reinvite.pcap",
      "sipnab/sip-asterisk-zfone-xlite.pcap",
      "sipnab/sip-invite-opus-bye.pcap",
      "sipnab/sip-over-tcp-rtp.pcap",
      "sipnab/sip-prack-rtp-rtcp.pcap",
      "sipnab/sip-register-invite-reinvite-bye.pcap",
    ]);
  });
});

describeWithTshark("cases where tshark differs by design", () => {
  const path = (f: string) => entries.find((e) => e.file === f)!.path;

  it("IPv4 fragments: tshark reassembles into one frame; we count every fragment on the flow", async () => {
    for (const f of ["zeek/zeek-ipv4-fragmented-udp.pcap", "suricata-verify/suricata-frag-vlan-ipv4-tcp-syn.pcap", "suricata-verify/suricata-frag-rawip-tcp-syn.pcap"]) {
      const proto = f.includes("udp") ? "udp" : "tcp";
      const ours = (await flowsOf(path(f))).filter((x) => x.proto === proto);
      const reasm = tsharkConversations(path(f), proto);
      const frames = tsharkPackets(path(f));
      expect(ours.length, f).toBe(1);
      expect(reasm.length, f).toBe(1);
      // Same conversation (the ports come from the first fragment, wherever it is on the wire) …
      expect(pairKey(ours[0].initiator, ours[0].responder), f).toBe(pairKey(reasm[0].a, reasm[0].b));
      // … tshark counts the one reassembled frame, we count all fragments, the later ones
      // attributed through the fragment table.
      expect(reasm[0].framesAtoB + reasm[0].framesBtoA, f).toBe(1);
      expect(ours[0].packets.initiatorToResponder + ours[0].packets.responderToInitiator, f).toBe(frames);
      const later = tsharkFields(path(f), ["ip.frag_offset"], undefined, { prefs: ["ip.defragment:FALSE"] })
        .filter((r) => Number(r[0]) > 0).length;
      expect(ours[0].fragments, f).toBe(later);
    }
  });

  it("IPv6 fragments: first fragments match tshark without reassembly", async () => {
    const f = "zeek/zeek-ipv6-fragmented-dns.pcap";
    const ours = (await flowsOf(path(f))).filter((x) => x.proto === "udp");
    const theirs = tsharkConversations(path(f), "udp", { prefs: ["ipv6.defragment:FALSE"] });
    const ourFirst = ours.reduce((s, x) => s + x.packets.initiatorToResponder + x.packets.responderToInitiator - x.fragments, 0);
    const theirTotal = theirs.reduce((s, x) => s + x.framesAtoB + x.framesBtoA, 0);
    expect(ourFirst).toBe(theirTotal);
  });

  it("VLAN collisions: tshark merges the tuple across VLANs; we keep three flows", async () => {
    const f = "zeek/zeek-vlan-collisions.pcap";
    const ours = (await flowsOf(path(f))).filter((x) => x.proto === "tcp");
    const theirs = tsharkConversations(path(f), "tcp");
    expect(theirs.length).toBe(1);
    expect(ours.length).toBe(3);
    expect(ours.map((x) => x.vlan).sort()).toEqual([[], [10, 20], [42]].sort());
    const sum = ours.reduce((s, x) => s + x.packets.initiatorToResponder + x.packets.responderToInitiator, 0);
    expect(sum).toBe(theirs[0].framesAtoB + theirs[0].framesBtoA);
  });

  it("truncated TCP header: tshark drops the cut SYN from conv,tcp; we count it and name its sender the initiator", async () => {
    const f = "zeek/zeek-tcp-truncated-header.pcap";
    const ours = (await flowsOf(path(f))).filter((x) => x.proto === "tcp");
    const theirs = tsharkConversations(path(f), "tcp");
    expect(ours.length).toBe(1);
    expect(theirs.length).toBe(1);
    const t = theirs[0];
    const o = ours[0];
    expect(o.packets.initiatorToResponder + o.packets.responderToInitiator).toBe(t.framesAtoB + t.framesBtoA + 1);
    // tshark's A is the SYN-ACK sender (the SYN is not in its table); ours is the SYN sender.
    expect(`${o.responder.ip}:${o.responder.port}`).toBe(`${t.a.ip}:${t.a.port}`);
    expect(o.tcp?.syn).toBe(true);
  });
});
