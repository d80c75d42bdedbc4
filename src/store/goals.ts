import { goalSchema, type Goal } from "../domain/goals.ts";
import type { Queryable } from "./db.ts";

export interface GoalRecord {
  id: string;
  programId: string;
  version: number;
  goal: Goal;
  createdAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
}

interface GoalRow {
  id: string;
  program_id: string;
  version: number;
  definition: unknown;
  created_at: Date;
  updated_at: Date;
  ended_at: Date | null;
}

const columns = "id, program_id, version, definition, created_at, updated_at, ended_at";

/**
 * Parsed definitions by goal and version. A version never changes once
 * written, and every batch of events and every progress read needs the
 * program's goals: parsing 50 of them each time cost more than the query.
 */
const parsed = new Map<string, Goal>();
const PARSED_LIMIT = 10_000;

function definitionOf(row: GoalRow): Goal {
  const key = `${row.program_id}/${row.id}/${row.version}`;
  let goal = parsed.get(key);
  if (goal === undefined) {
    // Stored definitions passed this schema on the way in.
    goal = goalSchema.parse(row.definition);
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(key, goal);
  }
  return goal;
}

function toRecord(row: GoalRow): GoalRecord {
  return {
    id: row.id,
    programId: row.program_id,
    version: row.version,
    goal: definitionOf(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
  };
}

export async function insertGoal(
  db: Queryable,
  programId: string,
  id: string,
  goal: Goal,
  at: Date,
): Promise<GoalRecord> {
  await db.query(
    `insert into goal_versions (program_id, goal_id, version, definition, created_at)
     values ($1, $2, 1, $3, $4)`,
    [programId, id, JSON.stringify(goal), at.toISOString()],
  );
  const rows = await db.query<GoalRow>(
    `insert into goals (program_id, id, version, definition, created_at, updated_at)
     values ($1, $2, 1, $3, $4, $4) returning ${columns}`,
    [programId, id, JSON.stringify(goal), at.toISOString()],
  );
  return toRecord(rows[0] as GoalRow);
}

/** Makes `goal` the next version; the caller holds the goal's row lock (see findGoal's forUpdate). */
export async function insertGoalVersion(
  db: Queryable,
  current: GoalRecord,
  goal: Goal,
  at: Date,
): Promise<GoalRecord> {
  const version = current.version + 1;
  await db.query(
    `insert into goal_versions (program_id, goal_id, version, definition, created_at)
     values ($1, $2, $3, $4, $5)`,
    [current.programId, current.id, version, JSON.stringify(goal), at.toISOString()],
  );
  const rows = await db.query<GoalRow>(
    `update goals set version = $3, definition = $4, updated_at = $5
     where program_id = $1 and id = $2 returning ${columns}`,
    [current.programId, current.id, version, JSON.stringify(goal), at.toISOString()],
  );
  return toRecord(rows[0] as GoalRow);
}

export async function endGoal(
  db: Queryable,
  programId: string,
  id: string,
  at: Date,
): Promise<GoalRecord | null> {
  const rows = await db.query<GoalRow>(
    `update goals set ended_at = coalesce(ended_at, $3) where program_id = $1 and id = $2
     returning ${columns}`,
    [programId, id, at.toISOString()],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function findGoal(
  db: Queryable,
  programId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<GoalRecord | null> {
  const rows = await db.query<GoalRow>(
    `select ${columns} from goals where program_id = $1 and id = $2${options.forUpdate ? " for update" : ""}`,
    [programId, id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The program's goals, oldest first; ended ones only when asked for; a page when `page` is given. */
export async function listGoals(
  db: Queryable,
  programId: string,
  options: { includeEnded?: boolean; page?: { after: string | null; limit: number } } = {},
): Promise<GoalRecord[]> {
  const page = options.page;
  const rows = await db.query<GoalRow>(
    `select ${columns} from goals where program_id = $1${options.includeEnded ? "" : " and ended_at is null"}
       and ($2::text is null or id > $2)
     order by id${page ? " limit $3" : ""}`,
    page ? [programId, page.after, page.limit] : [programId, null],
  );
  return rows.map(toRecord);
}
