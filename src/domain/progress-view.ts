import {
  bandOf,
  fullTarget,
  MONEY_METRICS,
  percentAchieved,
  stepThreshold,
  type Band,
  type Goal,
  type GoalWindowSpan,
  type Reward,
} from "./goals.ts";

/** One goal's progress as the API shows it to an admin, a participant or the widget. */
export interface ProgressView {
  readonly goalId: string;
  readonly name: string;
  readonly metric: Goal["metric"];
  /** What `value`, `target` and thresholds count: minor units of money, or a plain count. */
  readonly unit: "money" | "count" | "points" | "days";
  readonly version: number;
  readonly evaluate: Goal["evaluate"];
  readonly window: {
    readonly key: string;
    readonly start: string | null;
    readonly end: string | null;
  };
  readonly value: number;
  /** The whole target: the last step's threshold, or the participant's target for the period. */
  readonly target: number | null;
  readonly percent: number | null;
  readonly band: Band | null;
  readonly stepsReached: readonly StepView[];
  readonly nextStep: (StepView & { readonly remaining: number }) | null;
}

export interface StepView {
  readonly step: number;
  readonly threshold: number | null;
  readonly percent?: number | string;
  readonly reward: Reward;
  /** Whether the step's reward was granted in this window (at_window_end goals grant at the close). */
  readonly granted: boolean;
}

export function unitOf(metric: Goal["metric"]): ProgressView["unit"] {
  if (MONEY_METRICS.has(metric)) return "money";
  if (metric === "points_earned") return "points";
  if (metric === "inactivity_days") return "days";
  return "count";
}

export function progressView(input: {
  goalId: string;
  version: number;
  goal: Goal;
  window: GoalWindowSpan;
  value: number;
  /** The participant's target for the window's period (per-participant goals). */
  participantTarget: number | null;
  granted: readonly number[];
}): ProgressView {
  const { goal, value } = input;
  const target = fullTarget(goal, input.participantTarget);
  const steps: StepView[] = goal.steps.map((s, i) => ({
    step: i + 1,
    threshold: stepThreshold(s, input.participantTarget),
    ...(s.percent === undefined ? {} : { percent: s.percent }),
    reward: s.reward,
    granted: input.granted.includes(i + 1),
  }));
  // A step granted under an earlier version stays reached whatever the new
  // version asks: editing a goal never takes a completion back.
  const isReached = (s: StepView) => s.granted || (s.threshold !== null && value >= s.threshold);
  const reached = steps.filter(isReached);
  const next = steps.find((s) => !isReached(s) && s.threshold !== null);
  const completed = steps.length > 0 && steps.every(isReached);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    goalId: input.goalId,
    name: goal.name,
    metric: goal.metric,
    unit: unitOf(goal.metric),
    version: input.version,
    evaluate: goal.evaluate,
    window: {
      key: input.window.key,
      start: iso(input.window.startMs),
      end: iso(input.window.endMs),
    },
    value,
    target,
    percent: target === null ? null : Math.max(percentAchieved(value, target), completed ? 100 : 0),
    band: completed ? "green" : target === null ? null : bandOf(value, target),
    stepsReached: reached,
    nextStep: next ? { ...next, remaining: (next.threshold ?? 0) - value } : null,
  };
}

/** Whole days from `sinceMs` to `nowMs`: an inactivity goal's value. */
export function daysSince(sinceMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - sinceMs) / 86_400_000));
}
