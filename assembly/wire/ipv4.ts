/**
 * IPv4 header view, RFC 791 §3.1.
 *   0 ver/IHL  1 TOS  2 total length  4 identification  6 flags/fragment offset  8 TTL
 *   9 protocol  10 checksum  12 source  16 destination  20 options (IHL × 4 − 20 bytes)
 * "Total Length is the length of the datagram, measured in octets, including internet header
 * and data" — so it, not the captured length, gives the IP and payload byte counts; Ethernet
 * padding beyond it is ignored and a snaplen cut below it is a truncation, not an error.
 */
export const MIN_HEADER_LEN: u32 = 20;
export const VER_IHL = 0;
export const TOTAL_LEN = 2;
export const IDENT = 4;
export const FLAGS_FRAG = 6;
export const PROTOCOL = 9;
export const SRC_ADDR = 12;
export const DST_ADDR = 16;

/** More Fragments flag within the flags/fragment-offset word. */
export const MF: u32 = 0x2000;
/** Fragment offset mask (in 8-octet units). */
export const FRAG_OFFSET_MASK: u32 = 0x1fff;
