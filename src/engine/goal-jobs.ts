import type { ActiveGoal } from "../domain/goal-progress.ts";
import { closingGrant, dueGrants } from "../domain/goal-progress.ts";
import { spellKey, windowByKey } from "../domain/goals.ts";
import { daysSince } from "../domain/progress-view.ts";
import type { Queryable } from "../store/db.ts";
import { listGoals } from "../store/goals.ts";
import {
  advanceJobPosition,
  advanceJobWatermark,
  COMMIT_MARGIN_MS,
  exactInstant,
  instantOf,
  JOB_PROGRAM,
  jobPosition,
  jobWatermark,
  PROBE_EACH,
  readInIndexOrder,
  type JobPosition,
} from "../store/job-watermarks.ts";
import { lockGoalWindow, lockParticipants } from "../store/locks.ts";
import { bucketFor, windowKeyOf } from "../store/progress.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { windowRows, writeGrants } from "./goal-grants.ts";
import { programRules } from "./program-rules.ts";
import type { JobOptions } from "./release-holds.ts";
import type { Services } from "./services.ts";

/** Participants per transaction, closing a window or granting inactivity. */
const GOAL_BATCH = 500;

const active = async (
  services: Services,
  program: ProgramRecord,
): Promise<(ActiveGoal & { createdAt: Date })[]> =>
  (await listGoals(services.db, program.id)).map((g) => ({
    id: g.id,
    version: g.version,
    goal: g.goal,
    createdAt: g.createdAt,
  }));

/**
 * Grants `at_window_end` goals for every window that has closed, grace period
 * included: the highest step each participant reached, once per window. A
 * window is closed in batches of participants, each one transaction under the
 * window's lock with its grants and the window's row in goal_window_closes,
 * which keeps the participant the close got to and, with the last batch, when
 * it closed: a restart or a second server goes on from there and never grants
 * twice, and windows that closed while the server was down are closed at its
 * start. Returns the grants made.
 */
export async function closeGoalWindows(
  services: Services,
  program: ProgramRecord,
  options: JobOptions = {},
): Promise<number> {
  const now = services.now();
  const { goalGraceMs } = programRules(program, now);
  const closesBefore = new Date(now.getTime() - goalGraceMs);
  const batchSize = options.batchSize ?? GOAL_BATCH;
  let granted = 0;
  for (const goal of await active(services, program)) {
    if (goal.goal.evaluate !== "at_window_end") continue;
    const windows = await services.db.transaction((tx) =>
      dueWindows(tx, program, goal, closesBefore),
    );
    for (const window of windows)
      for (;;) {
        if (options.signal?.aborted) return granted;
        const batch = await services.db.transaction((tx) =>
          closeWindowBatch(tx, services, program.id, goal, window, batchSize),
        );
        granted += batch.granted;
        if (batch.closed) break;
      }
  }
  return granted;
}

/**
 * The goal's windows that ended by `closesBefore` and after its latest closed
 * one, oldest first. Buckets are shared by every goal with windows of the
 * same kind; each (window_end, bucket) after the latest close is one probe of
 * goal_progress_windows, so past windows cost nothing once closed.
 */
async function dueWindows(
  tx: Queryable,
  program: ProgramRecord,
  goal: ActiveGoal,
  closesBefore: Date,
): Promise<{ key: string; endMs: number }[]> {
  await readInIndexOrder(tx);
  const rows = await tx.query<{ bucket: string }>(
    `with recursive due (window_end, bucket) as (
       (select p.window_end, p.bucket from goal_progress p
        where p.program_id = ${JOB_PROGRAM} and p.window_end <= $3
          and p.window_end > coalesce((select max(c.window_end) from goal_window_closes c
                                       where c.program_id = $1 and c.goal_id = $2
                                         and c.closed_at is not null), '-infinity')
        order by p.window_end, p.bucket limit 1)
       union all
       (select n.window_end, n.bucket from due d
        cross join lateral (select p.window_end, p.bucket from goal_progress p
          where p.program_id = ${JOB_PROGRAM} and p.window_end <= $3
            and (p.window_end, p.bucket) > (d.window_end, d.bucket)
          order by p.window_end, p.bucket limit 1) n))
     select bucket from due`,
    [program.id, goal.id, closesBefore.toISOString()],
  );
  return rows.flatMap(({ bucket }) => {
    const windowKey = windowKeyOf(bucket);
    const span = windowByKey(goal.goal.window, windowKey, program.timezone);
    return span && bucketFor(goal.goal.window, windowKey) === bucket
      ? [{ key: windowKey, endMs: span.endMs ?? 0 }]
      : [];
  });
}

/** One batch of a window's close: the next participants after where the close got to. */
async function closeWindowBatch(
  tx: Queryable,
  services: Services,
  programId: string,
  goal: ActiveGoal,
  window: { key: string; endMs: number },
  limit: number,
): Promise<{ granted: number; closed: boolean }> {
  const windowKey = window.key;
  await lockGoalWindow(tx, programId, goal.id, windowKey);
  const [state] = await tx.query<{ closed: boolean; after: string }>(
    `select closed_at is not null as closed, after_participant as after from goal_window_closes
     where program_id = $1 and goal_id = $2 and window_key = $3`,
    [programId, goal.id, windowKey],
  );
  if (state?.closed) return { granted: 0, closed: true };
  const rows = await windowRows(tx, programId, goal, windowKey, state?.after ?? "", limit);
  const grants = rows.flatMap((r) => {
    const grant = closingGrant(
      goal,
      r,
      windowKey,
      r.value,
      r.target,
      r.steps,
      services.voucherCode,
    );
    return grant ? [grant] : [];
  });
  const written = await writeGrants(tx, services, programId, [goal], grants);
  const closed = rows.length < limit;
  await tx.query(
    `insert into goal_window_closes
       (program_id, goal_id, window_key, window_end, goal_version, grants, closed_at, after_participant)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (program_id, goal_id, window_key) do update
       set goal_version = excluded.goal_version, grants = goal_window_closes.grants + excluded.grants,
           closed_at = excluded.closed_at, after_participant = excluded.after_participant`,
    [
      programId,
      goal.id,
      windowKey,
      new Date(window.endMs).toISOString(),
      goal.version,
      written.length,
      closed ? services.now().toISOString() : null,
      rows.at(-1)?.participantId ?? state?.after ?? "",
    ],
  );
  return { granted: written.length, closed };
}

/** When participant p's current spell began: their latest order, or their joining. */
const SPELL_START = "coalesce(p.last_order_at, p.created_at)";

/** Participant p's current spell as a grant's window key, written in SQL as spellKey writes it. */
const CURRENT_SPELL = `'since:' || to_char(
  date_trunc('milliseconds', ${SPELL_START}) at time zone 'UTC',
  'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Grants inactivity steps: a participant with no order for a step's number
 * of days gets it, once per spell of inactivity (a spell runs from their
 * latest order, or their joining, to their next order, which starts a new
 * one). Steps that came due while the server was down are all granted at
 * its next run. Returns the grants made.
 *
 * A run looks, for each step, at the spells that reached the step's length
 * since the previous run, in the order they began from the step's position
 * (participants_spell), and at the spells that changed since the goal's
 * previous run, an order possibly dated long ago (participants_activity):
 * not at everyone each minute. Participants who were suspended when their
 * step came due are not looked at again for that spell.
 */
export async function grantInactivity(
  services: Services,
  program: ProgramRecord,
  options: JobOptions = {},
): Promise<number> {
  const startedAt = services.now();
  const nowMs = startedAt.getTime();
  const batchSize = options.batchSize ?? GOAL_BATCH;
  let granted = 0;
  for (const goal of await active(services, program)) {
    if (goal.goal.metric !== "inactivity_days") continue;
    const runJob = `inactivity:${goal.id}`;
    // Before a first complete run, every change since the goal began counts.
    const lastRun = (await jobWatermark(services.db, program.id, runJob)) ?? goal.createdAt;
    const changedAfter = instantOf(new Date(lastRun.getTime() - COMMIT_MARGIN_MS));
    for (const [index, step] of goal.goal.steps.entries()) {
      const stepJob = `inactivity:${goal.id}:${index + 1}`;
      const inactiveSince = instantOf(new Date(nowMs - (step.threshold ?? 0) * 86_400_000));
      const arms: { arm: Arm; from: JobPosition | null; keep: boolean }[] = [
        {
          arm: "reached",
          from: await jobPosition(services.db, program.id, stepJob),
          keep: true,
        },
        { arm: "changed", from: { at: changedAfter, key: "" }, keep: false },
      ];
      for (const { arm, from, keep } of arms) {
        let position = from;
        for (;;) {
          if (options.signal?.aborted) return granted;
          const batch = await services.db.transaction((tx) =>
            inactivityBatch(tx, services, program.id, goal, {
              arm,
              index,
              inactiveSince,
              after: position,
              limit: batchSize,
              nowMs,
            }),
          );
          granted += batch.granted;
          if (batch.last === null) break;
          position = batch.last;
          // A run stopped midway goes on after the last spell it looked at.
          if (keep) await advanceJobPosition(services.db, program.id, stepJob, batch.last);
          if (batch.candidates < batchSize) break;
        }
      }
      await advanceJobPosition(services.db, program.id, stepJob, { at: inactiveSince, key: "" });
    }
    await advanceJobWatermark(services.db, program.id, runJob, startedAt);
  }
  return granted;
}

/** Spells that reached the step's length (by when they began), or that changed (by when). */
type Arm = "reached" | "changed";

/**
 * One batch of an inactivity step: the next participants of the arm after
 * `after`, inactive long enough and not granted the step in their current
 * spell, locked and read again, then granted what is due.
 */
async function inactivityBatch(
  tx: Queryable,
  services: Services,
  programId: string,
  goal: ActiveGoal,
  batch: {
    arm: Arm;
    index: number;
    inactiveSince: string;
    after: JobPosition | null;
    limit: number;
    nowMs: number;
  },
): Promise<{ granted: number; candidates: number; last: JobPosition | null }> {
  const order = batch.arm === "reached" ? SPELL_START : "p.activity_changed_at";
  await readInIndexOrder(tx);
  const candidates = await tx.query<{ id: string; at: string }>(
    `select p.id, ${exactInstant(order)} as at from participants p
     where p.program_id = ${JOB_PROGRAM} and p.status = 'active'
       and ${SPELL_START} <= $2
       and ${order} >= $5::timestamptz and (${order}, p.id) > ($5::timestamptz, $6::text)
       and not exists (select 1 from goal_grants g
         where g.program_id = p.program_id and g.goal_id = $3 and g.participant_id = p.id
           and g.step = $4 and g.window_key = ${CURRENT_SPELL} ${PROBE_EACH})
     order by ${order}, p.id limit $7`,
    [
      programId,
      batch.inactiveSince,
      goal.id,
      batch.index + 1,
      batch.after?.at ?? "-infinity",
      batch.after?.key ?? "",
      batch.limit,
    ],
  );
  const last = candidates.at(-1);
  if (last === undefined) return { granted: 0, candidates: 0, last: null };
  const ids = candidates.map((c) => c.id);
  // Under the participants' locks an order being processed cannot end the
  // spell halfway: read their last order again after them.
  await lockParticipants(tx, programId, ids);
  const people = await tx.query<{
    id: string;
    level: string | null;
    since: Date;
    steps: number[] | null;
  }>(
    `select p.* from (select distinct unnest($2::text[]) as id) k
     cross join lateral (
       select p.id, p.level, ${SPELL_START} as since,
         (select array_agg(g.step) from goal_grants g
           where g.program_id = p.program_id and g.goal_id = $3 and g.participant_id = p.id
             and g.window_key = ${CURRENT_SPELL}) as steps
       from participants p where p.program_id = ${JOB_PROGRAM} and p.id = k.id ${PROBE_EACH}) p`,
    [programId, ids, goal.id],
  );
  const grants = people.flatMap((p) =>
    dueGrants(
      goal,
      { participantId: p.id, level: p.level },
      spellKey(p.since.getTime()),
      daysSince(p.since.getTime(), batch.nowMs),
      null,
      p.steps ?? [],
      null,
      services.voucherCode,
    ),
  );
  const written = await writeGrants(tx, services, programId, [goal], grants);
  return {
    granted: written.length,
    candidates: candidates.length,
    last: { at: last.at, key: last.id },
  };
}
