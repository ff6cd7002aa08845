/** Errors of the Node entry that the CLI maps to exit codes. */

/** An error opening or reading an input file (exit code 2 in the CLI). */
export class InputError extends Error {
  override name = "InputError";
  constructor(readonly file: string, message: string, readonly code = "unreadable_file") {
    super(message);
  }
}
