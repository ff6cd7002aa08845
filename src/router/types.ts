/**
 * Types of the router-output side of alg-verify (`alg-verify router`).
 *
 * Two layers:
 *  - per-format **documents** (`RouterDocument`): what one command output held, field for field,
 *    e.g. the `Interface:` / `Conversation:` tree of a Junos conversation list;
 *  - the **normalised model** (`RouterFlow`, `RouterCounter`, `RouterEvent`, `RouterExpectation`)
 *    that the verify step compares with captures, the same shape whatever the router format.
 *
 * Locations: `line` is 1-based. Diagnostics follow esbuild: `line` 1-based, `column` 0-based
 * (UTF-16 code units into `lineText`). The JSON Schema `schema/router.schema.json` describes the
 * report; keep both in step.
 *
 * Parse results are read-only: to keep million-line dumps cheap, equal endpoints are mostly one
 * shared object, and conntrack flag lists and empty Junos NAT lists are shared frozen arrays.
 */
import type { Diagnostic, FlowProto } from "../types.js";

/** Format names accepted by `--format` (besides `auto`). */
export const ROUTER_FORMATS = [
  "junos-conversations",
  "junos-statistics",
  "junos-syslog",
  "srx-flow-session",
  "srx-alg-status",
  "srx-sip-calls",
  "srx-sip-transactions",
  "conntrack",
  "conntrack-expect",
  "conntrack-events",
] as const;

export type RouterFormat = (typeof ROUTER_FORMATS)[number];

/**
 * An address as printed (IPv6 canonicalised, RFC 5952 as src/net/addr.ts prints it: IPv4-mapped as
 * `::ffff:1.2.3.4`) and its port; `port` is null when none is printed.
 */
export interface RouterEndpoint {
  ip: string;
  port: number | null;
}

/** A located place in the input: 1-based line of the record's first line. */
export interface DocLocation {
  line: number;
}

/** A NAT translation `from` → `to`. `source`: the source address is rewritten; `dest`: the destination. */
export interface NatTranslation {
  kind: "source" | "dest";
  from: RouterEndpoint;
  to: RouterEndpoint;
}

/* ------------------------------------------------------------------------------------------ */
/* Junos `show services stateful-firewall conversations | flows` (and pgcp conversations)      */
/* ------------------------------------------------------------------------------------------ */

export interface JunosFlow {
  /** Protocol word as printed: `TCP`, `UDP`, `ICMP`, `47`, ... */
  proto: string;
  src: RouterEndpoint;
  dst: RouterEndpoint;
  /** State word as printed: `Watch`, `Forward`, `Drop`, `Unknown`, ... */
  state: string;
  /** `I` = initiator side (pre-NAT addresses), `O` = responder side (as seen on the public wire). */
  dir: "I" | "O";
  /** `Frm count` column. */
  frames: number;
  /** 0..2 `NAT source` / `NAT dest` lines under the flow, in printed order. */
  nat: NatTranslation[];
  /** `Gate id:` (BGF / pgcp variant only). */
  gateId?: number;
  /** Unrecognised `key: value` lines under the flow, kept verbatim. */
  extra?: Record<string, string>;
  location: DocLocation;
}

export interface JunosConversation {
  /** `ALG protocol:` value (`ftp`, `rtsp`, `any`, ...); null for flows printed without a `Conversation:` line. */
  alg: string | null;
  /** `Number of initiators:`; null when not printed. */
  initiators: number | null;
  /** `Number of responders:`; null when not printed. */
  responders: number | null;
  flows: JunosFlow[];
  extra?: Record<string, string>;
  location: DocLocation;
}

export interface JunosInterface {
  /** Service interface (`sp-1/3/0`, `ms-1/3/0`); null for flows printed without an `Interface:` line. */
  name: string | null;
  /** `Service set:` (also the SDK typo `Service ser:`); null when not printed. */
  serviceSet: string | null;
  conversations: JunosConversation[];
  location: DocLocation;
}

/* ------------------------------------------------------------------------------------------ */
/* Other per-format records                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** One ASP_* service-PIC system log message. */
export interface JunosSyslogEvent {
  /** RFC 3164 PRI (`<24>`), if printed. */
  pri?: number;
  /** Leading syslog timestamp as printed (`Oct 27 11:42:54` or an ISO form). */
  timestamp?: string;
  /** Host name before the slot tag or the service set. */
  host?: string;
  fpcSlot?: number;
  picSlot?: number;
  /** PIC timestamp printed after the slot tag (`2012-06-13 00:25:02`). */
  embeddedTimestamp?: string;
  /** Configured log prefix glued to `{service-set}`. */
  prefix?: string;
  serviceSet: string;
  /** The bracketed service: `FWNAT`, `IDS`, ... */
  service: string;
  /** Message tag, e.g. `ASP_SFW_CREATE_ACCEPT_FLOW`. */
  tag: string;
  /** IP protocol number from `proto N (NAME)`. */
  protoNumber: number;
  protoName: string;
  /** `application:` value, when an application matched. */
  application?: string;
  /** Ingress interface before the 5-tuple. */
  interface?: string;
  src: RouterEndpoint;
  dst: RouterEndpoint;
  /** Free text after the 5-tuple (NAT suffix removed). */
  text: string;
  /** `; source address and port translate to ip:port`. */
  natSource?: RouterEndpoint;
  location: DocLocation;
}

/** One `show security flow session` session. */
export interface SrxSession {
  sessionId: string;
  /** Cluster node (`node0`) the session was listed under, if any. */
  node?: string;
  policy?: string;
  haState?: string;
  timeout?: number;
  sessionState?: string;
  /** Every `key: value` of the `Session ID:` line (and unrecognised lines under it). */
  attributes: Record<string, string>;
  in?: SrxWing;
  out?: SrxWing;
  location: DocLocation;
}

export interface SrxWing {
  src: RouterEndpoint;
  dst: RouterEndpoint;
  /** Protocol after `;` (`tcp`, `udp`, `icmp`, a number). */
  proto: string;
  connTag?: string;
  interface?: string;
  packets?: number;
  bytes?: number;
  attributes: Record<string, string>;
  location: DocLocation;
}

/** One `  NAME : Enabled|Disabled` line of `show security alg status`. */
export interface SrxAlgStatus {
  name: string;
  enabled: boolean;
  status: string;
  location: DocLocation;
}

/**
 * One call of SRX `show security alg sip calls [brief | detail]`. The SRX may hide the real
 * Call-ID (ALG-BEHAVIOUR.md §8.9: `disable-call-id-hiding` is a knob), so `callId` is what the
 * router printed, not necessarily what the captures carry.
 */
export interface SrxSipCall {
  callId: string;
  method?: string;
  /** detail: `SETUP`, ... */
  state?: string;
  /** detail: `Group ID` (the ALG's resource group). */
  groupId?: number;
  /** Fields of the documentation's field table, when printed. */
  uasCallId?: string;
  localTag?: string;
  remoteTag?: string;
  /** Every `key : value` line of the call as printed (including the known ones). */
  attributes: Record<string, string>;
  location: DocLocation;
}

/** One row of SRX `show security alg sip transactions`. */
export interface SrxSipTransaction {
  /** `UAS:tsx0x4b06ddf4` */
  name: string;
  /** The `UAC:` / `UAS:` prefix of the name. */
  role?: "UAC" | "UAS";
  method: string;
  cseq: number;
  state: string;
  /** Seconds; -1 as printed for none. */
  timeout: number;
  /** `VIA RSC ID`; null for `-`. */
  viaRscId: string | null;
  location: DocLocation;
}

/** One direction tuple of a conntrack entry. */
export interface ConntrackTuple {
  src: RouterEndpoint;
  dst: RouterEndpoint;
  packets?: number;
  bytes?: number;
  /** ICMP `type= code= id=`. */
  icmp?: { type?: number; code?: number; id?: number };
  zone?: number;
}

/** One `conntrack -L` / `/proc/net/nf_conntrack` entry, or one `conntrack -E` event. */
export interface ConntrackEntry {
  /** `-E` only: `NEW`, `UPDATE`, `DESTROY`. */
  event?: string;
  /** `-E -o timestamp` only: seconds since the epoch as printed (`1712345678.123456`). */
  time?: string;
  /** `ipv4` / `ipv6` (extended layout and /proc only). */
  l3?: string;
  /** l4 protocol name and number as printed (`tcp`, 6). */
  protoName: string;
  protoNumber: number;
  timeout?: number;
  /** TCP (or SCTP/DCCP) state word. */
  state?: string;
  orig: ConntrackTuple;
  reply?: ConntrackTuple;
  /** Bracketed flags (`UNREPLIED`, `ASSURED`, `OFFLOAD`, ...). */
  flags: string[];
  mark?: number;
  zone?: number;
  helper?: string;
  use?: number;
  id?: number;
  /** Any other `key=value` token. */
  extra?: Record<string, string>;
  location: DocLocation;
}

/** One `conntrack -L expect` / `/proc/net/nf_conntrack_expect` line, or one `conntrack -E expect` event. */
export interface ConntrackExpectation {
  /** `-E expect` only: `NEW`, `UPDATE`, `DESTROY`. */
  event?: string;
  /** `-E expect -o timestamp` only: seconds since the epoch as printed (`1796308949.438166`). */
  time?: string;
  timeout: number;
  l3proto?: number;
  protoNumber: number;
  /** The expected connection (source port usually 0 = any). */
  tuple: { src: RouterEndpoint; dst: RouterEndpoint };
  mask?: { src: RouterEndpoint; dst: RouterEndpoint };
  /** The connection whose helper created the expectation. */
  master?: { src: RouterEndpoint; dst: RouterEndpoint };
  flags: string[];
  class?: number;
  helper?: string;
  /** /proc form only: the class name printed after the helper (`sip/audio` → "audio"). */
  className?: string;
  extra?: Record<string, string>;
  location: DocLocation;
}

/* ------------------------------------------------------------------------------------------ */
/* Documents                                                                                   */
/* ------------------------------------------------------------------------------------------ */

interface DocBase {
  file: string;
  /** 1-based line where this command output starts (its prompt line, if any). */
  location: DocLocation;
  /** The command after the prompt (wrapped parts joined), if the output was pasted with its prompt. */
  command?: string;
  /** True when `--format` forced the format. */
  forced?: boolean;
}

export interface JunosConversationsDocument extends DocBase {
  format: "junos-conversations";
  interfaces: JunosInterface[];
}
export interface JunosStatisticsDocument extends DocBase {
  format: "junos-statistics";
  interface: string | null;
  serviceSet: string | null;
  /** section → label → number; labels before the first section go under `general`. */
  statistics: Record<string, Record<string, number>>;
}
export interface JunosSyslogDocument extends DocBase {
  format: "junos-syslog";
  events: JunosSyslogEvent[];
}
export interface SrxFlowSessionDocument extends DocBase {
  format: "srx-flow-session";
  sessions: SrxSession[];
  /** `Total sessions: N` lines, per node when clustered. */
  totals: { node?: string; total: number }[];
}
export interface SrxAlgStatusDocument extends DocBase {
  format: "srx-alg-status";
  algs: SrxAlgStatus[];
}
export interface SrxSipCallsDocument extends DocBase {
  format: "srx-sip-calls";
  /** `Total number of calls: N`, if printed. */
  total?: number;
  calls: SrxSipCall[];
}
export interface SrxSipTransactionsDocument extends DocBase {
  format: "srx-sip-transactions";
  /** `Total number of transactions: N`, if printed. */
  total?: number;
  transactions: SrxSipTransaction[];
}
export interface ConntrackDocument extends DocBase {
  format: "conntrack";
  entries: ConntrackEntry[];
  /** `N flow entries have been shown.`, if pasted. */
  shown?: number;
}
export interface ConntrackEventsDocument extends DocBase {
  format: "conntrack-events";
  events: ConntrackEntry[];
  shown?: number;
}
export interface ConntrackExpectDocument extends DocBase {
  format: "conntrack-expect";
  expectations: ConntrackExpectation[];
  shown?: number;
}

export type RouterDocument =
  | JunosConversationsDocument
  | JunosStatisticsDocument
  | JunosSyslogDocument
  | SrxFlowSessionDocument
  | SrxAlgStatusDocument
  | SrxSipCallsDocument
  | SrxSipTransactionsDocument
  | ConntrackDocument
  | ConntrackEventsDocument
  | ConntrackExpectDocument;

/* ------------------------------------------------------------------------------------------ */
/* Normalised model                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** Protocol: the capture side's names for tcp/udp/icmp/icmpv6, else the IP protocol number, else the printed word in lower case. */
export type RouterProto = FlowProto | string;

/** Location of a normalised record: the file and the 1-based line of its first line. */
export interface RouterLocation {
  file: string;
  line: number;
}

/** A flow (or session / conntrack entry) the router holds, the same shape for every format. */
export interface RouterFlow {
  /** Index into `documents` of the report / parse result. */
  document: number;
  /** Format of that document. */
  format: RouterFormat;
  proto: RouterProto;
  /** Source of the flow as listed (Junos: pre-NAT for `I`, wire for `O`; SRX `In:`; conntrack original tuple). */
  src: RouterEndpoint;
  dst: RouterEndpoint;
  /** Junos state word (`Watch`, `Forward`, ...), SRX session state, conntrack TCP state. */
  state?: string;
  /** Junos `I`/`O`. */
  direction?: "I" | "O";
  /** Junos `Frm count`. */
  frames?: number;
  /** Packet counters: `orig` = src→dst direction, `reply` = the other (SRX `In`/`Out`, conntrack accounting). */
  packets?: { orig?: number; reply?: number };
  /** Byte counters, same directions as `packets`. */
  bytes?: { orig?: number; reply?: number };
  /** Translations: Junos NAT lines; SRX/conntrack derived from the reply wing differing from the mirrored original. */
  nat: NatTranslation[];
  /** 1-based number of the Junos conversation in the document. */
  conversation?: number;
  /** ALG: Junos `ALG protocol`, conntrack `helper=`. */
  alg?: string;
  /** Junos service interface / SRX ingress interface. */
  interface?: string;
  /** Junos service set. */
  serviceSet?: string;
  /** Junos BGF `Gate id`. */
  gateId?: number;
  /** SRX session id / conntrack `id=`. */
  id?: string;
  /** Remaining lifetime in seconds (SRX `Timeout`, conntrack timeout). */
  timeout?: number;
  /** conntrack flags (`ASSURED`, `UNREPLIED`, ...). */
  flags?: string[];
  /** conntrack zone. */
  zone?: number;
  location: RouterLocation;
}

/** One counter of a statistics output, flattened. */
export interface RouterCounter {
  document: number;
  interface: string | null;
  serviceSet: string | null;
  section: string;
  label: string;
  value: number;
  location: RouterLocation;
}

/** Kinds of events: flow created / deleted / updated, packet dropped, rule accepted, anything else. */
export type RouterEventKind = "create" | "delete" | "update" | "drop" | "accept" | "other";

/** A log / event-stream record (ASP_* syslog, `conntrack -E`). */
export interface RouterEvent {
  document: number;
  format: RouterFormat;
  kind: RouterEventKind;
  /** `ASP_SFW_CREATE_ACCEPT_FLOW`, `NEW`, ... */
  tag: string;
  /** Timestamp as printed, if any. */
  time?: string;
  proto: RouterProto;
  src: RouterEndpoint;
  dst: RouterEndpoint;
  nat: NatTranslation[];
  /** Junos `application:` / conntrack `helper=`. */
  alg?: string;
  interface?: string;
  serviceSet?: string;
  /** Junos free text. */
  text?: string;
  location: RouterLocation;
}

/** An expectation (pinhole) an ALG helper opened. */
export interface RouterExpectation {
  document: number;
  format: RouterFormat;
  proto: RouterProto;
  src: RouterEndpoint;
  dst: RouterEndpoint;
  master?: { src: RouterEndpoint; dst: RouterEndpoint };
  alg?: string;
  /**
   * The helper's expectation class: its number (`class=1`) and name (`sip/audio`), each derived
   * from the other where the helper names its classes (SIP: 0 signalling, 1 audio, 2 video, 3 image).
   */
  class?: number;
  className?: string;
  /** Flags as printed (`PERMANENT`, `INACTIVE`, `USERSPACE`); absent when none. */
  flags?: string[];
  timeout: number;
  /** `conntrack -E expect` only: the event (`NEW`, `DESTROY`, ...) and its `-o timestamp` time. */
  event?: string;
  time?: string;
  location: RouterLocation;
}

/** Everything parsed from one file. */
export interface RouterParseResult {
  file: string;
  documents: RouterDocument[];
  flows: RouterFlow[];
  counters: RouterCounter[];
  events: RouterEvent[];
  expectations: RouterExpectation[];
  diagnostics: Diagnostic[];
  /**
   * Set when nothing in the file was understood: what the file looks like instead
   * (describeUnrecognised: "a pcap capture", "binary data", "an nftables ruleset", "empty", ...).
   */
  looksLike?: string;
}

/** `router --json` (schemaVersion 1). Indices in `document` fields point into `documents`. */
export interface RouterReport {
  schemaVersion: 1;
  documents: RouterDocument[];
  flows: RouterFlow[];
  counters: RouterCounter[];
  events: RouterEvent[];
  expectations: RouterExpectation[];
  diagnostics: Diagnostic[];
}

export interface RouterParseOptions {
  /** Force one format for the whole file (`auto` or undefined = detect). */
  format?: RouterFormat | "auto";
  /**
   * Located diagnostics kept per file (default DEFAULT_DIAGNOSTIC_LIMIT); the rest are counted in
   * one `diagnostic_limit` diagnostic.
   */
  diagnosticLimit?: number;
  /**
   * The compiled wasm core (build/release.wasm): a conntrack dump read in pieces (parseRouterStream)
   * then has the JSON of its usual lines written by it (assembly/conntrack-json.ts; the same bytes,
   * faster). Without it, or with a core that lacks that writer, every line is scanned in JavaScript.
   */
  wasm?: WebAssembly.Module;
}

/** Default of RouterParseOptions.diagnosticLimit (`router --diagnostic-limit`). */
export const DEFAULT_DIAGNOSTIC_LIMIT = 1000;

/**
 * Rows of a `router` text table whose cells set its column widths (the header and the first this
 * many rows; README "alg-verify router"): the text is written as the records are read.
 */
export const WIDTH_WINDOW = 1000;
