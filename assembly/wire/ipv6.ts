/**
 * IPv6 header view, RFC 8200 §3, and the extension-header chain of §4.
 *   0 ver/TC/flow label(4)  4 payload length(2)  6 next header  7 hop limit  8 src(16)  24 dst(16)
 * Extension headers skipped by their own length: hop-by-hop (0), routing (43), destination
 * options (60), mobility (135), HIP (139), shim6 (140): (hdr ext len + 1) × 8 octets;
 * authentication header (51, RFC 4302): (payload len + 2) × 4; fragment (44, §4.5): 8 octets,
 * offset (13 bits, 8-octet units) + M flag + 32-bit identification. 59 = no next header.
 */
export const HEADER_LEN: u32 = 40;
export const PAYLOAD_LEN = 4;
export const NEXT_HEADER = 6;
export const SRC_ADDR = 8;
export const DST_ADDR = 24;

export const NH_HOP_BY_HOP: u32 = 0;
export const NH_ROUTING: u32 = 43;
export const NH_FRAGMENT: u32 = 44;
export const NH_AH: u32 = 51;
export const NH_NONE: u32 = 59;
export const NH_DEST_OPTS: u32 = 60;
export const NH_MOBILITY: u32 = 135;
export const NH_HIP: u32 = 139;
export const NH_SHIM6: u32 = 140;

/** Fragment header: offset/flags word at +2, identification at +4. */
export const FRAG_HEADER_LEN: u32 = 8;
/** Most extension chains are short; a longer one is treated as malformed. */
export const MAX_EXT_HEADERS: u32 = 16;

/** True for extension headers whose length is (byte 1 + 1) × 8. */
@inline export function isGenericExt(nh: u32): bool {
  return nh == NH_HOP_BY_HOP || nh == NH_ROUTING || nh == NH_DEST_OPTS ||
    nh == NH_MOBILITY || nh == NH_HIP || nh == NH_SHIM6;
}
