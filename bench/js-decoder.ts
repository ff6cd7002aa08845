/**
 * js-decoder — the plain-JavaScript baseline for the wasm core's hot loop (fair, not a straw man).
 *
 * Same work as assembly/: classic pcap framing over a stream of chunks with tail carry (both byte
 * orders, µs and ns magic), link layer (Ethernet II + 802.1Q/802.1ad stacks; also raw IP 101/228/229,
 * Linux SLL 113 and SLL2 276), IPv4 (IHL, fragments) / IPv6 (hop-by-hop, routing, fragment,
 * destination options skipped), TCP/UDP ports and TCP flags, a symmetric flow key hash, and an
 * open-addressing flow table in preallocated typed arrays (per-direction packets and IP bytes,
 * first/last packet number, OR of TCP flags).
 *
 * No per-packet allocation: records are read through one DataView per chunk; a record split
 * across chunks is completed in a preallocated carry buffer. Non-first IP fragments (no ports) are
 * counted in `nonFirstFragments` and not looked up (the wasm core's fragment table is not mirrored).
 *
 * Flow key: (vlan outer/inner, IP version, protocol, endpoint A, endpoint B) in canonical order
 * (A ≤ B comparing address words then port). Hash = mix(h(A) + h(B)) ^ mix(meta): `+` is
 * commutative, so both directions of a flow hash equally (gopacket FastHash idea), while hashing
 * each endpoint separately before adding keeps (a,b) and (b,a) equal without colliding x↔y swaps
 * inside one endpoint. Linear probing; a full table counts `tableFull` and drops the packet.
 */

const WORDS = 11; // key words per slot: vlan, A[4], B[4], ports(A<<16|B), state (0 = empty | ver<<2 | proto<<8 | initiator 1/2)
const META = 0, A0 = 1, B0 = 5, PORTS = 9, STATE = 10;

export interface JsDecoderStats {
  packets: number;
  bytes: number;
  flows: number;
  nonIp: number;
  nonFirstFragments: number;
  truncated: number;
  malformed: number;
  tableFull: number;
}

export class JsFlowDecoder {
  private readonly cap: number;
  private readonly mask: number;
  readonly keys: Uint32Array;
  readonly pkts: Uint32Array; // [slot*2 + dir]
  readonly ipBytes: Float64Array; // [slot*2 + dir]
  readonly firstPkt: Uint32Array;
  readonly lastPkt: Uint32Array;
  readonly tcpFlags: Uint8Array;

  // Framing state.
  private haveHeader = false;
  private le = true;
  private linkType = 1;
  private carry = new Uint8Array(1 << 18);
  private carryLen = 0;
  private carryDv = new DataView(this.carry.buffer);

  // Scratch for the current packet (no allocation per packet).
  private readonly ka = new Uint32Array(4);
  private readonly kb = new Uint32Array(4);

  stats: JsDecoderStats = { packets: 0, bytes: 0, flows: 0, nonIp: 0, nonFirstFragments: 0, truncated: 0, malformed: 0, tableFull: 0 };

  constructor(flowCapLog2 = 19) {
    this.cap = 1 << flowCapLog2;
    this.mask = this.cap - 1;
    this.keys = new Uint32Array(this.cap * WORDS);
    this.pkts = new Uint32Array(this.cap * 2);
    this.ipBytes = new Float64Array(this.cap * 2);
    this.firstPkt = new Uint32Array(this.cap);
    this.lastPkt = new Uint32Array(this.cap);
    this.tcpFlags = new Uint8Array(this.cap);
  }

  /** Feed the next chunk of the file (any size, any split point). */
  feed(chunk: Uint8Array): void {
    let pos = 0;
    const n = chunk.length;
    // Complete a carried partial record first.
    if (this.carryLen > 0) {
      const need = this.pendingNeed();
      const take = Math.min(need - this.carryLen, n);
      this.ensureCarry(this.carryLen + take);
      this.carry.set(chunk.subarray(0, take), this.carryLen);
      this.carryLen += take;
      pos = take;
      if (this.carryLen < need) return;
      // Header just completed? need may grow once the caplen is known.
      const need2 = this.pendingNeed();
      if (need2 > this.carryLen) {
        const take2 = Math.min(need2 - this.carryLen, n - pos);
        this.ensureCarry(this.carryLen + take2);
        this.carry.set(chunk.subarray(pos, pos + take2), this.carryLen);
        this.carryLen += take2;
        pos += take2;
        if (this.carryLen < need2) return;
      }
      this.consume(this.carry, this.carryDv, 0, this.carryLen);
      this.carryLen = 0;
    }
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const used = this.consume(chunk, dv, pos, n);
    if (used < n) {
      this.ensureCarry(n - used);
      this.carry.set(chunk.subarray(used, n), 0);
      this.carryLen = n - used;
    }
  }

  /** End of input: returns totals. A partial record left over counts as truncated. */
  finish(): { packets: number; flows: number } {
    if (this.carryLen > 0) {
      this.stats.truncated++;
      this.carryLen = 0;
    }
    return { packets: this.stats.packets, flows: this.stats.flows };
  }

  /** Bytes needed to complete what is in the carry buffer (global header or one record). */
  private pendingNeed(): number {
    if (!this.haveHeader) return 24;
    if (this.carryLen < 16) return 16;
    return 16 + this.carryDv.getUint32(8, this.le);
  }

  private ensureCarry(size: number): void {
    if (size <= this.carry.length) return;
    let c = this.carry.length;
    while (c < size) c *= 2;
    const nb = new Uint8Array(c);
    nb.set(this.carry.subarray(0, this.carryLen));
    this.carry = nb;
    this.carryDv = new DataView(nb.buffer);
  }

  /** Parse complete units in [pos, end); returns the offset of the first incomplete one. */
  private consume(b: Uint8Array, dv: DataView, pos: number, end: number): number {
    if (!this.haveHeader) {
      if (end - pos < 24) return pos;
      const magic = dv.getUint32(pos, true);
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.le = true;
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) this.le = false;
      else throw new Error("JsFlowDecoder: not a classic pcap file");
      this.linkType = dv.getUint32(pos + 20, this.le) & 0xffff;
      this.haveHeader = true;
      pos += 24;
    }
    const le = this.le;
    while (end - pos >= 16) {
      const caplen = dv.getUint32(pos + 8, le);
      const rec = 16 + caplen;
      if (end - pos < rec) break;
      const origLen = dv.getUint32(pos + 12, le);
      const st = this.stats;
      st.packets++;
      st.bytes += caplen;
      if (caplen < origLen) st.truncated++;
      this.packet(b, dv, pos + 16, caplen);
      pos += rec;
    }
    return pos;
  }

  private packet(b: Uint8Array, dv: DataView, off: number, len: number): void {
    const end = off + len;
    let p = off;
    let et = 0;
    let vlan = 0; // outer 12 bits << 12 | inner 12 bits (+ 1<<24 when tagged)
    switch (this.linkType) {
      case 1: {
        if (len < 14) { this.stats.malformed++; return; }
        et = dv.getUint16(p + 12);
        p += 14;
        let depth = 0;
        while ((et === 0x8100 || et === 0x88a8 || et === 0x9100) && p + 4 <= end) {
          const vid = dv.getUint16(p) & 0x0fff;
          if (depth === 0) vlan = (1 << 24) | (vid << 12);
          else if (depth === 1) vlan |= vid;
          depth++;
          et = dv.getUint16(p + 2);
          p += 4;
        }
        break;
      }
      case 101: case 228: case 229: case 12:
        et = len > 0 && (b[p]! >> 4) === 6 ? 0x86dd : 0x0800;
        break;
      case 113:
        if (len < 16) { this.stats.malformed++; return; }
        et = dv.getUint16(p + 14);
        p += 16;
        break;
      case 276:
        if (len < 20) { this.stats.malformed++; return; }
        et = dv.getUint16(p);
        p += 20;
        break;
      default:
        this.stats.nonIp++;
        return;
    }
    const ka = this.ka, kb = this.kb;
    let proto: number, ipLen: number, l4: number, ver: number;
    if (et === 0x0800) {
      if (end - p < 20) { this.stats.malformed++; return; }
      const ihl = (b[p]! & 0x0f) << 2;
      ipLen = dv.getUint16(p + 2);
      if (ihl < 20 || end - p < ihl) { this.stats.malformed++; return; }
      if ((dv.getUint16(p + 6) & 0x1fff) !== 0) { this.stats.nonFirstFragments++; return; }
      proto = b[p + 9]!;
      ka[0] = dv.getUint32(p + 12); ka[1] = 0; ka[2] = 0; ka[3] = 0;
      kb[0] = dv.getUint32(p + 16); kb[1] = 0; kb[2] = 0; kb[3] = 0;
      l4 = p + ihl;
      ver = 4;
    } else if (et === 0x86dd) {
      if (end - p < 40) { this.stats.malformed++; return; }
      ipLen = 40 + dv.getUint16(p + 4);
      for (let i = 0; i < 4; i++) {
        ka[i] = dv.getUint32(p + 8 + 4 * i);
        kb[i] = dv.getUint32(p + 24 + 4 * i);
      }
      proto = b[p + 6]!;
      l4 = p + 40;
      // Skip extension headers (RFC 8200 §4): 0, 43, 60 have a length byte; 44 is 8 bytes.
      for (;;) {
        if (proto === 0 || proto === 43 || proto === 60) {
          if (end - l4 < 2) { this.stats.malformed++; return; }
          proto = b[l4]!;
          l4 += 8 + (b[l4 + 1]! << 3);
        } else if (proto === 44) {
          if (end - l4 < 8) { this.stats.malformed++; return; }
          if ((dv.getUint16(l4 + 2) & 0xfff8) !== 0) { this.stats.nonFirstFragments++; return; }
          proto = b[l4]!;
          l4 += 8;
        } else break;
      }
      ver = 6;
    } else {
      this.stats.nonIp++;
      return;
    }
    let sp = 0, dp = 0, flags = 0;
    if (proto === 6 || proto === 17 || proto === 132) {
      if (end - l4 < 4) { this.stats.malformed++; return; }
      sp = dv.getUint16(l4);
      dp = dv.getUint16(l4 + 2);
      if (proto === 6 && end - l4 >= 14) flags = b[l4 + 13]!;
    }
    this.upsert(vlan, ver, proto, sp, dp, ipLen, flags);
  }

  private upsert(vlan: number, ver: number, proto: number, sp: number, dp: number, ipLen: number, flags: number): void {
    const ka = this.ka, kb = this.kb;
    // Canonical order: compare (address words, port).
    let swap = false;
    for (let i = 0; i < 4; i++) {
      if (ka[i] !== kb[i]) { swap = ka[i]! > kb[i]!; break; }
      if (i === 3) swap = sp > dp;
    }
    let a0, a1, a2, a3, b0, b1, b2, b3, pa, pb;
    if (swap) {
      a0 = kb[0]!; a1 = kb[1]!; a2 = kb[2]!; a3 = kb[3]!; pa = dp;
      b0 = ka[0]!; b1 = ka[1]!; b2 = ka[2]!; b3 = ka[3]!; pb = sp;
    } else {
      a0 = ka[0]!; a1 = ka[1]!; a2 = ka[2]!; a3 = ka[3]!; pa = sp;
      b0 = kb[0]!; b1 = kb[1]!; b2 = kb[2]!; b3 = kb[3]!; pb = dp;
    }
    const meta = vlan >>> 0; // tagged bit 24, outer vid bits 12-23, inner vid bits 0-11
    const kind = (ver << 2) | (proto << 8); // STATE word without the initiator bits 0-1
    const h = (mix(endpointHash(ka[0]!, ka[1]!, ka[2]!, ka[3]!, sp) + endpointHash(kb[0]!, kb[1]!, kb[2]!, kb[3]!, dp)) ^
      mix(meta ^ Math.imul(kind, 0x9e3779b1))) >>> 0;
    const keys = this.keys;
    const ports = ((pa << 16) | pb) >>> 0;
    let slot = h & this.mask;
    const pktNo = this.stats.packets;
    for (let probe = 0; probe < this.cap; probe++) {
      const k = slot * WORDS;
      const state = keys[k + STATE]!;
      if (state === 0) {
        // New flow: the packet's source is the initiator.
        keys[k + META] = meta;
        keys[k + A0] = a0; keys[k + A0 + 1] = a1; keys[k + A0 + 2] = a2; keys[k + A0 + 3] = a3;
        keys[k + B0] = b0; keys[k + B0 + 1] = b1; keys[k + B0 + 2] = b2; keys[k + B0 + 3] = b3;
        keys[k + PORTS] = ports;
        keys[k + STATE] = kind | (swap ? 2 : 1); // 1: A initiated, 2: B initiated
        this.firstPkt[slot] = pktNo;
        this.stats.flows++;
        this.account(slot, 0, ipLen, pktNo, flags);
        return;
      }
      if (keys[k + META] === meta && keys[k + PORTS] === ports && (state & ~3) === kind &&
          keys[k + A0] === a0 && keys[k + B0] === b0 &&
          keys[k + A0 + 1] === a1 && keys[k + A0 + 2] === a2 && keys[k + A0 + 3] === a3 &&
          keys[k + B0 + 1] === b1 && keys[k + B0 + 2] === b2 && keys[k + B0 + 3] === b3) {
        // dir 0 = initiator → responder.
        const fromA = !swap;
        const dir = ((state & 3) === 1) === fromA ? 0 : 1;
        this.account(slot, dir, ipLen, pktNo, flags);
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    this.stats.tableFull++;
  }

  private account(slot: number, dir: number, ipLen: number, pktNo: number, flags: number): void {
    this.pkts[slot * 2 + dir]!++;
    this.ipBytes[slot * 2 + dir]! += ipLen;
    this.lastPkt[slot] = pktNo;
    this.tcpFlags[slot]! |= flags;
  }

  /** Visit every flow (debugging / tests): packets and bytes per direction (0 = initiator→responder). */
  forEachFlow(fn: (slot: number, pkts0: number, pkts1: number, bytes0: number, bytes1: number, first: number, last: number) => void): void {
    for (let s = 0; s < this.cap; s++) {
      if (this.keys[s * WORDS + STATE] === 0) continue;
      fn(s, this.pkts[s * 2]!, this.pkts[s * 2 + 1]!, this.ipBytes[s * 2]!, this.ipBytes[s * 2 + 1]!, this.firstPkt[s]!, this.lastPkt[s]!);
    }
  }
}

/** murmur3 fmix32. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = Math.imul(w0 ^ 0x27d4eb2f, 0x9e3779b1);
  h = Math.imul(h ^ w1, 0x85ebca77) ^ (h >>> 15);
  h = Math.imul(h ^ w2, 0xc2b2ae3d) ^ (h >>> 13);
  h = Math.imul(h ^ w3, 0x27d4eb2f) ^ (h >>> 16);
  return mix(h ^ Math.imul(port + 1, 0x165667b1));
}
