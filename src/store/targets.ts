import type { TargetRow } from "../domain/targets.ts";
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
