/**
 * Record lists kept compactly and made into objects only when someone reads them as an array.
 *
 * A million-line `conntrack -L` dump kept as an entry object plus a normalised flow per line costs
 * about a dozen live objects per line, and the garbage collector copying them is most of the parse
 * time. So the conntrack parser keeps only where each good entry is (its line: the text is already
 * in memory) and defines `doc.entries`, and parseRouterText `result.flows` / `result.events`, as
 * lazy lists:
 *
 *   defineLazyList(doc, "entries", { length: n, each: () => reparsed(...) });
 *   doc.entries            // first read: an ordinary array of n records (kept), as before
 *   listLength(doc, "entries"), listItems(doc, "entries")   // never make the array
 *
 * The `router` writers (report.ts) stream such a list a record at a time (each record dies young);
 * anything else (verify, tests, JSON.stringify, spreading) reads the property and gets the same
 * plain array as before. The property stays enumerable and keeps its place among the object's keys,
 * so JSON and key order do not change.
 */
import type { JsonOut } from "./json-out.js";

/** Records made on demand, in order; each() may be called again (it makes the records afresh). */
export interface RecordSource<T> {
  /** Number of records (may be a getter that reads the input to count them: ask only when needed). */
  readonly length: number;
  each(): Iterable<T>;
  /** Called before the array is made (e.g. to make the lists it derives from first). */
  prepare?(): void;
  /**
   * The records' JSON written straight into `out` (conntrack: from the parser's scan, no object
   * per record), without the array's brackets; see JsonListWriter.
   */
  json?: JsonListWriter;
  /**
   * The records' rows of the text report, their `document` moved by `docOffset`: `rowOf` made
   * from each record, or (conntrack) straight from the parser's scan of each line, without the
   * record (text-rows.ts: the same cells). See recordRows for a list without its own.
   */
  rows?(rowOf: (x: T) => string[], docOffset: number): Iterable<TextRow>;
}

/** A record's row of the text report (report.ts): its document and its table cells. */
export interface TextRow {
  document: number;
  cells: string[];
}

/** The rows of records (objects with a `document`), made by `rowOf`. */
export function* recordRows<T>(items: Iterable<T>, rowOf: (x: T) => string[], docOffset: number): Generator<TextRow> {
  for (const x of items) yield { document: (x as { document: number }).document + docOffset, cells: rowOf(x) };
}

/** The rows of obj[key] in order (its lazy list's own rows when it has them), without making the array. */
export function listRows<T>(obj: object, key: string, rowOf: (x: T) => string[]): Iterable<TextRow> {
  const src = pendingList<T>(obj, key);
  if (src?.rows) return src.rows(rowOf, 0);
  return recordRows(listItems<T>(obj, key), rowOf, 0);
}

/**
 * Writes a list's records as JSON array members at depth `depth` (each preceded by `,` unless
 * `written` is 0, then its line and indentation), their `document` moved by `docOffset`; yields
 * whenever `out` is full; returns `written` plus the records written.
 */
export type JsonListWriter = (out: JsonOut, depth: number, docOffset: number, written: number) => Generator<void, number>;

/** Records (objects with a `document`) written as JsonListWriter members through the generic writer. */
export function* itemsJson(items: Iterable<unknown>, out: JsonOut, depth: number, docOffset: number, written: number): Generator<void, number> {
  for (const x of items) {
    if (written++) out.byte(44);
    out.pad(depth);
    out.value(docOffset ? { ...(x as { document: number }), document: (x as { document: number }).document + docOffset } : x, depth);
    if (out.full()) yield;
  }
  return written;
}

/**
 * What the report writer (report.ts) is writing: `document`, the index in the report of the
 * document whose members are being written (-1 outside one). Lets a document's entries writer
 * number the records it writes beside them (conntrack/entries.ts) as the report will.
 */
export const WRITING = { document: -1 };

const SOURCES = new WeakMap<object, Map<string, RecordSource<unknown>>>();

/**
 * Define obj[key] (a key obj already has, so its place among the keys is kept) as the records of
 * `src`: an ordinary array, made on the first read and kept.
 */
export function defineLazyList<T>(obj: object, key: string, src: RecordSource<T>): void {
  let m = SOURCES.get(obj);
  if (!m) SOURCES.set(obj, (m = new Map()));
  m.set(key, src);
  const settle = (value: unknown): void => {
    m!.delete(key);
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get(): T[] {
      src.prepare?.();
      const list = Array.from(src.each());
      settle(list);
      return list;
    },
    set(value: unknown) {
      settle(value);
    },
  });
}

/** The source of obj[key] while it has not been made into an array, else undefined. */
export function pendingList<T>(obj: object, key: string): RecordSource<T> | undefined {
  return SOURCES.get(obj)?.get(key) as RecordSource<T> | undefined;
}

/** Number of records of obj[key] (an array or a lazy list), without making the array. */
export function listLength(obj: object, key: string): number {
  const src = pendingList(obj, key);
  return src ? src.length : ((obj as Record<string, unknown[]>)[key]!).length;
}

/** The records of obj[key] in order, without making the array of a lazy list. */
export function listItems<T>(obj: object, key: string): Iterable<T> {
  const src = pendingList<T>(obj, key);
  return src ? src.each() : ((obj as Record<string, T[]>)[key]!);
}

/** A list made of parts: plain arrays and lazy sources, in order. */
export class ListParts<T> {
  private readonly parts: (T[] | RecordSource<T>)[] = [];
  private lazy = false;
  /** The array parts are appended to; starts a new one after a lazy part. */
  private current: T[] | null = null;

  push(item: T): void {
    if (this.current === null) this.parts.push((this.current = []));
    this.current.push(item);
  }
  add(src: RecordSource<T>): void {
    this.parts.push(src);
    this.current = null;
    this.lazy = true;
  }

  /** Set obj[key] to the list: a plain array when no part is lazy, else a lazy list. */
  assign(obj: object, key: string): void {
    if (!this.lazy) {
      (obj as Record<string, T[]>)[key] = (this.parts[0] as T[] | undefined) ?? [];
      return;
    }
    const parts = this.parts;
    defineLazyList(obj, key, {
      // (summed when asked: a part's length may be known only after its file has been read, stream.ts)
      get length() {
        let length = 0;
        for (const p of parts) length += p.length;
        return length;
      },
      prepare: () => {
        for (const p of parts) if (!Array.isArray(p)) p.prepare?.();
      },
      *each() {
        for (const p of parts) yield* Array.isArray(p) ? p : p.each();
      },
      *json(out, depth, docOffset, written) {
        for (const p of parts) {
          if (Array.isArray(p)) written = yield* itemsJson(p, out, depth, docOffset, written);
          else if (p.json) written = yield* p.json(out, depth, docOffset, written);
          else written = yield* itemsJson(p.each(), out, depth, docOffset, written);
        }
        return written;
      },
      *rows(rowOf, docOffset) {
        for (const p of parts) {
          if (Array.isArray(p)) yield* recordRows(p, rowOf, docOffset);
          else if (p.rows) yield* p.rows(rowOf, docOffset);
          else yield* recordRows(p.each(), rowOf, docOffset);
        }
      },
    });
  }
}
