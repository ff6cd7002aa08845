/**
 * A temporary file for records written once and read back in pieces: the ended-flow store's chunks
 * (flow-table.ts EndedFlows) and the router's flows/events written beside a conntrack dump's
 * entries (router/conntrack/entries.ts). Platform-neutral: it reaches Node's `fs` through
 * `process.getBuiltinModule` (Node ≥ 20.16), never by an import, so the page's bundle carries no
 * Node module; where there is none (a browser) `openSpillFile` says why and the store stays in
 * memory.
 *
 * The file is unlinked as soon as it is open (its directory too): nothing is left behind whatever
 * way the process ends, and its pages live in the page cache, not in the process's memory. The
 * descriptor is closed by `close()`, or when the store that holds it is garbage-collected.
 */

/** Positional writes and reads of one temporary file. */
export interface SpillFile {
  /** Writes `bytes` at byte `position` of the file. */
  write(bytes: Uint8Array, position: number): void;
  /** Reads `length` bytes at `position` into `into` from byte `offset`; the bytes read. */
  read(into: Uint8Array, offset: number, length: number, position: number): number;
  close(): void;
}

/** The few `fs`, `os` and `path` functions used here. */
interface NodeFs {
  mkdtempSync(prefix: string): string;
  openSync(path: string, flags: string, mode?: number): number;
  unlinkSync(path: string): void;
  rmdirSync(path: string): void;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
}

type GetBuiltin = (id: string) => unknown;

/** Closes the descriptors of spill files whose store was collected without `close()`. */
let registry: FinalizationRegistry<() => void> | undefined;

/**
 * Opens a new unlinked temporary file under `dir` (default: the system's temporary directory,
 * `TMPDIR` on Linux); a string saying why not when it cannot (no room, no right, no such
 * directory); undefined where there is no file system at all (a browser).
 * `owner`: when it is garbage-collected, the file is closed.
 */
export function openSpillFile(owner: object, dir?: string): SpillFile | string | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== "function") return undefined;
  try {
    const fs = get.call(proc, "node:fs") as NodeFs;
    const os = get.call(proc, "node:os") as { tmpdir(): string };
    const path = get.call(proc, "node:path") as { join(...p: string[]): string };
    const d = fs.mkdtempSync(path.join(dir ?? os.tmpdir(), "alg-verify-"));
    const name = path.join(d, "spill");
    let fd: number;
    try {
      fd = fs.openSync(name, "w+", 0o600);
    } finally {
      try {
        fs.unlinkSync(name);
      } catch { /* not made */ }
      fs.rmdirSync(d);
    }
    let open = true;
    const close = (): void => {
      if (open) fs.closeSync(fd);
      open = false;
    };
    registry ??= new FinalizationRegistry((f) => f());
    registry.register(owner, close);
    return {
      write(bytes, position) {
        for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
      },
      read(into, offset, length, position) {
        let done = 0;
        for (let n; done < length && (n = fs.readSync(fd, into, offset + done, length - done, position + done)) > 0; ) done += n;
        return done;
      },
      close,
    };
  } catch (e) {
    return (e as Error).message ?? String(e);
  }
}
