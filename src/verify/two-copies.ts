/**
 * Where a negotiation line or a SIP message was sent twice with different bytes
 * (retransmissionDiffers of the copy each capture read): the text both verify/sessions.ts and
 * verify/sip.ts build their not-checked reason from.
 */

/** A copy as a capture read it: its packet, and the packet of the other copy when there was one. */
interface Copy {
  packet: number;
  retransmissionDiffers?: { packet: number };
}

/** "the inside capture (packets a and b) and the outside capture (…)", the sides whose copy was sent twice; undefined when neither. */
export function sentTwiceIn(inside: Copy | undefined, outside: Copy | undefined): string | undefined {
  const where = [
    inside?.retransmissionDiffers && `the inside capture (packets ${inside.packet} and ${inside.retransmissionDiffers.packet})`,
    outside?.retransmissionDiffers && `the outside capture (packets ${outside.packet} and ${outside.retransmissionDiffers.packet})`,
  ].filter((x): x is string => typeof x === "string");
  return where.length ? where.join(" and ") : undefined;
}
