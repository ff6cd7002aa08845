/**
 * The compact store of flows that left the wasm table (EndedFlows): every record decodes to the
 * core's 128 bytes exactly — IPv4 and IPv6, small and huge counters, time that goes back (kept
 * as it is) — whatever the mix, and its id is read without decoding the rest.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EndedFlows } from "../../src/capture/flow-table.js";
import { tempDir } from "../helpers/tmp.js";
import {
  FL_ADDR_A, FL_ADDR_B, FL_CTRL, FL_FIRST_PKT, FL_FIRST_TS, FL_FLAGS, FL_FRAGS, FL_HASH, FL_ID, FL_IFACE, FL_IPBYTES_AB,
  FL_IPBYTES_BA, FL_IPVER, FL_ISN_A, FL_LAST_PKT, FL_LAST_TS, FL_PAYLOAD_AB, FL_PAYLOAD_BA, FL_PKTS_AB, FL_PKTS_BA,
  FL_PORT_A, FL_PORT_B, FL_PROTO, FL_VLAN0, FL_VLAN1, FLOW_SIZE,
} from "../../src/wasm/abi.js";

/** A time (ns) the generated captures' records gather around. */
const NEAR = 1_764_000_000_123_456_000n;
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const u32 = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const u16 = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));

const recordArb = fc.record({
  v6: fc.boolean(), addrA: fc.uint8Array({ minLength: 16, maxLength: 16 }), addrB: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  hash: u32, proto: fc.constantFrom(6, 17, 1, 58, 47), flags: u16, ports: fc.tuple(u16, u16), vlans: fc.tuple(u16, u16),
  pkts: fc.tuple(u32, u32), bytes: fc.tuple(u64, u64, u64, u64), firstPkt: u32, lastPkt: u32,
  firstTs: fc.oneof(
    fc.bigInt({ min: 1_700_000_000_000_000_000n, max: 1_800_000_000_000_000_000n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    // one capture's times: near each other (kept against the chunk's base), in ns or whole µs
    fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).map((d) => NEAR + d),
    fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }).map((d) => NEAR + d * 1000n),
  ),
  span: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: -(10n ** 9n), max: 2n ** 63n }), fc.bigInt({ min: 0n, max: 10n ** 9n }).map((d) => d * 1000n)),
  id: u32, iface: u16, frags: u16, isn: fc.oneof(fc.constant(0), u32), ctrl: fc.oneof(fc.constant(0), u32),
  /** An IP version other than the addresses suggest (kept in a byte of its own). */
  ipver: fc.option(fc.constantFrom(0, 4, 5, 6), { freq: 4 }),
  /** IP bytes = payload + packets × the version's and protocol's usual headers + this (as a capture's flows have them). */
  usualHeaders: fc.option(fc.integer({ min: -100, max: 100 })),
});

type Rec = typeof recordArb extends fc.Arbitrary<infer T> ? T : never;

function build(r: Rec): Uint8Array {
  const b = new Uint8Array(FLOW_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(FL_HASH, r.hash, true);
  dv.setUint8(FL_IPVER, r.ipver ?? (r.v6 ? 6 : 4));
  dv.setUint8(FL_PROTO, r.proto);
  dv.setUint16(FL_FLAGS, r.flags, true);
  b.set(r.v6 ? r.addrA : r.addrA.subarray(0, 4), FL_ADDR_A);
  b.set(r.v6 ? r.addrB : r.addrB.subarray(0, 4), FL_ADDR_B);
  dv.setUint16(FL_PORT_A, r.ports[0], true);
  dv.setUint16(FL_PORT_B, r.ports[1], true);
  dv.setUint16(FL_VLAN0, r.vlans[0], true);
  dv.setUint16(FL_VLAN1, r.vlans[1], true);
  dv.setUint32(FL_PKTS_AB, r.pkts[0], true);
  dv.setUint32(FL_PKTS_BA, r.pkts[1], true);
  [FL_IPBYTES_AB, FL_IPBYTES_BA, FL_PAYLOAD_AB, FL_PAYLOAD_BA].forEach((o, i) => dv.setBigUint64(o, r.bytes[i], true));
  if (r.usualHeaders !== null) {
    const h = BigInt(((r.ipver ?? (r.v6 ? 6 : 4)) === 6 ? 40 : 20) + (r.proto === 6 ? 20 : r.proto === 17 ? 8 : 0));
    for (const d of [0, 1]) {
      const pay = r.bytes[2 + d] % 2n ** 40n;
      dv.setBigUint64(FL_PAYLOAD_AB + 8 * d, pay, true);
      dv.setBigUint64(FL_IPBYTES_AB + 8 * d, BigInt.asUintN(64, pay + BigInt(r.pkts[d]) * h + BigInt(r.usualHeaders)), true);
    }
  }
  dv.setUint32(FL_FIRST_PKT, r.firstPkt, true);
  dv.setUint32(FL_LAST_PKT, r.lastPkt, true);
  dv.setBigUint64(FL_FIRST_TS, r.firstTs, true);
  dv.setBigUint64(FL_LAST_TS, BigInt.asUintN(64, r.firstTs + r.span), true);
  dv.setUint32(FL_ID, r.id, true);
  dv.setUint16(FL_IFACE, r.iface, true);
  dv.setUint16(FL_FRAGS, r.frags, true);
  dv.setUint32(FL_ISN_A, r.isn, true);
  dv.setUint32(FL_CTRL, r.ctrl, true);
  return b;
}

describe("ended-flow store", () => {
  it("gives back every record byte for byte, and its id", () => {
    fc.assert(fc.property(fc.array(recordArb, { minLength: 1, maxLength: 60 }), (rs) => {
      const store = new EndedFlows();
      const recs = rs.map(build);
      // Several feeds, as the core drains its ENDED region.
      for (let i = 0; i < recs.length; i += 7) {
        const batch = new Uint8Array(FLOW_SIZE * Math.min(7, recs.length - i));
        recs.slice(i, i + 7).forEach((r, k) => batch.set(r, k * FLOW_SIZE));
        store.add(batch);
      }
      expect(store.count).toBe(recs.length);
      const out = new Uint8Array(FLOW_SIZE + 8);
      // In store order, then backwards (every record located from its block's first).
      for (const i of [...recs.keys(), ...[...recs.keys()].reverse()]) {
        out.fill(0xee);
        store.decode(i, new DataView(out.buffer), 8);
        expect(out.subarray(8)).toEqual(recs[i]);
        expect(store.id(i)).toBe(rs[i].id);
        // the port column, as stored: initiator × 65536 + responder
        expect(store.ports(i)).toBe(rs[i].ports[0] * 65536 + rs[i].ports[1]);
      }
    }), { numRuns: 300 });
  });

  it("keeps an ordinary IPv4 flow in about 45 % of the core's record (with its index, its port column and the chunks' slack)", () => {
    const store = new EndedFlows();
    const n = 100_000;
    const batch = new Uint8Array(FLOW_SIZE * n);
    const dv = new DataView(batch.buffer);
    for (let i = 0; i < n; i++) {
      const o = i * FLOW_SIZE;
      dv.setUint32(o + FL_HASH, (i * 2654435761) >>> 0 || 1, true);
      dv.setUint8(o + FL_IPVER, 4);
      dv.setUint8(o + FL_PROTO, 6);
      dv.setUint16(o + FL_FLAGS, 0x1f, true);
      dv.setUint32(o + FL_ADDR_A, 0x0a000000 + i, false);
      dv.setUint32(o + FL_ADDR_B, 0xc6336414, false);
      dv.setUint16(o + FL_PORT_A, 30000 + (i % 30000), true);
      dv.setUint16(o + FL_PORT_B, 443, true);
      dv.setUint32(o + FL_PKTS_AB, 12, true);
      dv.setUint32(o + FL_PKTS_BA, 10, true);
      dv.setBigUint64(o + FL_IPBYTES_AB, 4000n, true);
      dv.setBigUint64(o + FL_IPBYTES_BA, 90000n, true);
      dv.setBigUint64(o + FL_PAYLOAD_AB, 3300n, true);
      dv.setBigUint64(o + FL_PAYLOAD_BA, 89000n, true);
      dv.setUint32(o + FL_FIRST_PKT, 1_000_000 + i * 40, true);
      dv.setUint32(o + FL_LAST_PKT, 1_000_000 + i * 40 + 900, true);
      dv.setBigUint64(o + FL_FIRST_TS, 1_764_000_000_000_000_000n + BigInt(i) * 1_000_000n, true);
      dv.setBigUint64(o + FL_LAST_TS, 1_764_000_000_000_000_000n + BigInt(i) * 1_000_000n + 2_500_000_000n, true);
      dv.setUint32(o + FL_ID, 100_000 + i, true);
      dv.setUint32(o + FL_ISN_A, (i * 40503) >>> 0, true);
    }
    store.add(batch);
    expect(store.bytes).toBeLessThan(n * FLOW_SIZE * 0.47);
  });
  it("gives back every record of a long capture (many chunks, each with its own time base; times before and after it)", () => {
    // memoryBytes 0: no limit, every chunk in memory.
    const { store, recs, rnd } = longCapture(new EndedFlows({ memoryBytes: 0 }));
    expect(store.bytes).toBeGreaterThan(3 * (1 << 19));
    expect(store.spilledBytes).toBe(0);
    checkAll(store, recs, rnd);
  });

  const spillDir = tempDir("alg-verify-ended-");

  it("past its memory limit, keeps its chunks in an unlinked temporary file and gives every record back, in any order", () => {
    for (const memoryBytes of [1, 1 << 20]) {
      const { store, recs, rnd } = longCapture(new EndedFlows({ memoryBytes, dir: spillDir }));
      // The file is unlinked as soon as it is open: nothing in its directory, even while in use.
      expect(readdirSync(spillDir)).toEqual([]);
      expect(store.spilledBytes).toBeGreaterThan(2 * (1 << 19));
      expect(store.notSpilled).toBeUndefined();
      // In memory: the chunk being filled, the cache of pieces (at least 8 × 16 KiB) and the index
      // (a length byte and 4 bytes of ports a record, a position per 64 records).
      const index = Math.ceil(recs.length / 65536) * (65536 * 5 + 4096);
      expect(store.bytes).toBeLessThanOrEqual(Math.max(memoryBytes, (1 << 19) + 8 * 16384) + index);
      checkAll(store, recs, rnd);
      expect(store.windowReads).toBeGreaterThan(0);
      store.close();
    }
  });

  it("keeps every record in memory, and says so, when no temporary file can be made", () => {
    const { store, recs, rnd } = longCapture(new EndedFlows({ memoryBytes: 1 << 20, dir: join(spillDir, "missing") }));
    expect(store.spilledBytes).toBe(0);
    expect(store.notSpilled?.reason).toMatch(/ENOENT|no such file/i);
    // The first two chunks (1 MiB) were within the limit; the records after them are counted.
    expect(store.notSpilled!.records).toBeGreaterThan(recs.length / 2);
    expect(store.notSpilled!.records).toBeLessThan(recs.length);
    checkAll(store, recs, rnd);
  });

  it("when the file stops taking chunks (no room left), keeps what it holds and every later record in memory, and says so", () => {
    const proc = process as unknown as { getBuiltinModule: (id: string) => unknown };
    const get = proc.getBuiltinModule;
    const room = (1 << 19) + 4096; // the first chunk fits, the second does not
    let written = 0;
    proc.getBuiltinModule = (id: string) => {
      const m = get.call(process, id) as typeof import("node:fs");
      if (id !== "node:fs") return m;
      return {
        ...m,
        writeSync(fd: number, b: Uint8Array, off: number, len: number, pos: number): number {
          if (written + len > room) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
          written += len;
          return m.writeSync(fd, b, off, len, pos);
        },
      };
    };
    try {
      const { store, recs, rnd } = longCapture(new EndedFlows({ memoryBytes: 1, dir: spillDir }));
      expect(written).toBe(1 << 19);
      expect(store.notSpilled?.reason).toMatch(/ENOSPC/);
      expect(store.notSpilled!.records).toBeGreaterThan(0);
      checkAll(store, recs, rnd);
      store.close();
    } finally {
      proc.getBuiltinModule = get;
    }
  });

  it("where there is no file system (a browser), keeps every record in memory without a word, as with no limit", () => {
    const proc = process as unknown as { getBuiltinModule?: unknown };
    const get = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined;
    try {
      const { store, recs, rnd } = longCapture(new EndedFlows({ memoryBytes: 1 << 20, dir: spillDir }));
      expect(store.spilledBytes).toBe(0);
      expect(store.notSpilled).toBeUndefined();
      checkAll(store, recs, rnd);
    } finally {
      proc.getBuiltinModule = get;
    }
  });
});

/** 40 000 records of a long capture (over 3 chunks), added in batches as the core drains them. */
function longCapture(store: EndedFlows) {
  const n = 40_000;
  const recs: Uint8Array[] = [];
  let seed = 7;
  const rnd = (m: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % m;
  };
  for (let i = 0; i < n; i++) {
    const us = rnd(4) !== 0;
    const first = NEAR + BigInt(i) * 20_000_000n - BigInt(rnd(600_000)) * (us ? 1_000_000n : 999_999n);
    recs.push(build({
      v6: rnd(7) === 0, addrA: new Uint8Array(16).fill(rnd(256)), addrB: new Uint8Array(16).fill(rnd(256)), hash: rnd(2 ** 31) + 1,
      proto: ([6, 17, 1] as const)[rnd(3)], flags: rnd(64), ports: [rnd(65536), rnd(65536)], vlans: [rnd(3), 0], pkts: [rnd(50), rnd(50)],
      bytes: [BigInt(rnd(90_000)), BigInt(rnd(90_000)), BigInt(rnd(80_000)), BigInt(rnd(80_000))], firstPkt: i * 13, lastPkt: i * 13 + rnd(5000),
      firstTs: first, span: BigInt(rnd(300_000)) * (us ? 1000n : 1n), id: i + 1, iface: 0, frags: 0, isn: rnd(2 ** 31), ctrl: rnd(3), ipver: null,
      usualHeaders: rnd(2) ? rnd(40) - 20 : null,
    }));
  }
  for (let i = 0; i < n; i += 4096) {
    const k = Math.min(4096, n - i);
    const batch = new Uint8Array(FLOW_SIZE * k);
    for (let j = 0; j < k; j++) batch.set(recs[i + j], j * FLOW_SIZE);
    store.add(batch);
  }
  return { store, recs, rnd };
}

/** Every record decodes to its 128 bytes and id: in store order, backwards, and in a shuffled order that crosses blocks and chunks. */
function checkAll(store: EndedFlows, recs: Uint8Array[], rnd: (m: number) => number): void {
  const n = recs.length;
  const out = new Uint8Array(FLOW_SIZE);
  const check = (i: number) => {
    store.decode(i, new DataView(out.buffer), 0);
    if (!out.every((b, k) => b === recs[i][k])) expect([i, out]).toEqual([i, recs[i]]);
    expect(store.id(i)).toBe(i + 1);
    // the port column (never spilled) agrees with the record
    expect(store.ports(i)).toBe(recs[i][FL_PORT_A] * 65536 + recs[i][FL_PORT_A + 1] * 16777216 + recs[i][FL_PORT_B] + recs[i][FL_PORT_B + 1] * 256);
  };
  for (let i = 0; i < n; i++) check(i);
  for (let i = n - 1; i >= 0; i -= 37) check(i);
  for (let k = 0; k < 5000; k++) check(rnd(n));
}
