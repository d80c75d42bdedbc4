import type { TargetRow, TargetStanding } from "../domain/targets.ts";
import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";

export type TargetSource = "api" | "cli" | "sftp";

export interface TargetImportRecord {
  id: string;
  programId: string;
  contentHash: string;
  source: TargetSource;
  fileName: string | null;
  rows: number;
  createdAt: Date;
}

const importColumns = `id, program_id as "programId", content_hash as "contentHash", source,
  file_name as "fileName", rows, created_at as "createdAt"`;

export async function insertTargetImport(db: Queryable, record: TargetImportRecord): Promise<void> {
  await db.query(
    `insert into target_imports (program_id, id, content_hash, source, file_name, rows, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      record.programId,
      record.id,
      record.contentHash,
      record.source,
      record.fileName,
      record.rows,
      record.createdAt.toISOString(),
    ],
  );
}

export async function findTargetImportByHash(
  db: Queryable,
  programId: string,
  contentHash: string,
): Promise<TargetImportRecord | null> {
  const rows = await db.query<TargetImportRecord>(
    `select ${importColumns} from target_imports where program_id = $1 and content_hash = $2`,
    [programId, contentHash],
  );
  return rows[0] ?? null;
}

/**
 * Writes one chunk of an import's rows; a target already set for the same
 * goal, participant and period takes the new value and the new import's id.
 * The rows must not repeat a key: PostgreSQL refuses to update a row twice in
 * one statement.
 */
export async function upsertTargets(
  db: Queryable,
  programId: string,
  importId: string,
  rows: readonly TargetRow[],
): Promise<void> {
  await bulkInsert(
    db,
    "participant_targets",
    programId,
    {
      goal_id: "text",
      participant_id: "text",
      period: "text",
      target: "bigint",
      import_id: "text",
    },
    rows.map((r) => ({
      goal_id: r.goalId,
      participant_id: r.participantId,
      period: r.period,
      target: r.target,
      import_id: importId,
    })),
    `on conflict (program_id, goal_id, participant_id, period)
     do update set target = excluded.target, import_id = excluded.import_id`,
  );
}

/** The key loadTargets answers by. */
export const targetKey = (goalId: string, participantId: string, period: string): string =>
  `${goalId}|${participantId}|${period}`;

/**
 * The targets of some participants, on some goals (all when `goalIds` is not
 * given), keyed by targetKey.
 */
export async function loadTargets(
  db: Queryable,
  programId: string,
  participantIds: readonly string[],
  goalIds?: readonly string[],
): Promise<Map<string, number>> {
  const targets = new Map<string, number>();
  if (participantIds.length === 0 || goalIds?.length === 0) return targets;
  const rows = await db.query<{
    goalId: string;
    participantId: string;
    period: string;
    target: number;
  }>(
    `select goal_id as "goalId", participant_id as "participantId", period, target
     from participant_targets
     where program_id = $1 and participant_id = any($2::text[])
       and ($3::text[] is null or goal_id = any($3::text[]))`,
    [programId, participantIds, goalIds ?? null],
  );
  for (const r of rows) targets.set(targetKey(r.goalId, r.participantId, r.period), r.target);
  return targets;
}

export interface ParticipantTarget {
  goalId: string;
  period: string;
  target: number;
}

/** One participant's targets by goal and period, a page at a time after the given one. */
export async function listTargets(
  db: Queryable,
  programId: string,
  participantId: string,
  page: { after: { goalId: string; period: string } | null; limit: number },
): Promise<ParticipantTarget[]> {
  return db.query<ParticipantTarget>(
    `select goal_id as "goalId", period, target from participant_targets
     where program_id = $1 and participant_id = $2
       and ($3::text is null or (goal_id, period) > ($3::text, $4::text))
     order by goal_id, period limit $5`,
    [programId, participantId, page.after?.goalId ?? null, page.after?.period ?? null, page.limit],
  );
}

/** Participant ids by external id, for the external ids given that exist in the program. */
export async function participantIdsByExternalId(
  db: Queryable,
  programId: string,
  externalIds: readonly string[],
): Promise<Map<string, string>> {
  if (externalIds.length === 0) return new Map();
  const rows = await db.query<{ externalId: string; id: string }>(
    `select external_id as "externalId", id from participants
     where program_id = $1 and external_id = any($2::text[])`,
    [programId, externalIds],
  );
  return new Map(rows.map((r) => [r.externalId, r.id]));
}

/**
 * Where each participant stands in each goal and period named: the target
 * stored now, the goal's value in that window (its bucket is the period's
 * key) and the steps already granted there, keyed by targetKey. Rows are
 * looked up by key, so a file of a few rows reads a few rows.
 */
export async function loadTargetStandings(
  db: Queryable,
  programId: string,
  keys: readonly { goalId: string; participantId: string; period: string }[],
): Promise<Map<string, TargetStanding>> {
  const standings = new Map<string, TargetStanding>();
  if (keys.length === 0) return standings;
  const rows = await db.query<{
    goalId: string;
    participantId: string;
    period: string;
    previous: number | null;
    value: number | null;
    granted: number[];
  }>(
    `select k.goal_id as "goalId", k.participant_id as "participantId", k.period,
       (select t.target from participant_targets t
         where t.program_id = $1 and t.goal_id = k.goal_id
           and t.participant_id = k.participant_id and t.period = k.period) as previous,
       (select (gp.goal_values ->> k.goal_id)::bigint from goal_progress gp
         where gp.program_id = $1 and gp.participant_id = k.participant_id
           and gp.bucket = k.period) as value,
       coalesce((select array_agg(gg.step order by gg.step) from goal_grants gg
         where gg.program_id = $1 and gg.goal_id = k.goal_id
           and gg.participant_id = k.participant_id and gg.window_key = k.period), '{}') as granted
     from unnest($2::text[], $3::text[], $4::text[]) as k(goal_id, participant_id, period)`,
    [
      programId,
      keys.map((k) => k.goalId),
      keys.map((k) => k.participantId),
      keys.map((k) => k.period),
    ],
  );
  for (const r of rows)
    standings.set(targetKey(r.goalId, r.participantId, r.period), {
      previous: r.previous === null ? null : Number(r.previous),
      value: r.value === null ? 0 : Number(r.value),
      granted: r.granted.map(Number),
    });
  return standings;
}

/** A participant's imported target in one goal and period, with their value there. */
export interface GoalTarget {
  participantId: string;
  externalId: string;
  name: string | null;
  period: string;
  target: number;
  importedAt: Date;
  value: number;
}

/** One goal's targets for one period in participant order, a page at a time after `after`. */
export async function listGoalTargets(
  db: Queryable,
  programId: string,
  goalId: string,
  period: string,
  page: { after: string | null; limit: number },
): Promise<GoalTarget[]> {
  const rows = await db.query<GoalTarget>(
    `select t.participant_id as "participantId", p.external_id as "externalId", p.name,
       t.period, t.target, i.created_at as "importedAt",
       coalesce((select (gp.goal_values ->> t.goal_id)::bigint from goal_progress gp
         where gp.program_id = t.program_id and gp.participant_id = t.participant_id
           and gp.bucket = t.period), 0) as value
     from participant_targets t
     join participants p on p.program_id = t.program_id and p.id = t.participant_id
     join target_imports i on i.program_id = t.program_id and i.id = t.import_id
     where t.program_id = $1 and t.goal_id = $2 and t.period = $3
       and ($4::text is null or t.participant_id > $4)
     order by t.participant_id limit $5`,
    [programId, goalId, period, page.after, page.limit],
  );
  return rows.map((r) => ({ ...r, target: Number(r.target), value: Number(r.value) }));
}

/** Every active participant's external id in order, with their target for the goal and period. */
export async function templateRows(
  db: Queryable,
  programId: string,
  goalId: string,
  period: string,
): Promise<{ externalId: string; target: number | null }[]> {
  const rows = await db.query<{ externalId: string; target: number | null }>(
    `select p.external_id as "externalId", t.target
     from participants p
     left join participant_targets t on t.program_id = p.program_id and t.goal_id = $2
       and t.participant_id = p.id and t.period = $3
     where p.program_id = $1 and p.status = 'active'
     order by p.external_id`,
    [programId, goalId, period],
  );
  return rows.map((r) => ({ ...r, target: r.target === null ? null : Number(r.target) }));
}
