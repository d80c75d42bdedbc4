import { settleGrant, type GrantOutcome } from "../domain/goal-grants.ts";
import { dueGrants, type ActiveGoal, type GrantFact } from "../domain/goal-progress.ts";
import { creditedPrograms } from "../domain/goals.ts";
import type { JournalFact, LevelChangeFact } from "../domain/process-events.ts";
import type { Queryable } from "../store/db.ts";
import { bookJournals } from "../store/facts.ts";
import { lockParticipants } from "../store/locks.ts";
import { loadParticipantsByIds } from "../store/participants.ts";
import { JOB_PROGRAM, PROBE_EACH, readInIndexOrder } from "../store/job-watermarks.ts";
import { bucketFor, insertGrants, loadMemberships, updateLevels } from "../store/progress.ts";
import {
  levelsChangedElsewhere,
  outboxOfGrants,
  type ParticipantFields,
} from "../domain/outbox-of-facts.ts";
import { tell } from "../store/outbox.ts";
import { findProgramById } from "../store/programs.ts";
import { mailRewardsGranted, uncreditedGrants } from "./notification-mails.ts";
import type { Services } from "./services.ts";

const WINDOW_PAGE = 500;

/**
 * Grants made outside event processing (a window closing, a PATCH that lowers
 * a step, an inactivity spell): recorded with their ledger journals and level
 * changes in the caller's transaction, exactly as an event's grants are.
 */
export async function writeGrants(
  tx: Queryable,
  services: Services,
  programId: string,
  goals: readonly ActiveGoal[],
  grants: readonly GrantFact[],
): Promise<GrantOutcome[]> {
  if (grants.length === 0) return [];
  const people = await loadParticipantsByIds(tx, programId, [
    ...new Set(grants.map((g) => g.participantId)),
  ]);
  const externalIds = new Map(people.map((p) => [p.id, p.externalId]));
  const credited = [...new Set(goals.flatMap((g) => creditedPrograms(g.goal)))];
  const memberships = await loadMemberships(tx, credited, [...externalIds.values()]);
  const journals: JournalFact[] = [];
  const levelChanges: LevelChangeFact[] = [];
  const outcomes = grants.map((g) => {
    const settled = settleGrant(g, externalIds.get(g.participantId), memberships);
    if (settled.journal) journals.push(settled.journal);
    if (settled.levelChange) levelChanges.push(settled.levelChange);
    return settled.outcome;
  });
  const at = services.now();
  await insertGrants(tx, programId, grants, at);
  await bookJournals(tx, programId, journals, services.ids, at);
  await tellLevelsChangedElsewhere(tx, services, levelChanges, at);
  await updateLevels(tx, programId, levelChanges);
  await tell(
    tx,
    programId,
    outboxOfGrants(
      { grants, levelChanges },
      {
        publicUrl: services.publicUrl,
        externalIds,
        goalNames: new Map(goals.map((g) => [g.id, g.goal.name])),
        participants: new Map(
          people.map((p) => [p.id, { ...p, createdAtMs: p.createdAt.getTime() }]),
        ),
      },
    ),
    services.ids,
    at,
  );
  // The program is read only when there is mail to send; event batches have it at hand.
  const program = services.mail ? await findProgramById(tx, programId) : null;
  if (program)
    await mailRewardsGranted(tx, services, program, grants, {
      goals,
      known: new Map(people.map((p) => [p.id, p])),
      uncredited: uncreditedGrants(outcomes),
    });
  return outcomes;
}

/**
 * Tells `participant.updated` in each other program whose membership a level
 * reward changes, as a level change made in that program is told. Called
 * before the levels are written: it reads those memberships as they were.
 */
export async function tellLevelsChangedElsewhere(
  tx: Queryable,
  services: Services,
  levelChanges: readonly LevelChangeFact[],
  at: Date,
): Promise<void> {
  const elsewhere = new Map<string, string[]>();
  for (const c of levelChanges)
    if (c.programId !== null)
      elsewhere.set(c.programId, [...(elsewhere.get(c.programId) ?? []), c.participantId]);
  if (elsewhere.size === 0) return;
  const members = new Map<string, ParticipantFields>();
  for (const [programId, ids] of elsewhere)
    for (const p of await loadParticipantsByIds(tx, programId, [...new Set(ids)]))
      members.set(p.id, { ...p, createdAtMs: p.createdAt.getTime() });
  for (const [programId, events] of levelsChangedElsewhere(
    levelChanges,
    members,
    services.publicUrl,
  ))
    await tell(tx, programId, events, services.ids, at);
}

/** A participant's standing in one window, in the shape the grant rules take it. */
interface WindowRow {
  participantId: string;
  level: string | null;
  value: number;
  /** The steps already granted in the window. */
  steps: number[];
  target: number | null;
}

/**
 * The next `limit` active participants after `after` with a value in one
 * window of a goal, with their level, grants and target: goal_progress_bucket
 * read in participant order from `after`, so each batch reads only its own
 * rows, and each participant looked up by key. Their status is tested
 * outside that lookup: inside, it would let the planner take an index made
 * for active participants that does not lead with their id.
 */
export async function windowRows(
  tx: Queryable,
  programId: string,
  goal: ActiveGoal,
  windowKey: string,
  after: string,
  limit: number,
): Promise<WindowRow[]> {
  await readInIndexOrder(tx);
  return tx.query<WindowRow>(
    `select gp.participant_id as "participantId", (gp.goal_values ->> $2)::bigint as value, p.level,
       coalesce((select array_agg(gg.step) from goal_grants gg
         where gg.program_id = gp.program_id and gg.goal_id = $2
           and gg.participant_id = gp.participant_id and gg.window_key = $4), '{}') as steps,
       (select t.target from participant_targets t
         where t.program_id = gp.program_id and t.goal_id = $2
           and t.participant_id = gp.participant_id and t.period = $4) as target
     from goal_progress gp
     cross join lateral (select p.level, p.status from participants p
                         where p.program_id = gp.program_id and p.id = gp.participant_id
                         ${PROBE_EACH}) p
     where gp.program_id = ${JOB_PROGRAM} and gp.bucket = $3 and gp.participant_id > $5
       and gp.goal_values ? $2 and p.status = 'active'
     order by gp.participant_id
     limit $6`,
    [programId, goal.id, bucketFor(goal.goal.window, windowKey), windowKey, after, limit],
  );
}

/**
 * After a PATCH, participants whose value already reaches a step of the new
 * version that they were not granted get it now, rather than at their next
 * event. Those who completed a step under an earlier version keep it and are
 * not granted it again.
 */
export async function grantReachedSteps(
  tx: Queryable,
  services: Services,
  programId: string,
  goal: ActiveGoal,
  windowKeys: readonly string[],
): Promise<GrantOutcome[]> {
  const grants: GrantFact[] = [];
  for (const windowKey of windowKeys) {
    const seen = await allWindowRows(tx, programId, goal, windowKey);
    await lockParticipants(
      tx,
      programId,
      seen.map((r) => r.participantId),
    );
    // Read again under the locks: a batch that committed meanwhile may have granted.
    for (const r of await allWindowRows(tx, programId, goal, windowKey))
      grants.push(
        ...dueGrants(goal, r, windowKey, r.value, r.target, r.steps, null, services.voucherCode),
      );
  }
  return writeGrants(tx, services, programId, [goal], grants);
}

/** Every row of one window, read page by page as the window close reads it. */
async function allWindowRows(
  tx: Queryable,
  programId: string,
  goal: ActiveGoal,
  windowKey: string,
): Promise<WindowRow[]> {
  const rows: WindowRow[] = [];
  for (let after = ""; ;) {
    const page = await windowRows(tx, programId, goal, windowKey, after, WINDOW_PAGE);
    rows.push(...page);
    const last = page.at(-1);
    if (page.length < WINDOW_PAGE || last === undefined) return rows;
    after = last.participantId;
  }
}
