/**
 * The page offers every option of `alg-verify verify` (src/node/cli.ts, read from the real
 * commander program): each one has its field, box or download on the page (web/index.html,
 * web/src/render.ts), each field shows the CLI's default, and each limit of the "Limits" box
 * (web/src/main.ts LIMITS) accepts exactly the CLI's range. A new CLI option without a place on
 * the page fails here. Chromium runs the fields against the CLI in test/web/page.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Option } from "commander";
import { describe, expect, it } from "vitest";
import { createProgram } from "../../src/node/cli.js";
import type { CliIo } from "../../src/node/io.js";

const root = new URL("../../", import.meta.url).pathname;
const html = readFileSync(join(root, "web/index.html"), "utf8");
const mainTs = readFileSync(join(root, "web/src/main.ts"), "utf8");
const renderTs = readFileSync(join(root, "web/src/render.ts"), "utf8");

const io = { stdout() {}, stderr() {}, readFile: async () => "", setExitCode() {} } as unknown as CliIo;
const verifyCmd = createProgram(io).commands.find((c) => c.name() === "verify")!;
const options = verifyCmd.options as readonly Option[];

/** The page's option fields: id → label text and the value attribute (absent: empty field). */
const fields = new Map<string, { label: string; value?: string; type?: string }>();
for (const m of html.matchAll(/<label for="([\w-]+)">([^<]*)<\/label>\s*<(input|select|textarea)\s+id="\1"([^>]*)>/g)) {
  const value = /\svalue="([^"]*)"/.exec(m[4])?.[1] ?? (m[3] === "select" ? /<select id="[\w-]+"><option value="([^"]*)"/.exec(m[0] + html.slice(m.index! + m[0].length, m.index! + m[0].length + 200))?.[1] : undefined);
  fields.set(m[1], { label: m[2], value, type: /\stype="([^"]*)"/.exec(m[4])?.[1] });
}

/**
 * Options whose page counterpart is not a "(--name)" field: element ids in index.html, or the
 * report's download buttons (render.ts).
 */
const PLACES: Record<string, { ids?: string[]; downloads?: string[] }> = {
  "--inside": { ids: ["file-inside"] },
  "--outside": { ids: ["file-outside"] },
  "--capture": { ids: ["file-inside", "opt-inside-if", "opt-outside-if"] },
  "--inside-if": { ids: ["opt-inside-if"] },
  "--outside-if": { ids: ["opt-outside-if"] },
  "--router": { ids: ["file-router", "router-text"] },
  "--json": { downloads: ["dl-json"] },
  "--format": { downloads: ["dl-text", "dl-junos"] },
  "--html": { downloads: ["dl-html"] },
  "--profile": { ids: ["opt-profile"] },
  "--ftp-ports": { ids: ["opt-ftp"] },
  "--rtsp-ports": { ids: ["opt-rtsp"] },
  "--sip-ports": { ids: ["opt-sip"] },
  "--tftp-ports": { ids: ["opt-tftp"] },
  "--vxlan-ports": { ids: ["opt-vxlan"] },
  "--window": { ids: ["opt-window"] },
  "--clock-offset": { ids: ["opt-offset"] },
  "--all-mappings": { ids: ["opt-all"] },
  "--nat-address": { ids: ["opt-nat"] },
  "--inside-net": { ids: ["opt-nets"] },
  "--frame-tolerance": { ids: ["opt-tolerance"] },
};

/** The field named "(--name)" in its label (the Limits box). */
const labelled = (long: string) => [...fields].find(([, f]) => f.label.includes(`(${long})`))?.[0];

/** The CLI default as the page's field writes it. */
function asField(v: unknown): string | undefined {
  if (v === undefined || (Array.isArray(v) && !v.length)) return undefined;
  return Array.isArray(v) ? v.join(",") : String(v);
}

const LIMITS = [...mainTs.matchAll(/\{ id: "(opt-[\w-]+)", key: "(\w+)", min: ([\d_]+), max: ([\d_]+)/g)].map((m) => ({ id: m[1], key: m[2], min: Number(m[3].replace(/_/g, "")), max: Number(m[4].replace(/_/g, "")) }));

describe("page options = verify's CLI options", () => {
  it("every verify option has its place on the page", () => {
    expect(options.length).toBeGreaterThan(25);
    const missing: string[] = [];
    for (const o of options) {
      const long = o.long!;
      const place = PLACES[long];
      const ok = place
        ? (place.ids ?? []).every((id) => html.includes(`id="${id}"`)) && (place.downloads ?? []).every((id) => renderTs.includes(`"${id}"`))
        : labelled(long) !== undefined;
      if (!ok) missing.push(long);
    }
    expect(missing).toEqual([]);
  });

  it("each field shows the CLI's default", () => {
    const differ: string[] = [];
    for (const o of options) {
      const id = PLACES[o.long!]?.ids?.length === 1 ? PLACES[o.long!].ids![0] : labelled(o.long!);
      const f = id ? fields.get(id) : undefined;
      if (!f) continue;
      const want = f.type === "checkbox" ? undefined : asField(o.defaultValue);
      if (f.value !== want) differ.push(`${o.long}: page ${f.value ?? "(empty)"}, CLI ${want ?? "(none)"}`);
    }
    expect(differ).toEqual([]);
    // --sip-sides-dialogs, the last limit added, is one of them.
    expect(fields.get(labelled("--sip-sides-dialogs")!)!.value).toBe("1000");
  });

  it("each limit of the Limits box is named by its CLI option and takes exactly the CLI's range", () => {
    expect(LIMITS.length).toBeGreaterThanOrEqual(11);
    for (const l of LIMITS) {
      const f = fields.get(l.id);
      expect(f, l.id).toBeDefined();
      const long = /\((--[\w-]+)\)/.exec(f!.label)?.[1];
      const o = options.find((x) => x.long === long);
      expect(o, `${l.id} names ${long}`).toBeDefined();
      const parse = (v: number) => (o as Option & { parseArg: (v: string, prev: unknown) => unknown }).parseArg(String(v), undefined);
      expect(() => parse(l.min), `${long} ${l.min}`).not.toThrow();
      expect(() => parse(l.max), `${long} ${l.max}`).not.toThrow();
      expect(() => parse(l.min - 1), `${long} ${l.min - 1}`).toThrow();
      expect(() => parse(l.max + 1), `${long} ${l.max + 1}`).toThrow();
    }
    expect(LIMITS.map((l) => l.key)).toContain("sipSidesDialogs");
  });
});
