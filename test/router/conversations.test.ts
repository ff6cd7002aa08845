/**
 * Junos conversations: the same output in every form a user pastes gives the same model
 * (ROUTER-FORMATS.md §7.1–7.2): laid out, spaces collapsed, flattened onto one line, prompt wrapped,
 * CRLF, tabs, trailing spaces.
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { parseRouterText, type JunosConversationsDocument, type RouterParseResult } from "../../src/router/index.js";
import { read, SHARED_OUTPUT, withoutLocations } from "./helpers.js";

const COLUMN = read(path.join(SHARED_OUTPUT, "junos-ms__show-services-stateful-firewall-conversations__ftp-nat__junos95-column-layout.txt"));
const FLAT_DOC = read(path.join(SHARED_OUTPUT, "junos-ms__show-services-stateful-firewall-conversations__ftp-nat__flattened-ms-mpc-doc.txt"));
/** Output lines of the column-layout sample (no `# source:` line). */
const BODY = COLUMN.split("\n").slice(1).join("\n");

const collapse = (t: string) => t.split("\n").map((l) => l.replace(/[ \t]+/g, " ").trim()).join("\n");
const flatten = (t: string) => t.split("\n").map((l) => l.trim()).filter(Boolean).join(" ").replace(/\s+/g, " ");

function model(r: RouterParseResult) {
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return withoutLocations({ documents: r.documents.map((d) => ({ ...d, command: undefined })), flows: r.flows });
}
const base = model(parseRouterText(BODY, "col.txt"));

describe("one model for every layout", () => {
  test("the column layout holds 4 flows with their NAT lines", () => {
    const doc = parseRouterText(BODY, "col.txt").documents[0] as JunosConversationsDocument;
    const flows = doc.interfaces[0]!.conversations[0]!.flows;
    expect(flows.map((f) => `${f.proto} ${f.src.ip}:${f.src.port} ${f.dst.ip}:${f.dst.port} ${f.state} ${f.dir} ${f.frames}`)).toEqual([
      "TCP 1.1.79.2:14083 2.2.2.2:21 Watch I 13",
      "TCP 1.1.79.2:14104 2.2.2.2:20 Forward I 3",
      "TCP 2.2.2.2:21 194.250.1.237:50118 Watch O 12",
      "TCP 2.2.2.2:20 194.250.1.237:50119 Forward O 5",
    ]);
    expect(flows[2]!.nat).toEqual([{ kind: "dest", from: { ip: "194.250.1.237", port: 50118 }, to: { ip: "1.1.79.2", port: 14083 } }]);
    expect(flows.map((f) => f.location.line)).toEqual([6, 8, 10, 12]); // line 1 is the prompt
  });
  test("spaces collapsed", () => expect(model(parseRouterText(collapse(BODY), "c.txt"))).toEqual(base));
  test("flattened onto one line", () => expect(model(parseRouterText(flatten(BODY), "f.txt"))).toEqual(base));
  test("the MS-MPC flattened doc copy differs only in the interface name", () => {
    const flat = model(parseRouterText(FLAT_DOC, "doc.txt"));
    expect(JSON.stringify(flat).replaceAll("ms-1/3/0", "sp-1/3/0")).toBe(JSON.stringify(base));
  });
  test("CRLF line ends", () => expect(model(parseRouterText(BODY.replace(/\n/g, "\r\n"), "crlf.txt"))).toEqual(base));
  test("tabs between columns and trailing spaces", () => {
    const tabbed = BODY.split("\n").map((l) => l.replace(/ {2,}/g, "\t") + "  \t").join("\n");
    expect(model(parseRouterText(tabbed, "tabs.txt"))).toEqual(base);
  });
  test("without the prompt line", () => {
    expect(model(parseRouterText(BODY.split("\n").slice(1).join("\n"), "np.txt"))).toEqual(base);
  });
  test("prompt wrapped onto the next lines", () => {
    const wrapped = BODY.replace("conversations application-protocol ftp", "conversations\napplication-protocol ftp");
    const r = parseRouterText(wrapped, "w.txt");
    expect(model(r)).toEqual(base);
    expect(r.documents[0]!.command).toBe("show services stateful-firewall conversations application-protocol ftp");
    const wrapped2 = BODY.replace("stateful-firewall conversations application-protocol ftp", "stateful-firewall\nconversations");
    expect(parseRouterText(wrapped2, "w2.txt").documents[0]!.command).toBe("show services stateful-firewall conversations");
  });
  test("prompt running straight into Interface: (with and without a space)", () => {
    const lines = collapse(BODY).split("\n");
    for (const glue of ["", " "]) {
      const joined = [lines[0] + glue + lines[1], ...lines.slice(2)].join("\n");
      const r = parseRouterText(joined, "j.txt");
      expect(model(r)).toEqual(base);
      expect(r.documents[0]!.command).toBe("show services stateful-firewall conversations application-protocol ftp");
    }
  });
  test("lines broken inside the flattened text at item boundaries", () => {
    const flat = flatten(BODY).replace(/ (TCP|NAT) /g, "\n$1 ");
    expect(model(parseRouterText(flat, "b.txt"))).toEqual(base);
  });
});

describe("grammar details", () => {
  const one = (text: string) => {
    const r = parseRouterText(text, "t.txt");
    return { r, doc: r.documents[0] as JunosConversationsDocument };
  };
  test("any state word, any protocol (name or number), flows without Interface/Conversation lines", () => {
    const { r, doc } = one("GRE 10.0.0.1:0 -> 10.0.0.2:0 Drop I 0\n47 10.0.0.2:0 -> 10.0.0.1:0 Pending-Close O 5");
    expect(doc.interfaces[0]!.name).toBeNull();
    expect(doc.interfaces[0]!.conversations[0]!.alg).toBeNull();
    expect(doc.interfaces[0]!.conversations[0]!.flows.map((f) => [f.proto, f.state])).toEqual([["GRE", "Drop"], ["47", "Pending-Close"]]);
    expect(r.flows.map((f) => f.proto)).toEqual([47, 47]);
  });
  test("several Interface: blocks, each with its conversations", () => {
    const text = "Interface: ms-0/0/0, Service set: a\nConversation: ALG protocol: ftp\nTCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1\nInterface: ms-0/0/1, Service set: b\nConversation: ALG protocol: rtsp\nTCP 3.3.3.3:1 -> 4.4.4.4:554 Watch I 1\n";
    const { r, doc } = one(text);
    expect(doc.interfaces.map((i) => [i.name, i.serviceSet, i.conversations[0]!.alg])).toEqual([["ms-0/0/0", "a", "ftp"], ["ms-0/0/1", "b", "rtsp"]]);
    expect(r.flows.map((f) => [f.interface, f.serviceSet, f.alg, f.conversation])).toEqual([["ms-0/0/0", "a", "ftp", 1], ["ms-0/0/1", "b", "rtsp", 2]]);
  });
  test("an unknown line is reported at its line and column, and parsing goes on", () => {
    const text = "Interface: ms-0/0/0, Service set: a\nTCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1\n   garbage here\nTCP 2.2.2.2:21 -> 1.1.1.1:1 Watch O 1\n";
    const { r, doc } = one(text);
    expect(doc.interfaces[0]!.conversations[0]!.flows).toHaveLength(2);
    expect(r.diagnostics).toEqual([{ code: "unknown_text", severity: "error", file: "t.txt", line: 3, column: 3, lineText: "   garbage here", message: expect.stringContaining("garbage here") }]);
  });
  test("unknown text inside a flattened line is reported at its column; the items around it are kept", () => {
    const text = "TCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1 what is this NAT source 1.1.1.1:1 -> 9.9.9.9:1";
    const { r, doc } = one(text);
    expect(doc.interfaces[0]!.conversations[0]!.flows[0]!.nat).toHaveLength(1);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["unknown_text", 1, text.indexOf("what")]]);
  });
  test("a bad address is located on its token", () => {
    const text = "TCP 1.1.1.1:1 -> 2.2.2.999:21 Watch I 1";
    const { r } = one(text);
    // the only line was not understood, so the file as a whole was not either
    expect(r.diagnostics.map((d) => [d.code, d.column])).toEqual([["bad_endpoint", text.indexOf("2.2.2.999")], ["nothing_understood", 0]]);
  });
  test("an unknown `Key: value` line is kept as extra with an info diagnostic", () => {
    const { r, doc } = one("Conversation: ALG protocol: sip\nTCP 1.1.1.1:1 -> 2.2.2.2:5060 Watch I 1\n    Timeout: 30\n");
    expect(doc.interfaces[0]!.conversations[0]!.flows[0]!.extra).toEqual({ Timeout: "30" });
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([["unknown_field", "info"]]);
  });
  test("a NAT line with no flow before it is a warning", () => {
    const { r } = one("Interface: ms-0/0/0, Service set: a\n    NAT source 1.1.1.1:1 -> 2.2.2.2:2\nTCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1");
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.line])).toEqual([["orphan_nat", "warning", 2]]);
  });
  test("a whitespace character that is no blank (\\v, NBSP) inside a line is unknown text, not a hang", () => {
    for (const ws of ["\v", "\f", "\u00a0", "\u3000"]) {
      const text = `UDP 203.0.113.5:6000 -> 198.51.100.1:40${ws}0 Forward O 118\nTCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1`;
      const { r, doc } = one(text);
      expect(doc.interfaces[0]!.conversations[0]!.flows.map((f) => f.src.ip)).toEqual(["1.1.1.1"]);
      expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["unknown_text", 1, 0]]);
    }
  });
  test("non-ASCII text elsewhere in the file (read as 16-bit code units) changes nothing", () => {
    const ascii = "Interface: ms-0/0/0, Service set: a\nConversation: ALG protocol: ftp\nTCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1\n    NAT source 1.1.1.1:1 -> 9.9.9.9:1,\n";
    const wide = "# Überwachung – ☃\n" + ascii;
    const a = one(ascii), w = one(wide);
    expect(withoutLocations(w.doc.interfaces)).toEqual(withoutLocations(a.doc.interfaces));
    expect(w.doc.interfaces[0]!.conversations[0]!.flows[0]!.nat[0]!.to).toEqual({ ip: "9.9.9.9", port: 1 });
    // a code unit above 0xFF whose low byte is a blank (U+0120) is no blank
    const r = one("TCP 1.1.1.1:1\u0120-> 2.2.2.2:21 Watch I 1").r;
    expect(r.flows).toEqual([]);
  });
  test("initiator/responder counts that disagree with the flows are noted (info)", () => {
    const { r } = one("Conversation: ALG protocol: ftp\nNumber of initiators: 3, Number of responders: 1\nTCP 1.1.1.1:1 -> 2.2.2.2:21 Watch I 1");
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([["count_mismatch", "info"]]);
  });
});
