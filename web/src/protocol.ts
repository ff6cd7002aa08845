/**
 * Messages between the page (web/src/main.ts) and the engine worker (web/src/worker.ts).
 * Files cross as File handles (structured clone shares the underlying data, no copy); the report
 * comes back as the same object `alg-verify verify --json` prints; flow tables come back as a
 * transferred copy of their wasm records.
 */
import type { Cidr, InterfaceSpec, VerifyReport } from "../../src/browser/index.js";

export type Side = "inside" | "outside";

/** The limits the page's "Limits" box sets (scan options, and verify's sipSidesDialogs; unset = the engine's default, the CLI's). */
export type PageLimit =
  | "flowCapLog2" | "maxControlStreams" | "controlIdleSeconds" | "maxNegotiations" | "maxSipDialogs" | "maxSessions" | "maxTftpTransfers" | "maxTftpSessions" | "maxTftpDuplicateAcks"
  | "maxTunnelDepth" | "reasmDatagrams" | "reasmBytes" | "reasmTimeoutSeconds" | "sipSidesDialogs" | "maxRouterLines";

export interface VerifyRequest {
  type: "verify";
  inside?: File;
  outside?: File;
  router: { name: string; text: string }[];
  /** One capture holding both sides (`inside` and `outside` are then the same File). */
  insideIf?: InterfaceSpec;
  outsideIf?: InterfaceSpec;
  /** The CLI's verify options of the same names (src/node/cli.ts); limits as the scan takes them. */
  options: {
    profile: "lenient" | "linux";
    ftpPorts: number[];
    rtspPorts: number[];
    sipPorts: number[];
    tftpPorts: number[];
    vxlanPorts: number[];
    windowSeconds: number;
    frameTolerance: number;
    allMappings: boolean;
    clockOffsetMs?: number;
    hints: { natAddresses: string[]; insideNets: Cidr[] };
  } & Partial<Record<PageLimit, number>>;
}

export interface FlowTableTransfer {
  side: Side;
  /** Flow records (FLOW_SIZE bytes each) as packFlows copies them (slot order); `count` of them. */
  records: ArrayBuffer;
  count: number;
}

export type WorkerMessage =
  | { type: "ready" }
  | { type: "progress"; side: Side; bytes: number; total: number }
  | {
    type: "done";
    report: VerifyReport;
    /** Predicted conversations in Junos layout (`verify --format junos`). */
    junos: string;
    /** The router files as `alg-verify router` prints them. */
    routerText: string;
    /** `alg-verify verify` text report. */
    text: string;
    flows: FlowTableTransfer[];
    /** Per capture: bytes and the time the engine spent on it. */
    timing: { side: Side; bytes: number; ms: number; wasmBytes: number; stalls: number; reads: number; waitMs: number }[];
    /** The located capture error (as the CLI prints it on stderr), when a capture is damaged. */
    inputError?: string;
  }
  | { type: "error"; message: string };
