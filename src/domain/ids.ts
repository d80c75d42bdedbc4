/**
 * Prefixed, time-sortable ids (`prg_01J…`): a glance tells what an id names,
 * and ids sort in creation order. The body is a ULID: 48 bits of milliseconds
 * then 80 random bits, in Crockford base32, monotonic within a millisecond.
 */
export type IdPrefix =
  "brd" | "key" | "prg" | "par" | "led" | "trf" | "clk" | "pay" | "tok" | "req";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export interface IdSource {
  next(prefix: IdPrefix): string;
}

/** `nowMs` and `random` are passed in so the domain stays free of clocks. */
export function createIdSource(
  nowMs: () => number,
  randomBytes: (n: number) => Uint8Array,
): IdSource {
  let lastMs = -1;
  let lastRandom = 0n;
  return {
    next(prefix) {
      const ms = nowMs();
      if (ms === lastMs) {
        lastRandom += 1n;
      } else {
        lastMs = ms;
        lastRandom = [...randomBytes(10)].reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
      }
      return `${prefix}_${encode(BigInt(ms), 10)}${encode(lastRandom & ((1n << 80n) - 1n), 16)}`;
    },
  };
}

function encode(value: bigint, length: number): string {
  let out = "";
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET.charAt(Number(rest & 31n)) + out;
    rest >>= 5n;
  }
  return out;
}
