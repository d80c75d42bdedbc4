import type { OutboxEventType } from "../domain/outbox-events.ts";
import type { Queryable } from "./db.ts";

export interface WebhookEndpointRecord {
  readonly id: string;
  readonly brandId: string;
  readonly programId: string | null;
  readonly url: string;
  readonly events: readonly OutboxEventType[];
  /** Signs every delivery; answered only when it is made (creation and rotation). */
  readonly secret: string;
  readonly disabled: boolean;
  readonly disabledReason: string | null;
  readonly failingSince: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveryRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly type: OutboxEventType;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

const endpointColumns = `id, brand_id as "brandId", program_id as "programId", url, events, secret,
  disabled, disabled_reason as "disabledReason", failing_since as "failingSince",
  created_at as "createdAt", updated_at as "updatedAt"`;

const deliveryColumns = `id, endpoint_id as "endpointId", event_id as "eventId", type, status,
  attempts, last_status_code as "lastStatusCode", last_error as "lastError",
  next_attempt_at as "nextAttemptAt", created_at as "createdAt", delivered_at as "deliveredAt"`;

function first<T>(rows: T[], what: string): T {
  const row = rows[0];
  if (!row) throw new Error(`${what} returned no row`);
  return row;
}

export async function insertWebhookEndpoint(
  db: Queryable,
  endpoint: Pick<
    WebhookEndpointRecord,
    "id" | "brandId" | "programId" | "url" | "events" | "secret"
  >,
  at: Date,
): Promise<WebhookEndpointRecord> {
  const rows = await db.query<WebhookEndpointRecord>(
    `insert into webhook_endpoints (id, brand_id, program_id, url, events, secret, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $7)
     returning ${endpointColumns}`,
    [
      endpoint.id,
      endpoint.brandId,
      endpoint.programId,
      endpoint.url,
      JSON.stringify(endpoint.events),
      endpoint.secret,
      at,
    ],
  );
  return first(rows, "insert");
}

/** The brand's endpoint, or null: another brand's endpoint is not found. */
export async function findWebhookEndpoint(
  db: Queryable,
  brandId: string,
  id: string,
): Promise<WebhookEndpointRecord | null> {
  const rows = await db.query<WebhookEndpointRecord>(
    `select ${endpointColumns} from webhook_endpoints where brand_id = $1 and id = $2`,
    [brandId, id],
  );
  return rows[0] ?? null;
}

/** The brand's endpoints in id order, keyset-paged. */
export async function listWebhookEndpoints(
  db: Queryable,
  brandId: string,
  page: { after: string | null; limit: number },
): Promise<WebhookEndpointRecord[]> {
  return db.query<WebhookEndpointRecord>(
    `select ${endpointColumns} from webhook_endpoints
     where brand_id = $1 and ($2::text is null or id > $2)
     order by id limit $3`,
    [brandId, page.after, page.limit],
  );
}

export interface WebhookEndpointChange {
  readonly url?: string;
  readonly events?: readonly OutboxEventType[];
  readonly disabled?: boolean;
}

/**
 * Changes what is given and keeps the rest. Enabling an endpoint clears why
 * and since when it was failing, so its next failure counts from scratch
 * rather than disabling it again at once.
 */
export async function updateWebhookEndpoint(
  db: Queryable,
  brandId: string,
  id: string,
  change: WebhookEndpointChange,
  at: Date,
): Promise<WebhookEndpointRecord | null> {
  const rows = await db.query<WebhookEndpointRecord>(
    `update webhook_endpoints set
       url = coalesce($3::text, url),
       events = coalesce($4::jsonb, events),
       disabled = coalesce($5::boolean, disabled),
       disabled_reason = case when $5::boolean = false then null else disabled_reason end,
       failing_since = case when $5::boolean = false then null else failing_since end,
       updated_at = $6
     where brand_id = $1 and id = $2
     returning ${endpointColumns}`,
    [
      brandId,
      id,
      change.url ?? null,
      change.events === undefined ? null : JSON.stringify(change.events),
      change.disabled ?? null,
      at,
    ],
  );
  return rows[0] ?? null;
}

/** Replaces the signing secret; deliveries are signed with the new one from the next attempt on. */
export async function rotateWebhookSecret(
  db: Queryable,
  brandId: string,
  id: string,
  secret: string,
  at: Date,
): Promise<WebhookEndpointRecord | null> {
  const rows = await db.query<WebhookEndpointRecord>(
    `update webhook_endpoints set secret = $3, updated_at = $4
     where brand_id = $1 and id = $2
     returning ${endpointColumns}`,
    [brandId, id, secret, at],
  );
  return rows[0] ?? null;
}

/** Deletes the endpoint with its deliveries; false when the brand has no such endpoint. */
export async function deleteWebhookEndpoint(
  db: Queryable,
  brandId: string,
  id: string,
): Promise<boolean> {
  const rows = await db.query(
    `delete from webhook_endpoints where brand_id = $1 and id = $2 returning id`,
    [brandId, id],
  );
  return rows.length > 0;
}

/** An endpoint's deliveries, newest first, keyset-paged by id (ids sort by time). */
export async function listWebhookDeliveries(
  db: Queryable,
  endpointId: string,
  page: { after: string | null; limit: number },
): Promise<WebhookDeliveryRecord[]> {
  return db.query<WebhookDeliveryRecord>(
    `select ${deliveryColumns} from webhook_deliveries
     where endpoint_id = $1 and ($2::text is null or id < $2)
     order by id desc limit $3`,
    [endpointId, page.after, page.limit],
  );
}

/**
 * Makes a delivery pending and due at `at`, whatever its status, keeping its
 * attempts and the outcome of the last one. A lease is left alone: an
 * attempt under way finishes first, and two workers never send one delivery
 * at once. Null when the endpoint has no such delivery.
 */
export async function retryWebhookDelivery(
  db: Queryable,
  endpointId: string,
  id: string,
  at: Date,
): Promise<WebhookDeliveryRecord | null> {
  const rows = await db.query<WebhookDeliveryRecord>(
    `update webhook_deliveries set status = 'pending', next_attempt_at = $3
     where endpoint_id = $1 and id = $2
     returning ${deliveryColumns}`,
    [endpointId, id, at],
  );
  return rows[0] ?? null;
}

/**
 * A test event for one endpoint: the event and a delivery to that endpoint
 * alone, due at `at`, in one transaction. Unlike `tell`, no other endpoint
 * that wants the type hears of it.
 */
export async function insertTestDelivery(
  db: Queryable,
  endpoint: Pick<WebhookEndpointRecord, "id" | "brandId" | "programId">,
  event: {
    readonly id: string;
    readonly type: OutboxEventType;
    readonly data: Readonly<Record<string, unknown>>;
  },
  deliveryId: string,
  at: Date,
): Promise<WebhookDeliveryRecord> {
  await db.query(
    `insert into outbox_events (id, brand_id, program_id, type, data, created_at)
     values ($1, $2, $3, $4, $5, $6)`,
    [event.id, endpoint.brandId, endpoint.programId, event.type, JSON.stringify(event.data), at],
  );
  const rows = await db.query<WebhookDeliveryRecord>(
    `insert into webhook_deliveries
       (id, endpoint_id, event_id, brand_id, type, status, attempts, next_attempt_at, created_at)
     values ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)
     returning ${deliveryColumns}`,
    [deliveryId, endpoint.id, event.id, endpoint.brandId, event.type, at],
  );
  return first(rows, "insert");
}

/** An endpoint Laurel has just disabled, with whom its brand wants told. */
export interface DisabledEndpoint {
  readonly id: string;
  readonly brandId: string;
  readonly brandName: string;
  readonly programId: string | null;
  readonly url: string;
  readonly contactEmail: string | null;
}

/**
 * Disables an enabled endpoint for `reason`, answering it with its brand's
 * name and contact email; null when it was disabled already. The update is
 * conditional, so of two workers failing at once exactly one disables it.
 */
export async function disableFailingEndpoint(
  db: Queryable,
  id: string,
  reason: string,
  at: Date,
): Promise<DisabledEndpoint | null> {
  const rows = await db.query<DisabledEndpoint>(
    `update webhook_endpoints e set disabled = true, disabled_reason = $2, updated_at = $3
     from brands b
     where e.id = $1 and not e.disabled and b.id = e.brand_id
     returning e.id, e.brand_id as "brandId", b.name as "brandName", e.program_id as "programId",
               e.url, b.contact_email as "contactEmail"`,
    [id, reason, at],
  );
  return rows[0] ?? null;
}
