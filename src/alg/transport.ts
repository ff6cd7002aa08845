/**
 * RTSP Transport header (RFC 2326 §12.39) → transport specs.
 *
 *   "Transport: RTP/AVP;unicast;client_port=50000-50001;server_port=40070-40071"
 *   → [{ profile: "RTP/AVP", lowerTransport: "udp", unicast: true, clientPort: [50000, 50001],
 *        serverPort: [40070, 40071] }]
 *
 * Several specs are separated by commas. Port forms: `a-b` (range), `a/b` (two ports, as some
 * servers write it), a single port `p` → [p, p]. `interleaved=a-b` channels; `destination=`,
 * `source=` addresses; other parameters (ssrc, mode, ttl …) are kept in `params`. The header
 * name is case-insensitive (the wasm framer matched it); parameter names are matched
 * case-insensitively too (Linux and Wireshark are case-sensitive: see the emulation profile).
 */
export interface TransportSpec {
  profile: string;
  lowerTransport: "udp" | "tcp";
  unicast?: boolean;
  clientPort?: [number, number];
  serverPort?: [number, number];
  destination?: string;
  source?: string;
  interleaved?: [number, number];
  /** Every other parameter, as written. */
  params?: Record<string, string>;
}

function ports(v: string): [number, number] | undefined {
  const m = /^\s*(\d{1,5})\s*(?:[-/]\s*(\d{1,5}))?\s*$/.exec(v);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  // five digits can say 70000: no port (nor channel) is above 65535, so the value is malformed
  return a > 0xffff || b > 0xffff ? undefined : [a, b];
}

/** The value of a Transport header line (text after the first ':'), parsed. */
export function parseTransport(line: string): TransportSpec[] {
  const value = line.slice(line.indexOf(":") + 1).trim();
  const specs: TransportSpec[] = [];
  for (const raw of value.split(",")) {
    const parts = raw.split(";").map((p) => p.trim()).filter(Boolean);
    if (!parts.length) continue;
    const profile = parts[0];
    const lower = profile.toUpperCase().split("/")[2];
    const spec: TransportSpec = { profile, lowerTransport: lower === "TCP" ? "tcp" : "udp" };
    for (const p of parts.slice(1)) {
      const eq = p.indexOf("=");
      const key = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
      const val = eq < 0 ? "" : p.slice(eq + 1).trim();
      if (key === "unicast") spec.unicast = true;
      else if (key === "multicast") spec.unicast = false;
      else if (key === "client_port") spec.clientPort = ports(val);
      else if (key === "server_port") spec.serverPort = ports(val);
      else if (key === "interleaved") spec.interleaved = ports(val);
      else if (key === "destination") spec.destination = val || undefined;
      else if (key === "source") spec.source = val || undefined;
      else (spec.params ??= {})[key] = val;
    }
    specs.push(spec);
  }
  return specs;
}
