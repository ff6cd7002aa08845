/**
 * The SIP and TFTP parts of the HTML report (`verify --html`; the page shows the same parts, drawn
 * by the same functions: test/web/page.test.ts checks them in Chromium), on real captures: the
 * recorded lab runs through the kernel helpers (pcaps/lab), the public TFTP captures in
 * ../shared/pcaps/public, and the generated NAT cases whose media a re-INVITE stops or moves
 * (pcaps/nat). Each cell is compared with the JSON field it shows, read here independently of the
 * writer: `sessions[].tftp` (one row per request and capture), SIP media `stopped` with `ended`
 * and `afterEnd`, the negotiations' `media.until` and `--profile linux` emulation, and the
 * `linux-register` check (register.linux as verify judged it) under its dialog.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runVerify } from "../../src/node/verify-run.js";
import type { VerifyReport } from "../../src/verify/verify.js";
import { htmlReport, TFTP_HEADERS } from "../../src/report/html.js";
import { all, byAttr, parse, type Node } from "../report/svg-parse.js";

const repo = new URL("../../", import.meta.url).pathname;
const pub = join(repo, "../shared/pcaps/public");
const lab = (name: string) => join(repo, "pcaps/lab", name);
const nat = (name: string) => join(repo, "pcaps/nat", name);

async function report(dir: string, opts: { router?: string[]; profile?: "lenient" | "linux"; inside?: string; outside?: string | null } = {}): Promise<VerifyReport> {
  const inside = join(dir, opts.inside ?? "inside.pcap");
  const outside = opts.outside === null ? undefined : join(dir, opts.outside ?? "outside.pcap");
  return runVerify({ inside, outside, router: (opts.router ?? []).map((f) => join(dir, f)) }, { parallel: false, profile: opts.profile });
}

const cells = (tr: Node) => all(tr, (n) => n.tag === "td").map((td) => td.text);
const bodyRows = (n: Node) => all(n, (x) => x.tag === "tbody").flatMap((b) => all(b, (x) => x.tag === "tr"));
const section = (doc: Node, id: string) => byAttr(doc, "id", id)[0];

type Tftp = NonNullable<VerifyReport["sessions"][number]["tftp"]>;

/** The rows the TFTP table must have: one per request and capture that saw it, in session order. */
function wantTftpRows(r: VerifyReport): { session: string; side: string; t: Tftp; x: NonNullable<Tftp["inside"]> }[] {
  return r.sessions.flatMap((s, i) => (s.tftp ? (["inside", "outside"] as const).flatMap((k) => (s.tftp![k] ? [{ session: String(i + 1), side: k, t: s.tftp!, x: s.tftp![k]! }] : [])) : []));
}

function checkTftp(r: VerifyReport): Node[] {
  const doc = parse(htmlReport(r));
  const sec = section(doc, "tftp");
  const want = wantTftpRows(r);
  expect(want.length).toBeGreaterThan(0);
  expect(all(sec, (n) => n.tag === "th").map((n) => n.text)).toEqual(TFTP_HEADERS);
  const rows = bodyRows(sec);
  expect(rows.length).toBe(want.length);
  for (const [k, { session, side, t, x }] of want.entries()) {
    const c = cells(rows[k]);
    expect(c.slice(0, 4)).toEqual([session, `${t.opcode} ${JSON.stringify(t.filename)} ${t.mode}`, Object.entries(t.options).map(([o, v]) => `${o}=${v}`).join(" ") || "-", side]);
    expect(c.slice(4, 11)).toEqual([x.outcome, x.blocks, x.bytes, x.blockSize, x.duplicates, x.transferFlow ?? "-", x.serverPort ?? "-"].map(String));
    expect(byAttr(rows[k], "data-tftp-outcome")[0].attrs["data-tftp-outcome"]).toBe(x.outcome);
    if (x.outcome === "error") expect(c[11]).toBe(`ERROR ${x.error!.code} "${x.error!.message}" from the ${x.error!.from} at packet ${x.error!.packet}`);
    if (x.outcome === "completed") expect(c[11]).toMatch(new RegExp(`^final block at packet ${x.endPacket}`));
    if (x.outcome === "unanswered") expect(c[11]).toBe("no reply to the request");
    if (x.stopped) expect(c[11]).toContain(`stopped following it: ${x.stopped}`);
    // The request as this capture shows it: repeated (the packets), malformed, cut.
    const notes = [x.retries?.length && `request repeated ${x.retries.length} time(s) before any answer @${x.retries.join(",")}`, x.malformed && "request malformed", x.truncated && "request cut (snaplen or over 1024 bytes)"].filter(Boolean);
    expect(c[12]).toBe(notes.join("; ") || "-");
    expect(c[13]).toBe(String(x.duplicateAcks));
    expect(byAttr(rows[k], "data-tftp-request")[0].attrs["data-tftp-request"]).toBe(notes.length ? "notes" : "ok");
  }
  return rows;
}

describe("HTML report: TFTP transfers (sessions[].tftp)", () => {
  it("lab tftp-helper (RRQ and WRQ through nf_nat_tftp): both transfers completed in both captures", async () => {
    const r = await report(lab("tftp-helper"), { router: ["conntrack.txt", "expect.txt"] });
    const rows = checkTftp(r);
    expect(rows.map((tr) => [cells(tr)[1], cells(tr)[3], cells(tr)[4]])).toEqual([
      ['RRQ "get.bin" octet', "inside", "completed"], ['RRQ "get.bin" octet', "outside", "completed"],
      ['WRQ "put.bin" octet', "inside", "completed"], ['WRQ "put.bin" octet', "outside", "completed"],
    ]);
  });

  it("lab tftp-no-helper: the replies reach the outside capture but never the client", async () => {
    const r = await report(lab("tftp-no-helper"), { router: ["conntrack.txt"] });
    const rows = checkTftp(r);
    expect(rows.map((tr) => [cells(tr)[3], cells(tr)[4]])).toEqual([["inside", "unanswered"], ["outside", "incomplete"], ["inside", "unanswered"], ["outside", "incomplete"]]);
  });

  it("nat tftp-error-alg: the ERROR's code, message, sender and packet", async () => {
    const r = await report(nat("tftp-error-alg"));
    const rows = checkTftp(r);
    expect(rows.every((tr) => cells(tr)[4] === "error")).toBe(true);
  });

  it("public captures: options (blksize OACK), unanswered and incomplete requests, completed RRQ and WRQ", async () => {
    const oack = await report(join(pub, "spicy-tftp"), { inside: "tftp-rrq-blksize-oack.pcap", outside: null });
    const [row] = checkTftp(oack);
    expect(cells(row)[2]).toMatch(/blksize=\d+/);
    const mixed = await report(join(pub, "ndpi"), { inside: "ndpi-tftp-mixed-wrq-blksize.pcap", outside: null });
    const mixedRows = checkTftp(mixed);
    expect(new Set(mixedRows.map((tr) => cells(tr)[4]))).toEqual(new Set(["unanswered", "completed", "incomplete"]));
    expect(mixedRows.filter((tr) => cells(tr)[12] === "request malformed").length).toBe(2);
    const cut = checkTftp(await report(join(pub, "tcpdump"), { inside: "tcpdump-tftp-heapoverflow.pcap", outside: null }));
    expect(cells(cut[0])[12]).toBe("request malformed; request cut (snaplen or over 1024 bytes)");
    const retried = checkTftp(await report(join(repo, "pcaps/alg"), { inside: "tftp-unanswered.pcap", outside: null }));
    expect(cells(retried[0])[12]).toBe("request repeated 2 time(s) before any answer @2,3");
    for (const f of ["tftp-rrq-rfc1350.pcap", "tftp-wrq-rfc1350.pcap"]) {
      const rows = checkTftp(await report(join(pub, "suricata-verify"), { inside: f, outside: null }));
      expect(rows.map((tr) => cells(tr)[4])).toEqual(["completed"]);
    }
  });

  it("generated tftp-duplicate-ack and tftp-duplicate-block: repeated ACKs and repeated blocks in their own columns", async () => {
    const acks = checkTftp(await report(join(repo, "pcaps/alg"), { inside: "tftp-duplicate-ack.pcap", outside: null }));
    expect([cells(acks[0])[8], cells(acks[0])[13]]).toEqual(["0", "1"]);
    const blocks = checkTftp(await report(join(repo, "pcaps/alg"), { inside: "tftp-duplicate-block.pcap", outside: null }));
    expect([cells(blocks[0])[8], cells(blocks[0])[13]]).toEqual(["1", "0"]);
  });

  it("a row limit counts the rows it leaves out", async () => {
    const r = await report(lab("tftp-helper"));
    expect(section(parse(htmlReport(r, { maxRows: 1 })), "tftp").text).toContain("3 more row(s) not shown (limit 1)");
  });
});

type Media = NonNullable<VerifyReport["sessions"][number]["sip"]>["media"][number];

/** The SIP media rows of each dialog (in report order) beside the report's media entries. */
function mediaRows(r: VerifyReport): { d: Media; c: string[] }[] {
  const doc = parse(htmlReport(r));
  const out: { d: Media; c: string[] }[] = [];
  for (const [i, s] of r.sessions.entries()) {
    if (!s.sip?.media.length) continue;
    const div = byAttr(doc, "data-sip-session", String(i + 1))[0];
    const rows = bodyRows(all(div, (n) => n.attrs.class === "sip-media")[0]);
    expect(rows.length).toBe(s.sip.media.length);
    for (const [k, d] of s.sip.media.entries()) out.push({ d, c: cells(rows[k]) });
  }
  return out;
}

describe("HTML report: SIP media stopped, media.until, Linux emulation and register.linux", () => {
  it("nat sip-udp-reinvite-inactive: the media a re-INVITE stopped before any was sent is `stopped`, with the message that ended it", async () => {
    const r = await report(nat("sip-udp-reinvite-inactive"));
    const rows = mediaRows(r);
    const stopped = rows.filter(({ d }) => d.status === "stopped");
    expect(stopped.length).toBeGreaterThan(0);
    for (const { d, c } of rows) {
      expect(c[5]).toBe(`${d.insideFlows.join(", ") || "-"}/${d.outsideFlows.join(", ") || "-"}`);
      expect(c[6]).toBe(d.status);
      if (!d.ended) expect(c[7]).toBe("");
      else {
        expect(c[7]).toMatch(new RegExp(`^${d.ended.why}.*: ${d.ended.command}`));
        if (d.ended.packets.inside !== undefined) expect(c[7]).toContain(`inside packet ${d.ended.packets.inside}`);
        if (d.ended.packets.outside !== undefined) expect(c[7]).toContain(`outside packet ${d.ended.packets.outside}`);
      }
    }
    for (const { d } of stopped) expect(d.ended).toBeDefined();
  });

  it("nat sip-udp-reinvite-move: the moved media names its new endpoint on each side, and the media that went on after the move", async () => {
    const r = await report(nat("sip-udp-reinvite-move"));
    const moved = mediaRows(r).filter(({ d }) => d.ended?.why === "moved");
    expect(moved.length).toBe(1);
    const [{ d, c }] = moved;
    expect(c[7]).toContain(`${d.ended!.to!.inside!.ip}:${d.ended!.to!.inside!.port} (inside)`);
    expect(c[7]).toContain(`${d.ended!.to!.outside!.ip}:${d.ended!.to!.outside!.port} (outside)`);
    expect(c[8]).toContain(`${d.afterEnd!.started ? "started" : "went on"} ${d.afterEnd!.seconds} s after the end (${d.afterEnd!.side} flow ${d.afterEnd!.flow}`);
    // The negotiation whose media moved says so in its details, per capture (media.until).
    const doc = parse(htmlReport(r));
    const negs = bodyRows(section(doc, "negotiations")).map(cells);
    const all_ = r.sessions.flatMap((s) => s.negotiations);
    expect(negs.length).toBe(all_.length);
    let seen = 0;
    for (const [k, n] of all_.entries()) {
      for (const side of ["inside", "outside"] as const) {
        const u = n[side]?.media?.until;
        if (!u) continue;
        seen++;
        expect(negs[k][9]).toContain(`${side} stopped @${u.packet} by ${u.command} (${u.why}${u.to ? ` to ${u.to.ip}:${u.to.port}` : ""})`);
      }
    }
    expect(seen).toBe(2);
  });

  it("public sip-asterisk-zfone-xlite: media.until of a real re-INVITE is in the negotiation's details", async () => {
    const r = await report(join(pub, "sipnab"), { inside: "sip-asterisk-zfone-xlite.pcap", outside: null });
    const negs = bodyRows(section(parse(htmlReport(r)), "negotiations")).map(cells);
    const list = r.sessions.flatMap((s) => s.negotiations);
    const withUntil = list.flatMap((n, k) => (n.inside?.media?.until ? [[k, n.inside.media.until] as const] : []));
    expect(withUntil.length).toBeGreaterThan(0);
    for (const [k, u] of withUntil) expect(negs[k][9]).toContain(`inside stopped @${u.packet} by ${u.command} (${u.why}`);
  });

  it("lab sip-udp-helper --profile linux: each negotiation's Linux outcome, the flows it let in, and the REGISTER pinhole under its dialog", async () => {
    const r = await report(lab("sip-udp-helper"), { router: ["conntrack.txt", "expect.txt"], profile: "linux" });
    const doc = parse(htmlReport(r));
    const negs = bodyRows(section(doc, "negotiations")).map(cells);
    const list = r.sessions.flatMap((s) => s.negotiations);
    for (const [k, n] of list.entries()) {
      for (const side of ["inside", "outside"] as const) {
        const e = n[side]?.emulation;
        expect(e).toBeDefined();
        expect(negs[k][9]).toContain(`${side} linux: ${e!.outcome} (${e!.reason})`);
        const admitted = n[side]?.media?.linux?.admitted;
        if (admitted?.length) expect(negs[k][9]).toContain(`let in flow ${admitted.join(", ")}`);
      }
    }
    // register.linux, as verify's linux-register check judged it, under the REGISTER's dialog.
    const reg = r.checks.filter((c) => c.check === "linux-register");
    expect(reg.length).toBe(1);
    const regSession = r.sessions.findIndex((s) => s.sip?.method === "REGISTER") + 1;
    const p = all(byAttr(doc, "data-sip-session", String(regSession))[0], (n) => n.attrs.class === "linux-register");
    expect(p.map((n) => [n.attrs["data-check-status"], n.text])).toEqual([[reg[0].status, `Linux REGISTER pinhole (${reg[0].subject}, ${reg[0].status}): ${reg[0].reason}`]]);
    expect(reg[0].reason).toMatch(/signalling expectation from 198\.51\.100\.20 to 198\.51\.100\.1:5060/);
    // The REGISTER binding of each capture (sessions[].sip.register), under the same dialog.
    const regDiv = byAttr(doc, "data-sip-session", String(regSession))[0];
    const binding = r.sessions[regSession - 1].sip!.register!;
    for (const side of ["inside", "outside"] as const) {
      const b = binding[side]!;
      const [q] = all(regDiv, (n) => n.attrs.class === "sip-register" && n.attrs["data-side"] === side);
      expect(q.text).toBe(`REGISTER binding (${side}): Contact ${b.contact.map((c) => c.uri).join(", ")}, ${b.expires !== undefined ? `expires ${b.expires} s` : "no expires"}, ${b.status !== undefined ? `answered ${b.status}` : "no answer"} (REGISTER @${b.packet})`);
    }
    // Under the lenient profile there is neither.
    const lenient = parse(htmlReport(await report(lab("sip-udp-helper"), { router: ["conntrack.txt", "expect.txt"] })));
    expect(all(lenient, (n) => n.attrs.class === "linux-register")).toEqual([]);
    expect(section(lenient, "negotiations").text).not.toContain("linux:");
  });

  it("every check is listed with its status marked; the heading counts them", async () => {
    const r = await report(lab("sip-udp-no-helper"), { router: ["conntrack.txt", "expect.txt"] });
    const sec = section(parse(htmlReport(r)), "checks");
    const n = (st: string) => r.checks.filter((c) => c.status === st).length;
    expect(all(sec, (x) => x.tag === "h2")[0].text).toBe(`Checks (${r.checks.length}: ${n("passed")} passed, ${n("failed")} failed, ${n("not-checked")} not checked)`);
    expect(n("failed")).toBeGreaterThan(0);
    expect(bodyRows(sec).map(cells)).toEqual(r.checks.map((c) => [c.check, c.subject, c.status, c.reason]));
    expect(byAttr(sec, "data-check-status").map((x) => x.attrs["data-check-status"])).toEqual(r.checks.map((c) => c.status));
  });

  it("an invalid negotiation says why in its details (valid false, reason), and the captures read are named with their counts", async () => {
    const r = await report(join(repo, "pcaps/alg"), { inside: "ftp-port-zero.pcap", outside: null });
    const doc = parse(htmlReport(r));
    const n = r.sessions[0].negotiations[0];
    expect(n.inside!.valid).toBe(false);
    expect(bodyRows(section(doc, "negotiations")).map(cells)[0][9]).toContain(`inside invalid: ${n.inside!.reason}`);
    const c = r.captures.inside!;
    expect(section(doc, "captures").text).toBe(`Captures: inside ${c.file}: ${c.format}, ${c.packets} packets, ${c.flows} flows, ${c.sessions} ALG session(s)`);
  });

  it("lab sip-udp-no-helper: the remote party's RTP seen outside only is listed under the NAT mappings (nat.unpaired)", async () => {
    const r = await report(lab("sip-udp-no-helper"), { router: ["conntrack.txt", "expect.txt"] });
    expect(r.nat.unpaired.length).toBeGreaterThan(0);
    const sec = section(parse(htmlReport(r)), "unpaired");
    expect(all(sec, (n) => n.tag === "h3")[0].text).toBe(`Flows seen in one capture only: ${r.nat.unpairedFlows.inside} inside, ${r.nat.unpairedFlows.outside} outside (the first TCP/UDP ones listed)`);
    expect(bodyRows(sec).map(cells)).toEqual(r.nat.unpaired.map((u) => [u.side, String(u.flow), u.proto, u.from, u.to, String(u.packets)]));
  });

  it("captures given the other way round: the report says the sides were swapped back", async () => {
    const r = await report(lab("sip-udp-helper"), { inside: "outside.pcap", outside: "inside.pcap" });
    expect(r.nat.sidesSwappedBack).toBe(true);
    expect(section(parse(htmlReport(r)), "sides-swapped").text).toMatch(/swapped back/);
    expect(byAttr(parse(htmlReport(await report(lab("sip-udp-helper")))), "id", "sides-swapped")).toEqual([]);
  });
});
