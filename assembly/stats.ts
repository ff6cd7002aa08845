/** Counter helpers over the STATS region (u64 per enum Stat entry). */
import { statsPtr } from "./memory";

@inline export function bump(stat: i32): void {
  let p = statsPtr + (<usize>stat << 3);
  store<u64>(p, load<u64>(p) + 1);
}

@inline export function add(stat: i32, n: u64): void {
  let p = statsPtr + (<usize>stat << 3);
  store<u64>(p, load<u64>(p) + n);
}
