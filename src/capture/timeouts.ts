/**
 * The `--flow-timeouts` option: when a quiet flow is over, so that it may leave a full flow table
 * (assembly/flow/table.ts). "tcp-closed=120,tcp-reset=10,tcp-opening=120,tcp=432000,udp=180" (seconds of
 * capture time; any subset; `udp` also covers ICMP and other protocols).
 */
import type { FlowTimeouts } from "../wasm/core.js";

const NAMES: Record<string, keyof FlowTimeouts> = { "tcp-closed": "tcpClosed", "tcp-reset": "tcpReset", "tcp-opening": "tcpOpening", tcp: "tcp", udp: "other" };

export const FLOW_TIMEOUTS_HELP = "name=seconds,… of tcp-closed (FIN both ways; default 120), tcp-reset (10), tcp-opening (120), tcp (432000), udp (180; also ICMP and other protocols)";

/** Parses the option's value; returns an error text instead when it is not understood. */
export function parseFlowTimeouts(v: string): Partial<FlowTimeouts> | string {
  const out: Partial<FlowTimeouts> = {};
  for (const part of v.split(",")) {
    const m = /^\s*([a-z-]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    const key = m ? NAMES[m[1]] : undefined;
    if (!m || !key) return `expected ${FLOW_TIMEOUTS_HELP}; got "${part}"`;
    const s = Number(m[2]);
    if (s > 10 * 365 * 86400) return `timeout ${m[1]} of ${s} s is more than 10 years`;
    out[key] = s;
  }
  return out;
}
