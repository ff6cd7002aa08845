/**
 * Link → IP → transport decoding of one captured packet into the PacketMeta globals below
 * (gopacket's DecodingLayerParser idea: decode into preallocated state, never allocate).
 *
 * Contract: `decodePacket(p, caplen, linkType)` reads only [p, p + caplen). It returns
 * DECODED_IP when the meta describes an IP packet that belongs to a flow (possibly with
 * truncated or missing transport fields), or NOT_FLOW when it was counted and dropped from
 * flow accounting (non-IP, unsupported link type, malformed link/IP header). Every outcome
 * bumps exactly the counters that describe it; nothing here traps on bad input.
 *
 * Tunnels (wire/tunnel.ts: IP-in-IP, GRE, ERSPAN, VXLAN) are removed in a loop, at most
 * `maxTunnelDepth` layers (MAX_TUNNEL_DEPTH by default; setTunnelDepth): the meta describes the
 * innermost IP packet, the one a router behind the tunnel sees. A layer that cannot be removed
 * (cut or invalid tunnel header, inner IP header malformed, too deep, the tunnel packet itself a
 * fragment, an unsupported GRE payload) leaves the meta at the last IP header that decoded — the
 * packet counts to the tunnel's own flow — and bumps the Decap* counter that says why. An inner
 * Ethernet frame that is not IP (ARP inside VXLAN) is no flow, as the same frame untunnelled.
 * IP/transport counters (Stat.Ipv4, Udp …) count headers, so a tunnelled packet counts in
 * each of its layers.
 */
import { be16, be32 } from "../bytes";
import { bump } from "../stats";
import { LinkType, Stat } from "../abi";
import * as eth from "./ethernet";
import * as sll from "./sll";
import * as ipv4 from "./ipv4";
import * as ipv6 from "./ipv6";
import * as tcp from "./tcp";
import * as udp from "./udp";
import * as tun from "./tunnel";
import { statePtr } from "../memory";
import { ST_DECAP_PACKET } from "../abi";

export const DECODED_IP: i32 = 0;
export const NOT_FLOW: i32 = 1;
/** Like NOT_FLOW, for a link type we do not decode. */
export const UNSUPPORTED_LINK: i32 = 2;
/** Internal: decodeTransport found a tunnel (tunnel.ts globals say what follows). */
const TUNNEL: i32 = 3;

/** Tunnel layers removed from one packet at most (the rest counts as Stat.DecapTooDeep). */
export const MAX_TUNNEL_DEPTH: u32 = 4;
let maxTunnelDepth: u32 = MAX_TUNNEL_DEPTH;

/** Sets the tunnel nesting limit (0 = never decapsulate). */
export function setTunnelDepth(n: u32): void {
  maxTunnelDepth = n;
}

// ---- PacketMeta: the packet in flight ------------------------------------------------------
/** 4 or 6. */
export let mIpVer: u32 = 0;
/** IP protocol of the transport (after IPv6 extension headers). */
export let mProto: u32 = 0;
/** Source / destination addresses as two raw (memory-order) u64 halves; IPv4 in the low 4 bytes. */
export let mSrcHi: u64 = 0;
export let mSrcLo: u64 = 0;
export let mDstHi: u64 = 0;
export let mDstLo: u64 = 0;
export let mSport: u32 = 0;
export let mDport: u32 = 0;
/** Outer and inner VLAN id + 1 (0 = none). */
export let mVlan0: u32 = 0;
export let mVlan1: u32 = 0;
/** TCP flags byte (0 when not TCP or cut before it). */
export let mTcpFlags: u32 = 0;
export let mSeq: u32 = 0;
export let mAck: u32 = 0;
/** True when the TCP header was captured up to its flags. */
export let mHasFlags: bool = false;
/** IP datagram length from the IP header (IPv4 total length; IPv6 40 + payload length). */
export let mIpLen: u32 = 0;
/** Transport payload length derived from the IP lengths (not from caplen). */
export let mPayloadLen: u32 = 0;
/** Captured transport payload: pointer and length within the packet (≤ mPayloadLen). */
export let mPayloadPtr: usize = 0;
export let mPayloadCap: u32 = 0;
/** 0 = not a fragment, 1 = first fragment (carries the transport header), 2 = later fragment. */
export let mFrag: u32 = 0;
/** Fragment identification (IPv4 16 bits, IPv6 32 bits). */
export let mFragId: u32 = 0;
/** Of a fragment (mFrag ≠ 0): its offset in bytes, its More Fragments flag, and its data (the
 * fragmentable part after the IP header / IPv6 fragment header): pointer, captured and IP lengths. */
export let mFragOffset: u32 = 0;
export let mFragMore: bool = false;
export let mFragPtr: usize = 0;
export let mFragCap: u32 = 0;
export let mFragLen: u32 = 0;
/** SLL2 interface index (0 otherwise). */
export let mIfIndex: u32 = 0;
/** Tunnel layers removed from this packet. */
export let mTunnels: u32 = 0;
/** Packet number the reader is decoding (for the first-packet fields of the diagnostics). */
let mPktNo: u32 = 0;

@inline export function setPacketNumber(n: u32): void {
  mPktNo = n;
}

/** EtherType after the Ethernet header just read by ethernetAt (tags skipped). */
let ethType: u32 = 0;
/** The EtherType / pseudo type of what a tunnel carries, and where (set by decodeTransport). */
let tunType: u32 = 0;
let tunPtr: usize = 0;
let tunCap: u32 = 0;

/** Decodes one packet. See the module contract. */
export function decodePacket(p: usize, caplen: u32, linkType: u32): i32 {
  mVlan0 = 0;
  mVlan1 = 0;
  mIfIndex = 0;
  let etherType: u32 = 0;
  let off: u32 = 0;

  if (linkType == LinkType.Ethernet) {
    bump(Stat.LinkEthernet);
    off = ethernetAt(p, caplen);
    if (off == 0) return NOT_FLOW;
    etherType = ethType;
  } else if (linkType == LinkType.Sll) {
    bump(Stat.LinkSll);
    if (caplen < sll.SLL_HEADER_LEN) {
      bump(Stat.MalformedLink);
      return NOT_FLOW;
    }
    etherType = be16(p + sll.SLL_PROTOCOL);
    off = sll.SLL_HEADER_LEN;
  } else if (linkType == LinkType.Sll2) {
    bump(Stat.LinkSll2);
    if (caplen < sll.SLL2_HEADER_LEN) {
      bump(Stat.MalformedLink);
      return NOT_FLOW;
    }
    etherType = be16(p + sll.SLL2_PROTOCOL);
    mIfIndex = be32(p + sll.SLL2_IFINDEX);
    off = sll.SLL2_HEADER_LEN;
  } else if (linkType == LinkType.Null || linkType == LinkType.Loop) {
    // BSD loopback: a 4-byte address family in the capturing host's byte order (NULL) or
    // network order (LOOP); accept either: the family values are all < 0x10000.
    bump(Stat.LinkNull);
    if (caplen < 4) {
      bump(Stat.MalformedLink);
      return NOT_FLOW;
    }
    let fam = load<u32>(p);
    if (fam > 0xffff) fam = bswap<u32>(fam);
    off = 4;
    if (fam == 2) etherType = eth.TYPE_IPV4;
    else if (fam == 10 || fam == 24 || fam == 28 || fam == 30) etherType = eth.TYPE_IPV6;
    else {
      bump(Stat.NonIp);
      return NOT_FLOW;
    }
  } else if (
    linkType == LinkType.Raw || linkType == LinkType.Ipv4 || linkType == LinkType.Ipv6 ||
    linkType == LinkType.RawAlt12 || linkType == LinkType.RawAlt14
  ) {
    bump(Stat.LinkRaw);
    if (caplen < 1) {
      bump(Stat.MalformedLink);
      return NOT_FLOW;
    }
    let v = load<u8>(p) >> 4;
    if (v == 4) etherType = eth.TYPE_IPV4;
    else if (v == 6) etherType = eth.TYPE_IPV6;
    else {
      bump(Stat.UnsupportedIp);
      return NOT_FLOW;
    }
  } else {
    bump(Stat.LinkUnsupported);
    return UNSUPPORTED_LINK;
  }

  mTunnels = 0;
  let st = decodeIp(etherType, p + off, caplen - off);
  if (st != TUNNEL) return st;
  return decapsulate();
}

/**
 * Ethernet II header and its VLAN tags at q (`avail` captured bytes): the header length (ethType
 * set; mVlan0/mVlan1 the outer two tags), or 0 when cut (counted as MalformedLink).
 */
@inline function ethernetAt(q: usize, avail: u32): u32 {
  if (avail < eth.HEADER_LEN) {
    bump(Stat.MalformedLink);
    return 0;
  }
  let etherType = be16(q + eth.ETHERTYPE);
  let off = eth.HEADER_LEN;
  if (eth.isVlanTpid(etherType)) {
    bump(Stat.Vlan);
    let tags: u32 = 0;
    while (eth.isVlanTpid(etherType)) {
      if (off + eth.TAG_LEN > avail) {
        bump(Stat.MalformedLink);
        return 0;
      }
      let vid = (be16(q + off) & 0x0fff) + 1;
      if (tags == 0) mVlan0 = vid;
      else if (tags == 1) mVlan1 = vid;
      else if (tags == 2) bump(Stat.VlanDeep);
      tags++;
      etherType = be16(q + off + 2);
      off += eth.TAG_LEN;
    }
  }
  ethType = etherType;
  return off;
}

@inline function decodeIp(etherType: u32, q: usize, avail: u32): i32 {
  if (etherType == eth.TYPE_IPV4) return decodeIpv4(q, avail);
  if (etherType == eth.TYPE_IPV6) return decodeIpv6(q, avail);
  bump(Stat.NonIp);
  return NOT_FLOW;
}

// ---- tunnels ---------------------------------------------------------------------------------
// The meta of the tunnel packet, kept while its inner packet is decoded: a layer that cannot be
// removed leaves the packet on the tunnel's flow.
let sIpVer: u32 = 0;
let sProto: u32 = 0;
let sSrcHi: u64 = 0;
let sSrcLo: u64 = 0;
let sDstHi: u64 = 0;
let sDstLo: u64 = 0;
let sSport: u32 = 0;
let sDport: u32 = 0;
let sVlan0: u32 = 0;
let sVlan1: u32 = 0;
let sIpLen: u32 = 0;
let sPayloadLen: u32 = 0;
let sPayloadPtr: usize = 0;
let sPayloadCap: u32 = 0;

function saveOuter(): void {
  sIpVer = mIpVer;
  sProto = mProto;
  sSrcHi = mSrcHi;
  sSrcLo = mSrcLo;
  sDstHi = mDstHi;
  sDstLo = mDstLo;
  sSport = mSport;
  sDport = mDport;
  sVlan0 = mVlan0;
  sVlan1 = mVlan1;
  sIpLen = mIpLen;
  sPayloadLen = mPayloadLen;
  sPayloadPtr = mPayloadPtr;
  sPayloadCap = mPayloadCap;
}

/** The first packet whose tunnel was not removed (for the diagnostic). */
function noteDecapPacket(): void {
  if (load<u32>(statePtr + ST_DECAP_PACKET) == 0) store<u32>(statePtr + ST_DECAP_PACKET, mPktNo);
}

/** Back to the tunnel packet (its flow gets the packet); `why` is the Stat bumped. */
function keepOuter(why: i32): i32 {
  bump(why);
  noteDecapPacket();
  if (sProto != 17) bump(Stat.OtherIp);
  mIpVer = sIpVer;
  mProto = sProto;
  mSrcHi = sSrcHi;
  mSrcLo = sSrcLo;
  mDstHi = sDstHi;
  mDstLo = sDstLo;
  mSport = sSport;
  mDport = sDport;
  mVlan0 = sVlan0;
  mVlan1 = sVlan1;
  mIpLen = sIpLen;
  mPayloadLen = sPayloadLen;
  mPayloadPtr = sPayloadPtr;
  mPayloadCap = sPayloadCap;
  // An unfragmented tunnel packet (fragments are not decapsulated).
  mFrag = 0;
  mTcpFlags = 0;
  mHasFlags = false;
  return DECODED_IP;
}

/**
 * Removes tunnel layers while decodeTransport finds one (tunType/tunPtr/tunCap), innermost
 * flow wins. No recursion: one loop, bounded by maxTunnelDepth.
 */
function decapsulate(): i32 {
  while (true) {
    saveOuter();
    if (mTunnels >= maxTunnelDepth) return keepOuter(Stat.DecapTooDeep);
    let kind = tun.innerKind;
    let q = tunPtr;
    let cap = tunCap;
    let et = tunType;
    if (et == tun.INNER_ETHERNET) {
      mVlan0 = 0;
      mVlan1 = 0;
      let off = ethernetAt(q, cap);
      if (off == 0) return keepOuter(Stat.DecapMalformed);
      et = ethType;
      if (et != eth.TYPE_IPV4 && et != eth.TYPE_IPV6) {
        // A mirrored or bridged frame that is not IP: no flow, as the frame itself.
        bump(kind);
        bump(Stat.NonIp);
        return NOT_FLOW;
      }
      q += off;
      cap -= off;
    }
    let st = decodeIp(et, q, cap);
    if (st == NOT_FLOW) return keepOuter(Stat.DecapMalformed);
    bump(kind);
    mTunnels++;
    if (st != TUNNEL) return st;
  }
  return DECODED_IP;
}

/**
 * The transport of an IP packet is a tunnel (protocol 4, 41, 47): where its inner packet is,
 * or DECODED_IP (the packet stays on the tunnel's flow) when it cannot be removed.
 */
function tunnelAt(q: usize, cap: u32, proto: u32): i32 {
  if (mFrag != 0) {
    bump(Stat.OtherIp);
    bump(Stat.DecapFragmented);
    noteDecapPacket();
    return DECODED_IP;
  }
  if (proto == tun.PROTO_GRE) {
    let t = tun.greInner(q, cap);
    if (t == 0) {
      bump(Stat.OtherIp);
      noteDecapPacket();
      return DECODED_IP;
    }
    tunType = t;
    tunPtr = q + tun.innerOffset;
    tunCap = cap - tun.innerOffset;
    return TUNNEL;
  }
  tun.innerKind = Stat.DecapIpInIp;
  tunType = proto == tun.PROTO_IPIP ? eth.TYPE_IPV4 : eth.TYPE_IPV6;
  tunPtr = q;
  tunCap = cap;
  return TUNNEL;
}

/** A UDP packet to a VXLAN port: its inner frame, or DECODED_IP (stays a UDP flow). */
function vxlanAt(q: usize, cap: u32): i32 {
  if (mFrag == 0) {
    let t = tun.vxlanInner(q, cap);
    if (t != 0) {
      tunType = t;
      tunPtr = q + tun.innerOffset;
      tunCap = cap - tun.innerOffset;
      return TUNNEL;
    }
  } else {
    bump(Stat.DecapFragmented);
  }
  noteDecapPacket();
  return DECODED_IP;
}

/** RFC 791 header at q with `avail` captured bytes. */
function decodeIpv4(q: usize, avail: u32): i32 {
  if (avail < ipv4.MIN_HEADER_LEN || (load<u8>(q) >> 4) != 4) {
    bump(Stat.MalformedIpv4);
    return NOT_FLOW;
  }
  let ihl = (<u32>load<u8>(q) & 0x0f) << 2;
  let total = be16(q + ipv4.TOTAL_LEN);
  if (ihl < ipv4.MIN_HEADER_LEN || ihl > avail || total < ihl) {
    bump(Stat.MalformedIpv4);
    return NOT_FLOW;
  }
  bump(Stat.Ipv4);
  mIpVer = 4;
  mProto = <u32>load<u8>(q + ipv4.PROTOCOL);
  mSrcHi = <u64>load<u32>(q + ipv4.SRC_ADDR);
  mSrcLo = 0;
  mDstHi = <u64>load<u32>(q + ipv4.DST_ADDR);
  mDstLo = 0;
  mIpLen = total;
  if (total > avail) bump(Stat.IpTruncated);
  let ff = be16(q + ipv4.FLAGS_FRAG);
  let capEnd = total < avail ? total : avail;
  mFrag = 0;
  if ((ff & (ipv4.MF | ipv4.FRAG_OFFSET_MASK)) != 0) {
    bump(Stat.Fragments);
    mFragId = be16(q + ipv4.IDENT);
    mFrag = (ff & ipv4.FRAG_OFFSET_MASK) == 0 ? 1 : 2;
    mFragOffset = (ff & ipv4.FRAG_OFFSET_MASK) << 3;
    mFragMore = (ff & ipv4.MF) != 0;
    mFragPtr = q + ihl;
    mFragCap = capEnd - ihl;
    mFragLen = total - ihl;
  }
  return decodeTransport(q + ihl, capEnd - ihl, total - ihl);
}

/** RFC 8200 header at q with `avail` captured bytes, extension chain included. */
function decodeIpv6(q: usize, avail: u32): i32 {
  if (avail < ipv6.HEADER_LEN || (load<u8>(q) >> 4) != 6) {
    bump(Stat.MalformedIpv6);
    return NOT_FLOW;
  }
  bump(Stat.Ipv6);
  mIpVer = 6;
  mSrcHi = load<u64>(q + ipv6.SRC_ADDR);
  mSrcLo = load<u64>(q + ipv6.SRC_ADDR + 8);
  mDstHi = load<u64>(q + ipv6.DST_ADDR);
  mDstLo = load<u64>(q + ipv6.DST_ADDR + 8);
  let plen = be16(q + ipv6.PAYLOAD_LEN);
  // Payload length 0 = jumbogram (RFC 2675) or unknown: fall back to what was captured.
  if (plen == 0) plen = avail - ipv6.HEADER_LEN;
  let total = ipv6.HEADER_LEN + plen;
  mIpLen = total;
  if (total > avail) bump(Stat.IpTruncated);
  let capEnd = total < avail ? total : avail;
  let nh = <u32>load<u8>(q + ipv6.NEXT_HEADER);
  let off = ipv6.HEADER_LEN;
  mFrag = 0;
  let n: u32 = 0;
  while (true) {
    if (ipv6.isGenericExt(nh) || nh == ipv6.NH_AH) {
      if (off + 2 > capEnd || off + 2 > total) {
        bump(Stat.MalformedIpv6);
        mProto = nh;
        return decodeTransport(q + capEnd, 0, 0);
      }
      let len = nh == ipv6.NH_AH
        ? ((<u32>load<u8>(q + off + 1) + 2) << 2)
        : ((<u32>load<u8>(q + off + 1) + 1) << 3);
      nh = <u32>load<u8>(q + off);
      off += len;
    } else if (nh == ipv6.NH_FRAGMENT) {
      if (off + ipv6.FRAG_HEADER_LEN > capEnd) {
        bump(Stat.MalformedIpv6);
        mProto = nh;
        return decodeTransport(q + capEnd, 0, 0);
      }
      bump(Stat.Fragments);
      let ofs = be16(q + off + 2);
      mFragId = be32(q + off + 4);
      mFrag = (ofs & 0xfff8) == 0 ? 1 : 2;
      nh = <u32>load<u8>(q + off);
      off += ipv6.FRAG_HEADER_LEN;
      mFragOffset = ofs & 0xfff8;
      mFragMore = (ofs & 1) != 0;
      mFragPtr = q + off;
      mFragCap = capEnd > off ? capEnd - off : 0;
      mFragLen = total > off ? total - off : 0;
    } else {
      break;
    }
    if (++n > ipv6.MAX_EXT_HEADERS || off > total) {
      bump(Stat.MalformedIpv6);
      mProto = nh;
      return decodeTransport(q + capEnd, 0, 0);
    }
  }
  mProto = nh;
  if (off > capEnd) {
    // The chain's last header is cut by the snaplen: no transport header to read.
    return decodeTransport(q + capEnd, 0, total - off);
  }
  return decodeTransport(q + off, capEnd - off, total - off);
}

/**
 * Transport header at q: `cap` captured bytes, `len` bytes by the IP length. Later fragments
 * carry no transport header. Ports are read when their 4 bytes are present; TCP flags when
 * the first 14 bytes are.
 */
function decodeTransport(q: usize, cap: u32, len: u32): i32 {
  mSport = 0;
  mDport = 0;
  mTcpFlags = 0;
  mHasFlags = false;
  mPayloadPtr = q;
  mPayloadCap = 0;
  mPayloadLen = len;
  let proto = mProto;
  if (proto == 6) {
    bump(Stat.Tcp);
    if (mFrag == 2) return DECODED_IP;
    if (cap < 4) {
      bump(Stat.MalformedTcp);
      return DECODED_IP;
    }
    mSport = be16(q + tcp.SRC_PORT);
    mDport = be16(q + tcp.DST_PORT);
    if (cap >= 14) {
      mSeq = be32(q + tcp.SEQ);
      mAck = be32(q + tcp.ACK);
      mTcpFlags = <u32>load<u8>(q + tcp.FLAGS);
      mHasFlags = true;
      let doff = (<u32>load<u8>(q + tcp.DATA_OFF) >> 4) << 2;
      if (doff < tcp.MIN_HEADER_LEN || doff > len) {
        bump(Stat.MalformedTcp);
        mPayloadLen = 0;
        return DECODED_IP;
      }
      mPayloadLen = len - doff;
      mPayloadPtr = q + doff;
      mPayloadCap = cap > doff ? cap - doff : 0;
    } else {
      mPayloadLen = len > tcp.MIN_HEADER_LEN ? len - tcp.MIN_HEADER_LEN : 0;
    }
    return DECODED_IP;
  }
  if (proto == 17) {
    bump(Stat.Udp);
    if (mFrag == 2) return DECODED_IP;
    if (cap < 4) {
      bump(Stat.MalformedUdp);
      return DECODED_IP;
    }
    mSport = be16(q + udp.SRC_PORT);
    mDport = be16(q + udp.DST_PORT);
    mPayloadLen = len > udp.HEADER_LEN ? len - udp.HEADER_LEN : 0;
    mPayloadPtr = q + udp.HEADER_LEN;
    mPayloadCap = cap > udp.HEADER_LEN ? cap - udp.HEADER_LEN : 0;
    if (tun.isVxlanPort(mDport)) return vxlanAt(mPayloadPtr, mPayloadCap);
    return DECODED_IP;
  }
  if (proto == 1) bump(Stat.Icmp);
  else if (proto == 58) bump(Stat.Icmpv6);
  else if (proto == tun.PROTO_IPIP || proto == tun.PROTO_IPV6 || proto == tun.PROTO_GRE) return tunnelAt(q, cap, proto);
  else bump(Stat.OtherIp);
  return DECODED_IP;
}
