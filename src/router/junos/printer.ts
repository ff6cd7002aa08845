/**
 * Print a Junos conversation list in the true column layout of ROUTER-FORMATS.md §1.1 (the
 * verify step prints its prediction with it). Parsing the output gives back the same interfaces
 * (locations aside).
 *
 * Columns (0-based), as measured on the Junos 9.5 sample:
 *   header  `Flow` 0, `State` 52, `Dir` 61, `Frm count` 71–79
 *   flow    proto 0; src IP right-aligned ending 21, `:` 22, port 23–27; `->` 29–30; dst IP ending 45,
 *           `:` 46, port 47–51; state 53 (8 wide); dir 62; frames right-aligned ending 78
 *   NAT     4 spaces, `NAT source`/`NAT dest`, IP ending 29, `:` 30, port 31–35, `->` 39–40,
 *           IP ending 56, `:` 57, port 58–62, then 3 spaces
 * Wider fields (IPv6, long states) push what follows right, always keeping one space. IPv6
 * addresses are printed `[ip]:port` so the last-colon split reads them back unambiguously.
 *
 *   printJunosConversations([{ name: "sp-1/3/0", serviceSet: "S", conversations: [{ alg: "ftp",
 *     initiators: 1, responders: 0, flows: [{ proto: "TCP", src: 1.1.79.2:14083, dst: 2.2.2.2:21,
 *     state: "Watch", dir: "I", frames: 13, nat: [] }] }] }])
 *   →
 *   Interface: sp-1/3/0, Service set: S
 *   Conversation: ALG protocol: ftp
 *     Number of initiators: 1, Number of responders: 0
 *   Flow                                                State    Dir       Frm count
 *   TCP           1.1.79.2:14083 ->        2.2.2.2:21    Watch    I              13
 *
 * Fields that are null (flows parsed without an `Interface:` / `Conversation:` / counts line) are
 * not printed, so the round trip keeps them null.
 */
import type { JunosConversation, JunosFlow, JunosInterface, NatTranslation, RouterEndpoint } from "../types.js";

type PrintableFlow = Omit<JunosFlow, "location"> & { location?: JunosFlow["location"] };
type PrintableConversation = Omit<JunosConversation, "flows" | "location"> & { flows: PrintableFlow[] };
export type PrintableInterface = Omit<JunosInterface, "conversations" | "location"> & { conversations: PrintableConversation[] };

export const HEADER_LINE = "Flow                                                State    Dir       Frm count";

/** Append `s` so that its last character lands on column `end` (at least one space before it). */
function right(line: string, s: string, end: number): string {
  const start = Math.max(end - s.length + 1, line.length === 0 ? 0 : line.length + 1);
  return line + " ".repeat(start - line.length) + s;
}
/** Append `s` starting at column `start` (at least one space before it). */
function left(line: string, s: string, start: number): string {
  const at = Math.max(start, line.length === 0 ? 0 : line.length + 1);
  return line + " ".repeat(at - line.length) + s;
}
/** `ip` and `:port` (port padded to `width`), IPv6 bracketed. */
function ipText(e: RouterEndpoint): string {
  return e.ip.indexOf(":") >= 0 && e.port !== null ? `[${e.ip}]` : e.ip;
}
function portText(e: RouterEndpoint, width: number): string {
  return e.port === null ? "".padEnd(width + 1) : (":" + e.port).padEnd(width + 1);
}

export function printFlowLine(f: PrintableFlow): string {
  let l = f.proto;
  l = right(l, ipText(f.src), 21) + portText(f.src, 5);
  l = left(l.trimEnd(), "->", 29);
  l = right(l, ipText(f.dst), 45) + portText(f.dst, 5);
  l = left(l.trimEnd(), f.state.padEnd(8), 53);
  l = left(l.trimEnd(), f.dir, 62);
  l = right(l, String(f.frames), 78);
  return l;
}

export function printNatLine(n: NatTranslation): string {
  let l = "    " + (n.kind === "source" ? "NAT source" : "NAT dest");
  l = right(l, ipText(n.from), 29) + portText(n.from, 5);
  l = left(l.trimEnd(), "->", 39);
  l = right(l, ipText(n.to), 56) + portText(n.to, 5);
  return l.trimEnd().padEnd(Math.max(l.trimEnd().length, 63)) + "   ";
}

export function printJunosConversations(interfaces: PrintableInterface[], opts: { prompt?: string } = {}): string {
  const out: string[] = [];
  if (opts.prompt) out.push(opts.prompt);
  for (const itf of interfaces) {
    if (itf.name !== null) out.push(`Interface: ${itf.name}` + (itf.serviceSet !== null ? `, Service set: ${itf.serviceSet}` : ""));
    for (const c of itf.conversations) {
      if (c.alg !== null) out.push(`Conversation: ALG protocol: ${c.alg}`);
      if (c.initiators !== null) out.push(`  Number of initiators: ${c.initiators}, Number of responders: ${c.responders ?? 0}`);
      if (c.extra) for (const [k, v] of Object.entries(c.extra)) out.push(`  ${k}: ${v}`);
      out.push(HEADER_LINE);
      for (const f of c.flows) {
        out.push(printFlowLine(f));
        for (const n of f.nat) out.push(printNatLine(n));
        if (f.gateId !== undefined) out.push(`    Gate id: ${f.gateId}`);
        if (f.extra) for (const [k, v] of Object.entries(f.extra)) out.push(`    ${k}: ${v}`);
      }
    }
  }
  return out.join("\n") + "\n";
}
