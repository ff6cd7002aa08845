/**
 * Runs verify on one case of a suite, in whichever thread calls it (the suite's worker or the
 * main thread), and picks the case folder's router files by content.
 *
 * When case.json lists its router files they are used as given: one that cannot be read or of
 * which nothing is understood makes the case an error. Otherwise every other file of the folder
 * is a candidate: a capture (pcap/pcapng magic) or a file larger than `maxRouterFileBytes` is
 * skipped unread, the rest is parsed and kept when the router parser understood something of it
 * (conntrack listings, `conntrack -E` events and expectations, Junos, SRX, syslog, whatever the
 * name), else skipped with the parser's reason (an nftables ruleset, a log, a README).
 */
import { closeSync, openSync, readSync, fstatSync } from "node:fs";
import { formatDiagnostic } from "../report/flows-text.js";
import type { RouterParseResult } from "../router/types.js";
import { captureKind } from "../router/sniff.js";
import type { CaseFinding, CaseInput, CaseRun, SkippedFile } from "../suite/case.js";
import { InputError } from "./errors.js";
import { inputErrorOf, notRouterOutput, readRouterFile, verifyParsedRouter } from "./verify-run.js";

import { DEFAULT_MAX_ROUTER_FILE_BYTES } from "./suite-discover.js";
export { DEFAULT_MAX_ROUTER_FILE_BYTES };

export interface RunCaseOptions {
  /** Candidate router files larger than this are skipped unread (default 64 MiB). */
  maxRouterFileBytes?: number;
}

/** Why a candidate file is not even read (a capture, too large), or undefined to read it. */
function skipUnread(file: string, maxBytes: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new InputError(file, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(4);
    const kind = readSync(fd, head, 0, 4, 0) === 4 ? captureKind(head) : undefined;
    if (kind) return `${kind}, not router output`;
    if (size > maxBytes) return `${size} bytes, larger than the router-file limit of ${maxBytes} (--max-router-file): not read`;
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Reads the router files of a case: as listed in case.json, or picked by content. Throws InputError. */
export async function caseRouter(input: CaseInput, opts: RunCaseOptions = {}): Promise<{ router: RouterParseResult[]; skipped: SkippedFile[] }> {
  const router: RouterParseResult[] = [];
  const skipped: SkippedFile[] = [];
  const max = opts.maxRouterFileBytes ?? DEFAULT_MAX_ROUTER_FILE_BYTES;
  for (const file of input.router) {
    if (input.routerListed) {
      router.push(await readRouterFile(file));
      continue;
    }
    const unread = skipUnread(file, max);
    if (unread) {
      skipped.push({ file, reason: unread });
      continue;
    }
    const parsed = await readRouterFile(file);
    const why = notRouterOutput(parsed);
    if (why) skipped.push({ file, reason: why.message });
    else router.push(parsed);
  }
  return { router, skipped };
}

/** Runs verify on one case's files. Never throws. */
export async function runCase(input: CaseInput, opts: RunCaseOptions = {}): Promise<CaseRun> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  let picked: { router: RouterParseResult[]; skipped: SkippedFile[] } = { router: [], skipped: [] };
  try {
    picked = await caseRouter(input, opts);
    const files = picked.router.map((r) => r.file);
    const report = await verifyParsedRouter({ ...input, router: files }, picked.router, { parallel: false });
    if (input.html) await (await import("./html-report.js")).writeHtmlFile(report, input.html, files);
    const bad = inputErrorOf(report);
    if (bad) return { verdict: "error", findings: [], router: files, skipped: picked.skipped, error: formatDiagnostic(bad), seconds: seconds() };
    const findings: CaseFinding[] = report.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message }));
    return { verdict: report.verdict, findings, router: files, skipped: picked.skipped, seconds: seconds() };
  } catch (e) {
    const err = e as Error & { code?: string; file?: string };
    const msg = err.name === "InputError" ? `error[${err.code}] ${err.file ? err.file + ": " : ""}${err.message}` : `${err.name ?? "Error"}: ${err.message ?? String(e)}`;
    return { verdict: "error", findings: [], router: picked.router.map((r) => r.file), skipped: picked.skipped, error: msg, seconds: seconds() };
  }
}
