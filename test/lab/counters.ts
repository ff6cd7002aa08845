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
  return countIn(t, onInsideNet(t.src) ? inside : outside);
}

/** A client-network address (lab/run.sh: 192.0.2.0/24, 2001:db8:1::/64). */
const onInsideNet = (ip: string) => ip.startsWith("192.0.2.") || ip.startsWith("2001:db8:1:");

/** The packets and IP bytes one capture shows sent from t's source to its destination. */
function countIn(t: CtTuple, capture: any): { packets: number; bytes: number } {
  for (const f of capture.flows) {
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

/** The flow of `capture` between t's two endpoints (either way round). */
function flowOf(t: CtTuple, capture: any): any {
  return capture.flows.find((f: any) => f.proto === t.proto &&
    ((f.initiator.ip === t.src && f.initiator.port === t.sport && f.responder.ip === t.dst && f.responder.port === t.dport) ||
     (f.responder.ip === t.src && f.responder.port === t.sport && f.initiator.ip === t.dst && f.initiator.port === t.dport)));
}

/** t's packets as they left the router: the entry's other tuple reversed (after NAT). */
const leaving = (other: CtTuple): CtTuple => ({ ...other, src: other.dst, dst: other.src, sport: other.dport, dport: other.sport });

/**
 * Whether a UDP entry's two first packets crossed at the router: the capture where its original
 * direction enters says the original source sent first, and the one where it leaves says the
 * other end did (or the other way round).
 */
function crossed(e: { orig: CtTuple; reply: CtTuple }, inside: any, outside: any): boolean {
  if (e.orig.proto !== "udp") return false;
  const enters = onInsideNet(e.orig.src) ? inside : outside;
  const leaves = onInsideNet(e.orig.src) ? outside : inside;
  const out = leaving(e.reply);
  const fin = flowOf(e.orig, enters);
  const fout = flowOf(out, leaves);
  if (!fin || !fout) return false;
  const firstHere = fin.initiator.ip === e.orig.src && fin.initiator.port === e.orig.sport;
  const firstThere = fout.initiator.ip === out.src && fout.initiator.port === out.sport;
  return firstHere !== firstThere;
}

/**
 * Every direction of every entry of `conntrackText` as [what conntrack says, what the captures say].
 * An entry whose two first packets crossed at the router carries the kernel's clash resolution
 * (nf_ct_resolve_clash; verify's conntrack.counters-clash): k packets of the reply direction
 * counted in the original one (merged, Linux 6.12 and later) — compared after moving them back —
 * or a direction short of what entered the router by what never left it in this flow (dropped,
 * or sent from another port under a hidden entry) — compared with what left it. `clash` says which.
 */
export function counterPairs(conntrackText: string, inside: any, outside: any) {
  return conntrackEntries(conntrackText).flatMap((e) => {
    const dirs = [e.orig, e.reply].map((t) => {
      const dir = `${t.proto} ${t.src}:${t.sport} -> ${t.dst}:${t.dport}`;
      return { entry: e.line, dir, conntrack: { packets: t.packets, bytes: t.bytes }, captures: captured(t, inside, outside), clash: "" };
    });
    if (!crossed(e, inside, outside)) return dirs;
    const [o, r] = dirs as [(typeof dirs)[0], (typeof dirs)[0]];
    const k = o.conntrack.packets - o.captures.packets;
    const b = o.conntrack.bytes - o.captures.bytes;
    if (k > 0 && b > 0 && r.captures.packets - r.conntrack.packets === k && r.captures.bytes - r.conntrack.bytes === b) {
      o.conntrack = { packets: o.conntrack.packets - k, bytes: o.conntrack.bytes - b };
      r.conntrack = { packets: r.conntrack.packets + k, bytes: r.conntrack.bytes + b };
      o.clash = r.clash = `first packets crossed: ${k} reply packet(s) counted in the original direction, moved back`;
      return dirs;
    }
    for (const [d, t, other] of [[o, e.orig, e.reply], [r, e.reply, e.orig]] as const) {
      if (d.conntrack.packets >= d.captures.packets) continue;
      const left = countIn(leaving(other), onInsideNet(t.src) ? outside : inside);
      if (left.packets !== d.conntrack.packets || left.bytes !== d.conntrack.bytes) continue;
      d.clash = `first packets crossed: ${d.captures.packets - d.conntrack.packets} packet(s) entered the router and did not leave it in this flow; compared with what left it`;
      d.captures = left;
    }
    return dirs;
  });
}
