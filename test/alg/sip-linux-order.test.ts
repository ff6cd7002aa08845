/**
 * The Linux SIP emulation reads every kept message in capture order (src/alg/sip-linux.ts
 * `captureOrder`: a sort of packet numbers — native below RADIX_FROM messages, a radix sort from
 * there — then the position within the packet). Either way it must
 * give exactly what a stable sort by (packet, indexInPacket) of the dialogs' messages gave:
 * ties keep their input order, packet numbers above 2^16 sort by both digits. And `own` (the
 * flat copies the SIP sessions keep instead of slices of whole lines) must not change a string.
 */
import { describe, expect, it } from "vitest";
import { captureOrder, RADIX_FROM } from "../../src/alg/sip-linux.js";
import { own, parseVia } from "../../src/alg/sip-parse.js";

/** The order the emulation had before: Array.prototype.sort (stable) with its comparator. */
function sortOrder(packets: Uint32Array, within: Uint32Array): number[] {
  const idx = Array.from({ length: packets.length }, (_, i) => i);
  return idx.sort((a, b) => packets[a]! - packets[b]! || within[a]! - within[b]!);
}

/** A small deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe("captureOrder", () => {
  it("is the stable sort by packet, then position, on random input with ties (small and large packet numbers)", () => {
    // Below RADIX_FROM the native sort, from it the radix sort (both digits, and one alone).
    for (const [seed, n, range] of [[1, 1000, 50], [2, 5000, 70_000], [3, 3000, 2 ** 32 - 1], [4, 2000, 1 << 16], [5, RADIX_FROM - 1, 2 ** 32 - 1], [6, RADIX_FROM, 2 ** 32 - 1], [7, RADIX_FROM + 5000, 1 << 16], [8, RADIX_FROM + 3, 300]] as const) {
      const next = rng(seed);
      const packets = new Uint32Array(n);
      const within = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        packets[i] = range === 2 ** 32 - 1 ? next() : next() % range;
        within[i] = next() % 3;
      }
      // Some exact ties (same packet and position: different flows never share a packet, but the order must not depend on that).
      for (let i = 1; i < n; i += 7) {
        packets[i] = packets[i - 1]!;
        within[i] = within[i - 1]!;
      }
      expect(Array.from(captureOrder(packets, within))).toEqual(sortOrder(packets, within));
    }
  });

  it("handles no messages and one message", () => {
    expect(Array.from(captureOrder(new Uint32Array(0), new Uint32Array(0)))).toEqual([]);
    expect(Array.from(captureOrder(Uint32Array.of(70_000), Uint32Array.of(0)))).toEqual([0]);
  });

  it("orders runs within one packet by position and keeps input order among equals", () => {
    const packets = Uint32Array.of(9, 5, 9, 5, 9, 65_536, 0);
    const within = Uint32Array.of(2, 1, 0, 0, 2, 0, 0);
    expect(Array.from(captureOrder(packets, within))).toEqual([6, 3, 1, 2, 0, 4, 5]);
  });
});

describe("own", () => {
  it("returns the same text for short, long, sliced, concatenated and two-byte strings", () => {
    const line = "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-0123456789abcdef;rport";
    const via = parseVia(line)[0]!;
    for (const s of ["", "a", "192.0.2.10", line.slice(5, 40), via.branch!, `${"expects udp 192.0.2.1"} → ${"198.51.100.2:4000"}`, line]) {
      expect(own(s)).toBe(s);
    }
  });
});
