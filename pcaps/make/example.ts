/**
 * Generator for pcaps/example/ftp-active-nat-{inside,outside}.pcap — one FTP client behind a
 * source NAT, captured on both sides of the router.
 *
 *   client 192.0.2.10  ──inside──  NAT (outside address 203.0.113.1)  ──outside──  server 198.51.100.20:21
 *
 * Session 1 (active):  USER/PASS, `PORT 192,0,2,10,195,80` (inside) which the ALG rewrites to
 *   `PORT 203,0,113,1,195,80` (outside; one byte longer, so every later client seq is +1 and every
 *   later server ack is +1 on the outside only), LIST over a data connection opened by the server
 *   from port 20 to port 50000 (inside 192.0.2.10:50000, outside 203.0.113.1:50000), 226, QUIT,
 *   FIN close.
 * Session 2 (passive): PASV → `227 Entering Passive Mode (198,51,100,20,117,48).` (port 30000, the
 *   server's own address, so nothing to rewrite), LIST over a client-opened data connection
 *   192.0.2.10:51004 → 198.51.100.20:30000 (outside source 203.0.113.1:51004), QUIT, close.
 *
 * NAT model: port-preserving source NAT; the IP id is kept; TTL drops by one through the router;
 * the outside capture sees outbound packets 40 µs later and inbound packets 40 µs earlier than
 * the inside one. Both captures are built from the same script, so they are consistent by
 * construction; the outside TCP seq/ack shift falls out of tracking seq on the rewritten payload.
 * Deterministic (fixed ISNs, clock starts 2024-01-02T03:04:05Z). Ethernet, pcap µs, LE.
 *
 * Run: `node dist/pcaps/make/example.js` (after `tsc -p tsconfig.build.json`) rewrites both files.
 */

import {
  DEFAULT_EPOCH_NS, LinkType, ethernetFor, tcpSession, writePcap,
  type PcapRecord, type SessionFrame, type TcpSession,
} from "../../test/helpers/pcap-writer.js";
import { FTP_LISTING, isMain, repoRoot, sideMacs, writeOut } from "./util.js";

export type NatSide = "inside" | "outside";

export const EXAMPLE = {
  client: "192.0.2.10",
  server: "198.51.100.20",
  nat: "203.0.113.1",
  /** Active session: control source port, announced data port (195*256+80). */
  activeCtrlPort: 51000,
  activeDataPort: 50000,
  /** Passive session: control source port, data source port, announced port (117*256+48). */
  passiveCtrlPort: 51002,
  passiveDataSrcPort: 51004,
  passiveDataPort: 30000,
  insidePort: "PORT 192,0,2,10,195,80",
  outsidePort: "PORT 203,0,113,1,195,80",
  pasvReply: "227 Entering Passive Mode (198,51,100,20,117,48).",
  files: {
    inside: "pcaps/example/ftp-active-nat-inside.pcap",
    outside: "pcaps/example/ftp-active-nat-outside.pcap",
  },
} as const;

interface Tagged {
  frame: SessionFrame;
  /** Sent by the inside host (client side of the NAT). */
  outbound: boolean;
}

/** A frame with its L3 bytes, capture time and direction relative to the NAT. */
export interface ExampleFrame {
  ts: bigint;
  l3: Uint8Array;
  outbound: boolean;
}

/** Build the frame list (L3) for one side of the NAT. */
export function exampleFrames(side: NatSide): ExampleFrame[] {
  const E = EXAMPLE;
  const clientIp = side === "inside" ? E.client : E.nat;
  // TTLs: client sends 64 (63 past the router); server packets arrive at the router with 52.
  const cTtl = side === "inside" ? 64 : 63;
  const sTtl = side === "inside" ? 51 : 52;
  const halfRtt = 10_000_000n; // 20 ms RTT client ↔ server
  const tagged: Tagged[] = [];
  let clock = DEFAULT_EPOCH_NS;

  // Run `fn` on a session that continues from the shared clock, then advance the clock.
  const on = (s: TcpSession, outboundIsClient: boolean, fn: (s: TcpSession) => SessionFrame[]) => {
    if (s.now < clock) s.now = clock;
    for (const f of fn(s)) tagged.push({ frame: f, outbound: f.fromClient === outboundIsClient });
    clock = s.now;
  };
  const session = (cIp: string, cPort: number, sIp: string, sPort: number, isn: number, id: number, clientIsInside: boolean) =>
    tcpSession({
      client: { ip: cIp, port: cPort }, server: { ip: sIp, port: sPort },
      isn: { client: isn, server: (isn ^ 0x5a5a5a5a) >>> 0 },
      ipId: { client: id, server: id + 0x4000 },
      ttl: clientIsInside ? { client: cTtl, server: sTtl } : { client: sTtl, server: cTtl },
      halfRtt, start: clock + halfRtt,
    });
  const req = (s: TcpSession, line: string) => on(s, true, (x) => x.send(true, line + "\r\n", { ackFromPeer: false }));
  const rep = (s: TcpSession, line: string) => on(s, true, (x) => x.send(false, line + "\r\n", { ackFromPeer: false }));
  const ack = (s: TcpSession, fromClient: boolean) => on(s, true, (x) => [x.segment(fromClient, { ack: true })]);

  // --- Session 1: active mode -----------------------------------------------------------------
  const c1 = session(clientIp, E.activeCtrlPort, E.server, 21, 0x3a1f0000, 0x2100, true);
  on(c1, true, (x) => x.handshake());
  rep(c1, "220 (vsFTPd 3.0.3)");
  ack(c1, true);
  req(c1, "USER anonymous");
  rep(c1, "331 Please specify the password.");
  req(c1, "PASS guest@example.com");
  rep(c1, "230 Login successful.");
  req(c1, side === "inside" ? E.insidePort : E.outsidePort);
  rep(c1, "200 PORT command successful. Consider using PASV.");
  req(c1, "LIST");
  // Server opens the data connection from port 20 to the announced address/port.
  const d1 = session(E.server, 20, clientIp, E.activeDataPort, 0x7c000000, 0x6100, false);
  on(d1, false, (x) => x.handshake());
  rep(c1, "150 Here comes the directory listing.");
  on(d1, false, (x) => x.send(true, FTP_LISTING));
  on(d1, false, (x) => x.close(true));
  rep(c1, "226 Directory send OK.");
  ack(c1, true);
  clock += 1_500_000_000n; // user think time
  req(c1, "QUIT");
  rep(c1, "221 Goodbye.");
  on(c1, true, (x) => x.close(false));

  // --- Session 2: passive mode ----------------------------------------------------------------
  clock += 2_000_000_000n;
  const c2 = session(clientIp, E.passiveCtrlPort, E.server, 21, 0x4b2e0000, 0x3100, true);
  on(c2, true, (x) => x.handshake());
  rep(c2, "220 (vsFTPd 3.0.3)");
  ack(c2, true);
  req(c2, "USER anonymous");
  rep(c2, "331 Please specify the password.");
  req(c2, "PASS guest@example.com");
  rep(c2, "230 Login successful.");
  req(c2, "PASV");
  rep(c2, E.pasvReply);
  const d2 = session(clientIp, E.passiveDataSrcPort, E.server, E.passiveDataPort, 0x5d3c0000, 0x3900, true);
  on(d2, true, (x) => x.handshake());
  req(c2, "LIST");
  rep(c2, "150 Here comes the directory listing.");
  on(d2, true, (x) => x.send(false, FTP_LISTING));
  on(d2, true, (x) => x.close(false));
  rep(c2, "226 Directory send OK.");
  ack(c2, true);
  clock += 1_000_000_000n;
  req(c2, "QUIT");
  rep(c2, "221 Goodbye.");
  on(c2, true, (x) => x.close(false));

  // Capture-point skew: outside sees outbound later, inbound earlier.
  const skew = side === "inside" ? 0n : 40_000n;
  const out = tagged.map((t) => ({ ts: t.frame.ts + (t.outbound ? skew : -skew), l3: t.frame.data, outbound: t.outbound }));
  // Stable sort by time (sessions interleave).
  return out.map((f, i) => [f, i] as const).sort((x, y) => (x[0].ts < y[0].ts ? -1 : x[0].ts > y[0].ts ? 1 : x[1] - y[1])).map((x) => x[0]);
}

/** pcap bytes for one side (Ethernet, µs, LE). */
export function makeExampleCapture(side: NatSide): Uint8Array {
  const records: PcapRecord[] = exampleFrames(side).map((f) => {
    const [src, dst] = sideMacs(side, f.outbound);
    return { ts: f.ts, data: ethernetFor(f.l3, { src, dst }) };
  });
  return writePcap(records, { linkType: LinkType.ETHERNET, snaplen: 262144 });
}

/** Both captures. */
export function makeExampleCaptures(): { inside: Uint8Array; outside: Uint8Array } {
  return { inside: makeExampleCapture("inside"), outside: makeExampleCapture("outside") };
}

if (isMain(import.meta.url)) {
  const root = repoRoot(import.meta.url);
  const { inside, outside } = makeExampleCaptures();
  console.log(writeOut(root, EXAMPLE.files.inside, inside), inside.length);
  console.log(writeOut(root, EXAMPLE.files.outside, outside), outside.length);
}
