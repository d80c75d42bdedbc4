import type { Queryable } from "./db.ts";

/**
 * How far behind a run's start a watermark is set: a transaction that began
 * before the run looked and committed after it may have written rows the run
 * did not see, and the next run must look at them again.
 */
export const COMMIT_MARGIN_MS = 10 * 60_000;

/**
 * The program a scheduled job's query works on, written `(select $1::text)`
 * instead of `$1`, so the planner does not see the value when it plans.
 * Seeing it, the planner looks it up in the column's statistics, and a
 * program that was not there at the last ANALYZE (a new one, or one that grew
 * since) is estimated at one row: every index that leads with program_id then
 * looks as cheap as any other, and it may pick one that reads all of the
 * program's rows once per row of the other side of a join (releasing the holds
 * of a new program's 3,000 orders beside millions of other rows took minutes).
 * Not seeing it, the planner takes a program's average share of the table, and
 * prefers the index whose further columns narrow the search to the batch.
 */
export const JOB_PROGRAM = "(select $1::text)";

/**
 * The keys a batch looks up (`= any(…)`), as parameter `n` written
 * `(select $n::text[])::text[]` (the cast makes it one array, not a subquery
 * of arrays), so the planner does not see how many there are: it
 * takes any array it cannot see as 10 keys. Seeing 1,000 keys of a column it
 * has no statistics for (every column, before an ANALYZE), it estimates each
 * to match 1 row in 200, all of them to match every row, and drops them from
 * the index search: the search is then by the program alone, all of the
 * program's rows to find the batch's. Taken as 10 keys, they are always the
 * narrowest search, with the program (JOB_PROGRAM), on an index that leads
 * with (program_id, key); the executor still looks up every key.
 */
export const batchKeys = (n: number): string => `(select $${n}::text[])::text[]`;

/**
 * Ends a subquery of a job's query that looks up one row of the batch (a
 * `not exists (…)`, or a `lateral` join per key the batch names), so it
 * stays that: a lookup by key, once per row. An OFFSET keeps the planner
 * from flattening it into a join, which, by estimates that come from
 * statistics (or defaults, before any ANALYZE), it may run as a hash of
 * every row of the program, read again by every batch of every run.
 */
export const PROBE_EACH = "offset 0";

/**
 * Run in a job's transaction before it reads a batch in the order of an
 * index, from a position, with a LIMIT: with bitmap scans off, the planner
 * cannot swap that read for a bitmap scan of every row after the position
 * and a sort, which it picks when it expects few rows (on a table never
 * analyzed, as PGlite's always are, or for a program newer than the
 * statistics) and which reads the whole rest of the backlog for each batch.
 * SET LOCAL: it lasts until the transaction ends.
 */
export async function readInIndexOrder(tx: Queryable): Promise<void> {
  await tx.query("set local enable_bitmapscan = off");
}

/**
 * Where a scheduled job has got to: an instant and, among the rows of that
 * instant, the key of the last one done. Everything at or before it, in
 * (instant, key) order, is done. `at` is ISO 8601 to the microsecond, as the
 * database stores it: a JavaScript Date keeps milliseconds, and a position
 * rounded down would find its own last row again.
 */
export interface JobPosition {
  at: string;
  key: string;
}

/** A timestamptz column or expression in SQL as a JobPosition's `at`. */
export const exactInstant = (sql: string): string =>
  `to_char((${sql}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A Date as a JobPosition's `at`: its instant, to the microsecond. */
export const instantOf = (date: Date): string => date.toISOString().replace(/Z$/, "000Z");

/** Whether position a comes before b; `at`s of the same format compare as strings. */
export const isBefore = (a: JobPosition, b: JobPosition): boolean =>
  a.at < b.at || (a.at === b.at && a.key < b.key);

/**
 * How far a scheduled job has got for a program (`release-holds`,
 * `inactivity:<goal>`, `inactivity:<goal>:<step>`), so each run starts there
 * instead of at the beginning of the program's history.
 */
export async function jobPosition(
  db: Queryable,
  programId: string,
  job: string,
): Promise<JobPosition | null> {
  const rows = await db.query<JobPosition>(
    `select ${exactInstant("watermark")} as at, after_key as key
     from job_watermarks where program_id = $1 and job = $2`,
    [programId, job],
  );
  return rows[0] ?? null;
}

/** Moves a position forward, never back (two servers may run the job at once). */
export async function advanceJobPosition(
  db: Queryable,
  programId: string,
  job: string,
  to: JobPosition,
): Promise<void> {
  await db.query(
    `insert into job_watermarks (program_id, job, watermark, after_key) values ($1, $2, $3, $4)
     on conflict (program_id, job) do update
       set watermark = excluded.watermark, after_key = excluded.after_key
       where (job_watermarks.watermark, job_watermarks.after_key)
           < (excluded.watermark, excluded.after_key)`,
    [programId, job, to.at, to.key],
  );
}

/** The instant of a job's position: for jobs that keep only a time. */
export async function jobWatermark(
  db: Queryable,
  programId: string,
  job: string,
): Promise<Date | null> {
  const position = await jobPosition(db, programId, job);
  return position && new Date(position.at);
}

/** Moves a job's time forward to `to`, never back. */
export const advanceJobWatermark = (db: Queryable, programId: string, job: string, to: Date) =>
  advanceJobPosition(db, programId, job, { at: instantOf(to), key: "" });
