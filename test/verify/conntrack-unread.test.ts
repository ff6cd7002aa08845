/**
 * A conntrack listing with lines that could not be read: a flow whose entry is not among the lines
 * read is not called missing (router.flow-missing) — its entry may be one of the unread lines — and
 * the check says so. The damage is the one the lab recorded once (`conntrack -L >f 2>&1` with a
 * listing longer than stdio's buffer: the stderr summary written into the middle of an entry),
 * applied to the recorded sip-udp-helper pair's RTP entry. Removed outright instead, the entry is
 * missing, and that is still an error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runVerify } from "../../src/node/verify-run.js";
import { tempDir } from "../helpers/tmp.js";

const lab = new URL("../../pcaps/lab/sip-udp-helper/", import.meta.url).pathname;
const dir = tempDir("alg-verify-conntrack-unread-");
const RTP_ENTRY = /^ipv4 .* sport=7000 dport=6000 .*$/m;

async function verifyWith(name: string, conntrack: string) {
  const file = join(dir, `${name}.txt`);
  writeFileSync(file, conntrack);
  const r = await runVerify({ inside: join(lab, "inside.pcap"), outside: join(lab, "outside.pcap"), router: [file] });
  const rtp = r.checks.filter((c) => c.check === "router-flow" && /UDP 192\.0\.2\.10:7000 -> 198\.51\.100\.20:6000/.test(c.subject));
  return { r, rtp, missing: r.findings.filter((f) => f.code === "router.flow-missing") };
}

describe("a conntrack listing with unreadable lines", () => {
  const text = readFileSync(join(lab, "conntrack.txt"), "utf8");
  const entry = RTP_ENTRY.exec(text)![0];

  it("does not call a flow missing whose entry may be among them", async () => {
    const cut = entry.indexOf("dst=198.51.100.20") + "dst=198.51.100.".length;
    const damaged = text.replace(entry, `${entry.slice(0, cut)}conntrack v1.4.7 (conntrack-tools): 9 flow entries have been shown.\n${entry.slice(cut)}`);
    const { r, rtp, missing } = await verifyWith("damaged", damaged);
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.line)).toHaveLength(2);
    expect(missing).toEqual([]);
    expect(rtp.map((c) => c.status)).toEqual(["not-checked"]);
    expect(rtp[0]!.reason).toMatch(/no entry among the lines read, but 2 line\(s\) of the conntrack listing could not be read \(.*damaged\.txt line \d+, .*damaged\.txt line \d+\): it may be one of them/);
  });

  it("still calls it missing when every line was read", async () => {
    const { rtp, missing } = await verifyWith("removed", text.replace(`${entry}\n`, ""));
    expect(missing.map((f) => f.message)).toEqual([expect.stringMatching(/^data initiator UDP 192\.0\.2\.10:7000 -> 198\.51\.100\.20:6000: no conntrack entry/)]);
    expect(rtp.map((c) => c.status)).toEqual(["failed"]);
  });
});
