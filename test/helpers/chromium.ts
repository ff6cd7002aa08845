/**
 * Real Chromium for the page tests and the browser bench: Debian's `chromium` driven by
 * playwright-core (no browser download). `CHROMIUM` overrides the path.
 *   - found → `launchChromium()` starts it headless;
 *   - missing locally → `chromiumPath()` is null and the suites skip with one message;
 *   - missing under CI=true → a failing test says it is required (never a skip).
 * Also a tiny static server for dist/web (127.0.0.1 only), so tests see every request the page makes.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";

/**
 * Headless, and no traffic of its own: besides --disable-background-networking, every host name
 * resolves to "not found" inside Chromium (its component updater otherwise looks up
 * update.googleapis.com at start), so it sends no DNS query; the pages under test are file:// or
 * 127.0.0.1 literals and need no name.
 */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--disable-component-update", "--disable-domain-reliability",
  "--disable-sync", "--no-pings", "--dns-prefetch-disable",
];
export const CHROMIUM_HINT = "install Debian's chromium (apt-get install chromium) or set $CHROMIUM";

export function chromiumPath(): string | null {
  for (const c of [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (!c) continue;
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

export function launchChromium(): Promise<Browser> {
  const exe = chromiumPath();
  if (!exe) throw new Error(`chromium not found: ${CHROMIUM_HINT}`);
  return chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, headless: true });
}

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".png": "image/png" };

/** Serves `root` on 127.0.0.1 (random port); every request is logged in `requests`. */
export async function serveStatic(root: string): Promise<{ origin: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? "");
    const rel = decodeURIComponent((req.url ?? "/").split("?")[0]);
    const file = path.join(root, rel === "/" ? "index.html" : rel);
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
