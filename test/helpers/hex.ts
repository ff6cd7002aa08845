/** tcpdump -X / tshark -x hex dump text → bytes (the offset column and the ASCII column are ignored). */
export function fromHexDump(text: string): Uint8Array {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*[0-9a-fA-F]{4,8}[:\s]\s*((?:[0-9a-fA-F]{2}\s?){1,16})/.exec(line);
    if (!m) continue;
    for (const h of m[1].trim().split(/\s+/)) out.push(parseInt(h, 16));
  }
  return Uint8Array.from(out);
}
