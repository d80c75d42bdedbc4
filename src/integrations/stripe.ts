import Stripe from "stripe";
import { z } from "zod";
import { currencyExponent } from "../domain/currency.ts";
import { MAX_AMOUNT_MINOR, type EventInput, type OrderEvent } from "../domain/events.ts";
import { isSaneMs } from "../domain/instants.ts";
import {
  ignored,
  mapped,
  rejected,
  type Mapping,
  type OrderLink,
  type ProviderAdapter,
  type SignedRequest,
  type Verification,
} from "./delivery.ts";
import { MAX_TEXT, pathText, splitExactly, usableEmail, usableText } from "./fields.ts";

/**
 * Stripe's webhooks, in the event envelope of any API version from 2020 on:
 * a paid Checkout Session (`checkout.session.completed`, or
 * `checkout.session.async_payment_succeeded` once a delayed payment clears),
 * every paid invoice (`invoice.paid`, so each renewal of a subscription is an
 * order) and refunds by amount (`charge.refunded`).
 *
 * Everything is read from the event's object, never from the envelope, and
 * only from fields that stay the same once the object is paid: a redelivery,
 * or the same object seen through another topic, maps to the same events.
 */

const TOLERANCE_SECONDS = 300;
const SIGNATURE_HEADER = "stripe-signature";

/**
 * The decimals of Stripe's integer amounts, which are not always ISO 4217's:
 * MGA is zero-decimal at Stripe (ISO has 2), and ISK and UGX are two-decimal
 * at Stripe in multiples of 100 (ISO has 0). Anything not listed has 2.
 */
// prettier-ignore
const STRIPE_ZERO_DECIMAL = new Set([
  "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF",
  "XOF", "XPF",
]);
const STRIPE_THREE_DECIMAL = new Set(["BHD", "JOD", "KWD", "OMR", "TND"]);

const stripeExponent = (currency: string): number =>
  STRIPE_ZERO_DECIMAL.has(currency) ? 0 : STRIPE_THREE_DECIMAL.has(currency) ? 3 : 2;

// Webhooks send related objects as ids; an expanded object (from a relay that fetched it) has the id inside.
const expandable = z.union([z.string(), z.looseObject({ id: z.string() })]);
type Expandable = z.infer<typeof expandable>;
const idOf = (value: Expandable | null | undefined): string | undefined =>
  value == null ? undefined : typeof value === "string" ? value : value.id;

const amount = z.number().int();
const nonNegative = amount.nonnegative();
const unixSeconds = z.number().int();
const metadata = z.record(z.string(), z.unknown()).nullish();
const amountEntry = z.looseObject({ amount });

const envelopeSchema = z.looseObject({
  data: z.looseObject({ object: z.unknown(), previous_attributes: z.unknown().optional() }),
});

const sessionSchema = z.looseObject({
  object: z.literal("checkout.session"),
  id: z.string().min(1),
  mode: z.string(),
  payment_status: z.string(),
  created: unixSeconds,
  currency: z.string().nullish(),
  amount_subtotal: nonNegative.nullish(),
  amount_total: nonNegative.nullish(),
  total_details: z
    .looseObject({
      amount_discount: nonNegative.nullish(),
      amount_shipping: nonNegative.nullish(),
      amount_tax: nonNegative.nullish(),
    })
    .nullish(),
  payment_intent: expandable.nullish(),
  invoice: expandable.nullish(),
  subscription: expandable.nullish(),
  client_reference_id: z.string().nullish(),
  metadata,
  customer: expandable.nullish(),
  customer_details: z.looseObject({ email: z.string().nullish() }).nullish(),
  customer_email: z.string().nullish(),
  discounts: z
    .array(
      z.looseObject({
        // An id (promo_…) unless expanded; only an expanded one carries the code a shopper typed.
        promotion_code: z
          .union([z.string(), z.looseObject({ code: z.string().nullish() })])
          .nullish(),
      }),
    )
    .nullish(),
});

const priceSchema = z.union([
  z.string(),
  z.looseObject({ id: z.string().nullish(), product: expandable.nullish() }),
]);

const invoiceLineSchema = z.looseObject({
  id: z.string().min(1),
  // Negative for a credit, such as the unused time of a plan given up mid-period.
  amount,
  quantity: z.number().nullish(),
  // Before 2025-03-31 a line names its price (and before prices, its plan) ...
  price: priceSchema.nullish(),
  plan: z.looseObject({ id: z.string().nullish(), product: expandable.nullish() }).nullish(),
  // ... and from then on under pricing.price_details.
  pricing: z
    .looseObject({
      price_details: z
        .looseObject({ price: expandable.nullish(), product: expandable.nullish() })
        .nullish(),
    })
    .nullish(),
  discount_amounts: z.array(amountEntry).nullish(),
});

const subscriptionDetails = z
  .looseObject({ metadata, subscription: expandable.nullish() })
  .nullish();

const invoiceSchema = z.looseObject({
  object: z.literal("invoice"),
  id: z.string().min(1),
  currency: z.string(),
  created: unixSeconds,
  status_transitions: z.looseObject({ paid_at: unixSeconds.nullish() }).nullish(),
  amount_paid: nonNegative,
  subtotal: amount.nullish(),
  amount_shipping: nonNegative.nullish(),
  lines: z.looseObject({ data: z.array(invoiceLineSchema), has_more: z.boolean().nullish() }),
  total_discount_amounts: z.array(amountEntry).nullish(),
  // Taxes, inclusive and exclusive alike: total_taxes from 2025-03-31, total_tax_amounts before, tax before those.
  total_taxes: z.array(amountEntry).nullish(),
  total_tax_amounts: z.array(amountEntry).nullish(),
  tax: nonNegative.nullish(),
  customer: expandable.nullish(),
  customer_email: z.string().nullish(),
  metadata,
  // The subscription's metadata: at the top before 2025-03-31, under parent from then on.
  subscription_details: subscriptionDetails,
  parent: z.looseObject({ subscription_details: subscriptionDetails }).nullish(),
  // What paid it, for its charge's refunds: payment_intent before 2025-03-31,
  // payments from then on (when the event includes them; invoice_payment.paid always says).
  payment_intent: expandable.nullish(),
  // The subscription it bills: at the top before 2025-03-31, under parent.subscription_details from then on.
  subscription: expandable.nullish(),
  payments: z
    .looseObject({
      data: z.array(
        z.looseObject({
          payment: z.looseObject({ payment_intent: expandable.nullish() }).nullish(),
        }),
      ),
    })
    .nullish(),
});

const chargeSchema = z.looseObject({
  object: z.literal("charge"),
  id: z.string().min(1),
  currency: z.string(),
  created: unixSeconds,
  amount_refunded: nonNegative,
  refunded: z.boolean().nullish(),
  // Only API versions before 2025-03-31 name the invoice a charge paid.
  invoice: expandable.nullish(),
  payment_intent: expandable.nullish(),
  // Listed only by API versions before 2022-11-15.
  refunds: z.looseObject({ data: z.array(z.looseObject({ created: unixSeconds })) }).nullish(),
});

/** An invoice payment (API versions from 2025-03-31): which payment intent paid which invoice. */
const invoicePaymentSchema = z.looseObject({
  invoice: expandable,
  payment: z.looseObject({ payment_intent: expandable.nullish(), charge: expandable.nullish() }),
});

const previousChargeSchema = z.looseObject({ amount_refunded: nonNegative.nullish() });

type Session = z.infer<typeof sessionSchema>;
type Invoice = z.infer<typeof invoiceSchema>;
type InvoiceLine = z.infer<typeof invoiceLineSchema>;
type Charge = z.infer<typeof chargeSchema>;
type OrderItem = OrderEvent["items"][number];
type Attribution = Partial<Pick<OrderEvent, "customer" | "code" | "visitorId">>;

export const stripe: ProviderAdapter = {
  provider: "stripe",
  verify: verifyStripe,
  topicOf: (_request, body) => fieldOf(body, "type") ?? "unknown",
  deliveryIdOf: (_request, body) => fieldOf(body, "id") ?? null,
  map: mapStripe,
};

function fieldOf(body: unknown, key: "type" | "id"): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Stripe signs `{t}.{raw body}` with the endpoint's secret and puts the time
 * and the signature in Stripe-Signature; its own library checks both, in
 * constant time, against the time the delivery arrived.
 */
function verifyStripe(request: SignedRequest, secret: string, nowMs: number): Verification {
  const header = request.headers[SIGNATURE_HEADER];
  if (header === undefined || header.trim() === "")
    return {
      ok: false,
      reason:
        "no Stripe-Signature header: Stripe signs every event it sends, so this request did not come from Stripe",
    };
  try {
    Stripe.webhooks.constructEvent(
      request.body,
      header,
      secret,
      TOLERANCE_SECONDS,
      undefined,
      nowMs,
    );
    return { ok: true };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError)
      return {
        ok: false,
        reason:
          error.message === "Timestamp outside the tolerance zone"
            ? `stale: the timestamp is more than ${TOLERANCE_SECONDS} s old`
            : (error.message.split("\n")[0] ?? error.message).trim(),
      };
    // constructEvent parses the body only once the signature holds, so a
    // body that is not JSON was signed all the same; parsing it is not this
    // check's job, and the delivery is refused as not JSON where it is parsed.
    if (error instanceof SyntaxError) return { ok: true };
    throw error;
  }
}

function mapStripe(topic: string, body: unknown): Mapping {
  switch (topic) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      return withObject(body, sessionSchema, mapSession);
    case "invoice.paid":
      return withObject(body, invoiceSchema, mapInvoice);
    case "charge.refunded":
      return withObject(body, chargeSchema, mapChargeRefund);
    case "invoice_payment.paid":
      return withObject(body, invoicePaymentSchema, mapInvoicePayment);
    default:
      return ignored(`topic ${topic} is not handled`);
  }
}

/** Parses the envelope and its `data.object`, turning the first unusable field into a rejection that names it. */
function withObject<S extends z.ZodType>(
  body: unknown,
  schema: S,
  map: (object: z.infer<S>, previous: unknown) => Mapping,
): Mapping {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return rejected(issueText(envelope.error, []));
  const object = schema.safeParse(envelope.data.data.object);
  if (!object.success) return rejected(issueText(object.error, ["data", "object"]));
  return map(object.data, envelope.data.data.previous_attributes);
}

function mapSession(session: Session): Mapping {
  if (session.mode === "setup") return ignored("a setup session saves a card and takes no payment");
  if (session.mode !== "payment" && session.mode !== "subscription")
    return ignored(`mode ${session.mode} is not handled`);
  if (session.payment_status === "no_payment_required")
    return ignored("no payment was required (a free order or a trial): nothing was paid");
  if (session.payment_status !== "paid")
    return ignored(
      "payment not yet received; counted when checkout.session.async_payment_succeeded arrives",
    );

  // A session that made an invoice (every subscription, and a payment with
  // invoice_creation) is that invoice's order, the one invoice.paid maps to,
  // so the two topics are one order and never count twice; whichever comes
  // first counts. Otherwise the payment intent is the order, which is what
  // a refund of its charge names.
  const invoiceId = idOf(session.invoice);
  if (session.mode === "subscription" && invoiceId === undefined)
    return ignored("the subscription's first invoice is counted when its invoice.paid arrives");
  const orderId = invoiceId ?? idOf(session.payment_intent) ?? session.id;

  if (session.currency == null) return rejected("data.object.currency is missing");
  if (session.amount_subtotal == null) return rejected("data.object.amount_subtotal is missing");
  if (session.amount_total == null) return rejected("data.object.amount_total is missing");
  const reader = moneyReader(session.currency);
  if (!reader.ok) return rejected(reader.reason);
  const { money } = reader;
  const totals = session.total_details;
  const at = "data.object.total_details";
  // The event's session has no line items (listing them is another API
  // call), so the order is one item of the session's subtotal.
  const items = [
    {
      sku: "checkout",
      quantity: 1,
      unitAmount: money.read(session.amount_subtotal, "data.object.amount_subtotal"),
    },
  ];
  const parts = {
    items,
    discount: money.read(totals?.amount_discount ?? 0, `${at}.amount_discount`),
    shipping: money.read(totals?.amount_shipping ?? 0, `${at}.amount_shipping`),
    tax: money.read(totals?.amount_tax ?? 0, `${at}.amount_tax`),
  };
  const charged = money.read(session.amount_total, "data.object.amount_total");
  const occurredAt = instantOf(session.created, "data.object.created");
  const problem = money.problem() ?? occurredAt.problem;
  if (problem !== null) return rejected(problem);

  const order = chargedOrder(parts, charged, "amount_total");
  if (!order.ok) return rejected(order.reason);
  return mapped(
    [
      {
        type: "order",
        id: `stripe:${orderId}`,
        occurredAt: occurredAt.iso,
        ...attributionOf({
          metadata: [session.metadata],
          visitorFallback: session.client_reference_id,
          codeFallback: promotionCodeOf(session),
          customer: session.customer,
          emails: [session.customer_details?.email, session.customer_email],
        }),
        ...subscriptionOf(idOf(session.subscription)),
        ...order.parts,
        currency: reader.currency,
      },
    ],
    linkOf(idOf(session.payment_intent), orderId),
  );
}

/**
 * Every invoice of one subscription is an order of that subscription, so each
 * renewal pays whoever the first was attributed to, whether or not the
 * program binds customers.
 */
function subscriptionOf(id: string | undefined): { subscription?: string } {
  return id === undefined ? {} : { subscription: `stripe:${id}` };
}

/** A payment intent that paid an order known by another id: its charge's refunds name the intent. */
function linkOf(intent: string | undefined, orderId: string): OrderLink[] {
  return intent === undefined || intent === orderId
    ? []
    : [{ alias: `stripe:${intent}`, orderId: `stripe:${orderId}` }];
}

function mapInvoice(invoice: Invoice): Mapping {
  if (invoice.amount_paid === 0) return ignored("nothing was paid");
  const reader = moneyReader(invoice.currency);
  if (!reader.ok) return rejected(reader.reason);
  const { money } = reader;

  const items: OrderItem[] = [];
  // Credits (negative lines) lower what the customer paid for the rest, as a discount does.
  let credits = 0;
  for (const [index, line] of invoice.lines.data.entries()) {
    const lineMinor = money.read(line.amount, `data.object.lines.data[${index}].amount`);
    if (lineMinor < 0) credits -= lineMinor;
    else items.push(...splitExactly(skuOf(line), quantityOf(line), lineMinor));
  }
  // A long invoice's event lists only its first lines; the rest of the
  // subtotal is counted as one item so that the order is still whole.
  if (invoice.lines.has_more === true && invoice.subtotal != null) {
    const listed = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
    const unlisted = money.read(invoice.subtotal - listed, "data.object.subtotal");
    if (unlisted > 0) items.push({ sku: "unlisted-lines", quantity: 1, unitAmount: unlisted });
    else credits -= unlisted;
  }
  if (items.length === 0) return rejected("the invoice has no lines to count");

  const discount =
    invoice.total_discount_amounts == null
      ? invoice.lines.data.reduce(
          (sum, line, index) =>
            sum +
            sumRead(
              money,
              line.discount_amounts ?? [],
              `data.object.lines.data[${index}].discount_amounts`,
              (d) => d.amount,
            ),
          0,
        )
      : sumRead(
          money,
          invoice.total_discount_amounts,
          "data.object.total_discount_amounts",
          (d) => d.amount,
        );
  const taxes = invoice.total_taxes ?? invoice.total_tax_amounts;
  const parts = {
    items,
    discount: credits + discount,
    shipping: money.read(invoice.amount_shipping ?? 0, "data.object.amount_shipping"),
    tax:
      taxes == null
        ? money.read(invoice.tax ?? 0, "data.object.tax")
        : sumRead(
            money,
            taxes,
            invoice.total_taxes == null
              ? "data.object.total_tax_amounts"
              : "data.object.total_taxes",
            (t) => t.amount,
          ),
  };
  const charged = money.read(invoice.amount_paid, "data.object.amount_paid");
  const paidAt = invoice.status_transitions?.paid_at;
  const occurredAt =
    paidAt == null
      ? instantOf(invoice.created, "data.object.created")
      : instantOf(paidAt, "data.object.status_transitions.paid_at");
  const problem = money.problem() ?? occurredAt.problem;
  if (problem !== null) return rejected(problem);

  const order = chargedOrder(parts, charged, "amount_paid");
  if (!order.ok) return rejected(order.reason);
  return mapped(
    [
      {
        type: "order",
        id: `stripe:${invoice.id}`,
        occurredAt: occurredAt.iso,
        ...attributionOf({
          metadata: [
            invoice.parent?.subscription_details?.metadata,
            invoice.subscription_details?.metadata,
            invoice.metadata,
          ],
          customer: invoice.customer,
          emails: [invoice.customer_email],
        }),
        ...subscriptionOf(
          idOf(invoice.parent?.subscription_details?.subscription) ?? idOf(invoice.subscription),
        ),
        ...order.parts,
        currency: reader.currency,
      },
    ],
    [
      ...linkOf(idOf(invoice.payment_intent), invoice.id),
      ...(invoice.payments?.data ?? []).flatMap((p) =>
        linkOf(idOf(p.payment?.payment_intent), invoice.id),
      ),
    ],
  );
}

/**
 * Each charge.refunded carries the charge's refunded total so far, and its
 * previous_attributes the total before: the difference is this refund, and
 * the total names it, so a redelivery maps to the same event and a later
 * refund of the same charge to another.
 */
function mapChargeRefund(charge: Charge, previousAttributes: unknown): Mapping {
  const previous = previousChargeSchema.safeParse(previousAttributes ?? {});
  if (!previous.success)
    return rejected(issueText(previous.error, ["data", "previous_attributes"]));
  const before = previous.data.amount_refunded ?? 0;
  const refunded = charge.amount_refunded - before;
  if (refunded <= 0) return ignored("nothing more was refunded");
  // A charge names its invoice only before API version 2025-03-31; from then
  // on a subscription's charge names just its payment intent, which is not
  // the invoice's order, and the refund waits for an order that never comes.
  const orderRef = idOf(charge.invoice) ?? idOf(charge.payment_intent);
  if (orderRef === undefined)
    return rejected(
      "the charge names neither an invoice nor a payment intent, so the order it refunds is unknown",
    );
  const reader = moneyReader(charge.currency);
  if (!reader.ok) return rejected(reader.reason);
  const amountMinor = reader.money.read(refunded, "data.object.amount_refunded");
  // The charge has no refund time of its own; the newest listed refund's is
  // the time this one was made, and the charge's is the fallback that does
  // not change between redeliveries (the delivery's own time would).
  const newest = Math.max(...(charge.refunds?.data ?? []).map((refund) => refund.created));
  const occurredAt = Number.isFinite(newest)
    ? instantOf(newest, "data.object.refunds.data[].created")
    : instantOf(charge.created, "data.object.created");
  const problem = reader.money.problem() ?? occurredAt.problem;
  if (problem !== null) return rejected(problem);
  const event: EventInput = {
    type: "refund",
    id: `stripe:${charge.id}:refunded:${charge.amount_refunded}`,
    orderId: `stripe:${orderRef}`,
    occurredAt: occurredAt.iso,
    // The refund that empties the charge takes back everything left, so
    // rounding in earlier partial refunds can never leave a remainder behind.
    ...(charge.refunded === true ? {} : { amount: amountMinor }),
  };
  return mapped([event]);
}

/**
 * From API version 2025-03-31 a charge names only its payment intent, and
 * an invoice no longer names the intent that paid it: this event is what
 * ties them, so that a charge.refunded of a subscription's invoice finds its
 * order. It books nothing itself.
 */
function mapInvoicePayment(payment: z.infer<typeof invoicePaymentSchema>): Mapping {
  const invoice = idOf(payment.invoice);
  const intent = idOf(payment.payment.payment_intent);
  if (invoice === undefined || intent === undefined)
    return ignored("the payment names no payment intent, so no refund can name it");
  return mapped([], [{ alias: `stripe:${intent}`, orderId: `stripe:${invoice}` }]);
}

/**
 * Laurel's order total is items − discount + shipping + tax; Stripe's is
 * what was charged. Taxes are counted whole (inclusive and exclusive), so
 * tax-inclusive prices count their tax twice, and a customer balance or a
 * credit note pays part of an invoice: both make the parts come to more
 * than was charged. The excess is taken off as discount, so that neither
 * tax nor what the customer did not pay earns commission and the total is
 * exactly what was charged. A charge above the parts is not explained by
 * anything in the event, so the order is refused rather than guessed at.
 */
function chargedOrder(
  parts: {
    readonly items: readonly OrderItem[];
    readonly discount: number;
    readonly shipping: number;
    readonly tax: number;
  },
  charged: number,
  chargedField: string,
):
  | {
      ok: true;
      parts: Pick<OrderEvent, "items" | "discount" | "shipping" | "tax">;
    }
  | { ok: false; reason: string } {
  const itemsMinor = parts.items.reduce((sum, item) => sum + item.quantity * item.unitAmount, 0);
  const partsMinor = itemsMinor - parts.discount + parts.shipping + parts.tax;
  const excess = partsMinor - charged;
  if (excess < 0)
    return {
      ok: false,
      reason: `${chargedField} ${charged} is more than the items less discounts plus shipping and tax (${partsMinor} minor units), and the event does not say what the rest was for`,
    };
  const discount = parts.discount + excess;
  if (discount > itemsMinor)
    return {
      ok: false,
      reason: `the discounts, credits and tax-inclusive amounts (${discount} minor units) are more than the items (${itemsMinor})`,
    };
  return {
    ok: true,
    parts: { items: [...parts.items], discount, shipping: parts.shipping, tax: parts.tax },
  };
}

/** The price a line bills, else its product, else the line itself. */
function skuOf(line: InvoiceLine): string {
  const price = typeof line.price === "string" ? line.price : line.price?.id;
  const details = line.pricing?.price_details;
  const product =
    idOf(details?.product) ??
    (typeof line.price === "object" ? idOf(line.price?.product) : undefined) ??
    idOf(line.plan?.product);
  const named = [idOf(details?.price), price, line.plan?.id, product, line.id].find(
    (candidate): candidate is string => candidate != null && candidate !== "",
  );
  return (named ?? line.id).slice(0, MAX_TEXT);
}

/** Metered and decimal quantities can be 0 or fractional; such a line counts as one unit of its total. */
const quantityOf = (line: InvoiceLine): number =>
  line.quantity != null && Number.isSafeInteger(line.quantity) && line.quantity > 0
    ? line.quantity
    : 1;

function promotionCodeOf(session: Session): string | undefined {
  for (const discount of session.discounts ?? []) {
    const promotion = discount.promotion_code;
    if (typeof promotion === "object" && promotion !== null) {
      const code = usableText(promotion.code);
      if (code !== undefined) return code;
    }
  }
  return undefined;
}

/**
 * The customer, code and visitor an order is attributed by, each only when
 * usable. Laurel's own metadata keys come first: a brand may use
 * client_reference_id for an id of its own, and laurel_vid says what it is.
 */
function attributionOf(source: {
  metadata: readonly (Record<string, unknown> | null | undefined)[];
  visitorFallback?: string | null | undefined;
  codeFallback?: string | undefined;
  customer: Expandable | null | undefined;
  emails: readonly (string | null | undefined)[];
}): Attribution {
  const fromMetadata = (key: string) =>
    source.metadata
      .map((entries) => entries?.[key])
      .map((value) => (typeof value === "string" ? usableText(value) : undefined))
      .find((value) => value !== undefined);
  const fields: Attribution = {};
  const visitorId = fromMetadata("laurel_vid") ?? usableText(source.visitorFallback);
  if (visitorId !== undefined) fields.visitorId = visitorId;
  const code = fromMetadata("laurel_code") ?? source.codeFallback;
  if (code !== undefined) fields.code = code;
  const customerId = usableText(idOf(source.customer));
  const email = source.emails.map(usableEmail).find((e) => e !== undefined);
  if (customerId !== undefined || email !== undefined)
    fields.customer = {
      ...(customerId === undefined ? {} : { id: customerId }),
      ...(email === undefined ? {} : { email }),
    };
  return fields;
}

function instantOf(seconds: number, path: string): { iso: string; problem: string | null } {
  const ms = seconds * 1000;
  return isSaneMs(ms)
    ? { iso: new Date(ms).toISOString(), problem: null }
    : { iso: "", problem: `${path} ${seconds} is not a time between 1970 and 2200` };
}

interface MoneyReader {
  /** ISO 4217 minor units of a Stripe amount; 0 (with the problem kept) when it cannot be exact. */
  read(stripeAmount: number, path: string): number;
  /** The first amount that could not be converted exactly, as a brand admin reads it. */
  problem(): string | null;
}

/**
 * Converts Stripe's amounts in one currency to ISO 4217 minor units:
 * ×10^(ISO − Stripe decimals), or an exact division when Stripe counts finer
 * (ISK 1000 at Stripe is 10 króna). Keeps the first failure, so a mapping checks once.
 */
function moneyReader(
  code: string,
): { ok: true; currency: string; money: MoneyReader } | { ok: false; reason: string } {
  const currency = code.toUpperCase();
  const isoExponent = currencyExponent(currency);
  if (isoExponent === null) return { ok: false, reason: `unknown currency "${code.slice(0, 20)}"` };
  const shift = isoExponent - stripeExponent(currency);
  const factor = 10 ** Math.abs(shift);
  let problem: string | null = null;
  const money: MoneyReader = {
    read(stripeAmount, path) {
      if (shift < 0 && stripeAmount % factor !== 0) {
        problem ??= `${path} ${stripeAmount} is not a whole amount of ${currency}: Stripe counts ${currency} in units of 1/${10 ** stripeExponent(currency)}, which must be multiples of ${factor}`;
        return 0;
      }
      const minor = shift < 0 ? stripeAmount / factor : stripeAmount * factor;
      if (Math.abs(minor) > MAX_AMOUNT_MINOR) {
        problem ??= `${path} ${stripeAmount} is more than can be counted exactly`;
        return 0;
      }
      return minor;
    },
    problem: () => problem,
  };
  return { ok: true, currency, money };
}

function sumRead<T>(
  money: MoneyReader,
  entries: readonly T[],
  path: string,
  amountOf: (entry: T) => number,
): number {
  return entries.reduce(
    (sum, entry, index) => sum + money.read(amountOf(entry), `${path}[${index}].amount`),
    0,
  );
}

function issueText(error: z.ZodError, prefix: readonly PropertyKey[]): string {
  const issue = error.issues[0];
  if (issue === undefined) return "the body is not a Stripe event";
  const path = [...prefix, ...issue.path];
  if (path.length === 0) return `the body is not a Stripe event: ${issue.message}`;
  return `${pathText(path)}: ${issue.message}`;
}
