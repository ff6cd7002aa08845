/** Address text: IPv4 dotted quad and IPv6 in RFC 5952 canonical form. */

/** Formats 4 bytes at `off` as a dotted quad. */
export function ipv4ToString(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/**
 * Formats 16 bytes at `off` per RFC 5952: lower-case hex, no leading zeros, the longest run of
 * two or more zero groups (the first on a tie) replaced by "::", and IPv4-mapped addresses
 * (::ffff:0:0/96) with a dotted-quad tail (§5).
 */
export function ipv6ToString(b: Uint8Array, off: number): string {
  const g: number[] = new Array(8);
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i] << 8) | b[off + 2 * i + 1];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4ToString(b, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(":");
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(":");
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(":");
  return `${head}::${tail}`;
}

export function ipToString(b: Uint8Array, off: number, version: 4 | 6): string {
  return version === 4 ? ipv4ToString(b, off) : ipv6ToString(b, off);
}

/**
 * An address as people write it with a port: IPv6 in brackets, then ":port" when there is one
 * (`hostPort(ip)`: the bracketed host alone, for callers that append their own port part).
 */
export function hostPort(ip: string, port?: number | null): string {
  const host = ip.includes(":") ? `[${ip}]` : ip;
  return port === undefined || port === null ? host : `${host}:${port}`;
}
