#!/usr/bin/env python3
"""Minimal RTSP/1.0 server (RFC 2326) for the alg-verify lab. Python 3 standard library only.

    rtsp_server.py --listen 198.51.100.20 --port 554 --log FILE [--rtp-count 50] [--interval 0.02]
                   [--server-ports 6970] [--sr-every 10]

Methods: OPTIONS, DESCRIBE (a minimal SDP, one H.264-ish video track, PT 96), ANNOUNCE, SETUP,
PLAY, RECORD, PAUSE (accepted), GET_PARAMETER (keep-alive), TEARDOWN.

SETUP transports:
  RTP/AVP;unicast;client_port=a-b    reply: the same with server_port=c-d (c = --server-ports, even)
  RTP/AVP/TCP;unicast;interleaved=x-y  reply: echoed
PLAY over UDP sends --rtp-count RTP packets (v2, PT 96, increasing seq/timestamp, one SSRC),
--interval s apart, from server_port to <control connection's peer address>:client_port -- the
address the server sees, which is the NAT address when the client is behind a NAT. That is what a
real server does and what breaks without an ALG. An RTCP SR (+SDES CNAME) goes from server_port+1
to client_port+1 every --sr-every RTP packets. Over interleaved TCP the same packets are sent as
'$'<channel><len16> frames inside the control connection.
RECORD: the server only receives; it counts what arrives on server_port / server_port+1 (UDP) or
in '$' frames (interleaved). Datagrams arriving on the server ports at any time (e.g. the
client's NAT "punch" packets) are counted too, with their source address.

Every event is logged, one line each, to --log; each session ends with a line
'SUMMARY {json}' holding the counts. Serves connections one after another until SIGINT/SIGTERM.
"""
import argparse
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

SDP_TEMPLATE = (
    "v=0\r\n"
    "o=- 20240101 1 IN IP4 {addr}\r\n"
    "s=alg-verify lab stream\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "t=0 0\r\n"
    "a=control:*\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=control:trackID=0\r\n"
)
CLOCK = 90000
SSRC = 0x5E7A1A11


def rtp_packet(seq, ts, ssrc, marker=False, payload_len=160):
    hdr = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | 96, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
    return hdr + bytes((seq + i) & 0xFF for i in range(payload_len))


def rtcp_sr(ssrc, rtp_ts, packets, octets, cname="lab-server"):
    now = time.time() + 2208988800  # NTP epoch
    ntp_hi = int(now)
    ntp_lo = int((now - ntp_hi) * (1 << 32)) & 0xFFFFFFFF
    sr = struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, ntp_hi, ntp_lo, rtp_ts & 0xFFFFFFFF, packets, octets)
    item = bytes([1, len(cname)]) + cname.encode() + b"\x00"
    chunk = struct.pack("!I", ssrc) + item
    chunk += b"\x00" * (-len(chunk) % 4)
    sdes = struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk
    return sr + sdes


def classify(data):
    """'rtp', 'rtcp' or 'other' for one datagram / interleaved frame."""
    if len(data) >= 8 and data[0] >> 6 == 2 and 200 <= data[1] <= 204:
        return "rtcp"
    if len(data) >= 12 and data[0] >> 6 == 2:
        return "rtp"
    return "other"


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)

    def __call__(self, msg):
        self.f.write("%.6f %s\n" % (time.time(), msg))


def parse_transport(value):
    """First transport spec of a Transport header -> (spec string, dict of params)."""
    spec = value.split(",")[0].strip()
    parts = [p.strip() for p in spec.split(";")]
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.lower()] = v
    return parts[0], params


def port_range(v):
    a, _, b = v.partition("-")
    a = int(a)
    return a, int(b) if b else a + 1


class Session:
    def __init__(self, conn, peer, args, log):
        self.conn, self.peer, self.args, self.log = conn, peer, args, log
        self.buf = b""
        self.session_id = "%08X" % random.getrandbits(32)
        self.mode = None              # 'udp' | 'interleaved'
        self.record = False
        self.client_ports = None
        self.channels = (0, 1)
        self.udp = []                 # [rtp socket, rtcp socket]
        self.sending = False
        self.sent_rtp = self.sent_rtcp = 0
        self.next_send = 0.0
        self.seq0 = 1000 + random.randrange(1000)
        self.ts0 = random.getrandbits(32)
        self.octets = 0
        self.recv = {"rtp": 0, "rtcp": 0, "other": 0}
        self.recv_from = {}
        self.icmp_errors = 0
        self.requests = []
        self.closed = False
        self.dest = None

    # --- control connection
    def send_reply(self, cseq, code=200, reason="OK", headers=(), body=b""):
        lines = ["RTSP/1.0 %d %s" % (code, reason), "CSeq: %s" % cseq, "Server: alg-verify-lab/1.0"]
        lines += list(headers)
        if body:
            lines.append("Content-Length: %d" % len(body))
        msg = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        self.conn.sendall(msg)
        self.log("C<S %d %s (CSeq %s)%s" % (code, reason, cseq,
                 "".join("; " + h for h in headers if h.startswith("Transport"))))

    def handle_request(self, head, body):
        lines = head.decode("utf-8", "replace").split("\r\n")
        method, url, _ = (lines[0].split(" ") + ["", ""])[:3]
        hdr = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdr[k.strip().lower()] = v.strip()
        cseq = hdr.get("cseq", "0")
        self.requests.append(method)
        self.log("C>S %s %s (CSeq %s)%s" % (method, url, cseq,
                 "; Transport: " + hdr["transport"] if "transport" in hdr else ""))
        sess = "Session: %s;timeout=60" % self.session_id
        if method == "OPTIONS":
            self.send_reply(cseq, headers=["Public: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, GET_PARAMETER, TEARDOWN"])
        elif method == "DESCRIBE":
            sdp = SDP_TEMPLATE.format(addr=self.args.listen).encode()
            self.send_reply(cseq, headers=["Content-Base: %s/" % url.rstrip("/"), "Content-Type: application/sdp"], body=sdp)
        elif method == "ANNOUNCE":
            self.log("ANNOUNCE body %d bytes" % len(body))
            self.send_reply(cseq)
        elif method == "SETUP":
            self.setup(cseq, hdr.get("transport", ""), sess)
        elif method in ("PLAY", "RECORD"):
            if self.mode is None:
                self.send_reply(cseq, 455, "Method Not Valid in This State")
                return
            self.record = method == "RECORD"
            if method == "PLAY":
                self.send_reply(cseq, headers=[sess, "Range: npt=0.000-",
                                               "RTP-Info: url=%s/trackID=0;seq=%d;rtptime=%d" % (url.rstrip("/"), self.seq0, self.ts0)])
                self.sending = True
                self.next_send = time.monotonic()
                dest = "interleaved channel %d" % self.channels[0] if self.mode == "interleaved" else \
                    "%s:%d (control peer address, SETUP client_port)" % (self.peer[0], self.client_ports[0])
                self.log("PLAY: sending %d RTP to %s" % (self.args.rtp_count, dest))
            else:
                self.send_reply(cseq, headers=[sess])
                self.log("RECORD: receiving")
        elif method in ("PAUSE", "GET_PARAMETER"):
            self.send_reply(cseq, headers=[sess])
        elif method == "TEARDOWN":
            self.sending = False
            self.send_reply(cseq, headers=[sess])
            self.closed = True
        else:
            self.send_reply(cseq, 501, "Not Implemented")

    def setup(self, cseq, transport, sess):
        spec, p = parse_transport(transport)
        if spec.upper().startswith("RTP/AVP/TCP") and "interleaved" in p:
            self.mode = "interleaved"
            self.channels = port_range(p["interleaved"])
            reply = "RTP/AVP/TCP;unicast;interleaved=%d-%d;ssrc=%08X" % (self.channels + (SSRC,))
        elif spec.upper() in ("RTP/AVP", "RTP/AVP/UDP") and "client_port" in p:
            self.mode = "udp"
            self.client_ports = port_range(p["client_port"])
            sp = self.args.server_ports
            for s in self.udp:
                s.close()
            self.udp = []
            for port in (sp, sp + 1):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((self.args.listen, port))
                s.setblocking(False)
                self.udp.append(s)
            # media goes to the address the control connection comes from (as a real server
            # does; a "destination=" parameter is not honoured), at the announced client_port
            self.dest = self.peer[0]
            reply = "RTP/AVP;unicast;client_port=%d-%d;server_port=%d-%d;ssrc=%08X" % (
                self.client_ports + (sp, sp + 1, SSRC))
        else:
            self.send_reply(cseq, 461, "Unsupported Transport")
            return
        if p.get("mode", "").strip('"').lower() == "record":
            reply += ";mode=record"
        self.send_reply(cseq, headers=[sess, "Transport: " + reply])

    def on_control_data(self, data):
        self.buf += data
        while self.buf:
            if self.buf[:1] == b"$":
                if len(self.buf) < 4:
                    return
                ch, n = self.buf[1], struct.unpack("!H", self.buf[2:4])[0]
                if len(self.buf) < 4 + n:
                    return
                frame, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                kind = classify(frame)
                self.recv[kind] += 1
                key = "interleaved channel %d" % ch
                self.recv_from[key] = self.recv_from.get(key, 0) + 1
                continue
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end]
            clen = 0
            for l in head.split(b"\r\n")[1:]:
                if l.lower().startswith(b"content-length:"):
                    clen = int(l.split(b":", 1)[1])
            if len(self.buf) < end + 4 + clen:
                return
            body = self.buf[end + 4:end + 4 + clen]
            self.buf = self.buf[end + 4 + clen:]
            self.handle_request(head, body)

    # --- media
    def send_due(self):
        now = time.monotonic()
        while self.sending and now >= self.next_send:
            i = self.sent_rtp
            pkt = rtp_packet(self.seq0 + i, self.ts0 + i * int(CLOCK * self.args.interval), SSRC, marker=(i == 0))
            self.emit(0, pkt)
            self.sent_rtp += 1
            self.octets += len(pkt) - 12
            if i % self.args.sr_every == 0:
                self.emit(1, rtcp_sr(SSRC, self.ts0 + i * int(CLOCK * self.args.interval), self.sent_rtp, self.octets))
                self.sent_rtcp += 1
            self.next_send += self.args.interval
            if self.sent_rtp >= self.args.rtp_count:
                self.sending = False
                self.log("PLAY: done, sent %d RTP + %d RTCP SR" % (self.sent_rtp, self.sent_rtcp))

    def emit(self, idx, pkt):
        if self.mode == "interleaved":
            self.conn.sendall(b"$" + bytes([self.channels[idx]]) + struct.pack("!H", len(pkt)) + pkt)
        else:
            self.udp[idx].sendto(pkt, (self.dest, self.client_ports[idx]))

    def on_udp(self, s, idx):
        while True:
            try:
                data, src = s.recvfrom(65535)
            except BlockingIOError:
                return
            except ConnectionRefusedError:
                self.icmp_errors += 1
                continue
            kind = classify(data)
            self.recv[kind] += 1
            key = "%s:%d->%d" % (src[0], src[1], s.getsockname()[1])
            if key not in self.recv_from:
                self.log("UDP first %s from %s:%d to server port %d (%d bytes)" % (kind, src[0], src[1], s.getsockname()[1], len(data)))
            self.recv_from[key] = self.recv_from.get(key, 0) + 1

    def run(self):
        self.conn.setblocking(False)
        while not self.closed:
            rl = [self.conn] + self.udp
            timeout = max(0.0, self.next_send - time.monotonic()) if self.sending else 1.0
            r, _, _ = select.select(rl, [], [], timeout)
            for s in r:
                if s is self.conn:
                    try:
                        data = self.conn.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except ConnectionError:
                        data = b""
                    if not data:
                        self.log("control connection closed by the client")
                        self.closed = True
                        break
                    self.conn.setblocking(True)
                    self.on_control_data(data)
                    self.conn.setblocking(False)
                else:
                    self.on_udp(s, self.udp.index(s))
            if self.sending:
                self.conn.setblocking(True)
                self.send_due()
                self.conn.setblocking(False)
        # late datagrams still queued (punches that crossed the TEARDOWN)
        for i, s in enumerate(self.udp):
            self.on_udp(s, i)
        summary = {
            "role": "server", "peer": "%s:%d" % self.peer, "requests": self.requests,
            "transport": self.mode, "mode": "record" if self.record else "play",
            "clientPorts": list(self.client_ports) if self.client_ports else None,
            "serverPorts": [self.args.server_ports, self.args.server_ports + 1] if self.mode == "udp" else None,
            "mediaSentTo": ("%s:%d" % (self.dest, self.client_ports[0])) if self.mode == "udp" and not self.record else None,
            "sent": {"rtp": self.sent_rtp, "rtcp": self.sent_rtcp},
            "received": self.recv, "receivedFrom": self.recv_from,
        }
        self.log("SUMMARY " + json.dumps(summary, sort_keys=True))
        for s in self.udp:
            s.close()
        self.conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=554)
    ap.add_argument("--log", required=True)
    ap.add_argument("--rtp-count", type=int, default=50)
    ap.add_argument("--interval", type=float, default=0.02)
    ap.add_argument("--server-ports", type=int, default=6970)
    ap.add_argument("--sr-every", type=int, default=10)
    args = ap.parse_args()
    if args.server_ports % 2:
        ap.error("--server-ports must be even (RTP even, RTCP = RTP + 1)")
    log = Log(args.log)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.listen, args.port))
    ls.listen(4)
    log("listening on %s:%d (pid %d)" % (args.listen, args.port, os.getpid()))
    try:
        while True:
            conn, peer = ls.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            log("control connection from %s:%d" % peer)
            try:
                Session(conn, peer, args, log).run()
            except Exception as e:  # keep serving; the client reports the failure
                log("session error: %r" % (e,))
    except KeyboardInterrupt:
        pass
    finally:
        log("exit")


if __name__ == "__main__":
    main()
