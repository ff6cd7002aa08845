/**
 * The fragment-id table: maps (src, dst, identification, protocol) of a fragmented datagram
 * to the flow its first fragment was accounted to, so later fragments (which carry no ports)
 * count to the same flow. Reassembly is not done.
 *
 * Bounded and direct-mapped over the FRAGS region: a new datagram hashing onto a live entry of
 * another datagram overwrites it (Stat.FragTableEvictions). Later fragments that arrive before
 * their first fragment (reordering: some stacks send the last fragment first) are held as
 * pending counts in the entry and handed to the flow when the first fragment arrives; until
 * then — or for good, when it never comes or the entry is evicted — they are counted in
 * Stat.FragmentsUnattributed and never guessed onto a flow.
 */
import {
  FL_FIRST_PKT, FL_FIRST_TS, FL_FRAGS, FLOW_SIZE, FR_DIR, FR_DST, FR_HASH, FR_ID, FR_PEND_FIRST_PKT,
  FR_PEND_FIRST_TS, FR_PEND_IPBYTES, FR_PEND_PAYLOAD, FR_PEND_PKTS, FR_PROTO, FR_SLOT, FR_SRC, FR_TS,
  FRAG_SIZE, FL_IPBYTES_AB, FL_PAYLOAD_AB, FL_PKTS_AB, Stat, FL_HASH, FL_ID, FR_FLOW_ID,
  FL_LATER_AB, FL_PROTO, FL_CTRL, CTRL_BITS, CTRL_MASK, TCP_LATER_UNKNOWN,
} from "../abi";
import { flowsPtr, fragMask, fragsPtr } from "../memory";
import { add, bump } from "../stats";

@inline function fragHash(sHi: u64, sLo: u64, dHi: u64, dLo: u64, id: u32, proto: u32): u32 {
  let h = sHi * 0x9e3779b97f4a7c15 ^ sLo ^ (dHi * 0xc2b2ae3d27d4eb4f) ^ dLo ^
    (<u64>id << 8 | <u64>proto);
  h ^= h >> 31;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 32;
  let r = <u32>h;
  return r == 0 ? 1 : r;
}

@inline function entryMatches(e: usize, h: u32, sHi: u64, sLo: u64, dHi: u64, dLo: u64, id: u32, proto: u32): bool {
  return load<u32>(e + FR_HASH) == h && load<u32>(e + FR_ID) == id &&
    <u32>load<u8>(e + FR_PROTO) == proto && load<u64>(e + FR_SRC) == sHi &&
    load<u64>(e + FR_SRC + 8) == sLo && load<u64>(e + FR_DST) == dHi &&
    load<u64>(e + FR_DST + 8) == dLo;
}

/**
 * Counts `n` non-first fragments of a flow in direction `dir`: the flow's fragment total
 * (saturating) and, for non-TCP flows, the per-direction count its datagrams are derived from
 * (FL_LATER_AB: a fragmented datagram counts once, at its first fragment, as conntrack counts it).
 */
export function countLater(rec: usize, dir: u32, n: u32): void {
  let f = <u32>load<u16>(rec + FL_FRAGS) + n;
  store<u16>(rec + FL_FRAGS, <u16>(f < 0xffff ? f : 0xffff));
  if (load<u8>(rec + FL_PROTO) == 6) {
    if (dir == 1) addTcpLaterBA(rec, n);
    if (f >= 0xffff) setTcpLaterBA(rec, <u32>TCP_LATER_UNKNOWN);
    return;
  }
  let l = rec + FL_LATER_AB + (<usize>dir << 2);
  store<u32>(l, load<u32>(l) + n);
}

/** A TCP flow's non-first fragments B→A (FL_CTRL's high bits; TCP_LATER_UNKNOWN: not known). */
export function tcpLaterBA(rec: usize): u32 {
  return load<u32>(rec + FL_CTRL) >>> CTRL_BITS;
}

export function setTcpLaterBA(rec: usize, v: u32): void {
  store<u32>(rec + FL_CTRL, (load<u32>(rec + FL_CTRL) & CTRL_MASK) | (v << CTRL_BITS));
}

function addTcpLaterBA(rec: usize, n: u32): void {
  let v = tcpLaterBA(rec);
  if (v != <u32>TCP_LATER_UNKNOWN) setTcpLaterBA(rec, v + n < <u32>TCP_LATER_UNKNOWN ? v + n : <u32>TCP_LATER_UNKNOWN);
}

/**
 * Remembers the first fragment of a datagram: its flow record and direction. Later fragments
 * that were pending on the same datagram are accounted to the flow now.
 */
export function fragRemember(
  sHi: u64, sLo: u64, dHi: u64, dLo: u64, id: u32, proto: u32, rec: usize, dir: u32, ts: u64,
): void {
  let h = fragHash(sHi, sLo, dHi, dLo, id, proto);
  let e = fragsPtr + (<usize>(h & fragMask)) * FRAG_SIZE;
  if (entryMatches(e, h, sHi, sLo, dHi, dLo, id, proto) && load<u32>(e + FR_SLOT) == 0) {
    let n = load<u32>(e + FR_PEND_PKTS);
    let pk = rec + FL_PKTS_AB + (<usize>dir << 2);
    store<u32>(pk, load<u32>(pk) + n);
    let ib = rec + FL_IPBYTES_AB + (<usize>dir << 3);
    store<u64>(ib, load<u64>(ib) + load<u64>(e + FR_PEND_IPBYTES));
    let pb = rec + FL_PAYLOAD_AB + (<usize>dir << 3);
    store<u64>(pb, load<u64>(pb) + load<u64>(e + FR_PEND_PAYLOAD));
    countLater(rec, dir, n);
    let firstPkt = load<u32>(e + FR_PEND_FIRST_PKT);
    if (firstPkt < load<u32>(rec + FL_FIRST_PKT)) {
      store<u32>(rec + FL_FIRST_PKT, firstPkt);
      store<u64>(rec + FL_FIRST_TS, load<u64>(e + FR_PEND_FIRST_TS));
    }
    add(Stat.FragmentsAttributed, n);
    add(Stat.FragmentsUnattributed, -(<u64>n));
  } else if (load<u32>(e + FR_HASH) != 0) {
    bump(Stat.FragTableEvictions);
  }
  store<u32>(e + FR_PEND_PKTS, 0);
  store<u32>(e + FR_HASH, h);
  store<u32>(e + FR_SLOT, <u32>((rec - flowsPtr) / FLOW_SIZE) + 1);
  store<u32>(e + FR_FLOW_ID, load<u32>(rec + FL_ID));
  store<u32>(e + FR_ID, id);
  store<u8>(e + FR_PROTO, <u8>proto);
  store<u8>(e + FR_DIR, <u8>dir);
  store<u64>(e + FR_SRC, sHi);
  store<u64>(e + FR_SRC + 8, sLo);
  store<u64>(e + FR_DST, dHi);
  store<u64>(e + FR_DST + 8, dLo);
  store<u64>(e + FR_TS, ts);
}

/** Direction of the datagram found by the last fragFind. */
export let fragDir: u32 = 0;

/** The flow record of a later fragment's datagram, or 0 when its first fragment is unknown. */
export function fragFind(sHi: u64, sLo: u64, dHi: u64, dLo: u64, id: u32, proto: u32): usize {
  let h = fragHash(sHi, sLo, dHi, dLo, id, proto);
  let e = fragsPtr + (<usize>(h & fragMask)) * FRAG_SIZE;
  if (!entryMatches(e, h, sHi, sLo, dHi, dLo, id, proto) || load<u32>(e + FR_SLOT) == 0) return 0;
  fragDir = <u32>load<u8>(e + FR_DIR);
  let flowId = load<u32>(e + FR_FLOW_ID);
  let r = flowsPtr + (<usize>(load<u32>(e + FR_SLOT) - 1)) * FLOW_SIZE;
  // A record stays in its slot while its flow is in the table (flow/table.ts).
  if (load<u32>(r + FL_ID) == flowId && load<u32>(r + FL_HASH) != 0) return r;
  // Its flow has left the table (the slot is empty or holds another flow): the entry is freed;
  // this and later fragments of the datagram are counted as unattributed (fragPend starts afresh).
  store<u32>(e + FR_HASH, 0);
  return 0;
}

/**
 * Holds a later fragment whose first fragment has not been seen (yet) as pending counts.
 */
export function fragPend(
  sHi: u64, sLo: u64, dHi: u64, dLo: u64, id: u32, proto: u32,
  ipLen: u32, payloadLen: u32, pktNo: u32, ts: u64,
): void {
  let h = fragHash(sHi, sLo, dHi, dLo, id, proto);
  let e = fragsPtr + (<usize>(h & fragMask)) * FRAG_SIZE;
  if (!entryMatches(e, h, sHi, sLo, dHi, dLo, id, proto)) {
    if (load<u32>(e + FR_HASH) != 0) bump(Stat.FragTableEvictions);
    store<u32>(e + FR_HASH, h);
    store<u32>(e + FR_SLOT, 0);
    store<u32>(e + FR_ID, id);
    store<u8>(e + FR_PROTO, <u8>proto);
    store<u64>(e + FR_SRC, sHi);
    store<u64>(e + FR_SRC + 8, sLo);
    store<u64>(e + FR_DST, dHi);
    store<u64>(e + FR_DST + 8, dLo);
    store<u32>(e + FR_PEND_PKTS, 0);
    store<u64>(e + FR_PEND_IPBYTES, 0);
    store<u64>(e + FR_PEND_PAYLOAD, 0);
    store<u32>(e + FR_PEND_FIRST_PKT, pktNo);
    store<u64>(e + FR_PEND_FIRST_TS, ts);
  }
  store<u32>(e + FR_PEND_PKTS, load<u32>(e + FR_PEND_PKTS) + 1);
  store<u64>(e + FR_PEND_IPBYTES, load<u64>(e + FR_PEND_IPBYTES) + ipLen);
  store<u64>(e + FR_PEND_PAYLOAD, load<u64>(e + FR_PEND_PAYLOAD) + payloadLen);
}
