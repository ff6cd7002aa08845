/**
 * The fuzzer itself: deterministic cases, mutations that really mutate (and aim at the length
 * fields they claim), shrinking to a minimal input, reproducers that round-trip, oracles that
 * catch what they must, and `npm run fuzz`'s runner (compiled, worker threads) end to end.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { frames, loadCorpus, type Corpus } from "../../bench/fuzz/corpus.js";
import { check, loadRepro, makeCase, reproFolders, saveRepro, scheduled, shrinkSeq } from "../../bench/fuzz/engine.js";
import { checkCapture, checkRouter, loadOracles, type Oracles } from "../../bench/fuzz/oracles.js";
import { crossFirstPackets, ipPackets, retransmitSegment, udpDatagrams, withPayload, withSegmentPayload } from "../../bench/fuzz/mutate.js";
import { runVerify } from "../../src/node/verify-run.js";
import { Rng } from "../../bench/fuzz/rng.js";
import { analyzeCapture } from "../../src/alg/analyze.js";
import { runCli } from "../cli/run.js";

const root = new URL("../../", import.meta.url).pathname;
let corpus: Corpus;
let oracles: Oracles;
beforeAll(async () => {
  corpus = loadCorpus();
  oracles = await loadOracles();
});

describe("fuzz engine", () => {
  it("reads the public captures, the generated ones, the router texts and the lab pairs", () => {
    expect(corpus.captures.some((c) => c.name.startsWith("public/"))).toBe(true);
    expect(corpus.captures.some((c) => c.name.startsWith("pcaps/"))).toBe(true);
    expect(corpus.routers.some((r) => r.name.startsWith("router-output/"))).toBe(true);
    expect(corpus.routers.some((r) => r.name.startsWith("test/fixtures/router/"))).toBe(true);
    // every recorded lab run (pcaps/lab: FTP, RTSP, SIP, TFTP), counted from the folders themselves
    const labRuns = readdirSync(join(root, "pcaps/lab")).filter((d) => existsSync(join(root, "pcaps/lab", d, "inside.pcap")) && existsSync(join(root, "pcaps/lab", d, "outside.pcap")));
    expect(labRuns.length).toBeGreaterThanOrEqual(22);
    expect(corpus.pairs.length).toBe(labRuns.length);
    for (const c of corpus.captures) expect(c.bytes.length, c.name).toBeLessThanOrEqual(64 << 10);
  });

  it("cases are deterministic, differ from their seed and from each other", () => {
    const a = makeCase(corpus, 1, "capture", 5, 0), b = makeCase(corpus, 1, "capture", 5, 0), c = makeCase(corpus, 2, "capture", 5, 0);
    expect(Buffer.from(a.input as Uint8Array).equals(Buffer.from(b.input as Uint8Array))).toBe(true);
    expect(a.how).toEqual(b.how);
    expect(a.how).not.toEqual(c.how);
    let mutated = 0;
    for (let i = 0; i < 200; i++) {
      const k = makeCase(corpus, 1, "capture", i, 0);
      const seed = corpus.captures.find((s) => s.name === k.how[0]!.slice(5))!;
      if (!Buffer.from(seed.bytes).equals(Buffer.from(k.input as Uint8Array))) mutated++;
    }
    expect(mutated).toBeGreaterThan(190);
  });

  it("the schedule interleaves 10 captures, 2 router texts and 1 pair in every 13 cases", () => {
    const kinds = Array.from({ length: 26 }, (_, n) => scheduled(n));
    expect(kinds.filter((k) => k.kind === "capture").map((k) => k.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(kinds.filter((k) => k.kind === "router").map((k) => k.index)).toEqual([0, 1, 2, 3]);
    expect(kinds.filter((k) => k.kind === "pair").map((k) => k.index)).toEqual([0, 1]);
  });

  it("length-field smashes hit the record and block lengths of pcap and pcapng", () => {
    let smashed = 0;
    for (let i = 0; i < 800 && smashed < 20; i++) {
      const k = makeCase(corpus, 3, "capture", i, 0);
      const m = k.how.map((h) => /^length field at (\d+) := (\d+)$/.exec(h)).find(Boolean);
      if (!m || k.how.length !== 2) continue;
      const seed = corpus.captures.find((s) => s.name === k.how[0]!.slice(5))!;
      const fields = frames(seed.bytes).flatMap((f) => f.lengthFields);
      expect(fields).toContain(Number(m[1]));
      smashed++;
    }
    expect(smashed).toBe(20);
  });

  it("a rewritten UDP datagram stays framed: its new payload is what the decoder reads (pcap and pcapng, grown and shrunk)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "alg-verify-fuzz-dgram-"));
    try {
      for (const name of ["public/sipnab/sip-rtp-g722.pcap", "public/sipnab/sipp-branch-scenario.pcapng"]) {
        const seed = corpus.captures.find((c) => c.name === name)!;
        expect(seed, name).toBeTruthy();
        const d = udpDatagrams(seed.bytes).find((x) => x.dport === 5060 || x.sport === 5060)!;
        expect(d, `${name}: a SIP datagram`).toBeTruthy();
        const oldLength = d.end - d.payload;
        for (const extra of ["x".repeat(oldLength + 37), ""]) {
          // longer than the original (every length grows, pcapng's padding too), then shorter
          const callId = `fuzz-${extra.length}@192.0.2.99`;
          const msg = `OPTIONS sip:b@198.51.100.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bK7\r\nFrom: <sip:a@192.0.2.99>;tag=9\r\nTo: <sip:b@198.51.100.20>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nSubject: ${extra}\r\nContent-Length: 0\r\n\r\n`;
          const out = withPayload(seed.bytes, d, new TextEncoder().encode(msg));
          // the growth, give or take pcapng's padding to 4 bytes
          expect(Math.abs(out.length - seed.bytes.length - (msg.length - oldLength)), name).toBeLessThanOrEqual(3);
          const path = join(dir, `x-${extra.length}-${name.replaceAll("/", "_")}`);
          writeFileSync(path, out);
          const r = await runCli("analyze", path, "--json");
          expect(r.code, `${name}: ${r.stderr.slice(0, 300)}`).toBe(0);
          const rep = JSON.parse(r.stdout);
          expect({ name, udp: rep.stats.malformedUdp, v4: rep.stats.malformedIpv4, v6: rep.stats.malformedIpv6, errors: rep.diagnostics.filter((x: { severity: string }) => x.severity === "error") })
            .toEqual({ name, udp: 0, v4: 0, v6: 0, errors: [] });
          expect(rep.sessions.some((s: { sip?: { callId?: string } }) => s.sip?.callId === callId), `${name}: the injected message's dialog`).toBe(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a TCP segment that gains a line keeps its stream whole: the later sequence numbers and the acknowledgements move on with it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "alg-verify-fuzz-seg-"));
    try {
      const seed = corpus.captures.find((c) => c.name === "pcaps/alg/sip-tcp-split.pcap")!;
      const segs = ipPackets(seed.bytes).filter((p) => p.proto === 6 && p.end > p.payload && p.dport === 5060);
      expect(segs.length).toBeGreaterThan(1);
      const d = segs[0]!;
      const payload = seed.bytes.subarray(d.payload, d.end);
      const at = payload.indexOf(0x0a) + 1; // after the start line
      const line = new TextEncoder().encode("Subject: a line the fuzzer added\r\n");
      const grown = new Uint8Array(payload.length + line.length);
      grown.set(payload.subarray(0, at));
      grown.set(line, at);
      grown.set(payload.subarray(at), at + line.length);
      const stats = async (bytes: Uint8Array, name: string) => {
        const path = join(dir, name);
        writeFileSync(path, bytes);
        const r = await runCli("analyze", path, "--json");
        expect(r.code, r.stderr.slice(0, 300)).toBe(0);
        return JSON.parse(r.stdout).stats;
      };
      const before = await stats(seed.bytes, "seed.pcap");
      const shifted = await stats(withSegmentPayload(seed.bytes, d, grown), "shifted.pcap");
      expect({ gaps: shifted.ctrlGaps, damaged: shifted.sipDamaged, messages: shifted.sipMessages, malformed: shifted.malformedTcp })
        .toEqual({ gaps: 0, damaged: 0, messages: before.sipMessages, malformed: 0 });
      // The same line without moving the stream on: the reassembly sees the overlap it makes.
      const unshifted = await stats(withPayload(seed.bytes, d, grown), "unshifted.pcap");
      expect(unshifted.ctrlGaps + unshifted.ctrlRetransmits + unshifted.ctrlReordered + unshifted.sipDamaged).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a TCP segment sent again is one more retransmission, a conflict only when bytes of its payload were changed", async () => {
    const seed = corpus.captures.find((c) => c.name === "pcaps/alg/sip-tcp-split.pcap")!;
    const stats = async (bytes: Uint8Array) => (await analyzeCapture(oracles.module, [bytes] as unknown as AsyncIterable<Uint8Array>, { file: "t" })).scan.stats;
    const before = await stats(seed.bytes);
    const seen = { same: 0, conflict: 0 };
    for (let k = 1; k <= 40; k++) {
      const [out, how] = retransmitSegment(new Rng(k), seed.bytes);
      expect(out.length, how).toBeGreaterThan(seed.bytes.length);
      const s = await stats(out);
      // every segment of this capture is a SIP one: sent again, it repeats delivered space once
      expect(s.ctrlRetransmits, how).toBe(before.ctrlRetransmits + 1);
      expect(s.ctrlGaps, how).toBe(before.ctrlGaps);
      expect(s.ctrlConflicts, how).toBeLessThanOrEqual(1);
      if (s.ctrlConflicts) seen.conflict++;
      else seen.same++;
      // no byte changed (or changed to itself): no conflict
      if (/, 0 payload byte/.test(how)) expect(s.ctrlConflicts, how).toBe(0);
    }
    expect(seen.same).toBeGreaterThan(0);
    expect(seen.conflict).toBeGreaterThan(0);
  });

  it("a UDP flow's first packets crossed in one capture of a pair: verify pairs the flow as crossed", async () => {
    const lab = new URL("../../pcaps/lab/sip-udp-helper/", import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), "alg-verify-cross-"));
    try {
      const outside = new Uint8Array(readFileSync(join(lab, "outside.pcap")));
      let crossed = 0;
      for (let k = 1; k <= 6; k++) {
        const [out, how] = crossFirstPackets(new Rng(k), outside);
        expect(how, how).toMatch(/^UDP ports \d+<>\d+: the first packets of the two directions/);
        expect(out.length, how).toBe(outside.length);
        writeFileSync(join(dir, "outside.pcap"), out);
        const r = await runVerify({ inside: join(lab, "inside.pcap"), outside: join(dir, "outside.pcap") });
        // the two UDP flows here, signalling and RTP: the one picked is paired, and crossed
        const port = Number(/^UDP ports (\d+)/.exec(how)![1]);
        const m = r.nat!.mappings.find((x) => x.translated.port === port || x.remote.port === port)!;
        expect(m.firstPacketsCrossed, how).toBe(true);
        expect(r.nat!.unpairedFlows, how).toEqual({ inside: 0, outside: 0 });
        crossed++;
      }
      expect(crossed).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shrinks by truncation and halving to a minimal failing input", async () => {
    const input = new TextEncoder().encode("x".repeat(5000) + "BUG" + "y".repeat(3000));
    const fails = async (b: Uint8Array) => new TextDecoder().decode(b).includes("BUG");
    const small = await shrinkSeq(input, fails, (a, b) => { const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o; }, { n: 400 });
    expect(new TextDecoder().decode(small)).toBe("BUG");
  });

  it("the oracles flag what they must: an unlocated or unparsable report is a violation, a good input passes", async () => {
    const good = corpus.captures.find((c) => c.name.endsWith("ftp-download-active.pcap"))!;
    expect(await checkCapture(oracles, good.bytes)).toBeUndefined();
    expect(await checkCapture(oracles, good.bytes, 7)).toBeUndefined();
    expect(checkRouter(oracles, corpus.routers[0]!.text)).toBeUndefined();
    // a schema that rejects everything turns any report into a violation
    const strict = { ...oracles, schemas: { ...oracles.schemas, analyze: Object.assign(() => false, { errors: [{ instancePath: "/x", message: "no" }] }) as never } };
    expect(await checkCapture(strict, good.bytes)).toMatchObject({ oracle: "schema" });
  });

  it("reproducers round-trip (capture, router text, verify pair) and replay through check()", async () => {
    const dir = mkdtempSync(join(tmpdir(), "alg-verify-fuzz-repro-"));
    try {
      for (const kind of ["capture", "router", "pair"] as const) {
        const c = makeCase(corpus, 9, kind, 1, 0);
        const folder = saveRepro(dir, { kind, oracle: "exception", message: "m", campaignSeed: 9, index: 1, caseSeed: c.seed, how: c.how, chunk: c.chunk, cli: false, shrunk: false }, c.input);
        const back = loadRepro(folder);
        expect(back.note.kind).toBe(kind);
        expect(JSON.stringify(back.input, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)))
          .toBe(JSON.stringify(kind === "pair" ? { ...(c.input as object), router: (c.input as { router: { text: string }[] }).router.map((r, i) => ({ name: `router-${i}.txt`, text: r.text })) } : c.input, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)));
        expect(await check(oracles, kind, back.input)).toBeUndefined();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(join(root, "dist/bench/fuzz.js")))("npm run fuzz's runner: worker threads, a summary, exit 0; a hang caught by the watchdog; usage errors exit 2", { timeout: 300_000 }, () => {
    const r = spawnSync(process.execPath, [join(root, "dist/bench/fuzz.js"), "--count", "20", "--jobs", "2", "--no-save"], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fuzz: 20 captures, 4 router texts, 2 verify pairs .* in [\d.]+ s/m);
    expect(r.stdout).toContain("fuzz: no failure");
    // the watchdog: a case that never ends (FUZZ_SELFTEST_HANG_CASE) is saved as a hang, its worker
    // replaced, and the campaign goes on with the next case
    const dir = mkdtempSync(join(tmpdir(), "alg-verify-fuzz-hang-"));
    try {
      const h = spawnSync(process.execPath, [join(root, "dist/bench/fuzz.js"), "--count", "20", "--jobs", "2", "--hang", "1s", "--repro", dir], { encoding: "utf8", timeout: 120_000, env: { ...process.env, FUZZ_SELFTEST_HANG_CASE: "7" } });
      expect(h.status, h.stdout + h.stderr).toBe(1);
      expect(h.stdout).toMatch(/^FAIL capture #6 \(case 7\) hang: ran longer than 1000 ms/m);
      expect(h.stdout).toMatch(/^fuzz: 19 captures, 4 router texts, 2 verify pairs/m);
      const saved = reproFolders(dir);
      expect(saved.length).toBe(1);
      expect(loadRepro(saved[0]!).note).toMatchObject({ kind: "capture", oracle: "hang", index: 6, shrunk: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const bad = spawnSync(process.execPath, [join(root, "dist/bench/fuzz.js"), "--budget", "soon"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("not a duration: soon");
  });
});
