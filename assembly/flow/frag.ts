/**
 * The fragment-id table: maps (src, dst, identification, protocol) of a fragmented datagram
 * to the flow its first fragment was accounted to, so later fragments (which carry no ports)
 * count to the same flow. Reassembly is not done.
 *
 * Bounded and direct-mapped over the FRAGS region: a new datagram hashing onto a live entry of
 * another datagram overwrites it (Stat.FragTableEvictions); later fragments whose first
 * fragment is unknown (evicted, out of order, or not captured) are counted in
 * Stat.FragmentsUnattributed and never guessed.
 */
import {
  FLOW_SIZE, FR_DIR, FR_DST, FR_HASH, FR_ID, FR_PROTO, FR_SLOT, FR_SRC, FR_TS, FRAG_SIZE, Stat,
} from "../abi";
import { flowsPtr, fragMask, fragsPtr } from "../memory";
import { bump } from "../stats";

@inline function fragHash(sHi: u64, sLo: u64, dHi: u64, dLo: u64, id: u32, proto: u32): u32 {
  let h = sHi * 0x9e3779b97f4a7c15 ^ sLo ^ (dHi * 0xc2b2ae3d27d4eb4f) ^ dLo ^
    (<u64>id << 8 | <u64>proto);
  h ^= h >> 31;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 32;
  let r = <u32>h;
  return r == 0 ? 1 : r;
}

/** Remembers the first fragment of a datagram: its flow record and direction. */
export function fragRemember(
  sHi: u64, sLo: u64, dHi: u64, dLo: u64, id: u32, proto: u32, rec: usize, dir: u32, ts: u64,
): void {
  let h = fragHash(sHi, sLo, dHi, dLo, id, proto);
  let e = fragsPtr + (<usize>(h & fragMask)) * FRAG_SIZE;
  if (load<u32>(e + FR_HASH) != 0 && load<u32>(e + FR_HASH) != h) bump(Stat.FragTableEvictions);
  store<u32>(e + FR_HASH, h);
  store<u32>(e + FR_SLOT, <u32>((rec - flowsPtr) / FLOW_SIZE) + 1);
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
  if (load<u32>(e + FR_HASH) != h || load<u32>(e + FR_ID) != id ||
    <u32>load<u8>(e + FR_PROTO) != proto || load<u64>(e + FR_SRC) != sHi ||
    load<u64>(e + FR_SRC + 8) != sLo || load<u64>(e + FR_DST) != dHi ||
    load<u64>(e + FR_DST + 8) != dLo) return 0;
  fragDir = <u32>load<u8>(e + FR_DIR);
  return flowsPtr + (<usize>(load<u32>(e + FR_SLOT) - 1)) * FLOW_SIZE;
}
