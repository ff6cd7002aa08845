/** A commander argument parser for a whole number in [min, max] (else InvalidArgumentError, which commander reports and exits 1 on). */
import { InvalidArgumentError } from "commander";

export function intOption(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}
