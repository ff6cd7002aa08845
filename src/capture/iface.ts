/**
 * Which interface of a capture holding both sides of a router is one side: a pcapng interface
 * number (`0`, `pcapng:1`) or a Linux cooked v2 interface index (`sll2:3`). Shared by the CLI's
 * --inside-if/--outside-if and the web page's options.
 */
export interface InterfaceSpec {
  kind: "pcapng" | "sll2";
  value: number;
}

/** Parses `0`, `pcapng:1` or `sll2:3`; undefined when the text is none of these. */
export function parseInterfaceSpec(text: string): InterfaceSpec | undefined {
  const m = /^(?:(pcapng|sll2):)?(\d{1,10})$/.exec(text.trim());
  if (!m || Number(m[2]) > 0xffffffff) return undefined;
  return { kind: (m[1] as InterfaceSpec["kind"] | undefined) ?? "pcapng", value: Number(m[2]) };
}

export const INTERFACE_SPEC_HELP = "a pcapng interface number (e.g. 0) or sll2:<ifindex>";
