import { describe, expect, it } from "vitest";
import type { ActiveGoal } from "../../src/domain/goal-progress.ts";
import type { Goal } from "../../src/domain/goals.ts";
import {
  grantsOfTarget,
  targetChange,
  targetGrantsNow,
  type TargetStanding,
} from "../../src/domain/targets.ts";

/** Half the target pays $25.00, all of it 50 points. */
const shirts = (fields: Partial<Goal> = {}): ActiveGoal => ({
  id: "gol_shirts",
  version: 1,
  goal: {
    name: "Shirts",
    metric: "sku_quantity",
    filter: { skus: ["SHIRT"] },
    window: { type: "monthly" },
    target: { type: "per_participant" },
    steps: [
      { percent: 50, reward: { type: "cash", amount: 2500 } },
      { percent: 100, reward: { type: "points", points: 50 } },
    ],
    evaluate: "immediately",
    returns: "ignore",
    showInWidget: true,
    ...fields,
  },
});

// Late November 2026 in UTC: the 2026-11 window is open.
const at = { nowMs: Date.parse("2026-11-25T12:00:00Z"), timezone: "UTC" };
const ana = { participantId: "par_ana", level: null, active: true };
const row = (target: number, period = "2026-11") => ({
  participantId: "par_ana",
  goalId: "gol_shirts",
  period,
  target,
});
const standing = (value: number, granted: number[] = []): TargetStanding => ({
  previous: 100,
  value,
  granted,
});
const stepsOf = (goal: ActiveGoal, target: number, s: TargetStanding, who = ana) =>
  grantsOfTarget(goal, who, row(target), s, at, () => "V-1").map((g) => g.step);

describe("what a new target grants at once", () => {
  it.each([
    // [sold, new target, steps already granted, steps granted now]
    [40, 100, [], []],
    [40, 80, [], [1]],
    [40, 40, [], [1, 2]],
    [40, 40, [1], [2]],
    [40, 200, [1], []],
    [0, 1, [], []],
  ])("%i sold against a target of %i, with %j granted, grants %j", (sold, target, granted, now) => {
    expect(stepsOf(shirts(), target, standing(sold, granted))).toEqual(now);
  });

  it("grants with the resolved reward, the period as its window and no event", () => {
    expect(grantsOfTarget(shirts(), ana, row(80), standing(40), at, () => "V-1")).toEqual([
      {
        goalId: "gol_shirts",
        version: 1,
        participantId: "par_ana",
        windowKey: "2026-11",
        step: 1,
        reward: { type: "cash", amount: 2500 },
        valueAchieved: 40,
        eventId: null,
      },
    ]);
  });

  it("grants nothing to a participant who is not active", () => {
    expect(stepsOf(shirts(), 40, standing(40), { ...ana, active: false })).toEqual([]);
  });

  it.each([
    ["a goal that grants at its window's end", shirts({ evaluate: "at_window_end" }), "2026-11"],
    ["a closed window", shirts(), "2026-10"],
    ["a window not open yet", shirts(), "2026-12"],
    ["a quarter of a monthly goal", shirts(), "2026-Q4"],
  ])("grants nothing for %s", (_, goal, period) => {
    expect(targetGrantsNow(goal, period, at)).toBe(false);
    expect(grantsOfTarget(goal, ana, row(1, period), standing(40), at, () => "V-1")).toEqual([]);
  });

  it("reads the window in the program's time zone", () => {
    // 23:30 on 30 November in New York is already December in UTC.
    const late = { nowMs: Date.parse("2026-12-01T04:30:00Z"), timezone: "America/New_York" };
    expect(targetGrantsNow(shirts(), "2026-11", late)).toBe(true);
    expect(targetGrantsNow(shirts(), "2026-11", { ...late, timezone: "UTC" })).toBe(false);
  });
});

describe("what a row changes", () => {
  it.each([
    [500, null, { kind: "new" }],
    [500, 500, { kind: "unchanged" }],
    [400, 500, { kind: "replaces", previous: 500 }],
  ] as const)("a target of %i over %s is %j", (target, previous, change) => {
    expect(targetChange(target, previous)).toEqual(change);
  });
});
