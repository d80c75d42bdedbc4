import {
  setNested,
  slotKey,
  type ActiveGoal,
  type GoalState,
  type GrantFact,
  type ProgressFact,
} from "../domain/goal-progress.ts";
import type { GoalWindow, GoalWindowSpan } from "../domain/goals.ts";
import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";
import { batchKeys, JOB_PROGRAM } from "./job-watermarks.ts";

/**
 * Where a goal window's values are stored: calendar and lifetime windows are
 * shared by every goal measured over them; a fixed window is its own span.
 */
export function bucketOf(span: GoalWindowSpan): string {
  if (span.key !== "fixed") return span.key;
  const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());
  return `fixed:${iso(span.startMs)}/${iso(span.endMs)}`;
}

/** The bucket of a goal's window named by its key (`fixed` for a fixed window). */
export function bucketFor(window: GoalWindow, windowKey: string): string {
  return window.type === "fixed"
    ? bucketOf({ key: "fixed", startMs: Date.parse(window.start), endMs: Date.parse(window.end) })
    : windowKey;
}

/** The goal's window key for a stored bucket. */
export const windowKeyOf = (bucket: string) => (bucket.startsWith("fixed:") ? "fixed" : bucket);

/**
 * The goal state a batch needs: for its participants and the windows its
 * events fall in, the stored values, the steps already granted and the
 * per-participant targets. Read after the participants' locks are taken.
 */
export async function loadGoalState(
  db: Queryable,
  programId: string,
  goals: readonly ActiveGoal[],
  participantIds: readonly string[],
  windows: readonly GoalWindowSpan[],
): Promise<GoalState> {
  if (goals.length === 0 || participantIds.length === 0 || windows.length === 0)
    return { goals, progress: new Map(), granted: new Map(), targets: new Map() };
  const buckets = [...new Set(windows.map(bucketOf))];
  const windowKeys = [...new Set(windows.map((w) => w.key))];
  const perParticipant = goals.some((g) => g.goal.target.type === "per_participant");
  // One after the other: inside a transaction they share one connection.
  // The program and the participants are hidden from the planner
  // (job-watermarks.ts says why), so each read searches by both.
  const rows = await db.query<{
    participant_id: string;
    bucket: string;
    goal_values: Record<string, number>;
  }>(
    `select participant_id, bucket, goal_values from goal_progress
     where program_id = ${JOB_PROGRAM} and participant_id = any(${batchKeys(2)})
       and bucket = any($3::text[])`,
    [programId, participantIds, buckets],
  );
  // By participant, not by goal: probing every goal for every participant
  // costs far more than reading the few rows of an ended goal, which the
  // tracker never looks at.
  const args = [programId, participantIds, windowKeys];
  const grants = await db.query<{
    goal_id: string;
    participant_id: string;
    window_key: string;
    steps: number[];
  }>(
    `select goal_id, participant_id, window_key, array_agg(step) as steps from goal_grants
     where program_id = ${JOB_PROGRAM} and participant_id = any(${batchKeys(2)})
       and window_key = any($3::text[])
     group by goal_id, participant_id, window_key`,
    args,
  );
  const targets = perParticipant
    ? await db.query<{ goal_id: string; participant_id: string; period: string; target: number }>(
        `select goal_id, participant_id, period, target from participant_targets
         where program_id = ${JOB_PROGRAM} and participant_id = any(${batchKeys(2)})
           and period = any($3::text[])`,
        args,
      )
    : [];
  return { goals, ...nestedState(rows, grants, targets) };
}

/** Stored rows as the tracker reads them: by slot (participant and window), then by goal. */
function nestedState(
  values: readonly {
    participant_id: string;
    bucket: string;
    goal_values: Record<string, number>;
  }[],
  grants: readonly {
    goal_id: string;
    participant_id: string;
    window_key: string;
    steps: number[];
  }[],
  targets: readonly { goal_id: string; participant_id: string; period: string; target: number }[],
): Omit<GoalState, "goals"> {
  const progress = new Map<string, Map<string, number>>();
  for (const r of values)
    for (const [goalId, value] of Object.entries(r.goal_values))
      setNested(progress, slotKey(r.participant_id, windowKeyOf(r.bucket)), goalId, Number(value));
  const granted = new Map<string, Map<string, readonly number[]>>();
  for (const r of grants)
    setNested(granted, slotKey(r.participant_id, r.window_key), r.goal_id, r.steps);
  const targetsBySlot = new Map<string, Map<string, number>>();
  for (const r of targets)
    setNested(targetsBySlot, slotKey(r.participant_id, r.period), r.goal_id, Number(r.target));
  return { progress, granted, targets: targetsBySlot };
}

/**
 * Writes the latest value of each goal window that changed: one row per
 * participant and window, whose goal values are merged into what is stored.
 */
export async function writeProgress(
  db: Queryable,
  programId: string,
  progress: readonly ProgressFact[],
  at: Date,
): Promise<void> {
  if (progress.length === 0) return;
  const rows = new Map<
    string,
    {
      participant_id: string;
      bucket: string;
      window_start: string | null;
      window_end: string | null;
      goal_values: Record<string, number>;
    }
  >();
  const isoCache = new Map<number, string>();
  const iso = (ms: number | null) => {
    if (ms === null) return null;
    let text = isoCache.get(ms);
    if (text === undefined) isoCache.set(ms, (text = new Date(ms).toISOString()));
    return text;
  };
  for (const p of progress) {
    const bucket = bucketOf(p.window);
    const key = `${p.participantId}|${bucket}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        participant_id: p.participantId,
        bucket,
        window_start: iso(p.window.startMs),
        window_end: iso(p.window.endMs),
        goal_values: {},
      };
      rows.set(key, row);
    }
    row.goal_values[p.goalId] = p.value;
  }
  const updatedAt = at.toISOString();
  await bulkInsert(
    db,
    "goal_progress",
    programId,
    {
      participant_id: "text",
      bucket: "text",
      window_start: "timestamptz",
      window_end: "timestamptz",
      goal_values: "jsonb",
      updated_at: "timestamptz",
    },
    [...rows.values()].map((r) => ({ ...r, updated_at: updatedAt })),
    `on conflict (program_id, participant_id, bucket) do update
     set goal_values = goal_progress.goal_values || excluded.goal_values,
         updated_at = excluded.updated_at`,
  );
}

/**
 * Records grants. A grant already made for the same (goal, participant,
 * window, step) makes the whole statement, and so its transaction, fail: the
 * caller's transaction then books nothing twice.
 */
export async function insertGrants(
  db: Queryable,
  programId: string,
  grants: readonly GrantFact[],
  at: Date,
): Promise<void> {
  await bulkInsert(
    db,
    "goal_grants",
    programId,
    {
      goal_id: "text",
      participant_id: "text",
      window_key: "text",
      step: "int",
      goal_version: "int",
      reward: "jsonb",
      value: "bigint",
      event_id: "text",
      voucher_code: "text",
      granted_at: "timestamptz",
    },
    grants.map((g) => ({
      goal_id: g.goalId,
      participant_id: g.participantId,
      window_key: g.windowKey,
      step: g.step,
      goal_version: g.version,
      reward: g.reward,
      value: g.valueAchieved,
      event_id: g.eventId,
      voucher_code: g.reward.type === "free_product" ? g.reward.voucherCode : null,
      granted_at: at.toISOString(),
    })),
  );
}

/**
 * By `programId|externalId`: memberships of the same people in other
 * programs, searched by both, the programs and the people hidden from the
 * planner (batchKeys in job-watermarks.ts says why).
 */
export async function loadMemberships(
  db: Queryable,
  programIds: readonly string[],
  externalIds: readonly string[],
): Promise<Map<string, string>> {
  if (programIds.length === 0 || externalIds.length === 0) return new Map();
  const rows = await db.query<{ program_id: string; external_id: string; id: string }>(
    `select program_id, external_id, id from participants
     where program_id = any(${batchKeys(1)}) and external_id = any(${batchKeys(2)})`,
    [programIds, externalIds],
  );
  return new Map(rows.map((r) => [`${r.program_id}|${r.external_id}`, r.id]));
}

/**
 * Moves sellers' latest order times forward (never back: batches may arrive
 * out of order), noting when each moved: a new spell of inactivity began.
 * The sellers are found by program and id, both hidden from the planner
 * (job-watermarks.ts), so it never reads the program's participants to join them.
 */
export async function updateLastOrders(
  db: Queryable,
  programId: string,
  lastOrders: readonly { participantId: string; atMs: number }[],
  at: Date,
): Promise<void> {
  if (lastOrders.length === 0) return;
  await db.query(
    `update participants p set last_order_at = greatest(p.last_order_at, x.at),
       activity_changed_at = case when p.last_order_at is null or x.at > p.last_order_at
                                  then $3::timestamptz else p.activity_changed_at end
     from json_to_recordset($2::json) as x(id text, at timestamptz)
     where p.program_id = ${JOB_PROGRAM} and p.id = any(${batchKeys(4)}) and p.id = x.id`,
    [
      programId,
      JSON.stringify(
        lastOrders.map((l) => ({ id: l.participantId, at: new Date(l.atMs).toISOString() })),
      ),
      at.toISOString(),
      lastOrders.map((l) => l.participantId),
    ],
  );
}

export async function updateLevels(
  db: Queryable,
  programId: string,
  changes: readonly { programId: string | null; participantId: string; level: string }[],
): Promise<void> {
  for (const c of changes)
    await db.query(`update participants set level = $3 where program_id = $1 and id = $2`, [
      c.programId ?? programId,
      c.participantId,
      c.level,
    ]);
}

/** One participant's stored values, grants and targets for the given goal windows. */
export async function readProgress(
  db: Queryable,
  programId: string,
  participantId: string,
  windows: readonly { goalId: string; window: GoalWindowSpan }[],
): Promise<Omit<GoalState, "goals">> {
  if (windows.length === 0) return { progress: new Map(), granted: new Map(), targets: new Map() };
  const windowKeys = [...new Set(windows.map((w) => w.window.key))];
  const buckets = [...new Set(windows.map((w) => bucketOf(w.window)))];
  const [values, grants, targets] = await Promise.all([
    db.query<{ participant_id: string; bucket: string; goal_values: Record<string, number> }>(
      `select participant_id, bucket, goal_values from goal_progress
       where program_id = $1 and participant_id = $2 and bucket = any($3::text[])`,
      [programId, participantId, buckets],
    ),
    // A participant's grants and targets are few: read them by participant
    // and window, and let the goals pick theirs.
    db.query<{ goal_id: string; participant_id: string; window_key: string; steps: number[] }>(
      `select goal_id, participant_id, window_key, array_agg(step) as steps from goal_grants
       where program_id = $1 and participant_id = $2 and window_key = any($3::text[])
       group by goal_id, participant_id, window_key`,
      [programId, participantId, windowKeys],
    ),
    db.query<{ goal_id: string; participant_id: string; period: string; target: number }>(
      `select goal_id, participant_id, period, target from participant_targets
       where program_id = $1 and participant_id = $2 and period = any($3::text[])`,
      [programId, participantId, windowKeys],
    ),
  ]);
  return nestedState(values, grants, targets);
}
