/**
 * Flow ids sorted by their numeric endpoint keys (FlowTable.endpointKeys), for the NAT
 * reconciliation's join of the two captures' flows (src/verify/nat.ts joinByKey). Sorted in an
 * instance of the wasm core of its own (assembly/kernel/key-sort.ts: a radix sort, a few ms for
 * 250 k keys), made from the module the thread compiled to scan a capture (offered by
 * CaptureCore, core.ts) and dropped after each call, so its memory (24 bytes a key) is not held; in
 * JavaScript where this thread compiled no core (both captures analyzed in workers, a table
 * received whole) or its memory cannot grow. Both give the same order: ascending keys, equal keys
 * in ascending id.
 */
import { coreInstance } from "./instantiate.js";

/** The core's exports of the sort (assembly/kernel/key-sort.ts). */
export interface KeySortExports {
  memory: WebAssembly.Memory;
  keySortReserve(n: number): number;
  keySortStart(n: number): void;
  keySortCount(from: number, to: number): void;
  keySortPasses(): number;
  keySortPrefix(n: number, digit: number): number;
  keySortScatter(digit: number, from: number, to: number): void;
  keySortSwap(): void;
  keySortIds(): number;
  keySortKeys(from: number, to: number): number;
}

/**
 * Keys per call of the kernel's loops: V8 runs a wasm function's call to its end in the code it
 * started with (no on-stack replacement), so only the first calls of each loop run in its baseline
 * code (assembly/kernel/key-sort.ts). 250 k keys sorted by the first process to sort: ~33 ms of
 * wasm in one call per loop, ~14 ms in ranges (verify --json on the bench pair, session 23).
 */
const RANGE = 16384;

/** A column's flow ids in key order, and the keys in that order (keys[ids[i]] = sorted[i]). */
export interface KeyOrder {
  ids: Int32Array;
  sorted: Float64Array;
}

let offered: WebAssembly.Module | undefined;

/** The core module compiled in this thread (the first offered is kept; core.ts offers each it instantiates). */
export function offerKeySortModule(module: WebAssembly.Module): void {
  offered ??= module;
}

/** An instance of the offered module with the sort's exports, or undefined (none offered, an old core). */
function kernel(): KeySortExports | undefined {
  const x = offered && coreInstance<KeySortExports>(offered);
  return x && typeof x.keySortScatter === "function" && typeof x.keySortReserve === "function" ? x : undefined;
}

/** Where sortIdsByKey sorts in this thread: "wasm" once a core module with the sort was offered, else "js" (for the tests: it makes an instance to find out). */
export function keySortEngine(): "wasm" | "js" {
  return kernel() ? "wasm" : "js";
}

/**
 * For each column (`keys[id]` for ids 1..keys.length − 1; integral, in [0, 2^53)), its ids in
 * ascending key order, equal keys in ascending id (keys.length − 1 ids), and its keys in that order
 * (read in order where `keys[ids[i]]` would be a random read per flow).
 */
export function sortIdsByKey(columns: Float64Array[]): KeyOrder[] {
  const x = kernel();
  return columns.map((keys) => (x && sortInWasm(x, keys)) || sortIdsByKeyJs(keys));
}

function sortInWasm(x: KeySortExports, keys: Float64Array): KeyOrder | undefined {
  const n = keys.length - 1;
  if (n <= 0) return { ids: new Int32Array(0), sorted: new Float64Array(0) };
  const at = x.keySortReserve(n) >>> 0;
  if (at === 0) return undefined;
  // The memory may have grown: views of it are made after the reservation.
  new Float64Array(x.memory.buffer, at, n).set(keys.subarray(1));
  const ranges = (f: (from: number, to: number) => void) => {
    for (let from = 0; from < n; from += RANGE) f(from, Math.min(n, from + RANGE));
  };
  x.keySortStart(n);
  ranges(x.keySortCount);
  for (let d = 0, passes = x.keySortPasses(); d < passes; d++) {
    if (!x.keySortPrefix(n, d)) continue;
    ranges((from, to) => x.keySortScatter(d, from, to));
    x.keySortSwap();
  }
  const ids = new Int32Array(x.memory.buffer, x.keySortIds() >>> 0, n).slice();
  let sorted = 0;
  ranges((from, to) => (sorted = x.keySortKeys(from, to) >>> 0));
  return { ids, sorted: new Float64Array(x.memory.buffer, sorted, n).slice() };
}

/** sortIdsByKey's order in JavaScript (a comparison sort). */
export function sortIdsByKeyJs(keys: Float64Array): KeyOrder {
  const n = Math.max(0, keys.length - 1);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i + 1;
  // Keys below 2^53: their difference is exact.
  ids.sort((a, b) => keys[a] - keys[b] || a - b);
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = keys[ids[i]];
  return { ids, sorted };
}
