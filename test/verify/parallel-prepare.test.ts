/**
 * verify's parallel path (compiled dist/: two worker threads, each handing over its flow table;
 * the main thread prepares the NAT reconciliation's columns and indexes, and the SIP media
 * lookups, from the first capture while the other is still analyzed) gives the same report as
 * analyzing the two captures one after the other in this thread — on recorded NAT cases with
 * FTP, RTSP and SIP media, and with the sides given the wrong way round (the reconciliation run
 * again with the sides swapped back).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "../..");
const runner = join(repo, "dist/src/node/verify-run.js");
const built = existsSync(runner) && existsSync(join(repo, "dist/src/node/analyze-worker.js"));

type RunVerify = typeof import("../../src/node/verify-run.js").runVerify;

describe.skipIf(!built)("verify in worker threads, prepared ahead (compiled dist/)", () => {
  const cases = ["ftp-active-masquerade", "rtsp-udp-nat", "sip-udp-alg", "sip-udp-media-blocked", "sip-tcp-alg"];
  it.each(cases)("%s: parallel report = serial report, both ways round", async (name) => {
    const { runVerify } = (await import(runner)) as { runVerify: RunVerify };
    const inside = join(repo, "pcaps/nat", name, "inside.pcap");
    const outside = join(repo, "pcaps/nat", name, "outside.pcap");
    for (const files of [{ inside, outside }, { inside: outside, outside: inside }]) {
      const serial = await runVerify(files, { parallel: false });
      const parallel = await runVerify(files, { parallel: true });
      expect(JSON.stringify(parallel)).toBe(JSON.stringify(serial));
    }
  });
});
