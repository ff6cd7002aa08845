/**
 * Property tests: arbitrary text never makes the parser throw and every diagnostic is located
 * inside the input; generated conversation lists survive print → parse.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import path from "node:path";
import { parseRouterText, printJunosConversations, buildRouterReport, formatRouterText, ROUTER_FORMATS, type PrintableInterface, type JunosConversationsDocument } from "../../src/router/index.js";
import { splitLines } from "../../src/router/lines.js";
import { fixturePath, rawCases, read, sharedFiles, SHARED_OUTPUT, withoutLocations } from "./helpers.js";

const corpus = [
  ...rawCases().map((c) => read(fixturePath(`${c}.raw`))),
  ...sharedFiles().map((f) => read(path.join(SHARED_OUTPUT, f))),
];

function checkWellFormed(text: string, format?: (typeof ROUTER_FORMATS)[number]) {
  const r = parseRouterText(text, "p.txt", { format });
  const lines = splitLines(text);
  for (const d of r.diagnostics) {
    expect(d.code).toMatch(/^[a-z_]+$/);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(Math.max(1, lines.length));
    expect(d.column).toBeGreaterThanOrEqual(0);
    expect(d.column!).toBeLessThanOrEqual(lines[d.line! - 1]!.length);
  }
  expect(r.diagnostics.some((d) => d.code === "internal_error")).toBe(false);
  // the human output renders too
  expect(typeof formatRouterText(buildRouterReport([r]))).toBe("string");
  return r;
}

/** Text made of fragments of router output, so that the generator reaches deep into the parsers. */
const fragment = fc.constantFrom(
  "Interface:", "Service set:", "Conversation:", "ALG protocol:", "Number of initiators:", "Flow State Dir Frm count",
  "TCP", "UDP", "->", "-->", "1.1.1.1:21", "2001:db8::1:21", "1.2.3.4.5", "[::1]:80", "Watch", "I", "O", "13", "NAT source", "NAT dest",
  "Gate id:", "user@host>", "show services stateful-firewall conversations", "src=", "dst=", "sport=", "dport=", "[ASSURED]", "tcp      6",
  "ASP_SFW_DELETE_FLOW:", "{ss}[FWNAT]:", "(FPC Slot 1, PIC Slot 2)", "proto 6 (TCP)", "application:", "Session ID:", "In:", "Out:", ";tcp,",
  "ALG Status:", "FTP : Enabled", "New flows:", "Accepts: 1,", "mask-src=", "master-src=", "l3proto =", "[NEW]", "[1.5]", "\n", "\r\n", "\t", " ", ":", ",", "=",
);

describe("never throws", () => {
  test("arbitrary unicode text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => void checkWellFormed(s)), { numRuns: 400 });
  });
  test("text built from router-output fragments, auto and every forced format", () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }).map((a) => a.join(" ")), fc.constantFrom(undefined, ...ROUTER_FORMATS), (s, f) => void checkWellFormed(s, f)),
      { numRuns: 600 },
    );
  });
  test("fixtures with random cuts, insertions and deletions", () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 8 })), { maxLength: 6 }), (text, edits) => {
        let t = text;
        for (const [at, del, ins] of edits) {
          const k = at % (t.length + 1);
          t = t.slice(0, k) + ins + t.slice(k + del);
        }
        checkWellFormed(t);
      }),
      { numRuns: 500 },
    );
  });
  test("non-string input does not throw either", () => {
    expect(() => parseRouterText(undefined as unknown as string, "u")).not.toThrow();
  });
});

describe("print → parse", () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const ipv4 = fc.tuple(octet, octet, octet, octet).map((a) => a.join("."));
  const ipv6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => {
    const r = parseRouterText(`TCP [${g.map((x) => x.toString(16)).join(":")}]:1 -> 1.1.1.1:1 Watch I 1`, "g").flows[0]!;
    return r.src.ip;
  });
  const ep = fc.record({ ip: fc.oneof(ipv4, ipv6), port: fc.integer({ min: 0, max: 65535 }) });
  const flow = fc.record({
    proto: fc.constantFrom("TCP", "UDP", "ICMP", "GRE", "47", "SCTP"),
    src: ep, dst: ep,
    state: fc.constantFrom("Watch", "Forward", "Drop", "Unknown", "Established-Long"),
    dir: fc.constantFrom("I" as const, "O" as const),
    frames: fc.integer({ min: 0, max: 2 ** 40 }),
    // at most one NAT source and one NAT dest line per flow, in either order
    nat: fc.shuffledSubarray(["source" as const, "dest" as const]).chain((kinds) => fc.tuple(...kinds.map((kind) => fc.record({ kind: fc.constant(kind), from: ep, to: ep })))),
    gateId: fc.option(fc.integer({ min: 0, max: 1e6 }), { nil: undefined }),
  }).map((f) => (f.gateId === undefined ? (({ gateId: _g, ...rest }) => rest)(f) : f));
  const name = fc.stringMatching(/^[a-z]{2,3}-\d\/\d\/\d$/);
  const conversation = fc.record({
    alg: fc.constantFrom("ftp", "rtsp", "any", "sip"),
    flows: fc.array(flow, { minLength: 1, maxLength: 5 }),
  }).map((c) => ({ ...c, initiators: c.flows.filter((f) => f.dir === "I").length, responders: c.flows.filter((f) => f.dir === "O").length }));
  const iface = fc.record({ name, serviceSet: fc.stringMatching(/^[A-Za-z][\w-]{0,12}$/), conversations: fc.array(conversation, { minLength: 1, maxLength: 3 }) });

  test("generated interfaces (IPv4/IPv6, 0–2 NAT lines, gate ids) parse back to themselves", () => {
    fc.assert(
      fc.property(fc.array(iface, { minLength: 1, maxLength: 3 }), (interfaces: PrintableInterface[]) => {
        const text = printJunosConversations(interfaces);
        const r = parseRouterText(text, "g.txt");
        expect(r.diagnostics).toEqual([]);
        const back = (r.documents[0] as JunosConversationsDocument).interfaces;
        expect(withoutLocations(back)).toEqual(withoutLocations(interfaces));
      }),
      { numRuns: 300 },
    );
  });
});
