/**
 * Fuzzing in `npm test` (CI budget), captures: 10 000 mutated captures (bit flips, truncations,
 * smashed pcap/pcapng length fields, splices, records duplicated or dropped, hostile FTP/RTSP
 * lines) of the public and generated captures, analyzed in-process (one in 200 also through the
 * CLI): no exception or wasm trap, every error located, JSON valid against its schema
 * (bench/fuzz/oracles.ts). `npm run fuzz` runs the same at any size.
 */
import { describe, expect, it } from "vitest";
import { casesFor } from "../../bench/fuzz/engine.js";
import { ciCampaign } from "./campaign.js";

describe("fuzz: captures", () => {
  it("10 000 mutated captures: no crash, trap or unlocated error; reports valid", { timeout: 600_000 }, async () => {
    const res = await ciCampaign({ from: 0, to: casesFor(10_000), kinds: ["capture"], cliEvery: 200 });
    expect(res.cases.capture).toBe(10_000);
    expect(res.cli).toBe(50);
  });
});
