import { MAX_AMOUNT_MINOR } from "./events.ts";

/**
 * ISO 4217 minor-unit exponents that are not 2. A table, not the runtime's
 * locale data: ICU rounds some currencies to their cash digits (it gives
 * HUF 0 where ISO 4217 gives 2), and providers send ISO amounts.
 */
// prettier-ignore
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0,
  RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

const KNOWN = new Set(Intl.supportedValuesOf("currency"));

/** Digits after the decimal point in a currency's major unit (2 for USD, 0 for JPY, 3 for KWD); null for a code no one issues. */
export function currencyExponent(code: string): number | null {
  const upper = code.toUpperCase();
  if (!/^[A-Z]{3}$/.test(upper) || !KNOWN.has(upper)) return null;
  return EXPONENTS[upper] ?? 2;
}

/**
 * A decimal string in major units as an exact count of minor units:
 * "25.00" USD is 2500, "2500" JPY is 2500, "1.250" KWD is 1250. Zeros past the
 * exponent are allowed ("2500.0" JPY); any other digit there is an error, as
 * is a negative amount or one past what can be counted exactly.
 */
export function decimalToMinor(
  amount: string,
  exponent: number,
): { ok: true; minor: number } | { ok: false; message: string } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return { ok: false, message: `"${amount}" is not a non-negative decimal amount` };
  const fraction = match[2] ?? "";
  if (/[1-9]/.test(fraction.slice(exponent)))
    return {
      ok: false,
      message: `"${amount}" has more decimals than the currency's ${exponent}`,
    };
  const minor = BigInt((match[1] ?? "0") + fraction.slice(0, exponent).padEnd(exponent, "0"));
  if (minor > BigInt(MAX_AMOUNT_MINOR))
    return { ok: false, message: `"${amount}" is more than can be counted exactly` };
  return { ok: true, minor: Number(minor) };
}
