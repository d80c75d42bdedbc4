import type { EventOutcome } from "../domain/process-events.ts";
import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";
import { batchKeys, JOB_PROGRAM } from "./job-watermarks.ts";

export interface InboxRow {
  eventId: string;
  type: string;
  payload: unknown;
  contentHash: string;
  occurredAt: Date;
  /** Set when the event was processed in the same transaction that stores it. */
  outcome?: EventOutcome;
}

export interface StoredEvent {
  eventId: string;
  contentHash: string;
  status: "pending" | "processed";
  outcome: EventOutcome | null;
}

/**
 * Stores new events, pending or (with an outcome) already processed; returns
 * the ids that were new. Existing ids are left untouched.
 */
export async function insertInbox(
  db: Queryable,
  programId: string,
  rows: InboxRow[],
  at: Date,
): Promise<Set<string>> {
  const processedAt = at.toISOString();
  const inserted = await bulkInsert<Record<string, unknown>, { event_id: string }>(
    db,
    "events",
    programId,
    {
      event_id: "text",
      type: "text",
      payload: "jsonb",
      content_hash: "text",
      occurred_at: "timestamptz",
      status: "text",
      outcome: "jsonb",
      processed_at: "timestamptz",
    },
    rows.map((r) => ({
      event_id: r.eventId,
      type: r.type,
      payload: r.payload,
      content_hash: r.contentHash,
      occurred_at: r.occurredAt.toISOString(),
      status: r.outcome ? "processed" : "pending",
      outcome: r.outcome ?? null,
      processed_at: r.outcome ? processedAt : null,
    })),
    "on conflict (program_id, event_id) do nothing returning event_id",
  );
  return new Set(inserted.map((r) => r.event_id));
}

/**
 * The stored events among `eventIds`. The program and the ids are hidden from
 * the planner (job-watermarks.ts says why), so the search is by both, for a
 * program newer than the statistics too.
 */
export async function findEvents(
  db: Queryable,
  programId: string,
  eventIds: string[],
): Promise<StoredEvent[]> {
  if (eventIds.length === 0) return [];
  return db.query<StoredEvent>(
    `select event_id as "eventId", content_hash as "contentHash", status, outcome
     from events where program_id = ${JOB_PROGRAM} and event_id = any(${batchKeys(2)})`,
    [programId, eventIds],
  );
}

/**
 * Claims the still-pending events among `eventIds`, in the order received. The
 * row locks make a second processor wait, then find them processed.
 */
export async function claimPending(
  db: Queryable,
  programId: string,
  eventIds: string[] | null,
  limit: number,
): Promise<{ eventId: string; payload: unknown; occurredAt: Date }[]> {
  return db.query(
    `select event_id as "eventId", payload, occurred_at as "occurredAt" from events
     where program_id = $1 and status = 'pending' and ($2::text[] is null or event_id = any($2::text[]))
     order by seq limit $3 for update`,
    [programId, eventIds, limit],
  );
}

export async function markProcessed(
  db: Queryable,
  programId: string,
  outcomes: EventOutcome[],
  at: Date,
): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `update events e set status = 'processed', outcome = o.outcome, processed_at = $4
     from unnest($2::text[], $3::jsonb[]) as o(event_id, outcome)
     where e.program_id = ${JOB_PROGRAM} and e.event_id = any(${batchKeys(2)})
       and e.event_id = o.event_id`,
    [
      programId,
      outcomes.map((o) => o.id),
      outcomes.map((o) => JSON.stringify(o)),
      at.toISOString(),
    ],
  );
}

/**
 * A rejected event is forgotten, so the brand can fix it and send the same id
 * again. Found by program and id, both hidden from the planner (job-watermarks.ts).
 */
export async function deleteEvents(
  db: Queryable,
  programId: string,
  eventIds: string[],
): Promise<void> {
  if (eventIds.length === 0) return;
  await db.query(
    `delete from events where program_id = ${JOB_PROGRAM} and event_id = any(${batchKeys(2)})`,
    [programId, eventIds],
  );
}

export async function programsWithPendingEvents(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ program_id: string }>(
    "select distinct program_id from events where status = 'pending'",
  );
  return rows.map((r) => r.program_id);
}
