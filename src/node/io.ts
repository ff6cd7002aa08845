/**
 * The CLI's window on the world, injected so the CLI can be driven in-process by tests:
 * `main(argv, io)` never touches process.stdout/exit directly. Also the one place that says
 * what `-` means: standard input, for every file argument of every command.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { ByteSource } from "../wasm/core.js";
import type { RouterFileSource } from "../router/stream.js";
import { paletteFor, type Palette } from "../report/colour.js";

export interface CliIo {
  /** Report output; large reports arrive as ASCII byte chunks. */
  stdout(s: string | Uint8Array): void;
  stderr(s: string): void;
  /**
   * Reads a text file (UTF-8). Inside main() it also reads standard input for "-" (readTextArg),
   * at most `maxLines` lines of it (TooManyLines).
   */
  readFile(path: string, maxLines?: number): Promise<string>;
  setExitCode(code: number): void;
  /** True when stderr is a terminal (progress is shown only then). */
  isTTY?: boolean;
  /** Width of the stderr terminal (progress lines are cut to it). */
  stderrColumns?: number;
  /** True when stdout is a terminal (the text reports are coloured only then, ../report/colour.ts). */
  stdoutIsTTY?: boolean;
  /** Width of the stdout terminal (the verify flow table wraps to it). */
  stdoutColumns?: number;
  /** Environment (NO_COLOR, FORCE_COLOR); default process.env. */
  env?: Record<string, string | undefined>;
  /** Standard input, read for a file argument `-` (default: process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
}

/** The palette of the text reports on stdout (NO_COLOR / FORCE_COLOR / a terminal). */
export const colourOf = (io: CliIo): Palette => paletteFor(io.stdoutIsTTY, io.env ?? process.env);

/** The file argument that means standard input. */
export const STDIN = "-";
/** How standard input is named in reports and messages. */
export const STDIN_NAME = "<stdin>";

/** Standard input of the CLI: io.stdin, else the process's. */
export const stdinOf = (io: CliIo): AsyncIterable<Uint8Array> & ByteSource => io.stdin ?? process.stdin;

/** A text longer than the lines its reader takes (`readAllText`'s maxLines): not read on. */
export class TooManyLines extends Error {
  constructor(readonly maxLines: number) {
    super(`more than ${maxLines} lines`);
    this.name = "TooManyLines";
  }
}

/**
 * Newlines counted on through `bytes`, `seen` of them before: the new count, or -1 when a byte
 * follows the `max`-th newline (the text holds more than `max` lines; a final newline opens none).
 */
export function countLines(bytes: Uint8Array, seen: number, max: number): number {
  if (seen >= max) return bytes.length ? -1 : seen;
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) {
    if (++seen === max) return at + 1 < bytes.length ? -1 : seen;
  }
  return seen;
}

/**
 * A regular file read with positioned reads, from its start at each open(), with its size when
 * looked at; null for anything else (stdin, a pipe, a missing file).
 */
export function regularFileSource(path: string): (RouterFileSource & { size: number }) | null {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return null;
    size = st.size;
  } catch {
    return null;
  }
  return {
    size,
    open() {
      const fd = openSync(path, "r");
      let pos = 0;
      let open = true;
      return {
        read(into) {
          if (!open) return 0;
          const n = readSync(fd, into, 0, into.length, pos);
          pos += n;
          return n;
        },
        close() {
          if (open) closeSync(fd);
          open = false;
        },
      };
    },
  };
}

/**
 * Whether `source` holds more than `max` lines (countLines), read 1 MiB at a time and no further
 * than the byte past that line: what the router-line limits look at before a file is read whole.
 * Throws what its reads throw.
 */
export function sourceLinesOver(source: RouterFileSource, max: number): boolean {
  const r = source.open();
  try {
    const buf = new Uint8Array(1 << 20);
    for (let lines = 0, n: number; (n = r.read(buf)) > 0;) {
      if ((lines = countLines(buf.subarray(0, n), lines, max)) < 0) return true;
    }
    return false;
  } finally {
    r.close();
  }
}

/**
 * Reads all of an async byte stream as UTF-8 text (chunks decoded as they arrive). With
 * `maxLines`, throws TooManyLines at the first byte past that many lines, without reading on
 * (memory stays the limit's).
 */
export async function readAllText(source: AsyncIterable<Uint8Array>, maxLines = Infinity): Promise<string> {
  const dec = new TextDecoder();
  const parts: string[] = [];
  let lines = 0;
  for await (const chunk of source) {
    if (maxLines !== Infinity && (lines = countLines(chunk, lines, maxLines)) < 0) throw new TooManyLines(maxLines);
    parts.push(dec.decode(chunk, { stream: true }));
  }
  parts.push(dec.decode());
  return parts.join("");
}

/**
 * Reads a text file argument (UTF-8): standard input for `-` (at most `maxLines` lines, else
 * TooManyLines), else through io.readFile.
 */
export function readTextArg(io: CliIo, path: string, maxLines?: number): Promise<string> {
  return path === STDIN ? readAllText(stdinOf(io), maxLines) : io.readFile(path);
}

/**
 * Standard input can be read once: the message to print when more than one of the named
 * arguments is `-` (e.g. [["--inside", "-"], ["--router", "-"]]), else undefined.
 */
export function stdinConflict(args: [name: string, value: string | undefined][]): string | undefined {
  const dashed = args.filter(([, v]) => v === STDIN).map(([n]) => n);
  if (dashed.length < 2) return undefined;
  return `only one file argument may be - (standard input), got - for ${dashed.join(" and ")}: save all but one to files`;
}
