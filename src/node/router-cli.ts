/**
 * `alg-verify router <file…> [--json] [--format auto|<format>] [--max-diagnostics N]`
 *
 * Reads each file through `io.readFile`, parses it (parseRouterText), prints the report as JSON
 * (2-space indent, schemaVersion 1) or as text tables. Exit code (io.setExitCode): 2 when a file
 * cannot be read or nothing in a file was understood, else 0. Never calls process.exit.
 */
import { Option, type Command } from "commander";
import type { CliIo } from "./io.js";
import type { Diagnostic } from "../types.js";
import { ROUTER_FORMATS, type RouterFormat, type RouterParseResult } from "../router/types.js";


interface RouterOpts {
  json?: boolean;
  format: RouterFormat | "auto";
  maxDiagnostics: string;
}

/** Parse every file and render; returns the exit code. Exported for tests. */
export async function runRouter(files: string[], opts: { json?: boolean; format?: RouterFormat | "auto"; maxDiagnostics?: number }, io: CliIo): Promise<number> {
  const results: RouterParseResult[] = [];
  let exit = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await io.readFile(file);
    } catch (err) {
      exit = 2;
      const d: Diagnostic = {
        code: "unreadable_file", severity: "error", file,
        message: `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
      };
      results.push({ file, documents: [], flows: [], counters: [], events: [], expectations: [], diagnostics: [d] });
      continue;
    }
    const { parseRouterText } = await import("../router/parse.js");
    const r = parseRouterText(text, file, { format: opts.format ?? "auto" });
    if (r.diagnostics.some((d) => d.code === "nothing_understood" || d.code === "internal_error")) exit = 2;
    results.push(r);
  }
  const { buildRouterReport, formatRouterText } = await import("../router/report.js");
  const report = buildRouterReport(results);
  if (opts.json) io.stdout(JSON.stringify(report, null, 2) + "\n");
  else io.stdout(formatRouterText(report, { maxDiagnostics: opts.maxDiagnostics }));
  return exit;
}

export function registerRouterCommand(program: Command, io: CliIo): Command {
  return program
    .command("router")
    .description("parse router output (Junos conversations/statistics/syslog, SRX sessions, Linux conntrack) into one model")
    .argument("<file...>", "files holding router output, as copied from the terminal or a web page")
    .option("--json", "print the JSON report (schemaVersion 1)")
    .addOption(new Option("--format <format>", "force the format of every file").choices(["auto", ...ROUTER_FORMATS]).default("auto"))
    .option("--max-diagnostics <n>", "diagnostics shown in the text output", "20")
    .action(async (files: string[], opts: RouterOpts) => {
      const max = Number.parseInt(opts.maxDiagnostics, 10);
      const code = await runRouter(files, { json: opts.json, format: opts.format, maxDiagnostics: Number.isFinite(max) && max >= 0 ? max : 20 }, io);
      io.setExitCode(code);
    });
}
