#!/usr/bin/env python3
"""alg-verify lab: a small scripted SIP peer pair over UDP for the sip-clash-* scenarios (run.sh).

They drive nf_conntrack_sip / nf_nat_sip's expectation table into the clashes verify --profile
linux models (src/verify/sip-linux.ts linuxClashes, ALG-BEHAVIOUR.md §8.3): a REGISTER's signalling
expectation and an INVITE's media expectation that are identical (udp <server> -> <NAT>:<port>).
No media is sent: the expectations are made by the messages alone.

  sip_clash.py client --client IP --server IP --log FILE STEP...
      STEP = register:<src port>:<Contact port> | invite:<src port>:<SDP m= port>
      Each request goes from its own socket (bound to src port) to server:5060; the client waits
      up to --wait s for the answer (a request the router drops gets none). It answers an OPTIONS
      that reaches any of its sockets with 200. One line per event in the log.
  sip_clash.py server --listen IP --log FILE [--options] [--duration S]
      Answers each request with 200 (a REGISTER's echoes its Contact with expires=3600). With
      --options, after a REGISTER's 200 it sends an OPTIONS from port 5080 to the Contact as it
      received it (the NAT address and the port the router wrote) and logs whether it was answered.
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


def response(req, code="200 OK", contact_expires=False):
    _, h = headers(req)
    hs = [f"SIP/2.0 {code}", f"Via: {h.get('via', '')}", f"From: {h.get('from', '')}",
          f"To: {h.get('to', '')}" + ("" if ";tag=" in h.get("to", "") else ";tag=lab1"),
          f"Call-ID: {h.get('call-id', '')}", f"CSeq: {h.get('cseq', '')}"]
    if contact_expires and "contact" in h:
        hs.append(f"Contact: {h['contact']};expires=3600")
    hs.append("Content-Length: 0")
    return CRLF.join(hs) + CRLF + CRLF


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
                log(f, f"recv {s.getsockname()[1]} from {peer[0]}:{peer[1]}: {first}")
                if first.startswith("OPTIONS "):
                    s.sendto(response(text).encode(), peer)
                    log(f, f"sent {s.getsockname()[1]} to {peer[0]}:{peer[1]}: 200 OPTIONS")
                elif want and h.get("call-id") == want:
                    got = first
            if got and want:
                return got

    for n, step in enumerate(a.steps, 1):
        method, src, port = step.split(":")
        src, port = int(src), int(port)
        m = "REGISTER" if method == "register" else "INVITE"
        msg = request(m, a.client, src, a.server, port if m == "REGISTER" else src, port if m == "INVITE" else None, n)
        sock(src).sendto(msg.encode(), (a.server, 5060))
        log(f, f"sent {src} to {a.server}:5060: {m} (step {step})")
        ans = pump(time.time() + a.wait, want=f"clash-{n}@{a.client}")
        answered.append(bool(ans))
        log(f, f"step {step}: {'answered ' + ans if ans else 'no answer'}")
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
    while time.time() < end:
        r, _, _ = select.select([s, o], [], [], max(0.0, end - time.time()))
        for x in r:
            data, peer = x.recvfrom(65535)
            text = data.decode("utf-8", "replace")
            first, h = headers(text)
            log(f, f"recv {x.getsockname()[1]} from {peer[0]}:{peer[1]}: {first}" + (f" Contact {h['contact']}" if "contact" in h else ""))
            if first.startswith("SIP/2.0"):
                continue
            reg = first.startswith("REGISTER ")
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
    c.add_argument("steps", nargs="+")
    s = sub.add_parser("server")
    s.add_argument("--listen", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--options", action="store_true")
    s.add_argument("--duration", type=float, default=8.0)
    a = p.parse_args()
    return client(a) if a.mode == "client" else server(a)


if __name__ == "__main__":
    sys.exit(main())
