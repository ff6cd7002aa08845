/**
 * The build of an earlier commit, for the bench to run beside this one: issue 14's criterion as the
 * issue words it, "analyze throughput within 10 % of today's on the same size", where "today" is
 * the day the issue was filed. Its baseline is the build of that day (ISSUE14_BASELINE, the last
 * commit before any SIP/TFTP work) analysing a capture of that day's generator (`gen-capture
 * --generator 1`, byte for byte the same), against this build analysing the current generator's
 * capture (with SIP and TFTP) of the same size.
 *
 * The baseline is taken from the repository's own history (`git archive`, so no worktree is left
 * registered), built once with this checkout's node_modules (its package.json lists the same
 * dependencies) and kept in the system's temporary folder (`alg-verify-baseline-<commit>`: outside
 * the tree, where neither tsc's nor vitest's globs reach its sources and tests) for the next run.
 * Without git or the commit (an installed package, a shallow clone) the bench says so and leaves
 * that row out.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The last commit before issue 14's work began (2026-12-03 18:23 UTC, "verify text: 'What is each
 * flow?' as an aligned table"): the build whose analyze throughput the issue calls "today's".
 */
export const ISSUE14_BASELINE = "aa5f28e0deb5d54a4cd6a6be59e96426f26b437a";

export type Baseline = { bin: string; commit: string } | { why: string };

/**
 * The CLI of `commit` built in `parent` (reused while its stamp names the same commit), or why it
 * could not be had. Progress goes to stderr: a first build takes ~10 s.
 */
export function baselineBuild(root: string, wanted = ISSUE14_BASELINE, parent = tmpdir()): Baseline {
  // A name (a branch, HEAD~3) is resolved first, so the kept build is always that of one commit.
  const git = spawnSync("git", ["-C", root, "rev-parse", "--verify", "--quiet", `${wanted}^{commit}`], { encoding: "utf8" });
  if (git.error) return { why: `git not found (${git.error.message})` };
  if (git.status !== 0) return { why: `commit ${wanted} is not in ${root}'s history (an installed package or a shallow clone)` };
  const commit = git.stdout.trim();
  const dir = join(parent, `alg-verify-baseline-${commit.slice(0, 12)}`);
  const stamp = join(dir, ".built");
  const bin = join(dir, "bin", "alg-verify.js");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === commit && existsSync(bin)) return { bin, commit };
  process.stderr.write(`bench: building the baseline ${commit.slice(0, 12)} in ${dir}\n`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const tar = execFileSync("git", ["-C", root, "archive", "--format=tar", commit], { maxBuffer: 1 << 30 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const r = spawnSync(npm, ["run", "build"], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0 || !existsSync(bin)) {
      const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-3).join(" | ");
      return { why: `the baseline's build failed (exit ${r.status ?? r.error?.message}): ${tail}` };
    }
  } catch (e) {
    return { why: `the baseline could not be extracted: ${(e as Error).message.split("\n")[0]}` };
  }
  writeFileSync(stamp, commit);
  return { bin, commit };
}
