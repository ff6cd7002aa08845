/**
 * Public types of the alg-verify library: the `flows --json` report (schemaVersion 1) and the
 * structured diagnostics every layer emits. The JSON Schema in `schema/flows.schema.json` describes
 * the same shapes; keep both in step (the tests validate reports against the schema).
 */

/** Severity of a diagnostic or finding. */
export type Severity = "error" | "warning" | "info";

/**
 * A located problem with the input (or a limit that was hit). Capture diagnostics carry a byte
 * `offset` and/or a 1-based `packet`; router-output diagnostics carry `line`/`column`/`lineText`.
 */
export interface Diagnostic {
  /** Stable snake_case code, e.g. `bad_magic`, `record_truncated`, `flow_table_full`. */
  code: string;
  severity: Severity;
  message: string;
  file: string;
  offset?: number;
  packet?: number;
  line?: number;
  column?: number;
  lineText?: string;
  /** How many times this condition occurred (diagnostics of counted conditions are reported once). */
  count?: number;
}

/** One end of a conversation. `port` is null for protocols without ports (ICMP, other IP protocols). */
export interface Endpoint {
  ip: string;
  port: number | null;
}

/** A per-direction counter pair: initiator → responder and responder → initiator. */
export interface DirPair {
  initiatorToResponder: number;
  responderToInitiator: number;
}

export interface PacketRef {
  /** 1-based record number in the capture (tshark's frame.number). */
  packet: number;
  /** ISO 8601 UTC with nanoseconds, e.g. 2024-01-02T03:04:05.123456789Z. */
  time: string;
}

export type FlowProto = "tcp" | "udp" | "icmp" | "icmpv6" | number;

export interface Flow {
  /** 1-based, in order of each flow's first packet. */
  id: number;
  proto: FlowProto;
  ipVersion: 4 | 6;
  /** VLAN ids, outermost first; [] when untagged. */
  vlan: number[];
  /** pcapng interface id (0 for classic pcap) — flows on different interfaces are kept apart. */
  interface: number;
  initiator: Endpoint;
  responder: Endpoint;
  packets: DirPair;
  ipBytes: DirPair;
  payloadBytes: DirPair;
  first: PacketRef;
  last: PacketRef;
  /** TCP flags seen on the flow (present for TCP flows only). */
  tcp?: { syn: boolean; synAck: boolean; fin: boolean; rst: boolean };
  /** Packets of this flow that were non-first IP fragments (counted via the fragment table). */
  fragments: number;
  /**
   * Present when `fragments` > 0 (elsewhere it equals `packets`): datagrams per direction as
   * conntrack counts them, a fragmented datagram once (packets less its non-first fragments);
   * null for a TCP flow whose fragment counts saturated (not known per direction).
   */
  datagrams?: DirPair | null;
}

export interface CaptureInfo {
  file: string;
  format: "pcap" | "pcapng" | "unknown";
  linkTypes: number[];
  packets: number;
  bytes: number;
  truncatedPackets: number;
  partial: boolean;
}

export interface FlowsReport {
  schemaVersion: 1;
  capture: CaptureInfo;
  flows: Flow[];
  stats: Record<string, number>;
  diagnostics: Diagnostic[];
}
