/**
 * Report shapes of SIP sessions (`Session.sip`, analyze JSON `sessions[].sip`): what the SIP
 * events of the wasm core (EventKind.SipLine, assembly/alg/sip.ts) become once parsed by
 * src/alg/sip*.ts. Consumed by verify (src/verify/sip*.ts) and the router comparison.
 */
import type { Endpoint } from "../types.js";

/** One Via value (topmost first within a message). */
export interface SipVia {
  /** Transport of the sent-by ("UDP", "TCP", "TLS" …), upper case. */
  transport: string;
  host: string;
  port?: number;
  received?: string;
  /** `rport` with a value; `true` when present without one (a request asking for it). */
  rport?: number | true;
  branch?: string;
}

/** One Contact value (a header may list several, comma separated). */
export interface SipContact {
  /** The URI without angle brackets, e.g. `sip:alice@192.0.2.1:5060;transport=udp`. */
  uri: string;
  /** Host of the URI (IPv6 without brackets). */
  host: string;
  port?: number;
  /** `expires=` parameter of the Contact, when present. */
  expires?: number;
}

/** A From/To value: its URI and tag. */
export interface SipParty {
  uri: string;
  tag?: string;
}

export type SdpDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export interface SdpMedia {
  /** `audio`, `video`, `image`, `application` … */
  type: string;
  port: number;
  /** Port count of `m=audio 7000/2` (1 when absent). */
  count: number;
  proto: string;
  /** Media-level c= (the first one of this m= section). */
  connection?: { ip: string };
  /** a=rtcp: port (and its address when given). */
  rtcpPort?: number;
  rtcpIp?: string;
  rtcpMux?: boolean;
  /** Media-level direction attribute, else the session-level one. */
  direction?: SdpDirection;
  /** The m= line as sent. */
  line: string;
}

export interface Sdp {
  origin?: { ip: string; line: string };
  /** Session-level c= (the first one before any m=). */
  connection?: { ip: string; line: string };
  /** Session-level direction attribute. */
  direction?: SdpDirection;
  media: SdpMedia[];
}

export interface SipMessage {
  /** Packet that completed the message (its last TCP segment; the datagram over UDP). */
  packet: number;
  time: string;
  /** Flow that carried the message (a dialog may span several flows: UDP both ways, TCP). */
  flow: number;
  /** Direction within that flow: 0 = sent by its initiator, 1 = by its responder. */
  dir: 0 | 1;
  src: Endpoint;
  dst: Endpoint;
  request?: { method: string; uri: string };
  status?: { code: number; reason: string };
  cseq?: { num: number; method: string };
  callId?: string;
  via: SipVia[];
  contact: SipContact[];
  from?: SipParty;
  to?: SipParty;
  /** Declared Content-Length (absent when the header is missing or not a number). */
  contentLength?: number;
  contentLengthMalformed?: boolean;
  contentType?: string;
  /** Expires header value. */
  expires?: number;
  /** Body bytes present in the capture. */
  bodyLength: number;
  /** The datagram/stream was cut (snaplen, IP fragment, TCP gap): the message is partial. */
  truncated?: boolean;
  /**
   * UDP: bytes follow the body Content-Length declares and they do not start another SIP message
   * (the wasm's BodyLong flag): the real body is longer than Content-Length says.
   */
  bodyLong?: boolean;
  /** Relative TCP sequence number of the message start (0 over UDP). */
  seq: number;
  /** Index of the message within its datagram/segment (0 = first). */
  indexInPacket: number;
  /** TCP segments the message was spread over (1 over UDP). */
  segments: number;
  /**
   * TCP: bytes of this message were sent again with other bytes (a TcpConflict in its sequence
   * space, diagnostic tcp_retransmission_differs); `packet` carried the other copy. The message is
   * the first copy, the one read: which copy the peer took is not known.
   */
  retransmissionDiffers?: { packet: number };
  /** Header names written in compact form (`v`, `m`, `l` …), when any. */
  compact?: string[];
  /** Headers folded over several lines, when any (lower-case names). */
  folded?: string[];
  sdp?: Sdp;
}

export interface SipSession {
  callId: string;
  /** Method of the request that started the dialog (INVITE, REGISTER, OPTIONS …). */
  method: string;
  transport: "udp" | "tcp";
  /** Flows that carried its messages, in order of first use. */
  flows: number[];
  /** From tag of the dialog's first request, To tag of the first answer that set one. */
  fromTag?: string;
  toTag?: string;
  /** Messages, at most --max-negotiations (the rest counted in the session's `partial`). */
  messages: SipMessage[];
  /** REGISTER: the Contact binding and how long it is kept (the 2xx's value when answered). */
  register?: { contact: SipContact[]; expires?: number; status?: number; packet: number; linux?: LinuxRegister };
}

/**
 * `--profile linux`: the signalling expectation nf_conntrack_sip keeps for a REGISTER
 * (ALG-BEHAVIOUR.md §8.2/§8.3), after the dialog's last REGISTER and the answer to it:
 *   active    a 2xx named the Contact again with expires > 0: the pinhole is open for `timeoutS`
 *   pending   created PERMANENT + INACTIVE, no answer seen (not usable until a 2xx)
 *   flushed   a non-2xx final answer, or a 2xx without that Contact (or with expires 0), removed it
 *   none      the helper creates none (`reason`: expires 0 or absent, third-party Contact, transport)
 *   dropped   the helper drops the REGISTER (`reason`: the Contact or its expires= does not parse;
 *             verify --profile linux: its expectation met an identical live one, `clash` EALREADY)
 *   moved     verify --profile linux only: its expectation met an identical live one of another
 *             connection (`clash` EBUSY): the kernel puts it, and the Contact, on a random port
 *             above the wanted one, which cannot be predicted (no `expectation`)
 */
export interface LinuxRegister {
  outcome: "active" | "pending" | "flushed" | "none" | "dropped" | "moved";
  reason: string;
  /** The REGISTER request it rests on, and the answer that settled it. */
  packet: number;
  answerPacket?: number;
  /** The expectation (from the registrar: sip_direct_signalling=1) — absent for none/dropped. */
  expectation?: { proto: "udp" | "tcp"; from: string; to: { ip: string; port: number }; timeoutS?: number };
  /** verify --profile linux: the live expectation the REGISTER's met in the kernel's table (dropped, moved). */
  clash?: RegisterClash;
}

/**
 * A REGISTER's signalling expectation, on its NATed connection, identical to a live one in the
 * kernel's table (verify's cross-call table, src/verify/sip-linux.ts linuxClashes).
 */
export interface RegisterClash {
  /** EALREADY: the live one is of the same connection, another class (dropped); EBUSY: of another connection (moved). */
  errno: "EALREADY" | "EBUSY";
  /** The expectation the kernel wanted: from the registrar to the NAT address and port. */
  wanted: { proto: "udp" | "tcp"; from: string; to: { ip: string; port: number } };
  /** The inside message that left the live one (its name and packet), its signalling connection (inside flow) and its class. */
  heldBy: { message: string; packet: number; flow: number; class: string };
}

/** Why the media expected toward an SDP endpoint ended (MediaInfo.until). */
export type MediaEndReason = "hold" | "moved" | "rejected" | "peer-stopped";

/** `--profile linux`: what nf_conntrack_sip makes of one m= line (ALG-BEHAVIOUR.md §8.2/§8.3). */
export interface LinuxMedia {
  /** Its expectations (UDP, any source port): RTP on port & ~1 and RTCP on the next, from the other signalling endpoint. */
  expected: { from: string; to: { ip: string; port: number } }[];
  /** Why there is none (not a handled message, c= not the sender, port 0, ...). */
  none?: string;
  /** The message on the same signalling connection that flushed them (a later INVITE, a BYE, a >= 300 to the INVITE). */
  flushedBy?: { packet: number; command: string };
  /** Flows the peer opened toward them that an expectation let in (each is used once). */
  admitted?: number[];
  /**
   * Flows the peer opened toward this endpoint (its SDP was the last one naming it) that no live
   * expectation let in: flushed, already used by another flow, or expired (180 s).
   */
  refused?: { flow: number; why: string }[];
}

/** Why an SDP negotiation expects what it does (Negotiation.media). */
export interface MediaInfo {
  /** Offer (first SDP of an exchange) or answer. */
  offer: boolean;
  direction: SdpDirection;
  /** c=0.0.0.0 / :: or a=sendonly|inactive: no media toward this endpoint is expected. */
  hold: boolean;
  /** m= port 0: the stream was rejected / disabled. */
  rejected: boolean;
  /** The media type of the m= line. */
  type: string;
  /** a=rtcp-mux: RTCP shares the RTP port (no rtcpPort, no RTCP expectation). */
  rtcpMux?: boolean;
  /**
   * A later SDP of the dialog ended the media expected toward `announced` (RFC 3264 §8: a re-INVITE,
   * UPDATE or their answer; the offer counts from its own packet, an offer whose transaction failed
   * with >= 300 ends nothing): `hold` (the owner's new SDP holds: c=0.0.0.0/::, sendonly, inactive),
   * `rejected` (port 0), `moved` (a new endpoint, `to`), `peer-stopped` (the other party will not
   * send: recvonly, inactive or port 0). Re-announcing the same endpoint continues it.
   */
  until?: { packet: number; time: string; command: string; why: MediaEndReason; to?: { ip: string; port: number } };
  /**
   * Media toward the announced endpoint more than MEDIA_END_GRACE_S after `until`: the first such
   * flow, whether it started after the end (else it went on), and how long after the end.
   */
  afterEnd?: { flow: number; started: boolean; seconds: number };
  /** `--profile linux` only. */
  linux?: LinuxMedia;
}
