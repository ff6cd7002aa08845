/**
 * Types of `verify`: NAT mappings between the inside and outside captures, payload-rewrite
 * checks, the predicted ALG conversations (Junos shaped), findings and answers. The JSON Schema
 * `schema/verify.schema.json` describes the report; keep both in step.
 */
import type { Endpoint, PacketRef, Severity } from "../types.js";
import type { Negotiation, SessionAlg } from "../alg/sessions.js";
import type { NatTranslation, RouterEndpoint } from "../router/types.js";
import type { VerifiedSip } from "./sip.js";

export type Side = "inside" | "outside";

/** One flow seen on both sides of the NAT (or on one side only when unpaired). */
export interface NatMapping {
  proto: string;
  /** Flow ids in each capture. */
  insideFlow?: number;
  outsideFlow?: number;
  /** outbound: the inside host opened it; inbound: the remote host opened it through the NAT. */
  direction: "outbound" | "inbound";
  /** The inside host's endpoint as seen inside and as seen outside (its translation). */
  inside: Endpoint;
  translated: Endpoint;
  /** The remote (untranslated) endpoint. */
  remote: Endpoint;
  /** Source NAT kept the port. */
  portKept: boolean;
  /**
   * The two captures disagree on which end sent first: the first packets of the two directions
   * crossed at the router (direction: as the inside capture says). Linux then made two conntrack
   * entries for the flow and resolved their clash (verify's conntrack.counters-clash).
   */
  firstPacketsCrossed?: true;
  /** How the pairing was made: same remote endpoint + time + counts. */
  evidence: { insideFirstPacket?: number; outsideFirstPacket?: number; timeDeltaMs?: number };
}

export interface Evidence {
  /** Packet numbers in each capture. */
  inside?: number[];
  outside?: number[];
  /** Flow ids in each capture. */
  insideFlows?: number[];
  outsideFlows?: number[];
  /** Router output locations. */
  router?: { file: string; line: number }[];
}

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  /** What it means and what to check next. */
  explanation: string;
  evidence: Evidence;
  /** How many negotiations/flows share this cause (one finding, N pieces of evidence); absent = 1. */
  occurrences?: number;
}

/**
 * One thing `verify` checked, or could not check, and why: the report says what a verdict rests on.
 * `check` is a stable name (e.g. "rewrite", "data-path", "router-flow", "nat-pairing", "coverage");
 * `subject` what it was about (a negotiation, a flow, a router file).
 */
export interface Check {
  check: string;
  subject: string;
  status: "passed" | "failed" | "not-checked";
  reason: string;
}

export type Verdict = "pass" | "fail" | "inconclusive";

/**
 * rewritten: the ALG changed the payload to match the NAT; not-needed: it was right as written
 * (passive FTP to a public server, ports kept); not-rewritten: it needed a rewrite and got none;
 * wrong: changed, but not to the NAT's translation; n/a: the transport carries no address/port.
 */
export type RewriteStatus = "rewritten" | "not-needed" | "not-rewritten" | "wrong" | "n/a";

/** A negotiation as seen on each side, with the rewrite the ALG should have made. */
export interface VerifiedNegotiation {
  kind: Negotiation["kind"];
  command?: string;
  inside?: Negotiation;
  outside?: Negotiation;
  rewrite?: { expected: { ip?: string; port?: number }; observed: { ip?: string; port?: number }; ok: boolean; status?: RewriteStatus };
  /**
   * What happened to the data/media flows it announced. not-covered: the flow would start where a
   * capture it needs has no packets (before its first, after its last, beyond damage): not judged.
   */
  dataPath: "forwarded" | "blocked" | "not-attempted" | "late" | "refused" | "not-applicable" | "one-side-only" | "not-covered" | "stopped";
  /** Why the data path is not-covered (which capture has no packets where the flow would start). */
  notCovered?: string;
  /**
   * The line (FTP; RTSP: a Transport line of the SETUP) was sent twice with different bytes in a
   * capture (Negotiation.retransmissionDiffers): why neither its rewrite nor a missing flow is judged.
   */
  twoCopies?: string;
  /** FTP: the transfer the control connection asked for with it (e.g. "RETR hello.txt"). */
  transfer?: string;
}

export interface VerifiedSession {
  alg: SessionAlg;
  control: {
    insideFlow?: number; outsideFlow?: number; client: Endpoint; server: Endpoint; clientTranslated?: Endpoint;
    /** The control connection's first packet in each capture (the session's start: t=0 of its ladder diagram). */
    first?: { inside?: PacketRef; outside?: PacketRef };
  };
  negotiations: VerifiedNegotiation[];
  /** SIP dialogs: the messages paired across the NAT with their field checks, and the media per direction (src/verify/sip.ts). */
  sip?: VerifiedSip;
  /** TFTP: the request and how its transfer ended, as each capture shows it (src/verify/tftp.ts). */
  tftp?: VerifiedTftp;
}

/** How a TFTP transfer ended in one capture (the analyzer's TftpInfo, src/alg/tftp.ts). */
export interface TftpTransferView {
  outcome: "completed" | "error" | "unanswered" | "incomplete";
  /** Distinct DATA blocks, their payload bytes, the block size in use, repeated blocks, repeated ACKs. */
  blocks: number;
  bytes: number;
  blockSize: number;
  duplicates: number;
  duplicateAcks: number;
  /** The repeated-ACK count stopped at --max-tftp-duplicate-acks (the first repeat not counted). */
  duplicateAcksCapped?: { packet: number };
  /** The transfer's flow in this capture and the server's port. */
  transferFlow?: number;
  serverPort?: number;
  /** The final (short) DATA block, when completed; whether it was acknowledged. */
  endPacket?: number;
  lastAcked?: boolean;
  error?: { code: number; message: string; packet: number; from: "server" | "client" };
  stopped?: "evicted" | "idle" | "superseded" | "not-followed";
  /** Packets of the request's further copies before any answer (the client repeated it). */
  retries?: number[];
  /** The request is not filename NUL mode NUL (option NUL value NUL)*: its fields may be wrong. */
  malformed?: true;
  /** The request was cut (snaplen) or longer than 1024 bytes: its fields may be incomplete. */
  truncated?: true;
}

export interface VerifiedTftp {
  opcode: "RRQ" | "WRQ";
  filename: string;
  mode: string;
  options: Record<string, string>;
  inside?: TftpTransferView;
  outside?: TftpTransferView;
}

/** A predicted or router flow in Junos terms. */
export interface PredictedFlow {
  proto: string;
  src: RouterEndpoint;
  dst: RouterEndpoint;
  state: "Watch" | "Forward";
  dir: "I" | "O";
  frames: number;
  /** IP bytes (IP header lengths) of the same packets, from the same capture (conntrack's bytes=). */
  bytes?: number;
  /**
   * Present when the flow carried IP fragments: its datagrams in this direction, a fragmented one
   * once (what conntrack's packets= count; `frames` counts every fragment); null when not known
   * (a TCP flow with fragments: Flow.datagrams).
   */
  datagrams?: number | null;
  nat: NatTranslation[];
  /**
   * True when the flow did not cross the NAT in the captures, so its translation is the one the
   * payload announced (or the NAT address with the inside port kept), not one that was seen.
   */
  inferred?: boolean;
  /**
   * Present when the two captures disagree on which end sent first: the first packets of the two
   * directions crossed at the router (each entered it before the other's first packet left it).
   * What the other capture shows of this direction after the router: its packets and IP bytes.
   * Linux then made two new conntrack entries for one connection and resolved their clash, which
   * leaves its counters off the captures' in known ways (compareConntrack).
   */
  firstPacketsCrossed?: { frames: number; bytes: number };
  /** What the seed calls it: control initiator/responder, data initiator/responder. */
  role: "control initiator" | "control responder" | "data initiator" | "data responder";
}

export interface PredictedConversation {
  alg: SessionAlg;
  flows: PredictedFlow[];
}

export interface Answer {
  question: string;
  answer: string;
  findings: string[];
}
