/**
 * The wasm ↔ host ABI: every offset, size and enum both sides agree on.
 *
 * PORTABLE: compiled by asc (AssemblyScript) and by tsc (host). It may contain only `enum`s and
 * untyped numeric `const`s — no AS-only types, no decorators, no imports.
 *
 * Memory map (allocated once by `init`, never grown afterwards; see assembly/memory.ts):
 *
 *   INPUT   inputCap bytes          capture bytes, written by the host, read by wasm
 *   FLOWS   flowCap × FLOW_SIZE     flow records (FlowRecord below) in the order they were made; a
 *                                   slot whose FL_HASH is 0 is free (assembly/flow/table.ts)
 *   FLOWIX  flowCap × 4             the flow index the packets probe (open addressing: key hash
 *                                   fingerprint | FLOWS slot + 1), and a u32 stack of freed FLOWS
 *                                   slots; wasm-private
 *   FRAGS   fragCap × FRAG_SIZE     IP fragment-id → flow table (direct mapped, bounded)
 *   IFACES  IFACE_MAX × IFACE_SIZE  pcapng interfaces of the current section
 *   STATS   STAT_COUNT × 8          u64 counters (enum Stat)
 *   STATE   STATE_SIZE              reader state the host reads (format, error, offsets)
 *   TRACE   traceCap × TRACE_SIZE   optional per-record tap (frame number, offset, time, lengths)
 *   ORDER   flowCap × 4             flow id → slot (filled by orderFlows before reporting)
 *   OUT     OUT_SIZE                report text written by writeFlowList (assembly/report/json.ts)
 *   ENDED   ENDED_CAP × FLOW_SIZE   records of flows that left the table (drained by the host each
 *                                   feed); at report time the staging area of writeFlowList
 *
 * Only numbers cross the boundary; the host reads records through DataViews named like the
 * constants here (src/wasm/views.ts).
 */

/** Bumped whenever a layout below changes; the host refuses a wasm with another version. */
export const ABI_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// FlowRecord: 128 bytes, little-endian, 8-byte aligned. "A" is the initiator (sender of the
// first SYN without ACK, else the receiver of a first SYN-ACK, else the sender of the first
// packet seen); "B" the responder. Addresses are in network byte order, IPv4 in bytes 0..3.
// ---------------------------------------------------------------------------------------------
export const FLOW_SIZE = 128;
/** u32: symmetric hash of the key; 0 = empty slot (hashes are forced non-zero). */
export const FL_HASH = 0;
/** u8: 4 or 6. */
export const FL_IPVER = 4;
/** u8: IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, …). */
export const FL_PROTO = 5;
/** u16: FlowFlag bits. */
export const FL_FLAGS = 6;
/** 16 bytes: address of A. */
export const FL_ADDR_A = 8;
/** 16 bytes: address of B. */
export const FL_ADDR_B = 24;
/** u16: port of A (host order; 0 for protocols without ports). */
export const FL_PORT_A = 40;
/** u16: port of B. */
export const FL_PORT_B = 42;
/** u16: outer VLAN id + 1 (0 = untagged). */
export const FL_VLAN0 = 44;
/** u16: inner VLAN id + 1 (0 = none). */
export const FL_VLAN1 = 46;
/** u32: packets A→B. */
export const FL_PKTS_AB = 48;
/** u32: packets B→A. */
export const FL_PKTS_BA = 52;
/** u64: IP bytes (IPv4 total length / IPv6 40 + payload length) A→B. */
export const FL_IPBYTES_AB = 56;
/** u64: IP bytes B→A. */
export const FL_IPBYTES_BA = 64;
/** u64: transport payload bytes A→B (from the IP lengths, so truncated packets count fully). */
export const FL_PAYLOAD_AB = 72;
/** u64: transport payload bytes B→A. */
export const FL_PAYLOAD_BA = 80;
/** u32: 1-based record number of the first packet. */
export const FL_FIRST_PKT = 88;
/** u32: 1-based record number of the last packet. */
export const FL_LAST_PKT = 92;
/** u64: first packet time, nanoseconds since the Unix epoch. */
export const FL_FIRST_TS = 96;
/** u64: last packet time, nanoseconds since the Unix epoch. */
export const FL_LAST_TS = 104;
/** u32: 1-based flow id in creation order. */
export const FL_ID = 112;
/** u16: interface key (global pcapng interface number; part of the key only when splitting). */
export const FL_IFACE = 116;
/** u16: packets of this flow that were non-first IP fragments (saturating). */
export const FL_FRAGS = 118;
/** u32: initial sequence number of A's SYN (when FF_SYN set). */
export const FL_ISN_A = 120;
/**
 * u32, TCP flows: the low CTRL_BITS bits are the ALG control stream's state (slot + 1, or one of
 * the values in assembly/alg/stream.ts; 0 = none), the high 32 - CTRL_BITS bits the non-first IP
 * fragments B→A (TCP_LATER_UNKNOWN once that count, or FL_FRAGS, saturated). The fragments A→B
 * are FL_FRAGS less those, so a TCP flow's datagrams are known per direction as a UDP flow's.
 */
export const FL_CTRL = 124;
export const CTRL_BITS = 17;
export const CTRL_MASK = 0x1ffff;
export const TCP_LATER_UNKNOWN = 0x7fff;
/**
 * u32 each, non-TCP flows only: the non-first IP fragments A→B and B→A, so that a flow's
 * datagrams (packets less these: what conntrack counts, a fragmented datagram once) are known per
 * direction. The words are FL_ISN_A and FL_CTRL, which only TCP flows use (a TCP flow keeps its
 * fragments B→A in FL_CTRL's high bits, see there).
 */
export const FL_LATER_AB = 120;
export const FL_LATER_BA = 124;

/** FlowRecord.flags bits. */
export enum FlowFlag {
  /** A sent a SYN without ACK. */
  Syn = 1,
  /** B sent a SYN with ACK. */
  SynAck = 2,
  /** A sent a FIN. */
  FinA = 4,
  /** B sent a FIN. */
  FinB = 8,
  /** Either side sent a RST. */
  Rst = 16,
  /** A later SYN on the same 5-tuple after this connection ended started a new flow. */
  Superseded = 32,
  /** The first packet was neither a SYN nor a SYN-ACK (capture started mid-connection). */
  Midstream = 64,
  /** The flow was created from a first IP fragment. */
  Fragmented = 128,
  /** A and B were swapped after creation (a SYN from B arrived after mid-stream packets). */
  Swapped = 256,
}

// ---------------------------------------------------------------------------------------------
// Fragment table entry (FRAGS region): maps (src, dst, id, proto) of a fragmented datagram to
// the flow its first fragment landed in.
// ---------------------------------------------------------------------------------------------
export const FRAG_SIZE = 96;
export const FR_HASH = 0; // u32, 0 = empty
export const FR_SLOT = 4; // u32 flow slot + 1; 0 = first fragment not seen yet (pending below)
export const FR_ID = 8; // u32 IP identification (IPv4: 16 bits)
export const FR_PROTO = 12; // u8
export const FR_DIR = 13; // u8 0 = A→B, 1 = B→A
export const FR_SRC = 16; // 16 bytes
export const FR_DST = 32; // 16 bytes
export const FR_TS = 48; // u64 ns of the first fragment
// Later fragments that arrived before their first fragment (counted in Stat.FragmentsUnattributed
// until the first fragment arrives and hands them to its flow).
export const FR_PEND_PKTS = 56; // u32
export const FR_PEND_FIRST_PKT = 60; // u32 packet number of the earliest pending fragment
export const FR_PEND_IPBYTES = 64; // u64
export const FR_PEND_PAYLOAD = 72; // u64
export const FR_PEND_FIRST_TS = 80; // u64
export const FR_FLOW_ID = 88; // u32 id of the flow at FR_SLOT (flows leave the table: checked on use)
// bytes 92..95: unused (a record no longer moves while its flow is in the table)

// ---------------------------------------------------------------------------------------------
// pcapng interface table of the current section (IFACES region).
// ---------------------------------------------------------------------------------------------
export const IFACE_MAX = 1024;
export const IFACE_SIZE = 32;
export const IF_LINKTYPE = 0; // u32
export const IF_SNAPLEN = 4; // u32
export const IF_TSRESOL = 8; // u32 raw if_tsresol byte (default 6)
export const IF_GLOBAL = 12; // u32 global interface number across sections
export const IF_TSOFFSET = 16; // i64 seconds

// ---------------------------------------------------------------------------------------------
// Record trace entry (TRACE region; only when init was given a trace capacity). The host drains
// the entries after each feed and resets ST_TRACE_COUNT; when the region is full, feed pauses
// after the record that filled it (ST_PAUSED) and the host calls it again on the rest.
// ---------------------------------------------------------------------------------------------
export const TRACE_SIZE = 32;
export const TR_OFFSET = 0; // u64 absolute file offset of the record (pcap header / pcapng block)
export const TR_TS = 8; // u64 ns since the epoch
export const TR_CAPLEN = 16; // u32
export const TR_ORIGLEN = 20; // u32
export const TR_LINKTYPE = 24; // u32
export const TR_IFACE = 28; // u32 global interface number

// ---------------------------------------------------------------------------------------------
// Reader state (STATE region) the host reads after each feed.
// ---------------------------------------------------------------------------------------------
export const STATE_SIZE = 256;
/** u32 CaptureFormat. */
export const ST_FORMAT = 0;
/** u32 ErrorCode of the fatal error that stopped framing (0 = none). */
export const ST_ERROR = 4;
/** u64 absolute file offset of the fatal error. */
export const ST_ERROR_OFFSET = 8;
/** u32 detail number for the error (the bad length, version, magic …). */
export const ST_ERROR_DETAIL = 16;
/** u32 second detail number (the limit that was exceeded, the minor version …). */
export const ST_ERROR_DETAIL2 = 20;
/** u64 absolute file offset of the start of the next unread byte. */
export const ST_OFFSET = 24;
/** u32 number of records (packets) framed so far. */
export const ST_PACKETS = 32;
/** u32 number of distinct link types seen (their values at ST_LINKTYPES). */
export const ST_NLINKTYPES = 36;
/** u32 number of flows created. */
export const ST_FLOWS = 40;
/** u32 number of pcapng interfaces seen over all sections. */
export const ST_IFACES = 44;
/** u32 first packet number that hit the full flow table (0 = never). */
export const ST_FULL_PACKET = 48;
/** u32 first packet number whose caplen exceeded the snaplen (0 = never). */
export const ST_OVERSNAP_PACKET = 52;
/** u32 first packet number that was a non-first fragment without its first fragment (0 = never). */
export const ST_ORPHAN_FRAG_PACKET = 56;
/** u32 first packet number of a link type we do not decode (0 = never). */
export const ST_UNSUPPORTED_PACKET = 60;
/** u32 records in the ENDED region written since the host last drained it. */
export const ST_ENDED_COUNT = 64;
/** u32 flows in the table now (live, or ended and not yet needed elsewhere). */
export const ST_FLOWS_HELD = 68;
/** u32 first packet number of a tunnel not decapsulated (too deep, malformed, unsupported, fragmented; 0 = never). */
export const ST_DECAP_PACKET = 168;
/** u32 first packet number of a fragmented ALG datagram that was not reassembled (0 = never). */
export const ST_REASM_PACKET = 172;
/** u32 bytes written to the OUT region by the last writeFlowList. */
export const ST_OUT_LEN = 116;
/** u32 1 when the last feed stopped early because an output region (trace, events) was full. */
export const ST_PAUSED = 124;
/** u32 number of entries in the TRACE region written since the host last drained it. */
export const ST_TRACE_COUNT = 120;
/** LINKTYPES_MAX × u32: the distinct link types seen, in order of first use. */
export const ST_LINKTYPES = 192;
export const LINKTYPES_MAX = 16;

export enum CaptureFormat {
  Unknown = 0,
  Pcap = 1,
  Pcapng = 2,
}

/** Fatal framing errors. The host turns each into a located diagnostic. */
export enum ErrorCode {
  None = 0,
  /** The first 4 bytes are neither a pcap nor a pcapng magic. detail = the bytes read. */
  BadMagic = 1,
  /** pcap major version is not 2 / pcapng section version not 1.0 or 1.2. detail = major, detail2 = minor. */
  BadVersion = 2,
  /** File ended inside a header or record. detail = bytes present, detail2 = bytes needed. */
  Truncated = 3,
  /** A pcap record's caplen exceeds the maximum. detail = caplen, detail2 = maximum. */
  CaplenTooLarge = 4,
  /** pcapng block total length below 12 or not a multiple of 4. detail = length. */
  BadBlockLength = 5,
  /** pcapng trailing block length differs from the leading one. detail = leading, detail2 = trailing. */
  BlockLengthMismatch = 6,
  /** A block or record larger than the input window. detail = length, detail2 = window. */
  RecordTooLarge = 7,
  /** pcapng option runs past its block. detail = option code, detail2 = option length. */
  OptionOverrun = 8,
  /** pcapng packet data runs past its block. detail = caplen, detail2 = room in block. */
  PacketOverrun = 9,
  /** pcapng: a block before the first SHB. detail = block type. */
  NoSectionHeader = 10,
  /** pcapng: an EPB/PB names an interface that no IDB declared. detail = interface id. */
  BadInterface = 11,
  /** pcapng: more interfaces in a section than IFACE_MAX. detail = count. */
  TooManyInterfaces = 12,
  /**
   * A record larger than any input window (MAX_WINDOW). detail = its length field (pcap caplen,
   * pcapng block total length), detail2 = the bytes that come with it (16-byte pcap record
   * header; 0 for pcapng).
   */
  RecordBeyondWindow = 13,
}

/** Counters in the STATS region: u64 each, index × 8. */
export enum Stat {
  /** Records framed (packets). */
  Packets = 0,
  /** Captured bytes (sum of caplen). */
  Bytes,
  /** Original bytes on the wire (sum of original length). */
  WireBytes,
  /** Records with caplen < original length. */
  Truncated,
  LinkEthernet,
  LinkSll,
  LinkSll2,
  LinkNull,
  LinkRaw,
  /** Records of a link type we do not decode. */
  LinkUnsupported,
  /** Frames carrying at least one 802.1Q/802.1ad tag. */
  Vlan,
  /** Frames with more than two VLAN tags (the outer two are kept in the key). */
  VlanDeep,
  /** Frames whose EtherType is not IP (ARP, LLDP, 802.3 LLC …). */
  NonIp,
  Ipv4,
  Ipv6,
  Tcp,
  Udp,
  Icmp,
  Icmpv6,
  /** IP packets of another protocol (counted as address-pair flows). */
  OtherIp,
  /** IP fragments (first and later ones). */
  Fragments,
  /** Non-first fragments attributed to a flow through the fragment table. */
  FragmentsAttributed,
  /** Non-first fragments whose first fragment was not seen (counted, not attributed). */
  FragmentsUnattributed,
  /** Fragment-table entries overwritten before their datagram ended. */
  FragTableEvictions,
  /** Link header shorter than its fixed size. */
  MalformedLink,
  /** IPv4 header invalid (IHL < 5, total length < header) or cut before its end. */
  MalformedIpv4,
  /** IPv6 header cut, or an extension header chain that runs out of the packet. */
  MalformedIpv6,
  /** TCP header cut before its ports, or data offset < 5. */
  MalformedTcp,
  /** UDP header cut before its ports. */
  MalformedUdp,
  /** IP version nibble neither 4 nor 6 on a raw-IP link. */
  UnsupportedIp,
  /** Packets that belong to no flow because the flow table was full. */
  Unattributed,
  /** Flows created. */
  Flows,
  /** pcapng blocks skipped by length (NRB, ISB, custom, unknown). */
  BlocksSkipped,
  /** pcapng sections (SHBs). */
  Sections,
  /** Records whose caplen exceeds the file's snaplen (tolerated up to the maximum). */
  CaplenOverSnaplen,
  /** Records whose caplen exceeds their original length. */
  CaplenOverOrig,
  /** Packets whose IP total length exceeds what was captured (snaplen truncation). */
  IpTruncated,
  /** TCP SYNs without ACK that started a new flow on an ended 5-tuple. */
  TcpReuse,
  /** Number of feed() calls. */
  Feeds,
  /** Control connections given a stream slot (FTP and RTSP). */
  ControlStreams,
  /** Control connections beyond the stream-table capacity (not reassembled). */
  ControlStreamsDropped,
  /** Control-stream segments that repeated sequence space already delivered (retransmissions). */
  CtrlRetransmits,
  /** Control-stream segments held for reordering. */
  CtrlReordered,
  /** Gaps in control streams (sequence space never seen). */
  CtrlGaps,
  /** Control-stream lines longer than LINE_MAX. */
  CtrlLongLines,
  /** Lines of control streams. */
  CtrlLines,
  /** Control-stream lines of non-text bytes (TLS after AUTH TLS …), skipped. */
  CtrlBinaryLines,
  /** Packets of other interfaces than the one selected (setInterfaceFilter): numbered, not accounted. */
  FilteredOut,
  /** Control streams ended by FIN both ways or RST (their slot freed for later connections). */
  ControlStreamsClosed,
  /** Control streams idle past the timeout whose slot was given to a new control connection. */
  ControlStreamsEvicted,
  /** Flows that left the table ended (FIN both ways / RST) or idle past their timeout (to the host's store). */
  FlowsEnded,
  /** Tunnel layers removed, per kind (a packet nested twice counts twice): IP-in-IP (IPv4/IPv6 protocol 4 or 41). */
  DecapIpInIp,
  /** GRE layers removed (version 0, IPv4/IPv6/transparent Ethernet bridging inside). */
  DecapGre,
  /** ERSPAN type I/II/III layers removed (GRE 0x88be / 0x22eb). */
  DecapErspan,
  /** VXLAN layers removed (UDP to a --vxlan-ports port). */
  DecapVxlan,
  /** Packets nested deeper than the tunnel depth limit: counted to the flow of the last layer decoded. */
  DecapTooDeep,
  /** Tunnel headers cut or invalid (GRE header cut, ERSPAN/VXLAN bad version or flag, inner IP cut): counted to the tunnel's flow. */
  DecapMalformed,
  /** Tunnels not decapsulated: GRE version ≠ 0 (PPTP), GRE routing, another GRE payload type, ERSPAN frame type. */
  DecapUnsupported,
  /** Tunnel packets that are IP fragments themselves (not decapsulated: counted to the tunnel's flow). */
  DecapFragmented,
  /** Fragmented UDP datagrams of ALG ports reassembled and handed whole to the ALG. */
  ReasmDatagrams,
  /** Datagrams dropped from the full reassembly store (--reasm-datagrams) for a newer one. */
  ReasmEvicted,
  /** Datagrams whose fragments did not all arrive within --reasm-timeout seconds. */
  ReasmTimeouts,
  /** Datagrams discarded because two fragments overlapped (RFC 5722; Linux drops them too). */
  ReasmOverlaps,
  /** Datagrams longer than --reasm-bytes (or past 65535 bytes): not reassembled. */
  ReasmTooLarge,
  /** Datagrams still missing fragments at the end of the capture. */
  ReasmIncomplete,
  /** UDP datagrams on SIP ports handed to the SIP parser. */
  SipDatagrams,
  /** SIP messages framed (UDP and TCP). */
  SipMessages,
  /** Datagrams / stream messages on SIP ports that were not SIP (keep-alives excluded). */
  SipNotSip,
  /** SIP messages cut short (snaplen, IP fragment, TCP gap) or with a malformed Content-Length. */
  SipDamaged,
  /** UDP datagrams on a TFTP port (requests and packets of transfers that use the port). */
  TftpDatagrams,
  /** TFTP read/write requests (RRQ/WRQ). */
  TftpRequests,
  /** Packets of followed TFTP transfers (on any port). */
  TftpFollowed,
  /** TFTP transfers evicted from a full table bucket while live (--max-tftp-transfers). */
  TftpEvicted,
  /**
   * Control-stream segments whose bytes repeat sequence space already delivered but differ from
   * what was delivered there (of the last HIST bytes of the direction, what the segment repeats).
   */
  CtrlConflicts,
  Count,
}

/** Number of u64 counters in the STATS region (≥ Stat.Count). */
export const STAT_COUNT = 96;

/** Link types we decode (numbers from tcpdump.org/linktypes.html). */
export enum LinkType {
  Null = 0,
  Ethernet = 1,
  RawAlt12 = 12,
  RawAlt14 = 14,
  Raw = 101,
  Loop = 108,
  Sll = 113,
  Ipv4 = 228,
  Ipv6 = 229,
  Sll2 = 276,
}

// ---------------------------------------------------------------------------------------------
// ALG control streams (assembly/alg): events the core emits for the lines of FTP and RTSP control
// connections. EVENTS is a ring of EVENT_SIZE records; TEXT a byte ring holding each event's line.
// The host drains both after every feed (ST_EV_HEAD is written by wasm, ST_EV_TAIL by the host);
// feed stops before a packet whose events might not fit (ST_PAUSED) so nothing is lost
// (assembly/alg/admit.ts).
// ---------------------------------------------------------------------------------------------
export const EVENT_SIZE = 64;
/** Events the ring holds (a power of two; more than the lines of any one IP packet). */
export const EVENT_CAP = 65536;
export const TEXT_CAP = 1 << 20;
/** u16 EventKind. */
export const EV_KIND = 0;
/** u8 0 = sent by the flow's initiator (A), 1 = by its responder (B). */
export const EV_DIR = 2;
/** u8 AlgKind of the stream or datagram (1 FTP, 2 RTSP, 3 SIP, 4 TFTP). */
export const EV_ALG = 3;
/** u32 flow id of the control connection. */
export const EV_FLOW = 4;
/** u32 packet that completed the line. */
export const EV_PACKET = 8;
/** u32 absolute offset of the line's text in the TEXT ring (mod TEXT_CAP). */
export const EV_TEXT = 12;
/** u32 length of the line's text (without CR/LF; at most LINE_MAX). */
export const EV_TEXTLEN = 16;
/** u32 LineFlag bits. */
export const EV_FLAGS = 20;
/** u64 time of EV_PACKET, ns since the epoch. */
export const EV_TS = 24;
/** u16 FTP: FtpVerb for commands, the reply code for replies; RTSP: RtspLine. */
export const EV_CODE = 32;
/** u16 AlgReason (0 = valid). */
export const EV_REASON = 34;
/** u32 announced port (raw, may exceed 65535 when invalid). */
export const EV_PORT = 36;
/** u8 announced address family: 0 none, 4, 6. */
export const EV_FAMILY = 40;
/** u8 number of the line within its segment (0 = the segment's first line). */
export const EV_LINE_IN_SEG = 41;
/** u16 number of segments the line was spread over (1 = whole in one segment). */
export const EV_SEGMENTS = 42;
/** 16 bytes: announced address, network order (IPv4 in bytes 0..3). */
export const EV_ADDR = 44;
/** u32 relative sequence number of the line's first byte in its direction (ISN + 1 = 0). */
export const EV_SEQ = 60;

export enum EventKind {
  /** A complete line of an FTP client (command). */
  FtpCommand = 1,
  /** A complete line of an FTP server (reply, or a continuation line of a multi-line reply). */
  FtpReply = 2,
  /** An RTSP line at the start of a message or a header line of it (see RtspLine). */
  RtspLine = 3,
  /** Sequence space missing from a control stream (loss, capture drop, snaplen cut). */
  TcpGap = 4,
  /** A line longer than LINE_MAX; its first LINE_MAX bytes are the text. */
  LineTooLong = 5,
  /** No control-stream slot left for a new control connection. */
  StreamTableFull = 6,
  /**
   * One line of a SIP message the host needs, in message order (EV_CODE = SipLine). The text is
   * the line without CR/LF, folded header lines unfolded (continuations joined by one space).
   * EV_LINE_IN_SEG = index of the message within its datagram/segment, EV_SEQ = relative TCP
   * sequence number of the message's first byte (0 over UDP), EV_FLAGS = LineFlag | SipFlag.
   */
  SipLine = 7,
  /** A TFTP packet (fields defined by the TFTP parser, assembly/alg/tftp.ts). */
  TftpPacket = 8,
  /**
   * A control-stream segment repeated sequence space already delivered with different bytes (a
   * retransmission that disagrees with what was read first: rewritten differently, or damaged).
   * The first copy is the one read; EV_SEQ = relative sequence number of the first differing
   * byte, EV_PORT = bytes compared.
   */
  TcpConflict = 9,
}

/** What a SipLine event's line is (EV_CODE). */
export enum SipLine {
  /** Request line; EV_PORT = SipMethod. */
  RequestLine = 1,
  /** Status line; EV_PORT = status code. */
  StatusLine = 2,
  Via = 3,
  Contact = 4,
  From = 5,
  To = 6,
  CallId = 7,
  CSeq = 8,
  /** EV_PORT = the declared length (0xffffffff when malformed: SipFlag.ClenMalformed). */
  ContentLength = 9,
  ContentType = 10,
  Expires = 11,
  /** SDP v= line (start of a session description, also inside a multipart body). */
  SdpStart = 12,
  /** SDP o= line. */
  SdpOrigin = 13,
  /** SDP c= line (session level before the first m=, media level after it). */
  SdpConnection = 14,
  /** SDP m= line; EV_PORT = the media port (0xffffffff when not a number). */
  SdpMedia = 15,
  /** SDP a=rtcp:, a=rtcp-mux, a=sendrecv / sendonly / recvonly / inactive. */
  SdpAttribute = 16,
  /**
   * End of a message (empty text). EV_PORT = body bytes present, EV_SEQ = the declared
   * Content-Length (0xffffffff when absent or malformed), EV_SEGMENTS = TCP segments the message
   * was spread over (1 over UDP), EV_LINE_IN_SEG = index of the message in its datagram/segment;
   * SipFlag bits say truncated / Content-Length missing or malformed / body shorter or longer.
   */
  MessageEnd = 17,
  /** A datagram or stream message that is not SIP: its first bytes (at most one per datagram). */
  NotSip = 18,
}

/** SIP request methods (EV_PORT of a RequestLine event). */
export enum SipMethod {
  Other = 0,
  Invite = 1,
  Ack = 2,
  Bye = 3,
  Cancel = 4,
  Register = 5,
  Options = 6,
  Prack = 7,
  Update = 8,
  Subscribe = 9,
  Notify = 10,
  Message = 11,
  Info = 12,
  Refer = 13,
  Publish = 14,
}

/** SIP bits in EV_FLAGS (above the LineFlag bits). */
export enum SipFlag {
  /** The header was written in its compact form (v m f t i l c k s). */
  Compact = 1 << 16,
  /** The header was folded over several lines (unfolded in the text). */
  Folded = 1 << 17,
  /** Carried over UDP (else TCP). */
  Udp = 1 << 18,
  /** MessageEnd: the datagram was cut by the snaplen (or the stream by a gap): the body is partial. */
  Truncated = 1 << 19,
  /** MessageEnd / ContentLength: no Content-Length header. */
  ClenMissing = 1 << 20,
  /** MessageEnd / ContentLength: the Content-Length value is not a decimal number. */
  ClenMalformed = 1 << 21,
  /** MessageEnd: fewer body bytes than Content-Length declares. */
  BodyShort = 1 << 22,
  /** MessageEnd: more bytes after the declared body that do not start a SIP message (UDP). */
  BodyLong = 1 << 23,
  /** A line of the message was longer than LINE_MAX (its first LINE_MAX bytes kept). */
  LongLine = 1 << 24,
}

/** Line bits in EV_FLAGS. */
export enum LineFlag {
  /** Ended by CRLF (else by a bare LF, or not ended: see Incomplete). */
  Crlf = 1,
  /** Began at the first byte of a TCP segment. */
  SegmentStart = 2,
  /** A newline had already been seen in this direction before the line began. */
  AfterNewline = 4,
  /** More than one space after the verb (FTP). */
  ExtraSpace = 8,
  /** The stream ended before the line did. */
  Incomplete = 16,
  /** 227/229: the tuple was in parentheses. */
  Parens = 32,
  /** 227: a digit appears in the reply text before the tuple. */
  DigitBeforeTuple = 64,
  /** FTP reply with '-' after the code (first line of a multi-line reply). */
  Multiline = 128,
  /** FTP reply line without a leading code (continuation of a multi-line reply). */
  Continuation = 256,
  /** The segment that completed the line was a retransmission of sequence space already seen. */
  Retransmitted = 512,
  /** The line was reassembled from an out-of-order segment. */
  Reordered = 1024,
  /** Verb matched in lower or mixed case. */
  LowerCase = 2048,
}

/** FTP verbs recognised in EV_CODE of FtpCommand events. */
export enum FtpVerb {
  Other = 0,
  Port = 1,
  Eprt = 2,
  Pasv = 3,
  Epsv = 4,
  Lprt = 5,
  Lpsv = 6,
  Quit = 7,
  Retr = 8,
  Stor = 9,
  List = 10,
  Nlst = 11,
}

/** Why a negotiation is invalid (EV_REASON); 0 = valid. */
export enum AlgReason {
  Ok = 0,
  OctetOutOfRange = 1,
  PortOutOfRange = 2,
  PortZero = 3,
  BadFamily = 4,
  FamilyMismatch = 5,
  Malformed = 6,
}

/** What an RtspLine event's line is (EV_CODE). */
export enum RtspLine {
  /** Request line; EV_PORT holds the RtspMethod. */
  Request = 1,
  /** Status line; EV_PORT holds the status code. */
  Status = 2,
  /** A header inside the message (the whole line is the text). */
  Header = 3,
  /** End of the message's headers (empty text). */
  End = 4,
}

export enum RtspMethod {
  Other = 0,
  Setup = 1,
  Teardown = 2,
  Play = 3,
  Record = 4,
  Describe = 5,
  Options = 6,
  Announce = 7,
  Pause = 8,
}

/** setInterfaceFilter kinds. */
export enum IfaceFilter {
  None = 0,
  /** Keep packets of one pcapng interface (global number over all sections). */
  Pcapng = 1,
  /** Keep packets of one Linux cooked v2 (SLL2) interface index. */
  Sll2 = 2,
}

/**
 * ALG of a port (setAlgPort; one table for TCP and UDP): FTP and RTSP are accepted over TCP
 * only, SIP over TCP and UDP, TFTP over UDP only (algTcpKind / algUdpKind in alg/stream.ts).
 */
export enum AlgKind {
  None = 0,
  Ftp = 1,
  Rtsp = 2,
  Sip = 3,
  Tftp = 4,
}

/** Longest line kept; longer lines are reported as LineTooLong with their first LINE_MAX bytes. */
export const LINE_MAX = 1024;
/** u32 wasm-written head of the EVENTS ring (events written so far). */
export const ST_EV_HEAD = 96;
/** u32 host-written tail of the EVENTS ring (events consumed so far). */
export const ST_EV_TAIL = 100;
/** u32 events dropped because one packet alone produced more than the empty rings hold. */
export const ST_EV_DROPPED = 104;
/** u32 packet of the first event dropped (0 = none). */
export const ST_EV_DROPPED_PACKET = 184;
/** u32 absolute write position in the TEXT ring. */
export const ST_TEXT_HEAD = 108;
/** u32 host-written: TEXT ring bytes consumed so far. */
export const ST_TEXT_TAIL = 112;

/** Size of the OUT region (small enough to stay in the CPU cache while the host copies it out). */
export const OUT_SIZE = 256 * 1024;

/**
 * Capacity of the ENDED region in records. A sweep under way fills at most half of it; a new flow
 * that meets the table's limit may use the rest; feed pauses (ST_PAUSED) once half is used, so
 * the host drains it before it overflows (assembly/flow/table.ts). A sweep that frees fewer than
 * RECLAIM_BATCH records throttles the next one.
 */
export const ENDED_CAP = 4096;
export const RECLAIM_BATCH = 64;

/** Largest input window (the CLI's --window bound); a record beyond it cannot be read at all. */
export const MAX_WINDOW = 1 << 30;

/** Largest record caplen accepted (libpcap's MAXIMUM_SNAPLEN). */
export const MAX_SNAPLEN = 262144;

// ---------------------------------------------------------------------------------------------
// TFTP events (EventKind.TftpPacket, assembly/alg/tftp.ts). EV_CODE = TftpOp; EV_FLAGS = TftpFlag;
// EV_FLOW = the packet's flow (a summary: the transfer flow, or the request's when unanswered);
// EV_PORT = the block number (first reply DATA/ACK), the error code (ERROR), the distinct DATA
// blocks (Summary); EV_SEQ = repeated DATA blocks (Summary); EV_TFTP_ACK_DUPS = repeated ACKs
// (Summary); EV_REASON = the block size in use
// (Summary); the text = the request after its opcode, the OACK options, the ERROR message, or
// the first bytes of an unmatched packet. EV_FAMILY is 0: these overlay EV_ADDR.
// ---------------------------------------------------------------------------------------------
/** u32 flow id of the request this event belongs to. */
export const EV_TFTP_REQ_FLOW = 44;
/** u32 packet of the request this event belongs to (the host's session key). */
export const EV_TFTP_REQ_PKT = 48;
/** u64 data bytes of the distinct DATA blocks (Summary). */
export const EV_TFTP_BYTES = 52;
/**
 * u32 repeated ACKs (Summary) shifted left by 8: its low byte is EV_FAMILY, which stays 0, so the
 * count has 24 bits and saturates at TFTP_ACK_DUPS_MAX.
 */
export const EV_TFTP_ACK_DUPS = 40;
/** Largest repeated-ACK count a Summary carries (a transfer's count stops there: TftpFlag.AckCountCapped). */
export const TFTP_ACK_DUPS_MAX = 0xffffff;

export enum TftpOp {
  /** Fewer than 2 bytes, or an opcode outside 1..6. */
  Malformed = 0,
  Rrq = 1,
  Wrq = 2,
  Data = 3,
  Ack = 4,
  Error = 5,
  Oack = 6,
  /** The end of a followed transfer (see TftpFlag for how it ended). */
  Summary = 16,
}

export enum TftpFlag {
  /** Sent by the transfer's server. */
  FromServer = 1,
  /** The first packet from the server to the client after the request. */
  FirstReply = 2,
  /** The server answered from the request's port (not a new TID). */
  FromPort69 = 4,
  /** Text or payload cut (snaplen, or longer than LINE_MAX). */
  Truncated = 8,
  /** A packet on a TFTP port that is neither a request nor part of a followed transfer. */
  Unmatched = 16,
  /** Summary: the final DATA block (shorter than the block size) was seen. */
  Completed = 32,
  /** Summary: that final block was acknowledged. */
  LastAcked = 64,
  /** Summary: the server answered. */
  Answered = 128,
  /** Summary: an ERROR ended the transfer. */
  Errored = 256,
  /** Summary: evicted from a full table bucket (--max-tftp-transfers). */
  Evicted = 512,
  /** Summary: a new request from the same client endpoint replaced it. */
  Superseded = 1024,
  /** A write request (WRQ) transfer. */
  Write = 2048,
  /** Summary: released after TFTP idle time without a packet. */
  Idle = 4096,
  /** Summary: an OACK was seen. */
  OptionsAck = 8192,
  /** Request: the table has no capacity (0), the transfer is not followed. */
  NotFollowed = 16384,
  /**
   * A repeated ACK found the transfer's count at its limit (--max-tftp-duplicate-acks, at most
   * TFTP_ACK_DUPS_MAX): its one event (code Ack, EV_PORT = the block) and the Summary; the
   * count stops there.
   */
  AckCountCapped = 32768,
}
