/**
 * The SIP session model's end of expected media (src/alg/sip.ts, MediaInfo.until / afterEnd): a
 * later SDP of the dialog (re-INVITE, its answer) holds, moves or stops the media an earlier one
 * expected; a re-announcement of the same endpoint continues it. On the generated re-INVITE cases
 * (pcaps/nat/sip-udp-reinvite-*, pcaps/make/sip-nat-cases.ts: what each SDP says is the
 * generator's) and the recorded lab run with a hold re-INVITE (pcaps/lab/sip-udp-helper).
 */
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";

const nat = (c: string, side = "inside") => new URL(`../../pcaps/nat/${c}/${side}.pcap`, import.meta.url).pathname;
const lab = (c: string, side = "inside") => new URL(`../../pcaps/lab/${c}/${side}.pcap`, import.meta.url).pathname;

async function sdps(file: string) {
  const { sessions } = await analyzeFile(file, { flowCapLog2: 8 });
  const s = sessions.filter((x) => x.alg === "sip" && x.negotiations.length);
  expect(s.length).toBe(1);
  return s[0]!.negotiations;
}

describe("media ended by a later offer/answer (MediaInfo.until)", () => {
  it("moved: alice's re-INVITE moves her media to 7010; bob's RTP to 7000 went on 1.5 s after it", async () => {
    const n = await sdps(nat("sip-udp-reinvite-move"));
    const [invite, ok, reinvite, ok2] = n;
    expect(n.map((x) => `${x.command} ${x.announced.port}`)).toEqual(["INVITE 7000", "200 INVITE 6000", "INVITE 7010", "200 INVITE 6000"]);
    expect(invite!.media!.until).toMatchObject({ packet: reinvite!.packet, command: "INVITE", why: "moved", to: { ip: "192.0.2.10", port: 7010 } });
    expect(invite!.media!.afterEnd).toMatchObject({ started: false, seconds: 1.5 });
    expect(invite!.dataSeen).toBe(true);
    // bob's second 200 names the same endpoint: his first answer's media continues.
    expect(ok!.media!.until).toBeUndefined();
    expect(reinvite!.media!.until).toBeUndefined();
    expect(reinvite!.dataSeen).toBe(true);
    expect(ok2!.media!.until).toBeUndefined();
  });

  it("hold with a=inactive: alice's own media ends (hold), bob's ends because alice stops sending (peer-stopped)", async () => {
    const n = await sdps(nat("sip-udp-reinvite-inactive"));
    const reinvite = n[2]!;
    expect(reinvite.media).toMatchObject({ hold: true, direction: "inactive" });
    expect(reinvite.expected).toEqual([]);
    expect(n[0]!.media!.until).toMatchObject({ why: "hold", packet: reinvite.packet });
    expect(n[1]!.media!.until).toMatchObject({ why: "peer-stopped", packet: reinvite.packet });
    expect(n[0]!.dataSeen).toBe(false);
    expect(n[1]!.dataSeen).toBe(true);
  });

  it("the recorded lab run (SIPp hold re-INVITE c=0.0.0.0 a=sendonly, 200 a=recvonly): the INVITE's media ends at the hold, bob's answer continues", async () => {
    for (const side of ["inside", "outside"]) {
      const n = await sdps(lab("sip-udp-helper", side));
      expect(n.map((x) => x.command)).toEqual(["INVITE", "200 INVITE", "INVITE", "200 INVITE"]);
      expect(n[0]!.media!.until).toMatchObject({ why: "hold", packet: n[2]!.packet });
      expect(n[0]!.media!.afterEnd).toBeUndefined();
      expect(n[1]!.media!.until).toBeUndefined();
      expect(n.every((x) => x.media!.linux === undefined)).toBe(true);
    }
  });

  it("a flow that only started after the end fulfils nothing (bob's new flow to alice's 7010 is the re-INVITE's, not the INVITE's)", async () => {
    const n = await sdps(nat("sip-udp-reinvite-move"));
    expect(n[0]!.observedFlows.length).toBe(1);
    expect(n[2]!.observedFlows.length).toBe(1);
    expect(n[2]!.observedFlows[0]).not.toBe(n[0]!.observedFlows[0]);
  });
});
