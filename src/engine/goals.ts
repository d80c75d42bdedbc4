import {
  creditedPrograms,
  goalInputSchema,
  goalSchema,
  rewardIssues,
  normalizeGoal,
  windowAt,
  type Goal,
  type GoalInput,
  type RewardTerms,
} from "../domain/goals.ts";
import type { GrantOutcome } from "../domain/goal-grants.ts";
import {
  endGoal,
  findGoal,
  insertGoal,
  insertGoalVersion,
  type GoalRecord,
} from "../store/goals.ts";
import { findProgram, type ProgramRecord } from "../store/programs.ts";
import type { Queryable } from "../store/db.ts";
import { grantReachedSteps } from "./goal-grants.ts";
import type { Services } from "./services.ts";

/** Why a goal was refused, with a path per field to fix. */
export interface GoalRefusal {
  readonly kind: "refused";
  readonly message: string;
  readonly details: readonly { path: string; message: string }[];
}

/**
 * Checks that need the program and the brand: the goal as a whole once its
 * dates are read in the program's time zone, credited programs are the
 * brand's, and rewards fit the programs they are paid into (rewardIssues).
 */
async function refusalOf(
  db: Queryable,
  program: ProgramRecord,
  goal: Goal,
): Promise<GoalRefusal | null> {
  const checked = goalSchema.safeParse(goal);
  const details = checked.success
    ? []
    : checked.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const credited = new Map<string, RewardTerms>();
  for (const id of creditedPrograms(goal)) {
    const other = id === program.id ? program : await findProgram(db, program.brandId, id);
    if (other) credited.set(id, termsOf(other));
    else
      details.push({
        path: "steps.reward.program",
        message: `program ${id} is not one of this brand's programs`,
      });
  }
  details.push(...rewardIssues(goal, termsOf(program), credited));
  return details.length === 0
    ? null
    : {
        kind: "refused",
        message: `the goal is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join("; ")}`,
        details,
      };
}

function termsOf(program: ProgramRecord): RewardTerms {
  return { levels: (program.config.levels ?? []).map((l) => l.key), currency: program.currency };
}

export async function createGoal(
  services: Services,
  program: ProgramRecord,
  input: GoalInput,
): Promise<GoalRecord | GoalRefusal> {
  const goal = normalizeGoal(input, program.timezone);
  const refusal = await refusalOf(services.db, program, goal);
  if (refusal) return refusal;
  return insertGoal(services.db, program.id, services.ids.next("gol"), goal, services.now());
}

/**
 * A PATCH makes a new version from the current one with the given fields
 * replaced (a null filter removes it). Grants already made stay; whoever now
 * reaches a step of the new version they were not granted gets it at once
 * (for `immediately` goals), since the new version is what they are measured by.
 */
export async function changeGoal(
  services: Services,
  program: ProgramRecord,
  goalId: string,
  patch: Record<string, unknown>,
): Promise<
  | { kind: "changed"; goal: GoalRecord; grants: GrantOutcome[] }
  | GoalRefusal
  | { kind: "not_found" }
  | { kind: "ended" }
  | { kind: "invalid"; error: import("zod").ZodError }
> {
  return services.db.transaction(async (tx) => {
    const current = await findGoal(tx, program.id, goalId, { forUpdate: true });
    if (!current) return { kind: "not_found" as const };
    if (current.endedAt) return { kind: "ended" as const };
    const merged: Record<string, unknown> = { ...current.goal };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete merged[field];
      else merged[field] = value;
    }
    const parsed = goalInputSchema.safeParse(merged);
    if (!parsed.success) return { kind: "invalid" as const, error: parsed.error };
    const goal = normalizeGoal(parsed.data, program.timezone);
    const refusal =
      (await measureChangeRefusal(tx, current, goal)) ?? (await refusalOf(tx, program, goal));
    if (refusal) return refusal;
    const changed = await insertGoalVersion(tx, current, goal, services.now());
    const grants =
      goal.evaluate === "immediately" && goal.metric !== "inactivity_days"
        ? await grantReachedSteps(
            tx,
            services,
            program.id,
            { id: changed.id, version: changed.version, goal },
            currentWindowKeys(goal, services.now().getTime(), program.timezone),
          )
        : [];
    return { kind: "changed" as const, goal: changed, grants };
  });
}

/** What a goal counts and where it resets: the fields its stored progress was measured by. */
const MEASURE_FIELDS = ["metric", "filter", "window", "target", "returns"] as const;

/**
 * Progress is kept as events arrive and never recomputed from them, so once
 * anything has been counted, what the goal measures cannot change: a new
 * version with another metric would show values measured by the old one.
 * Steps, rewards, name, evaluation and visibility can always change.
 */
async function measureChangeRefusal(
  tx: Queryable,
  current: GoalRecord,
  goal: Goal,
): Promise<GoalRefusal | null> {
  const changed = MEASURE_FIELDS.filter(
    (f) => JSON.stringify(current.goal[f] ?? null) !== JSON.stringify(goal[f] ?? null),
  );
  if (changed.length === 0) return null;
  const counted = await tx.query(
    "select 1 from goal_progress where program_id = $1 and goal_values ? $2 limit 1",
    [current.programId, current.id],
  );
  if (counted.length === 0) return null;
  const details = changed.map((f) => ({
    path: f,
    message: `cannot change once progress has been counted; end this goal (DELETE) and create a new one to measure something else`,
  }));
  return {
    kind: "refused",
    message: `goal ${current.id} already has progress measured by its ${changed.join(", ")}: ${details[0]?.message ?? ""}`,
    details,
  };
}

/** The window open now, whose participants a new version measures. */
function currentWindowKeys(goal: Goal, nowMs: number, timezone: string): string[] {
  const span = windowAt(goal.window, nowMs, timezone);
  return span ? [span.key] : [];
}

export async function deleteGoal(
  services: Services,
  program: ProgramRecord,
  goalId: string,
): Promise<GoalRecord | null> {
  return endGoal(services.db, program.id, goalId, services.now());
}
