/**
 * Reading a capture file on the second core: a worker thread reads the file ahead into a ring of
 * shared buffers while this thread decodes, so the read() system calls (copying the page cache,
 * about a tenth of an `analyze`) overlap the wasm core's work instead of adding to it. This
 * thread copies each piece from the ring into the wasm window (a memory copy, cheaper than the
 * system call it replaces).
 *
 * The first `headBytes` are read here, synchronously, while the worker starts (a thread takes
 * tens of milliseconds to start); the worker reads from there on, by position, so neither moves
 * the other's file offset. Files shorter than that never start a worker.
 *
 * Ring protocol (Int32Array `ctl` over a SharedArrayBuffer): ctl[slot] is 0 while the slot is
 * the worker's to fill and 1 once it holds `len[slot]` bytes for this thread (0 bytes: end of
 * file; -1: a read error, its text in the error area); ctl[STOP] asks the worker to end. Each
 * side waits on the other's change with Atomics.wait/notify. A worker that has filled nothing for
 * TAKE_OVER_MS (it could not start, or died) is given up: this thread stops it and reads on from
 * the position the ring had reached, so a lost thread costs time, never data or a hang.
 */
import { Worker } from "node:worker_threads";
import { closeSync, readSync } from "node:fs";
import type { PullSource } from "../wasm/core.js";

/** Bytes read here before the worker takes over (also the smallest file that gets a worker). */
export const READ_AHEAD_HEAD = 16 << 20;
/** Bytes per ring slot, and slots in the ring. */
const SLOT_BYTES = 1 << 20;
const SLOTS = 4;
/** ctl layout: SLOTS states, SLOTS lengths, the stop flag, the error text's length. */
const LEN = SLOTS;
const STOP = 2 * SLOTS;
const ERR_LEN = STOP + 1;
const CTL_WORDS = ERR_LEN + 1;
const ERR_BYTES = 512;
const TAKE_OVER_MS = 5000;

/* The worker: fills slot after slot from `position` on until end of file, an error or stop. */
const WORKER = `
const { workerData: w } = require("node:worker_threads");
const { readSync } = require("node:fs");
const ctl = new Int32Array(w.ctl);
let pos = w.position;
for (let slot = 0; ; slot = (slot + 1) % ${SLOTS}) {
  while (Atomics.load(ctl, slot) === 1 && Atomics.load(ctl, ${STOP}) === 0) Atomics.wait(ctl, slot, 1);
  if (Atomics.load(ctl, ${STOP}) !== 0) break;
  const into = new Uint8Array(w.data, slot * ${SLOT_BYTES}, ${SLOT_BYTES});
  let n = 0;
  try {
    while (n < into.length) {
      const k = readSync(w.fd, into, n, into.length - n, pos);
      if (k === 0) break;
      n += k;
      pos += k;
    }
  } catch (e) {
    const text = Buffer.from(String(e && (e.code || e.message)));
    const m = Math.min(text.length, ${ERR_BYTES});
    new Uint8Array(w.err).set(text.subarray(0, m));
    ctl[${ERR_LEN}] = m;
    n = -1;
  }
  ctl[${LEN} + slot] = n;
  Atomics.store(ctl, slot, 1);
  Atomics.notify(ctl, slot);
  if (n <= 0) break;
}
`;

/**
 * A PullSource over an open file descriptor that reads ahead on a worker thread (see above); the
 * descriptor's own offset is not used (every read names its position).
 * `fail(text)` builds the error thrown for a read error. `close()` stops the worker and then
 * closes the descriptor.
 */
export function readAheadSource(
  fd: number, size: number, fail: (text: string) => Error, headBytes = READ_AHEAD_HEAD,
): PullSource & { close(): void } {
  const head = Math.min(headBytes, size);
  let pos = 0;
  let worker: Worker | undefined;
  let ctl: Int32Array | undefined;
  let data: Uint8Array | undefined;
  let err: Uint8Array | undefined;
  let slot = 0;
  let off = 0;
  let done = false;
  /** Set when this thread reads on by itself (see TAKE_OVER_MS). */
  let direct = false;
  const start = () => {
    const ctlBuf = new SharedArrayBuffer(CTL_WORDS * 4);
    const dataBuf = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
    const errBuf = new SharedArrayBuffer(ERR_BYTES);
    ctl = new Int32Array(ctlBuf);
    data = new Uint8Array(dataBuf);
    err = new Uint8Array(errBuf);
    worker = new Worker(WORKER, { eval: true, workerData: { fd, position: head, ctl: ctlBuf, data: dataBuf, err: errBuf } });
    worker.unref();
    // A worker that fails to start or dies is taken over (TAKE_OVER_MS), not fatal.
    worker.on("error", () => undefined);
  };
  if (size > head) start();
  const readHere = (into: Uint8Array, end: number): number => {
    try {
      const n = readSync(fd, into, 0, Math.min(into.length, end - pos), pos);
      pos += n;
      return n;
    } catch (e) {
      throw fail((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    }
  };
  return {
    read(into: Uint8Array): number {
      if (pos < head) return readHere(into, head);
      if (direct) return readHere(into, Infinity);
      if (!worker || done) return 0;
      const c = ctl!;
      while (Atomics.load(c, slot) === 0) {
        if (Atomics.wait(c, slot, 0, TAKE_OVER_MS) === "timed-out" && Atomics.load(c, slot) === 0) {
          Atomics.store(c, STOP, 1);
          direct = true;
          return readHere(into, Infinity);
        }
      }
      const len = c[LEN + slot];
      if (len < 0) throw fail(Buffer.from(err!.subarray(0, c[ERR_LEN])).toString());
      if (len === 0) {
        done = true;
        return 0;
      }
      const n = Math.min(into.length, len - off);
      into.set(data!.subarray(slot * SLOT_BYTES + off, slot * SLOT_BYTES + off + n));
      off += n;
      if (off === len) {
        off = 0;
        pos += len;
        Atomics.store(c, slot, 0);
        Atomics.notify(c, slot);
        slot = (slot + 1) % SLOTS;
      }
      return n;
    },
    close() {
      if (!worker) {
        closeSync(fd);
        return;
      }
      Atomics.store(ctl!, STOP, 1);
      for (let s = 0; s < SLOTS; s++) Atomics.notify(ctl!, s);
      // The descriptor stays open until the worker has ended (it may be inside a read).
      void worker.terminate().finally(() => closeSync(fd));
    },
  };
}
