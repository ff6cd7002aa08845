/** Timestamps: nanoseconds since the Unix epoch → ISO 8601 UTC with nine fractional digits. */

let cachedSec = Number.NaN;
let cachedPrefix = "";

/** e.g. 1700000000123456789n → "2023-11-14T22:13:20.123456789Z". */
export function nsToIso(ns: bigint): string {
  const sec = Number(ns / 1_000_000_000n);
  const frac = Number(ns % 1_000_000_000n);
  if (sec !== cachedSec) {
    const d = new Date(sec * 1000);
    cachedPrefix = Number.isFinite(d.getTime()) ? d.toISOString().slice(0, 19) : "1970-01-01T00:00:00";
    cachedSec = sec;
  }
  // Joined, not a template: a template makes a tree of three concatenations (~130 bytes with its
  // parts), join one flat string (48). Reports keep a time per message and negotiation to the end
  // (#13: SIP's kept state).
  return [cachedPrefix, ".", String(frac).padStart(9, "0"), "Z"].join("");
}

/**
 * The inverse of nsToIso, exactly: "2023-11-14T22:13:20.123456789Z" → 1700000000123456789n (fewer
 * fractional digits are read as their value, "…20.5Z" as 500 ms).
 */
export function isoToNs(iso: string): bigint {
  const frac = iso.slice(20, 29).replace(/\D/g, "").padEnd(9, "0");
  return BigInt(Date.parse(iso.slice(0, 19) + "Z")) * 1_000_000n + BigInt(frac);
}
