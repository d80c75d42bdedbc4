import { describe, expect, it } from "vitest";
import { daysIn, presetRange, type Preset } from "../../web/admin/dates.ts";

describe("the Overview's presets", () => {
  it.each<[Preset, string, { from: string; to: string }]>([
    ["today", "2026-12-02", { from: "2026-12-02", to: "2026-12-02" }],
    ["last7", "2026-12-02", { from: "2026-11-26", to: "2026-12-02" }],
    ["last30", "2026-12-02", { from: "2026-11-03", to: "2026-12-02" }],
    ["thisMonth", "2026-12-02", { from: "2026-12-01", to: "2026-12-02" }],
    // Last month ends on the day before this one began, whatever its length.
    ["lastMonth", "2026-12-02", { from: "2026-11-01", to: "2026-11-30" }],
    ["lastMonth", "2028-03-31", { from: "2028-02-01", to: "2028-02-29" }],
    // In January, last month is the previous year's December.
    ["lastMonth", "2027-01-15", { from: "2026-12-01", to: "2026-12-31" }],
    ["thisQuarter", "2026-12-02", { from: "2026-10-01", to: "2026-12-02" }],
    ["thisQuarter", "2026-01-01", { from: "2026-01-01", to: "2026-01-01" }],
    ["thisQuarter", "2026-06-30", { from: "2026-04-01", to: "2026-06-30" }],
  ])("%s on %s covers %o", (preset, today, range) => {
    expect(presetRange(preset, today)).toEqual(range);
  });

  it("count the days of a range with both ends included", () => {
    expect(daysIn("2026-12-02", "2026-12-02")).toBe(1);
    expect(daysIn("2026-11-26", "2026-12-02")).toBe(7);
    expect(daysIn("2028-02-01", "2028-02-29")).toBe(29);
  });
});
