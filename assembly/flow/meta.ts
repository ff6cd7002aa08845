/**
 * PacketMeta: the decoded facts of one packet waiting in the batch (flow/batch.ts), 96 bytes,
 * wasm-private (the host never reads it).
 */
export const META_SIZE: usize = 96;
export const M_SHI = 0; // u64 source address, first 8 bytes (memory order)
export const M_SLO = 8; // u64 source address, last 8 bytes
export const M_DHI = 16; // u64
export const M_DLO = 24; // u64
export const M_TS = 32; // u64 ns
export const M_HASH = 40; // u32 flow hash
export const M_PROTO = 44; // u8
export const M_IPVER = 45; // u8
export const M_TCPFLAGS = 46; // u8
export const M_HASFLAGS = 47; // u8
export const M_SPORT = 48; // u16
export const M_DPORT = 50; // u16
export const M_VLAN0 = 52; // u16
export const M_VLAN1 = 54; // u16
export const M_IFACE = 56; // u32
export const M_SEQ = 60; // u32
export const M_IPLEN = 64; // u32
export const M_PAYLEN = 68; // u32
export const M_PKT = 72; // u32
export const M_FRAG = 76; // u8 1 = first fragment
export const M_FRAGID = 80; // u32
export const M_ALG = 84; // u8 AlgKind of a control-port TCP packet with flags captured (else 0)
export const M_PAYPTR = 88; // u32 captured transport payload (in the INPUT window)
export const M_PAYCAP = 92; // u32 captured payload bytes (the IP-derived length is M_PAYLEN)
