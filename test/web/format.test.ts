import { describe, expect, it } from "vitest";
import { bandOf } from "../../web/shared/band.ts";
import { formatMoney, remainingText } from "../../web/shared/format.ts";

describe("bands", () => {
  it.each([
    [0, "red"],
    [89, "red"],
    [90, "orange"],
    [99, "orange"],
    [100, "green"],
    [140, "green"],
  ] as const)("%i%% is %s", (percent, band) => {
    expect(bandOf(percent)).toBe(band);
  });
});

describe("money and what remains, in words", () => {
  it("formats minor units in the currency's own decimals", () => {
    expect(formatMoney(4000, "USD", "en-US")).toBe("$40.00");
    expect(formatMoney(4000, "JPY", "en-US")).toBe("¥4,000");
    // German puts a no-break space before the sign.
    expect(formatMoney(123456, "EUR", "de-DE")).toBe("1.234,56\u00a0€");
  });
  it.each([
    [4000, "money", "sales_amount", "$40.00 to go"],
    [8, "count", "sku_quantity", "8 units to go"],
    [1, "count", "order_count", "1 order to go"],
    [120, "points", "points_earned", "120 points to go"],
    [3, "days", "inactivity_days", "3 days to go"],
    [2, "count", "signup_count", "2 signups to go"],
    [1, "count", "lead_count", "1 lead to go"],
    [4, "count", "custom_count", "4 actions to go"],
  ] as const)("%i %s (%s) reads %s", (remaining, unit, metric, text) => {
    expect(remainingText(remaining, unit, "USD", metric, "en-US")).toBe(text);
  });
});
