/**
 * Terminal colour: the one place that decides whether the text output is coloured and with which
 * codes. Platform neutral (the caller passes the environment and whether stdout is a terminal).
 *
 * Colour is used only
 *   - when NO_COLOR is unset or empty (https://no-color.org: any non-empty value turns it off,
 *     and it wins over FORCE_COLOR),
 *   - and FORCE_COLOR is set to anything but "0" or "false" (forced, e.g. through a pipe in CI),
 *     or, with FORCE_COLOR unset, stdout is a terminal.
 * Only the text reports are painted: never --json, --format junos, --html or files written.
 * What is painted: the verdict (PASS green, FAIL red, INCONCLUSIVE yellow) and severities
 * (error red, warning yellow, info cyan).
 */

export type Env = Record<string, string | undefined>;

/** Whether the text output should carry colour (see the module comment for the rules). */
export function colourWanted(stdoutIsTTY: boolean | undefined, env: Env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return Boolean(stdoutIsTTY);
}

const SGR = {
  reset: "\x1b[0m", bold: "\x1b[1m", red: "\x1b[31m", green: "\x1b[32m", yellow: "\x1b[33m", cyan: "\x1b[36m",
} as const;

/** Matches every escape sequence this module writes (tests and width computations strip them). */
export const SGR_PATTERN = /\x1b\[[0-9;]*m/g;

export const stripColour = (s: string): string => s.replace(SGR_PATTERN, "");

export interface Palette {
  readonly on: boolean;
  /** `text` (default: the verdict upper-cased) in the verdict's colour, bold. */
  verdict(verdict: string, text?: string): string;
  /** `text` (default: the severity) in the severity's colour. */
  severity(severity: string, text?: string): string;
}

const VERDICT: Record<string, string> = { pass: SGR.green, fail: SGR.red, inconclusive: SGR.yellow, error: SGR.red };
const SEVERITY: Record<string, string> = { error: SGR.red, warning: SGR.yellow, info: SGR.cyan };

/** No colour: text unchanged (reports to files, pipes, --json). */
export const PLAIN: Palette = {
  on: false,
  verdict: (v, text = v.toUpperCase()) => text,
  severity: (s, text = s) => text,
};

const COLOUR: Palette = {
  on: true,
  verdict: (v, text = v.toUpperCase()) => (VERDICT[v.toLowerCase()] ? `${SGR.bold}${VERDICT[v.toLowerCase()]}${text}${SGR.reset}` : text),
  severity: (s, text = s) => (SEVERITY[s] ? `${SEVERITY[s]}${text}${SGR.reset}` : text),
};

export const palette = (on: boolean): Palette => (on ? COLOUR : PLAIN);

/** The palette of a CLI run: `colourWanted` applied. */
export const paletteFor = (stdoutIsTTY: boolean | undefined, env: Env): Palette => palette(colourWanted(stdoutIsTTY, env));

/**
 * Paints the severity of esbuild-style diagnostic lines (`file:line:col: error: message [code]`,
 * the `router` text report) in a stream of text pieces; other lines pass unchanged. Pieces may end
 * anywhere: a partial last line waits for its end (`flush` writes it).
 */
export function diagnosticLinePainter(p: Palette, write: (s: string) => void): { write(s: string): void; flush(): void } {
  if (!p.on) return { write, flush: () => {} };
  let carry = "";
  const paint = (text: string) => text.replace(/^(\S[^\n]*?: )(error|warning|info)(: [^\n]*\[[^\]\n]+\])$/gm, (_m, a: string, s: string, b: string) => a + p.severity(s) + b);
  return {
    write: (s: string) => {
      const all = carry + s;
      const end = all.lastIndexOf("\n") + 1;
      carry = all.slice(end);
      if (end) write(paint(all.slice(0, end)));
    },
    flush: () => {
      if (carry) write(paint(carry));
      carry = "";
    },
  };
}
