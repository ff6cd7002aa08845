/**
 * `alg-verify router <file…|-> [--json] [--format auto|<format>] [--max-diagnostics N] [--diagnostic-limit N] [--max-router-lines N]`
 *
 * A regular file that is one conntrack dump is read in pieces (regularFileSource, parseRouterStream:
 * memory bounded whatever its size; a first look at its bytes, then one scan that writes the
 * entries and, into a temporary file, the flows or events); standard input (`-`) is first copied
 * into an unlinked temporary file (spoolStdin) and read from there the same way; any other file
 * is read through `io.readFile` (standard input: as bytes, from its spool) and parsed whole
 * (parseRouterText), at most `--max-router-lines` lines of it (a longer one is a
 * `router_line_limit` error, counted before it is read whenever it can be read twice). Then it
 * writes the report as JSON (2-space indent, schemaVersion 1) or as text tables, piece by piece
 * (writeRouterReport: any size; a sink's promise is awaited, see `writableSink`). Exit code
 * (io.setExitCode): 2 when a file cannot be read, nothing in a file was understood, or a file is
 * past --max-router-lines, else 0. Never calls process.exit.
 */
import { Option, type Command } from "commander";
import type { Writable } from "node:stream";
import { STDIN_NAME, TooManyLines, colourOf, countLines, regularFileSource, sourceLinesOver, stdinOf, type CliIo } from "./io.js";
import { linesOver, ROUTER_LINES } from "../verify/limits.js";
import { intOption } from "./int-option.js";
import { PLAIN, diagnosticLinePainter } from "../report/colour.js";
import type { Diagnostic } from "../types.js";
import { DEFAULT_DIAGNOSTIC_LIMIT, ROUTER_FORMATS, WIDTH_WINDOW, type RouterFormat, type RouterParseResult } from "../router/types.js";
import type { RouterSink } from "../router/report.js";
import type { RouterFileSource } from "../router/stream.js";
import { openSpillFile, type SpillFile } from "../capture/spill-file.js";

interface RouterOpts {
  json?: boolean;
  format: RouterFormat | "auto";
  maxDiagnostics: string;
  diagnosticLimit: string;
  maxRouterLines: number;
}

export interface RunRouterOptions {
  json?: boolean;
  format?: RouterFormat | "auto";
  /** Diagnostics shown in the text output. */
  maxDiagnostics?: number;
  /** Located diagnostics kept per file (RouterParseOptions.diagnosticLimit). */
  diagnosticLimit?: number;
  /** Where the report goes (default io.stdout); a returned promise is awaited (back-pressure). */
  out?: RouterSink;
  /** What `-` reads (default process.stdin). */
  stdin?: AsyncIterable<Uint8Array | string>;
  /**
   * Where standard input is spooled (spoolStdin; default: openSpillFile, an unlinked temporary
   * file in TMPDIR): a file, or why there is none.
   */
  spill?: () => SpillFile | string | undefined;
  /**
   * Lines of a file parsed whole read at most (default ROUTER_LINES): a longer file is a
   * `router_line_limit` error (exit 2), looked for before the file is read whenever it can be
   * read twice (a regular file, spooled standard input). A conntrack dump read in pieces has no
   * such limit: its memory does not grow with its lines.
   */
  maxRouterLines?: number;
  /**
   * Read a conntrack dump that is a regular file in pieces, never whole (parseRouterStream:
   * memory bounded whatever its size); default true. Any other file is read whole.
   */
  stream?: boolean;
}

/**
 * Size from which `router --json` has a conntrack dump's usual lines written by the wasm core
 * (1 MiB; the same bytes either way): loading and compiling the core costs about 15 ms of CPU,
 * which a smaller file does not win back. ALG_VERIFY_ROUTER_WASM=0 never loads it (for comparisons).
 */
export const ROUTER_WASM_MIN_BYTES = 1 << 20;

/**
 * A sink writing to a Node writable stream, waiting for `drain` when its buffer is full. Byte
 * pieces are copied (the stream keeps what it is given; the JSON writer reuses its buffer).
 */
export function writableSink(w: Writable): RouterSink {
  return (piece) => (w.write(typeof piece === "string" ? piece : Buffer.from(piece)) ? undefined : new Promise<void>((resolve) => w.once("drain", resolve)));
}

/** Diagnostics that make `router` exit 2. */
const FATAL = new Set(["unreadable_file", "nothing_understood", "internal_error", "router_line_limit"]);

/** Bytes of standard input read back from its spool at a time. */
const SPOOL_READ = 1 << 16;

/**
 * Standard input as it was read (spoolStdin): a file source over its bytes (a pipe can be read
 * only once; the streamed parser reads a file more than once), all its bytes at once for the
 * whole-text parser, and close() when the report is written.
 */
export interface SpooledInput {
  source: RouterFileSource;
  size: number;
  /** All the bytes (for a file that is not read in pieces: it is parsed whole anyway). */
  bytes(): Uint8Array;
  close(): void;
  /** Why (some of) the bytes are held in memory instead of the temporary file; undefined when none are. */
  inMemory?: string;
}

/**
 * Reads a stream (standard input) into an unlinked temporary file (openSpillFile: in TMPDIR,
 * nothing left behind), so that it is not held in memory and can be read like a regular file: a
 * conntrack dump on standard input is then read in pieces as a file is. When no file can be made,
 * or a write fails (no room left), the bytes are held in memory instead — those spooled so far are
 * read back — and `inMemory` says why (runRouter prints it as a `stdin_in_memory` warning on
 * stderr; the report is the same).
 */
export async function spoolStdin(stream: AsyncIterable<Uint8Array | string>, spill: () => SpillFile | string | undefined): Promise<SpooledInput> {
  const enc = new TextEncoder();
  const opened = spill();
  let file: SpillFile | null = typeof opened === "object" ? opened : null;
  let inMemory: string | undefined = typeof opened === "string" ? `no temporary file: ${opened}` : opened === undefined ? "no file system" : undefined;
  /** Bytes in the file: [0, spooled); the rest in `held`, in order. */
  let spooled = 0;
  const held: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = typeof c === "string" ? enc.encode(c) : c;
    if (file !== null) {
      try {
        file.write(b, spooled);
        spooled += b.length;
        size += b.length;
        continue;
      } catch (err) {
        // no room left (or no right): hold what the file has, and the rest, in memory
        inMemory = `temporary file failed after ${spooled} bytes: ${err instanceof Error ? err.message : String(err)}`;
        const back = new Uint8Array(spooled);
        if (file.read(back, 0, spooled, 0) !== spooled) throw new Error(`standard input: temporary file cut short reading it back (${spooled} bytes)`);
        file.close();
        file = null;
        if (spooled) held.push(back);
        spooled = 0;
      }
    }
    // (a chunk may be a view its producer reuses: keep a copy)
    held.push(b.slice());
    size += b.length;
  }
  const spoolFile = file;
  let closed = false;
  let memory: Uint8Array | null = null;
  if (spoolFile === null) {
    memory = joinBytes(held, size);
    held.length = 0;
  }
  const readAt = (into: Uint8Array, pos: number): number => {
    if (memory !== null) {
      const n = Math.max(0, Math.min(into.length, size - pos));
      into.set(memory.subarray(pos, pos + n));
      return n;
    }
    return spoolFile!.read(into, 0, Math.min(into.length, Math.max(0, size - pos)), pos);
  };
  return {
    size,
    inMemory,
    source: {
      open() {
        let pos = 0;
        return {
          read(into) {
            const n = readAt(into, pos);
            pos += n;
            return n;
          },
          close() {},
        };
      },
    },
    bytes() {
      if (memory !== null) return memory;
      const all = new Uint8Array(size);
      for (let pos = 0; pos < size; ) {
        const n = readAt(all.subarray(pos, Math.min(size, pos + SPOOL_READ)), pos);
        if (n <= 0) throw new Error(`standard input: temporary file cut at ${pos} of ${size} bytes`);
        pos += n;
      }
      return all;
    },
    close() {
      if (closed) return;
      closed = true;
      spoolFile?.close();
      memory = null;
    },
  };
}

/** Parse every file and render; returns the exit code. Exported for tests. */
export async function runRouter(files: string[], opts: RunRouterOptions, io: CliIo): Promise<number> {
  const results: RouterParseResult[] = [];
  /** Results read in pieces: their diagnostics are known once written (never one of FATAL's). */
  const streamedResults = new Set<RouterParseResult>();
  let exit = 0;
  const { parseRouterText } = await import("../router/parse.js");
  const { parseRouterStream } = await import("../router/stream.js");
  /** Standard input's spools, closed once the report is written (its lists read them again). */
  const spools: SpooledInput[] = [];
  const maxLines = opts.maxRouterLines ?? ROUTER_LINES;
  try {
    for (const file of files) {
      let input: string | Uint8Array;
      const name = file === "-" ? STDIN_NAME : file;
      const format = opts.format ?? "auto";
      let spooled: SpooledInput | null = null;
      try {
        if (file === "-" && opts.stream !== false) {
          // spooled to a temporary file, then read as a regular file is (a dump in pieces); the
          // file's owner (closed when it is collected) is this function, which lives as long as
          // the module: the file is closed below, once the report is written
          spooled = await spoolStdin(opts.stdin ?? stdinOf(io), opts.spill ?? (() => openSpillFile(runRouter)));
          spools.push(spooled);
          if (spooled.inMemory !== undefined) {
            const { formatDiagnostic } = await import("../report/flows-text.js");
            io.stderr(formatDiagnostic({ code: "stdin_in_memory", severity: "warning", file: name, message: `standard input held in memory (${spooled.size} bytes): ${spooled.inMemory}` }) + "\n");
          }
        }
      } catch (err) {
        exit = 2;
        results.push(unreadable(name, err));
        continue;
      }
      const regular = file !== "-" && opts.stream !== false ? regularFileSource(file) : null;
      const src = file === "-" ? spooled?.source ?? null : regular;
      // (`--json` of a dump of ROUTER_WASM_MIN_BYTES or more: its usual lines written by the wasm core, assembly/conntrack-json.ts)
      const size = !src || !opts.json ? 0 : (file === "-" ? spooled?.size : regular?.size) ?? 0;
      const wasm = size >= ROUTER_WASM_MIN_BYTES && process.env.ALG_VERIFY_ROUTER_WASM !== "0" ? await (await import("./files.js")).loadCoreModule() : undefined;
      const streamed = src ? parseRouterStream(src, name, { format, diagnosticLimit: opts.diagnosticLimit, wasm }) : null;
      if (streamed) {
        results.push(streamed);
        streamedResults.add(streamed);
        continue;
      }
      // Parsed whole from here on: at most maxLines lines, counted before the read when the
      // bytes can be read twice (src), as they arrive (standard input without a spool: readAll),
      // else once read (a path that is no regular file, through io.readFile).
      try {
        if (src && sourceLinesOver(src, maxLines)) {
          exit = 2;
          results.push(tooManyLines(name, maxLines));
          spooled?.close();
          continue;
        }
        input = file === "-" ? (spooled ? spooled.bytes() : await readAll(opts.stdin ?? stdinOf(io), maxLines)) : await io.readFile(file, maxLines);
        // (parsed whole: the spool is not read again)
        spooled?.close();
        if (!src && typeof input === "string" && linesOver(input, maxLines)) throw new TooManyLines(maxLines);
      } catch (err) {
        exit = 2;
        results.push(err instanceof TooManyLines ? tooManyLines(name, maxLines) : unreadable(name, err));
        continue;
      }
      const r = parseRouterText(input, name, { format, diagnosticLimit: opts.diagnosticLimit });
      if (r.diagnostics.some((d) => FATAL.has(d.code))) exit = 2;
      results.push(r);
    }
    // The errors that make the exit code go to stderr in every mode (the report lists them too).
    const { formatDiagnostic } = await import("../report/flows-text.js");
    for (const r of results) if (!streamedResults.has(r)) for (const d of r.diagnostics) if (FATAL.has(d.code)) io.stderr(formatDiagnostic(d) + "\n");
    const { buildRouterReport, writeRouterReport } = await import("../router/report.js");
    const report = buildRouterReport(results);
    // On a terminal the diagnostics' severities are coloured (never in --json or a given sink);
    // JSON goes out as the writer's UTF-8 bytes.
    const painter = diagnosticLinePainter(opts.out || opts.json ? PLAIN : colourOf(io), (s) => io.stdout(s));
    const text: RouterSink = (piece) => (typeof piece === "string" ? painter.write(piece) : io.stdout(piece));
    await writeRouterReport(report, opts.out ?? text, { json: opts.json, maxDiagnostics: opts.maxDiagnostics });
    painter.flush();
    return exit;
  } finally {
    for (const s of spools) s.close();
  }
}

/** The result of a file that could not be read. */
function unreadable(name: string, err: unknown): RouterParseResult {
  const d: Diagnostic = {
    code: "unreadable_file", severity: "error", file: name,
    message: `cannot read ${name}: ${err instanceof Error ? err.message : String(err)}`,
  };
  return { file: name, documents: [], flows: [], counters: [], events: [], expectations: [], diagnostics: [d] };
}

/**
 * The result of a file longer than `--max-router-lines`: not parsed (router_line_limit). Output
 * parsed whole is held whole: every record it reads. Measured with `router --json` (peak RSS):
 * 10⁶ lines of Junos conversations (7 lines each) 0.33 GiB in 3.2 s; 10⁶ ASP_SFW syslog lines
 * 1.14 GiB in 13 s; a conntrack entry is ~1.5 KB.
 */
function tooManyLines(name: string, max: number): RouterParseResult {
  const d: Diagnostic = {
    code: "router_line_limit", severity: "error", file: name, line: max + 1,
    message: `line ${max + 1} is past --max-router-lines ${max}: ${name} is not one conntrack dump (read in pieces at any size), so it is parsed whole, holding every record it reads; give the output of the hosts of interest only (e.g. | match <address>, conntrack -L -s <address>), split it into several files, or raise --max-router-lines`,
  };
  return { file: name, documents: [], flows: [], counters: [], events: [], expectations: [], diagnostics: [d] };
}

/**
 * Everything a stream yields, as bytes (standard input with `stream: false`); TooManyLines at the
 * first byte past `maxLines` lines, without reading on.
 */
async function readAll(stream: AsyncIterable<Uint8Array | string>, maxLines: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  let lines = 0;
  const enc = new TextEncoder();
  for await (const c of stream) {
    const b = typeof c === "string" ? enc.encode(c) : c;
    if ((lines = countLines(b, lines, maxLines)) < 0) throw new TooManyLines(maxLines);
    chunks.push(b);
    n += b.length;
  }
  return joinBytes(chunks, n);
}

/** Chunks of `n` bytes in all, one after the other in one array. */
function joinBytes(chunks: readonly Uint8Array[], n: number): Uint8Array {
  const all = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

function count(v: string, fallback: number): number {
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export function registerRouterCommand(program: Command, io: CliIo): Command {
  return program
    .command("router")
    .description("parse router output (Junos conversations/statistics/syslog, SRX sessions, Linux conntrack) into one model")
    .argument("<file...>", "files holding router output, as copied from the terminal or a web page (- for standard input)")
    .option("--json", "print the JSON report (schemaVersion 1)")
    .addOption(new Option("--format <format>", "force the format of every file").choices(["auto", ...ROUTER_FORMATS]).default("auto"))
    .option("--max-diagnostics <n>", "diagnostics shown in the text output", "20")
    .option("--diagnostic-limit <n>", "located diagnostics kept per file; the rest are counted in one diagnostic_limit diagnostic", String(DEFAULT_DIAGNOSTIC_LIMIT))
    .addOption(new Option("--max-router-lines <n>", "lines of a file parsed whole read at most (all but a lone conntrack dump, which is read in pieces at any size); a longer file is a router_line_limit error (exit 2)").argParser(intOption(1, 1_000_000_000)).default(ROUTER_LINES))
    .addHelpText("after", `
Text tables are written as the records are read: each column is as wide as its header and its
longest cell in the first ${WIDTH_WINDOW} rows of that table; a later, longer cell pushes the rest of its row right.
A regular file holding one conntrack -L / -E dump is read in pieces, never whole (memory does not
grow with its size): a first look at its bytes, then one scan that writes everything (with --json,
the flows or events go through an unlinked temporary file in TMPDIR until the entries are written;
ALG_VERIFY_ROUTER_SPILL=0: scanned again instead). Standard input (-) is first copied into an
unlinked temporary file in TMPDIR and read from there as a regular file is; when none can be made
or it runs out of room, it is held in memory and a stdin_in_memory warning goes to stderr (the
report is the same). Anything else — several outputs in one file, Junos or SRX text — is read whole,
at most --max-router-lines lines of it (10⁶ lines: 0.33 GiB of Junos conversations, 1.1 GiB of syslog);
a longer file is not parsed: a router_line_limit error, exit 2, the other files still reported.
`)
    .action(async (files: string[], opts: RouterOpts) => {
      const code = await runRouter(files, {
        json: opts.json, format: opts.format, maxDiagnostics: count(opts.maxDiagnostics, 20),
        diagnosticLimit: count(opts.diagnosticLimit, DEFAULT_DIAGNOSTIC_LIMIT), maxRouterLines: opts.maxRouterLines,
      }, io);
      io.setExitCode(code);
    });
}
