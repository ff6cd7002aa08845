/**
 * Bad input: every corrupt public capture and a set of generated faults end with exit code 2, a
 * message naming the file, the byte offset and what was expected, and (with --json) the report
 * of everything decoded before the fault, marked partial. Never a crash, trap or hang.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { PUBLIC_DIR } from "./manifest.js";
import { writePcapng, ethernet, ipPacket, udp } from "../helpers/pcap-writer.js";
import { tempDir } from "../helpers/tmp.js";

const tmp = tempDir("alg-verify-corrupt-");

async function expectLocated(path: string, code: string, offset: number, packets: number) {
  const r = await runCli("flows", path, "--json");
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(path);
  expect(r.stderr).toContain(`offset ${offset}`);
  expect(r.stderr).toContain(`error[${code}]`);
  const report = JSON.parse(r.stdout);
  expect(report.capture.partial).toBe(true);
  expect(report.capture.packets).toBe(packets);
  const d = report.diagnostics.find((x: { severity: string }) => x.severity === "error");
  expect(d).toMatchObject({ code, file: path, offset });
  // Text output reports the same error and exits 2 too.
  const t = await runCli("flows", path);
  expect(t.code).toBe(2);
  expect(t.stdout).toContain("PARTIAL");
  expect(t.stdout).toContain(`error[${code}]`);
  return report;
}

describe("corrupt public captures", () => {
  const p = (f: string) => join(PUBLIC_DIR, f);
  it("absurd caplen after the first packet (suricata fuzz): record at 228", async () => {
    const rep = await expectLocated(p("suricata-verify/suricata-fuzz-bad-caplen.pcap"), "caplen_too_large", 228, 1);
    expect(rep.flows.length).toBe(1);
  });
  it("pcap version 1.4", () => expectLocated(p("libpcap/pcap-invalid-version-1.pcap"), "bad_version", 4, 0));
  it("pcapng section version 0.1", () => expectLocated(p("libpcap/pcapng-invalid-vers-1.pcapng"), "bad_version", 12, 0));
  it("SHB whose option overruns the block: its trailing length does not match", () =>
    expectLocated(p("libpcap/shb-option-too-long.pcapng"), "block_length_mismatch", 48, 0));
  it("fuzzed nanosecond pcap with snaplen 0 and a huge first record", () =>
    expectLocated(p("ndpi/ndpi-fuzz-2021-10-13.pcap"), "caplen_too_large", 24, 0));
});

describe("generated faults", () => {
  const good = readFileSync(join(PUBLIC_DIR, "suricata-verify/ftp-download-active.pcap"));
  /** Offsets of the record headers of a classic LE pcap. */
  const records: number[] = [];
  for (let o = 24; o < good.length; o += 16 + good.readUInt32LE(o + 8)) records.push(o);

  it("a capture cut inside a record: the record start, and every complete record before it", async () => {
    const cut = records[10] + 20;
    const f = join(tmp, "cut.pcap");
    writeFileSync(f, good.subarray(0, cut));
    const rep = await expectLocated(f, "truncated_record", records[10], 10);
    expect(rep.flows.length).toBeGreaterThan(0);
  });
  it("a capture cut inside a record header", async () => {
    const f = join(tmp, "cut-header.pcap");
    writeFileSync(f, good.subarray(0, records[5] + 7));
    await expectLocated(f, "truncated_record", records[5], 5);
  });
  it("a text file is not a capture", async () => {
    const f = join(tmp, "notes.txt");
    writeFileSync(f, "show services stateful-firewall conversations\n");
    await expectLocated(f, "bad_magic", 0, 0);
  });
  it("an empty file", async () => {
    const f = join(tmp, "empty.pcap");
    writeFileSync(f, "");
    await expectLocated(f, "truncated_record", 0, 0);
  });
  it("a pcap header cut short", async () => {
    const f = join(tmp, "short.pcap");
    writeFileSync(f, good.subarray(0, 20));
    await expectLocated(f, "truncated_record", 0, 0);
  });

  const pkt = ethernet({ etherType: 0x0800, payload: ipPacket({ src: "192.0.2.1", dst: "198.51.100.1", proto: 17, payload: udp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(10) }) }) });
  const ng = writePcapng({ sections: [{ interfaces: [{ linkType: 1 }], blocks: [{ type: "epb", iface: 0, ts: 1n, data: pkt }, { type: "epb", iface: 0, ts: 2n, data: pkt }] }] });
  const view = new DataView(ng.buffer, ng.byteOffset, ng.byteLength);
  const shbLen = view.getUint32(4, true);
  const idbLen = view.getUint32(shbLen + 4, true);
  const epb1 = shbLen + idbLen;
  const epbLen = view.getUint32(epb1 + 4, true);
  const epb2 = epb1 + epbLen;

  it("pcapng block length not a multiple of 4", async () => {
    const b = ng.slice();
    new DataView(b.buffer).setUint32(epb2 + 4, epbLen + 1, true);
    const f = join(tmp, "len4.pcapng");
    writeFileSync(f, b);
    await expectLocated(f, "bad_block_length", epb2 + 4, 1);
  });
  it("pcapng file ending 8 bytes into a block: a length no block can have is bad_block_length, a plausible one truncated_record", async () => {
    // Cut 8 bytes into the second packet's block: its type and length are there, nothing else.
    for (const [len, code, offset] of [[0, "bad_block_length", epb2 + 4], [10, "bad_block_length", epb2 + 4], [epbLen, "truncated_record", epb2]] as const) {
      const b = ng.slice(0, epb2 + 8);
      new DataView(b.buffer).setUint32(epb2 + 4, len, true);
      const f = join(tmp, `tail-${len}.pcapng`);
      writeFileSync(f, b);
      const rep = await expectLocated(f, code, offset, 1);
      if (code === "truncated_record") expect(rep.diagnostics.find((x: { severity: string }) => x.severity === "error").message).toContain(`8 bytes present, ${epbLen} expected`);
    }
  });
  it("pcapng trailing length differs from the leading one", async () => {
    const b = ng.slice();
    new DataView(b.buffer).setUint32(epb2 + epbLen - 4, epbLen + 4, true);
    const f = join(tmp, "trail.pcapng");
    writeFileSync(f, b);
    await expectLocated(f, "block_length_mismatch", epb2 + epbLen - 4, 1);
  });
  it("pcapng packet naming an undeclared interface", async () => {
    const b = ng.slice();
    new DataView(b.buffer).setUint32(epb2 + 8, 7, true);
    const f = join(tmp, "iface.pcapng");
    writeFileSync(f, b);
    await expectLocated(f, "bad_interface", epb2 + 8, 1);
  });
  it("pcapng packet data longer than its block", async () => {
    const b = ng.slice();
    new DataView(b.buffer).setUint32(epb2 + 20, epbLen, true);
    const f = join(tmp, "overrun.pcapng");
    writeFileSync(f, b);
    await expectLocated(f, "packet_overrun", epb2 + 20, 1);
  });
  it("pcapng cut inside the second block", async () => {
    const f = join(tmp, "cut.pcapng");
    writeFileSync(f, ng.subarray(0, epb2 + 30));
    await expectLocated(f, "truncated_record", epb2, 1);
  });
  it("a pcap record whose caplen 0xfffffff8 (snaplen 0xffffffff) no window can hold: the real numbers, not a u32 wrap", async () => {
    // 2 good records, then a record header with caplen 0xfffffff8 followed by 56 bytes.
    const b = Buffer.concat([good.subarray(0, records[2]), Buffer.alloc(16 + 56)]);
    b.writeUInt32LE(0xffffffff, 16);
    b.writeUInt32LE(0xfffffff8, records[2] + 8);
    b.writeUInt32LE(0xfffffff8, records[2] + 12);
    const f = join(tmp, "caplen-wrap.pcap");
    writeFileSync(f, b);
    const rep = await expectLocated(f, "record_too_large", records[2], 2);
    const d = rep.diagnostics.find((x: { severity: string }) => x.severity === "error");
    expect(d.message).toContain("captured length of 4294967288 bytes (a record of 4294967304 bytes)");
    expect(d.message).toContain("no input window can hold it");
    expect(d.message).not.toContain("8 expected");
  });
  it("a pcap caplen beyond the window but within its 1 GiB bound: raise --window", async () => {
    const b = Buffer.concat([good.subarray(0, records[2]), Buffer.alloc(16 + 56)]);
    b.writeUInt32LE(0xffffffff, 16);
    b.writeUInt32LE(8 << 20, records[2] + 8);
    const f = join(tmp, "caplen-window.pcap");
    writeFileSync(f, b);
    const rep = await expectLocated(f, "record_too_large", records[2], 2);
    expect(rep.diagnostics.find((x: { severity: string }) => x.severity === "error").message)
      .toContain(`record of ${(8 << 20) + 16} bytes does not fit the ${4 << 20}-byte input window (raise --window)`);
  });
  it("a pcapng block total length 0xfffffffc: no window can hold it", async () => {
    const b = ng.slice();
    new DataView(b.buffer).setUint32(epb2 + 4, 0xfffffffc, true);
    const f = join(tmp, "blen-wrap.pcapng");
    writeFileSync(f, b);
    const rep = await expectLocated(f, "record_too_large", epb2 + 4, 1);
    expect(rep.diagnostics.find((x: { severity: string }) => x.severity === "error").message)
      .toContain("pcapng block total length 4294967292: no input window can hold it");
  });
  it("a block larger than the input window", async () => {
    const b = ng.slice();
    new DataView(b.buffer).setUint32(epb2 + 4, 64 << 20, true);
    const f = join(tmp, "huge.pcapng");
    writeFileSync(f, b);
    await expectLocated(f, "record_too_large", epb2 + 4, 1);
  });
});

describe("files that cannot be read", () => {
  it("a missing file: exit 2 and the file named", async () => {
    const r = await runCli("flows", join(tmp, "nope.pcap"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unreadable_file.*nope\.pcap.*ENOENT/);
  });
  it("a directory: exit 2", async () => {
    const d = join(tmp, "dir.pcap");
    mkdirSync(d, { recursive: true });
    const r = await runCli("flows", d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("directory");
  });
  it("a usage error: exit 2", async () => {
    const r = await runCli("flows");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });
});
