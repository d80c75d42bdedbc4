import type { Schema } from "../../src/client/index.ts";

/**
 * Money, numbers and dates as people read them: money in the program's
 * currency through Intl (minor units in, the currency's own decimals out),
 * dates in the program's time zone.
 */
export function currencyDigits(currency: string): number {
  return (
    new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}

export function formatMoney(minor: number, currency: string, locale?: string): string {
  const digits = currencyDigits(currency);
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(
    minor / 10 ** digits,
  );
}

export function formatNumber(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

export function formatDate(iso: string, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone }).format(new Date(iso));
}

export function formatDateTime(iso: string, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}

/** What a goal's value counts, as the progress API says (`unit`). */
export type Unit = Schema<"Progress">["unit"];

/**
 * What one of a counting goal's units is, by metric, for "3 orders to go":
 * a metric not named here counts units.
 */
export const COUNTED_NOUNS: Readonly<Record<string, string>> = {
  order_count: "order",
  review_count: "review",
  referral_count: "recruit",
  signup_count: "signup",
  lead_count: "lead",
  custom_count: "action",
};

/** "$40.00 to go", "8 units to go", "120 points to go", "3 days to go". */
export function remainingText(
  remaining: number,
  unit: Unit,
  currency: string,
  metric?: string,
  locale?: string,
): string {
  if (unit === "money") return `${formatMoney(remaining, currency, locale)} to go`;
  const n = formatNumber(remaining, locale);
  const noun =
    unit === "points" ? "point" : unit === "days" ? "day" : (COUNTED_NOUNS[metric ?? ""] ?? "unit");
  return `${n} ${noun}${remaining === 1 ? "" : "s"} to go`;
}
