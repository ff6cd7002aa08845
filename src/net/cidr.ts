/** Address prefixes ("192.0.2.0/24", "2001:db8::/32") and membership tests. */

export interface Cidr {
  bytes: Uint8Array;
  bits: number;
  text: string;
}

/** Parses "192.0.2.0/24" or "2001:db8::/32"; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len] = text.trim().split("/");
  const bytes = addrBytes(addr);
  const bits = len === undefined ? (bytes?.length ?? 0) * 8 : Number(len);
  if (!bytes || !Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) return undefined;
  return { bytes, bits, text };
}

function addrBytes(a: string): Uint8Array | undefined {
  if (a.includes(":")) {
    const [head, tail] = a.split("::");
    const parse = (s: string) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
    const h = parse(head);
    const t = tail === undefined ? [] : parse(tail);
    if ([...h, ...t].some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
    const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
    if (groups.length !== 8) return undefined;
    const b = new Uint8Array(16);
    groups.forEach((g, i) => {
      b[2 * i] = g >> 8;
      b[2 * i + 1] = g & 0xff;
    });
    return b;
  }
  const p = a.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return Uint8Array.from(p);
}

export function inCidr(ip: string | undefined, nets: Cidr[] | undefined): boolean {
  if (!ip || !nets?.length) return false;
  const b = addrBytes(ip);
  if (!b) return false;
  return nets.some((n) => {
    if (n.bytes.length !== b.length) return false;
    for (let i = 0; i < n.bits; i++) {
      const m = 0x80 >> (i & 7);
      if ((n.bytes[i >> 3] & m) !== (b[i >> 3] & m)) return false;
    }
    return true;
  });
}
