// The bundle's loader (scripts/bundle-cli.mjs builds the bundle; bench/PERFORMANCE-LOG.md "Start-up
// (session 12)"): runs a chunk of dist/src/node/cli.bundle*.cjs as CommonJS under vm.Script with the
// V8 code cache the build made by running the CLI on sample captures (`<chunk>.cache`: the bytecode
// of every function those runs compiled, so a command neither parses nor compiles them again). Used
// by bin/alg-verify.js and by the bundled worker entries (dist/src/node/*-worker.bundle.cjs).
//
// A cache that does not belong to its chunk (the build id on the chunk's first line differs), is
// missing or unreadable, or that V8 rejects (another Node, other V8 flags: `node bin/alg-verify.js`
// runs without the shebang's) is ignored: the chunk is compiled from its source, as without one.
//
// ALG_VERIFY_CODE_CACHE: unset = use the caches; "0" = compile from source (to measure, and the
// fallback's tests); "write" = the build's runs: use the caches, then at the thread's exit write
// each loaded chunk's cache afresh, which keeps the functions of the earlier runs (they came from
// the cache) and adds this run's. ALG_VERIFY_CODE_CACHE_REPORT=<file>: each thread appends at its
// exit one JSON line { thread, chunks, cached, rejected, absent, files } (for the tests; a terminated worker
// writes none).
"use strict";
const { appendFileSync, readFileSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");

const cacheMode = process.env.ALG_VERIFY_CODE_CACHE;
/** The build id a chunk's first line carries (`//# alg-verify-build <id>`) and its cache begins with. */
const BUILD_ID = /^\/\/# alg-verify-build ([0-9a-f]{16,64})\n/;
/** Chunks run so far in this thread (path → { module, script, id }). */
const chunks = new Map();
const tally = { chunks: 0, cached: 0, rejected: 0, absent: 0 };

/** Runs a bundle chunk (once per thread) and returns its exports; a relative require inside it (another chunk) comes back here. */
function loadChunk(file) {
  const known = chunks.get(file);
  if (known) return known.module.exports;
  const source = readFileSync(file, "utf8");
  const id = BUILD_ID.exec(source)?.[1];
  let cachedData;
  if (id && cacheMode !== "0") {
    try {
      const c = readFileSync(file + ".cache");
      if (c.length > id.length && c.toString("latin1", 0, id.length) === id) cachedData = c.subarray(id.length);
    } catch {}
  }
  // Module.wrap's prefix, on the chunk's first line (the build id's comment): line numbers in stack traces stay the file's.
  const script = new (require("node:vm").Script)(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename: file, cachedData });
  tally.chunks++;
  if (!cachedData) tally.absent++;
  else if (script.cachedDataRejected) tally.rejected++;
  else tally.cached++;
  const module = { exports: {}, id: file, filename: file };
  chunks.set(file, { module, script, id });
  const dir = dirname(file);
  const nodeRequire = require("node:module").createRequire(file);
  const req = (spec) => (spec.startsWith("./") ? loadChunk(join(dir, spec)) : nodeRequire(spec));
  script.runInThisContext()(module.exports, req, module, file, dir);
  return module.exports;
}

/** Each loaded chunk's cache, written afresh (by a rename: a worker and its parent may write the same chunk's). */
function writeCaches() {
  const { renameSync } = require("node:fs");
  const { threadId } = require("node:worker_threads");
  for (const [file, { script, id }] of chunks) {
    if (!id) continue;
    const tmp = `${file}.cache.${process.pid}-${threadId}`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(id, "latin1"), script.createCachedData()]));
    renameSync(tmp, file + ".cache");
  }
}
if (cacheMode === "write") {
  process.on("exit", writeCaches);
  // A worker is terminated by its parent once it has posted its result, before any exit event:
  // it writes its caches as it posts each message instead.
  const { parentPort } = require("node:worker_threads");
  if (parentPort) {
    const post = parentPort.postMessage;
    parentPort.postMessage = function (...args) {
      writeCaches();
      return post.apply(this, args);
    };
  }
}
if (process.env.ALG_VERIFY_CODE_CACHE_REPORT) {
  process.on("exit", () => appendFileSync(process.env.ALG_VERIFY_CODE_CACHE_REPORT, JSON.stringify({ thread: require("node:worker_threads").threadId, ...tally, files: [...chunks.keys()] }) + "\n"));
}

module.exports = { loadChunk };
