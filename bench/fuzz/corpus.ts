/**
 * The fuzzer's seeds, read in place: the public captures (../shared/pcaps/public, MANIFEST.tsv),
 * the generated captures under pcaps/, the router texts (test/fixtures/router/*.raw and
 * ../shared/reference/router-output) and the verify input pairs (pcaps/lab/<case>/: inside.pcap,
 * outside.pcap and the router files). Large captures are cut at a record boundary to
 * MAX_SEED_BYTES so that a CI-sized campaign runs many cases; the structure a mutation aims at
 * (record and block length fields) is found by `frames()`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Seeds larger than this are cut at the last record boundary below it. */
export const MAX_SEED_BYTES = 64 << 10;

/** The repository root (the folder whose package.json is alg-verify's), from source or dist/. */
export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(d, "package.json");
    if (existsSync(p) && JSON.parse(readFileSync(p, "utf8")).name === "alg-verify") return d;
    const up = dirname(d);
    if (up === d) throw new Error("fuzz: cannot find the alg-verify repository root");
    d = up;
  }
}

export const sharedDir = (root = repoRoot()) => join(root, "..", "shared");

export interface CaptureSeed { name: string; bytes: Uint8Array }
export interface TextSeed { name: string; text: string }
export interface PairSeed { name: string; inside: Uint8Array; outside: Uint8Array; router: TextSeed[] }
export interface Corpus { captures: CaptureSeed[]; routers: TextSeed[]; pairs: PairSeed[] }

/** Where a record or block starts, and where its length field(s) are. */
export interface Frame { offset: number; end: number; lengthFields: number[]; little: boolean }

/** Records of a classic pcap, blocks of a pcapng (as far as they parse); [] otherwise. */
export function frames(b: Uint8Array): Frame[] {
  const out: Frame[] = [];
  if (b.length < 12) return out;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const m = dv.getUint32(0, true);
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xd4c3b2a1 || m === 0x4d3cb2a1) {
    const little = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
    for (let o = 24; o + 16 <= b.length; ) {
      const caplen = dv.getUint32(o + 8, little);
      const end = o + 16 + caplen;
      if (end > b.length) break;
      out.push({ offset: o, end, lengthFields: [o + 8, o + 12], little });
      o = end;
    }
    return out;
  }
  if (m === 0x0a0d0d0a) {
    let little = true;
    for (let o = 0; o + 12 <= b.length; ) {
      const type = dv.getUint32(o, true);
      if (type === 0x0a0d0d0a) little = dv.getUint32(o + 8, true) === 0x1a2b3c4d;
      const len = dv.getUint32(o + 4, little);
      if (len < 12 || o + len > b.length) break;
      const fields = [o + 4, o + len - 4];
      if (dv.getUint32(o, little) === 6) fields.push(o + 20, o + 24); // EPB captured / original length
      out.push({ offset: o, end: o + len, lengthFields: fields, little });
      o += len;
    }
  }
  return out;
}

/** `b` cut at the last record boundary at or below `max` bytes (the whole of it when smaller). */
export function cutAtFrame(b: Uint8Array, max = MAX_SEED_BYTES): Uint8Array {
  if (b.length <= max) return b;
  let end = 0;
  for (const f of frames(b)) if (f.end <= max) end = f.end;
  return b.subarray(0, end || max);
}

function walk(dir: string, keep: (f: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

const isCapture = (f: string) => /\.(pcap|pcapng|cap)$/i.test(f);
const ROUTER_FILES = ["conntrack.txt", "expect.txt", "events.txt", "expect-events.txt"];

export function loadCorpus(root = repoRoot()): Corpus {
  const shared = sharedDir(root);
  const captures: CaptureSeed[] = [];
  const pub = join(shared, "pcaps", "public");
  for (const p of walk(pub, isCapture)) captures.push({ name: `public/${relative(pub, p)}`, bytes: cutAtFrame(new Uint8Array(readFileSync(p))) });
  for (const p of walk(join(root, "pcaps"), isCapture)) captures.push({ name: relative(root, p), bytes: cutAtFrame(new Uint8Array(readFileSync(p))) });
  const routers: TextSeed[] = [];
  const fixtures = join(root, "test", "fixtures", "router");
  for (const p of walk(fixtures, (f) => f.endsWith(".raw"))) routers.push({ name: relative(root, p), text: readFileSync(p, "utf8") });
  const ref = join(shared, "reference", "router-output");
  for (const p of walk(ref, (f) => f.endsWith(".txt"))) routers.push({ name: `router-output/${relative(ref, p)}`, text: readFileSync(p, "utf8") });
  const pairs: PairSeed[] = [];
  const lab = join(root, "pcaps", "lab");
  for (const c of existsSync(lab) ? readdirSync(lab).sort() : []) {
    const d = join(lab, c);
    if (!existsSync(join(d, "inside.pcap")) || !existsSync(join(d, "outside.pcap"))) continue;
    const router = ROUTER_FILES.filter((f) => existsSync(join(d, f))).map((f) => ({ name: `pcaps/lab/${c}/${f}`, text: readFileSync(join(d, f), "utf8") }));
    for (const r of router) routers.push(r);
    pairs.push({ name: `pcaps/lab/${c}`, inside: new Uint8Array(readFileSync(join(d, "inside.pcap"))), outside: new Uint8Array(readFileSync(join(d, "outside.pcap"))), router });
  }
  if (!captures.length || !routers.length || !pairs.length) {
    throw new Error(`fuzz: corpus incomplete (${captures.length} captures, ${routers.length} router texts, ${pairs.length} pairs); is ${shared} there?`);
  }
  return { captures, routers, pairs };
}
