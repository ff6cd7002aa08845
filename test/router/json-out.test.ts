/**
 * JsonOut (src/router/json-out.ts): the fused constant segments and the two-digit number writer
 * give the bytes written one by one would, past every bound of the fusion tree (fan-out, run
 * length, node count: the tree is dropped and grown again).
 */
import { describe, expect, test } from "vitest";
import { JsonOut, FUSE_FANOUT, FUSE_BYTES, FUSE_NODES } from "../../src/router/json-out.js";

const ENC = new TextEncoder();
const DEC = new TextDecoder();

function drain(out: JsonOut, into: string[]): void {
  into.push(DEC.decode(out.take()));
}

describe("JsonOut", () => {
  test("numbers as JSON.stringify writes them", () => {
    const out = new JsonOut();
    const xs: number[] = [];
    for (let n = 0; n < 20_000; n++) xs.push(n);
    for (let p = 1; p < 2 ** 31; p *= 3) xs.push(p - 1, p, p + 1);
    xs.push(2 ** 31 - 1, 2 ** 31, 1e9, 999_999_999, -1, 0.5, 1e21, Number.MAX_SAFE_INTEGER);
    const got: string[] = [];
    for (const x of xs) {
      out.num(x);
      out.byte(44);
      if (out.full()) drain(out, got);
    }
    drain(out, got);
    expect(got.join("")).toBe(xs.map((x) => JSON.stringify(x)).join(",") + ",");
  });

  test("fused segments equal the segments and values in order, past the tree's bounds", () => {
    // many distinct constant segments in pseudo-random order between values: fan-out and node
    // count overflow, long runs exceed FUSE_BYTES
    const segs = Array.from({ length: FUSE_FANOUT * 4 }, (_, k) => ENC.encode(`,"k${k}": ` + "x".repeat(k % 3 === 0 ? FUSE_BYTES / 4 : 1)));
    const out = new JsonOut();
    const want: string[] = [];
    const got: string[] = [];
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let rec = 0; rec < FUSE_NODES / 2; rec++) {
      if (rec % 3) out.begin();
      const shape = rnd(4);
      for (let k = 0; k < 12; k++) {
        const s = segs[(shape * 5 + k + (shape === 3 ? rnd(segs.length) : 0)) % segs.length]!;
        out.seg(s);
        want.push(DEC.decode(s));
        if (rnd(3) === 0) {
          const v = rnd(100_000);
          out.num(v);
          want.push(String(v));
        }
      }
      if (out.full()) drain(out, got);
    }
    drain(out, got);
    expect(got.join("")).toBe(want.join(""));
  });
});
