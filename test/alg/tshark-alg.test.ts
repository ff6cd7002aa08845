/**
 * ALG extraction against real tshark on every FTP and RTSP capture of ../shared/pcaps/public:
 *  - every PORT/EPRT request and 227/229 reply tshark decodes is one of our negotiations, at the
 *    same packet, with the same announced address and port;
 *  - `dataSeen` agrees with the TCP connections tshark sees to the announced endpoint after the
 *    negotiation (a SYN from the expected side);
 *  - every RTSP SETUP reply (or lone request) tshark decodes gives a SETUP negotiation whose
 *    client_port / server_port equal those of tshark's `rtsp.transport`.
 * tshark parses only the first line of a PDU and needs upper-case verbs; we parse every line, so
 * we may find more (asserted: never fewer).
 */
import { expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import type { Negotiation } from "../../src/alg/sessions.js";
import { describeWithTshark, tsharkFields } from "../helpers/tshark.js";
import { manifest } from "../capture/manifest.js";

const algCaptures = manifest().filter((e) => /^(FTP|RTSP)/.test(e.contains));

describeWithTshark("ALG negotiations agree with tshark", () => {
  it("covers the FTP and RTSP captures", () => expect(algCaptures.length).toBeGreaterThanOrEqual(20));
  for (const e of algCaptures) {
    it(e.file, async () => {
      const { sessions } = await analyzeFile(e.path, { flowCapLog2: 12 });
      const negs: Negotiation[] = sessions.flatMap((s) => s.negotiations);
      const byPacket = new Map<number, Negotiation[]>();
      for (const n of negs) byPacket.set(n.packet, [...(byPacket.get(n.packet) ?? []), n]);

      const rows = tsharkFields(e.path, [
        "frame.number", "ftp.request.command", "ftp.response.code", "ftp.active.cip", "ftp.active.port",
        "ftp.passive.ip", "ftp.passive.port", "ftp.eprt.ip", "ftp.eprt.ipv6", "ftp.eprt.port", "ftp.epsv.port",
      ], "ftp");
      let theirs = 0;
      for (const [frame, cmd, code, acip, aport, pip, pport, eip, eip6, eport, epsv] of rows) {
        const packet = Number(frame);
        const want: { kind: string; ip?: string; port: number } | undefined =
          cmd === "PORT" && aport ? { kind: "PORT", ip: acip, port: Number(aport) }
          : cmd === "EPRT" && eport ? { kind: "EPRT", ip: eip || eip6, port: Number(eport) }
          : code.split(",").includes("227") && pport ? { kind: "227", ip: pip, port: Number(pport) }
          : code.split(",").includes("229") && epsv ? { kind: "229", port: Number(epsv) }
          : undefined;
        if (!want) continue;
        theirs++;
        const ours = (byPacket.get(packet) ?? []).find((n) => n.kind === want.kind);
        expect(ours, `${e.file}: ${want.kind} at packet ${packet}`).toBeDefined();
        expect(ours!.announced.port, `${e.file}: port at ${packet}`).toBe(want.port);
        if (want.ip) expect(ours!.announced.ip, `${e.file}: address at ${packet}`).toBe(want.ip);
      }
      const ftpNegs = negs.filter((n) => n.kind !== "SETUP");
      expect(ftpNegs.length).toBeGreaterThanOrEqual(theirs);

      // dataSeen vs the SYNs tshark sees towards each announced endpoint after the negotiation.
      if (ftpNegs.length) {
        const syns = tsharkFields(e.path, ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.dstport"], "tcp.flags.syn==1 && tcp.flags.ack==0");
        for (const n of ftpNegs.filter((x) => x.valid)) {
          const x = n.expected[0];
          const seen = syns.some(([f, s4, s6, d4, d6, dp]) => Number(f) > n.packet && (d4 || d6) === x.to.ip && Number(dp) === x.to.port && (s4 || s6) === x.from.ip);
          expect(n.dataSeen, `${e.file}: dataSeen for ${n.kind} at ${n.packet}`).toBe(seen);
        }
      }

      // RTSP SETUP transports.
      const rtsp = tsharkFields(e.path, ["frame.number", "rtsp.method", "rtsp.status", "rtsp.transport"], "rtsp.transport");
      for (const [frame, , , transport] of rtsp) {
        const n = negs.find((x) => x.kind === "SETUP" && (x.packet === Number(frame) || x.requestPacket === Number(frame)));
        expect(n, `${e.file}: SETUP with Transport at frame ${frame}`).toBeDefined();
        const cp = /client_port=(\d+)(?:-(\d+))?/.exec(transport);
        const sp = /server_port=(\d+)(?:-(\d+))?/.exec(transport);
        const specs = n!.packet === Number(frame) && n!.transport!.reply.length ? n!.transport!.reply : n!.transport!.request;
        if (cp) expect(specs.some((s) => s.clientPort?.[0] === Number(cp[1])), `${e.file}: client_port at ${frame}`).toBe(true);
        if (sp) expect(specs.some((s) => s.serverPort?.[0] === Number(sp[1])), `${e.file}: server_port at ${frame}`).toBe(true);
      }
    });
  }
});
