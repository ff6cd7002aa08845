/**
 * The commander CLI: `createProgram(io)` builds it, `main(argv, io)` runs it and returns the
 * exit code. This is the only module that decides exit codes (bin/alg-verify.js sets them):
 *   0 ok (verify: pass) · 1 verify: fail (suite: a regression) · 2 usage or input error ·
 *   3 internal error · 4 verify: inconclusive (nothing could be judged)
 * Every file argument may be `-` (standard input; one per invocation, ./io.ts). Errors always go
 * to stderr, in text mode as with --json; reports go to stdout.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { STDIN, colourOf, readTextArg, stdinConflict, stdinOf, type CliIo } from "./io.js";
import { progress, sizeOf } from "./progress.js";
import { InputError } from "./errors.js";
import { sizeArgument } from "./size.js";
import { registerSuiteCommand } from "./suite-cli.js";
import { parseCidr, type Cidr } from "../net/cidr.js";
import { INTERFACE_SPEC_HELP, parseInterfaceSpec, type InterfaceSpec } from "../capture/iface.js";
import { FLOW_TIMEOUTS_HELP, parseFlowTimeouts } from "../capture/timeouts.js";
import type { FlowTimeouts } from "../wasm/core.js";
import { InternalError } from "../wasm/instantiate.js";
import { TFTP_ACK_DUPS_MAX } from "../wasm/abi.js";
import { registerRouterCommand } from "./router-cli.js";
import { intOption } from "./int-option.js";
import { flowCapLog2For } from "../capture/flow-capacity.js";
import { ROUTER_LINES, SIP_SIDES_DIALOGS } from "../verify/limits.js";
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SIP_DIALOGS } from "../alg/limits.js";

/**
 * Standard input for a capture argument "-", else undefined: reading process.stdin makes its
 * stream, and for a pipe or socket Node loads its net module (start-up cost of every command,
 * bench/PERFORMANCE-LOG.md "Start-up (session 12)").
 */
const stdinFor = (io: CliIo, ...captures: (string | undefined)[]) => (captures.includes(STDIN) ? stdinOf(io) : undefined);
// The commands' implementations are loaded when a command runs, so starting the CLI (and
// `--help`) stays cheap; only what the chosen command needs is parsed.

export const VERSION = "0.1.0";
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_INPUT = 2;
export const EXIT_INTERNAL = 3;
/** verify: nothing could be judged (no negotiation judged, no router flow compared). */
export const EXIT_INCONCLUSIVE = 4;

/** The exit codes of `verify`, as its --help lists them (README "Exit codes" says the same). */
export const VERIFY_EXIT_CODES_HELP = `
Exit codes:
  0  pass: every negotiation judged agreed with the router output
  1  fail: at least one error finding (nat.captures-identical: the two captures are copies of one)
  2  input error: a file cannot be read, a capture is damaged, a router file is not router output
     or is longer than --max-router-lines, one file is given as both sides, or the command line is
     wrong (the message on stderr names the file)
  3  internal error
  4  inconclusive: nothing could be judged (no FTP/RTSP/SIP/TFTP negotiation, no router flow compared)

Any file argument may be - (standard input), one per invocation.
`;

/** The terminal, as --help describes it (README "Colour" and "Progress" say the same). */
export const TERMINAL_HELP = `
Terminal:
  The text reports colour the verdict and severities when stdout is a terminal.
  NO_COLOR=1      never colour (any non-empty value; https://no-color.org)
  FORCE_COLOR=1   colour through a pipe too (FORCE_COLOR=0: never)
  Progress (percent, time left) goes to stderr, only when stderr is a terminal.
`;

type IfSpec = InterfaceSpec;

/**
 * A port list option (--ftp-ports, --rtsp-ports, --sip-ports, --tftp-ports, --vxlan-ports): ports
 * 1-65535 separated by commas, or `none` (or nothing) for none: that ALG (or VXLAN) is then not
 * looked for at all.
 */
function ports(v: string): number[] {
  const word = v.trim().toLowerCase();
  const list = word === "" || word === "none" ? [] : v.split(",").map((x) => Number(x.trim()));
  if (list.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new InvalidArgumentError("expected a comma-separated list of ports (1-65535), or none");
  return list;
}

/** "0" → pcapng interface 0; "sll2:3" → Linux cooked v2 interface index 3. */
function ifSpec(v: string): IfSpec {
  const spec = parseInterfaceSpec(v);
  if (!spec) throw new InvalidArgumentError(`expected ${INTERFACE_SPEC_HELP}`);
  return spec;
}

/** "4M", "512k", "1048576" → bytes of the input window (512K to 1G). */
export const parseSize = sizeArgument(512 << 10, 1 << 30, "window");

/** Flow capacity → log2 of the table slots (shared with the page). */
export { flowCapLog2For };

/** --flow-timeouts (src/capture/timeouts.ts). */
function flowTimeouts(v: string): Partial<FlowTimeouts> {
  const t = parseFlowTimeouts(v);
  if (typeof t === "string") throw new InvalidArgumentError(t);
  return t;
}

export function createProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name("alg-verify")
    .description("Verify NAT application-layer gateways (FTP, RTSP, SIP, TFTP) from pcap/pcapng captures and router output")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .version(VERSION)
    .showHelpAfterError()
    .addHelpText("after", TERMINAL_HELP);

  const flowsCmd = program
    .command("flows")
    .description("list every conversation of a capture (like tshark -z conv,tcp -z conv,udp, with bounded memory)")
    .argument("<capture>", "pcap or pcapng file (- for standard input)")
    .option("--json", "print the JSON report (schema/flows.schema.json)")
    .addOption(new Option("--max-flows <n>", "flows live at once at most (ended and idle flows leave the table); beyond it new flows are counted as unattributed").argParser(intOption(16, 50_000_000)).default(393_216))
    .addOption(new Option("--flow-timeouts <list>", `when a quiet flow is over and may leave the table (when it is full, or past its sweep mark): ${FLOW_TIMEOUTS_HELP}`).argParser(flowTimeouts))
    .addOption(new Option("--window <bytes>", "input window in wasm memory (e.g. 4M)").argParser(parseSize).default(4 << 20, "4M"))
    .option("--merge-interfaces", "count the same 5-tuple on different capture interfaces as one flow (as tshark 4.0)")
    .addOption(new Option("--limit <n>", "show at most n flows in the table (text output)").argParser(intOption(0, Number.MAX_SAFE_INTEGER)));
  endedMemoryOption(captureCoreOptions(flowsCmd))
    .action(async (capture: string, o: CaptureCoreCliOptions & { endedMemory: number; json?: boolean; maxFlows: number; flowTimeouts?: Partial<FlowTimeouts>; window: number; mergeInterfaces?: boolean; limit?: number }) => {
      // Each output's modules only when that output is chosen (start-up cost, bench/PERFORMANCE-LOG.md "Start-up").
      const { scanFile } = await import("./files.js");
      const prog = progress(io, io.isTTY ? [{ name: capture, total: await sizeOf(capture) }] : []);
      const scan = await prog.until(scanFile(capture, {
        flowCapLog2: flowCapLog2For(o.maxFlows),
        flowTimeouts: o.flowTimeouts,
        windowBytes: o.window,
        mergeInterfaces: o.mergeInterfaces,
        onProgress: (bytes) => prog.tick(0, bytes),
        stdin: stdinFor(io, capture),
        ...captureCoreScanOptions(o),
        endedMemoryBytes: o.endedMemory * 2 ** 20,
      }));
      if (o.json) (await import("../report/flows-json.js")).writeFlowsJson(scan, io.stdout);
      else (await import("../report/flows-text.js")).formatFlowsText(scan, io.stdout, { limit: o.limit, colour: colourOf(io) });
      const err = scan.diagnostics.find((d) => d.severity === "error");
      const shown = err ? [err] : o.json ? scan.diagnostics.filter((d) => d.severity === "warning") : [];
      if (shown.length > 0) {
        const { formatDiagnostic } = await import("../report/flows-text.js");
        for (const d of shown) io.stderr(formatDiagnostic(d) + "\n");
      }
      io.setExitCode(err ? EXIT_INPUT : EXIT_OK);
    });

  const analyze = program
    .command("analyze")
    .description("find every FTP, RTSP and SIP control session and every TFTP request, what each negotiated (PORT/EPRT/227/229, SETUP, SDP media, RRQ/WRQ), the data/media flows a correct ALG must open, and whether they happened")
    .argument("<capture>", "pcap or pcapng file (- for standard input)")
    .option("--json", "print the JSON report (schema/analyze.schema.json)")
    .addOption(new Option("--profile <name>", "also say what this ALG implementation would have done with each line").choices(["lenient", "linux"]).default("lenient"))
    .addOption(new Option("--max-flows <n>", "flows live at once at most (ended and idle flows leave the table)").argParser(intOption(16, 50_000_000)).default(393_216))
    .addOption(new Option("--flow-timeouts <list>", `when a quiet flow is over and may leave the table (when it is full, or past its sweep mark): ${FLOW_TIMEOUTS_HELP}`).argParser(flowTimeouts))
    .option("--merge-interfaces", "count the same 5-tuple on different capture interfaces as one flow");
  endedMemoryOption(captureCoreOptions(sessionOptions(analyze)))
    .action(async (capture: string, o: SessionCliOptions & CaptureCoreCliOptions & { endedMemory: number; json?: boolean; profile: "lenient" | "linux"; maxFlows: number; flowTimeouts?: Partial<FlowTimeouts>; mergeInterfaces?: boolean }) => {
      const { analyzeFile } = await import("./files.js");
      const prog = progress(io, io.isTTY ? [{ name: capture, total: await sizeOf(capture) }] : []);
      const { scan, sessions } = await prog.until(analyzeFile(capture, {
        profile: o.profile, ...sessionScanOptions(o), flowCapLog2: flowCapLog2For(o.maxFlows), flowTimeouts: o.flowTimeouts, verifyEvents: false,
        mergeInterfaces: o.mergeInterfaces, onProgress: (bytes) => prog.tick(0, bytes), stdin: stdinFor(io, capture), ...captureCoreScanOptions(o),
        endedMemoryBytes: o.endedMemory * 2 ** 20,
      }));
      if (o.json) (await import("../report/flows-json.js")).writeFlowsJson(scan, io.stdout, { profile: o.profile, sessions });
      else (await import("../report/analyze-text.js")).formatAnalyzeText(scan, sessions, io.stdout, { colour: colourOf(io) });
      const err = scan.diagnostics.find((d) => d.severity === "error");
      if (err) io.stderr((await import("../report/flows-text.js")).formatDiagnostic(err) + "\n");
      io.setExitCode(err ? EXIT_INPUT : EXIT_OK);
    });

  const collect = (v: string, prev: string[]) => [...prev, v];
  const verifyCmd = program
    .command("verify")
    .description("reconcile inside/outside captures through the NAT, predict the ALG's conversations, compare them with the router output, and explain every difference (exit 0 pass, 1 fail, 2 input error, 4 inconclusive)")
    .addHelpText("after", VERIFY_EXIT_CODES_HELP + TERMINAL_HELP)
    .option("--inside <capture>", "capture taken on the inside (private) side of the NAT (- for standard input)")
    .option("--outside <capture>", "capture taken on the outside (public) side (- for standard input)")
    .option("--capture <file>", "one capture holding both sides (split it with --inside-if/--outside-if)")
    .addOption(new Option("--inside-if <if>", "interface of the inside side in --capture: a pcapng interface number, or sll2:<ifindex>").argParser(ifSpec))
    .addOption(new Option("--outside-if <if>", "interface of the outside side in --capture").argParser(ifSpec))
    .option("--router <file>", "router output (any format of `router`; - for standard input); repeatable", collect, [] as string[])
    .option("--json", "print the JSON report (schema/verify.schema.json)")
    .addOption(new Option("--format <format>", "text report, or only the predicted conversations in Junos layout").choices(["text", "junos"]).default("text"))
    .option("--html <file>", "also write the whole report as one self-contained HTML file (diagrams, no script; for CI artifacts)")
    .addOption(new Option("--profile <name>", "ALG implementation to emulate for fragile-input findings").choices(["lenient", "linux"]).default("lenient"))
    .addOption(new Option("--clock-offset <ms>", "force the outside−inside clock offset instead of estimating it").argParser((v) => {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new InvalidArgumentError("expected milliseconds");
      return n;
    }))
    .option("--all-mappings", "list every flow's NAT mapping in the report (default: the ALG sessions' flows)")
    .option("--nat-address <ip>", "an address the NAT may use (a pool); repeatable: a payload naming one counts as translated", collect, [] as string[])
    .addOption(new Option("--inside-net <cidr>", "a network behind the NAT; repeatable: with the outside capture alone, a payload naming it was not translated").argParser((v: string, prev: Cidr[] = []) => {
      const c = parseCidr(v);
      if (!c) throw new InvalidArgumentError("expected a prefix such as 192.0.2.0/24");
      return [...prev, c];
    }))
    .addOption(new Option("--frame-tolerance <n>", "frame-count difference tolerated against the router").argParser(intOption(0, 1_000_000)).default(0))
    .addOption(new Option("--max-flows <n>", "flow table capacity per capture").argParser(intOption(16, 50_000_000)).default(393_216))
    .addOption(new Option("--sip-sides-dialogs <n>", "SIP dialogs seen in both captures whose message order the sides check examines (0 = none); more are counted (sip_sides_dialog_limit)").argParser(intOption(0, 100_000_000)).default(SIP_SIDES_DIALOGS))
    .addOption(new Option("--max-router-lines <n>", "lines of one router file read at most: verify holds its records whole, so a longer file is refused (router_line_limit, exit 2) before it is read whole").argParser(intOption(1, 1_000_000_000)).default(ROUTER_LINES));
  captureCoreOptions(sessionOptions(verifyCmd))
    .action(async (o: SessionCliOptions & CaptureCoreCliOptions & { sipSidesDialogs: number; maxRouterLines: number; capture?: string; insideIf?: IfSpec; outsideIf?: IfSpec; inside?: string; outside?: string; router: string[]; json?: boolean; format: "text" | "junos"; profile: "lenient" | "linux"; clockOffset?: number; frameTolerance: number; maxFlows: number; allMappings?: boolean; natAddress: string[]; insideNet?: Cidr[]; html?: string }) => {
      if (o.capture) {
        if (!o.insideIf || !o.outsideIf) {
          io.stderr("error: --capture needs --inside-if and --outside-if\n");
          io.setExitCode(EXIT_INPUT);
          return;
        }
        o.inside = o.outside = o.capture;
      }
      if (!o.inside && !o.outside && !o.router.length) {
        io.stderr("error: give --inside and/or --outside captures, and/or --router files\n");
        io.setExitCode(EXIT_INPUT);
        return;
      }
      const usage = o.capture === STDIN
        ? "error: --capture cannot be - (standard input): the capture is read once per side; save it to a file"
        : stdinConflict([["--inside", o.inside], ["--outside", o.outside], ...o.router.map((f): [string, string] => ["--router", f])]);
      if (usage) {
        io.stderr(`${usage.startsWith("error:") ? "" : "error: "}${usage}\n`);
        io.setExitCode(EXIT_INPUT);
        return;
      }
      const { runVerify, inputErrorOf } = await import("./verify-run.js");
      const sides = (["inside", "outside"] as const).filter((k) => o[k] !== undefined);
      // Named by their file names; with --capture both sides read the one file: named by side.
      const name = (k: "inside" | "outside") => (o.capture || o[k] === STDIN ? k : o[k]!.split(/[\\/]/).pop()!);
      const prog = progress(io, io.isTTY ? await Promise.all(sides.map(async (k) => ({ name: name(k), total: await sizeOf(o[k]!) }))) : []);
      const report = await prog.until(runVerify(
        { inside: o.inside, outside: o.outside, router: o.router, insideIf: o.insideIf, outsideIf: o.outsideIf },
        {
          profile: o.profile, ...sessionScanOptions(o), flowCapLog2: flowCapLog2For(o.maxFlows), clockOffsetMs: o.clockOffset, frameTolerance: o.frameTolerance,
          allMappings: o.allMappings, hints: { natAddresses: o.natAddress, insideNets: o.insideNet }, sipSidesDialogs: o.sipSidesDialogs,
          readFile: io.readFile, maxRouterLines: o.maxRouterLines, stdin: stdinFor(io, o.inside, o.outside), ...captureCoreScanOptions(o),
          onProgress: (i, bytes) => prog.tick(i, bytes),
          onCapturesRead: () => prog.stage(sides.length > 1 ? "comparing the captures through the NAT …" : "verifying …"),
        },
      ));
      // The report's writers are loaded once it is made (the captures' workers start without waiting for them).
      if (o.json) (await import("../report/verify-json.js")).writeVerifyJson(report, io.stdout);
      else if (o.format === "junos") io.stdout((await import("../report/verify-text.js")).predictedJunos(report.predicted.conversations));
      else (await import("../report/verify-text.js")).formatVerifyText(report, io.stdout, { colour: colourOf(io), width: io.stdoutColumns || undefined });
      if (o.html) await (await import("./html-report.js")).writeHtmlFile(report, o.html, o.router, io.readFile);
      const inputError = inputErrorOf(report);
      if (inputError) {
        io.stderr((await import("../report/flows-text.js")).formatDiagnostic(inputError) + "\n");
        io.setExitCode(EXIT_INPUT);
      } else io.setExitCode(report.verdict === "pass" ? EXIT_OK : report.verdict === "inconclusive" ? EXIT_INCONCLUSIVE : EXIT_FINDINGS);
    });

  registerRouterCommand(program, io);
  registerSuiteCommand(program, io);
  return program;
}

interface SessionCliOptions {
  ftpPorts: number[];
  rtspPorts: number[];
  sipPorts: number[];
  tftpPorts: number[];
  window: number;
  maxControlStreams: number;
  controlIdle: number;
  maxNegotiations: number;
  maxSipDialogs: number;
  maxSessions: number;
  maxTftpTransfers: number;
  maxTftpDuplicateAcks: number;
  maxTftpSessions: number;
}

/**
 * The ALG sessions' options (analyze, verify: the same for both, per capture): which ports carry
 * each ALG, the negotiation window, and the limits of the control streams (assembly/alg/stream.ts),
 * the sessions (src/alg/sessions.ts, SIP dialogs: src/alg/sip.ts SipConditions.cut) and TFTP
 * (src/alg/tftp.ts, assembly/alg/tftp.ts).
 */
function sessionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--ftp-ports <list>", "TCP ports of FTP control connections (none = no FTP)").argParser(ports).default([21], "21"))
    .addOption(new Option("--rtsp-ports <list>", "TCP ports of RTSP control connections (none = no RTSP)").argParser(ports).default([554, 8554], "554,8554"))
    .addOption(new Option("--sip-ports <list>", "UDP and TCP ports of SIP (none = no SIP)").argParser(ports).default([5060], "5060"))
    .addOption(new Option("--tftp-ports <list>", "UDP ports of TFTP requests (none = no TFTP)").argParser(ports).default([69], "69"))
    .addOption(new Option("--window <seconds>", "how long after a negotiation its data flow may start").argParser(intOption(0, 86_400)).default(300))
    .addOption(new Option("--max-control-streams <n>", "control connections reassembled at the same time per capture (one that ended frees its slot)").argParser(intOption(1, 65_536)).default(512))
    .addOption(new Option("--control-idle <seconds>", "a control connection idle this long gives its slot to a new one when none is free").argParser(intOption(1, 4_000_000)).default(600))
    .addOption(new Option("--max-negotiations <n>", "negotiations (and RTSP TEARDOWNs) kept per session; more are counted (negotiation_limit)").argParser(intOption(1, 100_000_000)).default(10_000))
    .addOption(new Option("--max-sip-dialogs <n>", "SIP dialogs kept per capture; SIP is read up to the first message of the first dialog beyond them, the rest counted (sip_dialog_limit)").argParser(intOption(1, 100_000_000)).default(DEFAULT_MAX_SIP_DIALOGS))
    .addOption(new Option("--max-sessions <n>", "FTP and RTSP sessions kept per capture; control connections beyond them are counted (session_limit)").argParser(intOption(1, 100_000_000)).default(DEFAULT_MAX_SESSIONS))
    .addOption(new Option("--max-tftp-transfers <n>", "TFTP transfers followed at the same time (rounded up to a power of two, 0 = none); a full table evicts the idlest (tftp_table_full)").argParser(intOption(0, 65_536)).default(1024))
    .addOption(new Option("--max-tftp-duplicate-acks <n>", "repeated ACKs counted per TFTP transfer; the count stops there (tftp_duplicate_acks_capped)").argParser(intOption(0, TFTP_ACK_DUPS_MAX)).default(TFTP_ACK_DUPS_MAX))
    .addOption(new Option("--max-tftp-sessions <n>", "TFTP requests kept per capture; more are counted (tftp_session_limit)").argParser(intOption(1, 100_000_000)).default(100_000));
}

/** The options of sessionOptions as analyzeCapture / runVerify take them. */
function sessionScanOptions(o: SessionCliOptions) {
  return {
    ftpPorts: o.ftpPorts, rtspPorts: o.rtspPorts, sipPorts: o.sipPorts, tftpPorts: o.tftpPorts, windowSeconds: o.window,
    maxControlStreams: o.maxControlStreams, controlIdleSeconds: o.controlIdle, maxNegotiations: o.maxNegotiations,
    maxSipDialogs: o.maxSipDialogs, maxSessions: o.maxSessions,
    maxTftpTransfers: o.maxTftpTransfers, maxTftpSessions: o.maxTftpSessions, maxTftpDuplicateAcks: o.maxTftpDuplicateAcks,
  };
}

interface CaptureCoreCliOptions {
  vxlanPorts: number[];
  maxTunnelDepth: number;
  reasmDatagrams: number;
  reasmBytes: number;
  reasmTimeout: number;
}

/** The capture core's decapsulation and reassembly options (flows, analyze, verify): assembly/wire/tunnel.ts, assembly/flow/reasm.ts. */
function captureCoreOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--vxlan-ports <list>", "UDP destination ports of VXLAN, decapsulated (none = no VXLAN)").argParser(ports).default([4789], "4789"))
    .addOption(new Option("--max-tunnel-depth <n>", "tunnel layers (IP-in-IP, GRE, ERSPAN, VXLAN) removed from one packet at most; deeper ones count to the last layer (tunnel_too_deep)").argParser(intOption(0, 64)).default(4))
    .addOption(new Option("--reasm-datagrams <n>", "fragmented SIP/TFTP datagrams reassembled at the same time (0 = none); a full store evicts the oldest (reassembly_incomplete)").argParser(intOption(0, 4096)).default(32))
    .addOption(new Option("--reasm-bytes <n>", "longest fragmented datagram reassembled, UDP header included").argParser(intOption(8, 65_535)).default(65_535))
    .addOption(new Option("--reasm-timeout <seconds>", "time from a datagram's first fragment to its last (Linux's ipfrag_time)").argParser(intOption(1, 86_400)).default(30));
}

/**
 * `--ended-memory` (flows, analyze; verify's workers keep the default: the page, which offers
 * every verify option, has no file system to spill to): src/capture/flow-table.ts EndedFlows.
 */
function endedMemoryOption(cmd: Command): Command {
  return cmd.addOption(new Option("--ended-memory <MiB>", "memory for the records of flows that left the table; past it they go to an unlinked temporary file in $TMPDIR, read back through a cache of that size (0 = no limit, no file; ended_flows_in_memory when no file can be made)").argParser(intOption(0, 1_048_576)).default(1));
}

function captureCoreScanOptions(o: CaptureCoreCliOptions): { vxlanPorts: number[]; maxTunnelDepth: number; reasmDatagrams: number; reasmBytes: number; reasmTimeoutSeconds: number } {
  return { vxlanPorts: o.vxlanPorts, maxTunnelDepth: o.maxTunnelDepth, reasmDatagrams: o.reasmDatagrams, reasmBytes: o.reasmBytes, reasmTimeoutSeconds: o.reasmTimeout };
}

/** Runs the CLI in-process and returns the exit code. Never throws, never exits. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code = EXIT_OK;
  // io.readFile reads standard input for "-", for every command that reads text files.
  const wrapped: CliIo = { ...io, readFile: (p, maxLines) => readTextArg(io, p, maxLines), setExitCode: (c) => { code = c; io.setExitCode(c); } };
  try {
    await createProgram(wrapped).parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors 2.
      return e.exitCode === 0 ? EXIT_OK : EXIT_INPUT;
    }
    if (e instanceof InputError) {
      io.stderr(`error[${e.code}] ${e.file}: ${e.message}\n`);
      return EXIT_INPUT;
    }
    const msg = e instanceof InternalError ? e.message : (e as Error)?.stack ?? String(e);
    io.stderr(`internal error: ${msg}\n`);
    return EXIT_INTERNAL;
  }
}
