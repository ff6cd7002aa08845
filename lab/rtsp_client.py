#!/usr/bin/env python3
"""Minimal RTSP/1.0 client (RFC 2326) for the alg-verify lab. Python 3 standard library only.

    rtsp_client.py --server 198.51.100.20 --log FILE --mode play|record --transport udp|interleaved
                   [--port 554] [--client-ports 50000] [--punch N] [--rtp-count 50] [--interval 0.02]

play:   OPTIONS, DESCRIBE, SETUP, [punch], PLAY, receive media, TEARDOWN
record: OPTIONS, ANNOUNCE (SDP), SETUP (mode=record), RECORD, send --rtp-count RTP packets (PT 96,
        --interval s apart; an RTCP SR every 10), TEARDOWN
UDP transport: Transport: RTP/AVP;unicast;client_port=a-b (a = --client-ports, even), media
sockets bound to a and b before SETUP. Interleaved: RTP/AVP/TCP;unicast;interleaved=0-1, media
as '$' frames inside the control connection.
--punch N: right after the SETUP reply, send N small non-RTP datagrams (0xCEFAEDFE, as live555/VLC
do) from client_port to server_port and from client_port+1 to server_port+1: NAT hole punching.

Every event goes to --log; the run ends with 'SUMMARY {json}'. Exit code: 0 when the session
completed and (play) all --rtp-count RTP packets arrived; 3 when the session completed but media
is missing; 1 on an RTSP/connection error.
"""
import argparse
import json
import select
import socket
import struct
import sys
import time

SDP = (
    "v=0\r\n"
    "o=- 20240101 1 IN IP4 {addr}\r\n"
    "s=alg-verify lab recording\r\n"
    "c=IN IP4 {server}\r\n"
    "t=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=control:trackID=0\r\n"
)
CLOCK = 90000
SSRC = 0xC11E4700
PUNCH = b"\xce\xfa\xed\xfe"


def rtp_packet(seq, ts, ssrc, marker=False, payload_len=160):
    hdr = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | 96, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
    return hdr + bytes((seq + i) & 0xFF for i in range(payload_len))


def rtcp_sr(ssrc, rtp_ts, packets, octets, cname="lab-client"):
    now = time.time() + 2208988800
    ntp_hi = int(now)
    ntp_lo = int((now - ntp_hi) * (1 << 32)) & 0xFFFFFFFF
    sr = struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, ntp_hi, ntp_lo, rtp_ts & 0xFFFFFFFF, packets, octets)
    item = bytes([1, len(cname)]) + cname.encode() + b"\x00"
    chunk = struct.pack("!I", ssrc) + item
    chunk += b"\x00" * (-len(chunk) % 4)
    return sr + struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk


def classify(data):
    if len(data) >= 8 and data[0] >> 6 == 2 and 200 <= data[1] <= 204:
        return "rtcp"
    if len(data) >= 12 and data[0] >> 6 == 2:
        return "rtp"
    return "other"


class RtspError(Exception):
    pass


class Client:
    def __init__(self, a):
        self.a = a
        self.logf = open(a.log, "a", buffering=1)
        self.cseq = 0
        self.session = None
        self.buf = b""
        self.udp = []
        self.server_ports = None
        self.recv = {"rtp": 0, "rtcp": 0, "other": 0}
        self.recv_from = {}
        self.seqs = []
        self.sent = {"rtp": 0, "rtcp": 0, "punch": 0}
        self.url = "rtsp://%s:%d/lab" % (a.server, a.port) if a.port != 554 else "rtsp://%s/lab" % a.server
        self.status = {}

    def log(self, msg):
        self.logf.write("%.6f %s\n" % (time.time(), msg))

    # --- control
    def request(self, method, url=None, headers=(), body=b""):
        self.cseq += 1
        lines = ["%s %s RTSP/1.0" % (method, url or self.url), "CSeq: %d" % self.cseq, "User-Agent: alg-verify-lab/1.0"]
        if self.session:
            lines.append("Session: " + self.session)
        lines += list(headers)
        if body:
            lines.append("Content-Length: %d" % len(body))
        self.ctl.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        self.log("C>S %s (CSeq %d)%s" % (method, self.cseq, "".join("; " + h for h in headers if h.startswith("Transport"))))
        code, hdr, rbody = self.read_reply()
        self.status[method] = code
        self.log("C<S %d (CSeq %s)%s" % (code, hdr.get("cseq"), "; Transport: " + hdr["transport"] if "transport" in hdr else ""))
        if code != 200:
            raise RtspError("%s answered %d" % (method, code))
        if "session" in hdr:
            self.session = hdr["session"].split(";")[0].strip()
        return hdr, rbody

    def read_reply(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            msg = self.parse_one()
            if msg is not None:
                return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise RtspError("no reply (CSeq %d)" % self.cseq)
            self.pump(left, want_control=True)

    def parse_one(self):
        """Consume interleaved frames; return (code, headers, body) of one complete reply or None."""
        while self.buf:
            if self.buf[:1] == b"$":
                if len(self.buf) < 4:
                    return None
                ch, n = self.buf[1], struct.unpack("!H", self.buf[2:4])[0]
                if len(self.buf) < 4 + n:
                    return None
                frame, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                self.count(frame, "interleaved channel %d" % ch)
                continue
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return None
            lines = self.buf[:end].decode("utf-8", "replace").split("\r\n")
            hdr = {}
            for l in lines[1:]:
                k, _, v = l.partition(":")
                hdr[k.strip().lower()] = v.strip()
            clen = int(hdr.get("content-length", "0"))
            if len(self.buf) < end + 4 + clen:
                return None
            body = self.buf[end + 4:end + 4 + clen]
            self.buf = self.buf[end + 4 + clen:]
            parts = lines[0].split(" ", 2)
            if not parts[0].startswith("RTSP/"):
                raise RtspError("unexpected line %r" % lines[0])
            return int(parts[1]), hdr, body
        return None

    def count(self, data, key):
        kind = classify(data)
        self.recv[kind] += 1
        if key not in self.recv_from:
            self.log("first %s from %s (%d bytes)" % (kind, key, len(data)))
        self.recv_from[key] = self.recv_from.get(key, 0) + 1
        if kind == "rtp":
            self.seqs.append(struct.unpack("!H", data[2:4])[0])

    def pump(self, timeout, want_control=False):
        r, _, _ = select.select([self.ctl] + self.udp, [], [], max(0.0, timeout))
        for s in r:
            if s is self.ctl:
                data = self.ctl.recv(65536)
                if not data:
                    raise RtspError("control connection closed by the server")
                self.buf += data
                if not want_control:
                    if self.parse_one() is not None:
                        self.log("unsolicited RTSP message ignored")
            else:
                while True:
                    try:
                        data, src = s.recvfrom(65535)
                    except BlockingIOError:
                        break
                    except ConnectionRefusedError:
                        self.log("ICMP error on client port %d" % s.getsockname()[1])
                        continue
                    self.count(data, "%s:%d->%d" % (src[0], src[1], s.getsockname()[1]))

    # --- media
    def send_media(self):
        iv = self.a.interval
        t = time.monotonic()
        octets = 0
        for i in range(self.a.rtp_count):
            pkt = rtp_packet(2000 + i, 0x1000 + i * int(CLOCK * iv), SSRC, marker=(i == 0))
            self.emit(0, pkt)
            self.sent["rtp"] += 1
            octets += len(pkt) - 12
            if i % 10 == 0:
                self.emit(1, rtcp_sr(SSRC, 0x1000 + i * int(CLOCK * iv), self.sent["rtp"], octets))
                self.sent["rtcp"] += 1
            t += iv
            while time.monotonic() < t:
                self.pump(t - time.monotonic())

    def emit(self, idx, pkt):
        if self.a.transport == "interleaved":
            self.ctl.sendall(b"$" + bytes([idx]) + struct.pack("!H", len(pkt)) + pkt)
        else:
            self.udp[idx].sendto(pkt, (self.a.server, self.server_ports[idx]))

    def run(self):
        a = self.a
        cp = a.client_ports
        if a.transport == "udp":
            for port in (cp, cp + 1):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("0.0.0.0", port))
                s.setblocking(False)
                self.udp.append(s)
        self.ctl = socket.create_connection((a.server, a.port), timeout=5)
        self.ctl.settimeout(None)
        # one interleaved frame per segment (as streaming servers/clients do), not Nagle-merged
        self.ctl.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.log("control connection %s:%d -> %s:%d" % (self.ctl.getsockname() + self.ctl.getpeername()))
        self.request("OPTIONS")
        if a.mode == "play":
            self.request("DESCRIBE", headers=["Accept: application/sdp"])
        else:
            sdp = SDP.format(addr=self.ctl.getsockname()[0], server=a.server).encode()
            self.request("ANNOUNCE", headers=["Content-Type: application/sdp"], body=sdp)
        rec = ";mode=record" if a.mode == "record" else ""
        if a.transport == "udp":
            tr = "RTP/AVP;unicast;client_port=%d-%d%s" % (cp, cp + 1, rec)
        else:
            tr = "RTP/AVP/TCP;unicast;interleaved=0-1%s" % rec
        hdr, _ = self.request("SETUP", url=self.url + "/trackID=0", headers=["Transport: " + tr])
        if a.transport == "udp":
            params = dict(p.partition("=")[::2] for p in hdr.get("transport", "").split(";"))
            if "server_port" not in params:
                raise RtspError("SETUP reply without server_port")
            sp = params["server_port"].split("-")
            self.server_ports = (int(sp[0]), int(sp[1]) if len(sp) > 1 else int(sp[0]) + 1)
            if a.punch:
                for _ in range(a.punch):
                    for i in (0, 1):
                        self.udp[i].sendto(PUNCH, (a.server, self.server_ports[i]))
                        self.sent["punch"] += 1
                self.log("punched %d datagrams from client ports %d-%d to server ports %d-%d" % (
                    self.sent["punch"], cp, cp + 1, *self.server_ports))
        if a.mode == "play":
            self.request("PLAY", headers=["Range: npt=0.000-"])
            deadline = time.monotonic() + a.rtp_count * a.interval + a.wait
            want_rtcp = (a.rtp_count + 9) // 10
            while time.monotonic() < deadline and not (self.recv["rtp"] >= a.rtp_count and self.recv["rtcp"] >= want_rtcp):
                self.pump(deadline - time.monotonic())
            self.pump(0.05)
        else:
            self.request("RECORD", headers=["Range: npt=0.000-"])
            self.send_media()
            time.sleep(0.05)
        self.request("TEARDOWN")
        self.ctl.close()

    def summary(self, error=None):
        s = {"role": "client", "mode": self.a.mode, "transport": self.a.transport,
             "clientPorts": [self.a.client_ports, self.a.client_ports + 1] if self.a.transport == "udp" else None,
             "serverPorts": list(self.server_ports) if self.server_ports else None,
             "status": self.status, "sent": self.sent, "received": self.recv, "receivedFrom": self.recv_from,
             "rtpSeqInOrder": self.seqs == sorted(self.seqs), "error": error}
        self.log("SUMMARY " + json.dumps(s, sort_keys=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=554)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", choices=["play", "record"], default="play")
    ap.add_argument("--transport", choices=["udp", "interleaved"], default="udp")
    ap.add_argument("--client-ports", type=int, default=50000)
    ap.add_argument("--punch", type=int, default=0)
    ap.add_argument("--rtp-count", type=int, default=50)
    ap.add_argument("--interval", type=float, default=0.02)
    ap.add_argument("--wait", type=float, default=1.0, help="play: extra seconds to wait for media")
    a = ap.parse_args()
    if a.client_ports % 2:
        ap.error("--client-ports must be even")
    c = Client(a)
    try:
        c.run()
    except (RtspError, OSError) as e:
        c.log("ERROR %s" % e)
        c.summary(str(e))
        return 1
    c.summary()
    if a.mode == "play" and c.recv["rtp"] < a.rtp_count:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
