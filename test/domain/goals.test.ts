import { describe, expect, it } from "vitest";
import {
  closingGrant,
  createGoalTracker,
  type Activity,
  type ActiveGoal,
} from "../../src/domain/goal-progress.ts";
import {
  bandOf,
  goalInputSchema,
  normalizeGoal,
  percentAchieved,
  resolveReward,
  stepThreshold,
  windowAt,
  type Goal,
  type GoalInput,
  type Metric,
} from "../../src/domain/goals.ts";

const TZ = "America/New_York";
const at = (iso: string) => Date.parse(iso);
const noVoucher = () => "V-1";

function goal(fields: Partial<GoalInput> & Pick<GoalInput, "metric" | "steps">): Goal {
  const parsed = goalInputSchema.safeParse({ name: "g", ...fields });
  if (!parsed.success) throw new Error(parsed.error.message);
  return normalizeGoal(parsed.data, TZ);
}

describe("steps", () => {
  it("must strictly increase, and the error names the offending step", () => {
    const result = goalInputSchema.safeParse({
      name: "g",
      metric: "order_count",
      steps: [
        { threshold: 5, reward: { type: "points", points: 1 } },
        { threshold: 20, reward: { type: "points", points: 1 } },
        { threshold: 20, reward: { type: "points", points: 1 } },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ["steps", 2, "threshold"],
        message: expect.stringContaining(
          "step 3's threshold (20) is not greater than step 2's (20)",
        ),
      }),
    ]);
  });

  it("with a per-participant target, percents must strictly increase too", () => {
    const result = goalInputSchema.safeParse({
      name: "g",
      metric: "sku_quantity",
      filter: { skus: ["A"] },
      window: { type: "monthly" },
      target: { type: "per_participant" },
      steps: [
        { percent: 75, reward: { type: "points", points: 1 } },
        { percent: 50, reward: { type: "points", points: 1 } },
      ],
    });
    expect(result.error?.issues[0]?.path).toEqual(["steps", 1, "percent"]);
  });

  it.each([
    [50, 7, 4],
    [75, 100, 75],
    [100, 120, 120],
    ["33.5", 10, 4],
  ])("%s%% of a target of %i takes %i", (percent, target, threshold) => {
    expect(stepThreshold({ percent, reward: { type: "points", points: 1 } }, target)).toBe(
      threshold,
    );
  });
});

describe("bands", () => {
  it.each([
    [0, 100, "red", 0],
    [89, 100, "red", 89],
    [899, 1000, "red", 89],
    [90, 100, "orange", 90],
    [92, 100, "orange", 92],
    [999, 1000, "orange", 99],
    [100, 100, "green", 100],
    [130, 100, "green", 130],
  ] as const)("%i of %i is %s at %i%%", (value, target, band, percent) => {
    expect(bandOf(value, target)).toBe(band);
    expect(percentAchieved(value, target)).toBe(percent);
  });
});

describe("rewards", () => {
  const ctx = (metric: Metric, valueAchieved: number, level: string | null = null) => ({
    metric,
    valueAchieved,
    level,
    voucherCode: noVoucher,
  });
  it("percent_of_value is cash on money metrics (half-up) and points otherwise", () => {
    const reward = { type: "percent_of_value" as const, percent: "2.5" };
    expect(resolveReward(reward, ctx("sales_amount", 55010))).toEqual({
      type: "cash",
      amount: 1375,
    });
    expect(resolveReward(reward, ctx("sales_amount", 55030))).toEqual({
      type: "cash",
      amount: 1376,
    });
    expect(resolveReward(reward, ctx("sku_quantity", 140))).toEqual({ type: "points", points: 4 });
  });
  it("points_per pays for every whole unit of `per` achieved", () => {
    const reward = { type: "points_per" as const, points: 10, per: 10000 };
    expect(resolveReward(reward, ctx("sales_amount", 29999))).toEqual({
      type: "points",
      points: 20,
    });
    expect(resolveReward({ ...reward, points: 1, per: 1 }, ctx("order_count", 7))).toEqual({
      type: "points",
      points: 7,
    });
  });
  it("byLevel picks the participant's level, else the default, else nothing", () => {
    const reward = {
      byLevel: { gold: { type: "points" as const, points: 300 } },
      default: { type: "points" as const, points: 100 },
    };
    expect(resolveReward(reward, ctx("order_count", 1, "gold"))).toEqual({
      type: "points",
      points: 300,
    });
    expect(resolveReward(reward, ctx("order_count", 1, "silver"))).toEqual({
      type: "points",
      points: 100,
    });
    expect(resolveReward({ byLevel: reward.byLevel }, ctx("order_count", 1))).toBeNull();
  });
  it("a free product carries a voucher code; a reward may credit another program", () => {
    expect(
      resolveReward(
        { type: "free_product", sku: "SHIRT-M", program: "prg_2" },
        ctx("order_count", 30),
      ),
    ).toEqual({ type: "free_product", sku: "SHIRT-M", voucherCode: "V-1", program: "prg_2" });
  });
});

describe("windows in a time zone that is not UTC", () => {
  const monthly = { type: "monthly" } as const;
  it("a month ends at local midnight", () => {
    expect(windowAt(monthly, at("2026-11-01T03:59:59.999Z"), TZ)?.key).toBe("2026-10");
    expect(windowAt(monthly, at("2026-11-01T04:00:00.000Z"), TZ)?.key).toBe("2026-11");
  });
  it("a month with a DST change inside it spans its local days exactly", () => {
    // Clocks go forward on March 8, 2026 in New York: March is 31 days less one hour.
    const march = windowAt(monthly, at("2026-03-15T12:00:00Z"), TZ);
    expect(march).toEqual({
      key: "2026-03",
      startMs: at("2026-03-01T05:00:00Z"),
      endMs: at("2026-04-01T04:00:00Z"),
    });
    const november = windowAt(monthly, at("2026-11-15T12:00:00Z"), TZ);
    expect(november?.endMs! - november?.startMs!).toBe(30 * 86_400_000 + 3_600_000);
  });
  it("quarters are calendar quarters in the zone", () => {
    expect(windowAt({ type: "quarterly" }, at("2026-12-31T23:00:00Z"), TZ)).toEqual({
      key: "2026-Q4",
      startMs: at("2026-10-01T04:00:00Z"),
      endMs: at("2027-01-01T05:00:00Z"),
    });
    expect(windowAt({ type: "quarterly" }, at("2027-01-01T05:00:00Z"), TZ)?.key).toBe("2027-Q1");
  });
  it("a fixed window is half-open: the end is not in it", () => {
    const fixed = {
      type: "fixed",
      start: "2026-11-01T00:00:00Z",
      end: "2026-12-01T00:00:00Z",
    } as const;
    expect(windowAt(fixed, at("2026-10-31T23:59:59Z"), TZ)).toBeNull();
    expect(windowAt(fixed, at("2026-11-30T23:59:59Z"), TZ)?.key).toBe("fixed");
    expect(windowAt(fixed, at("2026-12-01T00:00:00Z"), TZ)).toBeNull();
  });
  it("a fixed window given in dates runs from local midnight to local midnight", () => {
    const { window } = goal({
      metric: "order_count",
      window: { type: "fixed", start: "2026-11-01", end: "2026-12-01" },
      steps: [{ threshold: 1, reward: { type: "points", points: 1 } }],
    });
    // New York is on daylight time on November 1st and standard time on December 1st.
    expect(window).toEqual({
      type: "fixed",
      start: "2026-11-01T04:00:00.000Z",
      end: "2026-12-01T05:00:00.000Z",
    });
    expect(windowAt(window, at("2026-11-01T03:59:59Z"), TZ)).toBeNull();
    expect(windowAt(window, at("2026-12-01T04:59:59Z"), TZ)?.key).toBe("fixed");
    expect(windowAt(window, at("2026-12-01T05:00:00Z"), TZ)).toBeNull();
  });
  it("a fixed window's end must come after its start, dates and instants alike", () => {
    const result = goalInputSchema.safeParse({
      name: "g",
      metric: "order_count",
      window: { type: "fixed", start: "2026-12-01", end: "2026-11-01" },
      steps: [{ threshold: 1, reward: { type: "points", points: 1 } }],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["window.end"]);
    const notADate = goalInputSchema.safeParse({
      name: "g",
      metric: "order_count",
      window: { type: "fixed", start: "2026-11-31", end: "2026-12-01" },
      steps: [{ threshold: 1, reward: { type: "points", points: 1 } }],
    });
    expect(notADate.error?.issues[0]?.path).toEqual(["window", "start"]);
  });
});

// Every metric a ladder of two steps counts towards, under every window type
// and both evaluation modes: three activities in November, one in December.
const METRIC_CASES: {
  metric: Metric;
  thresholds: [number, number];
  activity: (p: string, t: number) => Activity;
}[] = [
  {
    metric: "sales_amount",
    thresholds: [2000, 3000],
    activity: (p, t) => ({
      kind: "order",
      participantId: p,
      atMs: t,
      items: [{ sku: "SHIRT", quantity: 1, valueMinor: 1000 }],
    }),
  },
  {
    metric: "order_count",
    thresholds: [2, 3],
    activity: (p, t) => ({
      kind: "order",
      participantId: p,
      atMs: t,
      items: [{ sku: "SHIRT", quantity: 1, valueMinor: 1000 }],
    }),
  },
  {
    metric: "sku_amount",
    thresholds: [2000, 3000],
    activity: (p, t) => ({
      kind: "order",
      participantId: p,
      atMs: t,
      items: [
        { sku: "SHIRT", quantity: 1, valueMinor: 1000 },
        { sku: "HAT", quantity: 1, valueMinor: 700 },
      ],
    }),
  },
  {
    metric: "sku_quantity",
    thresholds: [4, 6],
    activity: (p, t) => ({
      kind: "order",
      participantId: p,
      atMs: t,
      items: [
        { sku: "SHIRT", quantity: 2, valueMinor: 2000 },
        { sku: "HAT", quantity: 5, valueMinor: 700 },
      ],
    }),
  },
  {
    metric: "review_count",
    thresholds: [2, 3],
    activity: (p, t) => ({ kind: "review", participantId: p, atMs: t }),
  },
  {
    metric: "referral_count",
    thresholds: [2, 3],
    activity: (p, t) => ({ kind: "referral", participantId: p, atMs: t }),
  },
  {
    // Points granted by another goal (10 for each order) feed points_earned.
    metric: "points_earned",
    thresholds: [20, 30],
    activity: (p, t) => ({
      kind: "order",
      participantId: p,
      atMs: t,
      items: [{ sku: "SHIRT", quantity: 1, valueMinor: 1000 }],
    }),
  },
];

const WINDOWS = [
  { type: "lifetime" },
  { type: "fixed", start: "2026-11-01T00:00:00-04:00", end: "2026-12-01T00:00:00-05:00" },
  { type: "monthly" },
  { type: "quarterly" },
] as const;

const NOVEMBER = ["2026-11-05T12:00:00Z", "2026-11-06T12:00:00Z", "2026-11-07T12:00:00Z"].map(at);
const DECEMBER = at("2026-12-05T12:00:00Z");

describe.each(METRIC_CASES)("$metric", ({ metric, thresholds, activity }) => {
  describe.each(WINDOWS)("in a $type window", (window) => {
    const ladder = (evaluate: "immediately" | "at_window_end"): ActiveGoal => ({
      id: "gol_ladder",
      version: 1,
      goal: goal({
        metric,
        window,
        evaluate,
        ...(metric.startsWith("sku") ? { filter: { skus: ["SHIRT"] } } : {}),
        steps: [
          { threshold: thresholds[0], reward: { type: "points", points: 1 } },
          { threshold: thresholds[1], reward: { type: "points", points: 2 } },
        ],
      }),
    });
    // Gives 10 points per order so points_earned has something to count.
    const source: ActiveGoal = {
      id: "gol_source",
      version: 1,
      goal: goal({
        metric: "order_count",
        steps: [1, 2, 3, 4].map((n) => ({
          threshold: n,
          reward: { type: "points" as const, points: 10 },
        })),
      }),
    };
    const run = (evaluate: "immediately" | "at_window_end") => {
      const g = ladder(evaluate);
      const tracker = createGoalTracker(
        { timezone: TZ, nowMs: at("2026-11-08T00:00:00Z"), graceMs: 0 },
        {
          goals: metric === "points_earned" ? [source, g] : [g],
          progress: new Map(),
          granted: new Map(),
          targets: new Map(),
        },
        noVoucher,
      );
      const who = { participantId: "par_ana", level: null };
      const steps = NOVEMBER.map((t) =>
        tracker
          .record(activity("par_ana", t), who, null)
          .grants.filter((x) => x.goalId === g.id)
          .map((x) => x.step),
      );
      return { g, tracker, steps };
    };

    it("immediately: grants each step as the activity that crosses it is recorded", () => {
      const { steps, tracker } = run("immediately");
      expect(steps).toEqual([[], [1], [2]]);
      const value = tracker.progress().find((p) => p.goalId === "gol_ladder");
      expect(value?.value).toBe(thresholds[1]);
    });

    it("at_window_end: grants nothing until the window closes, then the highest step once", () => {
      const { steps, tracker, g } = run("at_window_end");
      expect(steps).toEqual([[], [], []]);
      const row = tracker.progress().find((p) => p.goalId === g.id);
      if (!row) throw new Error("no progress");
      const who = { participantId: "par_ana", level: null };
      expect(closingGrant(g, who, row.window.key, row.value, null, [], noVoucher)?.step).toBe(2);
      expect(closingGrant(g, who, row.window.key, row.value, null, [2], noVoucher)).toBeNull();
    });

    it("counts a December activity in the window December falls in, if any", () => {
      const { tracker, g } = run("immediately");
      tracker.record(
        activity("par_ana", DECEMBER),
        { participantId: "par_ana", level: null },
        null,
      );
      const rows = tracker.progress().filter((p) => p.goalId === g.id);
      const keys = rows.map((r) => r.window.key).sort();
      const expected = {
        lifetime: ["lifetime"],
        fixed: ["fixed"],
        monthly: ["2026-11", "2026-12"],
        quarterly: ["2026-Q4"],
      };
      expect(keys).toEqual(expected[window.type]);
    });
  });
});

describe("returns", () => {
  const refund: Activity = {
    kind: "refund",
    participantId: "par_ana",
    atMs: NOVEMBER[0] ?? 0,
    items: [{ sku: "SHIRT", quantity: 1, valueMinor: 1000 }],
    orderFullyRefunded: true,
  };
  it.each([
    ["ignore", 2000, 2],
    ["subtract", 1000, 1],
  ] as const)(
    "with returns %s, a refund leaves sales at %i and orders at %i",
    (returns, sales, orders) => {
      const goals: ActiveGoal[] = (["sales_amount", "order_count"] as const).map((metric) => ({
        id: metric,
        version: 1,
        goal: goal({
          metric,
          returns,
          steps: [{ threshold: 100000, reward: { type: "points", points: 1 } }],
        }),
      }));
      const tracker = createGoalTracker(
        { timezone: TZ, nowMs: at("2026-11-08T00:00:00Z"), graceMs: 0 },
        { goals, progress: new Map(), granted: new Map(), targets: new Map() },
        noVoucher,
      );
      const who = { participantId: "par_ana", level: null };
      const sale: Activity = {
        kind: "order",
        participantId: "par_ana",
        atMs: NOVEMBER[0] ?? 0,
        items: refund.items,
      };
      tracker.record(sale, who, null);
      tracker.record(sale, who, null);
      tracker.record(refund, who, null);
      const value = (id: string) => tracker.progress().find((p) => p.goalId === id)?.value;
      expect(value("sales_amount")).toBe(sales);
      expect(value("order_count")).toBe(orders);
    },
  );
});
