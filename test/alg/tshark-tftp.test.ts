/**
 * TFTP against real tshark on every TFTP capture of ../shared/pcaps/public: every request tshark
 * decodes (RRQ/WRQ, filename, mode, options) is one of our sessions (or a retry of one) at the same
 * packet, and its transfer as tshark links it (`tftp.request_frame`) agrees with ours — the
 * server's transfer port, the distinct DATA blocks and their bytes, the OACK, the ERROR, and how it
 * ended (completed: a DATA block shorter than the block size; error; unanswered; incomplete), and
 * the repeated ACKs (`tftp.opcode == 4` with a block already acknowledged in that transfer, up to
 * the first ACK of the final block, where the transfer is over).
 * The oracle's transfer is computed here from tshark's per-packet fields, not from our code.
 * The public captures repeat no ACK; the generated TFTP cases (pcaps/alg/tftp-*.pcap) are run
 * through the same oracle, so repeated ACKs (and blocks) are compared at counts above 0 too.
 */
import { readdirSync } from "node:fs";
import { expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import type { Session } from "../../src/alg/sessions.js";
import { describeWithTshark, tsharkFields } from "../helpers/tshark.js";
import { manifest } from "../capture/manifest.js";

const tftpCaptures = manifest().filter((e) => /^TFTP/.test(e.contains));
const generatedDir = new URL("../../pcaps/alg/", import.meta.url).pathname;
const generated = readdirSync(generatedDir).filter((f) => /^tftp-.*\.pcap$/.test(f)).map((f) => ({ file: `pcaps/alg/${f}`, path: generatedDir + f }));

interface TheirTransfer {
  frame: number;
  opcode: "RRQ" | "WRQ";
  client: string;
  server: string;
  filename: string;
  mode: string;
  options: Record<string, string>;
  serverPort?: number;
  blocks: Set<number>;
  bytes: number;
  blockSize: number;
  oack?: Record<string, string>;
  error?: { code: number; message: string };
  completed: boolean;
  answered: boolean;
  /** Blocks acknowledged so far, the final (short) block once seen, ACKs of an acknowledged block, and whether the final block's ACK ended the transfer. */
  acked: Set<number>;
  finalBlock?: number;
  duplicateAcks: number;
  over: boolean;
}

const FIELDS = [
  "frame.number", "ip.src", "udp.srcport", "ip.dst", "udp.dstport", "udp.length", "tftp.opcode", "tftp.source_file",
  "tftp.destination_file", "tftp.type", "tftp.block", "tftp.request_frame", "tftp.option.name", "tftp.option.value",
  "tftp.error.code", "tftp.error.message", "ipv6.src", "ipv6.dst",
];

function pairs(names: string, values: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!names) return out;
  const n = names.split(",");
  const v = values.split(",");
  n.forEach((k, i) => { if (k) out[k] = v[i] ?? ""; });
  return out;
}

/** Requests and their transfers as tshark links them. */
function theirTransfers(path: string): TheirTransfer[] {
  const rows = tsharkFields(path, FIELDS, "tftp");
  const byFrame = new Map<number, TheirTransfer>();
  const out: TheirTransfer[] = [];
  for (const [frame, src4, sport, dst4, dport, ulen, op, sfile, dfile, mode, block, reqFrame, onames, ovalues, ecode, emsg, src6, dst6] of rows) {
    const src = src4 || src6;
    const dst = dst4 || dst6;
    const opcode = Number(op);
    if (opcode === 1 || opcode === 2) {
      const t: TheirTransfer = {
        frame: Number(frame), opcode: opcode === 1 ? "RRQ" : "WRQ", client: `${src}:${sport}`, server: dst, filename: opcode === 1 ? sfile : dfile,
        mode, options: pairs(onames, ovalues), blocks: new Set(), bytes: 0, blockSize: 512, completed: false, answered: false,
        acked: new Set(), duplicateAcks: 0, over: false,
      };
      void dport;
      byFrame.set(t.frame, t);
      out.push(t);
      continue;
    }
    const t = byFrame.get(Number(reqFrame));
    if (!t) continue;
    const fromServer = src === t.server && `${dst}:${dport}` === t.client;
    if (fromServer && !t.answered) {
      t.answered = true;
      t.serverPort = Number(sport);
    }
    if (opcode === 6) {
      t.oack = pairs(onames, ovalues);
      if (t.oack.blksize) t.blockSize = Number(t.oack.blksize);
    } else if (opcode === 5) t.error = { code: Number(ecode), message: emsg };
    else if (opcode === 3 && !t.completed) {
      const b = Number(block);
      if (t.blocks.has(b)) continue;
      t.blocks.add(b);
      const n = Number(ulen) - 12;
      t.bytes += n;
      if (n < t.blockSize) {
        t.completed = true;
        t.finalBlock = b;
      }
    } else if (opcode === 4 && !t.over) {
      const b = Number(block);
      if (t.acked.has(b)) t.duplicateAcks++;
      t.acked.add(b);
      if (b === t.finalBlock) t.over = true;
    }
  }
  return out;
}

function outcome(t: TheirTransfer): string {
  return t.error ? "error" : t.completed ? "completed" : t.answered ? "incomplete" : "unanswered";
}

describeWithTshark("TFTP requests and transfers agree with tshark", () => {
  it("covers the TFTP captures", () => expect(tftpCaptures.length).toBeGreaterThanOrEqual(5));
  for (const e of [...tftpCaptures, ...generated]) {
    it(e.file, async () => {
      const { sessions } = await analyzeFile(e.path, { flowCapLog2: 12 });
      const tftp = sessions.filter((s) => s.alg === "tftp");
      const bySession = new Map<number, Session>();
      for (const s of tftp) {
        bySession.set(s.negotiations[0].packet, s);
        for (const r of s.tftp!.retries) bySession.set(r, s);
      }
      const theirs = theirTransfers(e.path);
      expect(theirs.length).toBeGreaterThan(0);
      // Every request of ours is one of tshark's, and the other way round.
      expect([...bySession.keys()].sort((a, b) => a - b)).toEqual(theirs.map((t) => t.frame));
      for (const t of theirs) {
        const s = bySession.get(t.frame)!;
        const x = s.tftp!;
        const where = `${e.file} request @${t.frame}`;
        expect(x.opcode, where).toBe(t.opcode);
        expect(`${s.client.ip}:${s.client.port}`, where).toBe(t.client);
        if (t.filename) expect(x.filename, where).toBe(t.filename);
        if (t.mode) expect(x.mode, where).toBe(t.mode);
        expect(x.options, where).toEqual(Object.fromEntries(Object.entries(t.options).filter(([k]) => k !== "")));
        if (s.negotiations[0].packet !== t.frame) continue; // a retry: the session is judged at its first copy
        expect(x.outcome, where).toBe(outcome(t));
        expect(x.serverPort, where).toBe(t.serverPort);
        expect(x.blocks, where).toBe(t.blocks.size);
        expect(x.bytes, where).toBe(t.bytes);
        expect(x.blockSize, where).toBe(t.blockSize);
        expect(x.duplicateAcks, where).toBe(t.duplicateAcks);
        expect(x.oack?.options, where).toEqual(t.oack);
        expect(x.error && { code: x.error.code, message: x.error.message }, where).toEqual(t.error);
        expect(s.negotiations[0].dataSeen, where).toBe(t.answered);
      }
    });
  }
});
