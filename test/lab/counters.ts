/**
 * conntrack's accounting counters against the captures, for the lab's case folders (lab/run.sh
 * output or pcaps/lab): no ALG parsing, only flows and counters.
 */
import { runCli } from "../cli/run.js";

/** One direction of a conntrack entry: `src=… dst=… sport=… dport=… packets=… bytes=…`. */
export interface CtTuple { proto: string; src: string; dst: string; sport: number; dport: number; packets: number; bytes: number }

/** Both tuples of every TCP/UDP entry of a `conntrack -L -o extended` listing (accounting on). */
export function conntrackEntries(text: string): { line: string; orig: CtTuple; reply: CtTuple }[] {
  const out = [];
  for (const line of text.split("\n")) {
    const proto = /^ipv[46]\s+\d+\s+(\S+)/.exec(line)?.[1] ?? "";
    const t = [...line.matchAll(/src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+) packets=(\d+) bytes=(\d+)/g)]
      .map((m) => ({ proto, src: m[1], dst: m[2], sport: +m[3], dport: +m[4], packets: +m[5], bytes: +m[6] }));
    if (t.length === 2) out.push({ line, orig: t[0], reply: t[1] });
  }
  return out;
}

/** `flows --json` of a capture. */
export async function flowsOf(pcap: string): Promise<any> {
  const r = await runCli("flows", pcap, "--json");
  if (r.code !== 0) throw new Error(`flows ${pcap}: exit ${r.code}: ${r.stderr.slice(0, 500)}`);
  return JSON.parse(r.stdout);
}

/**
 * What the captures say about one conntrack direction. conntrack counts a packet where the router
 * receives it, with its IP total length before NAT/ALG changes: a tuple whose source is on the
 * client's network (192.0.2.0/24, 2001:db8:1::/64) was received on r0 (inside.pcap), any other on
 * r1 (outside.pcap). The flow is the capture's flow of the same protocol between the tuple's two
 * endpoints; the counts are those sent by the tuple's source. No such flow: 0 packets, 0 bytes.
 */
export function captured(t: CtTuple, inside: any, outside: any): { packets: number; bytes: number } {
  const onInside = t.src.startsWith("192.0.2.") || t.src.startsWith("2001:db8:1:");
  for (const f of (onInside ? inside : outside).flows) {
    if (f.proto !== t.proto) continue;
    const fwd = f.initiator.ip === t.src && f.initiator.port === t.sport && f.responder.ip === t.dst && f.responder.port === t.dport;
    const rev = f.responder.ip === t.src && f.responder.port === t.sport && f.initiator.ip === t.dst && f.initiator.port === t.dport;
    // conntrack counts a fragmented datagram once (it reassembles first): the flow's datagrams.
    const n = f.datagrams ?? f.packets;
    if (fwd) return { packets: n.initiatorToResponder, bytes: f.ipBytes.initiatorToResponder };
    if (rev) return { packets: n.responderToInitiator, bytes: f.ipBytes.responderToInitiator };
  }
  return { packets: 0, bytes: 0 };
}

/** Every direction of every entry of `conntrackText` as [what conntrack says, what the captures say]. */
export function counterPairs(conntrackText: string, inside: any, outside: any) {
  return conntrackEntries(conntrackText).flatMap((e) =>
    [e.orig, e.reply].map((t) => {
      const dir = `${t.proto} ${t.src}:${t.sport} -> ${t.dst}:${t.dport}`;
      return { entry: e.line, dir, conntrack: { packets: t.packets, bytes: t.bytes }, captures: captured(t, inside, outside) };
    }));
}
