/** Tiny DOM helpers: every text goes through textContent (capture payloads are never parsed as HTML). */
import type { Markup } from "../../src/browser/index.js";
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "object" ? c : String(c));
  }
  return el;
}

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} missing`);
  return el as T;
};

/** A table: header cells and rows of cells; numeric columns right-aligned by class. */
export function table(headers: string[], rows: Child[][], opts: { numeric?: number[]; caption?: string } = {}): HTMLElement {
  const num = new Set(opts.numeric ?? []);
  return h("div", { class: "table-wrap" },
    h("table", {},
      opts.caption ? h("caption", {}, opts.caption) : null,
      h("thead", {}, h("tr", {}, ...headers.map((t, i) => h("th", { scope: "col", class: num.has(i) ? "num" : undefined }, t)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c, i) => h("td", { class: num.has(i) ? "num" : undefined }, c)))))));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Offers text as a file download (a blob: URL: nothing goes over the network). */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * The library's element tree (diagrams, grouped findings) as DOM nodes: elements created one by
 * one (SVG in its namespace), attributes set, texts as text nodes — nothing is parsed as HTML.
 */
export function toDom(m: Markup | string, svg = false): Node {
  if (typeof m === "string") return document.createTextNode(m);
  const inSvg = svg || m.tag === "svg";
  const el = inSvg ? document.createElementNS(SVG_NS, m.tag) : document.createElement(m.tag);
  for (const [k, v] of Object.entries(m.attrs)) {
    if (v === undefined || v === false || (inSvg && k === "xmlns")) continue;
    el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of m.children) el.append(toDom(c, inSvg));
  return el;
}
