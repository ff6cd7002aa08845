/**
 * The browser entry (src/browser) under Node, whose Blob has the same stream(): verifyBlobs on
 * Blobs gives exactly runVerify's report on the files, and streamSource hands the core the same
 * bytes whatever the stream's chunking (the page test checks the same in real Chromium).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyzeBlob, STREAM_MIN_READ_BYTES, STREAM_STAGING_BYTES, streamSource, verifyBlobs } from "../../src/browser/index.js";
import { loadCoreModule } from "../../src/node/index.js";
import { runVerify } from "../../src/node/verify-run.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = join(root, "pcaps/lab/ftp-active-helper");

const named = (path: string, name: string) => Object.assign(new Blob([readFileSync(path)]), { name });

/** A ReadableStream of `bytes` in chunks of the given sizes (cycled). */
function chunked(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let off = 0;
  let k = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (off >= bytes.length) return c.close();
      const n = sizes[k++ % sizes.length];
      c.enqueue(bytes.slice(off, off + n));
      off += n;
    },
  });
}

/**
 * A byte stream (what File.stream() is) of `bytes` in chunks of the given sizes (cycled); counts
 * the pulls that had a BYOB request, i.e. that streamSource read with a BYOB reader.
 */
function byteChunked(bytes: Uint8Array, sizes: number[], seen = { byob: 0, pulls: 0 }, stallAt = Infinity): ReadableStream<Uint8Array> {
  let off = 0;
  let k = 0;
  return new ReadableStream({
    type: "bytes",
    pull(c) {
      seen.pulls++;
      if (c.byobRequest) seen.byob++;
      if (off >= stallAt) return new Promise<void>(() => undefined); // a read that never settles
      if (off >= bytes.length) {
        c.close();
        c.byobRequest?.respond(0);
        return;
      }
      const n = sizes[k++ % sizes.length];
      c.enqueue(bytes.slice(off, off + n));
      off += n;
    },
  }) as ReadableStream<Uint8Array>;
}

describe("browser entry under Node", () => {
  it("verifyBlobs equals runVerify on the same files", async () => {
    const module = await loadCoreModule();
    const progress: [string, number, number][] = [];
    const { report, timing } = await verifyBlobs(module, {
      inside: named(join(dir, "inside.pcap"), join(dir, "inside.pcap")),
      outside: named(join(dir, "outside.pcap"), join(dir, "outside.pcap")),
      router: ["conntrack.txt", "expect.txt"].map((f) => ({ name: join(dir, f), text: readFileSync(join(dir, f), "utf8") })),
    }, { onProgress: (s, b, t) => progress.push([s, b, t]) });
    const want = await runVerify({ inside: join(dir, "inside.pcap"), outside: join(dir, "outside.pcap"), router: [join(dir, "conntrack.txt"), join(dir, "expect.txt")] }, { parallel: false });
    expect(report).toEqual(want);
    expect(timing.map((t) => t.side)).toEqual(["inside", "outside"]);
    expect(timing.map((t) => t.stalls)).toEqual([0, 0]);
    for (const t of timing) {
      expect(t.waitMs).toBeGreaterThanOrEqual(0);
      expect(t.waitMs).toBeLessThanOrEqual(t.ms);
    }
    expect(progress.at(-1)).toEqual(["outside", timing[1].bytes, timing[1].bytes]);
  });

  it("streamSource: any chunking of the stream gives the same analysis", async () => {
    const module = await loadCoreModule();
    const bytes = readFileSync(join(dir, "outside.pcap"));
    const base = await analyzeBlob(module, named(join(dir, "outside.pcap"), "o.pcap"));
    for (const sizes of [[1], [7, 3, 1000], [65536], [bytes.length]]) {
      const blob = { name: "o.pcap", size: bytes.length, stream: () => chunked(bytes, sizes) };
      const r = await analyzeBlob(module, blob, { readBytes: 4096 });
      expect([...r.scan.flows]).toEqual([...base.scan.flows]);
      expect(r.sessions).toEqual(base.sessions);
      expect(r.scan.info).toEqual(base.scan.info);
    }
  });

  it("streamSource reads a byte stream with a BYOB reader: any chunking, chunks larger than its staging buffer, the same bytes", async () => {
    const bytes = new Uint8Array(3 * STREAM_STAGING_BYTES + 12345).map((_, i) => (i * 2654435761) >>> 24);
    for (const sizes of [[1, 7, 1000], [STREAM_STAGING_BYTES + 5], [2 * STREAM_STAGING_BYTES, 3]]) {
      for (const window of [4096, STREAM_STAGING_BYTES, 5 * STREAM_STAGING_BYTES]) {
        const seen = { byob: 0, pulls: 0 };
        const src = streamSource(byteChunked(bytes, sizes, seen), undefined, () => { throw new Error("no stall, no reopen"); });
        const out = new Uint8Array(bytes.length + window);
        let at = 0;
        for (let n; (n = await src.read(out.subarray(at, at + window))) > 0;) at += n;
        expect(at).toBe(bytes.length);
        expect(Buffer.from(out.subarray(0, at)).equals(Buffer.from(bytes))).toBe(true);
        expect(seen.byob).toBe(seen.pulls);
        expect(src.stalls).toBe(0);
      }
    }
  });

  it("streamSource: a BYOB read that never settles is given up after STREAM_STALL_MS and the rest read from where it stopped", async () => {
    const bytes = new Uint8Array(2 * STREAM_STAGING_BYTES + 777).map((_, i) => (i * 2654435761) >>> 24);
    const opened: number[] = [];
    const src = streamSource(byteChunked(bytes, [1000, STREAM_STAGING_BYTES], undefined, STREAM_STAGING_BYTES + 1000), undefined, (at) => {
      opened.push(at);
      return chunked(bytes.slice(at), [4096]);
    });
    const out = new Uint8Array(bytes.length + 4096);
    let at = 0;
    for (let n; (n = await src.read(out.subarray(at, at + 65536))) > 0;) at += n;
    // The first read fills the staging buffer (1000 bytes, then the next chunk's first
    // STREAM_STAGING_BYTES − 1000); the second holds the 1000 left but waits for
    // STREAM_MIN_READ_BYTES that never come: those 1000 were never delivered, so the stream is
    // reopened at the first of them.
    expect(opened).toEqual([STREAM_STAGING_BYTES]);
    expect(src.stalls).toBe(1);
    expect(at).toBe(bytes.length);
    expect(Buffer.from(out.subarray(0, at)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("streamSource: a BYOB read waits for STREAM_MIN_READ_BYTES (one read gathers many small chunks), and the stream's short last read is kept", async () => {
    const bytes = new Uint8Array(2 * STREAM_MIN_READ_BYTES + 4321).map((_, i) => (i * 2654435761) >>> 24);
    let filledBefore = 0;
    let pulls = 0;
    const stream = new ReadableStream({
      type: "bytes",
      pull(c) {
        pulls++;
        // How much of the pending BYOB read is already filled when the stream is asked for more.
        filledBefore = Math.max(filledBefore, c.byobRequest?.view?.byteOffset ?? 0);
        const at = (pulls - 1) * 1000;
        if (at >= bytes.length) {
          c.close();
          c.byobRequest?.respond(0);
          return;
        }
        c.enqueue(bytes.slice(at, at + 1000));
      },
    }) as ReadableStream<Uint8Array>;
    const src = streamSource(stream, undefined, () => { throw new Error("no stall, no reopen"); });
    const out = new Uint8Array(bytes.length + 10);
    let at = 0;
    for (let n; (n = await src.read(out.subarray(at))) > 0;) at += n;
    expect(filledBefore).toBeGreaterThanOrEqual(STREAM_MIN_READ_BYTES - 1000);
    expect(at).toBe(bytes.length);
    expect(Buffer.from(out.subarray(0, at)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("streamSource counts the time spent awaiting the stream's chunks (waitMs), not the time spent on them", async () => {
    // Each chunk arrives 30 ms after it is asked for (highWaterMark 0: the stream asks for a chunk
    // only when a read is pending, never ahead): the source waits at least that per chunk.
    const delayMs = 30;
    const chunks = 4;
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (pulls++ === chunks) return c.close();
        await new Promise((r) => setTimeout(r, delayMs));
        c.enqueue(new Uint8Array(1000).fill(pulls));
      },
    }, { highWaterMark: 0 });
    const src = streamSource(stream);
    expect(src.waitMs).toBe(0);
    const out = new Uint8Array(chunks * 1000);
    let at = 0;
    const t0 = performance.now();
    for (let n; (n = await src.read(out.subarray(at, at + 500))) > 0;) {
      at += n;
      // Time on the bytes, between reads: not a wait.
      const until = performance.now() + 20;
      while (performance.now() < until);
    }
    const elapsed = performance.now() - t0;
    expect(at).toBe(chunks * 1000);
    // setTimeout never fires early (Node rounds to whole ms: 1 ms of slack per chunk).
    expect(src.waitMs).toBeGreaterThanOrEqual(chunks * (delayMs - 1));
    // 8 reads of 500 bytes, each followed by 20 ms of work that is not counted.
    expect(src.waitMs).toBeLessThanOrEqual(elapsed - 8 * 20);
  });

  it("without a way to reopen it, a byte stream is read with the default reader", async () => {
    const seen = { byob: 0, pulls: 0 };
    const src = streamSource(byteChunked(new Uint8Array(5000), [100], seen));
    let total = 0;
    for (let n; (n = await src.read(new Uint8Array(700))) > 0;) total += n;
    expect(total).toBe(5000);
    expect(seen.byob).toBe(0);
  });

  it("a byte stream in any chunking gives the same analysis as the Blob", async () => {
    const module = await loadCoreModule();
    // A copy, not the Buffer: its slice() is a view, and enqueue() would detach the whole file.
    const bytes = new Uint8Array(readFileSync(join(dir, "outside.pcap")));
    const base = await analyzeBlob(module, named(join(dir, "outside.pcap"), "o.pcap"));
    for (const sizes of [[1], [7, 3, 1000], [bytes.length]]) {
      const seen = { byob: 0, pulls: 0 };
      const blob = { name: "o.pcap", size: bytes.length, stream: () => byteChunked(bytes, sizes, seen), slice: (at: number) => ({ stream: () => byteChunked(bytes.slice(at), sizes) }) };
      const r = await analyzeBlob(module, blob, { readBytes: 4096 });
      expect([...r.scan.flows]).toEqual([...base.scan.flows]);
      expect(r.sessions).toEqual(base.sessions);
      expect(r.scan.info).toEqual(base.scan.info);
      expect(seen.byob).toBeGreaterThan(0);
    }
  });

  it("streamSource fills the buffer across chunks and reports 0 only at the end", async () => {
    const src = streamSource(chunked(new Uint8Array(10).map((_, i) => i), [3, 3, 4]));
    const a = new Uint8Array(4);
    expect(await src.read(a)).toBe(4);
    expect([...a]).toEqual([0, 1, 2, 3]);
    const b = new Uint8Array(100);
    expect(await src.read(b)).toBe(6);
    expect([...b.subarray(0, 6)]).toEqual([4, 5, 6, 7, 8, 9]);
    expect(await src.read(b)).toBe(0);
  });

  it("an aborted signal stops the read with the abort reason", async () => {
    const ac = new AbortController();
    const src = streamSource(chunked(new Uint8Array(100), [10]), ac.signal);
    ac.abort(new Error("user cancelled"));
    await expect(src.read(new Uint8Array(8))).rejects.toThrow("user cancelled");
  });
});
