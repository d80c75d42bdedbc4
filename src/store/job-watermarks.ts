import type { Queryable } from "./db.ts";

/**
 * How far behind a run's start a watermark is set: a transaction that began
 * before the run looked and committed after it may have written rows the run
 * did not see, and the next run must look at them again.
 */
export const COMMIT_MARGIN_MS = 10 * 60_000;

/**
 * How far a scheduled job has got for a program (`release-holds`,
 * `inactivity:<goal>:<step>`), so each run starts there instead of at the
 * beginning of the program's history.
 */
export async function jobWatermark(
  db: Queryable,
  programId: string,
  job: string,
): Promise<Date | null> {
  const rows = await db.query<{ watermark: Date }>(
    "select watermark from job_watermarks where program_id = $1 and job = $2",
    [programId, job],
  );
  return rows[0]?.watermark ?? null;
}

/** Moves a watermark forward, never back (two servers may run the job at once). */
export async function advanceJobWatermark(
  db: Queryable,
  programId: string,
  job: string,
  to: Date,
): Promise<void> {
  await db.query(
    `insert into job_watermarks (program_id, job, watermark) values ($1, $2, $3)
     on conflict (program_id, job) do update set watermark = greatest(job_watermarks.watermark, excluded.watermark)`,
    [programId, job, to.toISOString()],
  );
}
