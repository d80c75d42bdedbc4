import type { IdSource } from "../domain/ids.ts";
import type { OutboxEvent, WebhookBody } from "../domain/outbox-events.ts";
import type { Queryable } from "./db.ts";

/**
 * Writes facts to tell in the caller's transaction, each with one pending
 * delivery per enabled endpoint of the program's brand that wants its type
 * (brand-wide, or for this program), due at once. The rows commit with the
 * fact or not at all. A fact no endpoint wants is not written: an endpoint
 * hears of what happens from its creation on.
 */
export async function tell(
  db: Queryable,
  programId: string,
  events: readonly OutboxEvent[],
  ids: IdSource,
  at: Date,
): Promise<void> {
  if (events.length === 0) return;
  const endpoints = await db.query<{ id: string; brand_id: string; events: string[] }>(
    `select e.id, e.brand_id, e.events from webhook_endpoints e
     join programs p on p.brand_id = e.brand_id and p.id = $1
     where not e.disabled and (e.program_id is null or e.program_id = $1)`,
    [programId],
  );
  if (endpoints.length === 0) return;
  const wanted = events
    .map((event) => ({
      event,
      to: endpoints.filter((e) => e.events.includes(event.type)),
    }))
    .filter((w) => w.to.length > 0)
    .map((w) => ({ ...w, id: ids.next("whe") }));
  if (wanted.length === 0) return;
  const brandId = endpoints[0]?.brand_id ?? "";
  await db.query(
    `insert into outbox_events (id, brand_id, program_id, type, data, created_at)
     select id, $1, $2, type, data, $6
     from unnest($3::text[], $4::text[], $5::jsonb[]) as e (id, type, data)`,
    [
      brandId,
      programId,
      wanted.map((w) => w.id),
      wanted.map((w) => w.event.type),
      wanted.map((w) => JSON.stringify(w.event.data)),
      at,
    ],
  );
  const deliveries = wanted.flatMap((w) =>
    w.to.map((endpoint) => ({ endpointId: endpoint.id, eventId: w.id, type: w.event.type })),
  );
  await db.query(
    `insert into webhook_deliveries
       (id, endpoint_id, event_id, brand_id, type, status, attempts, next_attempt_at, created_at)
     select id, endpoint_id, event_id, $1, type, 'pending', 0, $6, $6
     from unnest($2::text[], $3::text[], $4::text[], $5::text[]) as d (id, endpoint_id, event_id, type)
     on conflict (endpoint_id, event_id) do nothing`,
    [
      brandId,
      deliveries.map(() => ids.next("whd")),
      deliveries.map((d) => d.endpointId),
      deliveries.map((d) => d.eventId),
      deliveries.map((d) => d.type),
      at,
    ],
  );
}

/** The stored parts of an event, as a row gives them. */
export interface OutboxEventRow {
  id: string;
  program_id: string | null;
  type: WebhookBody["type"];
  data: Record<string, unknown>;
  created_at: Date;
}

/** An event's webhook body, its fields in one order, so every attempt of every endpoint sends the same bytes. */
export function webhookBodyOf(row: OutboxEventRow): WebhookBody {
  return {
    id: row.id,
    type: row.type,
    createdAt: row.created_at.toISOString(),
    programId: row.program_id,
    data: row.data,
  };
}

/** One event as its webhook body. */
export async function findOutboxEvent(db: Queryable, id: string): Promise<WebhookBody | null> {
  const rows = await db.query<OutboxEventRow>(
    `select id, program_id, type, data, created_at from outbox_events where id = $1`,
    [id],
  );
  const row = rows[0];
  return row ? webhookBodyOf(row) : null;
}
