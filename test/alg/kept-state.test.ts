/**
 * What `analyze` keeps to the end of its report (#13's churn peak): the control lines and FTP
 * answers verify reads are not kept when `verifyEvents` is false (the CLI's `analyze`), and that
 * changes nothing else; lists kept by negotiations are made at their length without changing
 * what they hold (`appended`).
 */
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import { APPEND_COPY_MAX, appended } from "../../src/alg/media-flows.js";
import { EventKind } from "../../src/wasm/abi.js";

const LAB = "pcaps/lab";

describe("AnalyzeOptions.verifyEvents", () => {
  for (const c of ["ftp-active-helper", "rtsp-record-udp", "sip-udp-helper", "tftp-helper"]) {
    it(`${c}: false keeps no event and the same sessions, stats and diagnostics`, async () => {
      for (const side of ["inside", "outside"]) {
        const path = `${LAB}/${c}/${side}.pcap`;
        for (const profile of ["lenient", "linux"] as const) {
          const kept = await analyzeFile(path, { profile });
          const not = await analyzeFile(path, { profile, verifyEvents: false });
          expect(not.events).toEqual([]);
          expect(not.sessions).toEqual(kept.sessions);
          expect(not.scan.stats).toEqual(kept.scan.stats);
          expect(not.scan.diagnostics).toEqual(kept.scan.diagnostics);
          // By default verify's lines are there (FTP and RTSP control lines; SIP and TFTP have none).
          if (c.startsWith("ftp")) expect(kept.events.some((e) => e.kind === EventKind.FtpReply)).toBe(true);
          if (c.startsWith("rtsp")) expect(kept.events.some((e) => e.kind === EventKind.RtspLine)).toBe(true);
        }
      }
    });
  }
});

describe("appended", () => {
  it("returns a new list with the item at the end and leaves the old one as it was", () => {
    const a = [1, 2];
    const b = appended(a, 3);
    expect(b).toEqual([1, 2, 3]);
    expect(a).toEqual([1, 2]);
    expect(b).not.toBe(a);
    expect(appended(undefined, "x")).toEqual(["x"]);
    expect(appended([], [7])).toEqual([[7]]);
    expect(appended<unknown>([1], [7])).toEqual([1, [7]]);
  });

  it("grows a long list in place: linear time for a list a hostile capture makes long", () => {
    let list: number[] | undefined;
    const seen = new Set<number[]>();
    for (let i = 0; i < 100_000; i++) {
      list = appended(list, i);
      seen.add(list);
    }
    expect(list!.length).toBe(100_000);
    expect(list![99_999]).toBe(99_999);
    // one new array per item while short, then the same one
    expect(seen.size).toBe(APPEND_COPY_MAX);
  });
});
