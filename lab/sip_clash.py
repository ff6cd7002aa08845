#!/usr/bin/env python3
"""alg-verify lab: a small scripted SIP peer pair over UDP for the sip-clash-* scenarios (run.sh).

They drive nf_conntrack_sip / nf_nat_sip's expectation table into the clashes verify --profile
linux models (src/verify/sip-linux.ts linuxClashes, ALG-BEHAVIOUR.md §8.3): a REGISTER's signalling
expectation and an INVITE's media expectation that are identical (udp <server> -> <NAT>:<port>).
No media is sent there: the expectations are made by the messages alone. The sip-udp-media-crossing
scenario adds calls whose RTP both ends start at the same instant, so that the first packets of the
two directions cross at the router (conntrack's clash resolution: verify's conntrack.counters-clash).

  sip_clash.py client --client IP --server IP --log FILE STEP...
      STEP = register:<src port>:<Contact port> | invite:<src port>:<SDP m= port>
           | call:<src port>:<SDP m= port>
      Each request goes from its own socket (bound to src port) to server:5060; the client waits
      up to --wait s for the answer (a request the router drops gets none). It answers an OPTIONS
      that reaches any of its sockets with 200. One line per event in the log. A call is an INVITE
      answered with SDP (server --media-rounds), then an ACK; once every step is done the client
      waits for the instant the answers named (X-Lab-Media-At) and sends RTP from each call's m=
      port to the answer's: --media-rounds rounds, one packet per call each, 20 ms apart. The
      first round goes in call order (the server's in the reverse order), in one tight loop, or
      call i's packet --media-skew-us * i after the instant: the two sweeps meet at some call,
      whatever lag one peer has, and that call's two first packets may cross at the router.
  sip_clash.py server --listen IP --log FILE [--options] [--duration S] [--media-rounds R]
      Answers each request with 200 (a REGISTER's echoes its Contact with expires=3600). With
      --options, after a REGISTER's 200 it sends an OPTIONS from port 5080 to the Contact as it
      received it (the NAT address and the port the router wrote) and logs whether it was answered.
      With --media-rounds, an INVITE's 200 carries SDP (m=audio <the offer's port as received +
      1000>) and X-Lab-Media-At: an instant --media-delay s after the first INVITE; at that instant
      the server sends RTP to every offer's c=/m= as received, in the same rounds as the client.
"""
import argparse
import select
import socket
import sys
import time

CRLF = "\r\n"


def log(f, msg):
    f.write(f"{time.time():.6f} {msg}\n")
    f.flush()


def headers(raw):
    head = raw.split(CRLF + CRLF, 1)[0].split(CRLF)
    out = {}
    for line in head[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out.setdefault(k.strip().lower(), v.strip())
    return head[0], out


def response(req, code="200 OK", contact_expires=False, sdp=None, extra=()):
    _, h = headers(req)
    hs = [f"SIP/2.0 {code}", f"Via: {h.get('via', '')}", f"From: {h.get('from', '')}",
          f"To: {h.get('to', '')}" + ("" if ";tag=" in h.get("to", "") else ";tag=lab1"),
          f"Call-ID: {h.get('call-id', '')}", f"CSeq: {h.get('cseq', '')}", *extra]
    if contact_expires and "contact" in h:
        hs.append(f"Contact: {h['contact']};expires=3600")
    body = ""
    if sdp is not None:
        host, port = sdp
        body = CRLF.join(["v=0", f"o=bob 1 1 IN IP4 {host}", "s=-", f"c=IN IP4 {host}", "t=0 0",
                          f"m=audio {port} RTP/AVP 0", "a=rtpmap:0 PCMU/8000", ""])
        hs.append(f"Contact: <sip:bob@{host}:5060>")
        hs.append("Content-Type: application/sdp")
    hs.append(f"Content-Length: {len(body)}")
    return CRLF.join(hs) + CRLF + CRLF + body


def sdp_media(text):
    """The c= address and m=audio port of a message's SDP body, or None."""
    host = port = None
    for line in text.split(CRLF + CRLF, 1)[-1].splitlines():
        if line.startswith("c=IN IP4 "):
            host = line[9:].strip()
        elif line.startswith("m=audio "):
            port = int(line.split()[1])
    return (host, port) if host and port else None


def rtp(seq, ssrc):
    """One PCMU RTP packet: 12-byte header, 160 bytes of 20 ms silence."""
    return bytes([0x80, 0]) + seq.to_bytes(2, "big") + (seq * 160).to_bytes(4, "big") + ssrc.to_bytes(4, "big") + b"\xff" * 160


def media(f, pairs, at, rounds, ssrc_base, skew, reverse):
    """RTP rounds from each (socket, destination) pair, 20 ms apart. The first round is
    busy-waited packet by packet: pair i's first packet leaves at `at` + i * skew s (`reverse`,
    the server: (n - 1 - i) * skew), with skew 0 as fast as the loop goes. The two peers sweep the
    calls in opposite orders, so they meet at some call whatever constant lag one of them has."""
    while time.time() < at - 0.002:
        time.sleep(0.001)
    n = len(pairs)
    for i, (s, dst) in enumerate(pairs):
        t = at + ((n - 1 - i) if reverse else i) * skew
        while time.time() < t:
            pass
        s.sendto(rtp(1, ssrc_base + i), dst)
    for r in range(1, rounds):
        time.sleep(0.02)
        for i, (s, dst) in enumerate(pairs):
            s.sendto(rtp(r + 1, ssrc_base + i), dst)
    log(f, f"sent {rounds} RTP rounds to {len(pairs)} endpoints, the first at {at:.6f}")


def request(method, client, src, server, contact_port, media_port, n):
    body = ""
    if media_port is not None:
        body = CRLF.join(["v=0", f"o=alice {n} {n} IN IP4 {client}", "s=-", f"c=IN IP4 {client}", "t=0 0",
                          f"m=audio {media_port} RTP/AVP 0", "a=rtpmap:0 PCMU/8000", ""])
    uri = f"sip:lab@{server}:5060" if method == "REGISTER" else f"sip:bob@{server}:5060"
    hs = [f"{method} {uri} SIP/2.0", f"Via: SIP/2.0/UDP {client}:{src};branch=z9hG4bK-clash{n};rport",
          "Max-Forwards: 70", f"From: <sip:alice@{client}>;tag=c{n}", f"To: <sip:{'alice' if method == 'REGISTER' else 'bob'}@{server}>",
          f"Call-ID: clash-{n}@{client}", f"CSeq: 1 {method}", f"Contact: <sip:alice@{client}:{contact_port}>"]
    if method == "REGISTER":
        hs.append("Expires: 3600")
    if body:
        hs.append("Content-Type: application/sdp")
    hs.append(f"Content-Length: {len(body)}")
    return CRLF.join(hs) + CRLF + CRLF + body


def client(a):
    socks = {}
    f = open(a.log, "a")
    answered = []

    def sock(port):
        if port not in socks:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((a.client, port))
            socks[port] = s
        return socks[port]

    def pump(until, want=None):
        got = None
        while True:
            left = until - time.time()
            if left <= 0:
                return got
            r, _, _ = select.select(list(socks.values()), [], [], left)
            for s in r:
                data, peer = s.recvfrom(65535)
                text = data.decode("utf-8", "replace")
                first, h = headers(text)
                if not first.startswith(("SIP/2.0", "OPTIONS ")):
                    continue  # RTP
                log(f, f"recv {s.getsockname()[1]} from {peer[0]}:{peer[1]}: {first}")
                if first.startswith("OPTIONS "):
                    s.sendto(response(text).encode(), peer)
                    log(f, f"sent {s.getsockname()[1]} to {peer[0]}:{peer[1]}: 200 OPTIONS")
                elif want and h.get("call-id") == want:
                    got = (first, text)
            if got and want:
                return got

    calls = []  # (socket of the m= port, the answer's media endpoint)
    media_at = None
    for n, step in enumerate(a.steps, 1):
        method, src, port = step.split(":")
        src, port = int(src), int(port)
        m = "REGISTER" if method == "register" else "INVITE"
        msg = request(m, a.client, src, a.server, port if m == "REGISTER" else src, port if m == "INVITE" else None, n)
        sock(src).sendto(msg.encode(), (a.server, 5060))
        log(f, f"sent {src} to {a.server}:5060: {m} (step {step})")
        ans = pump(time.time() + a.wait, want=f"clash-{n}@{a.client}")
        answered.append(bool(ans))
        log(f, f"step {step}: {'answered ' + ans[0] if ans else 'no answer'}")
        if method == "call" and ans:
            _, h = headers(ans[1])
            ack = CRLF.join([f"ACK sip:bob@{a.server}:5060 SIP/2.0", f"Via: SIP/2.0/UDP {a.client}:{src};branch=z9hG4bK-ack{n};rport",
                             "Max-Forwards: 70", f"From: {h.get('from', '')}", f"To: {h.get('to', '')}", f"Call-ID: {h.get('call-id', '')}",
                             "CSeq: 1 ACK", "Content-Length: 0"]) + CRLF + CRLF
            sock(src).sendto(ack.encode(), (a.server, 5060))
            log(f, f"sent {src} to {a.server}:5060: ACK")
            dst = sdp_media(ans[1])
            media_at = float(h["x-lab-media-at"]) if "x-lab-media-at" in h else media_at
            if dst:
                calls.append((sock(port), dst))
    if calls and media_at:
        media(f, calls, media_at, a.media_rounds, 0x10000, a.media_skew_us / 1e6, False)
    pump(time.time() + a.linger)
    return 0


def server(a):
    f = open(a.log, "a")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.listen, 5060))
    o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    o.bind((a.listen, 5080))
    end = time.time() + a.duration
    n = 0
    media_at = None
    offers = []  # (socket of the answer's m= port, the offer's media endpoint as received)
    while time.time() < end:
        if media_at is not None and offers and time.time() >= media_at - 0.05:
            media(f, offers, media_at, a.media_rounds, 0x20000, a.media_skew_us / 1e6, True)
            offers = []
        wake = end if media_at is None or not offers else min(end, media_at - 0.05)
        r, _, _ = select.select([s, o], [], [], max(0.0, wake - time.time()))
        for x in r:
            data, peer = x.recvfrom(65535)
            text = data.decode("utf-8", "replace")
            first, h = headers(text)
            log(f, f"recv {x.getsockname()[1]} from {peer[0]}:{peer[1]}: {first}" + (f" Contact {h['contact']}" if "contact" in h else ""))
            if first.startswith(("SIP/2.0", "ACK ")):
                continue
            reg = first.startswith("REGISTER ")
            offer = sdp_media(text) if first.startswith("INVITE ") and a.media_rounds else None
            if offer:
                media_at = media_at or time.time() + a.media_delay
                ms = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                ms.bind((a.listen, offer[1] + 1000))
                offers.append((ms, offer))
                x.sendto(response(text, sdp=(a.listen, offer[1] + 1000), extra=[f"X-Lab-Media-At: {media_at:.6f}"]).encode(), peer)
                log(f, f"sent {x.getsockname()[1]} to {peer[0]}:{peer[1]}: 200 INVITE with SDP m=audio {offer[1] + 1000}")
                continue
            x.sendto(response(text, contact_expires=reg).encode(), peer)
            log(f, f"sent {x.getsockname()[1]} to {peer[0]}:{peer[1]}: 200 {first.split(' ', 1)[0]}")
            if reg and a.options and "contact" in h:
                # The Contact as received: <sip:user@host:port>
                c = h["contact"].split("@", 1)[1].split(">", 1)[0].split(";", 1)[0]
                host, port = c.rsplit(":", 1)
                n += 1
                opt = CRLF.join([f"OPTIONS sip:alice@{host}:{port} SIP/2.0", f"Via: SIP/2.0/UDP {a.listen}:5080;branch=z9hG4bK-opt{n}",
                                 "Max-Forwards: 70", f"From: <sip:registrar@{a.listen}>;tag=r{n}", f"To: <sip:alice@{host}>",
                                 f"Call-ID: options-{n}@{a.listen}", "CSeq: 1 OPTIONS", "Content-Length: 0"]) + CRLF + CRLF
                time.sleep(0.1)
                o.sendto(opt.encode(), (host, int(port)))
                log(f, f"sent 5080 to {host}:{port}: OPTIONS")
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("client")
    c.add_argument("--client", required=True)
    c.add_argument("--server", required=True)
    c.add_argument("--log", required=True)
    c.add_argument("--wait", type=float, default=1.0)
    c.add_argument("--linger", type=float, default=1.0)
    c.add_argument("--media-rounds", type=int, default=0)
    c.add_argument("--media-skew-us", type=float, default=0.0)
    c.add_argument("steps", nargs="+")
    s = sub.add_parser("server")
    s.add_argument("--listen", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--options", action="store_true")
    s.add_argument("--duration", type=float, default=8.0)
    s.add_argument("--media-rounds", type=int, default=0)
    s.add_argument("--media-delay", type=float, default=1.5)
    s.add_argument("--media-skew-us", type=float, default=0.0)
    a = p.parse_args()
    return client(a) if a.mode == "client" else server(a)


if __name__ == "__main__":
    sys.exit(main())
