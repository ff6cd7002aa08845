/**
 * Control-stream records (STREAMS region), wasm-private. One per FTP/RTSP control connection:
 * a small header and, per direction, the reassembly state, a bounded out-of-order store and a
 * bounded line buffer.
 *
 *   stream:    0 u32 flow id   4 u8 AlgKind   5 u8 server side (0 = A, 1 = B)   6 u8 ipVersion
 *              7 u8 live (1 while a control connection holds the slot)   8 u64 time of its last
 *              segment   16 u32 next free slot + 1 (free list, while not live)
 *              DIR_BASE + d × DIR_SIZE: direction d (0 = sent by A, 1 = sent by B)
 *   direction: see D_* offsets; OOO entries at D_OOO; line bytes at D_LINE; OOO data at D_OOO_DATA
 */
import { LINE_MAX } from "../abi";

export const S_FLOW = 0;
export const S_KIND = 4;
export const S_SERVER = 5;
export const S_IPVER = 6;
export const S_LIVE = 7;
export const S_LAST_TS = 8;
export const S_NEXT_FREE = 16;
export const DIR_BASE: usize = 24;

export const OOO_MAX: u32 = 8;
export const OOO_DATA: u32 = 8192;

/** u32 next expected sequence number. */
export const D_NEXT = 0;
/** u32 initial sequence number (SYN) or first seen sequence number. */
export const D_ISN = 4;
/** u8 1 once D_NEXT is known. */
export const D_HASSEQ = 8;
/** u8 1 once a newline was seen in this direction. */
export const D_NLSEEN = 9;
/** u8 1 while the current line is too long (bytes beyond LINE_MAX are dropped). */
export const D_TOOLONG = 10;
/** u8 RTSP framing state: 0 between messages, 1 in headers, 2 in an interleaved frame header. */
export const D_RTSP = 11;
/** u16 bytes in the line buffer. */
export const D_LINELEN = 12;
/** u16 segments the current line has drawn bytes from. */
export const D_LINESEGS = 14;
/** u32 LineFlag bits gathered for the current line (SegmentStart, AfterNewline, Reordered …). */
export const D_LINEFLAGS = 16;
/** u32 relative sequence number of the current line's first byte. */
export const D_LINESEQ = 20;
/** u32 bytes still to skip (RTSP body or interleaved frame). */
export const D_SKIP = 24;
/** u32 RTSP Content-Length of the message in progress. */
export const D_CLEN = 28;
/** u8 number of lines begun in the segment being delivered. */
export const D_SEGLINES = 32;
/** u8 number of buffered out-of-order segments. */
export const D_OOON = 33;
/** u8 interleaved-frame header bytes still expected (RTSP '$' framing). */
export const D_FRAMEHDR = 34;
/** u32 bytes used in the out-of-order data area. */
export const D_OOOUSED = 36;
/** u32 length accumulated from the interleaved-frame header. */
export const D_FRAMELEN = 40;
/** u8 1 when the current line holds bytes that are not text (TLS after AUTH TLS, garbage). */
export const D_BINARY = 44;
/** u8 1 once this direction sent a FIN (its sequence number at D_FINSEQ). */
export const D_FIN = 45;
/** u32 sequence number of the FIN: the direction is complete once D_NEXT reaches it. */
export const D_FINSEQ = 48;
/**
 * u32 bytes of the delivered-bytes history (D_HIST) that are valid: the last D_HISTLEN bytes before
 * D_NEXT (at most HIST; 0 after a hole, a SYN or a mid-stream start).
 */
export const D_HISTLEN = 52;
/** OOO_MAX × OOO_ENTRY: seq u32, len u32, data offset u32, packet u32, time u64. */
export const D_OOO: usize = 56;
export const OOO_ENTRY: usize = 24;
export const D_LINE: usize = D_OOO + <usize>OOO_MAX * OOO_ENTRY;
export const D_OOO_DATA: usize = D_LINE + <usize>LINE_MAX;
/** SIP message state of this direction (alg/sip.ts; SIP_CTX_SIZE bytes). */
export const D_SIP: usize = D_OOO_DATA + <usize>OOO_DATA;
/** SIP message state: a 64-byte header and the folded header line held until the next line. */
export const SIP_CTX_HEAD: usize = 64;
export const SIP_CTX_SIZE: usize = SIP_CTX_HEAD + <usize>LINE_MAX;
/**
 * The last HIST bytes delivered in this direction, the byte of sequence number x at
 * D_HIST + (x & (HIST - 1)): what a retransmission is compared with (alg/stream.ts `conflict`).
 * Larger than a full-sized segment (1460 bytes), so the segment a sender repeats is still here.
 */
export const HIST: u32 = 2048;
export const D_HIST: usize = D_SIP + SIP_CTX_SIZE;
export const DIR_SIZE: usize = D_HIST + <usize>HIST;
export const STREAM_SIZE: usize = DIR_BASE + 2 * DIR_SIZE;

/**
 * Worst case of what one stream can emit when it is finished (end of capture, FIN, RST, idle
 * eviction): per direction, its held out-of-order bytes as lines, a gap and a TcpConflict per
 * held segment and the unfinished line; for SIP also the held folded header and the end of the
 * open message.
 */
export const FINISH_EVENTS: u32 = 2 * (OOO_DATA + 2 * OOO_MAX + 4);
export const FINISH_TEXT: u32 = 2 * (OOO_DATA + 3 * <u32>LINE_MAX);
