import {
  progressKey,
  targetKey,
  type ActiveGoal,
  type GoalState,
  type GrantFact,
  type ProgressFact,
} from "../domain/goal-progress.ts";
import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";

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
  windowKeys: readonly string[],
): Promise<GoalState> {
  const goalIds = goals.map((g) => g.id);
  if (goals.length === 0 || participantIds.length === 0 || windowKeys.length === 0)
    return { goals, progress: new Map(), granted: new Map(), targets: new Map() };
  const args = [programId, goalIds, participantIds, windowKeys];
  const filter = `program_id = $1 and goal_id = any($2::text[]) and participant_id = any($3::text[])`;
  const perParticipant = goals.some((g) => g.goal.target.type === "per_participant");
  // One after the other: inside a transaction they share one connection.
  const values = await db.query<{
    goal_id: string;
    participant_id: string;
    window_key: string;
    value: number;
  }>(
    `select goal_id, participant_id, window_key, value from goal_progress
     where ${filter} and window_key = any($4::text[])`,
    args,
  );
  const grants = await db.query<{
    goal_id: string;
    participant_id: string;
    window_key: string;
    steps: number[];
  }>(
    `select goal_id, participant_id, window_key, array_agg(step) as steps from goal_grants
     where ${filter} and window_key = any($4::text[])
     group by goal_id, participant_id, window_key`,
    args,
  );
  const targets = perParticipant
    ? await db.query<{ goal_id: string; participant_id: string; period: string; target: number }>(
        `select goal_id, participant_id, period, target from participant_targets
         where ${filter} and period = any($4::text[])`,
        args,
      )
    : [];
  return {
    goals,
    progress: new Map(
      values.map((r) => [progressKey(r.goal_id, r.participant_id, r.window_key), Number(r.value)]),
    ),
    granted: new Map(
      grants.map((r) => [progressKey(r.goal_id, r.participant_id, r.window_key), r.steps]),
    ),
    targets: new Map(
      targets.map((r) => [targetKey(r.goal_id, r.participant_id, r.period), Number(r.target)]),
    ),
  };
}

/** Writes the latest value of each window that changed. */
export async function writeProgress(
  db: Queryable,
  programId: string,
  progress: readonly ProgressFact[],
  at: Date,
): Promise<void> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  await bulkInsert(
    db,
    "goal_progress",
    programId,
    {
      goal_id: "text",
      participant_id: "text",
      window_key: "text",
      window_start: "timestamptz",
      window_end: "timestamptz",
      value: "bigint",
      updated_at: "timestamptz",
    },
    progress.map((p) => ({
      goal_id: p.goalId,
      participant_id: p.participantId,
      window_key: p.window.key,
      window_start: iso(p.window.startMs),
      window_end: iso(p.window.endMs),
      value: p.value,
      updated_at: at.toISOString(),
    })),
    `on conflict (program_id, goal_id, participant_id, window_key)
     do update set value = excluded.value, updated_at = excluded.updated_at`,
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

/** By `programId|externalId`: memberships of the same people in other programs. */
export async function loadMemberships(
  db: Queryable,
  programIds: readonly string[],
  externalIds: readonly string[],
): Promise<Map<string, string>> {
  if (programIds.length === 0 || externalIds.length === 0) return new Map();
  const rows = await db.query<{ program_id: string; external_id: string; id: string }>(
    `select program_id, external_id, id from participants
     where program_id = any($1::text[]) and external_id = any($2::text[])`,
    [programIds, externalIds],
  );
  return new Map(rows.map((r) => [`${r.program_id}|${r.external_id}`, r.id]));
}

/** Moves sellers' latest order times forward (never back: batches may arrive out of order). */
export async function updateLastOrders(
  db: Queryable,
  programId: string,
  lastOrders: readonly { participantId: string; atMs: number }[],
): Promise<void> {
  if (lastOrders.length === 0) return;
  await db.query(
    `update participants p set last_order_at = greatest(p.last_order_at, x.at)
     from json_to_recordset($2::json) as x(id text, at timestamptz)
     where p.program_id = $1 and p.id = x.id`,
    [
      programId,
      JSON.stringify(
        lastOrders.map((l) => ({ id: l.participantId, at: new Date(l.atMs).toISOString() })),
      ),
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
  windows: readonly { goalId: string; windowKey: string }[],
): Promise<Omit<GoalState, "goals">> {
  if (windows.length === 0) return { progress: new Map(), granted: new Map(), targets: new Map() };
  const pairs = JSON.stringify(
    windows.map((w) => ({ goal_id: w.goalId, window_key: w.windowKey })),
  );
  const [values, grants, targets] = await Promise.all([
    db.query<{ goal_id: string; window_key: string; value: number }>(
      `select g.goal_id, g.window_key, g.value from goal_progress g
       join json_to_recordset($3::json) as w(goal_id text, window_key text)
         on w.goal_id = g.goal_id and w.window_key = g.window_key
       where g.program_id = $1 and g.participant_id = $2`,
      [programId, participantId, pairs],
    ),
    db.query<{ goal_id: string; window_key: string; steps: number[] }>(
      `select g.goal_id, g.window_key, array_agg(g.step) as steps from goal_grants g
       join json_to_recordset($3::json) as w(goal_id text, window_key text)
         on w.goal_id = g.goal_id and w.window_key = g.window_key
       where g.program_id = $1 and g.participant_id = $2
       group by g.goal_id, g.window_key`,
      [programId, participantId, pairs],
    ),
    db.query<{ goal_id: string; period: string; target: number }>(
      `select t.goal_id, t.period, t.target from participant_targets t
       join json_to_recordset($3::json) as w(goal_id text, window_key text)
         on w.goal_id = t.goal_id and w.window_key = t.period
       where t.program_id = $1 and t.participant_id = $2`,
      [programId, participantId, pairs],
    ),
  ]);
  return {
    progress: new Map(
      values.map((r) => [progressKey(r.goal_id, participantId, r.window_key), Number(r.value)]),
    ),
    granted: new Map(
      grants.map((r) => [progressKey(r.goal_id, participantId, r.window_key), r.steps]),
    ),
    targets: new Map(
      targets.map((r) => [targetKey(r.goal_id, participantId, r.period), Number(r.target)]),
    ),
  };
}
