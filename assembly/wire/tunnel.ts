/**
 * Tunnel headers that captures taken from mirror ports and tunnel endpoints carry, read far
 * enough to find what they encapsulate (wire/decode.ts removes them, innermost flow wins):
 *
 *  - IP-in-IP: IPv4 protocol / IPv6 next header 4 (IPv4 inside, RFC 2003) or 41 (IPv6 inside,
 *    RFC 4213): no header of its own.
 *  - GRE (RFC 2784 + RFC 2890 key and sequence): flags/version(2) protocol type(2)
 *    [checksum(2) reserved(2) if C] [key(4) if K] [sequence(4) if S]. Version must be 0 (version
 *    1 is PPTP's enhanced GRE carrying PPP); the routing bit of RFC 1701 is not supported.
 *    Protocol types: 0x0800 IPv4, 0x86dd IPv6, 0x6558 transparent Ethernet bridging,
 *    0x88be ERSPAN type I (no sequence number: Ethernet follows the GRE header at once) or type II
 *    (sequence number present: an 8-byte ERSPAN header, version 1), 0x22eb ERSPAN type III
 *    (a 12-byte header, version 2; frame type 0 = Ethernet, 2 = IP; bit O = an 8-byte platform
 *    sub-header follows) — draft-foschiano-erspan.
 *  - VXLAN (RFC 7348): UDP to port 4789 (configurable), flags(1) reserved(3) VNI(3) reserved(1);
 *    the I flag (0x08) must be set. Ethernet follows.
 *
 * `greInner` / `vxlanInner` read only [q, q + cap) and return the EtherType of what follows
 * (INNER_ETHERNET for a whole Ethernet frame), with `innerOffset` set; or 0 when the packet is not
 * decapsulated, after bumping the Stat that says why.
 */
import { be16 } from "../bytes";
import { Stat } from "../abi";
import { bump } from "../stats";
import { TYPE_IPV4, TYPE_IPV6 } from "./ethernet";

export const PROTO_IPIP: u32 = 4;
export const PROTO_IPV6: u32 = 41;
export const PROTO_GRE: u32 = 47;

export const GRE_BASE_LEN: u32 = 4;
export const GRE_C: u32 = 0x8000;
export const GRE_R: u32 = 0x4000;
export const GRE_K: u32 = 0x2000;
export const GRE_S: u32 = 0x1000;
export const GRE_VERSION_MASK: u32 = 0x0007;

export const GRE_TEB: u32 = 0x6558;
export const GRE_ERSPAN_I_II: u32 = 0x88be;
export const GRE_ERSPAN_III: u32 = 0x22eb;
export const ERSPAN_II_LEN: u32 = 8;
export const ERSPAN_III_LEN: u32 = 12;
export const ERSPAN_III_SUBHEADER_LEN: u32 = 8;
export const ERSPAN_II_VERSION: u32 = 1;
export const ERSPAN_III_VERSION: u32 = 2;
export const ERSPAN_FT_ETHERNET: u32 = 0;
export const ERSPAN_FT_IP: u32 = 2;

export const VXLAN_LEN: u32 = 8;
export const VXLAN_FLAG_I: u32 = 0x08;
export const VXLAN_DEFAULT_PORT: u32 = 4789;

/** Pseudo EtherType for "a whole Ethernet frame follows" (the GRE TEB protocol type). */
export const INNER_ETHERNET: u32 = GRE_TEB;

/** Bytes of tunnel header before the inner packet/frame, set by a successful call below. */
export let innerOffset: u32 = 0;
/** The Stat of the tunnel kind just read (DecapGre, DecapErspan, DecapVxlan). */
export let innerKind: i32 = 0;

// ---- VXLAN ports: a 64 Ki-bit set in static memory (8 KiB), looked up with one load ------------
const vxlanPorts: usize = memory.data(8192);

/** Marks (on) or clears a UDP destination port as VXLAN (init marks VXLAN_DEFAULT_PORT). */
export function setVxlanPort(port: u32, on: bool): void {
  let p = vxlanPorts + ((port & 0xffff) >> 3);
  let bit = <u8>(<u32>1 << (port & 7));
  store<u8>(p, on ? (load<u8>(p) | bit) : (load<u8>(p) & ~bit));
}

@inline export function isVxlanPort(port: u32): bool {
  return (<u32>load<u8>(vxlanPorts + (port >> 3)) & (1 << (port & 7))) != 0;
}

/** The IP version nibble at q as an EtherType (0 when neither 4 nor 6). */
@inline function ipTypeAt(q: usize, cap: u32): u32 {
  if (cap < 1) return 0;
  let v = <u32>load<u8>(q) >> 4;
  return v == 4 ? TYPE_IPV4 : v == 6 ? TYPE_IPV6 : 0;
}

/** GRE header at q (`cap` captured bytes). */
export function greInner(q: usize, cap: u32): u32 {
  if (cap < GRE_BASE_LEN) {
    bump(Stat.DecapMalformed);
    return 0;
  }
  let flags = be16(q);
  let ptype = be16(q + 2);
  if ((flags & GRE_VERSION_MASK) != 0 || (flags & GRE_R) != 0) {
    bump(Stat.DecapUnsupported);
    return 0;
  }
  let hl = GRE_BASE_LEN;
  if ((flags & GRE_C) != 0) hl += 4;
  if ((flags & GRE_K) != 0) hl += 4;
  let seq = (flags & GRE_S) != 0;
  if (seq) hl += 4;
  if (hl > cap) {
    bump(Stat.DecapMalformed);
    return 0;
  }
  innerKind = Stat.DecapGre;
  innerOffset = hl;
  if (ptype == TYPE_IPV4 || ptype == TYPE_IPV6 || ptype == GRE_TEB) return ptype;
  if (ptype == GRE_ERSPAN_I_II) {
    innerKind = Stat.DecapErspan;
    if (!seq) return INNER_ETHERNET; // type I: the mirrored frame follows the GRE header
    if (hl + ERSPAN_II_LEN > cap || (<u32>load<u8>(q + hl) >> 4) != ERSPAN_II_VERSION) {
      bump(Stat.DecapMalformed);
      return 0;
    }
    innerOffset = hl + ERSPAN_II_LEN;
    return INNER_ETHERNET;
  }
  if (ptype == GRE_ERSPAN_III) {
    innerKind = Stat.DecapErspan;
    if (hl + ERSPAN_III_LEN > cap || (<u32>load<u8>(q + hl) >> 4) != ERSPAN_III_VERSION) {
      bump(Stat.DecapMalformed);
      return 0;
    }
    let ft = (<u32>load<u8>(q + hl + 10) >> 2) & 0x1f;
    let off = hl + ERSPAN_III_LEN;
    if ((load<u8>(q + hl + 11) & 1) != 0) off += ERSPAN_III_SUBHEADER_LEN;
    if (off > cap) {
      bump(Stat.DecapMalformed);
      return 0;
    }
    innerOffset = off;
    if (ft == ERSPAN_FT_ETHERNET) return INNER_ETHERNET;
    if (ft == ERSPAN_FT_IP) {
      let t = ipTypeAt(q + off, cap - off);
      if (t != 0) return t;
      bump(Stat.DecapMalformed);
      return 0;
    }
    bump(Stat.DecapUnsupported);
    return 0;
  }
  bump(Stat.DecapUnsupported);
  return 0;
}

/** VXLAN header at q (the UDP payload, `cap` captured bytes). */
export function vxlanInner(q: usize, cap: u32): u32 {
  if (cap < VXLAN_LEN || (<u32>load<u8>(q) & VXLAN_FLAG_I) == 0) {
    bump(Stat.DecapMalformed);
    return 0;
  }
  innerKind = Stat.DecapVxlan;
  innerOffset = VXLAN_LEN;
  return INNER_ETHERNET;
}
