/**
 * Per-format documents → the one normalised model the verify step compares (types.ts
 * `RouterFlow`, `RouterCounter`, `RouterEvent`, `RouterExpectation`).
 *
 * NAT, per format:
 *  - Junos conversations: the `NAT source` / `NAT dest` lines, as printed.
 *  - SRX sessions and conntrack entries: derived from the reply wing (`Out:` / second tuple),
 *    which is the mirror of the original unless NAT rewrote it:
 *      reply.dst ≠ orig.src  → { kind: "source", from: orig.src, to: reply.dst }   (SNAT)
 *      reply.src ≠ orig.dst  → { kind: "dest",   from: orig.dst, to: reply.src }   (DNAT)
 *    e.g. conntrack `src=10.99.1.2 dst=10.99.2.2 sport=55900 dport=21 … src=10.99.2.2 dst=10.99.2.1
 *    sport=21 dport=55900` → nat: [{ kind: "source", from: 10.99.1.2:55900, to: 10.99.2.1:55900 }].
 *  - Junos syslog: the `; source address and port translate to` suffix → a `source` translation.
 */
import type {
  ConntrackDocument, ConntrackEntry, ConntrackEventsDocument, JunosConversationsDocument, NatTranslation, RouterCounter, RouterDocument, RouterEndpoint, RouterEvent,
  RouterEventKind, RouterExpectation, RouterFlow, RouterFormat,
} from "./types.js";
import { normaliseProto, sameEndpoint } from "./ip.js";
import { SYSLOG_TAG_KINDS } from "./junos/syslog.js";
import { expectClassName, expectClassNumber } from "./conntrack/classes.js";
import { ListParts, itemsJson, listItems, listLength, pendingList, recordRows, type RecordSource } from "./lazy.js";
import { scanRows } from "./text-rows.js";
import type { ConntrackSource } from "./conntrack/entries.js";

/** Where normaliseDocument puts records: flows and events may hold lazy parts (conntrack, lazy.ts). */
export interface NormalisedRecords {
  flows: ListParts<RouterFlow>;
  counters: RouterCounter[];
  events: ListParts<RouterEvent>;
  expectations: RouterExpectation[];
}

/** NAT seen as the reply wing differing from the mirrored original wing. */
export function natFromReply(orig: { src: RouterEndpoint; dst: RouterEndpoint }, reply: { src: RouterEndpoint; dst: RouterEndpoint }): NatTranslation[] {
  const snat = !sameEndpoint(reply.dst, orig.src);
  const dnat = !sameEndpoint(reply.src, orig.dst);
  // exact-size array literals: one of these is kept per entry of a million-line dump
  if (!snat && !dnat) return [];
  const s: NatTranslation | null = snat ? { kind: "source", from: orig.src, to: reply.dst } : null;
  const d: NatTranslation | null = dnat ? { kind: "dest", from: orig.dst, to: reply.src } : null;
  return s && d ? [s, d] : [(s ?? d)!];
}

const CONNTRACK_EVENT_KINDS: Record<string, RouterEventKind> = { NEW: "create", UPDATE: "update", DESTROY: "delete" };

function syslogKind(tag: string): RouterEventKind {
  for (const [re, k] of SYSLOG_TAG_KINDS) if (re.test(tag)) return k;
  return "other";
}

function conntrackFlow(e: ConntrackEntry, document: number, format: RouterFormat, file: string): RouterFlow {
  const op = e.orig.packets, rp = e.reply?.packets, ob = e.orig.bytes, rb = e.reply?.bytes;
  // one literal with every field (absent ones undefined): a fixed shape for millions of entries
  return {
    document, format, proto: normaliseProto(e.protoNumber), src: e.orig.src, dst: e.orig.dst, state: e.state,
    packets: op !== undefined || rp !== undefined ? { orig: op, reply: rp } : undefined,
    bytes: ob !== undefined || rb !== undefined ? { orig: ob, reply: rb } : undefined,
    nat: e.reply ? natFromReply(e.orig, e.reply) : [], alg: e.helper,
    id: e.id !== undefined ? String(e.id) : undefined, timeout: e.timeout,
    flags: e.flags.length ? e.flags : undefined, zone: e.zone ?? e.orig.zone, location: { file, line: e.location.line },
  };
}

/** The flows of a conntrack document's entries, made as they are read (the entries may be a lazy list). */
function conntrackFlows(doc: ConntrackDocument, document: number): RecordSource<RouterFlow> {
  (pendingList<ConntrackEntry>(doc, "entries") as ConntrackSource | undefined)?.expect?.("flows", doc.format, doc.file);
  return {
    get length() {
      return listLength(doc, "entries");
    },
    // an array of flows shares its entries' objects, as when both were made at once
    prepare: () => void doc.entries,
    *each() {
      for (const e of listItems<ConntrackEntry>(doc, "entries")) yield conntrackFlow(e, document, doc.format, doc.file);
    },
    // straight from a scan of the entries' lines while doc.entries is still a lazy list
    json(out, depth, docOffset, written) {
      const src = pendingList<ConntrackEntry>(doc, "entries") as ConntrackSource | undefined;
      if (src?.records) return src.records("flows", document, doc.format, doc.file)(out, depth, docOffset, written);
      return itemsJson(this.each(), out, depth, docOffset, written);
    },
    // the text report's rows straight from a scan of the entries' lines (text-rows.ts)
    rows(rowOf, docOffset) {
      const src = pendingList<ConntrackEntry>(doc, "entries") as ConntrackSource | undefined;
      if (src?.scan) return scanRows(src.scan, "flows", document + docOffset);
      return recordRows(this.each(), rowOf, docOffset);
    },
  };
}

function conntrackEvent(e: ConntrackEntry, document: number, format: RouterFormat, file: string): RouterEvent {
  const ev: RouterEvent = {
    document, format, kind: CONNTRACK_EVENT_KINDS[e.event ?? ""] ?? "other", tag: e.event ?? "",
    proto: normaliseProto(e.protoNumber), src: e.orig.src, dst: e.orig.dst,
    nat: e.reply ? natFromReply(e.orig, e.reply) : [], location: { file, line: e.location.line },
  };
  if (e.time !== undefined) ev.time = e.time;
  if (e.helper !== undefined) ev.alg = e.helper;
  return ev;
}

/** The events of a `conntrack -E` document, made as they are read. */
function conntrackEvents(doc: ConntrackEventsDocument, document: number): RecordSource<RouterEvent> {
  (pendingList<ConntrackEntry>(doc, "events") as ConntrackSource | undefined)?.expect?.("events", doc.format, doc.file);
  return {
    get length() {
      return listLength(doc, "events");
    },
    prepare: () => void doc.events,
    *each() {
      for (const e of listItems<ConntrackEntry>(doc, "events")) yield conntrackEvent(e, document, doc.format, doc.file);
    },
    json(out, depth, docOffset, written) {
      const src = pendingList<ConntrackEntry>(doc, "events") as ConntrackSource | undefined;
      if (src?.records) return src.records("events", document, doc.format, doc.file)(out, depth, docOffset, written);
      return itemsJson(this.each(), out, depth, docOffset, written);
    },
    rows(rowOf, docOffset) {
      const src = pendingList<ConntrackEntry>(doc, "events") as ConntrackSource | undefined;
      if (src?.scan) return scanRows(src.scan, "events", document + docOffset);
      return recordRows(this.each(), rowOf, docOffset);
    },
  };
}

/*
 * The loop over a big document lives in its own small function (indexed loops): inside the big
 * switch below it would run in on-stack-replaced code and allocate an iterator result per element.
 */

function normaliseJunosFlows(doc: JunosConversationsDocument, document: number, out: NormalisedRecords): void {
  const file = doc.file;
  let convNo = 0;
  for (let a = 0; a < doc.interfaces.length; a++) {
    const itf = doc.interfaces[a]!;
    const name = itf.name ?? undefined, serviceSet = itf.serviceSet ?? undefined;
    for (let b = 0; b < itf.conversations.length; b++) {
      const c = itf.conversations[b]!;
      const alg = c.alg ?? undefined;
      convNo++;
      for (let k = 0; k < c.flows.length; k++) {
        const fl = c.flows[k]!;
        // literals of fixed shapes (absent fields undefined; keys in the order of the JSON report):
        // no property-array growth on 100 000s of flows
        const proto = normaliseProto(fl.proto);
        const location = { file, line: fl.location.line };
        const f: RouterFlow = fl.gateId === undefined
          ? { document, format: doc.format, proto, src: fl.src, dst: fl.dst, state: fl.state, direction: fl.dir, frames: fl.frames, nat: fl.nat, conversation: convNo, location, alg, interface: name, serviceSet }
          : { document, format: doc.format, proto, src: fl.src, dst: fl.dst, state: fl.state, direction: fl.dir, frames: fl.frames, nat: fl.nat, conversation: convNo, location, alg, interface: name, serviceSet, gateId: fl.gateId };
        out.flows.push(f);
      }
    }
  }
}

/** Normalise one document (index `document` in the result / report). */
export function normaliseDocument(doc: RouterDocument, document: number, out: NormalisedRecords): void {
  const file = doc.file;
  switch (doc.format) {
    case "junos-conversations":
      normaliseJunosFlows(doc, document, out);
      break;
    case "junos-statistics":
      for (const [section, labels] of Object.entries(doc.statistics)) {
        for (const [label, value] of Object.entries(labels)) {
          out.counters.push({ document, interface: doc.interface, serviceSet: doc.serviceSet, section, label, value, location: { file, line: doc.location.line } });
        }
      }
      break;
    case "junos-syslog":
      for (const e of doc.events) {
        const ev: RouterEvent = {
          document, format: doc.format, kind: syslogKind(e.tag), tag: e.tag, proto: normaliseProto(e.protoNumber),
          src: e.src, dst: e.dst, nat: e.natSource ? [{ kind: "source", from: e.src, to: e.natSource }] : [],
          serviceSet: e.serviceSet, text: e.text, location: { file, line: e.location.line },
        };
        const time = e.embeddedTimestamp ?? e.timestamp;
        if (time !== undefined) ev.time = time;
        if (e.application) ev.alg = e.application;
        if (e.interface) ev.interface = e.interface;
        out.events.push(ev);
      }
      break;
    case "srx-flow-session":
      for (const s of doc.sessions) {
        if (!s.in) continue;
        const f: RouterFlow = {
          document, format: doc.format, proto: normaliseProto(s.in.proto), src: s.in.src, dst: s.in.dst,
          nat: s.out ? natFromReply(s.in, s.out) : [], id: s.sessionId, location: { file, line: s.location.line },
        };
        if (s.sessionState !== undefined) f.state = s.sessionState;
        if (s.in.packets !== undefined || s.out?.packets !== undefined) {
          f.packets = {};
          if (s.in.packets !== undefined) f.packets.orig = s.in.packets;
          if (s.out?.packets !== undefined) f.packets.reply = s.out.packets;
        }
        if (s.in.bytes !== undefined || s.out?.bytes !== undefined) {
          f.bytes = {};
          if (s.in.bytes !== undefined) f.bytes.orig = s.in.bytes;
          if (s.out?.bytes !== undefined) f.bytes.reply = s.out.bytes;
        }
        if (s.in.interface !== undefined) f.interface = s.in.interface;
        if (s.timeout !== undefined) f.timeout = s.timeout;
        out.flows.push(f);
      }
      break;
    case "srx-alg-status":
    case "srx-sip-calls":
    case "srx-sip-transactions":
      // status and SIP call tables: no flow, counter, event or expectation (verify reads the documents)
      break;
    case "conntrack":
      out.flows.add(conntrackFlows(doc, document));
      break;
    case "conntrack-events":
      out.events.add(conntrackEvents(doc, document));
      break;
    case "conntrack-expect":
      for (const x of doc.expectations) {
        const r: RouterExpectation = {
          document, format: doc.format, proto: normaliseProto(x.protoNumber), src: x.tuple.src, dst: x.tuple.dst,
          timeout: x.timeout, location: { file, line: x.location.line },
        };
        if (x.master) r.master = x.master;
        if (x.helper !== undefined) r.alg = x.helper;
        const cls = x.class ?? expectClassNumber(x.helper, x.className);
        const className = x.className ?? expectClassName(x.helper, x.class);
        if (cls !== undefined) r.class = cls;
        if (className !== undefined) r.className = className;
        if (x.flags.length) r.flags = x.flags;
        if (x.event !== undefined) r.event = x.event;
        if (x.time !== undefined) r.time = x.time;
        out.expectations.push(r);
      }
      break;
  }
}
