import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { z } from "zod";
import { OUTBOX_EVENT_TYPES } from "../../domain/outbox-events.ts";
import type { Services } from "../../engine/services.ts";
import { isPublicAddress, webhookUrlProblem } from "../../integrations/public-address.ts";
import {
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  insertTestDelivery,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookDeliveryRecord,
  type WebhookEndpointRecord,
} from "../../store/webhook-endpoints.ts";
import { ApiError, notFound } from "../errors.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { collectionOf } from "../schemas.ts";
import { loadProgram } from "./programs.ts";

const timestamp = z.iso.datetime();

/** How long creating or changing an endpoint waits for its host name to resolve. */
const RESOLVE_TIMEOUT_MS = 5_000;

const eventType = z
  .enum(OUTBOX_EVENT_TYPES, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not an event type; Laurel tells ${OUTBOX_EVENT_TYPES.join(", ")}`,
  })
  .describe("A kind of fact Laurel tells");

const urlInput = z
  .url()
  .max(2000)
  .describe(
    "Where deliveries are POSTed: https:// on a name that resolves to public addresses only " +
      "(LAUREL_WEBHOOKS_ALLOW_PRIVATE=true also allows http:// and private addresses)",
  );

const eventsInput = z
  .array(eventType)
  .min(1, "name at least one event type to send")
  .max(50)
  // Listed twice is wanted once; the order stays, since a test event is of the first type.
  .transform((types) => [...new Set(types)])
  .describe("The event types to send to this endpoint");

const endpointInput = z.strictObject({
  url: urlInput,
  events: eventsInput,
  programId: z
    .string()
    .optional()
    .describe("Only this program's events; brand-wide (every program's) when left out"),
});

const endpointPatch = z.strictObject({
  url: urlInput.optional(),
  events: eventsInput.optional(),
  disabled: z
    .boolean()
    .optional()
    .describe("true stops deliveries; false resumes them and forgets why Laurel disabled it"),
});

const endpointFields = {
  id: z.string(),
  url: z.url(),
  events: z.array(z.enum(OUTBOX_EVENT_TYPES)),
  programId: z.string().nullable().describe("The one program it hears of; null for brand-wide"),
  disabled: z.boolean(),
  disabledReason: z
    .string()
    .nullable()
    .describe(
      "Why Laurel disabled it (it kept failing); null when enabled or disabled by the brand",
    ),
  failingSince: timestamp
    .nullable()
    .describe("Since when every delivery has failed; null while deliveries succeed"),
  createdAt: timestamp,
  updatedAt: timestamp,
};

const endpointSchema = z.strictObject(endpointFields).meta({
  id: "WebhookEndpoint",
  description: "Where a brand's backend hears what happened; the signing secret is never answered",
});

const secretField = z
  .string()
  .describe(
    "The Standard Webhooks signing secret (whsec_ and base64), shown only now: verify each " +
      "delivery's webhook-signature with it",
  );

const createdEndpointSchema = z.strictObject({ ...endpointFields, secret: secretField }).meta({
  id: "NewWebhookEndpoint",
  description: "A new endpoint with its signing secret, which is shown only this once",
});

const secretSchema = z.strictObject({ secret: secretField }).meta({
  id: "WebhookSecret",
  description: "An endpoint's new signing secret; the previous one no longer signs anything",
});

const deliverySchema = z
  .strictObject({
    id: z.string(),
    eventId: z.string().describe("The event delivered: the webhook body's id and webhook-id"),
    type: z.enum(OUTBOX_EVENT_TYPES),
    attempts: z.number().int().nonnegative(),
    status: z
      .enum(["pending", "delivered", "failed"])
      .describe("pending: to be sent (again); delivered: a 2xx came back; failed: retries gave up"),
    lastStatusCode: z
      .number()
      .int()
      .nullable()
      .describe("The HTTP status the last attempt got; null before any or when none came back"),
    lastError: z.string().nullable().describe("What went wrong on the last attempt, if anything"),
    nextAttemptAt: timestamp.nullable().describe("When it is sent next; null when not pending"),
    createdAt: timestamp,
    deliveredAt: timestamp.nullable(),
  })
  .meta({ id: "WebhookDelivery", description: "One event on its way to one endpoint" });

const endpointParams = z.object({ endpointId: z.string() });
const deliveryParams = z.object({ endpointId: z.string(), deliveryId: z.string() });

const endpointExample = {
  id: "wep_01JD0Q6G8ZK3F1M2N3P4Q5R6S7",
  url: "https://api.ana-shop.example/laurel/webhooks",
  events: ["commission.created", "reward.granted"],
  programId: "prg_01JD0Q6G8ZK3F1M2N3P4Q5R6S7",
  disabled: false,
  disabledReason: null,
  failingSince: null,
  createdAt: "2026-11-20T10:00:00.000Z",
  updatedAt: "2026-11-20T10:00:00.000Z",
};

const secretExample = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const deliveryExample = {
  id: "whd_01JD0Q7H9ZK3F1M2N3P4Q5R6S7",
  eventId: "whe_01JD0Q7H9ZK3F1M2N3P4Q5R6S7",
  type: "commission.created",
  attempts: 2,
  status: "pending",
  lastStatusCode: 503,
  lastError: "the endpoint answered 503",
  nextAttemptAt: "2026-11-20T10:00:35.000Z",
  createdAt: "2026-11-20T10:00:01.000Z",
  deliveredAt: null,
};

/** The data of the console's test event, so a receiver can tell it from a real one. */
export const TEST_EVENT_DATA = { test: true, message: "A test event from Laurel" } as const;

/** A Standard Webhooks secret: whsec_ and the base64 of 32 random bytes. */
function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

const present = (e: WebhookEndpointRecord) => ({
  id: e.id,
  url: e.url,
  events: [...e.events],
  programId: e.programId,
  disabled: e.disabled,
  disabledReason: e.disabledReason,
  failingSince: e.failingSince?.toISOString() ?? null,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

const presentDelivery = (d: WebhookDeliveryRecord) => ({
  id: d.id,
  eventId: d.eventId,
  type: d.type,
  attempts: d.attempts,
  status: d.status,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
});

/**
 * What keeps a URL from taking deliveries, or null. Besides the URL's own
 * form, a host name must resolve now, to public addresses only, so a brand
 * learns of a typo or an internal name when it saves the endpoint rather
 * than from failed deliveries. Every delivery checks the addresses again
 * when it connects, since a name may resolve elsewhere later.
 */
async function urlProblem(url: string, allowPrivate: boolean): Promise<string | null> {
  const problem = webhookUrlProblem(url, allowPrivate);
  if (problem !== null || allowPrivate) return problem;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0) return null;
  const resolved = await resolveWithin(host, RESOLVE_TIMEOUT_MS);
  if (resolved === "timeout") return `names ${host}, which did not resolve within 5 s`;
  if (resolved.length === 0) return `names ${host}, which does not resolve`;
  const refused = resolved.find((address) => !isPublicAddress(address));
  if (refused !== undefined)
    return `names ${host}, which resolves to ${refused}, not a public address`;
  return null;
}

async function resolveWithin(host: string, timeoutMs: number): Promise<string[] | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const addresses = lookup(host, { all: true }).then(
    (found) => found.map((a) => a.address),
    (): string[] => [],
  );
  try {
    return await Promise.race([addresses, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkUrl(services: Services, url: string): Promise<void> {
  const problem = await urlProblem(url, services.allowPrivateWebhooks);
  if (problem !== null)
    throw new ApiError("validation_failed", `url ${problem}`, [{ path: "url", message: problem }]);
}

async function loadEndpoint(
  services: Services,
  brandId: string,
  id: string,
): Promise<WebhookEndpointRecord> {
  const found = await findWebhookEndpoint(services.db, brandId, id);
  if (!found) throw notFound(`webhook endpoint ${id}`);
  return found;
}

export const webhookEndpointRoutes = [
  route({
    method: "POST",
    url: "/v1/webhook-endpoints",
    operationId: "createWebhookEndpoint",
    summary: "Add a webhook endpoint: where Laurel tells the brand's backend what happened",
    description:
      "Deliveries of the listed event types, of one program or of every program of the brand, " +
      "signed as Standard Webhooks with the secret answered here and never again (rotate it " +
      "to get a new one). The URL must be https:// and its host must resolve, now, to public " +
      "addresses only; a program of another brand is a 404. The endpoint hears of what " +
      "happens from now on.",
    tag: "Webhooks",
    auth: "admin",
    body: endpointInput,
    bodyExample: {
      url: "https://api.ana-shop.example/laurel/webhooks",
      events: ["commission.created", "reward.granted"],
      programId: "prg_01JD0Q6G8ZK3F1M2N3P4Q5R6S7",
    },
    status: 201,
    errors: [404],
    response: createdEndpointSchema,
    responseExample: { ...endpointExample, secret: secretExample },
    handler: async ({ services, caller, body }) => {
      const program =
        body.programId === undefined
          ? null
          : await loadProgram(services, caller.brandId, body.programId);
      await checkUrl(services, body.url);
      const created = await insertWebhookEndpoint(
        services.db,
        {
          id: services.ids.next("wep"),
          brandId: caller.brandId,
          programId: program?.id ?? null,
          url: body.url,
          events: body.events,
          secret: newWebhookSecret(),
        },
        services.now(),
      );
      return { ...present(created), secret: created.secret };
    },
  }),
  route({
    method: "GET",
    url: "/v1/webhook-endpoints",
    operationId: "listWebhookEndpoints",
    summary: "The brand's webhook endpoints (never their secrets)",
    description: "Every endpoint of the brand, brand-wide and per program, in id order.",
    tag: "Webhooks",
    auth: "admin",
    query: pageQuery,
    response: collectionOf(endpointSchema, "WebhookEndpointCollection", "Endpoints in id order"),
    responseExample: { items: [endpointExample], next: null },
    handler: async ({ services, caller, query }) => {
      const page = pageOf(query);
      const rows = await listWebhookEndpoints(services.db, caller.brandId, {
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (e) => e.id, present);
    },
  }),
  route({
    method: "GET",
    url: "/v1/webhook-endpoints/{endpointId}",
    operationId: "getWebhookEndpoint",
    summary:
      "A webhook endpoint: its URL, event types and whether it is disabled (never the secret)",
    description: "Answers 404 for an endpoint of another brand, as for one that does not exist.",
    tag: "Webhooks",
    auth: "admin",
    params: endpointParams,
    response: endpointSchema,
    responseExample: endpointExample,
    handler: async ({ services, caller, params }) =>
      present(await loadEndpoint(services, caller.brandId, params.endpointId)),
  }),
  route({
    method: "PATCH",
    url: "/v1/webhook-endpoints/{endpointId}",
    operationId: "updateWebhookEndpoint",
    summary: "Change an endpoint's URL or event types, or disable or enable it",
    description:
      "Changes the fields sent and keeps the others. A new URL is checked as on creation. " +
      '`"disabled": true` stops deliveries; `"disabled": false` resumes them and clears why and ' +
      "since when it was failing, so an endpoint Laurel disabled starts afresh.",
    tag: "Webhooks",
    auth: "admin",
    params: endpointParams,
    body: endpointPatch,
    bodyExample: { disabled: false },
    response: endpointSchema,
    responseExample: endpointExample,
    handler: async ({ services, caller, params, body }) => {
      const endpoint = await loadEndpoint(services, caller.brandId, params.endpointId);
      if (body.url !== undefined) await checkUrl(services, body.url);
      const changed = await updateWebhookEndpoint(
        services.db,
        caller.brandId,
        endpoint.id,
        body,
        services.now(),
      );
      if (!changed) throw notFound(`webhook endpoint ${params.endpointId}`);
      return present(changed);
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/webhook-endpoints/{endpointId}",
    operationId: "deleteWebhookEndpoint",
    summary: "Delete a webhook endpoint and its deliveries",
    description:
      "Nothing more is sent to it, including deliveries still pending; its deliveries log goes too.",
    tag: "Webhooks",
    auth: "admin",
    params: endpointParams,
    status: 204,
    response: null,
    handler: async ({ services, caller, params, reply }) => {
      if (!(await deleteWebhookEndpoint(services.db, caller.brandId, params.endpointId)))
        throw notFound(`webhook endpoint ${params.endpointId}`);
      return reply.code(204).send();
    },
  }),
  route({
    method: "POST",
    url: "/v1/webhook-endpoints/{endpointId}/rotate-secret",
    operationId: "rotateWebhookSecret",
    summary: "Give an endpoint a new signing secret (shown once; the old one stops at once)",
    description:
      "Every delivery from now on, retries of earlier events included, is signed with the new " +
      "secret only; update the receiver before or right after rotating.",
    tag: "Webhooks",
    auth: "admin",
    params: endpointParams,
    response: secretSchema,
    responseExample: { secret: secretExample },
    handler: async ({ services, caller, params }) => {
      const rotated = await rotateWebhookSecret(
        services.db,
        caller.brandId,
        params.endpointId,
        newWebhookSecret(),
        services.now(),
      );
      if (!rotated) throw notFound(`webhook endpoint ${params.endpointId}`);
      return { secret: rotated.secret };
    },
  }),
  route({
    method: "GET",
    url: "/v1/webhook-endpoints/{endpointId}/deliveries",
    operationId: "listWebhookDeliveries",
    summary: "An endpoint's deliveries, newest first: attempts, status and the last outcome",
    description:
      "One row per event sent to the endpoint: how many attempts it took, whether it is " +
      "pending, delivered or failed, the last status code or error, and when it is tried next.",
    tag: "Webhooks",
    auth: "admin",
    params: endpointParams,
    query: pageQuery,
    response: collectionOf(deliverySchema, "WebhookDeliveryCollection", "Deliveries, newest first"),
    responseExample: { items: [deliveryExample], next: null },
    handler: async ({ services, caller, params, query }) => {
      const endpoint = await loadEndpoint(services, caller.brandId, params.endpointId);
      const page = pageOf(query);
      const rows = await listWebhookDeliveries(services.db, endpoint.id, {
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (d) => d.id, presentDelivery);
    },
  }),
  route({
    method: "POST",
    url: "/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/retry",
    operationId: "retryWebhookDelivery",
    summary: "Send a delivery again now",
    description:
      "Makes the delivery pending and due at once, keeping its attempts so far, whatever its " +
      "status: a failed delivery is sent once more, and retried on the usual schedule while its " +
      "event is under 3 days old; a delivered one is sent again too (the same webhook-id, so a " +
      "receiver that keeps ids sees a duplicate). A disabled endpoint's delivery waits until the " +
      "endpoint is enabled again.",
    tag: "Webhooks",
    auth: "admin",
    params: deliveryParams,
    response: deliverySchema,
    responseExample: { ...deliveryExample, nextAttemptAt: "2026-11-20T10:05:00.000Z" },
    handler: async ({ services, caller, params }) => {
      const endpoint = await loadEndpoint(services, caller.brandId, params.endpointId);
      const retried = await retryWebhookDelivery(
        services.db,
        endpoint.id,
        params.deliveryId,
        services.now(),
      );
      if (!retried)
        throw notFound(`delivery ${params.deliveryId} of webhook endpoint ${endpoint.id}`);
      return presentDelivery(retried);
    },
  }),
  route({
    method: "POST",
    url: "/v1/webhook-endpoints/{endpointId}/test",
    operationId: "sendTestWebhook",
    summary: "Send the endpoint a test event",
    description:
      "Writes one event of the endpoint's first event type with data " +
      '`{"test": true, "message": "A test event from Laurel"}` and a delivery to this endpoint ' +
      "only, due now, and answers that delivery; follow it in the deliveries log.",
    tag: "Webhooks",
    auth: "admin",
    params: endpointParams,
    status: 202,
    response: deliverySchema,
    responseExample: {
      ...deliveryExample,
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
      nextAttemptAt: "2026-11-20T10:00:01.000Z",
    },
    handler: async ({ services, caller, params }) => {
      const endpoint = await loadEndpoint(services, caller.brandId, params.endpointId);
      const type = endpoint.events[0];
      // Creation and PATCH both refuse an empty list, so this is a broken row.
      if (type === undefined) throw new Error(`webhook endpoint ${endpoint.id} has no event types`);
      const delivery = await services.db.transaction((tx) =>
        insertTestDelivery(
          tx,
          endpoint,
          { id: services.ids.next("whe"), type, data: TEST_EVENT_DATA },
          services.ids.next("whd"),
          services.now(),
        ),
      );
      return presentDelivery(delivery);
    },
  }),
];
