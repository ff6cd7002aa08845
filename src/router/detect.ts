/**
 * Format detection and splitting of one file into command outputs ("parts").
 *
 * A file may hold several outputs: each prompt line (`user@host> show ...`, `root@gw:~# conntrack
 * -L`) starts a part and its command names the format. Without prompts, every line is classified
 * by the markers in the table `LINE_MARKERS` below (first match wins) and a new part starts where
 * the definite format changes; lines that fit any format (blank, `# comment`, `Interface: ...`,
 * `{master:0}`) stay with the part that follows them once a definite line is seen.
 *
 *   "user@host> show security alg status\nALG Status:\n  FTP : Enabled\n
 *    tcp 6 299 ESTABLISHED src=... dst=..."
 *     → [ { format: "srx-alg-status", start: 0, end: 3, command: "show security alg status", promptLine: 0 },
 *         { format: "conntrack",      start: 3, end: 4 } ]
 *
 * The prompt line may run straight into the output (`user@host>show ... Interface: ms-1/3/0, ...`,
 * the flattened doc form) and the command may wrap onto following lines (`conversations` alone on
 * the next line); `promptEnd` gives the line and column where the output proper begins.
 */
import type { RouterFormat } from "./types.js";
import { lineAt, type LineList } from "./lines.js";

/** A prompt: `user@host>`, `user@host# `, `root@gw:~$ `, `{master:0}[edit]` is not one. */
const PROMPT = /^\s*([A-Za-z0-9_.\-]+@[A-Za-z0-9_.\-]+(?::[^\s#$>]*)?)\s?([>#$%])\s?(.*)$/;

/** Commands → format. First match wins. */
const COMMAND_FORMATS: [RegExp, RouterFormat][] = [
  [/\bshow\s+services\s+(?:stateful-firewall|pgcp)\s+(?:conversations|flows)\b/, "junos-conversations"],
  [/\bshow\s+services\s+stateful-firewall\s+statistics\b/, "junos-statistics"],
  [/\bshow\s+log\b|\bsyslog\b|\/var\/log\//, "junos-syslog"],
  [/\bshow\s+security\s+flow\s+session\b/, "srx-flow-session"],
  [/\bshow\s+security\s+alg\s+status\b/, "srx-alg-status"],
  [/\bshow\s+security\s+alg\s+sip\s+calls\b/, "srx-sip-calls"],
  [/\bshow\s+security\s+alg\s+sip\s+transactions\b/, "srx-sip-transactions"],
  [/\bconntrack\b[^|]*(?:\s-E\b|--event\b)[^|]*\sexpect\b/, "conntrack-expect"],
  [/\bconntrack\b[^|]*\s-E\b|\bconntrack\b[^|]*--event/, "conntrack-events"],
  [/\bconntrack\b[^|]*\s-L\s+expect\b|nf_conntrack_expect\b|\bconntrack\b[^|]*--dump\s+expect\b/, "conntrack-expect"],
  [/\bconntrack\b|nf_conntrack\b/, "conntrack"],
];

/** A `conntrack -E expect` event: `[NEW] 300 proto=17 src=...` (an optional `[time]` before). */
const EXPECT_EVENT = /^\s*(?:\[\s*\d+\.\d+\s*\]\s*)?\[(?:NEW|UPDATE|DESTROY)\][ \t]+\d+[ \t]+proto=/;

/** Per-line markers → format. Order matters: syslog before conversations (ASP lines hold `->`). */
const LINE_MARKERS: [RegExp, RouterFormat][] = [
  [/\bASP_[A-Z0-9_]+:/, "junos-syslog"],
  [EXPECT_EVENT, "conntrack-expect"],
  [/^\s*(?:\[\s*\d+\.\d+\s*\]\s*)?\[(?:NEW|UPDATE|DESTROY)\]/, "conntrack-events"],
  [/\bmaster-src=|\bmask-src=|\bl3proto\s*=/, "conntrack-expect"],
  [/\bsrc=\S+\s+dst=\S+/, "conntrack"],
  [/^\s*Session ID:\s*\d|^\s*(?:In|Out):\s+\S+\s+-->\s|^\s*Total sessions:/, "srx-flow-session"],
  [/^\s*Total number of calls\s*:|^\s*Call ID\s*:/, "srx-sip-calls"],
  [/^\s*Total number of transactions\s*:|^\s*Transaction\s+Name\s+Method\s+CSeq\b|^\s*UA[CS]:tsx\S*\s+[A-Za-z]/, "srx-sip-transactions"],
  [/^\s*ALG Status:|^\s*[A-Z0-9][A-Z0-9_-]*\s*:\s*(?:Enabled|Disabled)\s*$/, "srx-alg-status"],
  [/\b(?:New flows|Existing flows|TCP errors|IP errors|ALG errors|UDP errors|ICMP errors):/, "junos-statistics"],
  [/Conversation:\s*ALG protocol:|Number of initiators:|\bFlow\s+Stat(?:e|s)\s+Dir\s+Frm\s+count\b|^\s*NAT\s+(?:source|dest)\s|\s->\s+\S+\s+[A-Za-z][\w-]*\s+[IO]\s+\d+|^\s*Gate id:/, "junos-conversations"],
];

/**
 * Cheap tests for "this line plainly continues an output of this format", tried before the full
 * classification (big tables: one anchored regex per line instead of all markers).
 */
const CONTINUES: Record<RouterFormat, RegExp> = {
  "junos-conversations": /^\s*(?:NAT (?:source|dest)\s|[A-Za-z0-9-]+\s+\S+\s+->\s+\S+\s+[A-Za-z][\w-]*\s+[IO]\s+\d+\s*$)/,
  "junos-statistics": /^\s*[A-Z][^=]*:\s+\d+(?:,|\s*$)/,
  "junos-syslog": /^(?=.*\bASP_[A-Z0-9_]+:)(?!.*\bsrc=)/,
  "srx-flow-session": /^\s*(?:Session ID:\s*\d|(?:In|Out):\s+\S+\s+-->\s)/,
  "srx-alg-status": /^\s*[A-Z0-9][A-Z0-9_-]*\s*:\s*(?:Enabled|Disabled)\s*$/,
  "srx-sip-calls": /^\s*(?:Call ID|Method|State|Group ID|UAS callid|Local Tag|Remote Tag)\s*:/i,
  "srx-sip-transactions": /^\s*(?:UA[CS]:\S+|\S*tsx\S*)\s+[A-Za-z][\w-]*\s+\d+\s+\S.*?\s+-?\d+\s+\S+\s*$/i,
  conntrack: /^(?:ipv[46] +\d+ +)?[a-z][a-z0-9]* +\d+ +(?:\d+ +)?(?:[A-Z_]+ +)?src=/,
  "conntrack-events": /^\s*(?:\[\s*\d+\.\d+\s*\]\s*)?\[(?:NEW|UPDATE|DESTROY)\](?![ \t]+\d+[ \t]+proto=)/,
  "conntrack-expect": /^\d+ +(?:proto=\d+ .*\bmaster-src=|l3proto = )|^\s*(?:\[\s*\d+\.\d+\s*\]\s*)?\[(?:NEW|UPDATE|DESTROY)\][ \t]+\d+[ \t]+proto=/,
};

/**
 * The conversation header lines (one set per conversation) continue a conversation list when
 * they hold nothing that a LINE_MARKERS entry before the conversation one could match anywhere in
 * a line (`ASP_`, `src=`, `master-src=`, `mask-src=`, `l3proto`, `... flows:`, `... errors:`):
 * classifyLine would then name junos-conversations, so it need not run.
 */
const CONVERSATION_HEADER = /^\s*(?:Conversation:\s*ALG protocol:|Number of initiators:|Flow\s+Stat(?:e|s)\s+Dir\s+Frm\s+count\b)/;
const UNANCHORED_MARKERS = /ASP_|src=|l3proto|flows:|errors:/;

function continues(format: RouterFormat, text: string): boolean {
  // (the header test first: it fails at once on a flow line, the flow pattern slowly on a header)
  if (format === "junos-conversations" && CONVERSATION_HEADER.test(text)) return !UNANCHORED_MARKERS.test(text) || CONTINUES[format].test(text);
  return CONTINUES[format].test(text);
}

/** Lines that belong to no format in particular. */
const NEUTRAL = /^\s*$|^\s*#|^\s*\{[\w:\-]+\}\s*$|^\s*-+\(more[^)]*\)-+\s*$|^\s*(?:node\d+|fpc\d+):\s*$|^\s*-{10,}\s*$|^\s*conntrack v[\d.]+ \([^)]*\): \d+ /;

export interface PromptInfo {
  /** Line index of the prompt. */
  line: number;
  /** Command text, wrapped continuation lines joined with one space. */
  command: string;
  /** Where the output starts: line index and column (the text from there on belongs to the output). */
  endLine: number;
  endColumn: number;
}

/** Where output text begins when a prompt line runs straight into it. */
const OUTPUT_START = /Interface(?: name)?:|ALG Status:|Session ID:|\bnode\d+:/;

/** A wrapped command continuation: lower-case command words only, no `:` (else it is output). */
const CONTINUATION = /^\s*([a-z0-9][a-z0-9_.\/\-]*(?:[ \t]+[a-z0-9_.\/|\-]+)*)[ \t]*/;

/**
 * Recognise a prompt at line `i`; null for lines that are not prompts.
 *
 *   ["user@host# show services stateful-firewall", "conversations", "Interface: sp-3/2/0, ..."]
 *   → { line: 0, command: "show services stateful-firewall conversations", endLine: 2, endColumn: 0 }
 *
 * Up to 3 continuation lines are taken while the next line is lower-case command words followed
 * by end of line or by output (`Interface:`), and holds no marker of any format.
 */
export function matchPrompt(lines: LineList, i: number, text = lineAt(lines, i)): PromptInfo | null {
  if (text.indexOf("@") < 0) return null;
  const m = PROMPT.exec(text);
  if (!m) return null;
  const cmdStart = text.length - m[3]!.length;
  let rest = m[3]!;
  const out = OUTPUT_START.exec(rest);
  if (out) {
    return { line: i, command: rest.slice(0, out.index).trim(), endLine: i, endColumn: cmdStart + out.index };
  }
  let command = rest.trim();
  let j = i + 1;
  // a command wrapped onto further lines: at most 3 continuation lines
  while (j < lines.length && j <= i + 3 && command.length > 0) {
    const next = lineAt(lines, j);
    const c = CONTINUATION.exec(next);
    if (!c) break;
    const after = next.slice(c[0].length);
    if (after.length > 0 && !OUTPUT_START.test(after.slice(0, 20))) break;
    // only commands we know wrap (Junos show …, shell conntrack/cat), and never a line of output
    if (!/(?:^|\s)(?:show|conntrack|cat|sudo)\b/.test(command)) break;
    if (lineHasMarker(next)) break;
    command += " " + c[1]!;
    if (after.length > 0) return { line: i, command, endLine: j, endColumn: c[0].length };
    j++;
  }
  return { line: i, command, endLine: j, endColumn: 0 };
}

function lineHasMarker(s: string): boolean {
  for (const [re] of LINE_MARKERS) if (re.test(s)) return true;
  return false;
}

/** The format a command names, or null. */
export function formatOfCommand(command: string): RouterFormat | null {
  for (const [re, f] of COMMAND_FORMATS) if (re.test(command)) return f;
  return null;
}

/** The format a single line's markers name, or null for neutral / unknown lines. */
export function classifyLine(s: string): RouterFormat | null {
  if (NEUTRAL.test(s)) return null;
  for (const [re, f] of LINE_MARKERS) if (re.test(s)) return f;
  return null;
}

export interface Part {
  /** Detected (or forced) format; null when nothing in the part named one. */
  format: RouterFormat | null;
  /** Line range [start, end) of the part, including its prompt. */
  start: number;
  end: number;
  /** The prompt, if the part began with one. */
  prompt?: PromptInfo;
}

/**
 * Split lines into parts. With `forced`, the whole file is one part of that format (prompt lines
 * are still recognised at its start so the command is kept).
 */
export function splitParts(lines: LineList, forced?: RouterFormat): Part[] {
  if (forced) {
    const p: Part = { format: forced, start: 0, end: lines.length };
    for (let i = 0; i < lines.length; i++) {
      if (/^\s*(#|$)/.test(lineAt(lines, i))) continue;
      const pr = matchPrompt(lines, i);
      if (pr) p.prompt = pr;
      break;
    }
    return [p];
  }
  const parts: Part[] = [];
  let cur: Part = { format: null, start: 0, end: 0 };
  /** First line after the last definite line of `cur`: where a format change would cut. */
  let cut = 0;
  const close = (at: number) => {
    cur.end = at;
    if (cur.end > cur.start) parts.push(cur);
  };
  for (let i = 0; i < lines.length; i++) {
    const text = lineAt(lines, i);
    const pr = text.indexOf("@") >= 0 ? matchPrompt(lines, i, text) : null;
    if (pr) {
      close(i);
      cur = { format: formatOfCommand(pr.command), start: i, end: i, prompt: pr };
      // the remainder of the prompt's last line (flattened output) classifies the part too
      if (cur.format === null && pr.endColumn > 0) cur.format = classifyLine(lineAt(lines, pr.endLine).slice(pr.endColumn));
      i = pr.endColumn > 0 ? pr.endLine : pr.endLine - 1;
      cut = i + 1;
      continue;
    }
    if (cur.format !== null && continues(cur.format, text)) {
      cut = i + 1;
      continue;
    }
    const f = classifyLine(text);
    if (f === null) continue;
    if (cur.format === null) {
      cur.format = f;
    } else if (f !== cur.format && !(cur.prompt && compatible(cur.format, f))) {
      close(cut);
      cur = { format: f, start: cut, end: cut };
    }
    cut = i + 1;
  }
  close(lines.length);
  // a trailing part made only of neutral lines (blank lines, comments) joins the previous one
  if (parts.length > 1 && parts[parts.length - 1]!.format === null && !parts[parts.length - 1]!.prompt) {
    const last = parts.pop()!;
    parts[parts.length - 1]!.end = last.end;
  }
  return parts;
}

/** Lines of `b` that may appear inside an output of format `a` whose prompt named it. */
function compatible(a: RouterFormat, b: RouterFormat): boolean {
  if (a === b) return true;
  // a conntrack listing may hold lines any conntrack parser handles
  return a.startsWith("conntrack") && b.startsWith("conntrack");
}

/**
 * splitParts followed line by line, for a file read in pieces (stream.ts): `line(text)` is false
 * once the lines seen are no longer one part without a prompt (a prompt line, or a line of
 * another format than the first definite one); `format` is then the part's format (null while
 * no line named one). With `forced`, as splitParts: every line belongs to the one part, and only a
 * prompt at its first line that is not blank or a comment is false.
 */
export class SinglePart {
  format: RouterFormat | null;
  private started = false;
  constructor(readonly forced?: RouterFormat) {
    this.format = forced ?? null;
  }

  line(text: string): boolean {
    if (this.forced) {
      if (this.started || /^\s*(#|$)/.test(text)) return true;
      this.started = true;
      return matchPrompt([text], 0, text) === null;
    }
    if (text.indexOf("@") >= 0 && matchPrompt([text], 0, text) !== null) return false;
    if (this.format !== null && continues(this.format, text)) return true;
    const f = classifyLine(text);
    if (f === null) return true;
    if (this.format === null) this.format = f;
    return f === this.format;
  }
}
