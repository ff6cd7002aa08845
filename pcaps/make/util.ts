/**
 * Shared plumbing for the capture generators in pcaps/make/: locate the repo root (works from
 * the .ts source under vitest and from dist/pcaps/make/*.js after `tsc -p tsconfig.build.json`),
 * detect "run as a script", and write outputs.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Nearest ancestor of `fromUrl`'s directory holding package.json (the repo root). */
export function repoRoot(fromUrl: string): string {
  let dir = path.dirname(fileURLToPath(fromUrl));
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fromUrl}`);
    dir = up;
  }
}

/** True when the module at `moduleUrl` is the process entry point (`node file.js`). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(fs.realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}

/** Write bytes/text under the repo root, creating directories; returns the absolute path. */
export function writeOut(root: string, rel: string, data: Uint8Array | string): string {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, data);
  return abs;
}
