/**
 * Progress on stderr (src/node/progress.ts) with an injected clock: nothing unless stderr is a
 * terminal; percent and time left per capture; at most one redraw per PROGRESS_INTERVAL_MS; cut
 * to the terminal's width; cleared at the end (and nothing to clear when nothing was drawn).
 */
import { describe, expect, it } from "vitest";
import { durationText, progress, PROGRESS_INTERVAL_MS } from "../../src/node/progress.js";
import type { CliIo } from "../../src/node/io.js";

function fakeIo(isTTY: boolean, stderrColumns?: number) {
  const err: string[] = [];
  const io: CliIo = { stdout: () => {}, stderr: (s) => err.push(s), readFile: async () => "", setExitCode: () => {}, isTTY, stderrColumns };
  return { io, err };
}

describe("progress", () => {
  it("stderr no terminal: nothing at all", () => {
    const { io, err } = fakeIo(false);
    const p = progress(io, [{ name: "a.pcap", total: 100 }]);
    p.tick(0, 50);
    p.stage("comparing");
    p.done();
    expect(err).toEqual([]);
  });

  it("one capture: percent, MB, rate and time left, redrawn at most every interval, cleared", () => {
    const { io, err } = fakeIo(true);
    let t = 0;
    const p = progress(io, [{ name: "big.pcap", total: 400e6 }], () => t);
    t = 1000;
    p.tick(0, 100e6);
    expect(err).toEqual(["\rbig.pcap: 25.0%, 100 MB, 100 MB/s, 3 s left\x1b[K"]);
    t += PROGRESS_INTERVAL_MS - 1;
    p.tick(0, 110e6);
    expect(err).toHaveLength(1);
    t += 1;
    p.tick(0, 200e6);
    expect(err[1]).toMatch(/^\rbig\.pcap: 50\.0%, 200 MB, 18\d MB\/s, 2 s left\x1b\[K$/);
    t = 4000;
    p.tick(0, 400e6);
    expect(err[2]).toBe("\rbig.pcap: 100.0%, 400 MB, 100 MB/s\x1b[K");
    p.done();
    expect(err[3]).toBe("\r\x1b[K");
  });

  it("two captures read at once: each with its percent and time left on one line, then the stage", () => {
    const { io, err } = fakeIo(true);
    let t = 0;
    const p = progress(io, [{ name: "inside.pcap", total: 1000 }, { name: "outside.pcap", total: 2000 }], () => t);
    t = 2000;
    p.tick(0, 500);
    expect(err[0]).toBe("\rinside.pcap 50% 2 s left · outside.pcap 0%\x1b[K");
    t += PROGRESS_INTERVAL_MS;
    p.tick(1, 1000);
    // (2.1 s for half of each: 2.1 s left each, rounded up)
    expect(err[1]).toBe("\rinside.pcap 50% 3 s left · outside.pcap 50% 3 s left\x1b[K");
    p.stage("comparing the captures through the NAT …");
    expect(err[2]).toBe("\rcomparing the captures through the NAT …\x1b[K");
    p.done();
    expect(err[3]).toBe("\r\x1b[K");
  });

  it("standard input (size unknown): bytes and rate only; lines cut to the terminal width", () => {
    const { io, err } = fakeIo(true, 30);
    let t = 0;
    const p = progress(io, [{ name: "a-rather-long-capture-name.pcapng" }], () => t);
    t = 1000;
    p.tick(0, 5e6);
    expect(err[0]).toBe("\ra-rather-long-capture-name.p…\x1b[K");
    expect(err[0].length - "\r\x1b[K".length).toBe(29);
    const wide = fakeIo(true, 200);
    t = 0;
    const q = progress(wide.io, [{ name: "<stdin>" }], () => t);
    t = 1000;
    q.tick(0, 5e6);
    expect(wide.err[0]).toBe("\r<stdin>: 5 MB, 5 MB/s\x1b[K");
  });

  it("until: the line is cleared when the work ends, also when it throws (the error message follows)", async () => {
    const { io, err } = fakeIo(true);
    const p = progress(io, [{ name: "a.pcap", total: 10 }], () => 0);
    await expect(p.until((async () => {
      p.tick(0, 5);
      throw new Error("cannot read a.pcap");
    })())).rejects.toThrow("cannot read a.pcap");
    expect(err).toEqual(["\ra.pcap: 50.0%, 0 MB, 0 MB/s, 1 s left\x1b[K", "\r\x1b[K"]);
    expect(await p.until(Promise.resolve(7))).toBe(7);
    expect(err).toHaveLength(2);
    expect(await progress(fakeIo(false).io, []).until(Promise.resolve(1))).toBe(1);
  });

  it("nothing drawn, nothing cleared", () => {
    const { io, err } = fakeIo(true);
    progress(io, [{ name: "a", total: 1 }]).done();
    expect(err).toEqual([]);
  });

  it("durations", () => {
    expect(durationText(0.2)).toBe("1 s");
    expect(durationText(59)).toBe("59 s");
    expect(durationText(65)).toBe("1 min 05 s");
    expect(durationText(3725)).toBe("1 h 02 min");
  });
});
