/**
 * Junos `show services stateful-firewall statistics [extensive]` (ROUTER-FORMATS.md §2).
 *
 * The output is a tree `Interface → section → label: number`, laid out one section header per
 * line with `Label: N, Label: N` lines under it, or flattened onto one line. Both are read the same
 * way: each line is cut at every `: <digits>` (followed by `,`, whitespace or end); the text before
 * a cut is `[Section: ]*Label` — the part before the last `: ` names a new section. Text left at
 * the end of a line (`  New flows:`) is carried into the next line. Labels may hold spaces,
 * parentheses and digits (`Illegal IP protocol number (0 or 255): 0`).
 *
 * Every `Interface:` block becomes its own document.
 *
 *   "Interface: ms-3/2/0 Service set: svc_set New flows: Accepts: 1347, Discards: 0 Errors: IP: 0"
 *   → { interface: "ms-3/2/0", serviceSet: "svc_set",
 *       statistics: { "New flows": { Accepts: 1347, Discards: 0 }, Errors: { IP: 0 } } }
 *
 * Labels before the first section go under `general`. A repeated label in one section keeps the
 * last value (warning `duplicate_label`).
 */
import type { JunosStatisticsDocument } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip } from "../lines.js";

const IFACE = /Interface:[ \t]*([^\s,]+),?(?:[ \t]+Service[ \t]+se[tr]:[ \t]*([^\s,]+),?)?/g;
const SERVICE_SET = /^[ \t]*Service[ \t]+se[tr]:[ \t]*([^\s,]+)[ \t]*$/;
const VALUE = /:[ \t]+(\d+)(?=,|\s|$),?/g;
const SECTION_SPLIT = /:\s+/;

export function parseJunosStatistics(ctx: ParseContext, seg: Segment, base: Omit<JunosStatisticsDocument, "format" | "interface" | "serviceSet" | "statistics">): JunosStatisticsDocument[] {
  const docs: JunosStatisticsDocument[] = [];
  let doc: JunosStatisticsDocument | null = null;
  let section = "general";
  /** Text carried from the end of earlier lines, with where it started. */
  let carry = "";
  let carryAt: { i: number; col: number } | null = null;
  const lines = ctx.lines;

  const current = (i: number): JunosStatisticsDocument => {
    if (!doc) {
      doc = { ...base, location: docs.length === 0 ? base.location : { line: i + 1 }, format: "junos-statistics", interface: null, serviceSet: null, statistics: {} };
      docs.push(doc);
    }
    return doc;
  };

  const flushCarry = () => {
    const hdr = /^([^:]+):$/.exec(carry.trim());
    if (hdr && carryAt) current(carryAt.i).statistics[hdr[1]!.trim()] ??= {};
    else if (carry.trim() && carryAt) ctx.report("unknown_text", "error", carryAt.i, carryAt.col, `not a "label: number" pair: "${clip(carry)}"`);
    carry = "";
    carryAt = null;
  };

  /** Read `text` (part of line i from column `col`) as label/value pairs. */
  const readPairs = (i: number, text: string, col: number) => {
    VALUE.lastIndex = 0;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = VALUE.exec(text))) {
      let name = text.slice(last, m.index);
      const nameCol = col + last + (name.length - name.trimStart().length);
      if (carry) name = carry + " " + name;
      carry = "";
      const at = carryAt ?? { i, col: nameCol };
      carryAt = null;
      last = VALUE.lastIndex;
      const pieces = name.trim().replace(/^,\s*/, "").split(SECTION_SPLIT);
      const label = pieces.pop()!.trim();
      if (pieces.length > 0) section = pieces[pieces.length - 1]!.trim().replace(/:$/, "");
      if (!label || label.endsWith(":")) {
        ctx.report("unknown_text", "error", at.i, at.col, `value without a label: "${clip(name)}"`);
        continue;
      }
      const d = current(i);
      const sec = (d.statistics[section] ??= {});
      if (Object.prototype.hasOwnProperty.call(sec, label)) {
        ctx.report("duplicate_label", "warning", i, nameCol, `"${section}: ${label}" repeated; keeping the last value`);
      }
      sec[label] = Number(m[1]);
    }
    const rest = text.slice(last);
    if (rest.trim()) {
      if (!carry) carryAt = { i, col: col + last + (rest.length - rest.trimStart().length) };
      carry = carry ? carry + " " + rest.trim() : rest.trim();
    }
  };

  for (let i = seg.start; i < seg.end; i++) {
    const full = lines.get(i);
    const col0 = i === seg.start ? seg.col : 0;
    if (col0 === 0 && IGNORABLE.test(full)) continue;
    const text = col0 ? full.slice(col0) : full;
    const ss = SERVICE_SET.exec(text);
    if (ss && doc && (doc as JunosStatisticsDocument).serviceSet === null) {
      (doc as JunosStatisticsDocument).serviceSet = ss[1]!;
      continue;
    }
    IFACE.lastIndex = 0;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = IFACE.exec(text))) {
      if (m.index > last) readPairs(i, text.slice(last, m.index), col0 + last);
      flushCarry();
      doc = null;
      const d = current(i);
      d.interface = m[1]!;
      d.serviceSet = m[2] ?? null;
      section = "general";
      last = IFACE.lastIndex;
    }
    readPairs(i, text.slice(last), col0 + last);
  }
  flushCarry();
  return docs;
}
