/**
 * Shared pieces of the conntrack readers: a whitespace tokenizer that reuses its arrays (these
 * files can hold millions of lines) and the `conntrack v1.4.7 (conntrack-tools): N ... shown.`
 * summary line.
 *
 *   tokenize("tcp  6 src=1.2.3.4", 0, t)  →  t.n = 3, t.text = ["tcp","6","src=1.2.3.4"], t.col = [0,5,7]
 */

export interface Tokens {
  n: number;
  text: string[];
  col: number[];
}

export function newTokens(): Tokens {
  return { n: 0, text: [], col: [] };
}

/** Split `s` from column `from` at spaces and tabs into `t` (overwriting it). */
export function tokenize(s: string, from: number, t: Tokens): void {
  let n = 0;
  const len = s.length;
  let k = from;
  while (k < len) {
    let c = s.charCodeAt(k);
    while (c === 32 || c === 9) {
      if (++k >= len) break;
      c = s.charCodeAt(k);
    }
    if (k >= len) break;
    const st = k;
    while (k < len && (c = s.charCodeAt(k)) !== 32 && c !== 9) k++;
    t.text[n] = s.slice(st, k);
    t.col[n] = st;
    n++;
  }
  t.n = n;
}

/** `conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.` (`-E`: `6 flow events`, `4 expectation events`) */
export const SHOWN = /^[ \t]*conntrack v[\w.]+ \([^)]*\):[ \t]*(\d+) (?:flow entries|expectations|entries|(?:flow |expectation )?events) ha(?:ve|s) been shown\.?[ \t]*$/;

export const isDigits = (s: string): boolean => /^\d+$/.test(s);
