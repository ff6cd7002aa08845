/**
 * The Junos printer: the true column layout of ROUTER-FORMATS.md §1.1, and print → parse round trips.
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { parseRouterText, printJunosConversations, printFlowLine, printNatLine, type JunosConversationsDocument } from "../../src/router/index.js";
import { fixturePath, rawCases, read, sharedFiles, SHARED_OUTPUT, withoutLocations } from "./helpers.js";

const COLUMN_FILE = path.join(SHARED_OUTPUT, "junos-ms__show-services-stateful-firewall-conversations__ftp-nat__junos95-column-layout.txt");

function conversationDocs(text: string, file: string): JunosConversationsDocument[] {
  return parseRouterText(text, file).documents.filter((d): d is JunosConversationsDocument => d.format === "junos-conversations");
}

describe("printJunosConversations", () => {
  test("reprints the Junos 9.5 sample byte for byte (every column, the NAT lines' 3 trailing spaces)", () => {
    const original = read(COLUMN_FILE).split("\n");
    const [doc] = conversationDocs(original.join("\n"), "col.txt");
    const printed = printJunosConversations(doc!.interfaces).split("\n");
    // the file: `# source:` line, the prompt line, then the output proper
    expect(printed.slice(0, -1)).toEqual(original.slice(2).filter((l) => l !== ""));
  });

  test("column positions of §1.1", () => {
    const flow = printFlowLine({ proto: "TCP", src: { ip: "2.2.2.2", port: 21 }, dst: { ip: "194.250.1.237", port: 50118 }, state: "Watch", dir: "O", frames: 12, nat: [] });
    expect(flow.length).toBe(79);
    expect(flow.indexOf("2.2.2.2") + "2.2.2.2".length - 1).toBe(21);
    expect(flow[22]).toBe(":");
    expect(flow.slice(29, 31)).toBe("->");
    expect(flow.indexOf("194.250.1.237") + 12).toBe(45);
    expect(flow[46]).toBe(":");
    expect(flow.slice(53, 58)).toBe("Watch");
    expect(flow[62]).toBe("O");
    expect(flow.slice(77, 79)).toBe("12");
    const nat = printNatLine({ kind: "dest", from: { ip: "194.250.1.237", port: 50119 }, to: { ip: "1.1.79.2", port: 14104 } });
    expect(nat).toBe("    NAT dest     194.250.1.237:50119   ->        1.1.79.2:14104   ");
    expect(nat.length).toBe(66);
  });

  test("wide fields (IPv6, long states, huge counts) push right and keep one space", () => {
    const line = printFlowLine({ proto: "ICMPV6", src: { ip: "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", port: 65535 }, dst: { ip: "2001:db8::1", port: 0 }, state: "Established", dir: "I", frames: 123456789012, nat: [] });
    expect(line).toMatch(/^ICMPV6 \[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff\]:65535 -> +\[2001:db8::1\]:0 +Established I +123456789012$/);
    const [doc] = conversationDocs(line, "x");
    expect(doc!.interfaces[0]!.conversations[0]!.flows[0]!.src).toEqual({ ip: "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", port: 65535 });
  });

  const conversationFixtures = [
    ...rawCases().map((c) => ({ name: `${c}.raw`, text: () => read(fixturePath(`${c}.raw`)) })),
    ...sharedFiles().map((f) => ({ name: f, text: () => read(path.join(SHARED_OUTPUT, f)) })),
  ].filter((f) => conversationDocs(f.text(), f.name).length > 0);

  test("there are conversation fixtures to round-trip", () => {
    expect(conversationFixtures.length).toBeGreaterThanOrEqual(12);
  });

  test.each(conversationFixtures.map((f) => [f.name, f] as const))("round trip: %s", (_n, f) => {
    for (const doc of conversationDocs(f.text(), f.name)) {
      const printed = printJunosConversations(doc.interfaces);
      const again = parseRouterText(printed, "printed.txt");
      expect(again.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
      expect(again.documents).toHaveLength(1);
      const back = again.documents[0] as JunosConversationsDocument;
      expect(withoutLocations(back.interfaces)).toEqual(withoutLocations(doc.interfaces));
      // printing is a fixed point
      expect(printJunosConversations(back.interfaces)).toBe(printed);
    }
  });
});
