/**
 * Golden reports (e2e snapshots): the human `verify` report of the bundled lab example and of every
 * generated two-sided case, with the router output, compared with the reviewed copy in
 * test/verify/golden/<case>.txt. File paths are shown relative to the repository so the reports
 * do not depend on where the checkout lives. Regenerate after an intended change with
 * `npx vitest run test/verify/golden.test.ts -u` and review the diff.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";

const repo = new URL("../../", import.meta.url).pathname;
const rel = (p: string) => relative(repo, p);

async function report(dir: string, router: string[]) {
  const args = ["verify", "--inside", rel(join(dir, "inside.pcap")), "--outside", rel(join(dir, "outside.pcap"))];
  for (const r of router) if (existsSync(join(dir, r))) args.push("--router", rel(join(dir, r)));
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    return (await runCli(...args)).stdout;
  } finally {
    process.chdir(cwd);
  }
}

describe("golden verify reports", () => {
  it("the npm start example (lab ftp-active-helper)", async () => {
    const text = await report(join(repo, "pcaps/lab/ftp-active-helper"), ["conntrack.txt", "expect.txt"]);
    await expect(text).toMatchFileSnapshot("golden/lab-ftp-active-helper.txt");
  });
  const nat = join(repo, "pcaps/nat");
  for (const c of readdirSync(nat).filter((d) => existsSync(join(nat, d, "case.json")))) {
    it(c, async () => {
      const text = await report(join(nat, c), ["router-junos.txt"]);
      await expect(text).toMatchFileSnapshot(`golden/${c}.txt`);
    });
  }
});
