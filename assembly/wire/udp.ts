/**
 * UDP header view, RFC 768: src port(2) dst port(2) length(2) checksum(2).
 */
export const HEADER_LEN: u32 = 8;
export const SRC_PORT = 0;
export const DST_PORT = 2;
export const LENGTH = 4;
