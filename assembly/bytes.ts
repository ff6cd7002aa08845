/**
 * Byte helpers: big-endian (network order) and little-endian loads over linear memory.
 * Linear-memory loads are only bounds-checked against all of memory, so every caller checks its
 * lengths first (see the `checkLen`-style guards in wire/ and capture/).
 */

/** Network-order u16 at p. */
@inline export function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

/** Network-order u32 at p. */
@inline export function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

/** Little-endian u16 at p. */
@inline export function le16(p: usize): u32 {
  return <u32>load<u16>(p);
}

/** Little-endian u32 at p. */
@inline export function le32(p: usize): u32 {
  return load<u32>(p);
}

/** u16 at p in the given byte order (swapped = big-endian file on this little-endian machine). */
@inline export function rd16(p: usize, swapped: bool): u32 {
  let v = load<u16>(p);
  return <u32>(swapped ? bswap<u16>(v) : v);
}

/** u32 at p in the given byte order. */
@inline export function rd32(p: usize, swapped: bool): u32 {
  let v = load<u32>(p);
  return swapped ? bswap<u32>(v) : v;
}

/** ASCII lower case of a byte (other bytes unchanged). */
@inline export function asciiLower(c: u32): u32 {
  return c - 65 < 26 ? c | 0x20 : c;
}
