/**
 * The CLI's window on the world, injected so the CLI can be driven in-process by tests:
 * `main(argv, io)` never touches process.stdout/exit directly.
 */
export interface CliIo {
  /** Report output; large reports arrive as ASCII byte chunks. */
  stdout(s: string | Uint8Array): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
  setExitCode(code: number): void;
  /** True when stderr is a terminal (progress is shown only then). */
  isTTY?: boolean;
}
