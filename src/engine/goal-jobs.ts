import type { ActiveGoal } from "../domain/goal-progress.ts";
import { dueGrants } from "../domain/goal-progress.ts";
import { spellKey, windowByKey } from "../domain/goals.ts";
import { bucketFor, windowKeyOf } from "../store/progress.ts";
import { daysSince } from "../domain/progress-view.ts";
import { listGoals } from "../store/goals.ts";
import { advanceJobWatermark, COMMIT_MARGIN_MS, jobWatermark } from "../store/job-watermarks.ts";
import { lockGoalWindow, lockParticipants } from "../store/locks.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { grantWindowClose, writeGrants } from "./goal-grants.ts";
import { programRules } from "./program-rules.ts";
import type { Services } from "./services.ts";

const active = async (services: Services, program: ProgramRecord): Promise<ActiveGoal[]> =>
  (await listGoals(services.db, program.id)).map((g) => ({
    id: g.id,
    version: g.version,
    goal: g.goal,
  }));

/**
 * Grants `at_window_end` goals for every window that has closed, grace period
 * included: the highest step each participant reached, once per window. A
 * window is closed in one transaction with its grants and a row in
 * goal_window_closes, so a restart or a second server never closes it twice,
 * and windows that closed while the server was down are closed at its start.
 * Returns the grants made.
 */
export async function closeGoalWindows(
  services: Services,
  program: ProgramRecord,
): Promise<number> {
  const now = services.now();
  const { goalGraceMs } = programRules(program, now);
  const closesBefore = new Date(now.getTime() - goalGraceMs).toISOString();
  let granted = 0;
  for (const goal of await active(services, program)) {
    if (goal.goal.evaluate !== "at_window_end") continue;
    // Each run starts after the latest window of the goal already closed, so
    // past windows cost nothing once closed.
    const buckets = await services.db.query<{ bucket: string }>(
      `select distinct p.bucket, p.window_end from goal_progress p
       where p.program_id = $1 and p.window_end is not null and p.window_end <= $3
         and p.window_end > coalesce((select max(c.window_end) from goal_window_closes c
                                      where c.program_id = $1 and c.goal_id = $2), '-infinity')
       order by p.window_end`,
      [program.id, goal.id, closesBefore],
    );
    const due = buckets.flatMap(({ bucket }) => {
      const windowKey = windowKeyOf(bucket);
      const span = windowByKey(goal.goal.window, windowKey, program.timezone);
      // Buckets are shared by every goal with windows of the same kind.
      return span && bucketFor(goal.goal.window, windowKey) === bucket
        ? [{ window_key: windowKey, window_end: span.endMs ?? 0 }]
        : [];
    });
    for (const { window_key: windowKey, window_end: endMs } of due)
      granted += await services.db.transaction(async (tx) => {
        await lockGoalWindow(tx, program.id, goal.id, windowKey);
        const closed = await tx.query(
          `select 1 from goal_window_closes where program_id = $1 and goal_id = $2 and window_key = $3`,
          [program.id, goal.id, windowKey],
        );
        if (closed.length > 0) return 0;
        const grants = await grantWindowClose(tx, services, program.id, goal, windowKey);
        await tx.query(
          `insert into goal_window_closes (program_id, goal_id, window_key, window_end, goal_version, grants, closed_at)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [
            program.id,
            goal.id,
            windowKey,
            new Date(endMs).toISOString(),
            goal.version,
            grants.length,
            services.now().toISOString(),
          ],
        );
        return grants.length;
      });
  }
  return granted;
}

/** Participant p's current spell as a grant's window key, written in SQL as spellKey writes it. */
const CURRENT_SPELL = `'since:' || to_char(
  date_trunc('milliseconds', coalesce(p.last_order_at, p.created_at)) at time zone 'UTC',
  'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Participants looked at per transaction by the inactivity job. */
const INACTIVITY_CHUNK = 500;

/**
 * Grants inactivity steps: a participant with no order for a step's number
 * of days gets it, once per spell of inactivity (a spell runs from their
 * latest order, or their joining, to their next order, which starts a new
 * one). Steps that came due while the server was down are all granted at
 * its next run. Returns the grants made.
 *
 * A run looks only at participants whose spell reached the step's length
 * since the previous run (the step's watermark), or whose spell changed since
 * then (an order, possibly dated long ago): not at everyone each minute.
 * Participants who were suspended when their step came due are not looked at
 * again for that spell.
 */
export async function grantInactivity(services: Services, program: ProgramRecord): Promise<number> {
  const startedAt = services.now();
  const nowMs = startedAt.getTime();
  let granted = 0;
  for (const goal of await active(services, program)) {
    if (goal.goal.metric !== "inactivity_days") continue;
    const runJob = `inactivity:${goal.id}`;
    const lastRun = await jobWatermark(services.db, program.id, runJob);
    const changedAfter = lastRun && new Date(lastRun.getTime() - COMMIT_MARGIN_MS);
    for (const [index, step] of goal.goal.steps.entries()) {
      const stepJob = `inactivity:${goal.id}:${index + 1}`;
      const reachedAfter = await jobWatermark(services.db, program.id, stepJob);
      const inactiveSince = new Date(nowMs - (step.threshold ?? 0) * 86_400_000);
      let cursor = "";
      for (;;) {
        const { made, last } = await services.db.transaction(async (tx) => {
          // Inactive long enough for this step, newly so or in a new spell,
          // and not yet granted it in the current spell.
          const candidates = await tx.query<{ id: string }>(
            `select p.id from participants p
             where p.program_id = $1 and p.status = 'active' and p.id > $6
               and coalesce(p.last_order_at, p.created_at) <= $2
               and ($7::timestamptz is null or $8::timestamptz is null
                    or coalesce(p.last_order_at, p.created_at) > $7
                    or p.activity_changed_at > $8)
               and not exists (select 1 from goal_grants g
                 where g.program_id = p.program_id and g.goal_id = $3 and g.participant_id = p.id
                   and g.step = $4 and g.window_key = ${CURRENT_SPELL})
             order by p.id limit $5`,
            [
              program.id,
              inactiveSince.toISOString(),
              goal.id,
              index + 1,
              INACTIVITY_CHUNK,
              cursor,
              reachedAfter?.toISOString() ?? null,
              changedAfter?.toISOString() ?? null,
            ],
          );
          const ids = candidates.map((c) => c.id);
          if (ids.length === 0) return { made: 0, last: null };
          // Under the participants' locks an order being processed cannot
          // end the spell halfway: read their last order again after them.
          await lockParticipants(tx, program.id, ids);
          const people = await tx.query<{
            id: string;
            level: string | null;
            since: Date;
            steps: number[] | null;
          }>(
            `select p.id, p.level, coalesce(p.last_order_at, p.created_at) as since,
               (select array_agg(g.step) from goal_grants g
                 where g.program_id = p.program_id and g.goal_id = $3 and g.participant_id = p.id
                   and g.window_key = ${CURRENT_SPELL}) as steps
             from participants p where p.program_id = $1 and p.id = any($2::text[])`,
            [program.id, ids, goal.id],
          );
          const grants = people.flatMap((p) =>
            dueGrants(
              goal,
              { participantId: p.id, level: p.level },
              spellKey(p.since.getTime()),
              daysSince(p.since.getTime(), nowMs),
              null,
              p.steps ?? [],
              null,
              services.voucherCode,
            ),
          );
          const written = await writeGrants(tx, services, program.id, [goal], grants);
          return { made: written.length, last: ids.at(-1) ?? null };
        });
        granted += made;
        if (last === null) break;
        cursor = last;
      }
      await advanceJobWatermark(services.db, program.id, stepJob, inactiveSince);
    }
    await advanceJobWatermark(services.db, program.id, runJob, startedAt);
  }
  return granted;
}
