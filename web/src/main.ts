/**
 * Page wiring: file pickers and drop zones, the options, the engine worker (start, progress,
 * cancel), and rendering the worker's result. The page owns no analysis logic.
 */
import "./style.css";
import EngineWorker from "./worker.ts?worker&inline";
import type { PageLimit, Side, VerifyRequest, WorkerMessage } from "./protocol.js";
import { INTERFACE_SPEC_HELP, canonicalIp, flowCapLog2For, parseCidr, parseInterfaceSpec, type Cidr, type InterfaceSpec } from "../../src/browser/index.js";
import { $, formatBytes, h } from "./dom.js";
import { renderReport } from "./render.js";
import { linesOver, ROUTER_LINES, ROUTER_LINES_WHY } from "../../src/verify/limits.js";

const state: { inside?: File; outside?: File; router: File[] } = { router: [] };
let worker: Worker | undefined;
let running = false;
let progressUpdates = 0;

const status = $("status");
const runBtn = $<HTMLButtonElement>("run");
const cancelBtn = $<HTMLButtonElement>("cancel");
const reportSec = $("report");
const reportBody = $("report-body");

function setStatus(text: string, kind: "info" | "error" = "info"): void {
  status.textContent = text;
  status.className = kind;
}

/** A capture starts with a pcap magic (either byte order, µs or ns) or a pcapng Section Header Block. */
async function isCapture(f: File): Promise<boolean> {
  const b = new Uint8Array(await f.slice(0, 4).arrayBuffer());
  if (b.length < 4) return false;
  const m = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(m);
}

function showPicked(): void {
  for (const side of ["inside", "outside"] as const) {
    const f = state[side];
    $(`picked-${side}`).textContent = f ? `${f.name} (${formatBytes(f.size)})` : "";
    $(`zone-${side}`).classList.toggle("filled", !!f);
  }
  const list = $("picked-router");
  list.replaceChildren(...state.router.map((f, i) => {
    const rm = h("button", { type: "button", class: "link", "aria-label": `remove ${f.name}` }, "remove");
    rm.addEventListener("click", () => { state.router.splice(i, 1); showPicked(); });
    return h("li", {}, `${f.name} (${formatBytes(f.size)}) `, rm);
  }));
}

function setCapture(side: Side, f: File | undefined): void {
  state[side] = f;
  showPicked();
}

for (const side of ["inside", "outside"] as const) {
  const input = $<HTMLInputElement>(`file-${side}`);
  input.addEventListener("change", () => setCapture(side, input.files?.[0]));
}
const routerInput = $<HTMLInputElement>("file-router");
routerInput.addEventListener("change", () => {
  state.router.push(...Array.from(routerInput.files ?? []));
  routerInput.value = "";
  showPicked();
});

/** Files dropped on the page (not on a zone): captures fill the empty boxes, the rest is router output. */
async function placeDropped(files: File[], target?: string): Promise<void> {
  for (const f of files) {
    if (target === "inside" || target === "outside") setCapture(target, f);
    else if (target === "router") state.router.push(f);
    else if (await isCapture(f)) setCapture(!state.inside ? "inside" : !state.outside ? "outside" : "inside", f);
    else state.router.push(f);
  }
  showPicked();
}

document.addEventListener("dragover", (e) => {
  e.preventDefault();
  (e.target as HTMLElement).closest?.(".zone")?.classList.add("over");
});
document.addEventListener("dragleave", (e) => (e.target as HTMLElement).closest?.(".zone")?.classList.remove("over"));
document.addEventListener("drop", (e) => {
  e.preventDefault();
  const zone = (e.target as HTMLElement).closest?.(".zone") as HTMLElement | null;
  zone?.classList.remove("over");
  const files = Array.from(e.dataTransfer?.files ?? []);
  if (files.length) void placeDropped(files, zone?.dataset.side);
});

$("swap").addEventListener("click", () => {
  [state.inside, state.outside] = [state.outside, state.inside];
  showPicked();
});
$("clear").addEventListener("click", () => {
  state.inside = state.outside = undefined;
  state.router = [];
  for (const id of ["file-inside", "file-outside"]) $<HTMLInputElement>(id).value = "";
  $<HTMLTextAreaElement>("router-text").value = "";
  showPicked();
  reportSec.hidden = true;
  foldInputs(false);
  setStatus("");
});

/**
 * A port list field, as the CLI's port options: numbers separated by commas, or "none" (that ALG,
 * or VXLAN, not looked for at all). An empty field is the default, `fallback` (the CLI's), unless
 * `emptyIsNone` (VXLAN).
 */
function ports(id: string, fallback: number[], emptyIsNone = false): number[] {
  const text = $<HTMLInputElement>(id).value.trim();
  if (text.toLowerCase() === "none" || (emptyIsNone && text === "")) return [];
  const v = text.split(/[,\s]+/).filter(Boolean).map(Number);
  if (!v.length) return fallback;
  if (v.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new Error(`${id.replace("opt-", "")} ports: expected numbers 1–65535 separated by commas, or none`);
  }
  return v;
}

function intOpt(id: string, min: number, max: number): number {
  const v = Number($<HTMLInputElement>(id).value);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${$(id).previousElementSibling?.textContent ?? id}: expected a whole number ${min}–${max}`);
  return v;
}

/**
 * The "Limits" box: page field → scan (or verify) option, with the CLI's bounds (src/node/cli.ts).
 * An empty field leaves the engine's default, which is the CLI's.
 */
const LIMITS: { id: string; key: PageLimit; min: number; max: number; map?: (n: number) => number }[] = [
  { id: "opt-max-flows", key: "flowCapLog2", min: 16, max: 50_000_000, map: flowCapLog2For },
  { id: "opt-max-control-streams", key: "maxControlStreams", min: 1, max: 65_536 },
  { id: "opt-control-idle", key: "controlIdleSeconds", min: 1, max: 4_000_000 },
  { id: "opt-max-negotiations", key: "maxNegotiations", min: 1, max: 100_000_000 },
  { id: "opt-max-sip-dialogs", key: "maxSipDialogs", min: 1, max: 100_000_000 },
  { id: "opt-max-sessions", key: "maxSessions", min: 1, max: 100_000_000 },
  { id: "opt-max-tftp-transfers", key: "maxTftpTransfers", min: 0, max: 65_536 },
  { id: "opt-max-tftp-sessions", key: "maxTftpSessions", min: 1, max: 100_000_000 },
  { id: "opt-max-tftp-duplicate-acks", key: "maxTftpDuplicateAcks", min: 0, max: 16_777_215 },
  { id: "opt-max-tunnel-depth", key: "maxTunnelDepth", min: 0, max: 64 },
  { id: "opt-reasm-datagrams", key: "reasmDatagrams", min: 0, max: 4096 },
  { id: "opt-reasm-bytes", key: "reasmBytes", min: 8, max: 65_535 },
  { id: "opt-reasm-timeout", key: "reasmTimeoutSeconds", min: 1, max: 86_400 },
  { id: "opt-sip-sides-dialogs", key: "sipSidesDialogs", min: 0, max: 100_000_000 },
  // Applied here, to the router texts, before the request (not sent to the engine).
  { id: "opt-max-router-lines", key: "maxRouterLines", min: 1, max: 1_000_000_000 },
];

function limits(): Partial<Record<PageLimit, number>> {
  const out: Partial<Record<PageLimit, number>> = {};
  for (const l of LIMITS) {
    if (!$<HTMLInputElement>(l.id).value.trim()) continue;
    const n = intOpt(l.id, l.min, l.max);
    out[l.key] = l.map ? l.map(n) : n;
  }
  return out;
}

const listOf = (id: string) => $<HTMLInputElement>(id).value.split(/[,\s]+/).filter(Boolean);

function natAddresses(): string[] {
  const v = listOf("opt-nat");
  const bad = v.find((a) => canonicalIp(a) === null);
  if (bad) throw new Error(`NAT addresses: "${bad}" is not an IPv4 or IPv6 address`);
  return v;
}

function insideNets(): Cidr[] {
  return listOf("opt-nets").map((t) => {
    const c = parseCidr(t);
    if (!c) throw new Error(`Inside networks: "${t}" is not a prefix such as 192.0.2.0/24`);
    return c;
  });
}

function clockOffset(): number | undefined {
  const t = $<HTMLInputElement>("opt-offset").value.trim();
  if (!t) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error("Clock offset: expected milliseconds, e.g. -12.5");
  return n;
}

/** The same file picked for both sides (as the CLI's same_capture: the same object, or the same name, size and time). */
function sameFile(a: File | undefined, b: File | undefined): boolean {
  return !!a && !!b && (a === b || (a.name === b.name && a.size === b.size && a.lastModified === b.lastModified));
}

/** Both interface fields, or neither: one capture holding both sides, split by interface. */
function interfaces(): { insideIf: InterfaceSpec; outsideIf: InterfaceSpec } | undefined {
  const a = $<HTMLInputElement>("opt-inside-if").value.trim();
  const b = $<HTMLInputElement>("opt-outside-if").value.trim();
  if (!a && !b) return undefined;
  const insideIf = parseInterfaceSpec(a);
  const outsideIf = parseInterfaceSpec(b);
  if (!insideIf || !outsideIf) throw new Error(`One capture, both sides: give both interfaces, each ${INTERFACE_SPEC_HELP}`);
  if (!state.inside || state.outside) throw new Error("One capture, both sides: put the capture in the inside box and leave the outside box empty");
  return { insideIf, outsideIf };
}

function bar(side: Side): { root: HTMLElement; progress: HTMLProgressElement; text: HTMLElement } {
  const root = $(`bar-${side}`);
  return { root, progress: root.querySelector("progress")!, text: root.querySelector(".bar-text")! };
}

function resetBars(split: boolean): void {
  for (const side of ["inside", "outside"] as const) {
    const b = bar(side);
    b.root.hidden = !state[side] && !(split && side === "outside");
    b.progress.value = 0;
    b.text.textContent = "";
  }
}

/** End of a run (done, error or cancelled): `alg-verify:settled` lets scripts wait without polling. */
function finish(): void {
  running = false;
  runBtn.disabled = false;
  cancelBtn.hidden = true;
  document.body.dataset.running = "false";
  document.dispatchEvent(new CustomEvent("alg-verify:settled", { detail: { state: document.body.dataset.state } }));
}

/** After a run the inputs fold into one summary line (open it to change them), leaving the report on the first screen. */
function foldInputs(fold: boolean): void {
  const names = [state.inside?.name, state.outside?.name, ...state.router.map((f) => f.name)].filter(Boolean);
  $("inputs-summary").textContent = fold ? `${names.join(", ") || "pasted router output"} — open to change` : "";
  $<HTMLDetailsElement>("inputs-box").open = !fold;
}

function newWorker(): Worker {
  const w = new EngineWorker();
  w.onmessage = (e: MessageEvent<WorkerMessage>) => onMessage(e.data);
  w.onerror = (e) => {
    setStatus(`engine failed: ${e.message}`, "error");
    finish();
  };
  return w;
}

function onMessage(m: WorkerMessage): void {
  switch (m.type) {
    case "ready":
      document.body.dataset.engine = "ready";
      return;
    case "progress": {
      progressUpdates++;
      document.body.dataset.progressUpdates = String(progressUpdates);
      const b = bar(m.side);
      const pct = m.total ? (100 * m.bytes) / m.total : 100;
      b.progress.value = pct;
      b.text.textContent = `${pct.toFixed(0)} % · ${formatBytes(m.bytes)} of ${formatBytes(m.total)}`;
      return;
    }
    case "error":
      setStatus(m.message, "error");
      document.body.dataset.state = "error";
      finish();
      return;
    case "done":
      for (const side of ["inside", "outside"] as const) {
        const b = bar(side);
        if (!b.root.hidden) { b.progress.value = 100; }
      }
      reportBody.replaceChildren(renderReport(m));
      reportSec.hidden = false;
      foldInputs(true);
      setStatus(m.inputError ? "Done, with a damaged capture (partial results)" : `Done: ${m.report.verdict.toUpperCase()}`, m.inputError ? "error" : "info");
      document.body.dataset.state = "done";
      finish();
      $("report-h").focus?.();
      return;
  }
}

runBtn.addEventListener("click", async () => {
  if (running) return;
  const pasted = $<HTMLTextAreaElement>("router-text").value;
  if (!state.inside && !state.outside && !state.router.length && !pasted.trim()) {
    setStatus("Give an inside and/or outside capture and/or router output.", "error");
    return;
  }
  let req: VerifyRequest;
  try {
    const { maxRouterLines = ROUTER_LINES, ...engineLimits } = limits();
    const router = await Promise.all(state.router.map(async (f) => ({ name: f.name, text: await f.text() })));
    if (pasted.trim()) router.push({ name: "pasted", text: pasted });
    // As the CLI's --max-router-lines: the comparison holds every record of a file.
    const long = router.find((r) => linesOver(r.text, maxRouterLines));
    if (long) throw new Error(`${long.name}: line ${maxRouterLines + 1} is past --max-router-lines ${maxRouterLines}: the comparison holds ${ROUTER_LINES_WHY}, or raise the limit (Options, Limits).`);
    const split = interfaces();
    if (!split && sameFile(state.inside, state.outside)) {
      throw new Error(`The inside and outside boxes hold the same file (${state.inside!.name}): one capture point shows no NAT, and its packets compared with themselves would pass every check. A capture holding both sides goes in the inside box, with both interfaces (Options).`);
    }
    req = {
      type: "verify", inside: state.inside, outside: split ? state.inside : state.outside, router, ...split,
      options: {
        profile: $<HTMLSelectElement>("opt-profile").value as "lenient" | "linux",
        ftpPorts: ports("opt-ftp", [21]), rtspPorts: ports("opt-rtsp", [554, 8554]),
        sipPorts: ports("opt-sip", [5060]), tftpPorts: ports("opt-tftp", [69]), vxlanPorts: ports("opt-vxlan", [], true),
        windowSeconds: intOpt("opt-window", 0, 86_400), frameTolerance: intOpt("opt-tolerance", 0, 1_000_000),
        allMappings: $<HTMLInputElement>("opt-all").checked,
        clockOffsetMs: clockOffset(),
        hints: { natAddresses: natAddresses(), insideNets: insideNets() },
        ...engineLimits,
      },
    };
  } catch (e) {
    setStatus((e as Error).message, "error");
    return;
  }
  running = true;
  progressUpdates = 0;
  document.body.dataset.progressUpdates = "0";
  document.body.dataset.state = "running";
  document.body.dataset.running = "true";
  runBtn.disabled = true;
  cancelBtn.hidden = false;
  resetBars(!!req.insideIf);
  // Drop the previous report first: its tables are the largest thing the page holds.
  reportBody.replaceChildren();
  reportSec.hidden = true;
  setStatus("Analyzing…");
  worker ??= newWorker();
  worker.postMessage(req);
});

cancelBtn.addEventListener("click", () => {
  if (!running) return;
  worker?.terminate();
  worker = newWorker();
  setStatus("Cancelled.");
  document.body.dataset.state = "cancelled";
  finish();
});

worker = newWorker();
showPicked();
