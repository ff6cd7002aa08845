/**
 * The SIP media matchers' candidate columns (src/alg/media-flows.ts) and FlowCandidates' two kinds
 * of wants (src/alg/candidates.ts), against a brute-force reading of the flow table of real
 * captures: the recorded lab SIP run (IPv4) and two public IPv6 captures. Bucket `p` must hold,
 * in ascending id order and once each, exactly the UDP media candidates with `p` at either end,
 * with each column equal to what FlowTable reads for that flow; the data matcher's ids must be the
 * flows on its own ports only.
 */
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import { FlowCandidates, Want } from "../../src/alg/candidates.js";
import { ipv4Number, MediaFlows } from "../../src/alg/media-flows.js";

const lab = new URL("../../pcaps/lab/sip-udp-helper/inside.pcap", import.meta.url).pathname;
const pub = (f: string) => new URL(`../../../shared/pcaps/public/${f}`, import.meta.url).pathname;

describe("ipv4Number", () => {
  it("reads canonical dotted quads as FL_ADDR big-endian numbers", () => {
    expect(ipv4Number("0.0.0.0")).toBe(0);
    expect(ipv4Number("192.0.2.10")).toBe(((192 * 256 + 0) * 256 + 2) * 256 + 10);
    expect(ipv4Number("255.255.255.255")).toBe(4294967295);
  });

  it("gives NaN for text no IPv4 flow end is written as", () => {
    for (const t of ["", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1..2.3", "1.2.3.4.", " 1.2.3.4", "::1", "::ffff:1.2.3.4", "host.example"]) {
      expect(ipv4Number(t), t).toBeNaN();
    }
  });
});

describe.each([
  ["lab sip-udp-helper", lab],
  ["heplify SIP over IPv6 (one flow, 5060 at both ends)", pub("heplify/heplify-sip-ipv6-udp.pcap")],
  ["zeek IPv6 DNS", pub("zeek/zeek-ipv6-fragmented-dns.pcap")],
])("MediaFlows on %s", (_, file) => {
  it("buckets every UDP media candidate by either port, in id order, with the table's fields", async () => {
    const { scan } = await analyzeFile(file, { flowCapLog2: 10 });
    const flows = scan.flows;
    // Media wants: every UDP port of the capture except one, so one flow at least is left out;
    // data wants: one TCP/UDP port, never read by the media matchers.
    const udpPorts = new Set<number>();
    for (let id = 1; id <= flows.count; id++) if (flows.proto(id) === "udp") for (const w of [0, 1] as const) udpPorts.add(flows.port(id, w));
    const media = [...udpPorts].sort((a, b) => a - b);
    const left = media.length > 1 ? media.pop()! : 65535;
    const dataPort = flows.port(1, 1);
    const candidates = new FlowCandidates(flows);
    for (const p of media) candidates.want(p, Want.Media);
    candidates.want(dataPort);
    const mf = new MediaFlows(flows, candidates);

    const wanted = new Set(media);
    const expectedIds: number[] = [];
    const dataIds: number[] = [];
    for (let id = 1; id <= flows.count; id++) {
      const pa = flows.port(id, 0);
      const pb = flows.port(id, 1);
      if (flows.proto(id) === "udp" && (wanted.has(pa) || wanted.has(pb))) expectedIds.push(id);
      if (pa === dataPort || pb === dataPort) dataIds.push(id);
    }
    expect(expectedIds.length).toBeGreaterThan(0);
    expect(Array.from(mf.id.subarray(0, mf.n))).toEqual(expectedIds);
    expect(candidates.ids()).toEqual(dataIds);
    expect(candidates.ids(Want.Data)).toEqual(dataIds);

    for (let i = 0; i < mf.n; i++) {
      const id = mf.id[i]!;
      expect([mf.portA[i], mf.portB[i]]).toEqual([flows.port(id, 0), flows.port(id, 1)]);
      expect([mf.address(i, 0), mf.address(i, 1)]).toEqual([flows.address(id, 0), flows.address(id, 1)]);
      for (const w of [0, 1] as const) {
        const ip = flows.address(id, w);
        expect(mf.hasAddress(i, w, ip, ipv4Number(ip))).toBe(true);
        expect(mf.hasAddress(i, w, `${ip}x`, ipv4Number(`${ip}x`))).toBe(false);
      }
      expect(mf.startNs[i]).toBe(flows.firstNs(id));
    }
    for (const p of [...media, left]) {
      const got: number[] = [];
      for (let pos = mf.begin(p), end = mf.end(p); pos < end; pos++) got.push(mf.id[mf.at(pos)]!);
      const want = expectedIds.filter((id) => flows.port(id, 0) === p || flows.port(id, 1) === p);
      expect(got, `port ${p}`).toEqual(want);
    }
    expect(mf.end(70000) - mf.begin(70000)).toBe(0);
  });
});
