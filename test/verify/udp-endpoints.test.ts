/**
 * UDP flows by endpoint (src/verify/flow-columns.ts udpFlowsAt, what SIP media lookups use):
 * the same ids, in the same order, as walking every flow object and comparing the endpoint text
 * (what it replaced), on real captures and on a made one with IPv4 and IPv6 UDP, a flow whose
 * two ends are the same endpoint, TCP and ICMP flows on the same addresses and ports, and
 * address text FlowTable never renders (leading zeros, upper-case IPv6). An IPv4 endpoint is
 * searched in the reconciliation's key orders: made for the lookup when the table had none, used
 * as they are when it had them; verify frees them once the router is matched.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanFile } from "../../src/node/files.js";
import { flowColumns, keyOrders, udpFlowsAt, v4EndpointKey } from "../../src/verify/flow-columns.js";
import type { FlowTable } from "../../src/capture/flow-table.js";
import { tempDir } from "../helpers/tmp.js";
import { DEFAULT_EPOCH_NS, ethernetFor, ipPacket, IpProto, tcp, udp, writePcap, type PcapRecord } from "../helpers/pcap-writer.js";

const dir = tempDir("alg-verify-udp-endpoints-");

/** The walk udpFlowsAt replaced: every flow as an object, both ends compared as text. */
function naive(t: FlowTable, ip: string, port: number): number[] {
  const out: number[] = [];
  for (const f of t) {
    if (f.proto !== "udp") continue;
    for (const e of [f.initiator, f.responder]) if (e.ip === ip && e.port === port) out.push(f.id);
  }
  return out;
}

/** Every UDP endpoint of `t`, plus text variants and endpoints of other protocols. */
function probes(t: FlowTable): { ip: string; port: number }[] {
  const out: { ip: string; port: number }[] = [];
  for (const f of t) {
    for (const e of [f.initiator, f.responder]) {
      if (e.port === null) continue;
      out.push({ ip: e.ip, port: e.port }, { ip: e.ip, port: (e.port + 1) & 0xffff });
      out.push({ ip: e.ip.includes(":") ? e.ip.toUpperCase() : e.ip.replace(/^(\d+)\./, "0$1."), port: e.port });
    }
  }
  return out;
}

function expectAsWalk(t: FlowTable): number {
  let hits = 0;
  for (const p of probes(t)) {
    const want = naive(t, p.ip, p.port);
    expect(udpFlowsAt(t, p.ip, p.port), `${p.ip}|${p.port}`).toEqual(want);
    hits += want.length;
  }
  return hits;
}

describe("UDP flows by endpoint", () => {
  it("recorded SIP captures and a mixed pcapng: as the walk over every flow", async () => {
    for (const f of ["pcaps/nat/sip-udp-alg/inside.pcap", "pcaps/nat/sip-udp-alg/outside.pcap", "pcaps/flows/mix.pcapng"]) {
      const scan = await scanFile(f);
      expect(expectAsWalk(scan.flows), f).toBeGreaterThan(0);
    }
  });

  it("IPv4 and IPv6, an endpoint at both ends of a flow, TCP/ICMP on the same addresses", async () => {
    const records: PcapRecord[] = [];
    let ts = DEFAULT_EPOCH_NS;
    const send = (src: string, dst: string, l4: Uint8Array, proto: number) => {
      records.push({ ts: (ts += 1_000_000n), data: ethernetFor(ipPacket({ src, dst, proto, payload: l4 })) });
    };
    const u = (src: string, sp: number, dst: string, dp: number) => send(src, dst, udp({ src, dst, srcPort: sp, dstPort: dp, payload: new Uint8Array(12) }), IpProto.UDP);
    const t = (src: string, sp: number, dst: string, dp: number) => send(src, dst, tcp({ src, dst, srcPort: sp, dstPort: dp, seq: 1, ack: 0, flags: { syn: true } }), IpProto.TCP);
    u("192.0.2.10", 4000, "198.51.100.7", 5004);
    u("198.51.100.7", 5004, "192.0.2.10", 4000);
    u("10.1.2.3", 5004, "10.1.2.3", 5004);
    t("192.0.2.10", 4000, "198.51.100.7", 5004);
    u("192.0.2.11", 4000, "198.51.100.7", 5004);
    u("2001:db8::10", 4000, "2001:db8:1::7", 5004);
    u("2001:db8:1::7", 5004, "2001:db8::10", 4000);
    u("2001:db8::5", 6000, "2001:db8::5", 6000);
    t("2001:db8::10", 4000, "2001:db8:1::7", 5004);
    send("198.51.100.7", "192.0.2.10", new Uint8Array([3, 3, 0, 0, 0, 0, 0, 0]), IpProto.ICMP);
    const path = join(dir, "mixed.pcap");
    writeFileSync(path, writePcap(records, { linkType: 1 }));
    const scan = await scanFile(path);
    const flows = scan.flows;
    expect(expectAsWalk(flows)).toBeGreaterThan(0);
    expect(udpFlowsAt(flows, "198.51.100.7", 5004)).toHaveLength(2);
    const self = udpFlowsAt(flows, "10.1.2.3", 5004);
    expect(self).toHaveLength(2);
    expect(self[0]).toBe(self[1]);
    expect(udpFlowsAt(flows, "2001:db8::5", 6000)).toHaveLength(2);
    expect(udpFlowsAt(flows, "010.1.2.3", 5004)).toEqual([]);
  });

  it("the key orders: made for the first lookup, or the reconciliation's used as they are; one endpoint shared by many flows at either end", async () => {
    const records: PcapRecord[] = [];
    let ts = DEFAULT_EPOCH_NS;
    const u = (src: string, sp: number, dst: string, dp: number) => {
      records.push({ ts: (ts += 1_000_000n), data: ethernetFor(ipPacket({ src, dst, proto: IpProto.UDP, payload: udp({ src, dst, srcPort: sp, dstPort: dp, payload: new Uint8Array(4) }) })) });
    };
    // 198.51.100.7:5004 as responder and as initiator, interleaved, and at both ends of one flow.
    for (let k = 0; k < 40; k++) {
      if (k % 3 === 0) u("198.51.100.7", 5004, `192.0.2.${k + 1}`, 7000 + k);
      else u(`192.0.2.${k + 1}`, 7000 + k, "198.51.100.7", 5004);
      if (k === 20) u("198.51.100.7", 5004, "198.51.100.7", 5004);
    }
    const path = join(dir, "shared-endpoint.pcap");
    writeFileSync(path, writePcap(records, { linkType: 1 }));
    const fresh = (await scanFile(path)).flows;
    const want = naive(fresh, "198.51.100.7", 5004);
    expect(want).toHaveLength(42);
    expect(flowColumns(fresh).initiatorOrder).toBeUndefined();
    expect(udpFlowsAt(fresh, "198.51.100.7", 5004)).toEqual(want);
    const made = flowColumns(fresh).initiatorOrder;
    expect(made, "made for the lookup").toBeDefined();
    expect(udpFlowsAt(fresh, "198.51.100.7", 5004)).toEqual(want);
    expect(flowColumns(fresh).initiatorOrder, "made once").toBe(made);
    const prepared = (await scanFile(path)).flows;
    const orders = keyOrders(prepared);
    expect(udpFlowsAt(prepared, "198.51.100.7", 5004)).toEqual(want);
    expect(flowColumns(prepared).initiatorOrder, "the reconciliation's").toBe(orders.initiatorOrder);
  });

  it("endpoint keys: dotted quads only, leading zeros refused when canonical", () => {
    expect(v4EndpointKey("udp", "0.0.0.1", 2)).toBe(((1 * 65536) + 2) * 4 + 1);
    expect(v4EndpointKey("tcp", "10.0.0.1", 80)).toBe(((0x0a000001 * 65536) + 80) * 4);
    expect(v4EndpointKey("udp", "10.0.0.01", 80)).toBe(v4EndpointKey("udp", "10.0.0.1", 80));
    expect(v4EndpointKey("udp", "10.0.0.01", 80, true)).toBeNaN();
    expect(v4EndpointKey("udp", "10.0.0.0", 80, true)).not.toBeNaN();
    for (const bad of ["10.0.0", "10.0.0.256", "::1", "10.0.0.1.", "a.b.c.d", ""]) expect(v4EndpointKey("udp", bad, 1)).toBeNaN();
    expect(v4EndpointKey("icmp", "10.0.0.1", 1)).toBeNaN();
    expect(v4EndpointKey("udp", "10.0.0.1", null)).toBeNaN();
  });
});
