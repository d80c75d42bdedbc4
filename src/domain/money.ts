/**
 * Money is an integer count of minor units; a percentage is an exact decimal
 * held as digits and a scale (2.5% is 25 at scale 1), never a binary float.
 *
 * Rounding rule, used everywhere a share of money is taken: half-up on the
 * exact quotient, to the minor unit, once per commission line.
 */
export interface Percent {
  /** The percentage's digits: 2.5% is 25. */
  readonly digits: bigint;
  /** Decimal places in `digits`: 2.5% has scale 1. */
  readonly scale: number;
}

const MAX_SCALE = 6;

/** Reads a decimal percentage (`5`, `2.5`, `"0.125"`) exactly, or returns null. */
export function parsePercent(value: number | string): Percent | null {
  const text = typeof value === "number" ? numberToDecimal(value) : value.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > MAX_SCALE) return null;
  return { digits: BigInt((match[1] ?? "0") + fraction), scale: fraction.length };
}

export function formatPercent(p: Percent): string {
  const text = p.digits.toString().padStart(p.scale + 1, "0");
  return p.scale === 0 ? text : `${text.slice(0, -p.scale)}.${text.slice(-p.scale)}`;
}

/** `amountMinor × p / 100`, rounded half-up to the minor unit. */
export function percentOf(amountMinor: number, p: Percent): number {
  return divideHalfUp(BigInt(amountMinor) * p.digits, 100n * 10n ** BigInt(p.scale));
}

/** `value × numerator / denominator`, rounded half-up; all operands non-negative integers. */
export function mulDivHalfUp(value: number, numerator: number, denominator: number): number {
  return divideHalfUp(BigInt(value) * BigInt(numerator), BigInt(denominator));
}

function divideHalfUp(numerator: bigint, denominator: bigint): number {
  const negative = numerator < 0n !== denominator < 0n && numerator !== 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (2n * n + d) / (2n * d);
  return Number(negative ? -q : q);
}

/**
 * Splits `totalMinor` across `weights` in proportion, exactly: each share is
 * rounded down, and the minor units left over go one each to the largest
 * remainders (ties to the earlier weight). The shares always sum to the total.
 */
export function allocateProportionally(totalMinor: number, weights: readonly number[]): number[] {
  const weightSum = weights.reduce((a, b) => a + b, 0);
  if (weightSum === 0) return weights.map(() => 0);
  const shares = weights.map((w) => {
    const exact = BigInt(totalMinor) * BigInt(w);
    return { floor: exact / BigInt(weightSum), rest: exact % BigInt(weightSum) };
  });
  let left = totalMinor - shares.reduce((a, s) => a + Number(s.floor), 0);
  const order = shares
    .map((s, i) => ({ i, rest: s.rest }))
    .sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1));
  const result = shares.map((s) => Number(s.floor));
  for (const { i } of order) {
    if (left <= 0) break;
    result[i] = (result[i] ?? 0) + 1;
    left -= 1;
  }
  return result;
}

// JSON numbers arrive as binary floats; their shortest round-trip decimal is
// the text the sender wrote (2.5 -> "2.5"), which is the value meant.
function numberToDecimal(value: number): string {
  if (!Number.isFinite(value) || value < 0) return "invalid";
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(MAX_SCALE + 1).replace(/0+$/, "");
}
