/**
 * The campaign: deterministic cases (seed, kind, index) → mutated input → oracle check; every
 * violation shrunk (truncation and halving) and saved as a reproducer folder under
 * test/fuzz/repro/ (test/fuzz/repro.test.ts replays them all). Used in-process by the CI-sized
 * test (test/fuzz/fuzz.test.ts) and, in a worker thread under a watchdog, by `npm run fuzz`
 * (bench/fuzz.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCorpus, repoRoot, type Corpus, type TextSeed } from "./corpus.js";
import { mutateCapture, mutatePair, mutateRouter, type PairInput } from "./mutate.js";
import { checkCapture, checkCli, checkPair, checkRouter, type Oracles, type Violation } from "./oracles.js";
import { Rng, caseSeed } from "./rng.js";

export type Kind = "capture" | "router" | "pair";
export type Input = Uint8Array | string | PairInput;

export interface Case { kind: Kind; index: number; seed: number; input: Input; how: string[]; chunk: number; cli: boolean }

/** How the kinds interleave: of every 13 cases, 10 captures, 2 router texts, 1 verify pair. */
const SCHEDULE: Kind[] = ["capture", "capture", "capture", "capture", "capture", "router", "capture", "capture", "capture", "capture", "capture", "router", "pair"];

/** Case number n of the campaign: its kind and its index among the cases of that kind. */
export function scheduled(n: number): { kind: Kind; index: number } {
  const round = Math.floor(n / SCHEDULE.length), pos = n % SCHEDULE.length;
  const kind = SCHEDULE[pos]!;
  let before = 0;
  for (let k = 0; k < pos; k++) if (SCHEDULE[k] === kind) before++;
  const per = SCHEDULE.filter((k) => k === kind).length;
  return { kind, index: round * per + before };
}

/** Cases needed for at least `captures` capture cases (and the router/pair cases in between). */
export const casesFor = (captures: number) => Math.ceil(captures / 10) * SCHEDULE.length;

/** One in `cliEvery` cases also goes through the CLI's main() with files on disk. */
export function makeCase(c: Corpus, seed: number, kind: Kind, index: number, cliEvery: number): Case {
  const s = caseSeed(seed, kind, index);
  const r = new Rng(s);
  const cli = cliEvery > 0 && index % cliEvery === cliEvery - 1;
  if (kind === "capture") {
    const m = mutateCapture(r, r.pick(c.captures), r.pick(c.captures));
    const chunk = r.chance(0.1) ? 7 + r.int(4090) : 0; // some inputs fed in small chunks
    return { kind, index, seed: s, input: m.value, how: m.how, chunk, cli };
  }
  if (kind === "router") {
    const m = mutateRouter(r, r.pick(c.routers), r.pick(c.routers));
    return { kind, index, seed: s, input: m.value, how: m.how, chunk: 0, cli };
  }
  const m = mutatePair(r, r.pick(c.pairs), r.pick(c.pairs), r.pick(c.captures), r.pick(c.routers));
  return { kind, index, seed: s, input: m.value, how: m.how, chunk: 0, cli };
}

/** Runs the oracle of a case's kind (and the CLI's when `cli`). */
export async function check(o: Oracles, kind: Kind, input: Input, chunk = 0, cli = false): Promise<Violation | undefined> {
  const v = kind === "capture" ? await checkCapture(o, input as Uint8Array, chunk)
    : kind === "router" ? checkRouter(o, input as string)
    : await checkPair(o, input as PairInput);
  if (v || !cli) return v;
  return checkCli(o, kind, input);
}

// ---------------------------------------------------------------------------------------------
// shrinking: keep the smallest input that still violates the same oracle

/** At most this many re-checks per shrink. */
export const SHRINK_ATTEMPTS = 400;

type Fails<T> = (x: T) => Promise<boolean>;

/** Truncation (halving the length, then smaller cuts), then deletion of halved chunks. */
export async function shrinkSeq<T extends { length: number; slice(a?: number, b?: number): T }>(x: T, fails: Fails<T>, join2: (a: T, b: T) => T, budget: { n: number }): Promise<T> {
  let cur = x;
  for (let cut = cur.length >> 1; cut >= 1 && budget.n > 0; ) {
    const t = cur.slice(0, cur.length - cut);
    budget.n--;
    if (cut <= cur.length && (await fails(t))) cur = t;
    else cut >>= 1;
  }
  for (let size = cur.length >> 1; size >= 1 && budget.n > 0; size >>= 1) {
    for (let at = 0; at + size <= cur.length && budget.n > 0; ) {
      const t = join2(cur.slice(0, at), cur.slice(at + size));
      budget.n--;
      if (await fails(t)) cur = t;
      else at += size;
    }
  }
  return cur;
}

const joinBytes = (a: Uint8Array, b: Uint8Array) => { const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o; };
const joinLines = (a: string[], b: string[]) => a.concat(b);

export async function shrink(o: Oracles, kind: Kind, input: Input, v: Violation, chunk = 0, cli = false): Promise<Input> {
  const same = async (x: Input) => (await check(o, kind, x, chunk, cli))?.oracle === v.oracle;
  const budget = { n: SHRINK_ATTEMPTS };
  if (kind === "capture") return shrinkSeq(input as Uint8Array, same, joinBytes, budget);
  if (kind === "router") {
    const lines = await shrinkSeq((input as string).split("\n"), (l) => same(l.join("\n")), joinLines, budget);
    return lines.join("\n");
  }
  let p = { ...(input as PairInput), router: (input as PairInput).router.slice() };
  for (const drop of ["inside", "outside"] as const) {
    if (p[drop] && budget.n-- > 0 && (await same({ ...p, [drop]: undefined }))) p = { ...p, [drop]: undefined };
  }
  for (let i = p.router.length - 1; i >= 0; i--) {
    const t = { ...p, router: p.router.filter((_, k) => k !== i) };
    if (budget.n-- > 0 && (await same(t))) p = t;
  }
  for (const side of ["inside", "outside"] as const) {
    if (p[side]) p[side] = await shrinkSeq(p[side]!, (b) => same({ ...p, [side]: b }), joinBytes, budget);
  }
  for (let i = 0; i < p.router.length; i++) {
    const r = p.router[i]!;
    const lines = await shrinkSeq(r.text.split("\n"), (l) => same({ ...p, router: p.router.map((x, k) => (k === i ? { name: x.name, text: l.join("\n") } : x)) }), joinLines, budget);
    p.router[i] = { name: r.name, text: lines.join("\n") };
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// reproducers: test/fuzz/repro/<kind>-<oracle>-<hash>/ with the input file(s) and note.json

export const reproDir = (root = repoRoot()) => join(root, "test", "fuzz", "repro");

export interface Note { kind: Kind; oracle: string; message: string; campaignSeed: number; index: number; caseSeed: number; how: string[]; chunk: number; cli: boolean; files: string[]; shrunk: boolean; bytes: number }

function hashOf(input: Input): string {
  const h = createHash("sha256");
  if (input instanceof Uint8Array || typeof input === "string") h.update(input);
  else {
    h.update(input.inside ?? "-"); h.update("|"); h.update(input.outside ?? "-");
    for (const r of input.router) { h.update("|"); h.update(r.text); }
  }
  return h.digest("hex").slice(0, 12);
}

/** Writes a reproducer folder; returns its path (an existing identical one is kept). */
export function saveRepro(dir: string, note: Omit<Note, "files" | "bytes">, input: Input): string {
  const folder = join(dir, `${note.kind}-${note.oracle}-${hashOf(input)}`);
  if (existsSync(join(folder, "note.json"))) return folder;
  mkdirSync(folder, { recursive: true });
  const files: string[] = [];
  let bytes = 0;
  const put = (name: string, data: Uint8Array | string) => { writeFileSync(join(folder, name), data); files.push(name); bytes += data.length; };
  if (note.kind === "capture") put("capture.bin", input as Uint8Array);
  else if (note.kind === "router") put("router.txt", input as string);
  else {
    const p = input as PairInput;
    if (p.inside) put("inside.pcap", p.inside);
    if (p.outside) put("outside.pcap", p.outside);
    p.router.forEach((r, i) => put(`router-${i}.txt`, r.text));
  }
  writeFileSync(join(folder, "note.json"), JSON.stringify({ ...note, files, bytes }, null, 2) + "\n");
  return folder;
}

/** A saved reproducer read back: its note and its input. */
export function loadRepro(folder: string): { note: Note; input: Input } {
  const note = JSON.parse(readFileSync(join(folder, "note.json"), "utf8")) as Note;
  const f = (n: string) => join(folder, n);
  if (note.kind === "capture") return { note, input: new Uint8Array(readFileSync(f("capture.bin"))) };
  if (note.kind === "router") return { note, input: readFileSync(f("router.txt"), "utf8") };
  const router: TextSeed[] = note.files.filter((n) => n.startsWith("router-")).sort().map((n) => ({ name: n, text: readFileSync(f(n), "utf8") }));
  const has = (n: string) => note.files.includes(n);
  return { note, input: { inside: has("inside.pcap") ? new Uint8Array(readFileSync(f("inside.pcap"))) : undefined, outside: has("outside.pcap") ? new Uint8Array(readFileSync(f("outside.pcap"))) : undefined, router } };
}

/**
 * Reproducer folder names listed in test/fuzz/KNOWN.md (a line starting "- `<folder>`"): real
 * bugs found by the fuzzer in other areas, not fixed yet. Their regression tests are skipped and
 * the CI campaign tolerates them; every other failure fails the test.
 */
export function knownFailures(root = repoRoot()): Map<string, string> {
  const f = join(root, "test", "fuzz", "KNOWN.md");
  const out = new Map<string, string>();
  if (!existsSync(f)) return out;
  for (const l of readFileSync(f, "utf8").split("\n")) {
    const m = /^- `([a-z]+-[a-z-]+-[0-9a-f]{12})`:?\s*(.*)$/.exec(l);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export function reproFolders(dir = reproDir()): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, "note.json"))).sort().map((d) => join(dir, d)) : [];
}

// ---------------------------------------------------------------------------------------------

export interface CampaignOptions {
  seed: number;
  /** Run cases [from, to) of the schedule (see `scheduled`). */
  from: number;
  to: number;
  /** Run every stride-th case only (n = from, from + stride, …): how parallel runners split a campaign. */
  stride?: number;
  /** Only cases of these kinds (default all). */
  kinds?: Kind[];
  /** Stop once this many milliseconds have passed (default: no time limit). */
  budgetMs?: number;
  /** One case in cliEvery (per kind) also runs through the CLI (0: never). */
  cliEvery: number;
  /** Where reproducers go (undefined: not saved). */
  reproDir?: string;
  /** Called before each case (the runner's watchdog listens). */
  onStart?: (n: number, c: Case) => void;
  onFailure?: (f: Failure) => void;
  /** Called after each case with its time. */
  onCase?: (n: number, c: Case, ms: number) => void;
}

export interface Failure { n: number; kind: Kind; index: number; violation: Violation; how: string[]; repro?: string }

export interface CampaignResult {
  cases: Record<Kind, number>;
  /** Milliseconds spent in the checks of each kind. */
  msByKind: Record<Kind, number>;
  /** Cases the CLI ran too. */
  cli: number;
  failures: Failure[];
  /** The slowest case (milliseconds) and what it was. */
  slowest: { ms: number; kind: Kind; index: number; how: string[] };
  next: number;
  ms: number;
  /** CPU time of this process meanwhile (user + system; on a loaded machine wall time says little). */
  cpuMs: number;
}

export async function runCampaign(o: Oracles, corpus: Corpus, opts: CampaignOptions): Promise<CampaignResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const res: CampaignResult = { cases: { capture: 0, router: 0, pair: 0 }, msByKind: { capture: 0, router: 0, pair: 0 }, cli: 0, failures: [], slowest: { ms: 0, kind: "capture", index: -1, how: [] }, next: opts.from, ms: 0, cpuMs: 0 };
  for (let n = opts.from; n < opts.to; n += opts.stride ?? 1) {
    if (opts.budgetMs !== undefined && performance.now() - t0 > opts.budgetMs) break;
    const { kind, index } = scheduled(n);
    if (opts.kinds && !opts.kinds.includes(kind)) continue;
    const c = makeCase(corpus, opts.seed, kind, index, opts.cliEvery);
    opts.onStart?.(n, c);
    const t = performance.now();
    const v = await check(o, kind, c.input, c.chunk, c.cli);
    const ms = performance.now() - t;
    if (ms > res.slowest.ms) res.slowest = { ms, kind, index, how: c.how };
    res.cases[kind]++;
    res.msByKind[kind] += ms;
    opts.onCase?.(n, c, ms);
    if (c.cli) res.cli++;
    res.next = n + (opts.stride ?? 1);
    if (!v) continue;
    const f: Failure = { n, kind, index, violation: v, how: c.how };
    if (opts.reproDir) {
      const small = await shrink(o, kind, c.input, v, c.chunk, c.cli);
      const again = (await check(o, kind, small, c.chunk, c.cli)) ?? v;
      f.repro = saveRepro(opts.reproDir, { kind, oracle: v.oracle, message: again.message, campaignSeed: opts.seed, index, caseSeed: c.seed, how: c.how, chunk: c.chunk, cli: c.cli, shrunk: true }, small);
    }
    res.failures.push(f);
    opts.onFailure?.(f);
  }
  res.ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  res.cpuMs = (cpu.user + cpu.system) / 1000;
  return res;
}

export { loadCorpus };
