/** Junos statistics: the nested map, laid out or flattened. */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { parseRouterText, type JunosStatisticsDocument } from "../../src/router/index.js";
import { read, SHARED_OUTPUT, fixturePath } from "./helpers.js";

const FLAT = read(path.join(SHARED_OUTPUT, "junos-ms__show-services-stateful-firewall-statistics-extensive__flattened-ms-mpc-doc.txt"));
const stats = (text: string) => parseRouterText(text, "s.txt").documents as JunosStatisticsDocument[];

describe("statistics extensive", () => {
  test("sections and labels of the flattened doc sample", () => {
    const [d] = stats(FLAT);
    expect(d!.interface).toBe("ms-3/2/0");
    expect(d!.serviceSet).toBe("svc_set");
    expect(Object.keys(d!.statistics)).toEqual(["New flows", "Existing flows", "Drops", "Errors", "IP errors", "TCP errors", "UDP errors", "ICMP errors", "ALG errors"]);
    expect(d!.statistics["New flows"]).toEqual({ Accepts: 1347, Discards: 0, Rejects: 0 });
    expect(d!.statistics["Errors"]).toEqual({ IP: 0, TCP: 276, UDP: 0, ICMP: 0, "Non-IP packets": 0, ALG: 0 });
    expect(d!.statistics["IP errors"]!["Illegal IP protocol number (0 or 255)"]).toBe(0);
    expect(d!.statistics["TCP errors"]!["Source or destination port number is zero"]).toBe(0);
    expect(d!.statistics["UDP errors"]!["Source or destination port number is zero"]).toBe(0);
    expect(d!.statistics["UDP errors"]!["IP data length less than minimum UDP header length (8 bytes)"]).toBe(0);
    expect(Object.keys(d!.statistics["ALG errors"]!)).toEqual(["BOOTP", "DCE-RPC", "DCE-RPC portmap", "DNS", "Exec", "FTP", "ICMP", "Login", "NetBIOS", "NetShow", "RPC", "RPC portmap", "RTSP", "Shell", "SNMP", "SQLNet", "TFTP", "Traceroute"]);
  });
  test("the laid-out form gives the same values as the flattened one", () => {
    const laid = stats(read(fixturePath("statistics-laid-out.raw")));
    const [flat] = stats(FLAT);
    expect(laid).toHaveLength(2);
    for (const [section, labels] of Object.entries(laid[0]!.statistics)) {
      for (const [label, v] of Object.entries(labels)) {
        if (section === "Hairpinning Counters" || (section === "ALG errors" && label === "FTP")) continue;
        expect(flat!.statistics[section]![label], `${section}: ${label}`).toBe(v);
      }
    }
    expect(laid[0]!.statistics["ALG errors"]!["FTP"]).toBe(3);
    expect(laid[1]).toMatchObject({ interface: "ms-3/2/1", serviceSet: "svc_set2", location: { line: 23 } });
  });
  test("counters are normalised with their section", () => {
    const r = parseRouterText(FLAT, "s.txt");
    expect(r.counters).toHaveLength(61);
    expect(r.counters.find((c) => c.section === "ALG errors" && c.label === "RTSP")).toMatchObject({ interface: "ms-3/2/0", serviceSet: "svc_set", value: 0, location: { file: "s.txt", line: 2 } });
  });
  test("text that is no label: number pair is reported where it starts", () => {
    const r = parseRouterText("Interface: ms-0/0/0 Service set: s\n  New flows:\n    Accepts: 3, Discards: 0 something odd\n", "s.txt");
    expect((r.documents[0] as JunosStatisticsDocument).statistics["New flows"]).toEqual({ Accepts: 3, Discards: 0 });
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["unknown_text", 3, 28]]);
  });
  test("a repeated label warns and keeps the last value", () => {
    const r = parseRouterText("Interface: ms-0/0/0 Service set: s New flows: Accepts: 1, Accepts: 2", "s.txt");
    expect((r.documents[0] as JunosStatisticsDocument).statistics["New flows"]).toEqual({ Accepts: 2 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["duplicate_label"]);
  });
});
