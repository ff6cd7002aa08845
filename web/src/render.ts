/**
 * The report as DOM: verdict, the seed's questions answered, findings with evidence, the
 * predicted conversation table beside the router's output, NAT mappings, negotiations, SIP
 * dialogs, TFTP transfers, checks, timeline, diagnostics and a per-flow table per capture.
 * Rendering only: every value comes from the worker's message (the same report object the CLI
 * prints with --json).
 */
import {
  HTML_MAX_ROWS, NEGOTIATION_HEADERS, NEGOTIATION_NUMERIC, answersList, checksHeading, checksTable, findingGroups, htmlReport, ladder, negotiationRows, sidesSwappedNote,
  sipDialogs, unpairedFlows, tftpTransfers, timelineRows, topology, type Markup,
} from "../../src/browser/index.js";
import type { WorkerMessage } from "./protocol.js";
import { download, formatBytes, h, table, toDom, type Child } from "./dom.js";
import { flowTableView } from "./flow-table.js";

type Done = Extract<WorkerMessage, { type: "done" }>;

const ep = (e?: { ip?: string; port?: number | null }) => (e ? `${e.ip ?? ""}${e.port !== undefined && e.port !== null ? ":" + e.port : ""}` : "-");

function section(id: string, title: string, ...body: Child[]): HTMLElement {
  return h("section", { class: "part", id, "aria-labelledby": `${id}-h` }, h("h3", { id: `${id}-h` }, title), ...body);
}

/** Flow tables of up to this many flows are built at once; larger ones when first opened. */
const EAGER_FLOWS = 5000;

/**
 * The flow table in a disclosure: built when first opened (a 200 k-flow table takes the main
 * thread about half a second and tens of MB, which nobody should pay for a table they never look at).
 */
function lazyFlows(t: Done["flows"][number]): HTMLElement {
  const eager = t.count <= EAGER_FLOWS;
  const details = h("details", { class: "flows-details", open: eager }, h("summary", {}, `Per-flow table (${t.count} flows): filter and sort`));
  let built = false;
  const build = () => {
    if (built || !details.open) return;
    built = true;
    details.append(flowTableView(t));
  };
  details.addEventListener("toggle", build);
  build();
  return details;
}

/**
 * The checks in a disclosure under their counts, the table built when first opened (a thousand
 * rows cost the page a tenth of a second of CPU that the first screen does not need), at most
 * HTML_MAX_ROWS rows, the rest counted.
 */
function lazyChecks(r: Done["report"]): HTMLElement {
  const details = h("details", { class: "part checks-details", id: "checks" }, h("summary", {}, h("h3", { id: "checks-h" }, checksHeading(r))));
  let built = false;
  details.addEventListener("toggle", () => {
    if (built || !details.open) return;
    built = true;
    details.append(dom(checksTable(r, HTML_MAX_ROWS)));
  });
  return details;
}

/** Diagrams drawn on the page; later sessions are listed in the negotiations table only. */
export const PAGE_MAX_DIAGRAMS = 20;

function diagram(r: Done["report"], i: number): HTMLElement {
  const s = r.sessions[i];
  const d = ladder(r, i);
  return h("div", { class: "diagram", id: `session-${d.session}` },
    h("h3", {}, `${s.alg.toUpperCase()} session ${d.session}: ${s.control.client.ip}:${s.control.client.port} → ${s.control.server.ip}:${s.control.server.port}`),
    toDom(d.svg), d.folded ? h("p", { class: "inputs-line" }, `${d.folded} negotiation(s) folded; the negotiations table lists them all.`) : null);
}

const dom = (m: Markup) => toDom(m) as HTMLElement;

export function renderReport(m: Done): HTMLElement {
  const r = m.report;
  const errors = r.findings.filter((f) => f.severity === "error").length;
  const warnings = r.findings.filter((f) => f.severity === "warning").length;
  const out = h("div", { class: "report-inner" });
  const dl = (label: string, id: string, run: () => void) => {
    const b = h("button", { type: "button", id }, label);
    b.addEventListener("click", run);
    return b;
  };
  // Above the fold at 1280×800: the verdict with the downloads, the answers, the first diagram.
  out.append(h("div", { class: "report-top" },
    h("div", { class: `verdict ${r.verdict.replace(/[^a-z-]/g, "-")}`, id: "verdict", "data-verdict": r.verdict },
      h("strong", {}, r.verdict.toUpperCase()), ` — ${errors} error(s), ${warnings} warning(s)`),
    h("div", { class: "downloads" },
      dl("Download JSON report", "dl-json", () => download("alg-verify-report.json", JSON.stringify(r, null, r.nat.mappings.length > 1000 ? undefined : 2) + "\n", "application/json")),
      dl("Download HTML report", "dl-html", () => download("alg-verify-report.html", htmlReport(r, { routerText: m.routerText || undefined }), "text/html")),
      dl("Download predicted Junos table", "dl-junos", () => download("alg-verify-predicted.txt", m.junos, "text/plain")),
      dl("Download text report", "dl-text", () => download("alg-verify-report.txt", m.text, "text/plain")))));
  if (m.inputError) {
    out.append(h("div", { class: "input-error", id: "input-error", role: "alert" },
      h("strong", {}, "Damaged capture. "), h("code", {}, m.inputError), h("p", {}, "What was decoded before it is reported below (marked partial).")));
  }
  // The flow table folded under its count: the first screen keeps the verdict, answers and first diagram.
  out.append(section("answers", "Questions", dom(answersList(r, Number.MAX_SAFE_INTEGER, false))));
  const shown = Math.min(r.sessions.length, PAGE_MAX_DIAGRAMS);
  const diagrams = h("section", { class: "part", id: "diagrams", "aria-label": "Ladder diagram of each ALG session" });
  for (let i = 0; i < shown; i++) diagrams.append(diagram(r, i));
  if (r.sessions.length > shown) diagrams.append(h("p", {}, `${r.sessions.length - shown} more session(s) not drawn (limit ${PAGE_MAX_DIAGRAMS}); the negotiations table lists them.`));
  if (shown) out.append(diagrams);

  const inputs = [r.inputs.inside && `inside ${r.inputs.inside}`, r.inputs.outside && `outside ${r.inputs.outside}`, ...r.inputs.router.map((f) => `router ${f}`)].filter(Boolean).join(", ");
  out.append(h("p", { class: "inputs-line" }, `Inputs: ${inputs || "none"} · profile ${r.inputs.profile}`));
  const swapped = sidesSwappedNote(r);
  if (swapped) out.append(dom(swapped));
  const timing = h("p", { class: "timing", id: "timing" });
  for (const t of m.timing) {
    const mbps = t.ms > 0 ? t.bytes / 1e6 / (t.ms / 1000) : 0;
    timing.append(h("span", { "data-side": t.side, "data-bytes": String(t.bytes), "data-ms": t.ms.toFixed(1), "data-wasm-bytes": String(t.wasmBytes), "data-stalls": String(t.stalls), "data-reads": String(t.reads), "data-wait-ms": t.waitMs.toFixed(1) },
      `${t.side}: ${formatBytes(t.bytes)} in ${(t.ms / 1000).toFixed(3)} s${t.bytes >= 1e6 ? ` (${mbps.toFixed(0)} MB/s)` : ""}, wasm memory ${formatBytes(t.wasmBytes)}${t.stalls ? `; the browser's file reading stalled ${t.stalls} time(s), the rest read the slower way` : ""}. `));
  }
  out.append(timing);
  out.append(section("topology", "Topology", h("div", { class: "topo" }, toDom(topology(r)))));
  out.append(section("findings", `Findings (${r.findings.length})`, dom(findingGroups(r))));

  out.append(section("conversations", "Conversations: predicted and the router's",
    h("div", { class: "side-by-side" },
      h("figure", {}, h("figcaption", {}, "A correct ALG must hold (Junos layout)"),
        h("pre", { id: "predicted-junos", tabindex: "0" }, m.junos || "(no ALG conversation predicted)")),
      h("figure", {}, h("figcaption", {}, "The router says"),
        h("pre", { id: "router-text-out", tabindex: "0" }, m.routerText || "(no router output given)"))),
    r.router.labelled.length ? table(["Where", "Flow", "State", "Dir", "Frames", "What it is"], r.router.labelled.map((f) => [
      `${f.file}:${f.line}`, `${f.proto} ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port}`, f.state, f.dir, f.frames ?? "", f.role + (f.note ? ` — ${f.note}` : ""),
    ]), { numeric: [4] }) : null));

  if (r.nat.mappings.length) {
    const unpaired = unpairedFlows(r, HTML_MAX_ROWS);
    out.append(section("nat", `NAT mappings (${r.nat.mappings.length})`,
      h("p", {}, `NAT addresses: ${r.nat.natAddresses.join(", ") || "no translation seen"}; clock offset outside−inside ${r.nat.clockOffsetMs?.toFixed(3) ?? "-"} ms; ${r.nat.pairedFlows} flows paired, unpaired ${r.nat.unpairedFlows.inside} inside / ${r.nat.unpairedFlows.outside} outside`),
      table(["Proto", "Dir", "Inside", "Translated", "Remote", "Flows in/out"], r.nat.mappings.map((x) => [
        x.proto, x.direction, ep(x.inside), ep(x.translated), ep(x.remote), `${x.insideFlow ?? "-"}/${x.outsideFlow ?? "-"}`,
      ])),
      unpaired ? dom(unpaired) : null));
  }

  // Every negotiation (the HTML report stops at its row limit; the page lists them all).
  const negs = negotiationRows(r, Number.MAX_SAFE_INTEGER);
  if (negs.rows.length) out.append(section("negotiations", "Negotiations", table(NEGOTIATION_HEADERS, negs.rows, { numeric: NEGOTIATION_NUMERIC })));
  const sip = sipDialogs(r, Number.MAX_SAFE_INTEGER);
  if (sip) out.append(dom(sip));
  // TFTP transfers and checks: one row each up to the HTML report's row limit, the rest counted (the JSON has them all;
  // a capture of 100 k sessions has two TFTP rows and several checks per session).
  const tftp = tftpTransfers(r, HTML_MAX_ROWS);
  if (tftp) out.append(dom(tftp));
  if (r.checks.length) out.append(lazyChecks(r));

  if (r.timeline.length) {
    out.append(section("timeline", "Timeline (times from the first entry; UTC on hover)", table(["Time", "What", "Where"], timelineRows(r).map((row) => row.map((c) => (c && typeof c === "object" ? toDom(c) : c) as Child)), { numeric: [0] })));
  }

  if (r.diagnostics.length) {
    out.append(section("diagnostics", "Diagnostics", h("ul", { class: "diagnostics" }, ...r.diagnostics.map((d) => h("li", { class: d.severity },
      `${d.severity}[${d.code}] ${d.file}${d.line !== undefined ? `:${d.line}` : ""}${d.offset !== undefined ? ` @ byte ${d.offset}` : ""}${d.packet !== undefined ? ` (packet ${d.packet})` : ""}: ${d.message}`)))));
  }

  for (const t of m.flows) {
    const cap = r.captures[t.side];
    out.append(section(`flows-${t.side}`, `Flows of the ${t.side} capture${cap ? ` (${cap.file}: ${cap.packets} packets, ${cap.flows} flows${cap.partial ? ", PARTIAL" : ""})` : ""}`, lazyFlows(t)));
  }
  return out;
}
