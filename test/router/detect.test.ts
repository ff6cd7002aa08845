/** Format detection and splitting a file into command outputs. */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { classifyLine, parseRouterText } from "../../src/router/index.js";
import { splitLines } from "../../src/router/lines.js";
import { matchPrompt } from "../../src/router/detect.js";
import { read, sharedFiles, SHARED_OUTPUT } from "./helpers.js";

describe("detection", () => {
  test.each(sharedFiles())("%s is detected as the format its name says", (f) => {
    const want: Record<string, string> = {
      "junos-ms__show-services-stateful-firewall-conversations": "junos-conversations",
      "junos-ms__show-services-stateful-firewall-statistics-extensive": "junos-statistics",
      "junos-ms__syslog": "junos-syslog",
      "linux__conntrack-L-expect": "conntrack-expect",
      "linux__conntrack-E-expect": "conntrack-expect",
      "linux__conntrack-E": "conntrack-events",
      "linux__conntrack-L-o-extended": "conntrack",
      "linux__conntrack-L": "conntrack",
      "linux__proc-net-nf_conntrack_expect": "conntrack-expect",
      "linux__proc-net-nf_conntrack": "conntrack",
      "srx__show-security-alg-status": "srx-alg-status",
      "srx__show-security-flow-session": "srx-flow-session",
      "srx__show-security-alg-sip-calls": "srx-sip-calls",
      "srx__show-security-alg-sip-calls-detail": "srx-sip-calls",
      "srx__show-security-alg-sip-transactions": "srx-sip-transactions",
    };
    const stem = f.split("__").slice(0, 2).join("__");
    const r = parseRouterText(read(path.join(SHARED_OUTPUT, f)), f);
    expect(r.documents.map((d) => d.format)).toEqual([want[stem]]);
  });
  test("line markers", () => {
    expect(classifyLine("Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {s}[FWNAT]: ASP_SFW_DELETE_FLOW: proto 6 (TCP), a:1.1.1.1:1 -> 2.2.2.2:2, x")).toBe("junos-syslog");
    expect(classifyLine("    [NEW] tcp      6 120 SYN_SENT src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2")).toBe("conntrack-events");
    expect(classifyLine("299 l3proto = 2 proto=6 src=1.1.1.1 dst=2.2.2.2 sport=0 dport=5 ftp")).toBe("conntrack-expect");
    expect(classifyLine("udp      17 29 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2")).toBe("conntrack");
    expect(classifyLine("  In: 1.1.1.1/1 --> 2.2.2.2/2;tcp, If: ge-0/0/0.0,")).toBe("srx-flow-session");
    expect(classifyLine("  SIP      : Enabled")).toBe("srx-alg-status");
    expect(classifyLine("Interface: ms-3/2/0 Service set: s New flows: Accepts: 1")).toBe("junos-statistics");
    expect(classifyLine("UDP 1.1.1.3:1028 -> 2.2.2.2:1028 Forward I 0")).toBe("junos-conversations");
    expect(classifyLine("Interface: ms-3/2/0, Service set: s")).toBeNull();
    expect(classifyLine("")).toBeNull();
  });
  test("prompts: Junos and shell, command wrapped, output on the prompt line", () => {
    expect(matchPrompt(["user@host> show security alg status"], 0)).toEqual({ line: 0, command: "show security alg status", endLine: 1, endColumn: 0 });
    expect(matchPrompt(["root@gw:~# conntrack -L", "tcp      6 299 ESTABLISHED src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2"], 0)).toMatchObject({ command: "conntrack -L", endLine: 1 });
    expect(matchPrompt(["user@host# show services stateful-firewall", "conversations", "Interface: x, Service set: y"], 0)).toMatchObject({ command: "show services stateful-firewall conversations", endLine: 2, endColumn: 0 });
    expect(matchPrompt(["user@host>show services pgcp conversationsInterface: sp-1/0/0"], 0)).toMatchObject({ command: "show services pgcp conversations", endLine: 0, endColumn: "user@host>show services pgcp conversations".length });
    expect(matchPrompt(["Oct 27 11:42:54 host sshd[1]: user@example.com> x"], 0)).toBeNull();
  });
  test("outputs without prompts are split where the format changes", () => {
    const text = [
      "Oct 25 16:03:13 (FPC Slot 3, PIC Slot 2) {svc_set}[FWNAT]: ASP_SFW_NO_RULE_DROP: proto 17 (UDP), ge-2/0/3.0:2.2.2.2:1334 -> 1.1.1.78:1334, No matching SFW rule",
      "",
      "Interface: sp-1/3/0, Service set: S",
      "TCP 1.1.79.2:14083 -> 2.2.2.2:21 Watch I 13",
      "tcp      6 299 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 sport=55900 dport=21 src=10.99.2.2 dst=10.99.2.1 sport=21 dport=55900 [ASSURED] use=1",
      "ALG Status:",
      "  FTP      : Disabled",
    ].join("\n");
    const r = parseRouterText(text, "mixed.txt");
    expect(r.diagnostics).toEqual([]);
    expect(r.documents.map((d) => [d.format, d.location.line])).toEqual([["junos-syslog", 1], ["junos-conversations", 3], ["conntrack", 5], ["srx-alg-status", 6]]);
    expect(r.flows.map((f) => f.interface ?? f.format)).toEqual(["sp-1/3/0", "conntrack"]);
  });
  test("splitLines handles LF, CRLF and a missing final newline", () => {
    expect(splitLines("a\r\nb\nc")).toEqual(["a", "b", "c"]);
    expect(splitLines("a\r\n")).toEqual(["a", ""]);
  });
});
