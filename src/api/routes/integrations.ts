import { z } from "zod";
import { receiveDelivery } from "../../engine/receive-delivery.ts";
import type { Services } from "../../engine/services.ts";
import { PROVIDERS, type Provider } from "../../integrations/delivery.ts";
import { ADAPTERS } from "../../integrations/providers.ts";
import {
  deleteIntegration,
  findIntegration,
  listDeliveries,
  listIntegrations,
  putIntegration,
  type DeliveryRecord,
  type IntegrationRecord,
} from "../../store/integrations.ts";
import { ApiError, notFound } from "../errors.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { collectionOf } from "../schemas.ts";
import { loadProgram } from "./programs.ts";

const timestamp = z.iso.datetime();
const providerName = z.enum(PROVIDERS).describe("The store: shopify, stripe or woocommerce");
const integrationParams = z.object({ programId: z.string(), provider: providerName });

const integrationInput = z.strictObject({
  secret: z
    .string()
    .trim()
    .min(1, "is the provider's signing secret, as the store shows it")
    .max(500)
    .describe(
      "The provider's webhook signing secret: Shopify's app secret or webhook signing key, " +
        "Stripe's endpoint secret (whsec_...), WooCommerce's webhook secret. Stored, never answered.",
    ),
  shopDomain: z
    .string()
    .trim()
    .toLowerCase()
    // As copied from the address bar: https://x.myshopify.com/ is the shop x.myshopify.com.
    .transform((domain) => domain.replace(/^https?:\/\//, "").replace(/\/+$/, ""))
    .pipe(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be the shop's x.myshopify.com domain"),
    )
    .optional()
    .describe("Shopify only: deliveries from any other shop are rejected"),
});

const integrationSchema = z
  .strictObject({
    provider: providerName,
    webhookUrl: z.url().describe("Where the provider is to send its webhooks"),
    shopDomain: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({
    id: "Integration",
    description: "A program's connection to a store; the signing secret is never answered",
  });

const deliverySchema = z
  .strictObject({
    id: z.string(),
    receivedAt: timestamp,
    topic: z.string().describe("The provider's topic or event type, such as orders/paid"),
    status: z
      .enum(["processed", "duplicate", "ignored", "rejected"])
      .describe(
        "processed: its events were taken; duplicate: already taken; ignored: a topic or state " +
          "that earns nothing; rejected: verified but could not be used (error says why)",
      ),
    eventIds: z.array(z.string()).describe("The Laurel events the delivery became"),
    error: z
      .strictObject({ code: z.string(), message: z.string() })
      .nullable()
      .describe("Why it was ignored or rejected, or why one of its events was"),
  })
  .meta({ id: "Delivery", description: "One signed webhook delivery and what it came to" });

const pingSchema = z.strictObject({ ping: z.literal(true) }).meta({
  id: "WebhookPing",
  description: "The answer to WooCommerce's unsigned test of a new URL",
});

const integrationExample = {
  provider: "shopify",
  webhookUrl: "https://laurel.example.com/v1/hooks/shopify/prg_01JD0Q6G8ZK3F1M2N3P4Q5R6S7",
  shopDomain: "ana-shop.myshopify.com",
  createdAt: "2026-11-20T10:00:00.000Z",
  updatedAt: "2026-11-20T10:00:00.000Z",
};

const deliveryExample = {
  id: "dlv_01JD0Q7H9ZK3F1M2N3P4Q5R6S7",
  receivedAt: "2026-11-20T10:00:01.000Z",
  topic: "orders/paid",
  status: "processed",
  eventIds: ["shopify:order:820982911946154508"],
  error: null,
};

const present = (services: Services, i: IntegrationRecord) => ({
  provider: i.provider,
  webhookUrl: webhookUrlOf(services, i.programId, i.provider),
  shopDomain: i.shopDomain,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});

const presentDelivery = (d: DeliveryRecord) => ({
  id: d.id,
  receivedAt: d.receivedAt.toISOString(),
  topic: d.topic,
  status: d.status,
  eventIds: [...d.eventIds],
  error: d.error,
});

/** The URL handed to the provider: Laurel's public base, so it works behind a proxy. */
export function webhookUrlOf(services: Services, programId: string, provider: Provider): string {
  return `${services.publicUrl}/v1/hooks/${provider}/${encodeURIComponent(programId)}`;
}

export const integrationRoutes = [
  route({
    method: "PUT",
    url: "/v1/programs/{programId}/integrations/{provider}",
    operationId: "connectIntegration",
    summary: "Connect a store (Shopify, Stripe or WooCommerce), or replace its secret",
    description:
      "Stores the provider's webhook signing secret (never answered again) and answers the " +
      "webhook URL to give the provider. Connecting again replaces the secret: deliveries signed " +
      "with the old one are refused from then on.",
    tag: "Integrations",
    auth: "admin",
    params: integrationParams,
    body: integrationInput,
    bodyExample: {
      secret: "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",
      shopDomain: "ana-shop.myshopify.com",
    },
    response: integrationSchema,
    responseExample: integrationExample,
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      if (body.shopDomain !== undefined && params.provider !== "shopify")
        throw new ApiError(
          "validation_failed",
          `shopDomain is for Shopify only; a ${params.provider} integration takes just the secret`,
          [{ path: "shopDomain", message: "Shopify only" }],
        );
      const saved = await putIntegration(
        services.db,
        {
          programId: program.id,
          provider: params.provider,
          secret: body.secret,
          shopDomain: body.shopDomain ?? null,
        },
        services.now(),
      );
      return present(services, saved);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/integrations/{provider}",
    operationId: "getIntegration",
    summary: "A connected store: its webhook URL and when it was connected (never the secret)",
    description: "Answers 404 when the program is not connected to that provider.",
    tag: "Integrations",
    auth: "admin",
    params: integrationParams,
    response: integrationSchema,
    responseExample: integrationExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const found = await findIntegration(services.db, program.id, params.provider);
      if (!found) throw notFound(`a ${params.provider} integration of program ${program.id}`);
      return present(services, found);
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/programs/{programId}/integrations/{provider}",
    operationId: "disconnectIntegration",
    summary: "Disconnect a store: its deliveries are refused from then on; the log stays",
    description:
      "Forgets the signing secret, so the webhook URL answers 401 to every delivery. The " +
      "deliveries log and everything the deliveries booked stay.",
    tag: "Integrations",
    auth: "admin",
    params: integrationParams,
    status: 204,
    response: null,
    handler: async ({ services, caller, params, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      if (!(await deleteIntegration(services.db, program.id, params.provider)))
        throw notFound(`a ${params.provider} integration of program ${program.id}`);
      return reply.code(204).send();
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/integrations",
    operationId: "listIntegrations",
    summary: "The stores a program is connected to",
    description: "Every connected provider with its webhook URL, in provider order.",
    tag: "Integrations",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    response: collectionOf(integrationSchema, "IntegrationCollection", "Connected stores"),
    responseExample: { items: [integrationExample], next: null },
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const items = await listIntegrations(services.db, program.id);
      return { items: items.map((i) => present(services, i)), next: null };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/integrations/{provider}/deliveries",
    operationId: "listDeliveries",
    summary: "A store's webhook deliveries, newest first, with what each came to",
    description:
      "Every signed delivery: its topic, whether it was processed, a duplicate, ignored or " +
      "rejected, the Laurel events it became, and the reason when it was ignored or rejected.",
    tag: "Integrations",
    auth: "admin",
    params: integrationParams,
    query: pageQuery,
    response: collectionOf(deliverySchema, "DeliveryCollection", "Deliveries, newest first"),
    responseExample: { items: [deliveryExample], next: null },
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const rows = await listDeliveries(services.db, program.id, params.provider, {
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (d) => d.id, presentDelivery);
    },
  }),
  route({
    method: "POST",
    url: "/v1/hooks/{provider}/{programId}",
    operationId: "receiveStoreWebhook",
    summary: "A store's webhook, in the provider's own format, trusted only by its signature",
    description:
      "Shopify (X-Shopify-Hmac-Sha256), Stripe (Stripe-Signature) and WooCommerce " +
      "(X-WC-Webhook-Signature) deliveries, verified on the raw bytes in constant time with the " +
      "program's secret. A bad, stale or missing signature is a 401; everything else is a 200 " +
      "(processed, duplicate, ignored or rejected, as recorded in the deliveries log) so that " +
      "the provider stops retrying.",
    tag: "Integrations",
    auth: "public",
    credential: "storeSignature",
    params: z.object({ provider: z.string(), programId: z.string() }),
    body: z.looseObject({}).describe("The provider's webhook body, exactly as it sends it"),
    bodyExample: { id: 820982911946154500, currency: "USD", line_items: [] },
    rawBody: true,
    bodyLimit: 5 * 1024 * 1024,
    response: z.union([deliverySchema, pingSchema]),
    responseExample: deliveryExample,
    handler: async ({ services, params, request }) => {
      const adapter = (ADAPTERS as Partial<Record<string, (typeof ADAPTERS)[Provider]>>)[
        params.provider
      ];
      if (!adapter)
        throw notFound(
          `webhook provider ${params.provider} (Laurel takes ${PROVIDERS.join(", ")})`,
        );
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers))
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
      const answer = await receiveDelivery(services, adapter, params.programId, {
        body: raw,
        headers,
      });
      if (answer.kind === "unverified") throw new ApiError("unauthorized", answer.reason);
      if (answer.kind === "ping") return { ping: true };
      return presentDelivery(answer.delivery);
    },
  }),
];
