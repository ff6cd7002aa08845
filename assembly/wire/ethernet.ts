/**
 * Ethernet II (IEEE 802.3 clause 3.2.6 / DIX) and 802.1Q / 802.1ad tags.
 *   dst(6) src(6) [TPID(2) TCI(2)]* EtherType(2)
 * TPID 0x8100 = C-tag (802.1Q), 0x88a8 = S-tag (802.1ad), 0x9100 = legacy QinQ S-tag.
 * VID = TCI & 0x0fff. An EtherType ≤ 1500 is an 802.3 length (LLC follows): not IP.
 */
export const HEADER_LEN: u32 = 14;
export const ETHERTYPE = 12;
export const TAG_LEN: u32 = 4;

export const TYPE_IPV4: u32 = 0x0800;
export const TYPE_IPV6: u32 = 0x86dd;
export const TPID_8021Q: u32 = 0x8100;
export const TPID_8021AD: u32 = 0x88a8;
export const TPID_QINQ_OLD: u32 = 0x9100;

@inline export function isVlanTpid(t: u32): bool {
  return t == TPID_8021Q || t == TPID_8021AD || t == TPID_QINQ_OLD;
}
