import type { IdSource } from "../domain/ids.ts";
import type { OutboxEvent, WebhookBody } from "../domain/outbox-events.ts";
import type { Queryable } from "./db.ts";

/**
 * Writes facts to tell, in the caller's transaction, under the program's
 * brand: the outbox row commits with the fact or not at all.
 */
export async function tell(
  db: Queryable,
  programId: string,
  events: readonly OutboxEvent[],
  ids: IdSource,
  at: Date,
): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `insert into outbox_events (id, brand_id, program_id, type, data, created_at)
     select e.id, p.brand_id, p.id, e.type, e.data, $5
     from unnest($2::text[], $3::text[], $4::jsonb[]) as e (id, type, data)
     join programs p on p.id = $1`,
    [
      programId,
      events.map(() => ids.next("whe")),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      at,
    ],
  );
}

export interface OutboxRow extends WebhookBody {
  readonly brandId: string;
}

/**
 * Claims up to `limit` events not yet dispatched, oldest first, locking them
 * so that another server's dispatcher skips them; the caller dispatches and
 * marks them in the same transaction.
 */
export async function claimUndispatched(db: Queryable, limit: number): Promise<OutboxRow[]> {
  const rows = await db.query<{
    id: string;
    brand_id: string;
    program_id: string | null;
    type: WebhookBody["type"];
    data: Record<string, unknown>;
    created_at: Date;
  }>(
    `select id, brand_id, program_id, type, data, created_at from outbox_events
     where dispatched_at is null order by created_at, id limit $1 for update skip locked`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    brandId: r.brand_id,
    programId: r.program_id,
    type: r.type,
    data: r.data,
    createdAt: r.created_at.toISOString(),
  }));
}

export async function markDispatched(
  db: Queryable,
  ids: readonly string[],
  at: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await db.query(`update outbox_events set dispatched_at = $2 where id = any($1::text[])`, [
    [...ids],
    at,
  ]);
}

/** One event as its webhook body, for a delivery's attempt. */
export async function findOutboxEvent(db: Queryable, id: string): Promise<WebhookBody | null> {
  const rows = await db.query<{
    id: string;
    program_id: string | null;
    type: WebhookBody["type"];
    data: Record<string, unknown>;
    created_at: Date;
  }>(`select id, program_id, type, data, created_at from outbox_events where id = $1`, [id]);
  const r = rows[0];
  return r
    ? {
        id: r.id,
        type: r.type,
        createdAt: r.created_at.toISOString(),
        programId: r.program_id,
        data: r.data,
      }
    : null;
}
