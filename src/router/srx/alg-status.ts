/**
 * SRX `show security alg status` (ROUTER-FORMATS.md §5.2).
 *
 *   "ALG Status:\n  FTP      : Disabled\n  RTSP     : Enabled"
 *   → algs: [{ name: "FTP", enabled: false, status: "Disabled" }, { name: "RTSP", enabled: true, status: "Enabled" }]
 *
 * Any status word is kept in `status`; `enabled` is true only for `Enabled`.
 */
import type { SrxAlgStatusDocument } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip } from "../lines.js";

const HEADER = /^[ \t]*ALG Status[ \t]*:[ \t]*$/;
const ENTRY = /^[ \t]*([A-Za-z0-9][\w./+-]*(?: [\w./+-]+)*?)[ \t]*:[ \t]*(\S.*?)[ \t]*$/;

export function parseSrxAlgStatus(ctx: ParseContext, seg: Segment, base: Omit<SrxAlgStatusDocument, "format" | "algs">): SrxAlgStatusDocument {
  const doc: SrxAlgStatusDocument = { ...base, format: "srx-alg-status", algs: [] };
  for (let i = seg.start; i < seg.end; i++) {
    const col = i === seg.start ? seg.col : 0;
    const text = col ? ctx.lines.get(i).slice(col) : ctx.lines.get(i);
    if (IGNORABLE.test(text) || HEADER.test(text)) continue;
    const m = ENTRY.exec(text);
    if (m) {
      doc.algs.push({ name: m[1]!, enabled: /^enabled$/i.test(m[2]!), status: m[2]!, location: { line: i + 1 } });
    } else {
      ctx.report("unknown_line", "error", i, col + (text.length - text.trimStart().length), `not an "ALG : Enabled|Disabled" line: "${clip(text)}"`);
    }
  }
  return doc;
}
