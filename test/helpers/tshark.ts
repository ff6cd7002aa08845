/**
 * tshark — the test oracle. Thin, synchronous wrappers around `tshark` (Wireshark 4.0.x on the
 * dev/CI image) whose output our decoder is compared against.
 *
 * Tool policy (`requireTool` semantics):
 *   - `CI=true` in the environment: a missing tshark is a test FAILURE, never a skip.
 *   - locally: suites skip with one console message saying how to get tshark.
 * Use `describeWithTshark(name, fn)` for whole suites, or `needTshark()` to get the path.
 *
 * Determinism: every call passes `-n` (no name resolution — this also keeps pcapng NRB names out
 * of the output) and runs with WIRESHARK_CONFIG_DIR pointing at an empty private directory so a
 * developer's own Wireshark preferences cannot change the answers.
 *
 * ## `-z conv,tcp|udp` output format (verified against tshark 4.0.17)
 *
 * ```
 * ================================================================================
 * TCP Conversations
 * Filter:<No Filter>
 *                                                            |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |
 *                                                            | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |
 * 172.23.0.3:58252           <-> 172.23.0.2:21                   20 1885 bytes      19 1420 bytes      39 3305 bytes     0.000000000         0.0297
 * ================================================================================
 * ```
 * Facts (checked by test/helpers-selftest/tshark.test.ts on a capture with known counts, and by
 * hand on suricata-verify/ftp-download-active.pcap with `-T fields`):
 *   - Endpoint A (left) is the source of the first packet tshark attributed to the conversation;
 *     B is the other side. IPv6 endpoints print as `addr:port` (split at the LAST colon).
 *   - The `<-` column is **B → A** (frames/bytes sent by B to A); the `->` column is **A → B**.
 *     (In the line above A is the FTP client; `<-` = 20 frames / 1885 bytes = what the server
 *     172.23.0.2:21 sent.)
 *   - Bytes are frame bytes (`frame.len`, link header included), not IP bytes.
 *   - Byte counts are humanised: exact `N bytes` below 10 000, then `N kB` (SI, integer division
 *     by 1000: 16 384 → "16 kB"), `MB`, `GB`… We return the value in bytes and `bytesExact:false`
 *     when a unit prefix was used (the exact value is lost in the text).
 *   - Rows are sorted by total frames, descending (not by start time).
 *   - Relative Start is seconds since the first packet of the capture (9 decimals); Duration 4.
 *   - TCP rows are per tcp.stream (tshark 4.0 keys TCP conversations by stream index), so a
 *     reused 4-tuple (new SYN after close) gives two rows. UDP rows are per address/port pair.
 *   - VLAN ids and pcapng interface ids are NOT part of tshark 4.0's conversation key (no
 *     "conversation deinterlacing" before 4.2): same tuple on two VLANs = one row. Our flows
 *     keep them apart.
 *   - IP fragments: with IP reassembly on (the default) the UDP/TCP conversation counts the one
 *     frame where the datagram was reassembled (that frame carries the ports); the other
 *     fragments are in no UDP/TCP conversation. A packet whose TCP header is truncated is in no
 *     TCP conversation either (but is in `conv,ip`).
 *   - With several `-z` arguments the tables print in reverse order; we pass exactly one.
 *
 * ## Frame numbering (tshark 4.0.17)
 *   - pcapng Custom Blocks (0x00000BAD and 0x40000BAD) are numbered as FRAMES by tshark 4.0
 *     ("PCAPNG Custom Block", no `eth` layer), so `frame.number` and `tsharkPacketCount` exceed our
 *     packet count/record numbers by the custom blocks before/at that point. Filter `!eth` (on
 *     Ethernet captures) finds them. Unknown block types, NRB, ISB are not numbered.
 *   - SPB and obsolete PB records are frames like EPBs; an SPB has no timestamp (tshark shows an
 *     empty time) — `frame.time_epoch` is then absent.
 */

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "vitest";

let cachedPath: string | null | undefined;

/** Absolute path of tshark ($TSHARK, then PATH), or null when not installed. TSHARK=none → null. */
export function tsharkPath(): string | null {
  if (cachedPath !== undefined) return cachedPath;
  const candidates: string[] = [];
  if (process.env.TSHARK) candidates.push(process.env.TSHARK);
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) if (dir) candidates.push(path.join(dir, "tshark"));
  candidates.push("/usr/bin/tshark", "/usr/local/bin/tshark");
  cachedPath = null;
  if (process.env.TSHARK === "none") return null; // simulate a machine without tshark
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      cachedPath = c;
      break;
    } catch {
      // try the next one
    }
  }
  return cachedPath;
}

/** True when running under CI (`CI=true`), where missing tools fail instead of skipping. */
export function isCi(): boolean {
  return process.env.CI === "true";
}

const INSTALL_HINT = "install Wireshark's tshark (Debian/Ubuntu: apt-get install tshark) or set $TSHARK";

/**
 * Path of an external tool needed by a test. Missing: throws under CI, returns null locally.
 * Only "tshark" is resolved specially; other names are looked up on PATH.
 */
export function requireTool(name: string): string | null {
  let found: string | null = null;
  if (name === "tshark") found = tsharkPath();
  else {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
      const c = path.join(dir, name);
      try {
        fs.accessSync(c, fs.constants.X_OK);
        found = c;
        break;
      } catch {
        // next
      }
    }
  }
  if (!found && isCi()) throw new Error(`${name} is required under CI (CI=true) but was not found: ${INSTALL_HINT}`);
  return found;
}

/** tshark path; under CI throws when missing, locally returns null (caller skips). */
export function needTshark(): string | null {
  return requireTool("tshark");
}

let warned = false;

/**
 * `describe` that needs tshark. Present → runs. Missing locally → `describe.skip` plus one console
 * message. Missing under CI → the suite contains a single failing test saying tshark is required
 * (so the run fails with a readable reason instead of silently skipping).
 */
export function describeWithTshark(name: string, fn: () => void): void {
  const found = tsharkPath();
  if (found) {
    describe(name, fn);
    return;
  }
  if (isCi()) {
    describe(name, () => {
      it("tshark is available (required under CI)", () => {
        throw new Error(`tshark is required under CI (CI=true) but was not found: ${INSTALL_HINT}`);
      });
    });
    return;
  }
  if (!warned) {
    console.warn(`[tshark] not found — skipping tshark oracle suites (${INSTALL_HINT})`);
    warned = true;
  }
  describe.skipIf(true)(name, fn);
}

let profileDir: string | undefined;

function run(args: string[]): string {
  const bin = tsharkPath();
  if (!bin) throw new Error(`tshark not found: ${INSTALL_HINT}`);
  if (!profileDir) {
    // An empty configuration dir (no user preferences): shared by the files of a test run, in its
    // temp dir root (test/setup/tmp-root.ts removes it), else in the system temp dir.
    const root = process.env.ALG_VERIFY_TEST_TMP_ROOT;
    profileDir = root ? path.join(root, "tshark-profile") : path.join(os.tmpdir(), `alg-verify-tshark-profile-${process.getuid?.() ?? 0}`);
    fs.mkdirSync(profileDir, { recursive: true });
  }
  return execFileSync(bin, args, {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "pipe"], // stderr carries "Running as user root…" noise
    env: { ...process.env, WIRESHARK_CONFIG_DIR: profileDir, LC_ALL: "C" },
  });
}

/** Extra tshark options for the query functions. */
export interface TsharkOptions {
  /** `-o name:value` preferences, e.g. ["ip.defragment:FALSE"]. */
  prefs?: string[];
  /** Two-pass analysis (`-2`), needed for fields filled in by reassembly on later frames. */
  twoPass?: boolean;
}

function prefArgs(o: TsharkOptions | undefined): string[] {
  const a: string[] = [];
  for (const p of o?.prefs ?? []) a.push("-o", p);
  if (o?.twoPass) a.push("-2");
  return a;
}

/** Number of records (frames) tshark reads from the file. */
export function tsharkPacketCount(file: string, opts?: TsharkOptions): number {
  const out = run(["-n", ...prefArgs(opts), "-r", file, "-T", "fields", "-e", "frame.number"]);
  let n = 0;
  for (const line of out.split("\n")) if (line.trim() !== "") n++;
  return n;
}

export interface ConvEndpoint {
  ip: string;
  port: number;
}

/** One row of `-z conv,tcp|udp`. A sent the first packet tshark attributed to the conversation. */
export interface TsharkConversation {
  a: ConvEndpoint;
  b: ConvEndpoint;
  /** `->` column. */
  framesAtoB: number;
  /** `<-` column. */
  framesBtoA: number;
  /** Frame bytes (frame.len), `->` column. Lower bound when !bytesExact. */
  bytesAtoB: number;
  /** Frame bytes, `<-` column. */
  bytesBtoA: number;
  /** False when tshark printed any byte count of this row with a unit prefix (kB, MB…). */
  bytesExact: boolean;
  /** Seconds since the first packet of the capture. */
  relStart: number;
  /** Seconds. */
  duration: number;
}

const UNIT: Record<string, number> = { bytes: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15 };

function parseEndpoint(s: string): ConvEndpoint {
  const i = s.lastIndexOf(":");
  return { ip: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

/**
 * Parse the text of `tshark -q -z conv,tcp|udp` (exported for unit tests of the parser itself).
 * Row tokens: A `<->` B framesBA bytesBA unit framesAB bytesAB unit totalF totalB unit relStart duration.
 */
export function parseConversations(text: string): TsharkConversation[] {
  const rows: TsharkConversation[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim().split(/\s+/);
    if (t.length !== 14 || t[1] !== "<->") continue;
    const u1 = UNIT[t[5]!], u2 = UNIT[t[8]!], u3 = UNIT[t[11]!];
    if (u1 === undefined || u2 === undefined || u3 === undefined) throw new Error(`unexpected conv row: ${line}`);
    rows.push({
      a: parseEndpoint(t[0]!),
      b: parseEndpoint(t[2]!),
      framesBtoA: Number(t[3]),
      bytesBtoA: Number(t[4]) * u1,
      framesAtoB: Number(t[6]),
      bytesAtoB: Number(t[7]) * u2,
      bytesExact: u1 === 1 && u2 === 1,
      relStart: Number(t[12]),
      duration: Number(t[13]),
    });
  }
  return rows;
}

/** `tshark -n -q -r file -z conv,<proto>` parsed (rows in tshark's order: total frames desc). */
export function tsharkConversations(file: string, proto: "tcp" | "udp", opts?: TsharkOptions): TsharkConversation[] {
  return parseConversations(run(["-n", "-q", ...prefArgs(opts), "-r", file, "-z", `conv,${proto}`]));
}

/**
 * `tshark -n -r file -T fields -E separator=/t -E occurrence=a -e f1 -e f2 … [-Y filter]`.
 * One row per displayed frame, one string per field ("" when absent). With occurrence=a a field
 * present several times in a frame is joined with "," (tshark's default aggregator).
 */
export function tsharkFields(file: string, fields: string[], filter?: string, opts?: TsharkOptions): string[][] {
  const args = ["-n", ...prefArgs(opts), "-r", file, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"];
  for (const f of fields) args.push("-e", f);
  if (filter) args.push("-Y", filter);
  const out = run(args);
  const rows: string[][] = [];
  for (const line of out.split("\n")) {
    if (line === "") continue;
    const cols = line.split("\t");
    while (cols.length < fields.length) cols.push("");
    rows.push(cols);
  }
  return rows;
}

/**
 * Frames of `file` tshark finds wrong, with checksum validation on: malformed, a bad IP/TCP/UDP/ICMP
 * checksum, or an expert error ([] for a clean capture).
 */
export function tsharkProblems(file: string): string[][] {
  const bad = "tcp.checksum.status==0 || udp.checksum.status==0 || ip.checksum.status==0 || icmp.checksum.status==0 || icmpv6.checksum.status==0 || _ws.malformed || _ws.expert.severity>=error";
  return tsharkFields(file, ["frame.number", "_ws.expert.message"], bad, { prefs: ["tcp.check_checksum:TRUE", "udp.check_checksum:TRUE", "ip.check_checksum:TRUE"] });
}

/** Raw tshark invocation (args after the implicit WIRESHARK_CONFIG_DIR isolation); stdout text. */
export function tsharkRaw(args: string[]): string {
  return run(args);
}

/**
 * Captures in /work/shared/pcaps/public (MANIFEST.tsv) where tshark's view differs from ours BY
 * DESIGN — compare these with the noted adjustment instead of expecting equality.
 * Keys are MANIFEST `file` values.
 */
export const TSHARK_DIFFERS: Readonly<Record<string, string>> = {
  // IP reassembly (ip.defragment / ipv6.defragment on by default): tshark puts the reassembled
  // datagram (and so the ports) on the frame that completes it; the other fragments are in no
  // UDP/TCP conversation. We count the fragments on the flow (first fragment carries the ports,
  // non-first ones are attributed through the fragment table and counted in Flow.fragments).
  "zeek/zeek-ipv4-fragmented-udp.pcap":
    "3 IPv4 fragments, last one first on the wire: tshark conv,udp = 1 frame (frame 3, 338 bytes), A→B only",
  "suricata-verify/suricata-frag-vlan-ipv4-tcp-syn.pcap":
    "TCP SYN in 3 fragments (802.1Q): tshark conv,tcp = 1 frame (frame 3, the last fragment carries the reassembled header)",
  "suricata-verify/suricata-frag-rawip-tcp-syn.pcap": "same as the VLAN variant on raw-IP linktype 228: conv,tcp = 1 frame",
  "zeek/zeek-ipv6-fragmented-dns.pcap": "IPv6 fragment headers: 8 frames, tshark conv,udp counts 5 (reassembled datagrams only)",
  // Conversation key: tshark 4.0 ignores VLAN ids (no deinterlacing before 4.2).
  "zeek/zeek-vlan-collisions.pcap":
    "the same TCP 4-tuple untagged, on VLAN 42 and on QinQ 10/20 (14 frames each): tshark = 1 conversation / 1 tcp.stream of 42 frames; we have 3 flows",
  // Truncation: a packet whose TCP header is cut off is in conv,ip but in no TCP conversation
  // (the dissector throws before the tap runs).
  "zeek/zeek-tcp-truncated-header.pcap":
    "24 frames; frame 1 (the SYN, caplen 68) has its TCP options cut off: conv,tcp = 23 frames and A = 128.3.26.249:25 (the SYN-ACK sender), conv,ip = 24",
};
// Checked and NOT different (no equal tuples across interfaces/VLANs, no 4-tuple reuse):
// ppp-many-interfaces.pcapng, zeek-pcapng-multi-interface.pcapng, ndpi-rtp.pcapng, every FTP/RTSP
// capture (tcp.stream count == distinct TCP 4-tuples in all 57 MANIFEST files).

/**
 * Captures whose tshark FRAME numbering/count differs from our record numbering (conversations are
 * unaffected, so these are not in TSHARK_DIFFERS): tshark 4.0 numbers pcapng custom blocks as
 * frames (`frame.protocols == "data"`, no link layer).
 */
export const TSHARK_FRAME_NUMBERING_DIFFERS: Readonly<Record<string, string>> = {
  "pcapng-test-generator/pcapng-le-test017.pcapng": "no IDB, no packets, only custom/unknown blocks: tshark reports 4 frames, we 0 packets",
  "pcapng-test-generator/pcapng-le-test202.pcapng": "3 custom blocks among 8 packets: tshark reports 11 frames and its frame numbers run ahead of ours",
  "pcaps/flows/mix.pcapng": "(ours) 2 custom blocks: tshark 56 frames vs 54 packets (F2/F3 — same tuple on interfaces 0/1 — are also one tshark conversation, and F5/F6/F10 are fragmented)",
};
