/** Size arguments of the CLI ("4M", "512k", "1048576"), shared by the commands. */
import { InvalidArgumentError } from "commander";

/** A commander argument parser for a byte size from `min` to `max` ("4M", "512K", "1048576"). */
export function sizeArgument(min: number, max: number, what: string): (v: string) => number {
  return (v: string): number => {
    const m = /^(\d+)([kKmMgG]i?[bB]?)?$/.exec(v.trim());
    if (!m) throw new InvalidArgumentError("expected a size such as 4M, 512K or 1048576");
    const unit = (m[2] ?? "").toLowerCase()[0];
    const mult = unit === "k" ? 1 << 10 : unit === "m" ? 1 << 20 : unit === "g" ? 1 << 30 : 1;
    const n = Number(m[1]) * mult;
    if (n < min || n > max) throw new InvalidArgumentError(`${what} must be between ${human(min)} and ${human(max)}`);
    return n;
  };
}

const human = (n: number) => (n % (1 << 30) === 0 ? `${n / (1 << 30)}G` : n % (1 << 20) === 0 ? `${n / (1 << 20)}M` : n % (1 << 10) === 0 ? `${n / (1 << 10)}K` : String(n));
