import type { Provider } from "../integrations/delivery.ts";
import type { Queryable } from "./db.ts";

export interface IntegrationRecord {
  readonly programId: string;
  readonly provider: Provider;
  /** The provider's signing secret: read to verify deliveries, never answered. */
  readonly secret: string;
  readonly shopDomain: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type DeliveryStatus = "processed" | "duplicate" | "ignored" | "rejected";

export interface DeliveryRecord {
  readonly id: string;
  readonly programId: string;
  readonly provider: Provider;
  readonly providerDeliveryId: string | null;
  readonly topic: string;
  readonly status: DeliveryStatus;
  readonly eventIds: readonly string[];
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly receivedAt: Date;
}

const integrationColumns = `program_id as "programId", provider, secret, shop_domain as "shopDomain",
  created_at as "createdAt", updated_at as "updatedAt"`;

/** Connects a store, or replaces the secret and shop of one already connected (keeping when it was first connected). */
export async function putIntegration(
  db: Queryable,
  integration: Omit<IntegrationRecord, "createdAt" | "updatedAt">,
  at: Date,
): Promise<IntegrationRecord> {
  const rows = await db.query<IntegrationRecord>(
    `insert into integrations (program_id, provider, secret, shop_domain, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $5)
     on conflict (program_id, provider) do update
       set secret = excluded.secret, shop_domain = excluded.shop_domain, updated_at = excluded.updated_at
     returning ${integrationColumns}`,
    [integration.programId, integration.provider, integration.secret, integration.shopDomain, at],
  );
  const row = rows[0];
  if (!row) throw new Error("upsert returned no row");
  return row;
}

export async function findIntegration(
  db: Queryable,
  programId: string,
  provider: Provider,
): Promise<IntegrationRecord | null> {
  const rows = await db.query<IntegrationRecord>(
    `select ${integrationColumns} from integrations where program_id = $1 and provider = $2`,
    [programId, provider],
  );
  return rows[0] ?? null;
}

export async function listIntegrations(
  db: Queryable,
  programId: string,
): Promise<IntegrationRecord[]> {
  return db.query<IntegrationRecord>(
    `select ${integrationColumns} from integrations where program_id = $1 order by provider`,
    [programId],
  );
}

/** Disconnects a store; false when it was not connected. Its deliveries stay in the log. */
export async function deleteIntegration(
  db: Queryable,
  programId: string,
  provider: Provider,
): Promise<boolean> {
  const rows = await db.query(
    `delete from integrations where program_id = $1 and provider = $2 returning provider`,
    [programId, provider],
  );
  return rows.length > 0;
}

const deliveryColumns = `id, program_id as "programId", provider,
  provider_delivery_id as "providerDeliveryId", topic, status, event_ids as "eventIds", error,
  received_at as "receivedAt"`;

export async function insertDelivery(db: Queryable, delivery: DeliveryRecord): Promise<void> {
  await db.query(
    `insert into integration_deliveries
       (id, program_id, provider, provider_delivery_id, topic, status, event_ids, error, received_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      delivery.id,
      delivery.programId,
      delivery.provider,
      delivery.providerDeliveryId,
      delivery.topic,
      delivery.status,
      JSON.stringify(delivery.eventIds),
      delivery.error === null ? null : JSON.stringify(delivery.error),
      delivery.receivedAt,
    ],
  );
}

/**
 * The earliest delivery with this provider id that took effect: a
 * redelivery of it is a duplicate. A rejected one changed nothing, so its
 * redelivery is looked at afresh (the brand may have fixed the program since).
 */
export async function findFirstDelivery(
  db: Queryable,
  programId: string,
  provider: Provider,
  providerDeliveryId: string,
): Promise<DeliveryRecord | null> {
  const rows = await db.query<DeliveryRecord>(
    `select ${deliveryColumns} from integration_deliveries
     where program_id = $1 and provider = $2 and provider_delivery_id = $3 and status <> 'rejected'
     order by id limit 1`,
    [programId, provider, providerDeliveryId],
  );
  return rows[0] ?? null;
}

/** Newest first, keyset-paged by id. */
export async function listDeliveries(
  db: Queryable,
  programId: string,
  provider: Provider,
  page: { after: string | null; limit: number },
): Promise<DeliveryRecord[]> {
  return db.query<DeliveryRecord>(
    `select ${deliveryColumns} from integration_deliveries
     where program_id = $1 and provider = $2 and ($3::text is null or id < $3)
     order by id desc limit $4`,
    [programId, provider, page.after, page.limit],
  );
}

/** Remembers the orders a store knows by a second id; a link once made is kept. */
export async function insertOrderLinks(
  db: Queryable,
  programId: string,
  links: readonly { alias: string; orderId: string }[],
  at: Date,
): Promise<void> {
  if (links.length === 0) return;
  await db.query(
    `insert into order_links (program_id, alias, order_id, created_at)
     select $1, alias, order_id, $4 from unnest($2::text[], $3::text[]) as l (alias, order_id)
     on conflict (program_id, alias) do nothing`,
    [programId, links.map((l) => l.alias), links.map((l) => l.orderId), at],
  );
}

/** By alias: the order each of `aliases` links to, for those linked. */
export async function findLinkedOrders(
  db: Queryable,
  programId: string,
  aliases: readonly string[],
): Promise<Map<string, string>> {
  if (aliases.length === 0) return new Map();
  const rows = await db.query<{ alias: string; order_id: string }>(
    `select alias, order_id from order_links where program_id = $1 and alias = any($2::text[])`,
    [programId, [...aliases]],
  );
  return new Map(rows.map((r) => [r.alias, r.order_id]));
}
