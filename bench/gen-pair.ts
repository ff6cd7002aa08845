/**
 * The outside view of a generated benchmark capture, for `verify` benchmarks: every IPv4 address
 * 10.a.b.c (the generator's client side) becomes 100.a.b.c in both directions — a source NAT that
 * keeps ports, one address per client — and every timestamp moves 40 µs later (the router's
 * forwarding delay). IPv6 is routed unchanged. Streams the file through a fixed buffer.
 *
 *   node dist/bench/gen-pair.js inside.pcap outside.pcap
 */
import { closeSync, openSync, readSync, realpathSync, writeSync } from "node:fs";
import { pathToFileURL } from "node:url";

export function makeOutside(inside: string, outside: string): { packets: number; translated: number } {
  const fin = openSync(inside, "r");
  const fout = openSync(outside, "w");
  const buf = Buffer.alloc(8 << 20);
  let carry = 0;
  let first = true;
  let packets = 0;
  let translated = 0;
  for (;;) {
    const n = readSync(fin, buf, carry, buf.length - carry, null);
    const len = carry + n;
    let o = 0;
    if (first) {
      if (buf.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error("expected a little-endian µs pcap");
      o = 24;
      first = false;
    }
    while (len - o >= 16) {
      const cap = buf.readUInt32LE(o + 8);
      if (len - o - 16 < cap) break;
      // Timestamp + 40 µs.
      let usec = buf.readUInt32LE(o + 4) + 40;
      if (usec >= 1_000_000) {
        usec -= 1_000_000;
        buf.writeUInt32LE(buf.readUInt32LE(o) + 1, o);
      }
      buf.writeUInt32LE(usec, o + 4);
      const p = o + 16;
      let l3 = p + 14;
      let et = buf.readUInt16BE(p + 12);
      if (et === 0x8100) {
        et = buf.readUInt16BE(p + 16);
        l3 += 4;
      }
      if (et === 0x0800 && cap >= l3 - p + 20) {
        if (buf[l3 + 12] === 10) {
          buf[l3 + 12] = 100;
          translated++;
        }
        if (buf[l3 + 16] === 10) buf[l3 + 16] = 100;
      }
      packets++;
      o += 16 + cap;
    }
    writeSync(fout, buf, 0, o);
    buf.copy(buf, 0, o, len);
    carry = len - o;
    if (n === 0) break;
  }
  if (carry) writeSync(fout, buf, 0, carry);
  closeSync(fin);
  closeSync(fout);
  return { packets, translated };
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  const [inside, outside] = process.argv.slice(2);
  if (!inside || !outside) {
    process.stderr.write("usage: gen-pair <inside.pcap> <outside.pcap>\n");
    process.exitCode = 2;
  } else process.stdout.write(JSON.stringify(makeOutside(inside, outside)) + "\n");
}
