/**
 * Builds the page into dist/web/index.html: ONE self-contained file (script, style, the engine
 * worker and its wasm all inlined), so it works from any static host and straight from the file
 * system (file:// pages cannot load module scripts, workers or wasm from other files). The
 * Content Security Policy is written by this build with the hashes of the page's own inline
 * script and style: nothing else may run, and no connection may be made (connect-src 'none').
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const sha256 = (s: string) => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

export function productionCsp(scriptHash: string, styleHash: string): string {
  return [
    "default-src 'none'",
    // The inline script by hash; wasm compilation needs 'wasm-unsafe-eval' (no JS eval is allowed).
    `script-src ${scriptHash} 'wasm-unsafe-eval'`,
    // The engine worker is created from a blob: URL of the inlined worker script.
    "worker-src blob:",
    `style-src ${styleHash}`,
    "img-src data:",
    "connect-src 'none'",
    "font-src 'none'",
    "media-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "manifest-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

const DEV_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src data:; connect-src 'self' ws:";

/** Inlines the entry chunk and the stylesheet into index.html and writes the CSP with their hashes. */
function singleFile(): Plugin {
  return {
    name: "alg-verify-single-file",
    enforce: "post",
    transformIndexHtml: {
      order: "pre",
      handler(html, ctx) {
        return ctx.server ? html.replace("CSP_PLACEHOLDER", DEV_CSP) : html;
      },
    },
    generateBundle(_opts, bundle) {
      const html = Object.values(bundle).find((f) => f.fileName === "index.html");
      if (!html || html.type !== "asset") throw new Error("single-file: index.html not in the bundle");
      let text = String(html.source);
      let script = "";
      let style = "";
      for (const [name, f] of Object.entries(bundle)) {
        if (f.type === "chunk") {
          if (!f.isEntry) throw new Error(`single-file: unexpected extra chunk ${name}`);
          script += f.code;
          delete bundle[name];
        } else if (name.endsWith(".css")) {
          style += String(f.source);
          delete bundle[name];
        }
      }
      if (/<!--|<script/i.test(script)) throw new Error("single-file: script holds <!-- or <script, cannot be inlined safely");
      script = script.replace(/<\/script/gi, "<\\/script");
      style = style.replace(/<\/style/gi, "<\\/style");
      text = text
        .replace(/<script type="module"[^>]*src="[^"]+"[^>]*><\/script>\s*/, "")
        .replace(/<link rel="stylesheet"[^>]*>\s*/, "")
        .replace("</head>", () => `<style>${style}</style>\n</head>`)
        .replace("</body>", () => `<script type="module">${script}</script>\n</body>`)
        .replace("CSP_PLACEHOLDER", productionCsp(sha256(script), sha256(style)));
      if (text.includes("CSP_PLACEHOLDER") || /<script[^>]+src=/.test(text)) throw new Error(`single-file: index.html still references external files:\n${text.slice(0, 3000)}`);
      html.source = text;
    },
  };
}

/**
 * `virtual:core-wasm`: the release wasm core as base64 text (built by `npm run build`), so the
 * worker compiles it without any fetch.
 */
function coreWasm(): Plugin {
  const id = "virtual:core-wasm";
  const path = fileURLToPath(new URL("../build/release.wasm", import.meta.url));
  return {
    name: "alg-verify-core-wasm",
    resolveId: (s) => (s === id ? "\0" + id : undefined),
    load(s) {
      if (s !== "\0" + id) return undefined;
      this.addWatchFile(path);
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        throw new Error(`${path} is missing: run npm run build first`);
      }
      return `export default ${JSON.stringify(bytes.toString("base64"))};`;
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [coreWasm(), singleFile()],
  worker: { format: "iife", plugins: () => [coreWasm()] },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    modulePreload: false,
    cssCodeSplit: false,
    assetsInlineLimit: Number.MAX_SAFE_INTEGER,
    reportCompressedSize: false,
  },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
  preview: { host: "127.0.0.1", port: 5173 },
});
