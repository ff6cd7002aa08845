/**
 * SRX SIP ALG tables (ROUTER-FORMATS.md §8, ALG-BEHAVIOUR.md §8.9): `show security alg sip calls
 * [brief | detail]` and `show security alg sip transactions`.
 *
 * Calls: a `Total number of calls: N` line, then per call a `Call ID : <id>` line followed by
 * `Key : value` lines (brief: `Method`; detail adds `State`, `Group ID`; the field table also names
 * `UAS callid`, `Local Tag`, `Remote Tag`). Indentation varies (the documentation's copies mix
 * spaces and tabs), so lines are read by key, not by column.
 *
 *   "Total number of calls: 1\n       Call ID    : 47090a32@30.2.20.5\nMethod   : INVITE\n  State    : SETUP\n  Group ID : 24575"
 *   → { total: 1, calls: [{ callId: "47090a32@30.2.20.5", method: "INVITE", state: "SETUP", groupId: 24575,
 *        attributes: { "Call ID": "47090a32@30.2.20.5", Method: "INVITE", State: "SETUP", "Group ID": "24575" }, location: { line: 2 } }] }
 *
 * Fewer calls listed than the total says: a `calls_missing` warning (the output was cut).
 *
 * Transactions: `Total number of transactions: N`, a header `Transaction Name Method CSeq State
 * Timeout VIA RSC ID`, then one row per transaction; the state may be several words, so the row
 * is read from both ends.
 *
 *   "UAC:tsx0x4b06f610         BYE    101        Calling            27      8185"
 *   → { name: "UAC:tsx0x4b06f610", role: "UAC", method: "BYE", cseq: 101, state: "Calling", timeout: 27, viaRscId: "8185" }
 */
import type { SrxSipCall, SrxSipCallsDocument, SrxSipTransaction, SrxSipTransactionsDocument } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip, firstNonBlank } from "../lines.js";

const CALLS_TOTAL = /^[ \t]*Total number of calls[ \t]*:[ \t]*(\d+)[ \t]*$/;
const KEY_VALUE = /^[ \t]*([A-Za-z][A-Za-z0-9 -]*?)[ \t]*:[ \t]*(\S.*?)[ \t]*$/;
const CALL_ID = /^call[ -]?id$/i;

export function parseSrxSipCalls(ctx: ParseContext, seg: Segment, base: Omit<SrxSipCallsDocument, "format" | "calls">): SrxSipCallsDocument {
  const doc: SrxSipCallsDocument = { ...base, format: "srx-sip-calls", calls: [] };
  let call: SrxSipCall | null = null;
  let totalLine = -1;
  for (let i = seg.start; i < seg.end; i++) {
    const col = i === seg.start ? seg.col : 0;
    const text = col ? ctx.lines.get(i).slice(col) : ctx.lines.get(i);
    if (IGNORABLE.test(text)) continue;
    let m: RegExpExecArray | null;
    if ((m = CALLS_TOTAL.exec(text))) {
      doc.total = Number(m[1]);
      totalLine = i;
      call = null;
    } else if ((m = KEY_VALUE.exec(text))) {
      const key = m[1]!;
      const value = m[2]!;
      if (CALL_ID.test(key)) {
        call = { callId: value, attributes: {}, location: { line: i + 1 } };
        doc.calls.push(call);
      } else if (!call) {
        ctx.report("orphan_field", "error", i, col + firstNonBlank(text), `"${clip(key)}" line without a "Call ID" line before it`);
        continue;
      }
      setCallField(call, key, value);
    } else {
      ctx.report("unknown_line", "error", i, col + firstNonBlank(text), `not part of a SIP call list: "${clip(text)}"`);
    }
  }
  if (doc.total !== undefined && doc.calls.length < doc.total) {
    ctx.report("calls_missing", "warning", totalLine, 0, `"Total number of calls: ${doc.total}", but ${doc.calls.length} call(s) listed: the output is cut`);
  }
  return doc;
}

/** Known fields get their own property; every field is kept in `attributes` as printed. */
function setCallField(call: SrxSipCall, key: string, value: string): void {
  call.attributes[key] = value;
  switch (key.toLowerCase().replace(/\s+/g, " ")) {
    case "method": call.method = value; break;
    case "state": call.state = value; break;
    case "group id": if (/^\d+$/.test(value)) call.groupId = Number(value); break;
    case "uas callid": case "uas call id": call.uasCallId = value; break;
    case "local tag": call.localTag = value; break;
    case "remote tag": call.remoteTag = value; break;
  }
}

const TRANSACTIONS_TOTAL = /^[ \t]*Total number of transactions[ \t]*:[ \t]*(\d+)[ \t]*$/;
const TRANSACTIONS_HEADER = /^[ \t]*Transaction[ \t]+Name[ \t]+Method[ \t]+CSeq[ \t]+State[ \t]+Timeout[ \t]+VIA[ \t]+RSC[ \t]+ID[ \t]*$/i;
/** name method cseq state... timeout via-rsc-id */
const TRANSACTION = /^[ \t]*(\S+)[ \t]+([A-Za-z][\w-]*)[ \t]+(\d{1,10})[ \t]+(\S.*?)[ \t]+(-1|\d{1,10})[ \t]+(\S+)[ \t]*$/;

export function parseSrxSipTransactions(ctx: ParseContext, seg: Segment, base: Omit<SrxSipTransactionsDocument, "format" | "transactions">): SrxSipTransactionsDocument {
  const doc: SrxSipTransactionsDocument = { ...base, format: "srx-sip-transactions", transactions: [] };
  for (let i = seg.start; i < seg.end; i++) {
    const col = i === seg.start ? seg.col : 0;
    const text = col ? ctx.lines.get(i).slice(col) : ctx.lines.get(i);
    if (IGNORABLE.test(text) || TRANSACTIONS_HEADER.test(text)) continue;
    let m: RegExpExecArray | null;
    if ((m = TRANSACTIONS_TOTAL.exec(text))) {
      doc.total = Number(m[1]);
    } else if ((m = TRANSACTION.exec(text))) {
      const name = m[1]!;
      const role = /^(UA[CS]):/i.exec(name)?.[1]?.toUpperCase();
      const t: SrxSipTransaction = {
        name, method: m[2]!, cseq: Number(m[3]), state: m[4]!, timeout: Number(m[5]),
        viaRscId: m[6] === "-" ? null : m[6]!, location: { line: i + 1 },
      };
      if (role === "UAC" || role === "UAS") t.role = role;
      doc.transactions.push(t);
    } else {
      ctx.report("unknown_line", "error", i, col + firstNonBlank(text), `not a SIP transaction row (name method cseq state timeout via-rsc-id): "${clip(text)}"`);
    }
  }
  return doc;
}
