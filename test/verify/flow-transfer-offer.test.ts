/**
 * The pack buffer the main thread offers a worker still analyzing (src/node/flow-transfer.ts):
 * made resident ahead, posted on the worker's port, taken once when the worker packs its table;
 * no offer once the worker has packed without one; a buffer too small is not used.
 */
import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { scanFile } from "../../src/node/files.js";
import { packBuffer, packFlows, unpackFlows } from "../../src/node/flow-transfer.js";
import { offerPackBuffer, takePackBuffer } from "../../src/node/pack-offer.js";
import { FLOW_SIZE } from "../../src/wasm/abi.js";

describe("pack buffer offered to a worker", () => {
  it("an offer made before the worker packs is taken, once", () => {
    const state = new Int32Array(new SharedArrayBuffer(8));
    const { port1, port2 } = new MessageChannel();
    expect(offerPackBuffer(state, 1, port1, 1000)).toBe(true);
    // A second offer to the same worker is not made (one buffer at most).
    expect(offerPackBuffer(state, 1, port1, 1000)).toBe(false);
    const got = takePackBuffer(state, 1, port2);
    expect(got?.byteLength).toBe(1000 * FLOW_SIZE + ((1000 * FLOW_SIZE) >> 4));
    expect(takePackBuffer(state, 1, port2)).toBeUndefined();
    // The other worker's slot is untouched.
    expect(state[0]).toBe(0);
    port1.close();
  });

  it("a worker that packed without one closes its slot: no late offer", () => {
    const state = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    expect(takePackBuffer(state, 0, port2)).toBeUndefined();
    expect(offerPackBuffer(state, 0, port1, 1000)).toBe(false);
    port1.close();
  });

  it("packFlows copies into an offered buffer large enough, else into its own", async () => {
    const scan = await scanFile("pcaps/lab/sip-udp-helper/outside.pcap");
    const n = scan.flows.count;
    const fresh = packFlows(scan.core!, scan.flows).packed;
    const offered = packBuffer(n);
    const into = packFlows(scan.core!, scan.flows, offered).packed;
    expect(into.records).toBe(offered);
    expect(new Uint8Array(into.records, 0, n * FLOW_SIZE)).toEqual(new Uint8Array(fresh.records));
    const t = unpackFlows(into);
    for (let id = 1; id <= n; id++) expect(t.get(id)).toEqual(scan.flows.get(id));
    const small = new ArrayBuffer((n - 1) * FLOW_SIZE);
    expect(packFlows(scan.core!, scan.flows, small).packed.records).not.toBe(small);
  });
});
