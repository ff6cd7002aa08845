/**
 * Ladder diagrams and the topology strip, checked from the SVG text (parsed by ./svg-parse.ts,
 * not from the writer's tree) on recorded lab runs (pcaps/lab: real netfilter, real servers and
 * clients) and generated two-sided cases (pcaps/nat), passing and failing: lanes, one control arrow
 * per negotiation, one data arrow per data/media attempt ending where it ended, the rewritten span,
 * packet numbers, relative times, folding, and values the report may add later drawn generically.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findCases } from "../../src/node/suite-discover.js";
import { runVerify } from "../../src/node/verify-run.js";
import { caseRouter } from "../../src/node/suite-run.js";
import { caseInput } from "../../src/suite/case.js";
import type { VerifyReport } from "../../src/verify/verify.js";
import { ladder, ladders, diffSpan, msBetween, sessionOrigin, LADDER_MAX_NEGOTIATIONS } from "../../src/report/ladder.js";
import { topology } from "../../src/report/topology.js";
import { markupText } from "../../src/report/markup.js";
import { cspHash } from "../../src/report/sha256.js";
import { all, byAttr, parse, type Node } from "./svg-parse.js";

const repo = new URL("../../", import.meta.url).pathname;
const reports = new Map<string, VerifyReport>();

async function report(name: string, only?: "inside" | "outside"): Promise<VerifyReport> {
  const key = `${name}|${only ?? ""}`;
  if (!reports.has(key)) {
    const [c] = (await findCases(join(repo, "pcaps"))).filter((x) => x.name === name);
    if (!c) throw new Error(`no case ${name}`);
    const router = (await caseRouter(caseInput(c))).router.map((r) => r.file);
    reports.set(key, await runVerify({ inside: only === "outside" ? undefined : c.inside, outside: only === "inside" ? undefined : c.outside, router }, { parallel: false }));
  }
  return reports.get(key)!;
}

const svgOf = (r: VerifyReport, i = 0) => parse(markupText(ladder(r, i).svg)).children[0];
const lanes = (svg: Node) => byAttr(svg, "data-lane").map((n) => n.attrs["data-lane"]);
const control = (svg: Node) => byAttr(svg, "data-arrow", "control");
const data = (svg: Node) => byAttr(svg, "data-arrow", "data");
const spans = (n: Node) => byAttr(n, "data-span", "rewritten").map((x) => x.text);

beforeAll(async () => {
  // Analyze the cases once (serially) for every test below.
  for (const n of ["lab/ftp-active-helper", "lab/ftp-active-no-helper", "lab/ftp-active-no-helper-strict", "lab/rtsp-play-udp-fully-random", "nat/ftp-alg-wrong-address"]) await report(n);
}, 180_000);

describe("ladder diagrams", () => {
  it("a working active-FTP session through the Linux helper: PORT rewritten, both data connections crossed", async () => {
    const r = await report("lab/ftp-active-helper");
    const svg = svgOf(r);
    expect(svg.tag).toBe("svg");
    expect(svg.attrs["data-session"]).toBe("1");
    expect(lanes(svg)).toEqual(["client", "inside", "router", "outside", "server"]);
    const c = control(svg);
    expect(c).toHaveLength(2);
    for (const a of c) {
      expect(a.attrs["data-kind"]).toBe("PORT");
      expect(a.attrs["data-rewritten"]).toBe("true");
      // The inside line names the client, the outside line the router's address: exactly that span marked.
      expect(spans(a)).toEqual(["192,0,2,10", "198,51,100,1"]);
    }
    expect(c.map((a) => [a.attrs["data-inside-packet"], a.attrs["data-outside-packet"]])).toEqual(r.sessions[0].negotiations.map((n) => [String(n.inside!.packet), String(n.outside!.packet)]));
    const d = data(svg);
    expect(d.map((a) => a.attrs["data-end"])).toEqual(["crossed", "crossed"]);
    expect(d.map((a) => a.attrs["data-from"])).toEqual(["server", "server"]);
    // The data connections' first packets in each capture (tshark frame numbers of their SYNs).
    expect(d.map((a) => [a.attrs["data-inside-packet"], a.attrs["data-outside-packet"]])).toEqual([["21", "21"], ["43", "43"]]);
    // Times relative to the session's first packet (the control connection's SYN 57080 → 21:
    // tshark frame 3 in both captures, after two ARP frames), increasing down the ladder.
    const first = r.sessions[0].control.first!;
    expect([first.inside!.packet, first.outside!.packet]).toEqual([3, 3]);
    expect(sessionOrigin(r, r.sessions[0])).toBe(first.inside!.time);
    expect(svg.children.find((n) => n.attrs["data-origin"])?.attrs["data-origin"]).toBe(first.inside!.time);
    expect(byAttr(svg, "data-origin")[0].text).toBe("t=0: first packet");
    const times = byAttr(svg, "data-time").map((n) => Number(n.attrs["data-time"]));
    expect(times.length).toBe(4);
    expect(times[0]).toBeCloseTo(msBetween(first.inside!.time, r.sessions[0].negotiations[0].inside!.time)!, 6);
    expect(times[0]).toBeGreaterThan(0);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
  });

  it("t=0 is the session's first packet in either capture; a report without it starts at its first negotiation", async () => {
    const r = await report("lab/ftp-active-no-helper");
    const s = r.sessions[0];
    const origin = sessionOrigin(r, s)!;
    // The earliest of the control connection's first packets, outside moved onto the inside clock.
    const inside = 0;
    const outside = msBetween(s.control.first!.inside!.time, s.control.first!.outside!.time)! - (r.nat.clockOffsetMs ?? 0);
    expect(msBetween(s.control.first!.inside!.time, origin)).toBeCloseTo(Math.min(inside, outside), 5);
    for (const t of byAttr(svgOf(r), "data-time")) expect(Number(t.attrs["data-time"])).toBeGreaterThanOrEqual(0);
    // One capture: its own first packet.
    const only = await report("lab/ftp-active-no-helper", "outside");
    expect(sessionOrigin(only, only.sessions[0])).toBe(only.sessions[0].control.first!.outside!.time);
    expect(only.sessions[0].control.first!.inside).toBeUndefined();
    // Without control.first (a report written before it existed): the first negotiation, said so.
    const old: VerifyReport = { ...r, sessions: r.sessions.map((x) => ({ ...x, control: { ...x.control, first: undefined } })) };
    // (its line on either side: the outside one moved onto the inside clock may come a little first)
    const n0 = s.negotiations[0];
    const want = Math.min(0, msBetween(n0.inside!.time, n0.outside!.time)! - (r.nat.clockOffsetMs ?? 0));
    expect(msBetween(n0.inside!.time, sessionOrigin(old, old.sessions[0])!)).toBeCloseTo(want, 5);
    const svg = svgOf(old);
    expect(byAttr(svg, "data-origin")[0].text).toBe("t=0: first shown");
    expect(Number(byAttr(svg, "data-time")[0].attrs["data-time"])).toBeCloseTo(-want, 5);
  });

  it("active FTP without the helper: PORT not rewritten (error colour), the server's SYNs die at the router", async () => {
    const svg = svgOf(await report("lab/ftp-active-no-helper"));
    const [c] = control(svg);
    expect(c.attrs["data-rewritten"]).toBe("false");
    expect(spans(c)).toEqual([]);
    const label = byAttr(c, "data-rewrite-label")[0];
    expect(label.text).toBe("not rewritten");
    expect(label.attrs.fill).toBe("#a8191f");
    expect(c.attrs["data-findings"]).toContain("alg.payload-not-translated");
    const d = data(svg);
    expect(d).toHaveLength(1);
    expect(d[0].attrs["data-end"]).toBe("died-at-router");
    expect(d[0].attrs["data-from"]).toBe("server");
    expect(d[0].attrs["data-outside-packet"]).toBe("21");
    expect(d[0].attrs["data-inside-packet"]).toBeUndefined();
    expect(byAttr(d[0], "data-mark", "died")).toHaveLength(1);
  });

  it("vsftpd refusing the unrewritten PORT: the data connection is refused with the server's reply, never attempted", async () => {
    const svg = svgOf(await report("lab/ftp-active-no-helper-strict"));
    expect(control(svg)[0].attrs["data-rewritten"]).toBe("false");
    const d = data(svg);
    expect(d.map((a) => a.attrs["data-end"])).toEqual(["refused"]);
    expect(d[0].text).toContain("500 Illegal PORT command.");
  });

  it("RTSP PLAY through fully-random NAT: SETUP not rewritten; the client's punches cross with new ports, the server's media dies with ICMP", async () => {
    const svg = svgOf(await report("lab/rtsp-play-udp-fully-random"));
    const [c] = control(svg);
    expect(c.attrs["data-kind"]).toBe("SETUP");
    expect(c.attrs["data-rewritten"]).toBe("false");
    const d = data(svg);
    expect(d).toHaveLength(4);
    const crossed = d.filter((a) => a.attrs["data-end"] === "crossed");
    const died = d.filter((a) => a.attrs["data-end"] === "died-at-router");
    expect(crossed.map((a) => a.attrs["data-from"])).toEqual(["client", "client"]);
    expect(died.map((a) => a.attrs["data-from"])).toEqual(["server", "server"]);
    // The punches leave with ports the NAT chose (not 50000/50001): both sides' endpoints are drawn.
    expect(crossed[0].text).toMatch(/192\.0\.2\.10:50000 → 198\.51\.100\.20:6970/);
    expect(crossed[0].text).toMatch(/198\.51\.100\.1:(?!50000)\d+ → 198\.51\.100\.20:6970/);
    for (const a of died) expect(a.text).toMatch(/ICMP from 198\.51\.100\.1 to 198\.51\.100\.20 \(outside #\d+\)/);
    expect(died.map((a) => a.attrs["data-outside-packet"])).toEqual(["18", "126"]);
  });

  it("a generated case whose ALG wrote the wrong address: rewritten wrongly, the expected address named, 425 refusal", async () => {
    const svg = svgOf(await report("nat/ftp-alg-wrong-address"));
    const [c] = control(svg);
    expect(c.attrs["data-rewritten"]).toBe("wrong");
    expect(spans(c)).toEqual(["192,0,2,10", "203,0,113,99"]);
    expect(byAttr(c, "data-rewrite-label")[0].text).toMatch(/rewritten wrongly \(expected 203\.0\.113\.1:\d+\)/);
    expect(data(svg).map((a) => [a.attrs["data-end"], /425 [^(]+/.exec(a.text)?.[0].trim()])).toEqual([["refused", "425 Can't open data connection."]]);
  });

  it("one capture: the missing capture's lane is left out and what lies beyond it is not covered", async () => {
    const r = await report("lab/ftp-active-no-helper", "outside");
    const svg = svgOf(r);
    expect(lanes(svg)).toEqual(["client", "router", "outside", "server"]);
    expect(control(svg)[0].attrs["data-rewritten"]).toBe("unchecked");
    expect(data(svg).map((a) => a.attrs["data-end"])).toEqual(["not-covered"]);
  });

  it("long sessions fold: first and last negotiations and every problem kept, the rest counted in one row", async () => {
    const base = await report("lab/ftp-active-helper");
    const bad = await report("lab/ftp-active-no-helper");
    const r: VerifyReport = structuredClone(base);
    const ok = base.sessions[0].negotiations;
    const negs = [];
    for (let i = 0; i < 20; i++) negs.push(...ok);
    negs.splice(21, 0, bad.sessions[0].negotiations[0]);
    r.sessions[0].negotiations = negs;
    r.findings = bad.findings;
    const svg = svgOf(r);
    const folded = byAttr(svg, "data-folded").filter((n) => n.tag === "g");
    const drawn = control(svg).length;
    expect(drawn).toBeLessThanOrEqual(LADDER_MAX_NEGOTIATIONS);
    expect(drawn + folded.reduce((s, n) => s + Number(n.attrs["data-folded"]), 0)).toBe(41);
    expect(Number(svg.attrs["data-folded"])).toBe(41 - drawn);
    expect(control(svg).some((a) => a.attrs["data-rewritten"] === "false")).toBe(true);
    expect(folded[0].text).toMatch(/negotiation\(s\) not drawn \(packets \d+–\d+\): \d+ forwarded/);
  });

  it("a data path value the report may add later is drawn as a stub naming it", async () => {
    const r: VerifyReport = structuredClone(await report("lab/ftp-active-no-helper-strict"));
    (r.sessions[0].negotiations[0] as { dataPath: string }).dataPath = "not-covered";
    r.findings = [];
    expect(data(svgOf(r)).map((a) => a.attrs["data-end"])).toEqual(["not-covered"]);
    (r.sessions[0].negotiations[0] as { dataPath: string }).dataPath = "something-new";
    const d = data(svgOf(r));
    expect(d.map((a) => a.attrs["data-end"])).toEqual(["something-new"]);
    expect(d[0].text).toContain("something-new");
  });

  it("every session of every bundled case draws, with one control arrow per negotiation", async () => {
    for (const c of await findCases(join(repo, "pcaps"))) {
      const r = await report(c.name);
      const ls = ladders(r);
      expect(ls.map((l) => l.session)).toEqual(r.sessions.map((_, i) => String(i + 1)));
      for (const [i, l] of ls.entries()) {
        const svg = parse(markupText(l.svg)).children[0];
        expect(control(svg).length, c.name).toBe(r.sessions[i].negotiations.length);
        for (const a of data(svg)) expect(["crossed", "died-at-router", "refused", "not-attempted", "not-covered", "late", "stopped"], c.name).toContain(a.attrs["data-end"]);
      }
    }
  }, 300_000);
});

describe("diffSpan", () => {
  it("widens the difference to whole tokens", () => {
    expect(diffSpan("PORT 192,0,2,10,216,251", "PORT 198,51,100,1,216,251")).toEqual([5, 15, 17]);
    expect(diffSpan("same", "same")).toBeUndefined();
    expect(diffSpan("EPRT |2|2001:db8::1|5000|", "EPRT |2|2001:db8::1|6000|")).toEqual([20, 24, 24]);
  });
});

describe("topology strip", () => {
  it("names the hosts, the NAT address and both captures; swapped, unrelated or copied captures are drawn as such", async () => {
    const r = await report("lab/ftp-active-no-helper");
    const svg = parse(markupText(topology(r))).children[0];
    expect(svg.attrs["data-topology"]).toBe("");
    expect(byAttr(svg, "data-node").map((n) => n.attrs["data-node"])).toEqual(["client", "router", "server"]);
    expect(byAttr(svg, "data-node", "router")[0].text).toContain("NAT 198.51.100.1");
    expect(byAttr(svg, "data-capture").map((n) => [n.attrs["data-capture"], n.attrs["data-state"]])).toEqual([["inside", "given"], ["outside", "given"]]);
    const states: Record<string, string> = { "nat.sides-swapped": "swapped", "nat.captures-unrelated": "unrelated", "nat.captures-identical": "identical" };
    for (const [code, state] of Object.entries(states)) {
      const x: VerifyReport = structuredClone(r);
      x.findings.push({ code, severity: "error", message: "test", explanation: "", evidence: {} });
      const s = parse(markupText(topology(x))).children[0];
      expect(byAttr(s, "data-capture").map((n) => n.attrs["data-state"])).toEqual([state, state]);
      expect(byAttr(s, "data-topology-finding", code)).toHaveLength(1);
    }
    const one = parse(markupText(topology(await report("lab/ftp-active-no-helper", "outside")))).children[0];
    expect(byAttr(one, "data-capture").map((n) => n.attrs["data-state"])).toEqual(["absent", "given"]);
  });
});

describe("sha256 for the CSP", () => {
  it("equals node:crypto", () => {
    for (const s of ["", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(64), "é✓😀".repeat(100)]) {
      expect(cspHash(s)).toBe(`'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`);
    }
  });
});

void all;
