/**
 * Fuzzing in `npm test` (CI budget), router texts and verify pairs: 2 000 mutated router files
 * (lines deleted, duplicated, swapped, repeated, cut, spliced, numbers and characters smashed,
 * hostile lines) of the fixtures, the shared router output and the lab's conntrack files, and 200
 * mutated verify inputs (a capture or router file mutated, sides swapped, unrelated or missing
 * inputs) of the recorded lab cases; one in 50 also through the CLI (exit code in {0,1,2,4}).
 */
import { describe, expect, it } from "vitest";
import { casesFor } from "../../bench/fuzz/engine.js";
import { ciCampaign } from "./campaign.js";

describe("fuzz: router texts and verify pairs", () => {
  it("2 000 mutated router texts: no exception, every diagnostic on a line of the input, reports valid", { timeout: 600_000 }, async () => {
    const res = await ciCampaign({ from: 0, to: casesFor(10_000), kinds: ["router"], cliEvery: 50 });
    expect(res.cases.router).toBe(2_000);
    expect(res.cli).toBe(40);
  });
  it("200 mutated verify input pairs: no exception, exit code in {0,1,2,4}, reports valid", { timeout: 600_000 }, async () => {
    const res = await ciCampaign({ from: 0, to: casesFor(2_000), kinds: ["pair"], cliEvery: 50 });
    expect(res.cases.pair).toBe(200);
    expect(res.cli).toBe(4);
  });
});
