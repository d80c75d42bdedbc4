import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  allocateProportionally,
  formatPercent,
  parsePercent,
  percentOf,
} from "../../src/domain/money.ts";

describe("percentages are exact decimals", () => {
  it.each([
    [5, "5"],
    [2.5, "2.5"],
    [0.1, "0.1"],
    ["12.125", "12.125"],
    [100, "100"],
    [0.000001, "0.000001"],
  ])("reads %s as %s", (input, text) => {
    const p = parsePercent(input);
    expect(p && formatPercent(p)).toBe(text);
  });

  it.each([[-1], [Number.NaN], ["1e3"], ["abc"], [0.0000001]])("refuses %s", (input) => {
    expect(parsePercent(input)).toBeNull();
  });
});

describe("rounding is half-up per line, to the minor unit", () => {
  // amount (minor), percent, expected commission (minor)
  it.each([
    [1000, 10, 100],
    [4583, 20, 917], // 916.6 rounds up
    [917, 10, 92], // 91.7 rounds up
    [4583, 3, 137], // 137.49 rounds down
    [917, 3, 28], // 27.51 rounds up
    [5, 10, 1], // 0.5 is a half: up
    [4, 10, 0], // 0.4 rounds down
    [15, 10, 2], // 1.5 is a half: up
    [25, 2.5, 1], // 0.625 rounds up
    [1999, 12.5, 250], // 249.875
    [0, 50, 0],
    [333, 33.333333, 111], // 110.999998...
  ])("%d at %s%% is %d", (amount, percent, expected) => {
    const p = parsePercent(percent);
    if (!p) throw new Error("bad percent in table");
    expect(percentOf(amount, p)).toBe(expected);
  });
});

describe("allocateProportionally", () => {
  it("splits a discount of 500 over items of 5000 and 1000 as 417 and 83", () => {
    expect(allocateProportionally(500, [5000, 1000])).toEqual([417, 83]);
  });

  it("gives ties to the earlier weight", () => {
    expect(allocateProportionally(1, [1, 1])).toEqual([1, 0]);
  });

  it("always sums to the total and never gives a share above its exact value rounded up", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const shares = allocateProportionally(total, weights);
          const weightSum = weights.reduce((a, b) => a + b, 0);
          if (weightSum === 0) return shares.every((s) => s === 0);
          expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
          shares.forEach((s, i) => {
            const exact = (total * (weights[i] ?? 0)) / weightSum;
            expect(s).toBeGreaterThanOrEqual(Math.floor(exact) - 1e-9);
            expect(s).toBeLessThanOrEqual(Math.ceil(exact) + 1e-9);
          });
          return true;
        },
      ),
    );
  });
});
