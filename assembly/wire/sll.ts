/**
 * Linux cooked captures (tcpdump.org linktypes LINKTYPE_LINUX_SLL 113 / LINKTYPE_LINUX_SLL2 276).
 *   SLL  (16 bytes): packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2)
 *   SLL2 (20 bytes): protocol(2) reserved(2) interface index(4) ARPHRD(2) packet type(1)
 *                    addr len(1) addr(8)
 * The protocol field is an EtherType (network order) for the cases we decode.
 */
export const SLL_HEADER_LEN: u32 = 16;
export const SLL_PROTOCOL = 14;
export const SLL2_HEADER_LEN: u32 = 20;
export const SLL2_PROTOCOL = 0;
export const SLL2_IFINDEX = 4;
