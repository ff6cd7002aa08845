/**
 * SIP sessions from the SipLine events of the wasm core (assembly/alg/sip.ts): one session per
 * dialog (Call-ID + tags), its messages, and one negotiation of kind "SDP" per m= line of each
 * offer and answer. (Work in progress: messages are assembled in the next commit.)
 */
import type { AlgEvent } from "../wasm/core.js";
import type { AlgConditions } from "./sessions.js";

export class SipBuilder {
  constructor(readonly max: number, readonly conditions: AlgConditions) {}

  event(_e: AlgEvent): void {}
}
