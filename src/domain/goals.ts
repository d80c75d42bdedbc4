import { z } from "zod";
import { saneInstant, withinSaneRange } from "./instants.ts";
import { parsePercent, percentOf, type Percent } from "./money.ts";
import {
  calendarPeriodByKey,
  calendarPeriodOf,
  isLocalDate,
  localMidnightUtcMs,
} from "./periods.ts";
import { percentValue } from "./program.ts";

/**
 * Goals: a metric measured per participant over a window, a ladder of steps,
 * and a reward per step. The same schema validates requests, reads stored
 * versions back and makes the OpenAPI document.
 */
export const METRICS = [
  "sales_amount",
  "order_count",
  "sku_amount",
  "sku_quantity",
  "points_earned",
  "review_count",
  "referral_count",
  "signup_count",
  "lead_count",
  "custom_count",
  "inactivity_days",
] as const;
export type Metric = (typeof METRICS)[number];

/** Metrics measured in the program's money; the rest are counts (or points, or days). */
export const MONEY_METRICS: ReadonlySet<Metric> = new Set(["sales_amount", "sku_amount"]);

const key = z.string().min(1).max(100);
const isoInstant = saneInstant();
/** What a request may give as a fixed window's edge; a date is stored as its local midnight. */
const windowEdge = withinSaneRange(
  z.union([z.iso.datetime({ offset: true }), z.iso.date()]),
).describe(
  "an instant with its offset, or a date (YYYY-MM-DD) meaning midnight in the program's time zone",
);

const windowSchemaWith = (edge: typeof isoInstant | typeof windowEdge) =>
  z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("lifetime") }),
    z.strictObject({ type: z.literal("fixed"), start: edge, end: edge }),
    z.strictObject({ type: z.literal("monthly") }),
    z.strictObject({ type: z.literal("quarterly") }),
  ]);
/** A window as stored: a fixed window's edges are instants. */
export const windowSchema = windowSchemaWith(isoInstant);
const windowInputSchema = windowSchemaWith(windowEdge);

const positiveInt = z.number().int().positive();
const otherProgram = z
  .string()
  .min(1)
  .max(100)
  .optional()
  .describe(
    "credit another program of the same brand (the same person's membership there, by externalId)",
  );

export const simpleRewardSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("points"), points: positiveInt, program: otherProgram }),
  z.strictObject({
    type: z.literal("cash"),
    amount: positiveInt.describe("minor units"),
    program: otherProgram,
  }),
  z.strictObject({
    type: z.literal("percent_of_value"),
    percent: percentValue,
    program: otherProgram,
  }),
  z.strictObject({
    type: z.literal("points_per"),
    points: positiveInt,
    per: positiveInt.describe("points for every `per` achieved (minor units for money metrics)"),
    program: otherProgram,
  }),
  z.strictObject({
    type: z.literal("free_product"),
    sku: key,
    name: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("The product's name as shoppers know it, such as Zip Hoodie"),
    program: otherProgram,
  }),
  z.strictObject({ type: z.literal("level"), level: key, program: otherProgram }),
]);

export const rewardSchema = z.union([
  simpleRewardSchema,
  z.strictObject({
    byLevel: z.record(key, simpleRewardSchema),
    default: simpleRewardSchema.optional(),
    program: otherProgram,
  }),
]);

export const stepSchema = z.strictObject({
  threshold: positiveInt
    .optional()
    .describe("with a fixed target: the value that reaches the step"),
  percent: percentValue
    .optional()
    .describe("with a per-participant target: the percent of the target that reaches the step"),
  reward: rewardSchema,
});

const goalFields = {
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  metric: z.enum(METRICS),
  filter: z
    .strictObject({
      skus: z
        .array(key)
        .min(1)
        .max(1000)
        .optional()
        .describe("the SKUs sales and order metrics count"),
      name: z.string().min(1).max(200).optional().describe("custom_count: the custom events' name"),
    })
    .optional(),
  window: windowSchema,
  target: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("fixed") }),
    z.strictObject({ type: z.literal("per_participant") }),
  ]),
  steps: z.array(stepSchema).min(1).max(100),
  evaluate: z.enum(["immediately", "at_window_end"]),
  returns: z.enum(["ignore", "subtract"]),
  showInWidget: z.boolean(),
};

/** A goal as stored: every field present. */
export const goalSchema = z.strictObject(goalFields).superRefine(checkGoal);
export type Goal = z.infer<typeof goalSchema>;
export type GoalWindow = Goal["window"];
export type Step = Goal["steps"][number];
export type Reward = z.infer<typeof rewardSchema>;
export type SimpleReward = z.infer<typeof simpleRewardSchema>;

/** A goal as the API takes it: the usual choices may be left out (see normalizeGoal). */
export const goalInputSchema = z
  .strictObject({
    ...goalFields,
    window: windowInputSchema.optional(),
    target: goalFields.target.optional(),
    evaluate: goalFields.evaluate.optional(),
    returns: goalFields.returns.optional(),
    showInWidget: z.boolean().optional(),
  })
  // The program's time zone is not known here; dates read as UTC midnight are
  // close enough to order a window's edges, and the engine checks again.
  .superRefine((input, ctx) => checkGoal(normalizeGoal(input, "UTC"), ctx));
export type GoalInput = z.infer<typeof goalInputSchema>;

/**
 * Fills in the defaults (lifetime, fixed target, immediately, returns ignored,
 * shown unless inactivity) and turns a fixed window's dates into the instants
 * they begin at in the program's time zone.
 */
export function normalizeGoal(input: GoalInput, timeZone: string): Goal {
  return {
    ...input,
    window: input.window ? windowInstants(input.window, timeZone) : { type: "lifetime" },
    target: input.target ?? { type: "fixed" },
    evaluate: input.evaluate ?? "immediately",
    returns: input.returns ?? "ignore",
    showInWidget: input.showInWidget ?? input.metric !== "inactivity_days",
  };
}

function windowInstants(window: GoalWindow, timeZone: string): GoalWindow {
  if (window.type !== "fixed") return window;
  const instant = (edge: string) =>
    isLocalDate(edge) ? new Date(localMidnightUtcMs(edge, timeZone)).toISOString() : edge;
  return { type: "fixed", start: instant(window.start), end: instant(window.end) };
}

/** PATCH: any subset of the fields; the result is checked as a whole goal. */
export const goalPatchSchema = z.strictObject({
  name: goalFields.name.optional(),
  description: goalFields.description,
  metric: goalFields.metric.optional(),
  filter: goalFields.filter.nullable(),
  window: windowInputSchema.optional(),
  target: goalFields.target.optional(),
  steps: goalFields.steps.optional(),
  evaluate: goalFields.evaluate.optional(),
  returns: goalFields.returns.optional(),
  showInWidget: z.boolean().optional(),
});

/** Rules across fields; each issue names the field to fix. */
export function checkGoal(goal: Goal, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const perParticipant = goal.target.type === "per_participant";
  goal.steps.forEach((step, i) => {
    if (perParticipant && step.percent === undefined)
      issue(["steps", i, "percent"], "a per-participant target needs a percent on every step");
    if (!perParticipant && step.threshold === undefined)
      issue(["steps", i, "threshold"], "a fixed target needs a threshold on every step");
    if (perParticipant && step.threshold !== undefined)
      issue(["steps", i, "threshold"], "a per-participant target takes percent, not threshold");
    if (!perParticipant && step.percent !== undefined)
      issue(["steps", i, "percent"], "a fixed target takes threshold, not percent");
    if (step.percent !== undefined && Number(step.percent) <= 0)
      issue(["steps", i, "percent"], "must be greater than 0");
    if (i === 0) return;
    const previous = goal.steps[i - 1];
    if (!previous) return;
    const field = perParticipant ? "percent" : "threshold";
    const [before, now] = [stepSize(previous, perParticipant), stepSize(step, perParticipant)];
    if (before !== null && now !== null && now <= before)
      issue(
        ["steps", i, field],
        `steps must strictly increase: step ${i + 1}'s ${field} (${String(step[field])}) is not greater than step ${i}'s (${String(previous[field])})`,
      );
  });
  if (goal.window.type === "fixed" && Date.parse(goal.window.end) <= Date.parse(goal.window.start))
    issue(["window", "end"], "must be after window.start");
  if (perParticipant && goal.window.type !== "monthly" && goal.window.type !== "quarterly")
    issue(
      ["target", "type"],
      "per-participant targets are imported per month or quarter: use a monthly or quarterly window",
    );
  if ((goal.metric === "sku_amount" || goal.metric === "sku_quantity") && !goal.filter?.skus)
    issue(
      ["filter", "skus"],
      `${goal.metric} counts the SKUs filter.skus lists: give at least one`,
    );
  if (goal.metric === "custom_count" && goal.filter?.name === undefined)
    issue(
      ["filter", "name"],
      'custom_count counts custom events of one name: give it as filter.name, such as {"name": "webinar_attended"}',
    );
  if (goal.metric !== "custom_count" && goal.filter?.name !== undefined)
    issue(["filter", "name"], "filter.name chooses custom events: only custom_count takes it");
  if (goal.filter !== undefined && goal.filter.skus === undefined && goal.filter.name === undefined)
    issue(
      ["filter"],
      "an empty filter chooses nothing: give filter.skus or filter.name, or leave it out",
    );
  if (goal.metric === "inactivity_days") {
    if (goal.showInWidget)
      issue(["showInWidget"], "inactivity goals are never shown in the widget");
    if (goal.window.type !== "lifetime")
      issue(["window", "type"], "inactivity is measured in spells, not windows: use lifetime");
    if (goal.evaluate !== "immediately")
      issue(["evaluate"], "inactivity steps are granted as each number of days passes");
    if (perParticipant) issue(["target", "type"], "inactivity goals take fixed thresholds (days)");
  }
}

/** The number a step is ordered by: its threshold, or its percent scaled to compare exactly. */
function stepSize(step: Step, perParticipant: boolean): number | null {
  if (!perParticipant) return step.threshold ?? null;
  const p = step.percent === undefined ? null : parsePercent(step.percent);
  return p === null ? null : Number(p.digits) / 10 ** p.scale;
}

/** Whether a storefront shows the goal: only if asked, and never an inactivity goal. */
export function isShownInWidget(goal: Goal): boolean {
  return goal.showInWidget && goal.metric !== "inactivity_days";
}

/** What reward checks need to know of a program: its levels and its currency. */
export interface RewardTerms {
  readonly levels: readonly string[];
  readonly currency: string;
}

/**
 * Checks that need the programs: the levels a reward names exist where it is
 * credited, byLevel keys are levels of the goal's own program (the
 * participant's level there chooses), and a share of money achieved in one
 * currency is never paid into a program that counts another.
 */
export function rewardIssues(
  goal: Goal,
  home: RewardTerms,
  credited: ReadonlyMap<string, RewardTerms>,
): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const levelList = (levels: readonly string[]) => levels.join(", ") || "none defined";
  goal.steps.forEach((step, i) => {
    const check = (reward: SimpleReward, outer: string | undefined, path: string) => {
      const programId = reward.program ?? outer;
      const terms = programId === undefined ? home : credited.get(programId);
      // A program that is not the brand's is reported once, by the caller.
      if (!terms) return;
      const where = programId === undefined ? "the program's" : `program ${programId}'s`;
      if (reward.type === "level" && !terms.levels.includes(reward.level))
        issues.push({
          path: `${path}.level`,
          message: `level "${reward.level}" is not one of ${where} levels (${levelList(terms.levels)})`,
        });
      if (
        reward.type === "percent_of_value" &&
        MONEY_METRICS.has(goal.metric) &&
        terms.currency !== home.currency
      )
        issues.push({
          path: `${path}.program`,
          message: `a percent of sales in ${home.currency} cannot be paid into program ${programId ?? ""}, which counts ${terms.currency}; give a cash amount in ${terms.currency} instead`,
        });
    };
    const r = step.reward;
    if ("byLevel" in r) {
      for (const [level, inner] of Object.entries(r.byLevel)) {
        if (!home.levels.includes(level))
          issues.push({
            path: `steps.${i}.reward.byLevel.${level}`,
            message: `level "${level}" is not one of the program's levels (${levelList(home.levels)})`,
          });
        check(inner, r.program, `steps.${i}.reward.byLevel.${level}`);
      }
      if (r.default) check(r.default, r.program, `steps.${i}.reward.default`);
    } else check(r, undefined, `steps.${i}.reward`);
  });
  return issues;
}

/** Every other program a goal's rewards credit. */
export function creditedPrograms(goal: Goal): string[] {
  const ids = new Set<string>();
  for (const step of goal.steps) {
    const r = step.reward;
    if (r.program) ids.add(r.program);
    if ("byLevel" in r) {
      for (const inner of Object.values(r.byLevel)) if (inner.program) ids.add(inner.program);
      if (r.default?.program) ids.add(r.default.program);
    }
  }
  return [...ids];
}

// ---------------------------------------------------------------- windows

/** One window of a goal: where progress resets. */
export interface GoalWindowSpan {
  /** `lifetime`, `fixed`, `2026-11`, `2026-Q4`. */
  readonly key: string;
  readonly startMs: number | null;
  readonly endMs: number | null;
}

// Windows are shared objects, one per span, so that callers can key maps by them.
const LIFETIME: GoalWindowSpan = { key: "lifetime", startMs: null, endMs: null };
const fixedSpans = new WeakMap<GoalWindow, GoalWindowSpan>();

/** The window an instant falls in, or null when it falls outside a fixed window. */
export function windowAt(
  window: GoalWindow,
  atMs: number,
  timeZone: string,
): GoalWindowSpan | null {
  switch (window.type) {
    case "lifetime":
      return LIFETIME;
    case "fixed": {
      let span = fixedSpans.get(window);
      if (!span) {
        span = { key: "fixed", startMs: Date.parse(window.start), endMs: Date.parse(window.end) };
        fixedSpans.set(window, span);
      }
      return atMs >= (span.startMs ?? 0) && atMs < (span.endMs ?? 0) ? span : null;
    }
    case "monthly":
    case "quarterly":
      return calendarPeriodOf(atMs, timeZone, window.type === "monthly" ? "month" : "quarter");
  }
}

/** The window a key names, for reading a past window's progress. */
export function windowByKey(
  window: GoalWindow,
  windowKey: string,
  timeZone: string,
): GoalWindowSpan | null {
  switch (window.type) {
    case "lifetime":
      return windowKey === "lifetime" ? { key: "lifetime", startMs: null, endMs: null } : null;
    case "fixed":
      return windowKey === "fixed"
        ? { key: "fixed", startMs: Date.parse(window.start), endMs: Date.parse(window.end) }
        : null;
    case "monthly":
    case "quarterly": {
      const period = calendarPeriodByKey(windowKey, timeZone);
      const monthly = /^\d{4}-\d{2}$/.test(windowKey);
      return period && monthly === (window.type === "monthly") ? period : null;
    }
  }
}

/**
 * The window for a goal at `atMs` as seen at `nowMs`: open, or closed and
 * either still in its grace period (counts) or past it (late).
 */
export function windowFor(
  window: GoalWindow,
  atMs: number,
  nowMs: number,
  timeZone: string,
  graceMs: number,
): { span: GoalWindowSpan; late: boolean } | null {
  const span = windowAt(window, atMs, timeZone);
  if (!span) return null;
  return { span, late: span.endMs !== null && nowMs >= span.endMs + graceMs };
}

// ---------------------------------------------------------------- steps

/**
 * What reaching a step takes: its threshold, or, with a per-participant
 * target, the percent of that target rounded up to a whole unit (reaching
 * 50% of 7 takes 4). Null when the participant has no target for the window.
 */
export function stepThreshold(step: Step, target: number | null): number | null {
  if (step.threshold !== undefined) return step.threshold;
  if (target === null || step.percent === undefined) return null;
  const p = percentOfStep(step.percent);
  const scaled = BigInt(target) * p.digits;
  const denominator = 100n * 10n ** BigInt(p.scale);
  return Number((scaled + denominator - 1n) / denominator);
}

/** Parsed step percents, by their text: parsing is a regex, and steps are read for every event. */
const stepPercents = new Map<string | number, Percent>();
function percentOfStep(percent: string | number): Percent {
  let parsed = stepPercents.get(percent);
  if (parsed === undefined) {
    // The schema refused anything parsePercent cannot read.
    parsed = parsePercent(percent) as Percent;
    stepPercents.set(percent, parsed);
  }
  return parsed;
}

/** Steps (1-based) whose threshold `value` reaches, lowest first. */
export function stepsReached(goal: Goal, value: number, target: number | null): number[] {
  const reached: number[] = [];
  goal.steps.forEach((step, i) => {
    const threshold = stepThreshold(step, target);
    if (threshold !== null && value >= threshold) reached.push(i + 1);
  });
  return reached;
}

/** The goal's whole target: a per-participant target, or the last step's threshold. */
export function fullTarget(goal: Goal, target: number | null): number | null {
  if (goal.target.type === "per_participant") return target;
  return goal.steps.at(-1)?.threshold ?? null;
}

export type Band = "red" | "orange" | "green";

/** Progress colour: red below 90%, orange from 90% to below 100%, green at 100% and above. */
export function bandOf(value: number, target: number): Band {
  if (value >= target) return "green";
  return value * 10 >= target * 9 ? "orange" : "red";
}

/** Whole percent achieved, rounded down so that 99.9% never reads as 100%. */
export function percentAchieved(value: number, target: number): number {
  if (target <= 0 || value <= 0) return 0;
  // Exact, and never past what a number counts exactly: a huge value over a
  // tiny target would otherwise be a float rounded beyond 2^53.
  const percent = (BigInt(Math.trunc(value)) * 100n) / BigInt(Math.trunc(target));
  return percent > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(percent);
}

// ---------------------------------------------------------------- rewards

/** A reward as granted: what the participant gets, resolved for their level and value. */
export type GrantedReward =
  | { readonly type: "points"; readonly points: number; readonly program?: string }
  | { readonly type: "cash"; readonly amount: number; readonly program?: string }
  | {
      readonly type: "free_product";
      readonly sku: string;
      readonly voucherCode: string;
      readonly program?: string;
    }
  | { readonly type: "level"; readonly level: string; readonly program?: string };

/**
 * Resolves a step's reward for a participant's level and the value achieved:
 * percent_of_value is cash for money metrics and points otherwise (half-up);
 * points_per pays for every whole `per` achieved. Null when a byLevel reward
 * has nothing for the level and no default.
 */
export function resolveReward(
  reward: Reward,
  context: {
    level: string | null;
    metric: Metric;
    valueAchieved: number;
    voucherCode: () => string;
  },
): GrantedReward | null {
  let chosen: SimpleReward | undefined;
  let program = reward.program;
  if ("byLevel" in reward) {
    chosen = (context.level === null ? undefined : reward.byLevel[context.level]) ?? reward.default;
  } else chosen = reward;
  if (!chosen) return null;
  program = chosen.program ?? program;
  const where = program === undefined ? {} : { program };
  const value = Math.max(0, context.valueAchieved);
  switch (chosen.type) {
    case "points":
      return { type: "points", points: chosen.points, ...where };
    case "cash":
      return { type: "cash", amount: chosen.amount, ...where };
    case "percent_of_value": {
      const amount = percentOf(value, parsePercent(chosen.percent) as Percent);
      return MONEY_METRICS.has(context.metric)
        ? { type: "cash", amount, ...where }
        : { type: "points", points: amount, ...where };
    }
    case "points_per":
      return { type: "points", points: Math.floor(value / chosen.per) * chosen.points, ...where };
    case "free_product":
      return {
        type: "free_product",
        sku: chosen.sku,
        voucherCode: context.voucherCode(),
        ...where,
      };
    case "level":
      return { type: "level", level: chosen.level, ...where };
  }
}

/**
 * An inactivity spell: from a participant's latest order (or their joining,
 * before any) until the next. Its key is the window its steps are granted in,
 * once per spell; a new order starts a new spell with a new key.
 */
export function spellKey(sinceMs: number): string {
  return `since:${new Date(sinceMs).toISOString()}`;
}
