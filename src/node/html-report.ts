/**
 * `verify --html <file>` and `suite --html <dir>`: the HTML report (src/report/html.ts) written to
 * a file, with the router files shown as `alg-verify router` prints them beside the predicted
 * conversations. Platform: Node. A file that cannot be written is an InputError (exit 2).
 */
import { readFile as fsReadFile, writeFile } from "node:fs/promises";
import { buildRouterReport, formatRouterText } from "../router/index.js";
import { parseVerifyRouter } from "../verify/router-input.js";
import { htmlReport, suiteIndexHtml, type SuiteIndexCase } from "../report/html.js";
import type { VerifyReport } from "../verify/verify.js";
import { InputError } from "./errors.js";

async function write(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new InputError(file, `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "write_failed");
  }
}

/**
 * Writes `report` as one self-contained HTML file. `routerFiles` are read again for their text
 * view; when one cannot be (standard input, `-`, is gone by then; a file vanished), the report
 * lists the router files without that view rather than failing.
 */
export async function writeHtmlFile(report: VerifyReport, file: string, routerFiles: string[], readFile: (p: string) => Promise<string> = (p) => fsReadFile(p, "utf8")): Promise<void> {
  let routerText: string | undefined;
  try {
    const parsed = [];
    for (const f of routerFiles) {
      if (f === "-") throw new Error("standard input was read once");
      parsed.push(parseVerifyRouter(await readFile(f), f));
    }
    if (parsed.length) routerText = formatRouterText(buildRouterReport(parsed));
  } catch {
    routerText = undefined;
  }
  await write(file, htmlReport(report, { routerText }));
}

/** A case name as a file name ("lab/ftp-active-helper" → "lab_ftp-active-helper.html"). */
export const caseHtmlName = (name: string): string => `${name.replace(/[^A-Za-z0-9._-]+/g, "_")}.html`;

/** `suite --html <dir>`: index.html with every case's verdict, linking the reports written. */
export async function writeSuiteIndex(dir: string, cases: SuiteIndexCase[]): Promise<void> {
  await write(`${dir}/index.html`, suiteIndexHtml(cases));
}
