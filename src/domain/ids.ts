/**
 * Prefixed, time-sortable ids (`prg_01J…`): a glance tells what an id names,
 * and ids sort in creation order. The body is a ULID: 48 bits of milliseconds
 * then 80 random bits, in Crockford base32, monotonic within a millisecond.
 */
export type IdPrefix =
  | "brd"
  | "key"
  | "prg"
  | "par"
  | "led"
  | "trf"
  | "clk"
  | "pay"
  | "tok"
  | "req"
  | "flg"
  | "gol"
  | "tgi"
  | "dlv"
  | "whe"
  | "wep"
  | "whd"
  | "eml"
  | "brc"
  | "sim";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_DIGITS = 16;

export interface IdSource {
  next(prefix: IdPrefix): string;
}

/** `nowMs` and `randomBytes` are passed in so the domain stays free of clocks. */
export function createIdSource(
  nowMs: () => number,
  randomBytes: (n: number) => Uint8Array,
): IdSource {
  let lastMs = -1;
  let timePart = "";
  // The random part as base32 digits, so "one more" within the same
  // millisecond is a carry over small numbers rather than big-integer work.
  const digits = new Array<number>(RANDOM_DIGITS).fill(0);
  return {
    next(prefix) {
      const ms = nowMs();
      if (ms !== lastMs) {
        lastMs = ms;
        timePart = encodeTime(ms);
        const bytes = randomBytes(RANDOM_DIGITS);
        for (let i = 0; i < RANDOM_DIGITS; i++) digits[i] = (bytes[i] ?? 0) & 31;
        // A clear top bit leaves room for 2^75 increments before this
        // millisecond's ids could wrap around and sort out of order.
        digits[0] = (digits[0] ?? 0) & 15;
      } else {
        increment(digits);
      }
      let random = "";
      for (const d of digits) random += ALPHABET.charAt(d);
      return `${prefix}_${timePart}${random}`;
    },
  };
}

function encodeTime(ms: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    const next = (digits[i] ?? 0) + 1;
    if (next < 32) {
      digits[i] = next;
      return;
    }
    digits[i] = 0;
  }
}

/**
 * A voucher code from 10 random bytes: 16 Crockford base32 digits (80 bits)
 * in groups of four, easy to read out and type (`7KQ2-9XH4-…`).
 */
export function voucherCodeFrom(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let digits = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      digits += ALPHABET[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return (digits.match(/.{1,4}/g) ?? []).join("-");
}
