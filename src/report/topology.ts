/**
 * Topology strip of a verify run, drawn from the report alone: the clients and servers of the ALG
 * sessions, the NAT address(es) found, which capture was taken where (inside: between the clients
 * and the router; outside: between the router and the servers), the router output given — and
 * captures the report found swapped, unrelated or copies of one (findings `nat.sides-swapped`,
 * `nat.captures-unrelated`, `nat.captures-identical`) drawn as such. Platform neutral; an SVG with stable attributes:
 * `svg[data-topology]`, `[data-node="client"|"router"|"server"]`,
 * `[data-capture="inside"|"outside"][data-state="given"|"absent"|"swapped"|"unrelated"|"identical"]`.
 */
import type { VerifyReportLike } from "../verify/report-types.js";
import { el, type Markup } from "./markup.js";
import { COLOURS } from "./ladder.js";

type Report = VerifyReportLike;

const W = 1200;
const H = 132;
const SANS = "system-ui, 'DejaVu Sans', sans-serif";
/** Addresses listed per box before "+N more". */
export const TOPOLOGY_LISTED = 3;

const txt = (x: number, y: number, s: string, a: Record<string, string | number | undefined> = {}) =>
  el("text", { x, y, fill: COLOURS.fg, "font-family": SANS, "font-size": 12, "text-anchor": "middle", ...a }, s);

function listed(xs: string[]): string[] {
  const u = [...new Set(xs)];
  return u.length > TOPOLOGY_LISTED ? [...u.slice(0, TOPOLOGY_LISTED - 1), `+${u.length - TOPOLOGY_LISTED + 1} more`] : u;
}

function box(kind: string, x: number, w: number, title: string, lines: string[], colour: string): Markup {
  return el("g", { "data-node": kind },
    el("rect", { x, y: 22, width: w, height: 76, rx: 8, fill: "#ffffff", stroke: colour, "stroke-width": 2 }),
    txt(x + w / 2, 40, title, { "font-weight": 700 }),
    ...lines.slice(0, TOPOLOGY_LISTED + 1).map((l, i) => txt(x + w / 2, 57 + i * 14, l, { "font-size": 11, fill: COLOURS.muted })));
}

/** What the report says about a capture: given, absent, or given but swapped/unrelated/a copy of the other. */
function captureState(r: Report, side: "inside" | "outside"): "given" | "absent" | "swapped" | "unrelated" | "identical" {
  if (!r.inputs[side]) return "absent";
  if (r.findings.some((f) => f.code === "nat.sides-swapped")) return "swapped";
  if (r.findings.some((f) => f.code === "nat.captures-unrelated")) return "unrelated";
  if (r.findings.some((f) => f.code === "nat.captures-identical")) return "identical";
  return "given";
}

export function topology(r: Report): Markup {
  const clients = listed(r.sessions.map((s) => s.control.client.ip));
  const servers = listed(r.sessions.map((s) => s.control.server.ip));
  const nat = listed(r.nat.natAddresses.length ? r.nat.natAddresses : r.sessions.flatMap((s) => (s.control.clientTranslated ? [s.control.clientTranslated.ip] : [])));
  const routerFiles = listed(r.inputs.router.map((f) => f.split(/[\\/]/).pop()!));
  const kids: Markup[] = [el("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" })];
  const bw = 250;
  const xs = { client: 10, router: (W - bw) / 2, server: W - bw - 10 };
  kids.push(box("client", xs.client, bw, "client(s) — inside", clients.length ? clients : ["(no ALG session)"], COLOURS.line));
  kids.push(box("router", xs.router, bw, "NAT router", [
    nat.length ? `NAT ${nat.join(", ")}` : "no translation seen",
    routerFiles.length ? `output: ${routerFiles.join(", ")}` : "no router output given",
  ], COLOURS.fg));
  kids.push(box("server", xs.server, bw, "server(s) — outside", servers.length ? servers : ["(no ALG session)"], COLOURS.line));
  for (const side of ["inside", "outside"] as const) {
    const state = captureState(r, side);
    const a = side === "inside" ? xs.client + bw : xs.router + bw;
    const b = side === "inside" ? xs.router : xs.server;
    const bad = state === "swapped" || state === "unrelated" || state === "identical";
    const colour = bad ? COLOURS.fail : state === "absent" ? COLOURS.line : COLOURS.accent;
    const file = r.inputs[side]?.split(/[\\/]/).pop() ?? "";
    const cap = r.captures[side];
    const what = state === "absent" ? `no ${side} capture` : state === "swapped" ? `${file}: looks like the ${side === "inside" ? "outside" : "inside"} side (swapped?)`
      : state === "unrelated" ? `${file}: unrelated to the other capture` : state === "identical" ? `${file}: a copy of the other capture` : `${side}: ${file}`;
    kids.push(el("g", { "data-capture": side, "data-state": state },
      el("line", { x1: a, y1: 60, x2: b, y2: 60, stroke: colour, "stroke-width": 3, "stroke-dasharray": state === "absent" ? "6 5" : undefined }),
      el("circle", { cx: (a + b) / 2, cy: 60, r: 6, fill: state === "absent" ? "#ffffff" : colour, stroke: colour, "stroke-width": 2 }),
      txt((a + b) / 2, 50, clip(what, 34), { fill: bad ? COLOURS.fail : COLOURS.fg, "font-weight": bad ? 700 : 400 }),
      cap ? txt((a + b) / 2, 80, `${cap.packets} packets, ${cap.flows} flows${cap.partial ? ", PARTIAL" : ""}`, { "font-size": 11, fill: COLOURS.muted }) : null));
  }
  const note = r.findings.find((f) => f.code === "nat.sides-swapped" || f.code === "nat.captures-unrelated" || f.code === "nat.captures-identical");
  if (note) kids.push(txt(W / 2, 120, clip(`${note.code}: ${note.message}`, 150), { fill: COLOURS.fail, "font-weight": 700, "data-topology-finding": note.code }));
  else if (r.nat.clockOffsetMs !== undefined) kids.push(txt(W / 2, 120, `clock offset outside−inside ${r.nat.clockOffsetMs.toFixed(3)} ms; ${r.nat.pairedFlows} flow(s) paired across the NAT`, { fill: COLOURS.muted, "font-size": 11 }));
  return el("svg", {
    xmlns: "http://www.w3.org/2000/svg", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "topology",
    "aria-label": "Topology: clients, the NAT router and servers, and where each capture was taken", "data-topology": "",
  }, el("title", {}, "Where the captures were taken"), ...kids);
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
