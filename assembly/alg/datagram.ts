/**
 * UDP dispatch of the ALG layer: every UDP datagram whose port names an ALG (setAlgPort: SIP or
 * TFTP; see algUdpKind in alg/stream.ts) is handed whole to its parser, which emits events (the
 * same rings and back-pressure as the control streams: a datagram never emits more than
 * `packetEvents`/`packetText` of its length, alg/events.ts).
 *
 * Called from batchFlush (flow/batch.ts) in packet order, and by IP reassembly for a
 * reassembled datagram. `rec`/`dir`: the flow record and the direction as accounted (0 = sent
 * by the flow's initiator); `payload`/`cap`: the captured UDP payload; `len`: its length from the
 * headers — `cap < len` means the datagram was cut (snaplen, or a first fragment without the
 * rest) and the parser says so.
 */
import { AlgKind } from "../abi";
import { sipDatagram } from "./sip";
import { tftpDatagram } from "./tftp";

export function algDatagram(rec: usize, dir: u32, alg: u32, payload: usize, cap: u32, len: u32, pkt: u32, ts: u64): void {
  if (alg == AlgKind.Sip) sipDatagram(rec, dir, payload, cap, len, pkt, ts);
  else if (alg == AlgKind.Tftp) tftpDatagram(rec, dir, payload, cap, len, pkt, ts);
}

/**
 * Length of a UDP datagram's payload from its UDP header (a first IP fragment's IP length covers
 * only the fragment); `payLen` when the header's length field was not captured or is short.
 */
export function udpDatagramLen(payload: usize, cap: u32, payLen: u32): u32 {
  if (cap == 0) return payLen;
  let field = (<u32>load<u8>(payload - 4) << 8) | <u32>load<u8>(payload - 3);
  return field >= 8 && field - 8 > payLen ? field - 8 : payLen;
}
