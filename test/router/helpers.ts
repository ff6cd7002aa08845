/** Shared helpers of the router tests: paths to fixtures and to ../shared, field-by-field comparison. */
import { expect } from "vitest";
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { RouterParseResult } from "../../src/router/index.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/router/", import.meta.url));
/** The shared reference samples, read in place (never copied into the repo). */
export const SHARED_OUTPUT = fileURLToPath(new URL("../../../shared/reference/router-output/", import.meta.url));
export const SHARED_SEED = fileURLToPath(new URL("../../../shared/seed/000_138f467f0ed79e49.txt", import.meta.url));

/** Set UPDATE_ROUTER_FIXTURES=1 to (re)write missing expected JSON files; review them before committing. */
export const UPDATE = process.env.UPDATE_ROUTER_FIXTURES === "1";

export function rawCases(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith(".raw")).map((f) => f.slice(0, -4)).sort();
}
export function sharedFiles(): string[] {
  return readdirSync(SHARED_OUTPUT).filter((f) => f.endsWith(".txt")).sort();
}
export const read = (p: string): string => readFileSync(p, "utf8");

/** What an expected JSON file holds: the parse result without `file`. */
export function expectedShape(r: RouterParseResult): object {
  const { file: _f, ...rest } = r;
  return rest;
}

/** Load the expected JSON at `p`, writing it first from `actual` in update mode. */
export function loadExpected(p: string, actual: object): unknown {
  if (!existsSync(p) && UPDATE) writeFileSync(p, JSON.stringify(actual, null, 2) + "\n");
  if (!existsSync(p)) throw new Error(`missing expected JSON ${p} (run with UPDATE_ROUTER_FIXTURES=1, then review it)`);
  return JSON.parse(readFileSync(p, "utf8"));
}

/**
 * Compare `actual` with `expected` field by field; a failure names the path (`flows[2].nat[0].to.port`).
 * Keys must match exactly (a missing or extra field fails).
 */
export function expectFields(actual: unknown, expected: unknown, at = "$"): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${at} is an array`).toBe(true);
    const a = actual as unknown[];
    expect(a.length, `${at}.length`).toBe(expected.length);
    expected.forEach((e, k) => expectFields(a[k], e, `${at}[${k}]`));
    return;
  }
  if (expected !== null && typeof expected === "object") {
    expect(actual !== null && typeof actual === "object" && !Array.isArray(actual), `${at} is an object`).toBe(true);
    const a = actual as Record<string, unknown>;
    const defined = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined).sort();
    expect(defined(a), `${at} keys`).toEqual(defined(expected as Record<string, unknown>));
    for (const [k, v] of Object.entries(expected)) expectFields(a[k], v, `${at}.${k}`);
    return;
  }
  expect(actual, at).toBe(expected);
}

/** Drop every `location` (and `file`) field, for comparing models parsed from different layouts. */
export function withoutLocations<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === "location" || k === "file" || k === "command" ? undefined : v)));
}

export const fixturePath = (name: string): string => path.join(FIXTURES, name);
