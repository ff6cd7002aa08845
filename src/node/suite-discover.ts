/**
 * Finding the cases of a suite directory and reading their case.json (Node: reads folders).
 *
 * A case folder is one holding `case.json`, or a plain folder holding `inside.pcap` and/or
 * `outside.pcap`. Its inputs are those two captures (when present) and its router files: the
 * files case.json lists in `router` (relative to the folder; [] = captures only), else every other
 * file of the folder (not case.json, not the two captures), which ./suite-run.ts reads and keeps
 * when the router parser understands it — router output is picked by content, not by name. The
 * walk is recursive (sub-folders of a case are searched too), skips dot-folders and node_modules,
 * follows symbolic links once, and sorts the cases by name (the folder's path relative to the
 * suite directory, `/`-separated; `.` when the directory itself is the only case), comparing
 * UTF-16 code units so the order does not depend on the locale.
 */
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, isAbsolute, join, relative, sep } from "node:path";
import { checkExpected, type CaseSpec, type Expected } from "../suite/case.js";

/**
 * Default of `suite --max-router-file`: a larger candidate file is not read as router output.
 * Here, not in suite-run.ts, so the CLI names it without loading verify (every command's start-up).
 */
export const DEFAULT_MAX_ROUTER_FILE_BYTES = 64 << 20;

export const CASE_FILE = "case.json";
export const CAPTURE_FILES = { inside: "inside.pcap", outside: "outside.pcap" } as const;
/** The files of a case folder that may hold router output: all but case.json and the captures. */
const isRouterCandidate = (name: string) => name !== CASE_FILE && name !== CAPTURE_FILES.inside && name !== CAPTURE_FILES.outside;

/** An unreadable or missing suite directory (exit 2). */
export class SuiteInputError extends Error {
  override name = "SuiteInputError";
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const errText = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Every case under `dir`, sorted by name. Throws SuiteInputError when `dir` cannot be read. */
export async function findCases(dir: string): Promise<CaseSpec[]> {
  let st;
  try {
    st = await stat(dir);
  } catch (e) {
    throw new SuiteInputError(`cannot read ${dir}: ${errText(e)}`);
  }
  if (!st.isDirectory()) throw new SuiteInputError(`${dir} is not a directory`);
  const cases: CaseSpec[] = [];
  const seen = new Set<string>();
  await walk(dir, dir, cases, seen, true);
  return cases.sort((a, b) => byCodeUnits(a.name, b.name));
}

async function walk(root: string, dir: string, out: CaseSpec[], seen: Set<string>, top: boolean): Promise<void> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (e) {
    if (top) throw new SuiteInputError(`cannot read ${dir}: ${errText(e)}`);
    return;
  }
  if (seen.has(real)) return;
  seen.add(real);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new SuiteInputError(`cannot read ${dir}: ${errText(e)}`); // any unreadable folder: exit 2
  }
  const files = new Set<string>();
  const dirs: string[] = [];
  for (const e of entries) {
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const t = await stat(join(dir, e.name));
        isDir = t.isDirectory();
        isFile = t.isFile();
      } catch {
        continue; // dangling link
      }
    }
    if (isFile) files.add(e.name);
    else if (isDir && !e.name.startsWith(".") && e.name !== "node_modules") dirs.push(e.name);
  }
  const hasCaseJson = files.has(CASE_FILE);
  if (hasCaseJson || files.has(CAPTURE_FILES.inside) || files.has(CAPTURE_FILES.outside)) {
    const rel = relative(root, dir).split(sep).join("/");
    const spec: CaseSpec = {
      name: rel || basename(dir) || ".",
      dir,
      inside: files.has(CAPTURE_FILES.inside) ? join(dir, CAPTURE_FILES.inside) : undefined,
      outside: files.has(CAPTURE_FILES.outside) ? join(dir, CAPTURE_FILES.outside) : undefined,
      router: [...files].filter(isRouterCandidate).sort(byCodeUnits).map((f) => join(dir, f)),
      routerListed: false,
      hasCaseJson,
    };
    if (hasCaseJson) await readCaseJson(spec);
    out.push(spec);
  }
  dirs.sort(byCodeUnits);
  for (const d of dirs) await walk(root, join(dir, d), out, seen, false);
}

async function readCaseJson(spec: CaseSpec): Promise<void> {
  const file = join(spec.dir, CASE_FILE);
  let meta: unknown;
  try {
    meta = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    spec.invalid = e instanceof SyntaxError ? `${file}: invalid JSON: ${e.message}` : `cannot read ${file}: ${errText(e)}`;
    return;
  }
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    spec.invalid = `${file}: expected a JSON object`;
    return;
  }
  const router = (meta as { router?: unknown }).router;
  if (router !== undefined) {
    if (!Array.isArray(router) || router.some((f) => typeof f !== "string" || !f)) {
      spec.invalid = `${file}: router must be an array of file names (relative to the case folder)`;
      return;
    }
    spec.router = router.map((f: string) => (isAbsolute(f) ? f : join(spec.dir, f)));
    spec.routerListed = true;
  }
  const expected = (meta as { expected?: unknown }).expected;
  if (expected === undefined) return;
  const problem = checkExpected(expected);
  if (problem) spec.invalid = `${file}: expected${problem}`;
  else spec.expected = expected as Expected;
}

