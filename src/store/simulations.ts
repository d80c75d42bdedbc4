import type { SimulationResult } from "../domain/simulation.ts";
import type { Queryable } from "./db.ts";

export type SimulationStatus = "running" | "done" | "failed";

export interface SimulationRecord {
  programId: string;
  id: string;
  status: SimulationStatus;
  /** The request body as sent, once validated. */
  request: unknown;
  from: Date;
  to: Date;
  replayed: number;
  total: number;
  result: SimulationResult | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** A record without its result: what a list shows. */
export type SimulationSummary = Omit<SimulationRecord, "result">;

const summaryColumns = `program_id as "programId", id, status, request, from_at as "from",
  to_at as "to", replayed, total, error, created_at as "createdAt", finished_at as "finishedAt"`;

/**
 * A record the process that ran it no longer touches: a server refreshes the
 * heartbeat of what it runs or queues well within this.
 */
export const ABANDONED_AFTER_SECONDS = 60;

export const STOPPED_MESSAGE = "the server stopped while it ran; start it again";

export async function insertSimulation(
  db: Queryable,
  s: {
    programId: string;
    id: string;
    request: unknown;
    from: Date;
    to: Date;
    createdAt: Date;
  },
): Promise<SimulationRecord> {
  const rows = await db.query<SimulationRecord>(
    `insert into simulations (program_id, id, status, request, from_at, to_at, created_at)
     values ($1, $2, 'running', $3, $4, $5, $6) returning ${summaryColumns}, result`,
    [
      s.programId,
      s.id,
      JSON.stringify(s.request),
      s.from.toISOString(),
      s.to.toISOString(),
      s.createdAt.toISOString(),
    ],
  );
  const row = rows[0];
  if (row === undefined) throw new Error("expected the inserted simulation");
  return row;
}

export async function findSimulation(
  db: Queryable,
  programId: string,
  id: string,
): Promise<SimulationRecord | null> {
  const rows = await db.query<SimulationRecord>(
    `select ${summaryColumns}, result from simulations where program_id = $1 and id = $2`,
    [programId, id],
  );
  return rows[0] ?? null;
}

/** Newest first (ids sort by creation), a page at a time, without results. */
export async function listSimulations(
  db: Queryable,
  programId: string,
  page: { before: string | null; limit: number },
): Promise<SimulationSummary[]> {
  return db.query<SimulationSummary>(
    `select ${summaryColumns} from simulations
     where program_id = $1 and ($2::text is null or id < $2)
     order by id desc limit $3`,
    [programId, page.before, page.limit],
  );
}

/** Progress of a running simulation; a finished one stays as it ended. */
export async function recordProgress(
  db: Queryable,
  programId: string,
  id: string,
  progress: { replayed: number; total: number },
): Promise<void> {
  await db.query(
    `update simulations set replayed = $3, total = $4, heartbeat_at = now()
     where program_id = $1 and id = $2 and status = 'running'`,
    [programId, id, progress.replayed, progress.total],
  );
}

/** The process running or queueing these is alive: none of them is abandoned. */
export async function touchSimulations(
  db: Queryable,
  keys: readonly { programId: string; id: string }[],
): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `update simulations set heartbeat_at = now()
     where status = 'running' and (program_id, id) in
       (select * from unnest($1::text[], $2::text[]))`,
    [keys.map((k) => k.programId), keys.map((k) => k.id)],
  );
}

export async function finishSimulation(
  db: Queryable,
  programId: string,
  id: string,
  result: SimulationResult,
  progress: { replayed: number; total: number },
): Promise<void> {
  await db.query(
    `update simulations set status = 'done', result = $3, replayed = $4, total = $5,
       finished_at = now(), heartbeat_at = now()
     where program_id = $1 and id = $2 and status = 'running'`,
    [programId, id, JSON.stringify(result), progress.replayed, progress.total],
  );
}

export async function failSimulation(
  db: Queryable,
  programId: string,
  id: string,
  error: string,
): Promise<void> {
  await db.query(
    `update simulations set status = 'failed', error = $3, finished_at = now()
     where program_id = $1 and id = $2 and status = 'running'`,
    [programId, id, error],
  );
}

/**
 * Marks failed what no process runs any more: those whose heartbeat stopped,
 * or, with `all` (a server starting on the embedded database, which no other
 * process can hold), every one left running. Answers how many.
 */
export async function failAbandonedSimulations(
  db: Queryable,
  options: { all?: boolean; programId?: string } = {},
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `update simulations set status = 'failed', error = $1, finished_at = now()
     where status = 'running'
       and ($2::boolean or heartbeat_at < now() - make_interval(secs => $3))
       and ($4::text is null or program_id = $4)
     returning id`,
    [STOPPED_MESSAGE, options.all ?? false, ABANDONED_AFTER_SECONDS, options.programId ?? null],
  );
  return rows.length;
}
