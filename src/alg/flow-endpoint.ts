/**
 * One endpoint of a flow as FlowTable.get reports it (`initiator` / `responder`), read from the
 * table without materialising the flow's report object (times, counters: ~1 KB a flow). SIP and
 * TFTP sessions need only their flows' endpoints, for thousands of dialogs and transfers.
 */
import type { FlowTable } from "../wasm/core.js";
import type { Endpoint } from "../types.js";

/** Endpoint `which` (0 = initiator, 1 = responder) of flow `id`; port null as Flow has it for a protocol without ports. */
export function flowEndpoint(flows: FlowTable, id: number, which: 0 | 1): Endpoint {
  const proto = flows.proto(id);
  return { ip: flows.address(id, which), port: proto === "tcp" || proto === "udp" ? flows.port(id, which) : null };
}
