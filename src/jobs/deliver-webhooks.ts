import { setTimeout as sleep } from "node:timers/promises";
import { GIVE_UP_AFTER_MS, nextAttemptAt } from "../domain/retry-schedule.ts";
import type { Services } from "../engine/services.ts";
import { sendWebhook, type SendOutcome } from "../integrations/webhook-sender.ts";
import type { Database, Queryable } from "../store/db.ts";
import { enqueueMail } from "../store/mail-outbox.ts";
import { webhookBodyOf } from "../store/outbox.ts";
import { disableFailingEndpoint, type DisabledEndpoint } from "../store/webhook-endpoints.ts";
import type { Logger } from "./scheduler.ts";

/**
 * How long a claimed delivery is a worker's own. Longer than any attempt
 * (10 s), so a live worker always writes its outcome in time; a worker that
 * dies mid-send leaves it to run out, and the delivery is sent again.
 */
const LEASE_MS = 30_000;

/** Deliveries claimed and sent at once. */
const BATCH = 8;

export interface DeliveryOptions {
  /** How long a receiver has to answer (10 s unless a test wants it shorter). */
  readonly timeoutMs?: number;
}

interface Claimed {
  id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  created_at: Date;
  url: string;
  secret: string;
  /** The event's stored parts, read with the claim; null once the event is gone. */
  event_type: string | null;
  event_program_id: string | null;
  event_data: Record<string, unknown> | null;
  event_created_at: Date | null;
}

/**
 * Sends every webhook delivery that is due, a batch at a time, until none is
 * due or `signal` stops it; answers the attempts made. Each batch is claimed
 * in a short transaction that leases the rows and counts the attempt, so two
 * servers on one database never send the same attempt; the sends happen
 * outside any transaction, and each outcome is written on its own.
 */
export async function deliverDueWebhooks(
  services: Services,
  signal?: AbortSignal,
  options: DeliveryOptions = {},
): Promise<number> {
  let attempted = 0;
  while (!signal?.aborted) {
    const claimed = await claimDue(services.db, services.now(), BATCH);
    if (claimed.length === 0) break;
    attempted += claimed.length;
    const bodies = new Map<string, string | null>();
    const bodyOf = (delivery: Claimed) => {
      let body = bodies.get(delivery.event_id);
      if (body === undefined) {
        // Serialized once per event: every endpoint and every attempt gets these bytes.
        body = bodyFromClaim(delivery);
        bodies.set(delivery.event_id, body);
      }
      return body;
    };
    const delivered: { delivery: Claimed; statusCode: number | null }[] = [];
    await Promise.all(
      claimed.map(async (delivery) => {
        const body = bodyOf(delivery);
        const outcome: SendOutcome =
          body === null
            ? { kind: "failed", statusCode: null, error: "the event is no longer stored" }
            : await sendWebhook(
                {
                  url: delivery.url,
                  secret: delivery.secret,
                  eventId: delivery.event_id,
                  body,
                  at: services.now(),
                },
                {
                  allowPrivate: services.allowPrivateWebhooks,
                  timeoutMs: options.timeoutMs,
                  signal,
                },
              );
        // Successes of a batch are written together below; the rest one by one.
        if (outcome.kind === "delivered") {
          services.metrics.webhookDelivery("delivered");
          delivered.push({ delivery, statusCode: outcome.statusCode });
        } else await recordOutcome(services, delivery, outcome);
      }),
    );
    await recordDelivered(services, delivered);
  }
  return attempted;
}

function bodyFromClaim(delivery: Claimed): string | null {
  if (
    delivery.event_type === null ||
    delivery.event_data === null ||
    delivery.event_created_at === null
  )
    return null;
  return JSON.stringify(
    webhookBodyOf({
      id: delivery.event_id,
      type: delivery.event_type as Parameters<typeof webhookBodyOf>[0]["type"],
      program_id: delivery.event_program_id,
      data: delivery.event_data,
      created_at: delivery.event_created_at,
    }),
  );
}

/**
 * Writes the batch's successful attempts in one transaction of two
 * statements, each row guarded by the attempt it records, and clears the
 * failing mark of their endpoints.
 */
async function recordDelivered(
  services: Services,
  delivered: readonly { delivery: Claimed; statusCode: number | null }[],
): Promise<void> {
  if (delivered.length === 0) return;
  const now = services.now();
  await services.db.transaction(async (tx) => {
    // Endpoints before deliveries, the order recordOutcome locks them in.
    await tx.query(
      `update webhook_endpoints set failing_since = null
       where id = any($1::text[]) and failing_since is not null`,
      [[...new Set(delivered.map((d) => d.delivery.endpoint_id))]],
    );
    await tx.query(
      `update webhook_deliveries d
       set status = 'delivered', delivered_at = $4, last_status_code = u.code, last_error = null,
           next_attempt_at = null, lease_until = null
       from unnest($1::text[], $2::int[], $3::int[]) as u (id, attempts, code)
       where d.id = u.id and d.attempts = u.attempts`,
      [
        delivered.map((d) => d.delivery.id),
        delivered.map((d) => d.delivery.attempts),
        delivered.map((d) => d.statusCode),
        now,
      ],
    );
  });
}

/**
 * Leases up to `limit` due deliveries of enabled endpoints, oldest due first,
 * and counts their attempt. Rows another worker is claiming are skipped, not
 * waited for; a row whose lease has run out is due again.
 */
function claimDue(db: Database, now: Date, limit: number): Promise<Claimed[]> {
  return db.transaction((tx) =>
    tx.query<Claimed>(
      `with due as (
         select d.id from webhook_deliveries d
         join webhook_endpoints e on e.id = d.endpoint_id
         where d.status = 'pending' and d.next_attempt_at <= $1
           and (d.lease_until is null or d.lease_until < $1)
           and not e.disabled
         order by d.next_attempt_at, d.id
         limit $2
         for update of d skip locked
       ), claimed as (
         update webhook_deliveries d
         set lease_until = $3, attempts = d.attempts + 1
         from due, webhook_endpoints e
         where d.id = due.id and e.id = d.endpoint_id
         returning d.id, d.endpoint_id, d.event_id, d.attempts, d.created_at, e.url, e.secret
       )
       -- The event's body is read with the claim: one round trip for the batch.
       select c.*, o.type as event_type, o.program_id as event_program_id,
              o.data as event_data, o.created_at as event_created_at
       from claimed c left join outbox_events o on o.id = c.event_id`,
      [now, limit, new Date(now.getTime() + LEASE_MS)],
    ),
  );
}

/**
 * Writes what an attempt came to and clears its lease. Each write names the
 * attempt it records (`attempts`), so a worker whose lease ran out and whose
 * row another worker has claimed since writes nothing.
 */
async function recordOutcome(
  services: Services,
  delivery: Claimed,
  outcome: Exclude<SendOutcome, { kind: "delivered" }>,
) {
  const now = services.now();
  const db = services.db;
  if (outcome.kind === "cancelled") {
    // The server is stopping: the delivery is due again at once, here or on
    // another server, rather than when the lease runs out.
    await db.query(
      `update webhook_deliveries set lease_until = null
       where id = $1 and attempts = $2 and status = 'pending'`,
      [delivery.id, delivery.attempts],
    );
    return;
  }
  services.metrics.webhookDelivery(outcome.kind);
  const next = nextAttemptAt(
    { createdAt: delivery.created_at, failedAttempts: delivery.attempts },
    now,
  );
  await db.transaction(async (tx) => {
    // The endpoint's row is locked before its delivery's, as everywhere a
    // delivery's outcome is written: disabling it fails the endpoint's other
    // pending deliveries, which a worker that locked one of them first and
    // then waited for the endpoint would deadlock with.
    const failing = await tx.query<{ failing_since: Date }>(
      `update webhook_endpoints set failing_since = coalesce(failing_since, $2) where id = $1
       returning failing_since`,
      [delivery.endpoint_id, now],
    );
    await tx.query(
      `update webhook_deliveries
       set status = $3, last_status_code = $4, last_error = $5, next_attempt_at = $6,
           lease_until = null
       where id = $1 and attempts = $2 and status = 'pending'`,
      [
        delivery.id,
        delivery.attempts,
        next === null ? "failed" : "pending",
        outcome.statusCode,
        outcome.error,
        next,
      ],
    );
    const since = failing[0]?.failing_since;
    if (since && now.getTime() - since.getTime() >= GIVE_UP_AFTER_MS)
      await disableEndpoint(tx, services, delivery, since, now, outcome);
  });
}

/**
 * An endpoint whose every attempt has failed for 3 days is disabled, and its
 * pending deliveries are failed with it: a brand that fixes its receiver
 * enables the endpoint again and retries what it needs. The update is
 * conditional, so of two workers failing at once exactly one disables it.
 */
async function disableEndpoint(
  tx: Queryable,
  services: Services,
  delivery: Claimed,
  failingSince: Date,
  now: Date,
  outcome: Extract<SendOutcome, { kind: "failed" }>,
): Promise<void> {
  const last = outcome.statusCode === null ? outcome.error : `HTTP ${outcome.statusCode}`;
  const reason = `every delivery failed for 3 days, since ${failingSince.toISOString()} (last: ${last ?? "no answer"})`;
  const disabled = await disableFailingEndpoint(tx, delivery.endpoint_id, reason, now);
  if (!disabled) return;
  // The attempt that disabled the endpoint keeps its own error.
  await tx.query(
    `update webhook_deliveries
     set status = 'failed', next_attempt_at = null, lease_until = null,
         last_error = case when id = $2 then last_error
           else 'not sent: the endpoint was disabled after failing for 3 days' end
     where endpoint_id = $1 and status = 'pending'`,
    [delivery.endpoint_id, delivery.id],
  );
  await mailEndpointDisabled(tx, services, disabled, reason, now);
}

/**
 * Tells the brand's contact that its endpoint was disabled, in the
 * transaction that disabled it: the mail is written only if the disabling
 * commits, and only by the one worker whose update disabled it, so each
 * disabling makes exactly one mail. Without mail set up or a contact email,
 * the endpoint's badge and reason in the console are all there is.
 */
async function mailEndpointDisabled(
  tx: Queryable,
  services: Services,
  endpoint: DisabledEndpoint,
  reason: string,
  now: Date,
): Promise<void> {
  if (!services.mail || endpoint.contactEmail === null) return;
  await enqueueMail(
    tx,
    {
      id: services.ids.next("eml"),
      brandId: endpoint.brandId,
      programId: endpoint.programId,
      to: endpoint.contactEmail,
      template: "endpoint-disabled",
      data: {
        brandName: endpoint.brandName,
        url: endpoint.url,
        reason,
        link: `${services.publicUrl}/admin/webhooks`,
      },
    },
    now,
  );
}

/**
 * Delivers webhooks within seconds of their event: the scheduler's minute is
 * too slow for that, so the worker looks for due deliveries every `idleMs`
 * (1 s) and, while there are some, sends them back to back. stop() ends the
 * loop and cancels the sends in flight, whose deliveries are due again at
 * once; it resolves when their outcomes are written.
 */
export function startWebhookWorker(
  services: Services,
  log: Logger,
  options: DeliveryOptions & { idleMs?: number } = {},
): { stop(): Promise<void> } {
  const idleMs = options.idleMs ?? 1000;
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await deliverDueWebhooks(services, stopping.signal, options);
      } catch (error) {
        log.error({ job: "deliver-webhooks", err: error }, "webhook delivery failed; retrying");
      }
      await sleep(idleMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      await loop;
    },
  };
}
