import type { EventInput } from "../domain/events.ts";

/** The stores Laurel takes webhooks from, each in its own format. */
export const PROVIDERS = ["shopify", "stripe", "woocommerce"] as const;
export type Provider = (typeof PROVIDERS)[number];

/**
 * What one verified delivery means for the program: Laurel events to
 * ingest, nothing (a topic or state that earns nothing), or a body that
 * verified but cannot be mapped, with the reason the deliveries log shows.
 * Each provider's mapper is a pure function from its body to a Mapping.
 */
export type Mapping =
  | {
      readonly kind: "events";
      readonly events: readonly EventInput[];
      /** Other ids the provider refunds these orders by (Stripe: a payment intent for its invoice). */
      readonly links?: readonly OrderLink[];
    }
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "rejected"; readonly reason: string };

export const ignored = (reason: string): Mapping => ({ kind: "ignored", reason });
export const rejected = (reason: string): Mapping => ({ kind: "rejected", reason });
export const mapped = (events: readonly EventInput[], links?: readonly OrderLink[]): Mapping =>
  links === undefined || links.length === 0
    ? { kind: "events", events }
    : { kind: "events", events, links };

/**
 * An order known to the provider by a second id: a refund naming `alias`
 * refunds the order `orderId`. Stripe refunds a subscription's invoice by
 * the payment intent that paid it, and from API version 2025-03-31 only a
 * separate `invoice_payment.paid` says which intent paid which invoice.
 */
export interface OrderLink {
  readonly alias: string;
  readonly orderId: string;
}

/** A webhook request as received: its exact bytes and its headers, names lower-cased. */
export interface SignedRequest {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export type Verification = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * One store's webhook format: how its deliveries are signed, named and
 * identified, and what each means. Everything here is pure but `verify`'s
 * HMAC; the route and the engine do the rest the same way for every store.
 */
export interface ProviderAdapter {
  readonly provider: Provider;
  /** Checks the signature over the raw bytes, in constant time, before anything is parsed. */
  verify(request: SignedRequest, secret: string, nowMs: number): Verification;
  /** The delivery's topic: Shopify's X-Shopify-Topic, Stripe's event type, WooCommerce's X-WC-Webhook-Topic. */
  topicOf(request: SignedRequest, body: unknown): string;
  /** The provider's own id of this delivery, so that a redelivery is known; null when it sends none. */
  deliveryIdOf(request: SignedRequest, body: unknown): string | null;
  /** The shop a delivery says it came from, where the provider names one (Shopify's X-Shopify-Shop-Domain). */
  shopOf?(request: SignedRequest): string | null;
  /**
   * An unsigned request the provider sends to test a new webhook URL
   * (WooCommerce's `webhook_id=N` ping): answered 200 and otherwise ignored,
   * since refusing it stops the store from saving the webhook.
   */
  isPing?(request: SignedRequest): boolean;
  /** What a verified, parsed body means for the program. */
  map(topic: string, body: unknown): Mapping;
}
