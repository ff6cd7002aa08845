/**
 * Expectation classes of the Linux helpers that have more than one (the helper's expect policy:
 * `nf_conntrack_sip.h` `enum sip_expectation_classes`, names from `sip_exp_policy`).
 * `conntrack -L expect` prints the number (`class=1 helper=sip`), `/proc/net/nf_conntrack_expect`
 * the name after the helper (`sip/audio`); each is derived from the other here.
 *
 *   expectClassName("sip", 1)      → "audio"
 *   expectClassNumber("sip", "signalling") → 0
 *   expectClassName("ftp", 0)      → undefined   (one unnamed class)
 */
const CLASS_NAMES: Record<string, readonly string[]> = {
  sip: ["signalling", "audio", "video", "image"],
};

export function expectClassName(helper: string | undefined, cls: number | undefined): string | undefined {
  return helper !== undefined && cls !== undefined ? CLASS_NAMES[helper]?.[cls] : undefined;
}

export function expectClassNumber(helper: string | undefined, name: string | undefined): number | undefined {
  if (helper === undefined || name === undefined) return undefined;
  const k = CLASS_NAMES[helper]?.indexOf(name) ?? -1;
  return k >= 0 ? k : undefined;
}
