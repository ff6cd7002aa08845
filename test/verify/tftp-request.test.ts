/**
 * What analyze knows of a TFTP request, exposed per capture in verify JSON `sessions[].tftp.<side>`
 * (src/verify/tftp.ts) and in the text report: the client's repeated requests (`retries`, the
 * packets), a malformed request and a cut one. Real captures: the public ones in
 * ../shared/pcaps/public (tcpdump's heap-overflow trace: a request cut and malformed; nDPI's mixed
 * TFTP trace: requests without a filename or mode, a repeated DATA block) and the generated
 * pcaps/alg/tftp-unanswered.pcap (its generator sends the RRQ three times: packets 1, 2, 3). Each
 * side is compared with `analyze --json` of the same capture, run separately.
 *
 * The transfer's repeated ACKs (`duplicateAcks`, beside the repeated DATA blocks `duplicates`):
 * the generated pcaps/alg/tftp-duplicate-ack (the client's ACK 1 sent twice) and
 * tftp-wrq-duplicate-ack (the server's ACK 0 twice, and its final ACK twice, the copy after the
 * end not counted), as their generator's expected.json says, in JSON and in the text report.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { verifyValidator } from "../helpers/verify-schema.js";

const repo = new URL("../../", import.meta.url).pathname;
const pub = join(repo, "../shared/pcaps/public");
const validate = verifyValidator();

async function both(file: string, side: "inside" | "outside") {
  const v = await runCli("verify", `--${side}`, file, "--json");
  const report = JSON.parse(v.stdout);
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  const a = JSON.parse((await runCli("analyze", file, "--json")).stdout);
  const text = (await runCli("verify", `--${side}`, file)).stdout;
  return { report, analyzed: a.sessions.filter((s: any) => s.alg === "tftp").map((s: any) => s.tftp), text };
}

/** The request fields of analyze's tftp object, as verify must show them (absent when not set). */
function requestFields(t: any) {
  return { retries: t.retries.length ? t.retries : undefined, malformed: t.malformed || undefined, truncated: t.truncated || undefined };
}

describe("verify sessions[].tftp: retries, malformed and cut requests (as analyze reads them)", () => {
  for (const [name, file, side, want] of [
    ["generated tftp-unanswered (RRQ sent three times)", join(repo, "pcaps/alg/tftp-unanswered.pcap"), "inside", [{ retries: [2, 3] }]],
    ["public tcpdump-tftp-heapoverflow (a cut, malformed request)", join(pub, "tcpdump/tcpdump-tftp-heapoverflow.pcap"), "outside", [{ malformed: true, truncated: true }]],
    ["public ndpi-tftp-mixed-wrq-blksize", join(pub, "ndpi/ndpi-tftp-mixed-wrq-blksize.pcap"), "outside", [{ malformed: true }, { malformed: true }, {}, {}, {}, {}]],
  ] as [string, string, "inside" | "outside", Record<string, unknown>[]][]) {
    it(`${name}: every request's ${side} view carries analyze's retries/malformed/truncated`, async () => {
      const { report, analyzed, text } = await both(file, side);
      const views = report.sessions.filter((s: any) => s.alg === "tftp").map((s: any) => s.tftp[side]);
      expect(views.length).toBe(analyzed.length);
      expect(views.map((v: any) => ({ retries: v.retries, malformed: v.malformed, truncated: v.truncated }))).toEqual(analyzed.map(requestFields));
      expect(views.map((v: any) => Object.fromEntries(Object.entries({ retries: v.retries, malformed: v.malformed, truncated: v.truncated }).filter(([, x]) => x !== undefined)))).toEqual(want);
      const block = text.slice(text.indexOf("TFTP transfers (as each capture shows them)\n"));
      for (const v of views) {
        if (v.retries) expect(block).toContain(`request repeated ${v.retries.length} time(s) before any answer @${v.retries.join(",")}`);
        if (v.duplicates) expect(block).toContain(`${v.duplicates} repeated block(s)`);
      }
      expect(block.split("request malformed").length - 1).toBe(views.filter((v: any) => v.malformed).length);
      expect(block.split("request cut").length - 1).toBe(views.filter((v: any) => v.truncated).length);
    });
  }
});

describe("verify sessions[].tftp: repeated ACKs (as analyze and the generator count them)", () => {
  for (const name of ["tftp-duplicate-ack", "tftp-wrq-duplicate-ack", "tftp-duplicate-block"]) {
    for (const side of ["inside", "outside"] as const) {
      it(`${name} as the ${side} capture`, async () => {
        const want = JSON.parse(readFileSync(join(repo, `pcaps/alg/${name}.expected.json`), "utf8")).sessions.map((s: any) => s.tftp);
        const { report, analyzed, text } = await both(join(repo, `pcaps/alg/${name}.pcap`), side);
        const views = report.sessions.filter((s: any) => s.alg === "tftp").map((s: any) => s.tftp[side]);
        const counts = (xs: any[]) => xs.map((x) => ({ duplicates: x.duplicates, duplicateAcks: x.duplicateAcks }));
        expect(counts(views)).toEqual(counts(want));
        expect(counts(analyzed)).toEqual(counts(want));
        const block = text.slice(text.indexOf("TFTP transfers (as each capture shows them)\n"));
        for (const v of views) {
          expect(block.includes(`${v.duplicateAcks} repeated ACK(s)`)).toBe(v.duplicateAcks > 0);
          expect(block.includes(`${v.duplicates} repeated block(s)`)).toBe(v.duplicates > 0);
        }
      });
    }
  }
});
