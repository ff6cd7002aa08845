/**
 * `npm test` never changes the machine: nothing it runs installs packages. Installation belongs to
 * .ci/run and to an explicit `npm run lab` (lab/run.sh --install); the tests run lab/run.sh without
 * --install, and run.sh without it stops (exit 3, packages named) instead of installing.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ts|js|sh)$/.test(p)) out.push(p);
  }
  return out;
}

describe("the test suite installs nothing", () => {
  it("no test spawns a package manager or passes --install to the lab", () => {
    const offenders: string[] = [];
    for (const f of files(join(root, "test"))) {
      const src = readFileSync(f, "utf8");
      // a spawned package manager: ("apt-get", …), "apt …", ("dpkg", ["-i" …
      if (/["'`](apt-get|apt|dpkg|pip3?|npx playwright install)["'`]\s*,/.test(src) || /["'`]--install["'`]/.test(src.replace(/--install\b[^"'`]*\(installation[^)]*\)/g, ""))) {
        if (!f.endsWith("no-install.test.ts")) offenders.push(relative(root, f));
      }
    }
    expect(offenders).toEqual([]);
  });

  it("`npm test` runs the build and vitest only; `npm run lab` is the one that may install", () => {
    expect(pkg.scripts.test).not.toMatch(/apt|install|lab\/run\.sh|\.ci\/run/);
    expect(pkg.scripts.lab).toBe("bash lab/run.sh --install");
  });

  it("lab/run.sh installs only with --install: without it, missing packages stop it before anything changes", () => {
    const src = readFileSync(join(root, "lab/run.sh"), "utf8");
    const install = src.indexOf("apt-get install -y");
    const guard = src.lastIndexOf("if ! $INSTALL; then", install);
    expect(install).toBeGreaterThan(0);
    expect(guard, "apt-get install is reached only past the --install guard").toBeGreaterThan(0);
    expect(src.slice(guard, install)).toContain("exit 3");
    // the first command that changes anything (a namespace, a temp dir) comes after the guard
    expect(src.indexOf("ip netns add")).toBeGreaterThan(install);
    expect(src.indexOf("mktemp")).toBeGreaterThan(install);
    expect(readFileSync(join(root, "lab/check.sh"), "utf8")).toMatch(/\$INSTALL \|\| \{ echo "check\.sh: missing/);
  });

  it("lab/run.sh --missing only looks (no root needed, lists Debian package names)", () => {
    const r = spawnSync("bash", [join(root, "lab/run.sh"), "--missing"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    for (const l of r.stdout.split("\n").filter(Boolean)) expect(l).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
  });
});
