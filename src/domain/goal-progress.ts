import {
  resolveReward,
  stepsReached,
  windowFor,
  type Goal,
  type GoalWindowSpan,
  type GrantedReward,
} from "./goals.ts";
import { mulDivHalfUp } from "./money.ts";
import type { Lookup } from "./overlay.ts";

/**
 * Goal progress as events are processed: what an activity adds to each goal's
 * value in its window, and which steps an `immediately` goal grants when
 * crossed. Pure: the tracker starts from loaded state and collects facts.
 *
 * points_earned goals count points granted in this program by goals that are
 * not themselves points_earned goals. So no points_earned goal ever feeds
 * itself or another points_earned goal, and one event's grants settle in two
 * passes: every other goal first, then the points_earned goals.
 */
export interface ActiveGoal {
  readonly id: string;
  readonly version: number;
  readonly goal: Goal;
}

/** What happened, as goals measure it. */
export type Activity =
  | {
      readonly kind: "order";
      readonly participantId: string;
      readonly atMs: number;
      /** Items with their share of the commissionable value (discount spread). */
      readonly items: readonly Item[];
    }
  | {
      readonly kind: "refund";
      readonly participantId: string;
      /** Counts against the window of the order it returns. */
      readonly atMs: number;
      /** What this refund returns: units and their share of the value, per item. */
      readonly items: readonly Item[];
      /** True when this refund leaves nothing of the order. */
      readonly orderFullyRefunded: boolean;
    }
  | { readonly kind: "review"; readonly participantId: string; readonly atMs: number }
  /** A customer's first attributed signup or lead, counted for the referrer. */
  | { readonly kind: "signup" | "lead"; readonly participantId: string; readonly atMs: number }
  /** A custom event, counted by its name. */
  | {
      readonly kind: "custom";
      readonly participantId: string;
      readonly atMs: number;
      readonly name: string;
    }
  /** A recruit's first attributed order, counted for their sponsor. */
  | { readonly kind: "referral"; readonly participantId: string; readonly atMs: number }
  | {
      readonly kind: "points";
      readonly participantId: string;
      readonly atMs: number;
      readonly points: number;
    };

export interface Item {
  readonly sku: string;
  readonly quantity: number;
  readonly valueMinor: number;
}

/**
 * Stored state, nested the way the tracker reads it: by slot (a participant
 * and a window), then by goal. An order touches a few slots and many goals,
 * so one lookup per slot replaces one per goal.
 */
export interface GoalState {
  readonly goals: readonly ActiveGoal[];
  /** By slotKey(participant, window key), by goal id: the stored value. */
  readonly progress: Lookup<string, ReadonlyMap<string, number>>;
  /** By slotKey(participant, window key), by goal id: steps already granted (under any version). */
  readonly granted: Lookup<string, ReadonlyMap<string, readonly number[]>>;
  /** By slotKey(participant, period), by goal id: per-participant targets. */
  readonly targets: Lookup<string, ReadonlyMap<string, number>>;
}

export interface GoalRules {
  readonly timezone: string;
  readonly nowMs: number;
  /** How long after a window closes an event dated inside it still counts. */
  readonly graceMs: number;
}

export interface ProgressFact {
  readonly goalId: string;
  readonly participantId: string;
  readonly window: GoalWindowSpan;
  readonly value: number;
}

export interface GrantFact {
  readonly goalId: string;
  readonly version: number;
  readonly participantId: string;
  readonly windowKey: string;
  readonly step: number;
  readonly reward: GrantedReward;
  readonly valueAchieved: number;
  readonly eventId: string | null;
}

export interface LateFact {
  readonly goalId: string;
  readonly participantId: string;
  readonly windowKey: string;
  readonly message: string;
}

export const slotKey = (participantId: string, windowKey: string) =>
  `${participantId}|${windowKey}`;

/** Adds `value` under slot and goal in a nested map. */
export function setNested<T>(
  map: Map<string, Map<string, T>>,
  slot: string,
  goalId: string,
  value: T,
): void {
  let inner = map.get(slot);
  if (!inner) map.set(slot, (inner = new Map()));
  inner.set(goalId, value);
}

export interface Grantee {
  readonly participantId: string;
  readonly level: string | null;
}

export function createGoalTracker(rules: GoalRules, state: GoalState, voucherCode: () => string) {
  /** A participant's values and grants in one window, copied from the state on first use. */
  interface Slot {
    readonly participantId: string;
    readonly windowKey: string;
    readonly values: Map<string, number>;
    readonly granted: Map<string, readonly number[]>;
    readonly targets: ReadonlyMap<string, number> | undefined;
  }
  const slots = new Map<string, Slot>();
  const slotOf = (participantId: string, windowKey: string): Slot => {
    const key = slotKey(participantId, windowKey);
    let slot = slots.get(key);
    if (!slot) {
      slot = {
        participantId,
        windowKey,
        values: new Map(state.progress.get(key)),
        granted: new Map(state.granted.get(key)),
        targets: state.targets.get(key),
      };
      slots.set(key, slot);
    }
    return slot;
  };
  const changed = new Map<Slot, Map<string, ProgressFact>>();
  const grants: GrantFact[] = [];
  const measured = state.goals.filter((g) => g.goal.metric !== "inactivity_days");
  const firstPass = measured.filter((g) => g.goal.metric !== "points_earned");
  const pointsGoals = measured.filter((g) => g.goal.metric === "points_earned");

  /** Grants every step `value` reaches that the window has not granted yet, lowest first. */
  const grantReached = (
    g: ActiveGoal,
    who: Grantee,
    slot: Slot,
    value: number,
    eventId: string | null,
  ): GrantFact[] => {
    const done = slot.granted.get(g.id) ?? [];
    const target =
      g.goal.target.type === "per_participant" ? (slot.targets?.get(g.id) ?? null) : null;
    const made = dueGrants(g, who, slot.windowKey, value, target, done, eventId, voucherCode);
    if (made.length > 0) slot.granted.set(g.id, [...done, ...made.map((m) => m.step)]);
    return made;
  };

  const measure = (
    goals: readonly ActiveGoal[],
    activity: Activity,
    who: Grantee,
    eventId: string | null,
  ) => {
    const made: GrantFact[] = [];
    const late: LateFact[] = [];
    // Windows are shared objects (see windowAt), so the slot of each is found once.
    const bySpan = new Map<GoalWindowSpan, Slot>();
    for (const g of goals) {
      const delta = contribution(g.goal, activity);
      if (delta === null || delta === 0) continue;
      if (delta < 0 && g.goal.returns === "ignore") continue;
      const window = windowFor(
        g.goal.window,
        activity.atMs,
        rules.nowMs,
        rules.timezone,
        rules.graceMs,
      );
      if (!window) continue;
      if (window.late) {
        late.push({
          goalId: g.id,
          participantId: activity.participantId,
          windowKey: window.span.key,
          message: `the ${window.span.key} window of goal ${g.id} closed before this event arrived; it was recorded as late and not counted`,
        });
        continue;
      }
      let slot = bySpan.get(window.span);
      if (!slot) {
        slot = slotOf(activity.participantId, window.span.key);
        bySpan.set(window.span, slot);
      }
      const value = (slot.values.get(g.id) ?? 0) + delta;
      slot.values.set(g.id, value);
      let touched = changed.get(slot);
      if (!touched) changed.set(slot, (touched = new Map()));
      touched.set(g.id, {
        goalId: g.id,
        participantId: activity.participantId,
        window: window.span,
        value,
      });
      if (g.goal.evaluate === "immediately" && delta > 0)
        made.push(...grantReached(g, who, slot, value, eventId));
    }
    return { grants: made, late };
  };

  return {
    /**
     * Counts an activity towards every goal that measures it and grants the
     * steps it crosses; points those grants give then count for points_earned goals.
     */
    record(activity: Activity, who: Grantee, eventId: string | null) {
      const first = measure(firstPass, activity, who, eventId);
      const late = [...first.late];
      const made = [...first.grants];
      const points = first.grants.reduce(
        (sum, g) =>
          sum +
          (g.reward.type === "points" && g.reward.program === undefined ? g.reward.points : 0),
        0,
      );
      if (points > 0) {
        const second = measure(
          pointsGoals,
          { kind: "points", participantId: who.participantId, atMs: activity.atMs, points },
          who,
          eventId,
        );
        made.push(...second.grants);
        late.push(...second.late);
      }
      grants.push(...made);
      return { grants: made, late };
    },
    /** Progress rows to write: the latest value of every window that changed. */
    progress(): ProgressFact[] {
      return [...changed.values()].flatMap((byGoal) => [...byGoal.values()]);
    },
    grants(): GrantFact[] {
      return grants;
    },
  };
}

export type GoalTracker = ReturnType<typeof createGoalTracker>;

function grantOf(
  g: ActiveGoal,
  who: Grantee,
  windowKey: string,
  step: number,
  valueAchieved: number,
  eventId: string | null,
  voucherCode: () => string,
): GrantFact | null {
  const definition = g.goal.steps[step - 1];
  if (!definition) return null;
  const reward = resolveReward(definition.reward, {
    level: who.level,
    metric: g.goal.metric,
    valueAchieved,
    voucherCode,
  });
  if (!reward) return null;
  return {
    goalId: g.id,
    version: g.version,
    participantId: who.participantId,
    windowKey,
    step,
    reward,
    valueAchieved,
    eventId,
  };
}

/** Every step `value` reaches that is not granted yet, lowest first: what `immediately` goals give. */
export function dueGrants(
  g: ActiveGoal,
  who: Grantee,
  windowKey: string,
  value: number,
  target: number | null,
  alreadyGranted: readonly number[],
  eventId: string | null,
  voucherCode: () => string,
): GrantFact[] {
  const made: GrantFact[] = [];
  for (const step of stepsReached(g.goal, value, target)) {
    if (alreadyGranted.includes(step)) continue;
    const fact = grantOf(g, who, windowKey, step, value, eventId, voucherCode);
    if (fact) made.push(fact);
  }
  return made;
}

/**
 * The grant for the highest step a closed window reached, if any and not yet
 * granted: what `at_window_end` goals give once their window closes.
 */
export function closingGrant(
  g: ActiveGoal,
  who: Grantee,
  windowKey: string,
  value: number,
  target: number | null,
  alreadyGranted: readonly number[],
  voucherCode: () => string,
): GrantFact | null {
  const highest = stepsReached(g.goal, value, target).at(-1);
  if (highest === undefined || alreadyGranted.includes(highest)) return null;
  return grantOf(g, who, windowKey, highest, value, null, voucherCode);
}

/** What an activity adds to a goal's value; null when the goal does not measure it. */
export function contribution(goal: Goal, activity: Activity): number | null {
  // Loops rather than filter/reduce closures: this runs for every goal of
  // every event, and is most of what goals cost in Node.
  const skus = skuFilterOf(goal);
  switch (goal.metric) {
    case "sales_amount":
    case "sku_amount":
      if (activity.kind === "order") return sumOf(activity.items, skus, "valueMinor");
      if (activity.kind === "refund") return -sumOf(activity.items, skus, "valueMinor");
      return null;
    case "sku_quantity":
      if (activity.kind === "order") return sumOf(activity.items, skus, "quantity");
      if (activity.kind === "refund") return -sumOf(activity.items, skus, "quantity");
      return null;
    case "order_count":
      if (activity.kind === "order") return anyMatching(activity.items, skus) ? 1 : 0;
      // An order stops counting only when nothing of it is left.
      if (activity.kind === "refund")
        return activity.orderFullyRefunded && anyMatching(activity.items, skus) ? -1 : 0;
      return null;
    case "points_earned":
      return activity.kind === "points" ? activity.points : null;
    case "review_count":
      return activity.kind === "review" ? 1 : null;
    case "referral_count":
      return activity.kind === "referral" ? 1 : null;
    case "signup_count":
      return activity.kind === "signup" ? 1 : null;
    case "lead_count":
      return activity.kind === "lead" ? 1 : null;
    case "custom_count":
      // Each event counts once, whatever value it carries.
      return activity.kind === "custom" && activity.name === goal.filter?.name ? 1 : null;
    case "inactivity_days":
      return null;
  }
}

/** A goal's SKU filter as a set, made once per goal definition. */
const skuFilters = new WeakMap<Goal, ReadonlySet<string> | null>();
function skuFilterOf(goal: Goal): ReadonlySet<string> | null {
  let skus = skuFilters.get(goal);
  if (skus === undefined) {
    skus = goal.filter?.skus ? new Set(goal.filter.skus) : null;
    skuFilters.set(goal, skus);
  }
  return skus;
}

function sumOf(
  items: readonly Item[],
  skus: ReadonlySet<string> | null,
  field: "valueMinor" | "quantity",
): number {
  let total = 0;
  for (const item of items) if (skus === null || skus.has(item.sku)) total += item[field];
  return total;
}

function anyMatching(items: readonly Item[], skus: ReadonlySet<string> | null): boolean {
  if (skus === null) return true;
  for (const item of items) if (skus.has(item.sku)) return true;
  return false;
}

/** The value of `quantity` of an item's units, its share of the item's value (half-up). */
export function unitsValue(item: Item, quantity: number): number {
  return quantity >= item.quantity
    ? item.valueMinor
    : mulDivHalfUp(item.valueMinor, quantity, item.quantity);
}
