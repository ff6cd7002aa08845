/** Feeds for chunking-invariance tests: `bytes` cut into pieces of the given sizes, in turn (none: one piece). */
export async function* chunks(bytes: Uint8Array, sizes: number[]): AsyncIterable<Uint8Array> {
  let off = 0;
  let i = 0;
  while (off < bytes.length) {
    const n = Math.max(1, sizes.length ? sizes[i++ % sizes.length] : bytes.length);
    yield bytes.subarray(off, off + n);
    off += n;
  }
}
