import type { EventError } from "../domain/process-events.ts";
import type { Mapping, ProviderAdapter, SignedRequest } from "../integrations/delivery.ts";
import type { EventInput } from "../domain/events.ts";
import {
  findFirstDelivery,
  findIntegration,
  findLinkedOrders,
  insertDelivery,
  insertOrderLinks,
  type DeliveryRecord,
  type DeliveryStatus,
} from "../store/integrations.ts";
import { findProgramById } from "../store/programs.ts";
import { ingestEvents, type EventResult } from "./ingest.ts";
import type { Services } from "./services.ts";

/**
 * What a store's webhook delivery came to. `unverified` is the only answer
 * that is not a 200: the provider keeps retrying until the brand fixes the
 * secret. Everything else was recorded in the deliveries log, and answering
 * 200 stops the provider from sending it again.
 */
export type DeliveryAnswer =
  | { readonly kind: "unverified"; readonly reason: string }
  | { readonly kind: "ping" }
  | { readonly kind: "recorded"; readonly delivery: DeliveryRecord };

/**
 * Verifies a delivery on its raw bytes with the program's secret for that
 * provider, then maps it to Laurel events and ingests them. A redelivery is
 * a duplicate by the provider's own delivery id and, whatever the provider
 * sends, by the event ids the mapping derives from the provider's own ids.
 */
export async function receiveDelivery(
  services: Services,
  adapter: ProviderAdapter,
  programId: string,
  request: SignedRequest,
): Promise<DeliveryAnswer> {
  const answer = await receive(services, adapter, programId, request);
  if (answer.kind !== "ping")
    services.metrics.storeWebhook(
      adapter.provider,
      answer.kind === "unverified" ? "unverified" : answer.delivery.status,
    );
  return answer;
}

async function receive(
  services: Services,
  adapter: ProviderAdapter,
  programId: string,
  request: SignedRequest,
): Promise<DeliveryAnswer> {
  if (adapter.isPing?.(request)) return { kind: "ping" };
  const integration = await findIntegration(services.db, programId, adapter.provider);
  // One answer whether the program is unknown or not connected: a hook URL tells no one which programs exist.
  if (!integration)
    return {
      kind: "unverified",
      reason: `no ${adapter.provider} integration is connected at this URL; connect it with PUT /v1/programs/{programId}/integrations/${adapter.provider}`,
    };
  const receivedAt = services.now();
  const verification = adapter.verify(request, integration.secret, receivedAt.getTime());
  if (!verification.ok) return { kind: "unverified", reason: verification.reason };

  const record = async (
    fields: Pick<DeliveryRecord, "status" | "eventIds" | "error"> & {
      topic: string;
      providerDeliveryId: string | null;
    },
  ): Promise<DeliveryAnswer> => {
    const delivery: DeliveryRecord = {
      id: services.ids.next("dlv"),
      programId,
      provider: adapter.provider,
      receivedAt,
      ...fields,
    };
    await insertDelivery(services.db, delivery);
    return { kind: "recorded", delivery };
  };

  let body: unknown;
  try {
    body = JSON.parse(request.body.toString("utf8"));
  } catch {
    return record({
      topic: "unknown",
      providerDeliveryId: null,
      status: "rejected",
      eventIds: [],
      error: { code: "invalid_delivery", message: "the signed body is not JSON" },
    });
  }
  const topic = orElse(() => adapter.topicOf(request, body), "unknown").slice(0, 200);
  const providerDeliveryId =
    orElse(() => adapter.deliveryIdOf(request, body), null)?.slice(0, 200) ?? null;
  const shop = adapter.shopOf?.(request) ?? null;
  if (integration.shopDomain !== null && shop !== null && shop !== integration.shopDomain)
    return record({
      topic,
      providerDeliveryId,
      status: "rejected",
      eventIds: [],
      error: {
        code: "invalid_delivery",
        message: `the delivery comes from ${shop}, but this program is connected to ${integration.shopDomain}`,
      },
    });
  if (providerDeliveryId !== null) {
    const first = await findFirstDelivery(
      services.db,
      programId,
      adapter.provider,
      providerDeliveryId,
    );
    if (first)
      return record({
        topic,
        providerDeliveryId,
        status: "duplicate",
        eventIds: first.eventIds,
        error: null,
      });
  }

  // A body the mapper trips over is the provider's data, not a server fault:
  // rejected and logged, never a 500 the provider would retry for days.
  const mapping = orElse(
    () => adapter.map(topic, body),
    (error): Mapping => ({
      kind: "rejected",
      reason: `the body could not be read as a ${adapter.provider} ${topic} delivery: ${error instanceof Error ? error.message : String(error)}`,
    }),
  );
  if (mapping.kind !== "events")
    return record({ topic, providerDeliveryId, ...outcomeOfMapping(mapping) });
  await insertOrderLinks(services.db, programId, mapping.links ?? [], receivedAt);
  if (mapping.events.length === 0)
    return record({ topic, providerDeliveryId, status: "processed", eventIds: [], error: null });
  const program = await findProgramById(services.db, programId);
  if (!program) throw new Error(`program ${programId} has an integration but no row`);
  const events = await withLinkedOrders(services, programId, mapping.events);
  const results = await ingestEvents(services, program, events);
  return record({ topic, providerDeliveryId, ...outcomeOfResults(results) });
}

/** Refunds that name an order by a linked id name the order itself. */
async function withLinkedOrders(
  services: Services,
  programId: string,
  events: readonly EventInput[],
): Promise<EventInput[]> {
  const named = events.flatMap((e) => (e.type === "refund" ? [e.orderId] : []));
  const linked = await findLinkedOrders(services.db, programId, named);
  return events.map((e) =>
    e.type === "refund" ? { ...e, orderId: linked.get(e.orderId) ?? e.orderId } : e,
  );
}

/** What `read` answers, or the fallback (a value, or one made from the error) when it throws. */
function orElse<T>(read: () => T, fallback: T | ((error: unknown) => T)): T {
  try {
    return read();
  } catch (error) {
    return typeof fallback === "function" ? (fallback as (error: unknown) => T)(error) : fallback;
  }
}

function outcomeOfMapping(
  mapping: Exclude<Mapping, { kind: "events" }>,
): Pick<DeliveryRecord, "status" | "eventIds" | "error"> {
  return mapping.kind === "ignored"
    ? { status: "ignored", eventIds: [], error: { code: "ignored", message: mapping.reason } }
    : {
        status: "rejected",
        eventIds: [],
        error: { code: "invalid_delivery", message: mapping.reason },
      };
}

/**
 * A delivery is processed when any of its events was; a duplicate when all
 * were already in (an event id that came back with other content is the
 * same provider object seen through another topic, so it is a duplicate
 * too); rejected when none could apply. The first rejection is its error.
 */
export function outcomeOfResults(
  results: readonly EventResult[],
): Pick<DeliveryRecord, "status" | "eventIds" | "error"> {
  const isDuplicate = (r: EventResult) =>
    r.status === "duplicate" || (r.status === "rejected" && r.error.code === "conflict");
  const rejection = results.find(
    (r): r is Extract<EventResult, { status: "rejected" }> =>
      r.status === "rejected" && !isDuplicate(r),
  );
  const status: DeliveryStatus = results.some((r) => r.status === "processed")
    ? "processed"
    : results.every(isDuplicate)
      ? "duplicate"
      : "rejected";
  return {
    status,
    eventIds: results.flatMap((r) => (r.id === null ? [] : [r.id])),
    error: rejection ? errorOf(rejection.id, rejection.error) : null,
  };
}

function errorOf(eventId: string | null, error: EventError): DeliveryRecord["error"] {
  return {
    code: error.code,
    message: eventId === null ? error.message : `event ${eventId}: ${error.message}`,
  };
}
