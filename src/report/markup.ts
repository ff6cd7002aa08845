/**
 * A tiny element tree for the drawn parts of the report (ladder diagrams, topology strip, the HTML
 * report): built once by the library, serialised to text here (`writeMarkup`, every text and
 * attribute escaped) or turned into DOM nodes by the page (web/src/dom.ts `toDom`, no HTML parsing),
 * so the page, `verify --html` and the tests share one drawing. Platform neutral.
 */

export type Attr = string | number | boolean | undefined;

export interface Markup {
  tag: string;
  attrs: Record<string, Attr>;
  children: (Markup | string)[];
}

export type MarkupChild = Markup | string | number | null | undefined | false;

/** An element; null/undefined/false children are dropped, numbers become text. */
export function el(tag: string, attrs: Record<string, Attr> = {}, ...children: MarkupChild[]): Markup {
  const out: (Markup | string)[] = [];
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    out.push(typeof c === "number" ? String(c) : c);
  }
  return { tag, attrs, children: out };
}

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for element content and double-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

/** HTML void elements (no closing tag). */
const VOID = new Set(["meta", "link", "br", "hr", "img", "input", "col", "wbr"]);

/**
 * Writes a tree as text (HTML, with SVG inline). Iterative (a stack, no recursion): trees are
 * shallow, but a long table is wide and nothing here should depend on that.
 */
export function writeMarkup(root: Markup | string, write: (s: string) => void): void {
  const stack: (Markup | string | { close: string })[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (typeof n === "string") {
      write(esc(n));
      continue;
    }
    if ("close" in n) {
      write(n.close);
      continue;
    }
    let open = `<${n.tag}`;
    for (const [k, v] of Object.entries(n.attrs)) {
      if (v === undefined || v === false) continue;
      open += v === true ? ` ${k}` : ` ${k}="${esc(String(v))}"`;
    }
    const selfClose = n.children.length === 0 && !VOID.has(n.tag) && isSvgLeaf(n.tag);
    write(selfClose ? open + "/>" : open + ">");
    if (VOID.has(n.tag) || selfClose) continue;
    stack.push({ close: `</${n.tag}>` });
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
}

/** SVG shapes written as `<line/>` (in HTML they may not be left open). */
const SVG_LEAVES = new Set(["line", "rect", "circle", "path", "polyline", "polygon", "ellipse"]);
const isSvgLeaf = (tag: string) => SVG_LEAVES.has(tag);

/** The tree as one string. */
export function markupText(root: Markup | string): string {
  let s = "";
  writeMarkup(root, (x) => { s += x; });
  return s;
}
