/**
 * WCAG 2 AA contrast (4.5:1) of every visible text of a page, computed in the page: the text's
 * colour (SVG text: its fill) against the first opaque background up its ancestors (white when
 * none). Returns the texts below 4.5:1. Passed to `page.evaluate` (runs in the browser).
 */
export function lowContrastTexts(): string[] {
  const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]: number[]) => {
    const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = (el: Element | null): number[] => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out: string[] = [];
  for (const el of Array.from(document.querySelectorAll("body *"))) {
    if (!Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent!.trim())) continue;
    const svg = el instanceof SVGElement;
    if (svg ? (el as SVGGraphicsElement).getBoundingClientRect().width === 0 : (el as HTMLElement).offsetParent === null && getComputedStyle(el).position !== "fixed") continue;
    if (["title", "style", "script"].includes(el.tagName.toLowerCase())) continue;
    const a = lum(rgb(svg ? getComputedStyle(el).fill : getComputedStyle(el).color).slice(0, 3));
    const b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push(`${el.tagName.toLowerCase()}.${el.getAttribute("class") ?? ""}: ${ratio.toFixed(2)} "${el.textContent!.trim().slice(0, 30)}"`);
  }
  return out;
}
