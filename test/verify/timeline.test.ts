/**
 * verify's timeline (src/verify/timeline.ts): router events without a clock of their own (Junos
 * syslog lines) are placed at the first packet of the flow their 5-tuple names, on either side
 * of the NAT and in either orientation; events with epoch times by their time; without such
 * events no flow is looked up by tuple (the flows' starts are still read for the data flows).
 */
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/files.js";
import { verify } from "../../src/verify/verify.js";
import { parseVerifyRouter } from "../../src/verify/router-input.js";

const dir = "pcaps/lab/ftp-active-helper";

async function captures() {
  return { inside: await analyzeFile(`${dir}/inside.pcap`), outside: await analyzeFile(`${dir}/outside.pcap`) };
}

const line = (a: { ip: string; port: number | null }, b: { ip: string; port: number | null }) =>
  `Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {ss_ftp}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 6 (TCP) application: ftp, ge-0/0/0.0:${a.ip}:${a.port} -> ${b.ip}:${b.port}, creating forward or watch flow`;

describe("verify's timeline", () => {
  it("syslog lines without a clock: at the first packet of the flow they name (control or data, inside or outside, either way round)", async () => {
    const plain = verify({ ...(await captures()), router: [] }, {});
    const { inside, outside } = await captures();
    const s = plain.sessions[0];
    const data = s.negotiations.flatMap((n) => n.outside?.observedFlows ?? []);
    expect(data.length).toBeGreaterThan(0);
    const ctlIn = inside.scan.flows.get(s.control.insideFlow!);
    const ctlOut = outside.scan.flows.get(s.control.outsideFlow!);
    const dataOut = outside.scan.flows.get(data[0]);
    const text = [line(ctlIn.initiator, ctlIn.responder), line(ctlOut.responder, ctlOut.initiator), line(dataOut.initiator, dataOut.responder), line({ ip: "192.0.2.99", port: 1 }, { ip: "192.0.2.98", port: 2 })].join("\n") + "\n";
    const router = [parseVerifyRouter(text, "syslog.txt")];
    expect(router[0].events).toHaveLength(4);
    const report = verify({ inside, outside, router }, {});
    // In time order (the control connection inside, then outside, then the data flow), the unplaced one last.
    expect(ctlIn.first.time < ctlOut.first.time && ctlOut.first.time < dataOut.first.time).toBe(true);
    const placed = report.timeline.filter((e) => e.source === "router");
    expect(placed.map((e) => [e.placed, e.time])).toEqual([
      ["flow", ctlIn.first.time],
      ["flow", ctlOut.first.time],
      ["flow", dataOut.first.time],
      [undefined, undefined],
    ]);
    // The captures' own entries are those of the run without router events.
    expect(report.timeline.filter((e) => e.source !== "router")).toEqual(plain.timeline);
    // Timed entries in time order, the unplaced one last.
    expect(report.timeline.at(-1)?.placed).toBeUndefined();
    const times = report.timeline.filter((e) => e.time).map((e) => e.time!);
    expect([...times].sort()).toEqual(times);
  });
});
