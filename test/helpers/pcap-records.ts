/**
 * Reading back the small classic captures we generate (little-endian, µs), and merging an
 * inside/outside pair into one pcapng with an interface per side (0 = inside, 1 = outside), as a
 * capture taken on both interfaces of a router would be.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { writePcapng } from "./pcap-writer.js";

export interface PcapRecordBytes {
  /** Nanoseconds since the epoch. */
  ts: bigint;
  data: Uint8Array;
  /** Original length on the wire (≥ data.length when the snaplen cut the record). */
  origLen: number;
}

/** Records of a classic little-endian µs pcap: time in ns and the frame. */
export function readPcapRecords(path: string): PcapRecordBytes[] {
  const b = readFileSync(path);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: expected a little-endian µs pcap`);
  const out: PcapRecordBytes[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const cap = b.readUInt32LE(o + 8);
    out.push({ ts: BigInt(b.readUInt32LE(o)) * 1_000_000_000n + BigInt(b.readUInt32LE(o + 4)) * 1000n, data: new Uint8Array(b.subarray(o + 16, o + 16 + cap)), origLen: b.readUInt32LE(o + 12) });
    o += 16 + cap;
  }
  return out;
}

/** Both sides' records in time order (inside first on equal times), tagged with their side. */
export function mergeSides(insidePath: string, outsidePath: string): (PcapRecordBytes & { side: 0 | 1 })[] {
  const inside = readPcapRecords(insidePath).map((r) => ({ ...r, side: 0 as const }));
  const outside = readPcapRecords(outsidePath).map((r) => ({ ...r, side: 1 as const }));
  return [...inside, ...outside].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.side - b.side));
}

/** The pair as one pcapng: interface 0 inside, 1 outside (Ethernet, ns resolution). */
export function mergeSidesPcapng(insidePath: string, outsidePath: string): Uint8Array {
  const merged = mergeSides(insidePath, outsidePath);
  return writePcapng({ sections: [{ interfaces: [{ linkType: 1, tsresol: 9 }, { linkType: 1, tsresol: 9 }], blocks: merged.map((r) => ({ type: "epb" as const, iface: r.side, ts: r.ts, data: r.data })) }] });
}

/**
 * A classic little-endian µs capture with every record `us` µs later than in `path`, and up to
 * `jitterUs` µs more, varying record by record but never reordering them (the bytes otherwise
 * kept), written to `to`: the same packets as a capture point one hop further on sees them
 * through a router that translates nothing and, like any, takes its own time for each packet.
 * verify's other side where a test needs one: one file given as both sides is refused
 * (same_capture), and a copy of it — at the same instants, or all moved by one offset
 * (`jitterUs` 0, as `editcap -t` does) — is no second capture point (nat.captures-identical).
 */
export function laterCopy(path: string, to: string, us = 50, jitterUs = 3): string {
  const b = Buffer.from(readFileSync(path));
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: expected a little-endian µs pcap`);
  let last = -Infinity;
  for (let o = 24, k = 0; o + 16 <= b.length; o += 16 + b.readUInt32LE(o + 8), k++) {
    const was = b.readUInt32LE(o) * 1_000_000 + b.readUInt32LE(o + 4);
    const t = Math.max(was + us + ((k * 7) % (jitterUs + 1)), last);
    last = t;
    b.writeUInt32LE(Math.floor(t / 1_000_000), o);
    b.writeUInt32LE(t % 1_000_000, o + 4);
  }
  writeFileSync(to, b);
  return to;
}

/**
 * A classic little-endian µs capture of `path` keeping only the Ethernet/IPv4 records sent by
 * `ip` (written to `to`): what a capture filter `src host <ip>`, or a mirror port copying one
 * direction, leaves of a capture.
 */
export function sentBy(path: string, to: string, ip: string): string {
  const b = Buffer.from(readFileSync(path));
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: expected a little-endian µs pcap`);
  const want = ip.split(".").map(Number);
  const parts: Buffer[] = [b.subarray(0, 24)];
  for (let o = 24; o + 16 <= b.length; o += 16 + b.readUInt32LE(o + 8)) {
    const frame = b.subarray(o + 16, o + 16 + b.readUInt32LE(o + 8));
    if (frame.length >= 34 && frame.readUInt16BE(12) === 0x0800 && want.every((v, k) => frame[26 + k] === v)) parts.push(b.subarray(o, o + 16 + frame.length));
  }
  writeFileSync(to, Buffer.concat(parts));
  return to;
}
