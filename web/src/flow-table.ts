/**
 * The per-flow table of one capture: filter by text (address, port, protocol, flow id) and sort
 * by any column. Columns are extracted once into flat arrays (a capture may hold hundreds of
 * thousands of flows; only the first ROWS matching rows become DOM).
 */
import { unpackFlows } from "../../src/browser/index.js";
import type { FlowTableTransfer } from "./protocol.js";
import { h } from "./dom.js";

const ROWS = 500;

interface Column {
  header: string;
  numeric: boolean;
  text(i: number): string;
  /** Sort key (numbers for numeric columns). */
  key(i: number): number | string;
}

export function flowTableView(t: FlowTableTransfer): HTMLElement {
  const table = unpackFlows(t);
  const n = t.count;
  const proto: string[] = new Array(n);
  const from: string[] = new Array(n);
  const to: string[] = new Array(n);
  const pktAB = new Float64Array(n);
  const pktBA = new Float64Array(n);
  const bytes = new Float64Array(n);
  const first: string[] = new Array(n);
  const haystack: string[] = new Array(n);
  const ep = (e: { ip: string; port: number | null }) => (e.port === null ? e.ip : e.ip.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
  for (let i = 0; i < n; i++) {
    const f = table.get(i + 1);
    proto[i] = String(f.proto) + (f.vlan.length ? ` vlan ${f.vlan.join(".")}` : "") + (f.interface ? ` if ${f.interface}` : "");
    from[i] = ep(f.initiator);
    to[i] = ep(f.responder);
    pktAB[i] = f.packets.initiatorToResponder;
    pktBA[i] = f.packets.responderToInitiator;
    bytes[i] = f.ipBytes.initiatorToResponder + f.ipBytes.responderToInitiator;
    first[i] = f.first.time;
    haystack[i] = `#${i + 1} ${proto[i]} ${from[i]} ${to[i]}`.toLowerCase();
  }
  const cols: Column[] = [
    { header: "Flow", numeric: true, text: (i) => String(i + 1), key: (i) => i },
    { header: "Proto", numeric: false, text: (i) => proto[i], key: (i) => proto[i] },
    { header: "Initiator", numeric: false, text: (i) => from[i], key: (i) => from[i] },
    { header: "Responder", numeric: false, text: (i) => to[i], key: (i) => to[i] },
    { header: "Pkts →", numeric: true, text: (i) => String(pktAB[i]), key: (i) => pktAB[i] },
    { header: "Pkts ←", numeric: true, text: (i) => String(pktBA[i]), key: (i) => pktBA[i] },
    { header: "IP bytes", numeric: true, text: (i) => String(bytes[i]), key: (i) => bytes[i] },
    { header: "First packet (UTC)", numeric: false, text: (i) => first[i], key: (i) => first[i] },
  ];
  let sortCol = 0;
  let descending = false;
  let filter = "";
  const input = h("input", { type: "search", placeholder: "filter: address, port, protocol, #id", "aria-label": `filter ${t.side} flows` });
  const count = h("span", { class: "count", "aria-live": "polite" });
  const tbody = h("tbody");
  const ths = cols.map((c, k) => {
    const b = h("button", { type: "button", class: "sort" }, c.header);
    b.addEventListener("click", () => {
      if (sortCol === k) descending = !descending;
      else { sortCol = k; descending = c.numeric; }
      update();
    });
    return h("th", { scope: "col", class: c.numeric ? "num" : undefined }, b);
  });
  function update(): void {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (words.every((w) => haystack[i].includes(w))) idx.push(i);
    const col = cols[sortCol];
    idx.sort((a, b) => {
      const ka = col.key(a), kb = col.key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : a - b;
      return descending ? -c : c;
    });
    ths.forEach((th, k) => th.setAttribute("aria-sort", k === sortCol ? (descending ? "descending" : "ascending") : "none"));
    tbody.replaceChildren(...idx.slice(0, ROWS).map((i) => h("tr", {}, ...cols.map((c) => h("td", { class: c.numeric ? "num" : undefined }, c.text(i))))));
    count.textContent = idx.length > ROWS ? `${idx.length} of ${n} flows match; first ${ROWS} shown` : `${idx.length} of ${n} flows`;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { filter = input.value; update(); }, 120);
  });
  update();
  return h("div", { class: "flows", "data-side": t.side },
    h("div", { class: "flows-bar" }, input, count),
    h("div", { class: "table-wrap" }, h("table", { class: "flow-table" }, h("thead", {}, h("tr", {}, ...ths)), tbody)));
}
