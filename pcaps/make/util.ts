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

/** MAC addresses of the two-sided NAT captures (locally administered, 02:00:5e:…). */
const MAC = {
  client: "02:00:5e:00:00:0a",
  routerIn: "02:00:5e:00:01:01",
  routerOut: "02:00:5e:00:02:01",
  upstream: "02:00:5e:00:02:fe",
};

/**
 * Ethernet source and destination of a frame captured on one side of the NAT router: inside
 * between the client and the router's inside port, outside between the router's outside port
 * and its upstream; `outbound` = travelling from the inside towards the outside.
 */
export function sideMacs(side: "inside" | "outside", outbound: boolean): [string, string] {
  return side === "inside"
    ? (outbound ? [MAC.client, MAC.routerIn] : [MAC.routerIn, MAC.client])
    : (outbound ? [MAC.routerOut, MAC.upstream] : [MAC.upstream, MAC.routerOut]);
}

/** The directory listing the generated FTP servers send (vsftpd's `ls -l` layout). */
export const FTP_LISTING =
  "-rw-r--r--    1 0        0            1024 Jan 01 00:00 README\r\n" +
  "drwxr-xr-x    2 0        0            4096 Jan 01 00:00 pub\r\n" +
  "-rw-r--r--    1 0        0         1048576 Jan 01 00:00 test.bin\r\n";
