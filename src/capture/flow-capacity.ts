/** `--max-flows` (the CLI and the page): flow capacity → log2 of the table slots (usable = 3/4 of the slots). */
export function flowCapLog2For(maxFlows: number): number {
  let log2 = 4;
  while ((1 << log2) - ((1 << log2) >> 2) < maxFlows) log2++;
  return log2;
}
