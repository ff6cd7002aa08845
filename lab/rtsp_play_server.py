#!/usr/bin/python3
"""RTSP PLAY server for the lab: Debian's gst-rtsp-server (GstRtspServer through python3-gi).

Serves one mount, rtsp://LISTEN:PORT/play: a short PCMU audio stream (audiotestsrc, 8 kHz mono,
one 20 ms buffer per RTP packet, --buffers of them, then end of stream) packetised by rtppcmupay
as payload type 0. Unicast UDP media leaves from the --server-ports pair (an address pool of one
even/odd pair); RTP/AVP/TCP interleaved is offered too. The source is not live, so the stream
starts at PLAY and every buffer is sent, paced in real time by the sink's clock.

This file is only the glue gst-rtsp-server needs (a factory, a mount, a main loop). The RTSP
protocol, the transport negotiation and the RTP/RTCP sending are gst-rtsp-server's own.

Log (--log): one timestamped line per client connection, per media state change, and at exit.
SIGINT/SIGTERM stop the main loop (run.sh stops it by PID).
"""
import argparse
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=554)
    ap.add_argument("--server-ports", type=int, default=6970, help="RTP port (RTCP = +1)")
    ap.add_argument("--buffers", type=int, default=100, help="20 ms buffers (RTP packets) per session")
    ap.add_argument("--log", required=True)
    a = ap.parse_args()

    log = open(a.log, "a", buffering=1)

    def say(msg: str) -> None:
        log.write(f"{time.time():.6f} {msg}\n")

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(a.listen)
    server.set_service(str(a.port))

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( audiotestsrc num-buffers={a.buffers} samplesperbuffer=160 is-live=false wave=sine freq=440 "
        "! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay0 pt=0 )"
    )
    pool = GstRtspServer.RTSPAddressPool()
    pool.add_range(a.listen, a.listen, a.server_ports, a.server_ports + 1, 0)
    factory.set_address_pool(pool)

    def media_configure(_factory, media):
        media.connect("new-state", lambda _m, state: say(f"media state {Gst.Element.state_get_name(state)}"))
        say("media configured")

    factory.connect("media-configure", media_configure)
    server.get_mount_points().add_factory("/play", factory)

    def client_connected(_server, client):
        conn = client.get_connection()
        say(f"client connected from {conn.get_ip() if conn else '?'}")
        client.connect("closed", lambda _c: say("client closed"))

    server.connect("client-connected", client_connected)
    if server.attach(None) == 0:
        print("rtsp_play_server: cannot listen", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    say(f"listening on {a.listen}:{a.port} /play, media ports {a.server_ports}-{a.server_ports + 1}, {a.buffers} x 20 ms PCMU")
    loop.run()
    say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
