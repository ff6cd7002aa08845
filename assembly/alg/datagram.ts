/**
 * UDP dispatch of the ALG layer: a UDP datagram whose ports name an ALG goes to its parser
 * (SIP: h1's sip.ts; TFTP: tftp.ts). `cap < len` = the datagram was cut by the snaplen.
 * (h3's copy of the contract's signature, to be merged with h1's.)
 */
import { AlgKind } from "../abi";
import { tftpDatagram } from "./tftp";

export function algDatagram(rec: usize, dir: u32, alg: u32, payload: usize, cap: u32, len: u32, pkt: u32, ts: u64): void {
  if (alg == AlgKind.Tftp) tftpDatagram(rec, dir, payload, cap, len, pkt, ts);
}
