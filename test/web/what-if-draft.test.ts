import { describe, expect, it } from "vitest";
import {
  canonical,
  changesOf,
  periodInstants,
  periodRange,
  type Period,
} from "../../web/admin/what-if-draft.ts";

describe("the What if? periods", () => {
  it.each<[Period, string, { from: string; to: string }]>([
    ["last30", "2026-12-02", { from: "2026-11-03", to: "2026-12-02" }],
    ["last90", "2026-12-02", { from: "2026-09-04", to: "2026-12-02" }],
    // Last quarter is the whole calendar quarter before today's.
    ["lastQuarter", "2026-12-02", { from: "2026-07-01", to: "2026-09-30" }],
    ["lastQuarter", "2026-04-01", { from: "2026-01-01", to: "2026-03-31" }],
    // In the first quarter, last quarter is the previous year's fourth.
    ["lastQuarter", "2027-02-15", { from: "2026-10-01", to: "2026-12-31" }],
    ["thisYear", "2026-12-02", { from: "2026-01-01", to: "2026-12-02" }],
    ["thisYear", "2027-01-01", { from: "2027-01-01", to: "2027-01-01" }],
  ])("%s on %s covers %o", (period, today, range) => {
    expect(periodRange(period, today)).toEqual(range);
  });

  it("run from the first day's midnight in the program's zone to the last day's end", () => {
    const range = { from: "2026-11-01", to: "2026-11-30" };
    const later = Date.parse("2027-01-01T00:00:00Z");
    expect(periodInstants(range, "UTC", later)).toEqual({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
    });
    // New York is five hours behind UTC in November.
    expect(periodInstants(range, "America/New_York", later)).toEqual({
      from: "2026-11-01T04:00:00.000Z",
      to: "2026-12-01T05:00:00.000Z",
    });
  });

  it("end now when the last day is today, since nothing later has happened", () => {
    const now = Date.parse("2026-12-02T15:30:00Z");
    expect(periodInstants({ from: "2026-09-04", to: "2026-12-02" }, "UTC", now)).toEqual({
      from: "2026-09-04T00:00:00.000Z",
      to: "2026-12-02T15:30:00.000Z",
    });
  });
});

describe("a What if? draft", () => {
  it("is the same draft whatever order its keys were written in", () => {
    expect(canonical({ program: { a: 1, b: [{ y: 1, x: 2 }] }, goals: [] })).toBe(
      canonical({ goals: [], program: { b: [{ x: 2, y: 1 }], a: 1 } }),
    );
    expect(canonical({ program: { a: 1 } })).not.toBe(canonical({ program: { a: 2 } }));
    // A list's order is part of what it says.
    expect(canonical({ upline: [1, 2] })).not.toBe(canonical({ upline: [2, 1] }));
  });
});

describe("a change told in words", () => {
  const program = {
    commission: {
      rate: { percent: 10 },
      upline: [{ percent: 3 }],
      bySku: { MUG: { flat: 150 } },
    },
    attribution: { cookieDays: 30 },
  };

  it.each<[string, unknown, string[]]>([
    [
      "a rate, in percent",
      { commission: { rate: { percent: 15 } } },
      ["commission › rate: 10% → 15%"],
    ],
    [
      "a rate turned flat, in the program's money",
      { commission: { rate: { flat: 250 } } },
      ["commission › rate: 10% → $2.50"],
    ],
    [
      "a new cap, as money",
      { commission: { caps: { perParticipantMonthly: 50000 } } },
      ["commission › caps › per participant monthly: none → $500.00"],
    ],
    [
      "an upline level changed in place, counted from 1",
      { commission: { upline: [{ percent: 4 }] } },
      ["commission › upline › 1: 3% → 4%"],
    ],
    [
      "an upline level added: the list, whole",
      { commission: { upline: [{ percent: 3 }, { percent: 1 }] } },
      ["commission › upline: 3% → 3%, 1%"],
    ],
    [
      "a setting removed by null",
      { commission: { bySku: null } },
      ['commission › by sku: {"MUG":{"flat":150}} → removed'],
    ],
    [
      "only what the patch names, what it repeats unchanged left unsaid",
      { commission: { rate: { percent: 10 } }, attribution: { cookieDays: 45 } },
      ["attribution › cookie days: 30 → 45"],
    ],
    ["nothing, for an empty patch", {}, []],
  ])("%s", (_, patch, lines) => {
    expect(changesOf(program, patch, "USD", true)).toEqual(lines);
  });

  it("tells a money goal's threshold as money", () => {
    const steps = (threshold: number) => ({ steps: [{ threshold }] });
    expect(changesOf(steps(50000), steps(60000), "USD", false, ["threshold"])).toEqual([
      "steps › 1 › threshold: $500.00 → $600.00",
    ]);
    expect(changesOf(steps(5), steps(6), "USD", false)).toEqual(["steps › 1 › threshold: 5 → 6"]);
  });

  it("tells a whole new goal body against the old one, step by step, and a field dropped", () => {
    const before = {
      name: "First sale",
      metric: "order_count",
      filter: { skus: ["MUG"] },
      steps: [{ threshold: 1, reward: { type: "points", points: 50 } }],
    };
    const after = {
      name: "First sale",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "cash", amount: 500 } }],
    };
    expect(changesOf(before, after, "USD", false)).toEqual([
      'filter: {"skus":["MUG"]} → removed',
      "steps › 1 › reward › type: “points” → “cash”",
      "steps › 1 › reward › points: 50 → removed",
      "steps › 1 › reward › amount: none → $5.00",
    ]);
  });
});
