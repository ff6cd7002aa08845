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
// fallback's tests); "write" = the build's runs: use the caches, then write each loaded chunk's
// cache afresh, which keeps the functions of the earlier runs (they came from the cache) and adds
// this run's. Only the main thread writes files, at its exit: a worker posts its caches to it
// (CACHE_CHANNEL) before each message it posts and at its exit, and its parent may terminate it at
// any moment after a message, which would cut a file write short and leave its temporary file
// (`<chunk>.cache.<pid>-<thread>`) in dist/. For each chunk the largest cache of the threads that
// ran it is kept. ALG_VERIFY_CODE_CACHE_REPORT=<file>: each thread appends at its exit one JSON
// line { thread, chunks, cached, rejected, absent, files } (for the tests; a terminated worker
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

/** The BroadcastChannel on which the threads of a "write" run send their caches to the main thread. */
const CACHE_CHANNEL = "alg-verify-code-cache";
/** This thread's caches: [chunk file, build id + V8's cached data] for each chunk with an id. */
function cachesOf() {
  const out = [];
  for (const [file, { script, id }] of chunks) if (id) out.push([file, Buffer.concat([Buffer.from(id, "latin1"), script.createCachedData()])]);
  return out;
}
if (cacheMode === "write") {
  const { BroadcastChannel, isMainThread, parentPort, receiveMessageOnPort } = require("node:worker_threads");
  const channel = new BroadcastChannel(CACHE_CHANNEL);
  if (isMainThread) {
    // For each chunk, the largest cache of the threads that ran it (the most functions compiled).
    const best = new Map();
    const keep = (caches) => {
      for (const [file, data] of caches) if (!best.has(file) || data.length > best.get(file).length) best.set(file, data);
    };
    // A worker's caches are posted ahead of its messages, so they come before its result does.
    channel.onmessage = (e) => keep(e.data);
    channel.unref();
    process.on("exit", () => {
      for (let m; (m = receiveMessageOnPort(channel)); ) keep(m.message);
      channel.close();
      keep(cachesOf());
      // By a rename: a cache is never seen half written.
      const { renameSync } = require("node:fs");
      for (const [file, data] of best) {
        const tmp = `${file}.cache.${process.pid}-0`;
        writeFileSync(tmp, data);
        renameSync(tmp, file + ".cache");
      }
    });
  } else {
    channel.unref();
    const send = () => channel.postMessage(cachesOf());
    process.on("exit", send);
    // A worker is terminated by its parent once it has posted its result, often before any exit
    // event: its caches are sent ahead of each message it posts.
    if (parentPort) {
      const post = parentPort.postMessage;
      parentPort.postMessage = function (...args) {
        send();
        return post.apply(this, args);
      };
    }
  }
}
if (process.env.ALG_VERIFY_CODE_CACHE_REPORT) {
  process.on("exit", () => appendFileSync(process.env.ALG_VERIFY_CODE_CACHE_REPORT, JSON.stringify({ thread: require("node:worker_threads").threadId, ...tally, files: [...chunks.keys()] }) + "\n"));
}

module.exports = { loadChunk };
