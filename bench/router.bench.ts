/**
 * Router-output parse throughput (tinybench 6).
 *
 *   junos-conversations-100k  a 100 000-flow `show services stateful-firewall conversations` dump in
 *                             the true column layout, printed with printJunosConversations (25 000
 *                             FTP-like conversations of 4 flows, each flow with a NAT line)
 *   conntrack-100k            a 100 000-line `conntrack -L` dump with accounting (SNAT'd TCP
 *                             entries in the lab sample's layout, every 10th with helper=ftp)
 *   conntrack-1M              the same at 1 000 000 lines (issue 13: ≥ 50 MB/s), parsed as `router`
 *                             does: the entries and flows stay a compact list (lazy.ts), not objects
 *   conntrack-1M-objects      the same, then every entry and flow read as objects (what `verify`
 *                             and library users who read `doc.entries` / `result.flows` pay)
 *   conntrack-100k-json       `router --json` of the 100 000-line dump: parse + the report's UTF-8
 *                             bytes written piece by piece (src/report/json-pieces.ts) to a sink
 *                             that drops them; throughput over the input
 *   conntrack-1M-json         the same at 1 000 000 lines (1.7 GB of JSON)
 *   conntrack-100k-json-stream  `router --json` as the CLI runs it on a regular file: the dump read
 *                             64 KiB at a time (parseRouterStream, here from memory) and its JSON
 *                             written from the parser's scan (issue 13: ≥ 50 MB/s at 10^6 lines)
 *   conntrack-1M-json-stream  the same at 1 000 000 lines; both with the wasm core as the CLI
 *                             passes it (its usual lines written by assembly/conntrack-json.ts)
 *   conntrack-100k-text       `router` (text tables) of the 100 000-line dump: parse + the text
 *                             pieces, dropped
 *   conntrack-1M-text         the same at 1 000 000 lines
 *   syslog-stray-200k         one ASP_SFW line and 200 000 lines that start no record (each
 *                             reported, the diagnostics bounded): linear, ≥ 20 MB/s
 *
 * All are generated in memory. Throughput = UTF-16 length of the text (≈ bytes, the dumps are
 * ASCII) / mean time of one run. Targets: conntrack-1M ≥ 50 MB/s, syslog-stray ≥ 20 MB/s (1 MB = 10^6 bytes).
 * `bench/run.ts` calls runRouterBench(); the figures are also printed when this module is run
 * directly after compilation (node dist/bench/router.bench.js).
 */
import { Bench } from "tinybench";
import { parseRouterText } from "../src/router/parse.js";
import { memoryRouterSource, parseRouterStream } from "../src/router/stream.js";
import { loadCoreModule } from "../src/node/files.js";
import { mkdirSync, writeFileSync, unlinkSync } from "node:fs";
import path from "node:path";
import { buildRouterReport, routerJsonChunks, routerTextPieces } from "../src/router/report.js";
import { listLength } from "../src/router/lazy.js";
import type { ConntrackDocument } from "../src/router/types.js";
import { printJunosConversations, type PrintableInterface } from "../src/router/junos/printer.js";

export interface RouterBenchResult {
  name: string;
  mbPerSec: number;
  linesPerSec: number;
  bytes: number;
}

const ip = (k: number, base: number) => `${base}.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;

/** 100 000 flows: 25 000 conversations of an FTP control + data pair in both directions, with NAT. */
export function generateConversations(flows = 100_000): string {
  const conversations: PrintableInterface["conversations"] = [];
  for (let c = 0; c < flows / 4; c++) {
    const client = { ip: ip(c, 10), port: 1024 + (c % 60000) };
    const data = { ip: client.ip, port: 1025 + (c % 60000) };
    const server = { ip: ip(c * 7, 198), port: 21 };
    const server20 = { ip: server.ip, port: 20 };
    const pub = { ip: ip(c % 4096, 203), port: 1024 + ((c * 2) % 64000) };
    const pubData = { ip: pub.ip, port: pub.port + 1 };
    conversations.push({
      alg: "ftp", initiators: 2, responders: 2, flows: [
        { proto: "TCP", src: client, dst: server, state: "Watch", dir: "I", frames: c % 1000, nat: [{ kind: "source", from: client, to: pub }] },
        { proto: "TCP", src: data, dst: server20, state: "Forward", dir: "I", frames: c % 97, nat: [{ kind: "source", from: data, to: pubData }] },
        { proto: "TCP", src: server, dst: pub, state: "Watch", dir: "O", frames: c % 1001, nat: [{ kind: "dest", from: pub, to: client }] },
        { proto: "TCP", src: server20, dst: pubData, state: "Forward", dir: "O", frames: c % 89, nat: [{ kind: "dest", from: pubData, to: data }] },
      ],
    });
  }
  return "user@host> show services stateful-firewall conversations\n" +
    printJunosConversations([{ name: "ms-1/3/0", serviceSet: "CGNAT-SET", conversations }]);
}

/** 1 000 000 conntrack -L lines. */
export function generateConntrack(lines = 1_000_000): string {
  const out: string[] = new Array(lines + 1);
  for (let k = 0; k < lines; k++) {
    const src = ip(k, 10), dst = ip(k * 13, 198), nat = ip(k % 4096, 203);
    const sport = 1024 + (k % 60000), dport = k % 10 === 0 ? 21 : 1024 + ((k * 7) % 60000), nport = 1024 + ((k * 3) % 64000);
    out[k] = `tcp      6 ${k % 432000} ESTABLISHED src=${src} dst=${dst} sport=${sport} dport=${dport} packets=${k % 100} bytes=${k % 100000} src=${dst} dst=${nat} sport=${dport} dport=${nport} packets=${k % 90} bytes=${k % 90000} [ASSURED] mark=0 ${k % 10 === 0 ? "helper=ftp " : ""}use=1`;
  }
  out[lines] = `conntrack v1.4.7 (conntrack-tools): ${lines} flow entries have been shown.`;
  return out.join("\n") + "\n";
}

/** One ASP_SFW syslog line followed by `lines` lines that start no record. */
export function generateSyslogStray(lines = 200_000): string {
  const out: string[] = new Array(lines + 1);
  out[0] = "Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {ss_ftp}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 6 (TCP) application: ftp, fe-3/3/3.0:1.1.1.2:4450 -> 2.2.2.2:21, creating forward or watch flow";
  for (let k = 1; k <= lines; k++) out[k] = `stray text ${k} that starts no record`;
  return out.join("\n") + "\n";
}

/** `router --json`: parse, then the report's bytes; returns their number. */
function jsonBytes(text: string, name: string): number {
  let bytes = 0;
  for (const c of routerJsonChunks(buildRouterReport([parseRouterText(text, name)]))) bytes += c.length;
  return bytes;
}


/** `router --json` of a regular file: read in pieces, written by the wasm core and the scan; returns the JSON's bytes. */
function streamJsonBytes(bytes: Uint8Array, name: string, wasm: WebAssembly.Module): number {
  const r = parseRouterStream(memoryRouterSource(bytes), name, { wasm });
  if (r === null) throw new Error(`${name}: not read in pieces`);
  let n = 0;
  for (const c of routerJsonChunks(buildRouterReport([r]))) n += c.length;
  return n;
}

/** `router` (text): parse, then the text pieces; returns their length. */
function textLength(text: string, name: string): number {
  let n = 0;
  for (const p of routerTextPieces(buildRouterReport([parseRouterText(text, name)]))) n += p.length;
  return n;
}

/** Parse, expecting no diagnostic (a benchmark over diagnostics would measure the wrong thing). */
function parseClean(name: string, text: string): number {
  const r = parseRouterText(text, name);
  if (r.diagnostics.length) throw new Error(`${name}: ${r.diagnostics[0]!.code} at line ${r.diagnostics[0]!.line}`);
  return listLength(r, "flows");
}

export async function runRouterBench(opts: { iterations?: number; conntrackLines?: number; flows?: number; syslogLines?: number } = {}): Promise<RouterBenchResult[]> {
  const ctLines = opts.conntrackLines ?? 1_000_000;
  const ct = generateConntrack(ctLines);
  const ct100k = generateConntrack(Math.max(1, Math.round(ctLines / 10)));
  const ctBytes = new TextEncoder().encode(ct);
  const ct100kBytes = new TextEncoder().encode(ct100k);
  const wasm = await loadCoreModule();
  const inputs: { name: string; text: string; run: (text: string, name: string) => number }[] = [
    { name: "junos-conversations-100k", text: generateConversations(opts.flows), run: (t, n) => parseClean(n, t) },
    { name: "conntrack-100k", text: ct100k, run: (t, n) => parseClean(n, t) },
    { name: "conntrack-1M", text: ct, run: (t, n) => parseClean(n, t) },
    {
      name: "conntrack-1M-objects", text: ct, run: (t, n) => {
        const r = parseRouterText(t, n);
        return r.flows.length + (r.documents[0] as ConntrackDocument).entries.length;
      },
    },
    { name: "conntrack-100k-json", text: ct100k, run: jsonBytes },
    { name: "conntrack-1M-json", text: ct, run: jsonBytes },
    { name: "conntrack-100k-json-stream", text: ct100k, run: (_t, n) => streamJsonBytes(ct100kBytes, n, wasm) },
    { name: "conntrack-1M-json-stream", text: ct, run: (_t, n) => streamJsonBytes(ctBytes, n, wasm) },
    { name: "conntrack-100k-text", text: ct100k, run: textLength },
    { name: "conntrack-1M-text", text: ct, run: textLength },
    {
      name: "syslog-stray-200k", text: generateSyslogStray(opts.syslogLines), run: (t, n) => {
        const r = parseRouterText(t, n);
        if (r.events.length !== 1 || r.diagnostics.at(-1)?.code !== "diagnostic_limit") throw new Error(`${n}: not one event and bounded diagnostics`);
        return r.diagnostics.length;
      },
    },
  ];
  const bench = new Bench({ iterations: opts.iterations ?? 5, time: 0, warmupIterations: 1, warmupTime: 0 });
  let sink = 0;
  for (const { name, text, run } of inputs) bench.add(name, () => void (sink += run(text, name)));
  await bench.run();
  if (sink < 0) console.log(sink);
  return inputs.map(({ name, text }, k) => {
    const res = bench.tasks[k]!.result;
    if (!("period" in res)) throw new Error(`${name}: benchmark ${res.state}${"error" in res ? `: ${String(res.error)}` : ""}`);
    const seconds = res.period / 1000;
    let lines = 1;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
    return { name, bytes: text.length, mbPerSec: text.length / 1e6 / seconds, linesPerSec: lines / seconds };
  });
}

export interface RouterProcessRow {
  name: string;
  bytes: number;
  seconds: number;
  cpuSeconds?: number;
  peakRssMiB?: number;
  status: number;
}

/**
 * `router --json` and `router` (text tables) as whole processes (output to /dev/null) on the
 * 10^5- and 10^6-line dumps written to files in `dir` (deleted afterwards): MB/s over the input
 * and peak RSS, which must not grow with the input (the dump is read in pieces; issue 13's target
 * for the JSON at 10^6 lines: >= 50 MB/s). `timeProcess` is bench/run.ts's (GNU time: CPU and
 * peak RSS).
 */
export function runRouterProcessBench(
  dir: string, bin: string,
  timeProcess: (cmd: string, args: string[]) => { seconds: number; peakRssMiB?: number; cpuSeconds?: number; status: number },
  lines = [100_000, 1_000_000],
): RouterProcessRow[] {
  const rows: RouterProcessRow[] = [];
  mkdirSync(dir, { recursive: true });
  for (const n of lines) {
    const file = path.join(dir, `conntrack-${n}.txt`);
    const text = generateConntrack(n);
    writeFileSync(file, text);
    try {
      for (const json of [true, false]) {
        const t = timeProcess(bin, json ? ["router", "--json", file] : ["router", file]);
        rows.push({ name: `alg-verify router${json ? " --json" : " (text)"}, whole process, ${n.toLocaleString("en")}-line conntrack dump`, bytes: text.length, ...t });
      }
    } finally {
      unlinkSync(file);
    }
  }
  return rows;
}

// Run directly (compiled): print the figures.
if (typeof process !== "undefined" && process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  for (const r of await runRouterBench()) {
    console.log(`${r.name.padEnd(26)} ${(r.bytes / 1e6).toFixed(1).padStart(7)} MB  ${r.mbPerSec.toFixed(1).padStart(7)} MB/s  ${(r.linesPerSec / 1e6).toFixed(2)} M lines/s`);
  }
}
