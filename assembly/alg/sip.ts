/**
 * SIP (RFC 3261) and its SDP bodies (RFC 4566): message framing and the lines the host needs,
 * as SipLine events (abi.ts). The host parses the texts (src/alg/sip*.ts); here only what frames
 * a message and says what each line is.
 *
 * One line machine (`sipLine`) serves both transports, with its state in a SIP context (a
 * direction of a TCP stream, alg/layout.ts D_SIP, or the one scratch context of the datagram
 * being parsed):
 *   between messages  empty lines are keep-alives; a request or status line starts a message;
 *                     anything else is NotSip (once, until the next message);
 *   headers           Via/v, Contact/m, From/f, To/t, Call-ID/i, CSeq, Content-Length/l,
 *                     Content-Type/c, Expires — each held until the next line, so that folded
 *                     continuation lines (starting with SP/HT) are joined to it by one space;
 *                     the empty line ends the headers;
 *   body              v= starts an SDP (also inside a multipart body, where a `--boundary` line
 *                     ends it); o=, c=, m= and a=rtcp / rtcp-mux / direction lines of it.
 * Where a body ends is the transport's business: UDP (sipDatagram) takes Content-Length bytes
 * of the datagram, or the rest without the header, and starts another message when a start line
 * follows; TCP (alg/stream.ts) cuts the body at Content-Length bytes (0 when absent) and calls
 * `sipBodyBytes` as bytes go by.
 *
 * Bounds: the text of an event is never longer than the bytes it came from (unfolding only
 * removes CR/LF and whitespace), and every event but one held header and one NotSip is paid for
 * by at least one byte of its own packet — so packetEvents/packetText (alg/events.ts) hold.
 */
import {
  AlgKind, EV_CODE, EV_LINE_IN_SEG, EV_PORT, EV_SEGMENTS, EV_SEQ, EventKind, FL_ID, LINE_MAX, LineFlag,
  SipFlag, SipLine, SipMethod, Stat,
} from "../abi";
import { bump } from "../stats";
import { asciiLower } from "../bytes";
import { beginEvent } from "./events";
import { SIP_CTX_HEAD, SIP_CTX_SIZE } from "./layout";

// ---- the SIP context --------------------------------------------------------------------------
/** u8 0 between messages, 1 in the headers, 2 in the body. */
const C_STATE: usize = 0;
/** u8 1 while the body is inside an SDP (after v=, until a multipart boundary). */
const C_SDP: usize = 1;
/** u8 index of the message within its datagram/segment. */
const C_MSGIDX: usize = 2;
/** u8 messages begun in the datagram/segment being delivered. */
const C_SEGMSGS: usize = 3;
/** u8 1 once a NotSip was reported since the last message. */
const C_JUNK: usize = 4;
/** u8 1 for the datagram context (the caller frames the body). */
const C_UDP: usize = 5;
/** u16 segments the message has drawn bytes from. */
const C_MSGSEGS: usize = 6;
/** u32 SipFlag bits of the message (and LineFlag.SegmentStart of its start line). */
const C_FLAGS: usize = 8;
/** u32 declared Content-Length (NO_CLEN when absent or malformed). */
const C_CLEN: usize = 12;
/** u32 relative sequence number of the message's first byte. */
const C_MSGSEQ: usize = 16;
/** u32 body bytes seen. */
const C_BODY: usize = 20;
/** u16 length of the held header (0 = none). */
const C_PENDLEN: usize = 24;
/** u16 segments of the held header's first line. */
const C_PENDSEGS: usize = 26;
const C_PENDFLAGS: usize = 28;
const C_PENDPKT: usize = 32;
/** u16 SipLine code of the held header; u32 its EV_PORT value. */
const C_PENDCODE: usize = 36;
const C_PENDPORT: usize = 40;
const C_PENDTS: usize = 48;
/** The held header's text. */
const C_PEND: usize = SIP_CTX_HEAD;

const NO_CLEN: u32 = 0xffffffff;
/** Longest NotSip text. */
const NOT_SIP_TEXT: u32 = 64;

/** The context of the datagram being parsed (one at a time). */
const udpCtx: usize = memory.data(<i32>SIP_CTX_SIZE, 16);

/** Clears a context (a new stream direction, or a new datagram). */
export function sipReset(ctx: usize, udp: bool): void {
  memory.fill(ctx, 0, SIP_CTX_HEAD);
  store<u8>(ctx + C_UDP, udp ? 1 : 0);
  store<u32>(ctx + C_CLEN, NO_CLEN);
}


@inline function isWs(c: u32): bool {
  return c == 32 || c == 9;
}

/** True when `text` begins with `word` (ASCII, case-insensitive; `word` in lower case). */
function startsWithCi(text: usize, len: u32, word: string): bool {
  let n = <u32>word.length;
  if (len < n) return false;
  for (let k: u32 = 0; k < n; k++) if (asciiLower(<u32>load<u8>(text + k)) != <u32>word.charCodeAt(k)) return false;
  return true;
}

/** True when the `n` bytes at `text` are `word` (case-insensitive). */
function equalsCi(text: usize, n: u32, word: string): bool {
  return n == <u32>word.length && startsWithCi(text, n, word);
}

/** 2 = status line (`SIP/2.0 NNN …`), 1 = request line (`METHOD URI SIP/2.0`), 0 = neither. */
function startLineKind(text: usize, len: u32): u32 {
  if (startsWithCi(text, len, "sip/2.0 ")) {
    if (len < 11) return 0;
    for (let k: u32 = 8; k < 11; k++) if (<u32>load<u8>(text + k) - 48 >= 10) return 0;
    return 2;
  }
  // The method token: letters (RFC 3261 token chars, in practice upper-case letters).
  let i: u32 = 0;
  while (i < len) {
    let c = <u32>load<u8>(text + i);
    if (!(c - 65 < 26 || c - 97 < 26 || c == 45 || c == 95 || c == 46 || c == 33 || c == 37 || c == 42 || c == 43 || c == 126)) break;
    i++;
  }
  if (i == 0 || i >= len || load<u8>(text + i) != 32) return 0;
  // … SP Request-URI SP "SIP/2.0" at the end.
  if (len < i + 2 + 8) return 0;
  return startsWithCi(text + len - 8, 8, " sip/2.0") ? 1 : 0;
}

function methodOf(text: usize, len: u32): u32 {
  let n: u32 = 0;
  while (n < len && load<u8>(text + n) != 32) n++;
  if (equalsCi(text, n, "invite")) return SipMethod.Invite;
  if (equalsCi(text, n, "ack")) return SipMethod.Ack;
  if (equalsCi(text, n, "bye")) return SipMethod.Bye;
  if (equalsCi(text, n, "cancel")) return SipMethod.Cancel;
  if (equalsCi(text, n, "register")) return SipMethod.Register;
  if (equalsCi(text, n, "options")) return SipMethod.Options;
  if (equalsCi(text, n, "prack")) return SipMethod.Prack;
  if (equalsCi(text, n, "update")) return SipMethod.Update;
  if (equalsCi(text, n, "subscribe")) return SipMethod.Subscribe;
  if (equalsCi(text, n, "notify")) return SipMethod.Notify;
  if (equalsCi(text, n, "message")) return SipMethod.Message;
  if (equalsCi(text, n, "info")) return SipMethod.Info;
  if (equalsCi(text, n, "refer")) return SipMethod.Refer;
  if (equalsCi(text, n, "publish")) return SipMethod.Publish;
  return SipMethod.Other;
}

/** Decimal at `text` (after optional whitespace); NO_CLEN when not a number or over 2^31. */
function decimal(text: usize, len: u32): u32 {
  let i: u32 = 0;
  while (i < len && isWs(<u32>load<u8>(text + i))) i++;
  let v: u64 = 0;
  let digits: u32 = 0;
  while (i < len) {
    let c = <u32>load<u8>(text + i);
    if (c - 48 >= 10) break;
    v = v * 10 + <u64>(c - 48);
    if (v > 0x7fffffff) return NO_CLEN;
    digits++;
    i++;
  }
  while (i < len && isWs(<u32>load<u8>(text + i))) i++;
  return digits == 0 || i != len ? NO_CLEN : <u32>v;
}

/** SipLine code of a header by its name (0 = not needed); sets `compactName` for short forms. */
let compactName = false;
function headerCode(name: usize, n: u32): u32 {
  compactName = n == 1;
  if (n == 1) {
    let c = asciiLower(<u32>load<u8>(name));
    if (c == 118) return SipLine.Via; // v
    if (c == 109) return SipLine.Contact; // m
    if (c == 102) return SipLine.From; // f
    if (c == 116) return SipLine.To; // t
    if (c == 105) return SipLine.CallId; // i
    if (c == 108) return SipLine.ContentLength; // l
    if (c == 99) return SipLine.ContentType; // c
    return 0;
  }
  if (equalsCi(name, n, "via")) return SipLine.Via;
  if (equalsCi(name, n, "contact")) return SipLine.Contact;
  if (equalsCi(name, n, "from")) return SipLine.From;
  if (equalsCi(name, n, "to")) return SipLine.To;
  if (equalsCi(name, n, "call-id")) return SipLine.CallId;
  if (equalsCi(name, n, "cseq")) return SipLine.CSeq;
  if (equalsCi(name, n, "content-length")) return SipLine.ContentLength;
  if (equalsCi(name, n, "content-type")) return SipLine.ContentType;
  if (equalsCi(name, n, "expires")) return SipLine.Expires;
  return 0;
}

/** Writes one SipLine event (dropped and counted by beginEvent when the rings are full). */
function emit(
  ctx: usize, flow: u32, dir: u32, code: u32, pkt: u32, ts: u64, flags: u32, text: usize, len: u32, port: u32, segs: u32,
): usize {
  if ((load<u8>(ctx + C_UDP)) != 0) flags |= SipFlag.Udp;
  let e = beginEvent(EventKind.SipLine, dir, AlgKind.Sip, flow, pkt, ts, flags, text, len);
  if (e == 0) return 0;
  store<u16>(e + EV_CODE, <u16>code);
  store<u32>(e + EV_PORT, port);
  store<u8>(e + EV_LINE_IN_SEG, load<u8>(ctx + C_MSGIDX));
  store<u16>(e + EV_SEGMENTS, <u16>(segs == 0 ? 1 : segs));
  store<u32>(e + EV_SEQ, load<u32>(ctx + C_MSGSEQ));
  return e;
}

/** Emits the held header, if any. */
function flushPending(ctx: usize, flow: u32, dir: u32): void {
  let n = <u32>load<u16>(ctx + C_PENDLEN);
  if (n == 0) return;
  store<u16>(ctx + C_PENDLEN, 0);
  emit(
    ctx, flow, dir, <u32>load<u16>(ctx + C_PENDCODE), load<u32>(ctx + C_PENDPKT), load<u64>(ctx + C_PENDTS),
    load<u32>(ctx + C_PENDFLAGS), ctx + C_PEND, n, load<u32>(ctx + C_PENDPORT), <u32>load<u16>(ctx + C_PENDSEGS),
  );
}

/** A continuation line of the held header: joined to it by one space. */
function unfold(ctx: usize, text: usize, len: u32): void {
  let i: u32 = 0;
  while (i < len && isWs(<u32>load<u8>(text + i))) i++;
  if (i == len) return;
  let n = <u32>load<u16>(ctx + C_PENDLEN);
  if (n >= <u32>LINE_MAX) return;
  store<u8>(ctx + C_PEND + n, 32);
  n++;
  let take = len - i;
  if (n + take > <u32>LINE_MAX) {
    take = <u32>LINE_MAX - n;
    store<u32>(ctx + C_FLAGS, load<u32>(ctx + C_FLAGS) | SipFlag.LongLine);
  }
  memory.copy(ctx + C_PEND + n, text + i, take);
  store<u16>(ctx + C_PENDLEN, <u16>(n + take));
  store<u32>(ctx + C_PENDFLAGS, load<u32>(ctx + C_PENDFLAGS) | SipFlag.Folded);
}

/** Starts a message at its request or status line. */
function beginMessage(ctx: usize, flow: u32, dir: u32, kind: u32, pkt: u32, ts: u64, flags: u32, text: usize, len: u32, segs: u32, seq: u32): void {
  let sl = <u32>load<u8>(ctx + C_SEGMSGS);
  store<u8>(ctx + C_MSGIDX, <u8>sl);
  store<u8>(ctx + C_SEGMSGS, <u8>(sl < 255 ? sl + 1 : 255));
  store<u8>(ctx + C_STATE, 1);
  store<u8>(ctx + C_SDP, 0);
  store<u8>(ctx + C_JUNK, 0);
  store<u16>(ctx + C_MSGSEGS, <u16>(segs == 0 ? 1 : segs));
  store<u32>(ctx + C_FLAGS, (flags & LineFlag.SegmentStart) | SipFlag.ClenMissing);
  store<u32>(ctx + C_CLEN, NO_CLEN);
  store<u32>(ctx + C_MSGSEQ, seq);
  store<u32>(ctx + C_BODY, 0);
  store<u16>(ctx + C_PENDLEN, 0);
  bump(Stat.SipMessages);
  let status = kind == 2;
  let port: u32 = 0;
  if (status) {
    for (let k: u32 = 8; k < 11; k++) port = port * 10 + (<u32>load<u8>(text + k) - 48);
  } else port = methodOf(text, len);
  emit(ctx, flow, dir, status ? SipLine.StatusLine : SipLine.RequestLine, pkt, ts, flags, text, len, port, segs);
}

/** One header line (not a continuation). */
function headerLine(ctx: usize, flow: u32, dir: u32, pkt: u32, ts: u64, flags: u32, text: usize, len: u32, segs: u32): void {
  let n: u32 = 0;
  while (n < len) {
    let c = <u32>load<u8>(text + n);
    if (c == 58 || isWs(c)) break;
    n++;
  }
  let code = headerCode(text, n);
  if (code == 0) return;
  if (compactName) flags |= SipFlag.Compact;
  let i = n;
  while (i < len && isWs(<u32>load<u8>(text + i))) i++;
  if (i >= len || load<u8>(text + i) != 58) return;
  let port: u32 = 0;
  if (code == SipLine.ContentLength) {
    let v = decimal(text + i + 1, len - i - 1);
    let mf = load<u32>(ctx + C_FLAGS) & ~(<u32>SipFlag.ClenMissing);
    if (v == NO_CLEN) {
      mf |= SipFlag.ClenMalformed;
      flags |= SipFlag.ClenMalformed;
    }
    store<u32>(ctx + C_FLAGS, mf);
    store<u32>(ctx + C_CLEN, v);
    port = v;
  } else if (code == SipLine.Expires) {
    port = decimal(text + i + 1, len - i - 1);
  }
  store<u16>(ctx + C_PENDCODE, <u16>code);
  store<u32>(ctx + C_PENDPORT, port);
  store<u32>(ctx + C_PENDFLAGS, flags);
  store<u32>(ctx + C_PENDPKT, pkt);
  store<u64>(ctx + C_PENDTS, ts);
  store<u16>(ctx + C_PENDSEGS, <u16>segs);
  memory.copy(ctx + C_PEND, text, len);
  store<u16>(ctx + C_PENDLEN, <u16>len);
}

/** One body line: the SDP lines the host needs. */
function bodyLine(ctx: usize, flow: u32, dir: u32, pkt: u32, ts: u64, flags: u32, text: usize, len: u32, segs: u32): void {
  if (len >= 2 && load<u8>(text) == 45 && load<u8>(text + 1) == 45) {
    // A multipart boundary ends the part.
    store<u8>(ctx + C_SDP, 0);
    return;
  }
  if (len < 2 || load<u8>(text + 1) != 61) return;
  let t = asciiLower(<u32>load<u8>(text));
  if (t == 118) {
    store<u8>(ctx + C_SDP, 1);
    emit(ctx, flow, dir, SipLine.SdpStart, pkt, ts, flags, text, len, 0, segs);
    return;
  }
  if (load<u8>(ctx + C_SDP) == 0) return;
  if (t == 111) emit(ctx, flow, dir, SipLine.SdpOrigin, pkt, ts, flags, text, len, 0, segs);
  else if (t == 99) emit(ctx, flow, dir, SipLine.SdpConnection, pkt, ts, flags, text, len, 0, segs);
  else if (t == 109) {
    // m=<media> <port>[/<count>] <proto> …
    let i: u32 = 2;
    while (i < len && load<u8>(text + i) != 32) i++;
    let j = i + 1;
    while (j < len && <u32>load<u8>(text + j) - 48 < 10) j++;
    let port = j > i + 1 && j - i - 1 <= 9 ? decimal(text + i + 1, j - i - 1) : NO_CLEN;
    emit(ctx, flow, dir, SipLine.SdpMedia, pkt, ts, flags, text, len, port, segs);
  } else if (t == 97) {
    let a = text + 2;
    let n = len - 2;
    if (startsWithCi(a, n, "rtcp:") || startsWithCi(a, n, "rtcp-mux") || startsWithCi(a, n, "sendrecv")
      || startsWithCi(a, n, "sendonly") || startsWithCi(a, n, "recvonly") || startsWithCi(a, n, "inactive")) {
      emit(ctx, flow, dir, SipLine.SdpAttribute, pkt, ts, flags, text, len, 0, segs);
    }
  }
}

/**
 * One line of the message stream (CR/LF stripped; `len` ≤ LINE_MAX, `tooLong` when cut there).
 * TCP: the empty line that ends headers without a body (Content-Length 0 or absent) ends the
 * message at once; UDP leaves body framing to sipDatagram.
 */
export function sipLine(
  ctx: usize, flow: u32, dir: u32, pkt: u32, ts: u64, flags: u32, text: usize, len: u32, segs: u32, seq: u32, tooLong: bool,
): void {
  if (tooLong) store<u32>(ctx + C_FLAGS, load<u32>(ctx + C_FLAGS) | SipFlag.LongLine);
  let state = load<u8>(ctx + C_STATE);
  if (state == 0) {
    let blank = true;
    for (let k: u32 = 0; k < len; k++) if (!isWs(<u32>load<u8>(text + k))) { blank = false; break; }
    if (blank) return;
    let kind = startLineKind(text, len);
    if (kind != 0) {
      beginMessage(ctx, flow, dir, kind, pkt, ts, flags, text, len, segs, seq);
      return;
    }
    if (load<u8>(ctx + C_JUNK) == 0) {
      store<u8>(ctx + C_JUNK, 1);
      bump(Stat.SipNotSip);
      emit(ctx, flow, dir, SipLine.NotSip, pkt, ts, flags, text, len < NOT_SIP_TEXT ? len : NOT_SIP_TEXT, 0, segs);
    }
    return;
  }
  if (state == 1) {
    if (len == 0) {
      flushPending(ctx, flow, dir);
      store<u8>(ctx + C_STATE, 2);
      let clen = load<u32>(ctx + C_CLEN);
      if (load<u8>(ctx + C_UDP) == 0 && (clen == 0 || clen == NO_CLEN)) sipMessageEnd(ctx, flow, dir, pkt, ts, 0);
      return;
    }
    if (isWs(<u32>load<u8>(text))) {
      if (load<u16>(ctx + C_PENDLEN) != 0) unfold(ctx, text, len);
      return;
    }
    flushPending(ctx, flow, dir);
    headerLine(ctx, flow, dir, pkt, ts, flags, text, len, segs);
    return;
  }
  bodyLine(ctx, flow, dir, pkt, ts, flags, text, len, segs);
}

/** The message in progress ends: its held header, then MessageEnd. No-op between messages. */
export function sipMessageEnd(ctx: usize, flow: u32, dir: u32, pkt: u32, ts: u64, extra: u32): void {
  if (load<u8>(ctx + C_STATE) == 0) return;
  flushPending(ctx, flow, dir);
  let flags = load<u32>(ctx + C_FLAGS) | extra;
  let clen = load<u32>(ctx + C_CLEN);
  let body = load<u32>(ctx + C_BODY);
  if (clen != NO_CLEN && body < clen) flags |= SipFlag.BodyShort;
  if ((flags & (SipFlag.Truncated | SipFlag.ClenMalformed | SipFlag.BodyShort)) != 0) bump(Stat.SipDamaged);
  let e = emit(ctx, flow, dir, SipLine.MessageEnd, pkt, ts, flags, 0, 0, body, <u32>load<u16>(ctx + C_MSGSEGS));
  if (e != 0) store<u32>(e + EV_SEQ, clen);
  store<u8>(ctx + C_STATE, 0);
  store<u8>(ctx + C_SDP, 0);
}

// ---- TCP: called by alg/stream.ts ----------------------------------------------------------------

/** The start of a segment's delivery: messages are numbered from 0 within it. */
export function sipSegmentStart(ctx: usize): void {
  store<u8>(ctx + C_SEGMSGS, 0);
  if (load<u8>(ctx + C_STATE) != 0) {
    let s = <u32>load<u16>(ctx + C_MSGSEGS);
    store<u16>(ctx + C_MSGSEGS, <u16>(s < 0xffff ? s + 1 : s));
  }
}

/** Body bytes still expected of the message in progress (0 when not in a body). */
export function sipBodyLeft(ctx: usize): u32 {
  if (load<u8>(ctx + C_STATE) != 2) return 0;
  let clen = load<u32>(ctx + C_CLEN);
  let body = load<u32>(ctx + C_BODY);
  return clen == NO_CLEN || body >= clen ? 0 : clen - body;
}

/** `n` body bytes went by (their lines already handed to sipLine); ends the message when complete. */
export function sipBodyBytes(ctx: usize, flow: u32, dir: u32, n: u32, pkt: u32, ts: u64): void {
  let body = load<u32>(ctx + C_BODY) + n;
  store<u32>(ctx + C_BODY, body);
  if (body >= load<u32>(ctx + C_CLEN)) sipMessageEnd(ctx, flow, dir, pkt, ts, 0);
}

/** A hole in the stream, or its end: the message in progress ends truncated. */
export function sipStreamBreak(ctx: usize, flow: u32, dir: u32, pkt: u32, ts: u64): void {
  sipMessageEnd(ctx, flow, dir, pkt, ts, SipFlag.Truncated);
  // What follows a hole up to the next start line is the rest of a message, not junk.
  store<u8>(ctx + C_JUNK, 1);
}

// ---- UDP ------------------------------------------------------------------------------------------

/** Index of the first LF in [i, end), or `end`. */
function lineEnd(p: usize, i: u32, end: u32): u32 {
  while (i < end && load<u8>(p + i) != 10) i++;
  return i;
}

/** Hands the line [i, j) (CR stripped, cut at LINE_MAX) to sipLine. */
function udpLine(ctx: usize, flow: u32, dir: u32, pkt: u32, ts: u64, p: usize, i: u32, j: u32, lf: bool): void {
  let len = j - i;
  let flags: u32 = 0;
  if (lf) {
    if (len > 0 && load<u8>(p + j - 1) == 13) {
      len--;
      flags |= LineFlag.Crlf;
    }
  } else flags |= LineFlag.Incomplete;
  if (i == 0) flags |= LineFlag.SegmentStart;
  let tooLong = len > <u32>LINE_MAX;
  sipLine(ctx, flow, dir, pkt, ts, flags, p + i, tooLong ? <u32>LINE_MAX : len, 1, 0, tooLong);
}

/** True when only CR, LF, SP, HT or NUL bytes lie in [i, n) (keep-alives, padding). */
function blankFrom(p: usize, i: u32, n: u32): bool {
  for (let k = i; k < n; k++) {
    let c = <u32>load<u8>(p + k);
    if (!(c == 13 || c == 10 || c == 32 || c == 9 || c == 0)) return false;
  }
  return true;
}

/**
 * One UDP datagram on a SIP port: each message in it (RFC 3261 §18.3: Content-Length bytes of
 * body, else the rest), cut ones flagged Truncated; a datagram that starts with anything but a
 * start line is one NotSip (keep-alives of CR/LF are nothing).
 */
export function sipDatagram(rec: usize, dir: u32, p: usize, cap: u32, len: u32, pkt: u32, ts: u64): void {
  bump(Stat.SipDatagrams);
  let ctx = udpCtx;
  sipReset(ctx, true);
  let flow = load<u32>(rec + FL_ID);
  let cut = cap < len;
  let n = cut ? cap : len;
  let i: u32 = 0;
  while (i < n) {
    if (blankFrom(p, i, n)) return;
    while (i < n && (load<u8>(p + i) == 13 || load<u8>(p + i) == 10)) i++;
    // The headers, line by line, up to the empty line.
    while (i < n && load<u8>(ctx + C_STATE) != 2) {
      let j = lineEnd(p, i, n);
      let lf = j < n;
      if (!lf && cut) break;
      udpLine(ctx, flow, dir, pkt, ts, p, i, j, lf);
      if (load<u8>(ctx + C_STATE) == 0) return; // NotSip
      i = lf ? j + 1 : n;
    }
    if (load<u8>(ctx + C_STATE) != 2) {
      // The datagram ended inside the headers.
      sipMessageEnd(ctx, flow, dir, pkt, ts, cut ? SipFlag.Truncated : 0);
      return;
    }
    let clen = load<u32>(ctx + C_CLEN);
    let bodyEnd = clen != NO_CLEN && clen < n - i ? i + clen : n;
    let extra: u32 = 0;
    if (cut && (clen == NO_CLEN || clen > n - i)) extra |= SipFlag.Truncated;
    let b = i;
    while (b < bodyEnd) {
      let j = lineEnd(p, b, bodyEnd);
      let lf = j < bodyEnd;
      if (!lf && cut && bodyEnd == n) break; // a body line cut by the snaplen
      udpLine(ctx, flow, dir, pkt, ts, p, b, j, lf);
      b = lf ? j + 1 : bodyEnd;
    }
    store<u32>(ctx + C_BODY, bodyEnd - i);
    i = bodyEnd;
    if (i < n && !blankFrom(p, i, n)) {
      let k = i;
      while (k < n && (load<u8>(p + k) == 13 || load<u8>(p + k) == 10)) k++;
      let j = lineEnd(p, k, n);
      let e = j > k && load<u8>(p + j - 1) == 13 ? j - 1 : j;
      if (startLineKind(p + k, e - k) == 0) {
        extra |= SipFlag.BodyLong;
        i = n;
      }
    }
    sipMessageEnd(ctx, flow, dir, pkt, ts, extra);
  }
}
