/**
 * TCP header view, RFC 9293 §3.1.
 *   0 src port  2 dst port  4 sequence number  8 acknowledgment number
 *   12 data offset (high nibble, 32-bit words)  13 flags (CWR ECE URG ACK PSH RST SYN FIN)
 */
export const MIN_HEADER_LEN: u32 = 20;
export const SRC_PORT = 0;
export const DST_PORT = 2;
export const SEQ = 4;
export const ACK = 8;
export const DATA_OFF = 12;
export const FLAGS = 13;

export const FIN: u32 = 0x01;
export const SYN: u32 = 0x02;
export const RST: u32 = 0x04;
export const PSH: u32 = 0x08;
export const ACKF: u32 = 0x10;
