/**
 * The bidirectional flow table: an index with open addressing and linear probing (4-byte entries:
 * a fingerprint of the key hash and the FLOWS slot of the record), over records kept in FLOWS in
 * the order they were made (a freed slot is reused first). A packet probes the small index and
 * touches one record; the records of the flows live at one moment were made close together in
 * time, so they share pages and cache lines, where a record placed by its hash lands on a page of
 * its own (the 64 MiB default table: a TLB and a cache miss per packet). The host reads FLOWS as
 * before: every slot whose FL_HASH is not 0 holds a flow.
 *
 * Key: both endpoints (address, port) + IP protocol + outer/inner VLAN id (+ interface when
 * splitting by interface). The stored record keeps the endpoints as initiator (A) / responder
 * (B); a lookup accepts the packet's (src, dst) in either orientation and so learns its direction.
 *
 * Symmetric hash (gopacket FastHash idea): each endpoint is mixed on its own into a 64-bit
 * value, and the two are combined with `+`. Addition is commutative, so hash(src, dst) ==
 * hash(dst, src) for every packet of the flow in either direction, without first ordering the
 * endpoints; the protocol/VLAN word and a final avalanche step are applied after the combine,
 * so they do not break the symmetry. (A XOR combine would also commute but maps every flow with
 * src == dst to the same value.)
 *
 * Bounds: at most 3/4 of the slots are used (keeps linear-probe chains short). At that limit
 * flows that are over leave the table (see "leaving the table" below); when none is, a packet of
 * a new flow is counted in Stat.Unattributed and ST_FULL_PACKET records the first one; the host
 * reports `flow_table_full`. Nothing is silently dropped.
 */
import {
  ENDED_CAP, RECLAIM_BATCH, ST_ENDED_COUNT, ST_FLOWS_HELD, FL_ADDR_A, FL_ADDR_B, FL_FIRST_PKT, FL_FIRST_TS, FL_FLAGS, FL_HASH, FL_ID, FL_IFACE,
  FL_IPBYTES_AB, FL_IPVER, FL_ISN_A, FL_LAST_PKT, FL_LAST_TS, FL_PAYLOAD_AB, FL_PKTS_AB,
  FL_FRAGS, FL_PORT_A, FL_PORT_B, FL_PROTO, FL_VLAN0, FL_VLAN1, FLOW_SIZE, FlowFlag, Stat, TCP_LATER_UNKNOWN,
  ST_FLOWS, ST_FULL_PACKET,
} from "../abi";
import { endedPtr, FLOW_PAGE, flowCap, flowFreePtr, flowIndexPtr, flowMask, flowPagesPtr, flowsPtr, statePtr } from "../memory";
import { bump } from "../stats";
import { setTcpLaterBA, tcpLaterBA } from "./frag";
import * as tcp from "../wire/tcp";
import {
  M_DHI, M_DLO, M_DPORT, M_FRAG, M_HASFLAGS, M_HASH, M_IFACE, M_IPLEN, M_IPVER, M_PAYLEN, M_PKT,
  M_PROTO, M_SEQ, M_SHI, M_SLO, M_SPORT, M_TCPFLAGS, M_TS, M_VLAN0, M_VLAN1,
} from "./meta";

/** Per-direction field stride: the B→A copy of each counter follows its A→B one. */
const PK_STRIDE: usize = 4;
const BY_STRIDE: usize = 8;

let used: u32 = 0;
/** When non-zero, the interface number is part of the key (see setSplitInterfaces). */
let splitIfaces: bool = false;

export function setSplitInterfaces(on: bool): void {
  splitIfaces = on;
}

@inline function mixEndpoint(hi: u64, lo: u64, port: u32): u64 {
  let h = hi ^ (lo * 0x9e3779b97f4a7c15) ^ (<u64>port * 0x2545f4914f6cdd1d);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  return h;
}

@inline function finalHash(sum: u64, extra: u64): u32 {
  let h = sum ^ (extra * 0xc4ceb9fe1a85ec53);
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9;
  h ^= h >> 32;
  let r = <u32>h;
  return r == 0 ? 1 : r;
}

/** Result of the last upsert: the slot's record pointer and the packet's direction. */
export let lastRec: usize = 0;
/** 0 = A→B, 1 = B→A. */
export let lastDir: u32 = 0;

/** The symmetric key hash of a packet (see the module header); never 0. */
export function flowHash(
  proto: u32, sHi: u64, sLo: u64, sPort: u32, dHi: u64, dLo: u64, dPort: u32,
  vlan0: u32, vlan1: u32, iface: u32,
): u32 {
  let ifKey: u32 = splitIfaces ? iface : 0;
  let extra: u64 = <u64>proto | (<u64>vlan0 << 8) | (<u64>vlan1 << 20) | (<u64>ifKey << 32);
  return finalHash(mixEndpoint(sHi, sLo, sPort) + mixEndpoint(dHi, dLo, dPort), extra);
}

/**
 * Index entry, u32 (0 = empty): the key hash's bits above flowMask (a fingerprint) | the FLOWS
 * slot of the record + 1 (at most 3/4 of flowCap: fits under flowMask). The full hash is the
 * record's FL_HASH.
 */
const IX_SIZE: usize = 4;

@inline function ixPtr(i: u32): usize {
  return flowIndexPtr + (<usize>i) * IX_SIZE;
}

/** The record an index entry names (not a free entry's). */
@inline function recOf(e: usize): usize {
  return flowsPtr + (<usize>((load<u32>(e) - 1) & flowMask)) * FLOW_SIZE;
}

/**
 * Loads the index entries a hash probes and both cache lines of the record of the first whose
 * fingerprint matches — the packet's own flow but for a rare false match; nothing more for a new
 * flow (the batch does this for all its packets ahead of the upserts, so their misses overlap);
 * returns a word of what was read, for the caller to keep the loads alive. Touching the home
 * entry's record instead left the probe a miss whenever the flow's entry was further along its
 * chain, ~4 in 10 lookups at half load (bench/PERFORMANCE-LOG.md, session 23).
 */
@inline export function touchHome(h: u32): u32 {
  let i = h & flowMask;
  while (true) {
    let x = load<u32>(ixPtr(i));
    if (x == 0) return 0;
    if (((x ^ h) & ~flowMask) == 0) {
      let r = flowsPtr + (<usize>((x - 1) & flowMask)) * FLOW_SIZE;
      return load<u32>(r) + load<u32>(r + (FLOW_SIZE >> 1));
    }
    i = (i + 1) & flowMask;
  }
}

/** FLOWS slots never used so far start here; freed ones wait on the free stack (flowFreePtr). */
let nextRecord: u32 = 0;
let freeRecords: u32 = 0;

/**
 * Bytes of FLOWS past the newest record whose pages are touched together (see faultAhead): the
 * resident memory it adds at most.
 */
const FAULT_AHEAD: usize = 256 << 10;
/** FLOWS bytes [0, faultedTo) have been touched (their pages are resident). */
let faultedTo: usize = 0;

/**
 * Touches the pages of FLOWS ahead of a new record in one burst. A page's first write costs a
 * page fault; taken one by one between packets (every 32 new flows), each also costs the packets
 * around it their TLB and cache state, measured on the reference VM as about twice the fault
 * itself. Touched here FAULT_AHEAD at a time, they come back to back.
 */
function faultAhead(end: usize): void {
  let limit = (<usize>flowCap) * FLOW_SIZE;
  let to = end + FAULT_AHEAD;
  if (to > limit) to = limit;
  for (let p = faultedTo; p < to; p += 4096) store<u8>(flowsPtr + p, 0);
  faultedTo = to;
}

/** A FLOWS slot for a new record: the last freed one, else the next never used. */
function takeRecord(): u32 {
  if (freeRecords != 0) {
    freeRecords--;
    return load<u32>(flowFreePtr + (<usize>freeRecords << 2));
  }
  let end = (<usize>(nextRecord + 1)) * FLOW_SIZE;
  if (end > faultedTo) faultAhead(end);
  return nextRecord++;
}

/** Index slot where the last probe stopped: the matching entry, or the empty one for a new flow. */
let probeSlot: u32 = 0;
/** Direction of the packet in the record the last probe found (0 = A→B); -1 = not found. */
let probeDir: i32 = -1;

/**
 * Looks the packet's key up along its probe chain. A SYN on a connection that has ended (FIN
 * both ways, or RST) opens a new one, as tshark's tcp.stream and conntrack do: the old record is
 * marked Superseded (it leaves the table at the next sweep) and the probe goes on.
 */
function probe(
  h: u32, proto: u32, vlan0: u32, vlan1: u32, ifKey: u32, sHi: u64, sLo: u64, sPort: u32,
  dHi: u64, dLo: u64, dPort: u32, isSyn: bool,
): void {
  let i = h & flowMask;
  probeDir = -1;
  while (true) {
    let e = ixPtr(i);
    let x = load<u32>(e);
    if (x == 0) break;
    let r = recOf(e);
    if (((x ^ h) & ~flowMask) == 0 && load<u32>(r + FL_HASH) == h && <u32>load<u8>(r + FL_PROTO) == proto &&
      <u32>load<u16>(r + FL_VLAN0) == vlan0 && <u32>load<u16>(r + FL_VLAN1) == vlan1 &&
      (!splitIfaces || <u32>load<u16>(r + FL_IFACE) == ifKey)) {
      let fl = <u32>load<u16>(r + FL_FLAGS);
      if ((fl & FlowFlag.Superseded) == 0) {
        let d: i32 = -1;
        if (load<u64>(r + FL_ADDR_A) == sHi && load<u64>(r + FL_ADDR_A + 8) == sLo &&
          <u32>load<u16>(r + FL_PORT_A) == sPort && load<u64>(r + FL_ADDR_B) == dHi &&
          load<u64>(r + FL_ADDR_B + 8) == dLo && <u32>load<u16>(r + FL_PORT_B) == dPort) d = 0;
        else if (load<u64>(r + FL_ADDR_A) == dHi && load<u64>(r + FL_ADDR_A + 8) == dLo &&
          <u32>load<u16>(r + FL_PORT_A) == dPort && load<u64>(r + FL_ADDR_B) == sHi &&
          load<u64>(r + FL_ADDR_B + 8) == sLo && <u32>load<u16>(r + FL_PORT_B) == sPort) d = 1;
        if (d >= 0) {
          if (isSyn && closed(fl)) {
            store<u16>(r + FL_FLAGS, <u16>(fl | FlowFlag.Superseded));
            bump(Stat.TcpReuse);
          } else {
            probeDir = d;
            break;
          }
        }
      }
    }
    i = (i + 1) & flowMask;
  }
  probeSlot = i;
}

/**
 * Finds or creates the flow of a decoded packet (a PacketMeta record, see flow/batch.ts) and
 * accounts it. Returns false when the table is full of live flows (the packet is then
 * unattributed).
 */
export function upsert(m: usize): bool {
  let proto = <u32>load<u8>(m + M_PROTO);
  let sHi = load<u64>(m + M_SHI);
  let sLo = load<u64>(m + M_SLO);
  let dHi = load<u64>(m + M_DHI);
  let dLo = load<u64>(m + M_DLO);
  let sPort = <u32>load<u16>(m + M_SPORT);
  let dPort = <u32>load<u16>(m + M_DPORT);
  let vlan0 = <u32>load<u16>(m + M_VLAN0);
  let vlan1 = <u32>load<u16>(m + M_VLAN1);
  let iface = load<u32>(m + M_IFACE);
  let tcpFlags = <u32>load<u8>(m + M_TCPFLAGS);
  let hasFlags = load<u8>(m + M_HASFLAGS) != 0;
  let pktNo = load<u32>(m + M_PKT);
  let ts = load<u64>(m + M_TS);
  let ifKey: u32 = splitIfaces ? iface : 0;
  let h = load<u32>(m + M_HASH);
  let isSyn = proto == 6 && hasFlags && (tcpFlags & (tcp.SYN | tcp.ACKF)) == tcp.SYN;
  // A sweep under way goes on (it moves records, so before the lookup), keeping half of the
  // ENDED region for a new flow that meets the limit.
  if (sweepLeft != 0) reclaim(ts, <u32>ENDED_CAP >> 1);
  probe(h, proto, vlan0, vlan1, ifKey, sHi, sLo, sPort, dHi, dLo, dPort, isSyn);
  let rec: usize = 0;
  let dir: u32 = 0;
  if (probeDir >= 0) {
    rec = recOf(ixPtr(probeSlot));
    dir = <u32>probeDir;
  } else {
    if (used >= flowLimit()) {
      // Make room: flows that have ended or idled past their timeout leave for the host's store.
      startSweep(ts);
      reclaim(ts, <u32>ENDED_CAP);
      if (used >= flowLimit()) {
        refused++;
        bump(Stat.Unattributed);
        if (load<u32>(statePtr + ST_FULL_PACKET) == 0) store<u32>(statePtr + ST_FULL_PACKET, pktNo);
        return false;
      }
      // Records moved back into freed slots: find the empty slot again.
      probe(h, proto, vlan0, vlan1, ifKey, sHi, sLo, sPort, dHi, dLo, dPort, isSyn);
    } else sweepBeforeNewSlot();
    // The empty index entry where the probe stopped names a new record.
    let slot = takeRecord();
    store<u32>(ixPtr(probeSlot), (h & ~flowMask) | (slot + 1));
    rec = flowsPtr + (<usize>slot) * FLOW_SIZE;
    store<u8>(flowPagesPtr + ((<usize>slot) * FLOW_SIZE) / FLOW_PAGE, 1);
    used++;
    store<u32>(statePtr + ST_FLOWS_HELD, used);
    let n = load<u32>(statePtr + ST_FLOWS) + 1;
    store<u32>(statePtr + ST_FLOWS, n);
    bump(Stat.Flows);
    // A first SYN-ACK names its receiver as the initiator; anything else its sender.
    let synAck = proto == 6 && hasFlags && (tcpFlags & (tcp.SYN | tcp.ACKF)) == (tcp.SYN | tcp.ACKF);
    if (synAck) {
      store<u64>(rec + FL_ADDR_A, dHi);
      store<u64>(rec + FL_ADDR_A + 8, dLo);
      store<u16>(rec + FL_PORT_A, <u16>dPort);
      store<u64>(rec + FL_ADDR_B, sHi);
      store<u64>(rec + FL_ADDR_B + 8, sLo);
      store<u16>(rec + FL_PORT_B, <u16>sPort);
      dir = 1;
    } else {
      store<u64>(rec + FL_ADDR_A, sHi);
      store<u64>(rec + FL_ADDR_A + 8, sLo);
      store<u16>(rec + FL_PORT_A, <u16>sPort);
      store<u64>(rec + FL_ADDR_B, dHi);
      store<u64>(rec + FL_ADDR_B + 8, dLo);
      store<u16>(rec + FL_PORT_B, <u16>dPort);
      dir = 0;
    }
    store<u32>(rec + FL_HASH, h);
    store<u8>(rec + FL_IPVER, load<u8>(m + M_IPVER));
    store<u8>(rec + FL_PROTO, <u8>proto);
    let f0: u32 = load<u8>(m + M_FRAG) != 0 ? FlowFlag.Fragmented : 0;
    if (proto == 6 && !isSyn && !synAck) f0 |= FlowFlag.Midstream;
    store<u16>(rec + FL_FLAGS, <u16>f0);
    store<u16>(rec + FL_VLAN0, <u16>vlan0);
    store<u16>(rec + FL_VLAN1, <u16>vlan1);
    store<u16>(rec + FL_IFACE, <u16>iface);
    store<u32>(rec + FL_ID, n);
    store<u32>(rec + FL_FIRST_PKT, pktNo);
    store<u64>(rec + FL_FIRST_TS, ts);
  }

  lastRec = rec;
  lastDir = account(
    rec, dir, proto, tcpFlags, hasFlags, load<u32>(m + M_SEQ), load<u32>(m + M_IPLEN),
    load<u32>(m + M_PAYLEN), pktNo, ts,
  );
  return true;
}

// ---- leaving the table ----------------------------------------------------------------------
/*
 * The table holds what is concurrent, not what the file holds. A sweep moves the records of flows
 * that are over to the ENDED region, whose records the host drains after each feed into its store
 * (src/capture/flow-table.ts); their ids stay. A sweep starts:
 *   - when a new flow finds the table at its load limit (--max-flows);
 *   - before that, when a new flow would take a FLOWS slot never used so far (no freed one
 *     waits) at or past the sweep mark, so that the pages of FLOWS in use — resident memory —
 *     follow what is concurrent, not the limit (a 4 GiB capture of ~100 k concurrent flows filled
 *     all 393 216 records of the default table: 48 MiB). The mark starts at SWEEP_FIRST_MARK
 *     records (or a quarter of the limit, when lower); after each sweep it is at least 1/SWEEP_ROOM
 *     past the flows still held, so a capture whose flows do not end sweeps a few times only
 *     (geometrically further apart), and one whose flows end settles with its records about
 *     1/SWEEP_ROOM more than the flows it holds at once (each sweep freeing that many).
 * The hand passes the records once, in FLOWS order (sequential reads, ~2 cache lines per record),
 * and a record that leaves is found in the index from its hash. The sweep goes on at the
 * following packets while the region has room (feed pauses at half full for the host to drain
 * it), so the whole table is swept within a few feeds. Sweeping the whole table, not just enough
 * for one flow, keeps sweeps rare and the freed index entries spread out (a hand over the index
 * freeing only what was needed left clusters of thousands of full slots ahead of it: 950 M slots
 * scanned by deletions on a 4 GiB capture). A flow is over when, in capture time (the time of the
 * packet that starts a new flow):
 *   - a later SYN on its 5-tuple superseded it (no packet can reach it any more);
 *   - TCP closed by FIN both ways and quiet for tcpClosedNs (default 120 s, conntrack's TIME_WAIT:
 *     the last ACK may come well after the second FIN);
 *   - TCP reset (RST) and quiet for tcpResetNs (default 10 s, conntrack's CLOSE);
 *   - TCP that never got past the SYN, quiet for tcpOpeningNs (default 120 s, conntrack's SYN_SENT);
 *   - any other TCP quiet for tcpIdleNs (default 5 days, conntrack's ESTABLISHED);
 *   - UDP, ICMP and other protocols quiet for otherIdleNs (default 180 s, conntrack's UDP stream).
 * A capture of fewer flows than the first mark never sweeps, so it is reported exactly as by an
 * unbounded table (a UDP conversation with a long pause stays one flow, as in tshark); past it, a
 * flow over by its timeout may leave before the table is full, as conntrack forgets it, and a
 * packet on a 5-tuple whose flow has left starts a new flow (longer --flow-timeouts keep it).
 * Index entries are removed by backward-shift deletion (Knuth's algorithm R for linear probing),
 * so probe chains never carry tombstones. When a sweep at the limit frees fewer than
 * RECLAIM_BATCH, the next one waits for 1 s of capture time or for limit/4 refused flows, so a
 * table full of live flows does not sweep per packet.
 */
let tcpClosedNs: u64 = 120_000_000_000;
let tcpResetNs: u64 = 10_000_000_000;
let tcpOpeningNs: u64 = 120_000_000_000;
let tcpIdleNs: u64 = 432_000_000_000_000;
let otherIdleNs: u64 = 180_000_000_000;
/** Next FLOWS slot the hand looks at. */
let hand: u32 = 0;
let retryTs: u64 = 0;
let refused: u32 = 0;
const RETRY_NS: u64 = 1_000_000_000;
/** Timeouts in milliseconds of capture time (see above); each ≥ 0. */
export function setFlowTimeouts(closedMs: f64, resetMs: f64, openingMs: f64, tcpMs: f64, otherMs: f64): void {
  tcpClosedNs = <u64>(closedMs * 1e6);
  tcpResetNs = <u64>(resetMs * 1e6);
  tcpOpeningNs = <u64>(openingMs * 1e6);
  tcpIdleNs = <u64>(tcpMs * 1e6);
  otherIdleNs = <u64>(otherMs * 1e6);
}

/** Flows held at most: 3/4 of the slots (keeps linear-probe chains short). */
@inline function flowLimit(): u32 {
  return flowCap - (flowCap >> 2);
}

@inline function closed(fl: u32): bool {
  return (fl & (FlowFlag.FinA | FlowFlag.FinB)) == (FlowFlag.FinA | FlowFlag.FinB) || (fl & FlowFlag.Rst) != 0;
}

/** Whether the record's flow is over at capture time `now` (see above). */
function over(r: usize, now: u64): bool {
  let fl = <u32>load<u16>(r + FL_FLAGS);
  if ((fl & FlowFlag.Superseded) != 0) return true;
  let last = load<u64>(r + FL_LAST_TS);
  if (now <= last) return false;
  let quiet = now - last;
  if (load<u8>(r + FL_PROTO) != 6) return quiet >= otherIdleNs;
  if ((fl & FlowFlag.Rst) != 0) return quiet >= tcpResetNs;
  if (closed(fl)) return quiet >= tcpClosedNs;
  if ((fl & FlowFlag.Syn) != 0 && (fl & FlowFlag.SynAck) == 0) return quiet >= tcpOpeningNs;
  return quiet >= tcpIdleNs;
}

/**
 * Empties index entry i and frees its record's slot (zeroed: the host sees no flow there), moving
 * later entries of its cluster back so every chain stays unbroken.
 */
function removeAt(i: u32): void {
  let slot = (load<u32>(ixPtr(i)) - 1) & flowMask;
  memory.fill(flowsPtr + (<usize>slot) * FLOW_SIZE, 0, FLOW_SIZE);
  store<u32>(flowFreePtr + (<usize>freeRecords << 2), slot);
  freeRecords++;
  let j = i;
  while (true) {
    j = (j + 1) & flowMask;
    let ej = ixPtr(j);
    if (load<u32>(ej) == 0) break;
    let k = load<u32>(recOf(ej) + FL_HASH) & flowMask;
    // The entry at j may stay when its home slot k lies cyclically in (i, j].
    if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
    store<u32>(ixPtr(i), load<u32>(ej));
    i = j;
  }
  store<u32>(ixPtr(i), 0);
}

/** The index slot whose entry names FLOWS slot `slot` (a record in the table), from its hash. */
function indexOf(slot: u32): u32 {
  let i = load<u32>(flowsPtr + (<usize>slot) * FLOW_SIZE + FL_HASH) & flowMask;
  while ((load<u32>(ixPtr(i)) & flowMask) != slot + 1) i = (i + 1) & flowMask;
  return i;
}

/** FLOWS slots the current sweep has still to pass (0 = no sweep under way). */
let sweepLeft: u32 = 0;
/** Records the current sweep has moved out so far. */
let sweepFreed: u32 = 0;
/** The first sweep mark, in records (see above): 8 MiB of FLOWS. */
const SWEEP_FIRST_MARK: u32 = 65_536;
/** After a sweep, the mark is at least the flows held and 1/SWEEP_ROOM of them. */
const SWEEP_ROOM: u32 = 8;
/** The sweep mark as moved on by the sweeps so far (it never goes back). */
let sweepMarkMoved: u32 = 0;

/** Starts a sweep of the whole table, unless one is under way. */
function beginSweep(): void {
  if (sweepLeft != 0 || nextRecord == 0) return;
  hand = 0;
  sweepLeft = nextRecord;
  sweepFreed = 0;
}

/** At the load limit: starts a sweep, unless the last one found next to nothing (see above). */
function startSweep(now: u64): void {
  if (now < retryTs && refused < (flowLimit() >> 2)) return;
  beginSweep();
}

/** A new flow about to take a FLOWS slot: starts a sweep first if that slot is a fresh one past the mark. */
function sweepBeforeNewSlot(): void {
  if (freeRecords != 0 || sweepLeft != 0) return;
  let mark = max(sweepMarkMoved, min(SWEEP_FIRST_MARK, flowLimit() >> 2));
  if (nextRecord >= mark) beginSweep();
}

/**
 * Moves flows that are over out of the table as the hand passes their records, while the ENDED
 * region has room below `keep` records (see above).
 */
function reclaim(now: u64, keep: u32): void {
  let e = load<u32>(statePtr + ST_ENDED_COUNT);
  while (sweepLeft != 0 && e < keep) {
    let r = flowsPtr + (<usize>hand) * FLOW_SIZE;
    if (load<u32>(r + FL_HASH) != 0 && over(r, now)) {
      memory.copy(endedPtr + (<usize>e) * FLOW_SIZE, r, FLOW_SIZE);
      e++;
      removeAt(indexOf(hand));
      used--;
      sweepFreed++;
      bump(Stat.FlowsEnded);
    }
    hand++;
    sweepLeft--;
  }
  store<u32>(statePtr + ST_ENDED_COUNT, e);
  store<u32>(statePtr + ST_FLOWS_HELD, used);
  if (sweepLeft != 0) return;
  if (sweepFreed < <u32>RECLAIM_BATCH) {
    retryTs = now + RETRY_NS;
    refused = 0;
  }
  sweepMarkMoved = max(sweepMarkMoved, min(used + used / SWEEP_ROOM, flowLimit()));
}

/** Whether the host should drain ENDED before more packets are accounted (feed pauses). */
export function endedPressure(): bool {
  return load<u32>(statePtr + ST_ENDED_COUNT) >= <u32>(ENDED_CAP >> 1);
}

/**
 * Adds one packet (or a later fragment, with hasFlags false) to a record in direction `dir`.
 * Returns the packet's direction afterwards (a swap of A and B turns 1 into 0).
 */
export function account(
  rec: usize, dir: u32, proto: u32, tcpFlags: u32, hasFlags: bool, seq: u32,
  ipLen: u32, payloadLen: u32, pktNo: u32, ts: u64,
): u32 {
  let pk = rec + FL_PKTS_AB + (<usize>dir) * PK_STRIDE;
  store<u32>(pk, load<u32>(pk) + 1);
  let ib = rec + FL_IPBYTES_AB + (<usize>dir) * BY_STRIDE;
  store<u64>(ib, load<u64>(ib) + ipLen);
  let pb = rec + FL_PAYLOAD_AB + (<usize>dir) * BY_STRIDE;
  store<u64>(pb, load<u64>(pb) + payloadLen);
  store<u32>(rec + FL_LAST_PKT, pktNo);
  store<u64>(rec + FL_LAST_TS, ts);
  if (proto == 6 && hasFlags && (tcpFlags & (tcp.SYN | tcp.FIN | tcp.RST)) != 0) {
    let fl = <u32>load<u16>(rec + FL_FLAGS);
    if ((tcpFlags & tcp.SYN) != 0) {
      if ((tcpFlags & tcp.ACKF) == 0) {
        if (dir == 1 && (fl & FlowFlag.Syn) == 0) {
          // The capture started mid-connection and B now sends the first SYN: B is the
          // initiator after all. Swap the endpoints and every per-direction counter.
          swap(rec);
          fl = (<u32>load<u16>(rec + FL_FLAGS)) | FlowFlag.Swapped;
          dir = 0;
        }
        if (dir == 0 && (fl & FlowFlag.Syn) == 0) {
          fl |= FlowFlag.Syn;
          store<u32>(rec + FL_ISN_A, seq);
        }
      } else if (dir == 1) {
        fl |= FlowFlag.SynAck;
      }
    }
    if ((tcpFlags & tcp.FIN) != 0) fl |= dir == 0 ? FlowFlag.FinA : FlowFlag.FinB;
    if ((tcpFlags & tcp.RST) != 0) fl |= FlowFlag.Rst;
    store<u16>(rec + FL_FLAGS, <u16>fl);
  }
  return dir;
}

function swapU64(a: usize, b: usize): void {
  let t = load<u64>(a);
  store<u64>(a, load<u64>(b));
  store<u64>(b, t);
}

function swapU32(a: usize, b: usize): void {
  let t = load<u32>(a);
  store<u32>(a, load<u32>(b));
  store<u32>(b, t);
}

/** Exchanges A and B of a record: endpoints, and every per-direction counter. */
function swap(rec: usize): void {
  swapU64(rec + FL_ADDR_A, rec + FL_ADDR_B);
  swapU64(rec + FL_ADDR_A + 8, rec + FL_ADDR_B + 8);
  let pa = load<u16>(rec + FL_PORT_A);
  store<u16>(rec + FL_PORT_A, load<u16>(rec + FL_PORT_B));
  store<u16>(rec + FL_PORT_B, pa);
  swapU32(rec + FL_PKTS_AB, rec + FL_PKTS_AB + PK_STRIDE);
  swapU64(rec + FL_IPBYTES_AB, rec + FL_IPBYTES_AB + BY_STRIDE);
  swapU64(rec + FL_PAYLOAD_AB, rec + FL_PAYLOAD_AB + BY_STRIDE);
  let fl = <u32>load<u16>(rec + FL_FLAGS);
  // FIN bits follow their sender; SYN/SYN-ACK were not set (that is why we swap).
  let finA = fl & FlowFlag.FinA;
  let finB = fl & FlowFlag.FinB;
  fl = (fl & ~(FlowFlag.FinA | FlowFlag.FinB)) | (finA != 0 ? FlowFlag.FinB : 0) |
    (finB != 0 ? FlowFlag.FinA : 0);
  fl &= ~FlowFlag.Midstream;
  store<u16>(rec + FL_FLAGS, <u16>(fl | FlowFlag.Swapped));
  // The non-first fragments B→A become those A→B (FL_FRAGS less them), see FL_CTRL.
  let later = tcpLaterBA(rec);
  let frags = <u32>load<u16>(rec + FL_FRAGS);
  if (later != <u32>TCP_LATER_UNKNOWN) setTcpLaterBA(rec, frags - later < <u32>TCP_LATER_UNKNOWN ? frags - later : <u32>TCP_LATER_UNKNOWN);
}

/**
 * The host's map of flow id → FLOWS slot (FlowTable's), written at `dst`: a u32 per flow of ids
 * 1..count, the slot of the record holding it, 0 for the others (the flows that left the table:
 * the host marks those from the ended-flow store). FLOWS pages no flow was ever stored on are
 * skipped: reading them would make them resident. Called once the capture has been read, with
 * `dst` the idle flow index (CaptureCore.flows); one pass here where the host's DataView loop over
 * every slot took 5–7 ms for 250 k flows (1.5–1.9 ms here).
 */
export function flowSlotMap(dst: usize, count: u32): void {
  memory.fill(dst, 0, (<usize>count) << 2);
  const perPage: u32 = <u32>(FLOW_PAGE / FLOW_SIZE);
  let cap = flowCap;
  for (let s: u32 = 0; s < cap; s++) {
    if ((s & (perPage - 1)) == 0 && load<u8>(flowPagesPtr + (<usize>(s / perPage))) == 0) {
      s += perPage - 1;
      continue;
    }
    let r = flowsPtr + (<usize>s) * FLOW_SIZE;
    if (load<u32>(r + FL_HASH) == 0) continue;
    let id = load<u32>(r + FL_ID);
    if (id >= 1 && id <= count) store<u32>(dst + ((<usize>(id - 1)) << 2), s);
  }
}
