/**
 * Progress on stderr while captures are read: only when stderr is a terminal (nothing in CI logs
 * or pipes), redrawn in place at most PROGRESS_INTERVAL_MS apart, cleared when done.
 *
 *   flows/analyze   inside.pcap: 42.0% 420 MB, 350 MB/s, 2 s left
 *   verify          inside.pcap 42% 2 s left · outside.pcap 40% 3 s left   (both read at once)
 *
 * Percent and time left need the file's size (not known for standard input: bytes and rate only).
 * The time left is the bytes still to read at the mean rate so far.
 */
import type { CliIo } from "./io.js";

/** At most ~10 redraws a second. */
export const PROGRESS_INTERVAL_MS = 100;

/** A capture's size for the percentage (undefined for standard input or when it cannot be read). */
export async function sizeOf(file: string): Promise<number | undefined> {
  if (file === "-") return undefined;
  return (await import("node:fs/promises")).stat(file).then((s) => (s.isFile() ? s.size : undefined), () => undefined);
}

/** "2 s", "3 min 05 s", "1 h 02 min". */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

interface Meter {
  name: string;
  total?: number;
  bytes: number;
  started: number;
}

/** "42%, 2 s left" of one capture (time left once a rate is known). */
function meterText(m: Meter, now: number, long: boolean): string {
  const secs = Math.max((now - m.started) / 1000, 0.001);
  const rate = m.bytes / secs;
  const pct = m.total ? `${((100 * Math.min(m.bytes, m.total)) / m.total).toFixed(long ? 1 : 0)}%` : "";
  const left = m.total && rate > 0 && m.bytes < m.total ? `${durationText((m.total - m.bytes) / rate)} left` : "";
  if (!long) return [m.name, pct, left].filter(Boolean).join(" ") || m.name;
  return `${m.name}: ${[pct, `${(m.bytes / 1e6).toFixed(0)} MB`, `${(rate / 1e6).toFixed(0)} MB/s`, left].filter(Boolean).join(", ")}`;
}

export interface Progress {
  /** Bytes read so far of capture `index` (0 for a single capture). */
  tick(index: number, bytes: number): void;
  /** A line shown once every capture is read (e.g. while the captures are compared). */
  stage(text: string): void;
  /** Clears the line. */
  done(): void;
  /** Awaits `work`, then clears the line, whether it succeeded or threw (an error message follows). */
  until<T>(work: Promise<T>): Promise<T>;
}

async function until<T>(this: Progress, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    this.done();
  }
}

const NONE: Progress = { tick: () => {}, stage: () => {}, done: () => {}, until };

/**
 * Progress of reading `files` (their display names and sizes). Nothing at all unless io.isTTY
 * (stderr is a terminal). `now` is injectable for tests.
 */
export function progress(io: CliIo, files: { name: string; total?: number }[], now: () => number = Date.now): Progress {
  if (!io.isTTY || !files.length) return NONE;
  const started = now();
  const meters: Meter[] = files.map((f) => ({ name: f.name, total: f.total, bytes: 0, started }));
  let last = -Infinity;
  let shown = false;
  const width = Math.max(20, (io.stderrColumns || 80) - 1);
  const draw = (text: string) => {
    // One terminal line (a wrapped line could not be redrawn in place).
    io.stderr(`\r${text.length > width ? text.slice(0, width - 1) + "…" : text}\x1b[K`);
    shown = true;
  };
  return {
    tick(index, bytes) {
      const m = meters[index];
      if (!m) return;
      m.bytes = bytes;
      const t = now();
      if (t - last < PROGRESS_INTERVAL_MS) return;
      last = t;
      draw(meters.length === 1 ? meterText(m, t, true) : meters.map((x) => meterText(x, t, false)).join(" · "));
    },
    stage(text) {
      draw(text);
    },
    done() {
      if (shown) io.stderr("\r\x1b[K");
      shown = false;
    },
    until,
  };
}
