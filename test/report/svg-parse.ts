/**
 * A small DOM-less reader of the SVG/HTML the report writes (well-formed: every attribute
 * double-quoted, text escaped): a tree of elements with attributes and text, and queries by
 * attribute. Enough to check the diagrams from their text, independently of the writer's tree.
 */
export interface Node {
  tag: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

const unesc = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
const VOID = new Set(["meta", "link", "br", "hr", "img", "input", "col", "wbr"]);

export function parse(src: string): Node {
  const root: Node = { tag: "#root", attrs: {}, children: [], text: "" };
  const stack: Node[] = [root];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*(\/?)>|([^<]+)|<!doctype[^>]*>/g;
  for (let m; (m = re.exec(src));) {
    if (m[5] !== undefined) {
      const t = unesc(m[5]);
      for (const n of stack) n.text += t;
      continue;
    }
    if (!m[2]) continue;
    if (m[1]) {
      const top = stack.pop()!;
      if (top.tag !== m[2]) throw new Error(`</${m[2]}> closes <${top.tag}> at ${m.index}`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3].matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) attrs[a[1]] = unesc(a[2] ?? "");
    const n: Node = { tag: m[2], attrs, children: [], text: "" };
    stack[stack.length - 1].children.push(n);
    if (!m[4] && !VOID.has(m[2])) stack.push(n);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].tag}>`);
  return root;
}

/** Every descendant (document order) for which `pred` holds. */
export function all(n: Node, pred: (x: Node) => boolean): Node[] {
  const out: Node[] = [];
  const stack = [...n.children].reverse();
  while (stack.length) {
    const x = stack.pop()!;
    if (pred(x)) out.push(x);
    for (let i = x.children.length - 1; i >= 0; i--) stack.push(x.children[i]);
  }
  return out;
}

export const byAttr = (n: Node, k: string, v?: string) => all(n, (x) => k in x.attrs && (v === undefined || x.attrs[k] === v));
