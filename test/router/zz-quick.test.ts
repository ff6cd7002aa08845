import { test } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { parseRouterText, buildRouterReport, formatRouterText } from "/work/main/src/router/index.ts";
test("quick", () => {
  const dir = "/work/shared/reference/router-output/";
  for (const f of readdirSync(dir)) {
    const r = parseRouterText(readFileSync(dir + f, "utf8"), f);
    console.log(formatRouterText(buildRouterReport([r])));
  }
});
