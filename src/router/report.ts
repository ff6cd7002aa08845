/**
 * The `router` report (JSON contract, schemaVersion 1) and its human rendering.
 *
 * buildRouterReport concatenates parse results: documents are renumbered so that every
 * normalised record's `document` indexes the report's `documents`.
 *
 * formatRouterText renders, per document, aligned tables:
 *
 *   a.txt:1  junos-conversations  (show services stateful-firewall conversations)
 *     PROTO  SRC             DST         STATE  DIR  FRAMES  NAT                                   ALG
 *     tcp    1.1.79.2:14083  2.2.2.2:21  Watch  I    13      source 1.1.79.2:14083 → 194.…:50118  ftp
 *
 * then the diagnostics, esbuild style (`file:line:column: severity: message [code]`, the line and a
 * caret under the column; column 0-based), the first `maxDiagnostics` (default 20) and
 * "… and K more".
 *
 * Column widths come from a bounded first window: each column is as wide as its header and its
 * longest cell among the first WIDTH_WINDOW (1 000) rows of that table; a later, longer cell is
 * written whole and pushes the rest of its row right (the row stays one line). A table of at most
 * 1 000 rows is aligned exactly as before. So the text is written as the records are read, a table
 * at a time, and never holds more than the window's rows (a 10⁶-entry conntrack dump included).
 *
 * Any size: both renderings are produced piece by piece (`routerJsonChunks`: UTF-8 bytes written
 * by the one piece-wise JSON writer, ../report/json-pieces.ts; `routerTextPieces`: strings), about
 * 64 KiB at a time, and written through a sink that may return a promise (`writeRouterReport`:
 * back-pressure of the output), so no single string holds a report of a million records. Nothing
 * spreads an array into arguments or recurses over records. `routerJsonChunks` joined are the
 * bytes of `JSON.stringify(report, null, 2) + "\n"` (`routerJsonPieces`: the same as strings).
 */
import type { Diagnostic } from "../types.js";
import { WIDTH_WINDOW, type RouterDocument, type RouterEvent, type RouterExpectation, type RouterFlow, type RouterParseResult, type RouterReport } from "./types.js";
import { ListParts, WRITING, itemsJson, listItems, listLength, listRows, pendingList, recordRows, type TextRow } from "./lazy.js";
import { eventCells, flowCells } from "./text-rows.js";
import { JsonOut, hasJson } from "./json-out.js";
import { formatEndpoint } from "./ip.js";
import { jsonChunks } from "../report/json-pieces.js";

export function buildRouterReport(results: RouterParseResult[]): RouterReport {
  const report: RouterReport = { schemaVersion: 1, documents: [], flows: [], counters: [], events: [], expectations: [], diagnostics: [] };
  const flows = new ListParts<RouterFlow>();
  const events = new ListParts<RouterEvent>();
  const diagnostics = new ListParts<Diagnostic>();
  for (const r of results) {
    const off = report.documents.length;
    for (const d of r.documents) report.documents.push(d);
    mergeList(r, "flows", off, flows);
    for (const c of r.counters) report.counters.push(off ? { ...c, document: c.document + off } : c);
    mergeList(r, "events", off, events);
    for (const x of r.expectations) report.expectations.push(off ? { ...x, document: x.document + off } : x);
    // a file read in pieces knows its diagnostics once it has been read through (stream.ts): a lazy list
    const lazy = pendingList<Diagnostic>(r, "diagnostics");
    if (lazy) diagnostics.add(lazy);
    else for (const d of r.diagnostics) diagnostics.push(d);
  }
  flows.assign(report, "flows");
  events.assign(report, "events");
  diagnostics.assign(report, "diagnostics");
  return report;
}

/** Append result r's list `key` to `parts`, its records' `document` moved by `off` (a lazy list stays lazy). */
function mergeList<T extends { document: number }>(r: RouterParseResult, key: "flows" | "events", off: number, parts: ListParts<T>): void {
  const src = pendingList<T>(r, key);
  if (!src) {
    for (const x of r[key] as unknown as T[]) parts.push(off ? { ...x, document: x.document + off } : x);
    return;
  }
  parts.add({
    get length() {
      return src.length;
    },
    // the report's array holds the result's records (when not moved), as for a plain list
    prepare: () => void r[key],
    *each() {
      for (const x of listItems<T>(r, key)) yield off ? { ...x, document: x.document + off } : x;
    },
    json(out, depth, docOffset, written) {
      // while the result's list is still the lazy one, its own writer (conntrack: from the scan)
      if (pendingList<T>(r, key) === src && src.json) return src.json(out, depth, docOffset + off, written);
      return itemsJson(this.each(), out, depth, docOffset, written);
    },
    rows(rowOf, docOffset) {
      // likewise its own rows (conntrack: from the scan, text-rows.ts)
      if (pendingList<T>(r, key) === src && src.rows) return src.rows(rowOf, docOffset + off);
      return recordRows(this.each(), rowOf, docOffset);
    },
  });
}

/**
 * Where report text goes: a piece at a time (text: strings; JSON: UTF-8 bytes, a view valid only
 * until the sink returns or its promise settles — copy it to keep it); a returned promise is
 * awaited before the next piece.
 */
export type RouterSink = (piece: string | Uint8Array) => void | Promise<unknown>;

/** Size at which the renderings hand a piece to the sink. */
const PIECE = 1 << 16;

/** Write pieces to a sink, awaiting it when it asks (back-pressure). */
export async function writePieces(pieces: Iterable<string | Uint8Array>, write: RouterSink): Promise<void> {
  for (const p of pieces) {
    const r = write(p);
    if (r) await r;
  }
}

/** Write the report as JSON (`--json`) or text to a sink. */
export function writeRouterReport(report: RouterReport, write: RouterSink, opts: { json?: boolean; maxDiagnostics?: number } = {}): Promise<void> {
  return writePieces(opts.json ? routerJsonChunks(report) : routerTextPieces(report, opts), write);
}

/** Joins small strings into pieces of about PIECE code units. */
function* batched(parts: Iterable<string>): Generator<string> {
  let buf = "";
  for (const p of parts) {
    buf += p;
    if (buf.length >= PIECE) {
      yield buf;
      buf = "";
    }
  }
  if (buf) yield buf;
}

/** Objects whose members may be lazy lists: the report (level 0) and its documents (level 2). */
const LIST_LEVELS = 2;

/**
 * `router --json`: the UTF-8 bytes of JSON.stringify(report, null, 2) + "\n", in chunks of about
 * 64 KiB (each chunk valid until the generator is resumed). The lazy record lists (a conntrack
 * document's entries, the report's flows and events: lazy.ts) are written a record at a time,
 * never held as arrays: those that can (conntrack) straight from the parser's scan of each line
 * (conntrack/json.ts), the others through the piece-wise JSON writer (json-pieces.ts). A report
 * without such a list is written by json-pieces.ts alone.
 */
export function routerJsonChunks(report: RouterReport): Generator<Uint8Array> {
  if (!hasScanWriter(report)) {
    return jsonChunks(report, {
      indent: 2, newline: true,
      lists: { depth: LIST_LEVELS, of: (obj, key) => pendingList(obj, key)?.each() },
    });
  }
  return scanJsonChunks(report);
}

/** Whether a lazy list of the report (or of one of its documents) writes its own JSON. */
function hasScanWriter(report: RouterReport): boolean {
  if (pendingList(report, "flows")?.json || pendingList(report, "events")?.json) return true;
  for (const d of report.documents) if (pendingList(d, "entries")?.json || pendingList(d, "events")?.json) return true;
  return false;
}

/**
 * The report written level by level down to its documents (LIST_LEVELS), every lazy list by its
 * own writer, every other value through the piece-wise writer indented to its depth.
 */
function* scanJsonChunks(report: RouterReport): Generator<Uint8Array> {
  const out = new JsonOut();
  for (const _ of frameJson(out, report, 0)) yield out.take();
  out.byte(10);
  yield out.take();
}

/** A plain object or array (not one with toJSON or a boxed primitive). */
function isPlain(v: unknown): v is object {
  if (typeof v !== "object" || v === null || typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === Array.prototype;
}

/** Value v at depth d: objects and arrays down to LIST_LEVELS walked here (lazy lists may be in them), the rest by out.value. */
function* frameJson(out: JsonOut, v: unknown, d: number): Generator<void> {
  if (d > LIST_LEVELS || !isPlain(v)) {
    out.value(v, d);
    if (out.full()) yield;
    return;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.byte(91);
      out.byte(93);
      return;
    }
    out.byte(91);
    for (let i = 0; i < v.length; i++) {
      if (i) out.byte(44);
      out.pad(d + 1);
      const x: unknown = v[i];
      // (a list of the report: when it is `documents`, the one being written, for its entries' writer)
      if (d === 1) WRITING.document = i;
      if (hasJson(x)) yield* frameJson(out, x, d + 1);
      else out.value(null, d + 1);
    }
    if (d === 1) WRITING.document = -1;
    out.pad(d);
    out.byte(93);
    return;
  }
  let first = true;
  out.byte(123);
  for (const k of Object.keys(v)) {
    const src = pendingList(v, k);
    let x: unknown;
    if (!src) {
      x = (v as Record<string, unknown>)[k];
      if (!hasJson(x)) continue;
    }
    out.key(first, d + 1, k);
    first = false;
    if (!src) {
      yield* frameJson(out, x, d + 1);
      continue;
    }
    out.byte(91);
    const n = src.json ? yield* src.json(out, d + 2, 0, 0) : yield* itemsJson(src.each(), out, d + 2, 0, 0);
    if (n) out.pad(d + 1);
    out.byte(93);
    if (out.full()) yield;
  }
  if (!first) out.pad(d);
  out.byte(125);
}

/** routerJsonChunks as strings (each a whole number of characters). */
export function* routerJsonPieces(report: RouterReport): Generator<string> {
  const dec = new TextDecoder();
  for (const c of routerJsonChunks(report)) {
    const s = dec.decode(c, { stream: true });
    if (s) yield s;
  }
  const tail = dec.decode();
  if (tail) yield tail;
}

/**
 * Render rows as space-aligned columns (2 spaces between), indented; one string per line. The
 * widths are those of the header and the first `window` rows (all rows by default); the rows are
 * read once, in order, and only the window is held.
 */
export function* tableLines(head: string[], rows: Iterable<string[]>, indent = "  ", window = Infinity): Generator<string> {
  const first: string[][] = [];
  const it = rows[Symbol.iterator]();
  let next = it.next();
  for (; !next.done && first.length < window; next = it.next()) first.push(next.value);
  const w = head.map((h) => h.length);
  for (const r of first) for (let k = 0; k < w.length; k++) w[k] = Math.max(w[k]!, (r[k] ?? "").length);
  const fmt = (r: string[]) => indent + r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(w[k]!))).join("  ").trimEnd();
  yield fmt(head);
  for (const r of first) yield fmt(r);
  first.length = 0;
  for (; !next.done; next = it.next()) yield fmt(next.value);
}

/** Render rows as space-aligned columns (2 spaces between), indented (widths from every row). */
export function table(head: string[], rows: string[][], indent = "  "): string[] {
  return Array.from(tableLines(head, rows, indent));
}

/** A router text table: widths from the first WIDTH_WINDOW rows. */
function routerTable(head: string[], rows: Iterable<string[]>): Generator<string> {
  return tableLines(head, rows, "  ", WIDTH_WINDOW);
}

/** Each record of `records` made into a row, lazily. */
function* rowsOf<T>(records: Iterable<T>, row: (r: T) => string[]): Generator<string[]> {
  for (const r of records) yield row(r);
}

/** The cells of text rows. */
function* cellsOf(rows: Iterable<TextRow>): Generator<string[]> {
  for (const r of rows) yield r.cells;
}

/**
 * The records of a report list, handed out document by document in one pass: the list is in
 * document order (parseRouterText normalises its documents in order, buildRouterReport appends
 * the files' results in order), so `take(k)` reads on while the records belong to document k.
 * Nothing is grouped or kept beyond the one record read ahead.
 */
class DocumentCursor<T extends { document: number }> {
  private readonly it: Iterator<T>;
  private next: IteratorResult<T>;

  constructor(records: Iterable<T>) {
    this.it = records[Symbol.iterator]();
    this.next = this.it.next();
  }

  /** Whether document k has a record (the first not yet taken). */
  has(k: number): boolean {
    this.check(k);
    return !this.next.done && this.next.value.document === k;
  }

  /** The records of document k. */
  *take(k: number): Generator<T> {
    while (this.has(k)) {
      const r = this.next.value as T;
      this.next = this.it.next();
      yield r;
    }
  }

  /** Passes over what document k has left (records its table does not show). */
  skip(k: number): void {
    while (this.has(k)) this.next = this.it.next();
  }

  /** A record of an earlier document than k would be lost: the order above is an invariant (inDocumentOrder). */
  private check(k: number): void {
    if (!this.next.done && this.next.value.document < k) {
      throw new Error(`router report: record of document ${this.next.value.document} after document ${k} began (records out of document order)`);
    }
  }
}

/**
 * The records of report[key] in document order: a lazy list is (the parser made it so); a plain
 * array (e.g. a report put together by hand) is checked, and a copy sorted by document (stable)
 * when it is not.
 */
function inDocumentOrder<T extends { document: number }>(report: RouterReport, key: "flows" | "events" | "expectations"): Iterable<T> {
  if (pendingList<T>(report, key)) return listItems<T>(report, key);
  const list = report[key] as unknown as T[];
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.document < list[i - 1]!.document) return list.slice().sort((a, b) => a.document - b.document);
  }
  return list;
}

/**
 * The text rows of report[key] in document order (as inDocumentOrder): a lazy list's own rows (a
 * conntrack dump's straight from the scan of its lines, no record made: text-rows.ts), else
 * `rowOf` of each record.
 */
function rowsInDocumentOrder<T extends { document: number }>(report: RouterReport, key: "flows" | "events", rowOf: (x: T) => string[]): Iterable<TextRow> {
  if (pendingList<T>(report, key)) return listRows<T>(report, key, rowOf);
  return recordRows(inDocumentOrder<T>(report, key), rowOf, 0);
}

interface Grouped {
  flows: DocumentCursor<TextRow>;
  events: DocumentCursor<TextRow>;
  expectations: DocumentCursor<RouterExpectation>;
}

function* documentLines(g: Grouped, d: RouterDocument, k: number): Generator<string> {
  yield `${d.file}:${d.location.line}  ${d.format}${d.command ? `  (${d.command})` : ""}`;
  const hasFlows = g.flows.has(k);
  if (hasFlows) {
    yield* routerTable(["PROTO", "SRC", "DST", "STATE", "DIR", "PKTS", "NAT", "ALG"], cellsOf(g.flows.take(k)));
  }
  switch (d.format) {
    case "junos-statistics": {
      if (d.interface) yield `  Interface ${d.interface}${d.serviceSet ? `, service set ${d.serviceSet}` : ""}`;
      const rows: string[][] = [];
      for (const [s, labels] of Object.entries(d.statistics)) for (const [l, v] of Object.entries(labels)) rows.push([s, l, String(v)]);
      if (rows.length) yield* routerTable(["SECTION", "LABEL", "VALUE"], rows);
      break;
    }
    case "srx-alg-status":
      yield* routerTable(["ALG", "STATUS"], rowsOf(d.algs, (a) => [a.name, a.status]));
      break;
    case "srx-sip-calls":
      if (d.total !== undefined) yield `  Total number of calls: ${d.total}`;
      yield* routerTable(["CALL ID", "METHOD", "STATE", "GROUP ID", "OTHER"], rowsOf(d.calls, (c) => [
        c.callId, c.method ?? "", c.state ?? "", c.groupId !== undefined ? String(c.groupId) : "",
        Object.entries(c.attributes).filter(([k]) => !/^(?:call id|method|state|group id)$/i.test(k)).map(([k, v]) => `${k}: ${v}`).join(", "),
      ]));
      break;
    case "srx-sip-transactions":
      if (d.total !== undefined) yield `  Total number of transactions: ${d.total}`;
      yield* routerTable(["NAME", "METHOD", "CSEQ", "STATE", "TIMEOUT", "VIA RSC ID"], rowsOf(d.transactions, (t) => [
        t.name, t.method, String(t.cseq), t.state, String(t.timeout), t.viaRscId ?? "-",
      ]));
      break;
    case "conntrack-expect": {
      // (the columns depend on every expectation: a document's expectations are a plain array)
      const xs = Array.from(g.expectations.take(k));
      const withEvents = xs.some((x) => x.event !== undefined);
      const withFlags = xs.some((x) => x.flags !== undefined);
      // HELPER as /proc prints it: the helper, then its class name (`sip/audio`), else `class=N` when not 0
      const helper = (x: RouterExpectation) => (x.alg ?? "") + (x.className !== undefined ? `/${x.className}` : x.class ? ` class=${x.class}` : "");
      yield* routerTable([...(withEvents ? ["TIME", "EVENT"] : []), "PROTO", "SRC", "DST", "MASTER", "HELPER", "TIMEOUT", ...(withFlags ? ["FLAGS"] : [])], rowsOf(xs, (x) => [
        ...(withEvents ? [x.time ?? "", x.event ?? ""] : []),
        String(x.proto), formatEndpoint(x.src), formatEndpoint(x.dst),
        x.master ? `${formatEndpoint(x.master.src)} → ${formatEndpoint(x.master.dst)}` : "", helper(x), String(x.timeout),
        ...(withFlags ? [(x.flags ?? []).join(",")] : []),
      ]));
      break;
    }
    case "junos-syslog":
    case "conntrack-events":
      yield* routerTable(["TIME", "KIND", "TAG", "PROTO", "SRC", "DST", "NAT", "ALG"], cellsOf(g.events.take(k)));
      break;
    default:
      if (!hasFlows) yield "  (no entries)";
  }
  g.flows.skip(k);
  g.events.skip(k);
  g.expectations.skip(k);
}

/** esbuild-style rendering of one diagnostic. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}${d.line !== undefined ? `:${d.line}` : ""}${d.column !== undefined ? `:${d.column}` : ""}`;
  const lines = [`${where}: ${d.severity}: ${d.message} [${d.code}]`];
  if (d.lineText !== undefined && d.lineText.length > 0) {
    let text = d.lineText.replace(/\t/g, " ");
    let col = d.column ?? 0;
    // lineText may be a window of a long line: place the caret within it
    if (col > text.length) col = Math.min(40, text.length);
    if (text.length > 120) {
      const from = Math.max(0, col - 40);
      text = (from > 0 ? "…" : "") + text.slice(from, from + 110);
      col = col - from + (from > 0 ? 1 : 0);
    }
    lines.push(`    ${text}`, `    ${" ".repeat(col)}^`);
  }
  return lines.join("\n");
}

/** The text rendering, line by line (each line without its `\n`). */
function* routerTextLines(report: RouterReport, opts: { maxDiagnostics?: number }): Generator<string> {
  const max = opts.maxDiagnostics ?? 20;
  const n = report.documents.length;
  const g: Grouped = {
    flows: new DocumentCursor(rowsInDocumentOrder<RouterFlow>(report, "flows", flowCells)),
    events: new DocumentCursor(rowsInDocumentOrder<RouterEvent>(report, "events", eventCells)),
    expectations: new DocumentCursor(inDocumentOrder<RouterExpectation>(report, "expectations")),
  };
  for (let k = 0; k < n; k++) {
    yield* documentLines(g, report.documents[k]!, k);
    yield "";
  }
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of report.diagnostics) counts[d.severity]++;
  yield `${report.documents.length} document(s), ${listLength(report, "flows")} flow(s), ${report.counters.length} counter(s), ${listLength(report, "events")} event(s), ${report.expectations.length} expectation(s); ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} info`;
  if (report.diagnostics.length) {
    yield "";
    const shown = Math.min(max, report.diagnostics.length);
    for (let k = 0; k < shown; k++) yield formatDiagnostic(report.diagnostics[k]!);
    if (report.diagnostics.length > max) yield `… and ${report.diagnostics.length - max} more`;
  }
}

/** The text rendering in pieces of about 64 KiB. */
export function routerTextPieces(report: RouterReport, opts: { maxDiagnostics?: number } = {}): Generator<string> {
  return batched((function* () {
    for (const l of routerTextLines(report, opts)) yield l + "\n";
  })());
}

export function formatRouterText(report: RouterReport, opts: { maxDiagnostics?: number } = {}): string {
  let s = "";
  for (const p of routerTextPieces(report, opts)) s += p;
  return s;
}
