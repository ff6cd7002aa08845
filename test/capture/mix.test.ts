/**
 * pcaps/flows/mix.pcapng against its generator's own expectation (pcaps/flows/mix.expected.json,
 * computed from the packet spec, not by a decoder): two pcapng sections of opposite byte order,
 * if_tsresol 6 / 9 / 2^-10, if_tsoffset, IPv4 options, IPv6 extension headers, 802.1Q and QinQ,
 * IPv4/IPv6 fragments, ICMP, ICMPv6, GRE, a truncated packet, SPB and obsolete PB records,
 * NRB/ISB/custom blocks, and one tuple seen on two interfaces.
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { scanFile } from "../../src/node/index.js";

const expected = JSON.parse(readFileSync(new URL("../../pcaps/flows/mix.expected.json", import.meta.url), "utf8"));
const path = new URL("../../pcaps/flows/mix.pcapng", import.meta.url).pathname;

it("mix.pcapng decodes to the generator's expected flows, field by field", async () => {
  const scan = await scanFile(path, { flowCapLog2: 8 });
  expect(scan.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(scan.info.format).toBe("pcapng");
  expect(scan.info.packets).toBe(expected.packets);
  expect(scan.info.truncatedPackets).toBe(expected.truncatedPackets);
  expect(scan.stats.sections).toBe(expected.sections);
  const ours = [...scan.flows];
  expect(ours.length).toBe(expected.flows.length);
  for (const want of expected.flows) {
    const { section: _section, ...fields } = want;
    expect(ours[want.id - 1], `flow ${want.id}`).toEqual(fields);
  }
});

it("--merge-interfaces counts the tuple seen on two interfaces as one flow (tshark 4.0's view)", async () => {
  const split = await scanFile(path, { flowCapLog2: 8 });
  const merged = await scanFile(path, { flowCapLog2: 8, mergeInterfaces: true });
  expect(merged.flows.count).toBe(split.flows.count - 1);
  expect(merged.info.packets).toBe(split.info.packets);
});
