/**
 * The NAT reconciliation's join of two captures by endpoint key: flow ids sorted by key in wasm
 * (assembly/kernel/key-sort.ts, src/wasm/key-sort.ts) in the order of the JavaScript comparison
 * sort, and joinByKey (src/verify/nat.ts) giving every inside flow the outside flows with its key,
 * ascending, as a Map of the keys says — on the key columns of every generated NAT pair and
 * recorded lab run, on keys made to tie and to differ only in their high or low bits, and on a
 * server farm's pair (groups of many flows), whose pairing is checked too.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCoreModule, scanFile } from "../../src/node/files.js";
import { joinByKey, reconcile } from "../../src/verify/nat.js";
import { dropKeyOrders, flowColumns, keyOrders } from "../../src/verify/flow-columns.js";
import { instantiateCore } from "../../src/wasm/instantiate.js";
import { keySortEngine, sortIdsByKey, sortIdsByKeyJs, type KeySortExports } from "../../src/wasm/key-sort.js";
import { DEFAULT_EPOCH_NS, ethernetFor, ipv4, udp, writePcap, type PcapRecord } from "../helpers/pcap-writer.js";

const dir = mkdtempSync(join(tmpdir(), "alg-verify-key-join-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pairs = (root: string) => readdirSync(root).map((d) => [join(root, d, "inside.pcap"), join(root, d, "outside.pcap")] as const).filter(([a, b]) => existsSync(a) && existsSync(b));

let kernel: KeySortExports;
beforeAll(async () => {
  // The core's own exports, called directly: what sortIdsByKey does, without its fallback.
  kernel = instantiateCore(await loadCoreModule()) as unknown as KeySortExports;
});

/** Ids 1..n sorted by the wasm kernel itself (its loops over ranges of `range` keys), and its keys in that order. */
function wasmOrder(keys: Float64Array, range: number): { ids: number[]; sorted: number[] } {
  const n = keys.length - 1;
  const at = kernel.keySortReserve(n) >>> 0;
  expect(at).toBeGreaterThan(0);
  new Float64Array(kernel.memory.buffer, at, n).set(keys.subarray(1));
  const ranges = (f: (from: number, to: number) => void) => {
    for (let from = 0; from < n; from += range) f(from, Math.min(n, from + range));
  };
  kernel.keySortStart(n);
  ranges((a, b) => kernel.keySortCount(a, b));
  for (let d = 0; d < kernel.keySortPasses(); d++) {
    if (!kernel.keySortPrefix(n, d)) continue;
    ranges((a, b) => kernel.keySortScatter(d, a, b));
    kernel.keySortSwap();
  }
  const ids = [...new Int32Array(kernel.memory.buffer, kernel.keySortIds() >>> 0, n)];
  let p = 0;
  ranges((a, b) => (p = kernel.keySortKeys(a, b) >>> 0));
  return { ids, sorted: n ? [...new Float64Array(kernel.memory.buffer, p, n)] : [] };
}

function keysOf(values: number[]): Float64Array {
  return new Float64Array([0, ...values]);
}

/** What joinByKey must give: per inside flow, the outside flows with its key, ascending. */
function oracle(iKeys: Float64Array, oKeys: Float64Array): number[][] {
  const byKey = new Map<number, number[]>();
  for (let id = 1; id < oKeys.length; id++) byKey.set(oKeys[id], [...(byKey.get(oKeys[id]) ?? []), id]);
  const out: number[][] = [];
  for (let id = 1; id < iKeys.length; id++) out.push(byKey.get(iKeys[id]) ?? []);
  return out;
}

/** joinByKey's answer in the oracle's shape, checking its chains against its members' layout. */
function joined(iKeys: Float64Array, oKeys: Float64Array): number[][] {
  const [iOrder, oOrder] = sortIdsByKey([iKeys, oKeys]);
  for (const [keys, o] of [[iKeys, iOrder], [oKeys, oOrder]] as const) expect([...o.sorted]).toEqual([...o.ids].map((id) => keys[id]));
  const { chains, group } = joinByKey(iOrder, oOrder);
  const { members, first } = chains.layout();
  const out: number[][] = [];
  for (let id = 1; id < iKeys.length; id++) {
    const g = group[id];
    const chain: number[] = [];
    for (let o = g ? chains.head[g] : 0; o; o = chains.next[o]) chain.push(o);
    if (g) {
      expect(chains.count[g]).toBe(chain.length);
      expect([...members.subarray(first[g], first[g] + chain.length)]).toEqual(chain);
    }
    out.push(chain);
  }
  return out;
}

describe("flow ids sorted by endpoint key", () => {
  it("the wasm kernel's order is the comparison sort's: ties in id order, high and low bits, the edges of the range", () => {
    const cases: number[][] = [
      [],
      [7],
      [5, 5, 5, 5],
      [3, 1, 2, 1, 3, 0],
      // Differing only above bit 44 (the last digit), only in bit 0, and at the range's ends.
      [2 ** 52 + 1, 2 ** 45, 1, 2 ** 53 - 1, 0, 2 ** 45 + 1, 2 ** 52, 2 ** 53 - 1, 1],
    ];
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // IPv4-like keys (below 2^50, many shared) and IPv6-like ones (from 2^51), mixed.
    cases.push(Array.from({ length: 20000 }, (_, i) => (i % 3 ? Math.floor(rnd() * 500) * 2 ** 20 + (i % 7) : 2 ** 51 + Math.floor(rnd() * 2 ** 51))));
    for (const c of cases) {
      const keys = keysOf(c);
      const js = [...sortIdsByKeyJs(keys).ids];
      // In one range, and in ranges of 7 keys (the pass's state carried from call to call).
      for (const range of [Math.max(1, keys.length), 7]) expect(wasmOrder(keys, range)).toEqual({ ids: js, sorted: js.map((id) => keys[id]) });
      for (let k = 1; k < js.length; k++) {
        expect(keys[js[k]] > keys[js[k - 1]] || (keys[js[k]] === keys[js[k - 1]] && js[k] > js[k - 1])).toBe(true);
      }
    }
  });

  it("sorts in wasm in a thread that scanned a capture, the same as in JavaScript; dropped orders are made again", async () => {
    const t = (await scanFile("pcaps/lab/ftp-active-helper/inside.pcap")).flows;
    expect(keySortEngine()).toBe("wasm");
    const c = flowColumns(t);
    const check = () => {
      const { initiatorOrder, responderOrder } = keyOrders(t);
      for (const [o, keys] of [[initiatorOrder, c.initiator], [responderOrder, c.responder]] as const) {
        const js = sortIdsByKeyJs(keys);
        expect([...o.ids]).toEqual([...js.ids]);
        expect([...o.sorted]).toEqual([...js.sorted]);
      }
    };
    check();
    const before = c.initiatorOrder!.ids;
    dropKeyOrders(t);
    expect(before.buffer.byteLength).toBe(0);
    expect(c.initiatorOrder).toBeUndefined();
    check();
  });
});

/** 600 UDP flows from 200 clients to 3 servers, each client translated to one of 40 NAT addresses, some dropped. */
function farm(): [string, string] {
  const inside: PcapRecord[] = [];
  const outside: PcapRecord[] = [];
  const dgram = (ts: bigint, src: string, sport: number, dst: string, dport: number): PcapRecord =>
    ({ ts, data: ethernetFor(ipv4({ src, dst, proto: 17, payload: udp({ srcPort: sport, dstPort: dport, payload: new Uint8Array(4), src, dst }) })) });
  for (let i = 0; i < 600; i++) {
    const c = i % 200;
    const ts = DEFAULT_EPOCH_NS + BigInt(i) * 3_000_000n;
    const server = `198.51.100.${1 + (i % 3)}`;
    inside.push(dgram(ts, `10.1.${c >> 8}.${c & 255}`, 5000 + (i % 7), server, 53));
    if (i % 11 !== 0) outside.push(dgram(ts + 2_000_000n, `203.0.113.${c % 40}`, 5000 + (i % 7), server, 53));
  }
  const a = join(dir, "farm-in.pcap");
  const b = join(dir, "farm-out.pcap");
  writeFileSync(a, writePcap(inside, { linkType: 1 }));
  writeFileSync(b, writePcap(outside, { linkType: 1 }));
  return [a, b];
}

describe("joinByKey", () => {
  it("the key columns of every generated NAT pair and recorded lab run, both ways round", async () => {
    const all = [...pairs("pcaps/nat"), ...pairs("pcaps/lab")];
    expect(all.length).toBeGreaterThan(40);
    let shared = 0;
    for (const [a, b] of all) {
      const [i, o] = [flowColumns((await scanFile(a)).flows), flowColumns((await scanFile(b)).flows)];
      for (const [x, y] of [[i, o], [o, i]]) {
        for (const col of ["initiator", "responder"] as const) {
          const want = oracle(x[col], y[col]);
          expect(joined(x[col], y[col])).toEqual(want);
          shared += want.filter((l) => l.length > 0).length;
        }
      }
    }
    expect(shared).toBeGreaterThan(200);
  });

  it("keys that tie within and across the captures, and keys only one capture has", () => {
    const iKeys = keysOf([5, 9, 5, 1, 7, 9, 2 ** 52, 3]);
    const oKeys = keysOf([7, 5, 2 ** 52, 5, 4, 7, 5, 8]);
    expect(joined(iKeys, oKeys)).toEqual([[2, 4, 7], [], [2, 4, 7], [], [1, 6], [], [3], []]);
    expect(joined(iKeys, oKeys)).toEqual(oracle(iKeys, oKeys));
    expect(joined(oKeys, iKeys)).toEqual(oracle(oKeys, iKeys));
    expect(joined(keysOf([]), oKeys)).toEqual([]);
    expect(joined(iKeys, keysOf([]))).toEqual(Array.from({ length: 8 }, () => []));
  });

  it("a server farm: groups of many flows, flows dropped at the NAT, paired", async () => {
    const [a, b] = farm();
    const [i, o] = [(await scanFile(a)).flows, (await scanFile(b)).flows];
    const ci = flowColumns(i);
    const co = flowColumns(o);
    expect(joined(ci.responder, co.responder)).toEqual(oracle(ci.responder, co.responder));
    const r = reconcile(i, o);
    expect(r.paired).toBe(545);
    expect(r.unpairedInside).toHaveLength(55);
    expect(r.unpairedOutside).toHaveLength(0);
  });
});
