import { readFileSync } from "node:fs";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { eventSchema, type OrderEvent } from "../../src/domain/events.ts";
import { ignored, mapped, rejected, type Mapping } from "../../src/integrations/delivery.ts";
import { stripe } from "../../src/integrations/stripe.ts";

type Json = Record<string, unknown>;

const SECRET = "whsec_5f3b1c7a9e2d4f6b8a0c1e3d5f7b9a1c";
const NOW_MS = Date.UTC(2025, 10, 20, 12, 0, 0);

function fixture(name: string): Json {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/stripe/${name}.json`, import.meta.url), "utf8"),
  );
}

const dataOf = (event: Json): Json => event.data as Json;
const objectOf = (event: Json): Json => dataOf(event).object as Json;

/** A fixture with fields of its data.object (and of the envelope) replaced. */
function changed(name: string, object: Json, envelope: Json = {}): Json {
  const event = fixture(name);
  return {
    ...event,
    ...envelope,
    data: { ...dataOf(event), object: { ...objectOf(event), ...object } },
  };
}

/** A charge.refunded fixture with its charge changed and other previous_attributes (none when undefined). */
function withPrevious(name: string, object: Json, previous: Json | undefined): Json {
  const event = fixture(name);
  const data: Json = { object: { ...objectOf(event), ...object } };
  if (previous !== undefined) data.previous_attributes = previous;
  return { ...event, data };
}

/** An invoice fixture whose lines are its first line changed by each of `changes`. */
function withLines(name: string, changes: readonly Json[], invoice: Json = {}): Json {
  const lines = objectOf(fixture(name)).lines as { data: Json[] };
  const [first] = lines.data;
  return changed(name, {
    ...invoice,
    lines: { ...lines, data: changes.map((change) => ({ ...first, ...change })) },
  });
}

const mapBody = (body: Json): Mapping =>
  stripe.map(stripe.topicOf({ body: Buffer.from(""), headers: {} }, body), body);

/** Signs bytes as Stripe does: `t=<seconds>,v1=<HMAC-SHA256 of "t.body">`. */
function signed(payload: string, timestampMs = NOW_MS, secret = SECRET) {
  const header = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    timestamp: Math.floor(timestampMs / 1000),
  });
  return { body: Buffer.from(payload), headers: { "stripe-signature": header } };
}

const card = "checkout-session-completed";
const unpaid = "checkout-session-completed-unpaid";
const subscription = "checkout-session-completed-subscription";
const newerInvoice = "invoice-paid-2025-03-31";
const olderInvoice = "invoice-paid-2022-08-01";
const newerRefund = "charge-refunded";
const olderRefund = "charge-refunded-2022-08-01";

const cardOrder: OrderEvent = {
  type: "order",
  id: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
  occurredAt: "2025-11-13T09:38:32.000Z",
  visitorId: "v_8f2c1e9a4b7d",
  code: "JANE10",
  customer: { id: "cus_RkT4mN2pQ8sV1x", email: "jenny.rosen@example.com" },
  items: [{ sku: "checkout", quantity: 1, unitAmount: 8000 }],
  discount: 800,
  shipping: 500,
  tax: 576,
  currency: "USD",
};

const sepaOrder: OrderEvent = {
  type: "order",
  id: "stripe:pi_3QcA1aLm2nOp3qRs0SepaDeb",
  occurredAt: "2025-11-14T09:43:00.000Z",
  visitorId: "v_3d9e7a1c5b2f",
  customer: { id: "cus_RkU9aB3cD4eF5g", email: "max.mustermann@example.de" },
  items: [{ sku: "checkout", quantity: 1, unitAmount: 4500 }],
  discount: 0,
  shipping: 0,
  tax: 0,
  currency: "EUR",
};

const firstInvoiceId = "stripe:in_1QdB2aLm2nOp3qRsSubFirst";

const newerInvoiceOrder: OrderEvent = {
  type: "order",
  id: firstInvoiceId,
  occurredAt: "2025-11-15T09:47:12.000Z",
  code: "TEAM10",
  customer: { id: "cus_RkV2gH6iJ7kL8m", email: "ops@acme-widgets.example" },
  subscription: "stripe:sub_1QdB2aLm2nOp3qRsSeats",
  items: [{ sku: "price_1QaZ3cLm2nOp3qRsTeamSeat", quantity: 3, unitAmount: 2000 }],
  discount: 600,
  shipping: 0,
  tax: 0,
  currency: "USD",
};

/** An invoice of API versions before 2025-03-31 names the payment intent that paid it: refunds of its charge name that intent. */
const olderInvoiceLinks = [
  { alias: "stripe:pi_3PcR7tLm2nOp3qRs0Renewal", orderId: "stripe:in_1PcR7sLm2nOp3qRsRenewal" },
];

const olderInvoiceOrder: OrderEvent = {
  type: "order",
  id: "stripe:in_1PcR7sLm2nOp3qRsRenewal",
  occurredAt: "2024-07-10T09:46:43.000Z",
  visitorId: "v_gx4b8d2f6a1c",
  code: "GLOBEX",
  customer: { id: "cus_QbR1sT2uV3wX4y", email: "billing@globex.example" },
  subscription: "stripe:sub_1PaB3dLm2nOp3qRsGlobex",
  items: [
    { sku: "price_1PaB2cLm2nOp3qRsAnalyst", quantity: 2, unitAmount: 3333 },
    { sku: "price_1PaB2cLm2nOp3qRsAnalyst", quantity: 1, unitAmount: 3334 },
  ],
  discount: 0,
  shipping: 0,
  tax: 800,
  currency: "USD",
};

const noSession = { total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 } };

interface Row {
  readonly name: string;
  readonly body: Json;
  readonly expected: Mapping;
}

const checkoutRows: Row[] = [
  {
    name: "a paid card checkout is an order of the payment intent, with its discount, shipping and tax",
    body: fixture(card),
    expected: mapped([cardOrder]),
  },
  {
    name: "a live event counts exactly as a test-mode one does: livemode false is not ignored",
    body: changed(card, { livemode: true }, { livemode: true }),
    expected: mapped([cardOrder]),
  },
  {
    name: "a completed session still waiting for its SEPA Debit is ignored",
    body: fixture(unpaid),
    expected: ignored(
      "payment not yet received; counted when checkout.session.async_payment_succeeded arrives",
    ),
  },
  {
    name: "checkout.session.async_payment_succeeded counts the session once its payment arrives",
    body: changed(
      unpaid,
      { payment_status: "paid" },
      { type: "checkout.session.async_payment_succeeded" },
    ),
    expected: mapped([sepaOrder]),
  },
  {
    name: "a subscription checkout is the order of its first invoice, the id invoice.paid gives it",
    body: fixture(subscription),
    expected: mapped([
      {
        type: "order",
        id: firstInvoiceId,
        occurredAt: "2025-11-15T09:46:41.000Z",
        visitorId: "v_5a1b9c3d7e2f",
        code: "TEAM10",
        customer: { id: "cus_RkV2gH6iJ7kL8m", email: "ops@acme-widgets.example" },
        subscription: "stripe:sub_1QdB2aLm2nOp3qRsSeats",
        items: [{ sku: "checkout", quantity: 1, unitAmount: 6000 }],
        discount: 600,
        shipping: 0,
        tax: 0,
        currency: "USD",
      },
    ]),
  },
  {
    name: "a one-time payment that made an invoice (invoice_creation) is that invoice's order, so invoice.paid cannot count it again, and its payment intent is linked to it for refunds",
    body: changed(card, { invoice: "in_1QbX9aLm2nOp3qRsReceipt" }),
    expected: mapped(
      [{ ...cardOrder, id: "stripe:in_1QbX9aLm2nOp3qRsReceipt" }],
      [
        {
          alias: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
          orderId: "stripe:in_1QbX9aLm2nOp3qRsReceipt",
        },
      ],
    ),
  },
  {
    name: "a payment without a payment intent is the order of the session",
    body: changed(card, { payment_intent: null }),
    expected: mapped([
      {
        ...cardOrder,
        id: "stripe:cs_test_a1Yq3Lk2VbN8rT5wXc7Zd9Ef0Gh1Jk2Lm3Np4Qr5St6Uv7Wx8Yz9Ab0Cd",
      },
    ]),
  },
  {
    name: "a subscription checkout that names no invoice waits for invoice.paid",
    body: changed(subscription, { invoice: null }),
    expected: ignored("the subscription's first invoice is counted when its invoice.paid arrives"),
  },
  {
    name: "a setup session is ignored",
    body: changed(card, { mode: "setup", payment_status: "no_payment_required" }),
    expected: ignored("a setup session saves a card and takes no payment"),
  },
  {
    name: "a free trial's checkout (no_payment_required) is ignored",
    body: changed(subscription, { payment_status: "no_payment_required" }),
    expected: ignored("no payment was required (a free order or a trial): nothing was paid"),
  },
  {
    name: "JPY is zero-decimal at Stripe and in ISO 4217, and its tax-inclusive price keeps the tax out of commission",
    body: fixture("checkout-session-completed-jpy"),
    expected: mapped([
      {
        type: "order",
        id: "stripe:pi_3QeC3cLm2nOp3qRs1JpyPay",
        occurredAt: "2025-11-16T10:46:30.000Z",
        visitorId: "v_jp01c4e8a2b6",
        code: "SAKURA",
        customer: { id: "cus_RkW3nO4pQ5rS6t", email: "hanako.yamada@example.jp" },
        items: [{ sku: "checkout", quantity: 1, unitAmount: 4980 }],
        discount: 453,
        shipping: 0,
        tax: 453,
        currency: "JPY",
      },
    ]),
  },
  {
    name: "KWD has three decimals at Stripe and in ISO 4217: 12.500 KWD is 12500",
    body: fixture("checkout-session-completed-kwd"),
    expected: mapped([
      {
        type: "order",
        id: "stripe:pi_3QfD4dLm2nOp3qRs0KwdPay",
        occurredAt: "2025-11-17T10:46:40.000Z",
        visitorId: "v_kw7e2a9c1d4b",
        customer: { email: "fatima@example.com.kw" },
        items: [{ sku: "checkout", quantity: 1, unitAmount: 12500 }],
        discount: 0,
        shipping: 1000,
        tax: 0,
        currency: "KWD",
      },
    ]),
  },
  {
    name: "ISK is two-decimal at Stripe and zero in ISO 4217: 1250000 at Stripe is 12500 kr",
    body: changed(card, {
      currency: "isk",
      amount_subtotal: 1250000,
      amount_total: 1250000,
      ...noSession,
    }),
    expected: mapped([
      {
        ...cardOrder,
        items: [{ sku: "checkout", quantity: 1, unitAmount: 12500 }],
        discount: 0,
        shipping: 0,
        tax: 0,
        currency: "ISK",
      },
    ]),
  },
  {
    name: "UGX is two-decimal at Stripe and zero in ISO 4217",
    body: changed(card, {
      currency: "ugx",
      amount_subtotal: 5000000,
      amount_total: 5000000,
      ...noSession,
    }),
    expected: mapped([
      {
        ...cardOrder,
        items: [{ sku: "checkout", quantity: 1, unitAmount: 50000 }],
        discount: 0,
        shipping: 0,
        tax: 0,
        currency: "UGX",
      },
    ]),
  },
  {
    name: "MGA is zero-decimal at Stripe and two-decimal in ISO 4217: 20000 Ar is 2000000",
    body: changed(card, {
      currency: "mga",
      amount_subtotal: 20000,
      amount_total: 20000,
      ...noSession,
    }),
    expected: mapped([
      {
        ...cardOrder,
        items: [{ sku: "checkout", quantity: 1, unitAmount: 2000000 }],
        discount: 0,
        shipping: 0,
        tax: 0,
        currency: "MGA",
      },
    ]),
  },
  {
    name: "an ISK amount that is not a multiple of 100 is rejected",
    body: changed(card, {
      currency: "isk",
      amount_subtotal: 1250050,
      amount_total: 1250050,
      ...noSession,
    }),
    expected: rejected(
      "data.object.amount_subtotal 1250050 is not a whole amount of ISK: Stripe counts ISK in units of 1/100, which must be multiples of 100",
    ),
  },
  {
    name: 'unknown currency "xyz" is rejected',
    body: changed(card, { currency: "xyz" }),
    expected: rejected('unknown currency "xyz"'),
  },
  {
    name: "tax included in the price is taken off as discount and charged back as tax, so the total is what was charged",
    body: changed(card, {
      amount_subtotal: 12000,
      amount_total: 12000,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 2000 },
    }),
    expected: mapped([
      {
        ...cardOrder,
        items: [{ sku: "checkout", quantity: 1, unitAmount: 12000 }],
        discount: 2000,
        shipping: 0,
        tax: 2000,
      },
    ]),
  },
  {
    name: "a total above the subtotal less discount plus shipping and tax is rejected, not guessed at",
    body: changed(card, { amount_total: 9000 }),
    expected: rejected(
      "amount_total 9000 is more than the items less discounts plus shipping and tax (8276 minor units), and the event does not say what the rest was for",
    ),
  },
  {
    name: "metadata.laurel_vid is the visitor before client_reference_id, which a brand may use for its own ids",
    body: changed(card, { metadata: { laurel_code: "JANE10", laurel_vid: "v_from_metadata" } }),
    expected: mapped([{ ...cardOrder, visitorId: "v_from_metadata" }]),
  },
  {
    name: "an expanded promotion code is the code when metadata names none",
    body: changed(card, {
      metadata: {},
      discounts: [
        {
          coupon: null,
          promotion_code: {
            id: "promo_1QbX7kLm2nOp3qRs",
            object: "promotion_code",
            code: "SPRING",
          },
        },
      ],
    }),
    expected: mapped([{ ...cardOrder, code: "SPRING" }]),
  },
  {
    name: "a promotion code id (promo_…) is not a code",
    body: changed(card, { metadata: {} }),
    expected: mapped([
      {
        type: "order",
        id: cardOrder.id,
        occurredAt: cardOrder.occurredAt,
        visitorId: cardOrder.visitorId,
        customer: cardOrder.customer,
        items: cardOrder.items,
        discount: 800,
        shipping: 500,
        tax: 576,
        currency: "USD",
      },
    ]),
  },
  {
    name: "an email that is not an address is left out of the customer",
    body: changed(card, {
      customer_details: { email: "jenny at example" },
      customer_email: null,
    }),
    expected: mapped([{ ...cardOrder, customer: { id: "cus_RkT4mN2pQ8sV1x" } }]),
  },
  {
    name: "a session without amount_total is rejected",
    body: changed(card, { amount_total: null }),
    expected: rejected("data.object.amount_total is missing"),
  },
  {
    name: 'amount_total "82.76" is not one of Stripe\'s integer amounts',
    body: changed(card, { amount_total: "82.76" }),
    expected: rejected("data.object.amount_total: Invalid input: expected number, received string"),
  },
];

const invoiceRows: Row[] = [
  {
    name: "a paid invoice (API 2025-03-31: parent, pricing, total_taxes) is an order of its lines, attributed by the subscription's metadata",
    body: fixture(newerInvoice),
    expected: mapped([newerInvoiceOrder]),
  },
  {
    name: "a renewal (API 2022-08-01: subscription_details, price, total_tax_amounts) is an order too, so recurring commissions work",
    body: fixture(olderInvoice),
    expected: mapped([olderInvoiceOrder], olderInvoiceLinks),
  },
  {
    name: "3 seats for 100.00 are 2 at 33.33 and 1 at 33.34, so quantity and total stay exact",
    body: withLines(newerInvoice, [{ amount: 10000 }], {
      total_discount_amounts: [],
      amount_paid: 10000,
    }),
    expected: mapped([
      {
        ...newerInvoiceOrder,
        items: [
          { sku: "price_1QaZ3cLm2nOp3qRsTeamSeat", quantity: 2, unitAmount: 3333 },
          { sku: "price_1QaZ3cLm2nOp3qRsTeamSeat", quantity: 1, unitAmount: 3334 },
        ],
        discount: 0,
      },
    ]),
  },
  {
    name: "an invoice with only the older tax field counts it as tax",
    body: changed(olderInvoice, { total_tax_amounts: null }),
    expected: mapped([olderInvoiceOrder], olderInvoiceLinks),
  },
  {
    name: "an invoice that paid nothing is ignored",
    body: changed(newerInvoice, { amount_paid: 0, amount_due: 0 }),
    expected: ignored("nothing was paid"),
  },
  {
    name: "a customer balance that paid part of the invoice is taken off as discount, so only what was charged earns",
    body: changed(olderInvoice, { starting_balance: -1000, amount_due: 9800, amount_paid: 9800 }),
    expected: mapped([{ ...olderInvoiceOrder, discount: 1000 }], olderInvoiceLinks),
  },
  {
    name: "a proration credit line lowers the order as a discount",
    body: withLines(newerInvoice, [{}, { id: "il_credit", amount: -1500, quantity: 1 }], {
      total_discount_amounts: [],
      amount_paid: 4500,
    }),
    expected: mapped([{ ...newerInvoiceOrder, discount: 1500 }]),
  },
  {
    name: "tax included in a line's price is taken off as discount and charged back as tax",
    body: changed(newerInvoice, {
      total_taxes: [
        {
          amount: 900,
          tax_behavior: "inclusive",
          tax_rate_details: { tax_rate: "txr_1QaZ9zLm2nOp3qRsVat20" },
          taxability_reason: "standard_rated",
          taxable_amount: 4500,
          type: "tax_rate_details",
        },
      ],
    }),
    expected: mapped([{ ...newerInvoiceOrder, discount: 1500, tax: 900 }]),
  },
  {
    name: "a line without a price is named by its product, and one without either by the line",
    body: withLines(newerInvoice, [
      { pricing: { price_details: { product: "prod_RkTeamSeat01" }, type: "price_details" } },
      { id: "il_adhoc", amount: 0, quantity: 1, pricing: null },
    ]),
    expected: mapped([
      {
        ...newerInvoiceOrder,
        items: [
          { sku: "prod_RkTeamSeat01", quantity: 3, unitAmount: 2000 },
          { sku: "il_adhoc", quantity: 1, unitAmount: 0 },
        ],
      },
    ]),
  },
  {
    name: "lines the event leaves out (has_more) are the rest of the subtotal as one item",
    body: changed(newerInvoice, {
      lines: {
        ...(objectOf(fixture(newerInvoice)).lines as Json),
        has_more: true,
        total_count: 12,
      },
      subtotal: 9000,
      amount_paid: 8400,
    }),
    expected: mapped([
      {
        ...newerInvoiceOrder,
        items: [
          ...newerInvoiceOrder.items,
          { sku: "unlisted-lines", quantity: 1, unitAmount: 3000 },
        ],
      },
    ]),
  },
  {
    name: "a JPY invoice splits its line in whole yen",
    body: withLines(newerInvoice, [{ amount: 10000, quantity: 3, currency: "jpy" }], {
      currency: "jpy",
      total_discount_amounts: [],
      amount_paid: 10000,
    }),
    expected: mapped([
      {
        ...newerInvoiceOrder,
        items: [
          { sku: "price_1QaZ3cLm2nOp3qRsTeamSeat", quantity: 2, unitAmount: 3333 },
          { sku: "price_1QaZ3cLm2nOp3qRsTeamSeat", quantity: 1, unitAmount: 3334 },
        ],
        discount: 0,
        currency: "JPY",
      },
    ]),
  },
  {
    name: "invoice.paid with a charge in it is rejected for the field that does not fit",
    body: changed(newerInvoice, { object: "charge" }),
    expected: rejected('data.object.object: Invalid input: expected "invoice"'),
  },
];

const refundRows: Row[] = [
  {
    name: "a partial refund (API 2025-03-31) takes back its amount from the payment intent's order",
    body: fixture(newerRefund),
    expected: mapped([
      {
        type: "refund",
        id: "stripe:ch_3QbX8nLm2nOp3qRs1HgIjKlM:refunded:2000",
        orderId: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
        occurredAt: "2025-11-13T09:39:00.000Z",
        amount: 2000,
      },
    ]),
  },
  {
    name: "the refund that empties a charge (API 2022-08-01) takes back everything left of its invoice's order, at the newest refund's time",
    body: fixture(olderRefund),
    expected: mapped([
      {
        type: "refund",
        id: "stripe:ch_3PcR7tLm2nOp3qRs0Renewal:refunded:10800",
        orderId: "stripe:in_1PcR7sLm2nOp3qRsRenewal",
        occurredAt: "2024-07-25T09:33:20.000Z",
      },
    ]),
  },
  {
    name: "each refund is what amount_refunded grew by since previous_attributes",
    body: withPrevious(
      olderRefund,
      {
        amount_refunded: 4000,
        refunded: false,
        refunds: {
          object: "list",
          data: (objectOf(fixture(olderRefund)).refunds as { data: Json[] }).data.slice(1),
          has_more: false,
          total_count: 1,
        },
      },
      { amount_refunded: 0, refunds: { data: [], total_count: 0 } },
    ),
    expected: mapped([
      {
        type: "refund",
        id: "stripe:ch_3PcR7tLm2nOp3qRs0Renewal:refunded:4000",
        orderId: "stripe:in_1PcR7sLm2nOp3qRsRenewal",
        occurredAt: "2024-07-18T10:53:20.000Z",
        amount: 4000,
      },
    ]),
  },
  {
    name: "without previous_attributes the whole amount_refunded is the refund",
    body: withPrevious(newerRefund, {}, undefined),
    expected: mapped([
      {
        type: "refund",
        id: "stripe:ch_3QbX8nLm2nOp3qRs1HgIjKlM:refunded:2000",
        orderId: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
        occurredAt: "2025-11-13T09:39:00.000Z",
        amount: 2000,
      },
    ]),
  },
  {
    name: "a JPY refund is in whole yen",
    body: changed(newerRefund, { currency: "jpy", amount: 4980, amount_refunded: 500 }),
    expected: mapped([
      {
        type: "refund",
        id: "stripe:ch_3QbX8nLm2nOp3qRs1HgIjKlM:refunded:500",
        orderId: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
        occurredAt: "2025-11-13T09:39:00.000Z",
        amount: 500,
      },
    ]),
  },
  {
    name: "a KWD refund keeps its three decimals",
    body: changed(newerRefund, { currency: "kwd", amount: 13500, amount_refunded: 1500 }),
    expected: mapped([
      {
        type: "refund",
        id: "stripe:ch_3QbX8nLm2nOp3qRs1HgIjKlM:refunded:1500",
        orderId: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
        occurredAt: "2025-11-13T09:39:00.000Z",
        amount: 1500,
      },
    ]),
  },
  {
    name: "a charge.refunded that refunds nothing more is ignored",
    body: withPrevious(newerRefund, {}, { amount_refunded: 2000 }),
    expected: ignored("nothing more was refunded"),
  },
  {
    name: "a charge that names neither an invoice nor a payment intent is rejected",
    body: changed(newerRefund, { payment_intent: null }),
    expected: rejected(
      "the charge names neither an invoice nor a payment intent, so the order it refunds is unknown",
    ),
  },
];

const otherRows: Row[] = [
  {
    name: "topic customer.created is not handled",
    body: { ...fixture(card), type: "customer.created" },
    expected: ignored("topic customer.created is not handled"),
  },
  {
    name: "invoice.payment_succeeded is ignored: invoice.paid counts the same invoice",
    body: { ...fixture(newerInvoice), type: "invoice.payment_succeeded" },
    expected: ignored("topic invoice.payment_succeeded is not handled"),
  },
  {
    name: "a body without data is not a Stripe event",
    body: { id: "evt_1", object: "event", type: "invoice.paid" },
    expected: rejected("data: Invalid input: expected object, received undefined"),
  },
];

// Maps the same body twice so that every row also shows the mapping is a pure function of the body.
describe.each([
  ["checkout sessions", checkoutRows],
  ["invoices", invoiceRows],
  ["refunds", refundRows],
  ["other topics", otherRows],
])("stripe.map: %s", (_group, rows) => {
  it.each(rows)("$name", ({ body, expected }) => {
    const mapping = mapBody(body);
    expect(mapping).toEqual(expected);
    expect(mapBody(structuredClone(body))).toEqual(mapping);
    if (mapping.kind === "events")
      for (const event of mapping.events) expect(eventSchema.safeParse(event).success).toBe(true);
  });
});

describe("stripe.map: one order through several topics", () => {
  it("checkout.session.completed and async_payment_succeeded of one paid session are the same event", () => {
    const completed = changed(unpaid, { payment_status: "paid" });
    const succeeded = {
      ...completed,
      id: "evt_other",
      type: "checkout.session.async_payment_succeeded",
    };
    expect(mapBody(succeeded)).toEqual(mapBody(completed));
  });

  it("a subscription's checkout and its first invoice.paid name the same order", () => {
    const fromCheckout = mapBody(fixture(subscription));
    const fromInvoice = mapBody(fixture(newerInvoice));
    const idOf = (mapping: Mapping) => (mapping.kind === "events" ? mapping.events[0]?.id : null);
    expect(idOf(fromCheckout)).toBe(firstInvoiceId);
    expect(idOf(fromInvoice)).toBe(firstInvoiceId);
  });

  it("the newer refund fixture names the order its checkout maps to", () => {
    const order = mapBody(fixture(card));
    const refund = mapBody(fixture(newerRefund));
    expect(order.kind === "events" && order.events[0]?.id).toBe(cardOrder.id);
    expect(refund.kind === "events" && refund.events[0]).toMatchObject({ orderId: cardOrder.id });
  });
});

describe("stripe.topicOf and deliveryIdOf", () => {
  const request = { body: Buffer.from(""), headers: {} };

  it("the topic is the event's type and the delivery id its evt_ id", () => {
    const body = fixture(card);
    expect(stripe.topicOf(request, body)).toBe("checkout.session.completed");
    expect(stripe.deliveryIdOf(request, body)).toBe("evt_1QbX8pLm2nOp3qRsCheckout1");
  });

  it("a body that is not an event has topic unknown and no delivery id", () => {
    expect(stripe.topicOf(request, [1, 2])).toBe("unknown");
    expect(stripe.deliveryIdOf(request, null)).toBeNull();
  });
});

describe("stripe.verify", () => {
  const payload = readFileSync(
    new URL("../fixtures/stripe/checkout-session-completed.json", import.meta.url),
    "utf8",
  );

  it("accepts a delivery signed with the endpoint's secret", () => {
    expect(stripe.verify(signed(payload), SECRET, NOW_MS)).toEqual({ ok: true });
  });

  it("accepts a signature up to 300 s old", () => {
    expect(stripe.verify(signed(payload, NOW_MS - 299_000), SECRET, NOW_MS)).toEqual({ ok: true });
  });

  it("refuses a signature made with another secret", () => {
    const result = stripe.verify(signed(payload, NOW_MS, "whsec_someone_else"), SECRET, NOW_MS);
    expect(result).toEqual({
      ok: false,
      reason:
        "No signatures found matching the expected signature for payload. Are you passing the raw request body you received from Stripe?",
    });
  });

  it("refuses a body changed by one byte after signing", () => {
    const request = signed(payload);
    const body = Buffer.from(request.body);
    const at = body.indexOf('"amount_total": 8276');
    expect(at).toBeGreaterThan(0);
    body[at + '"amount_total": '.length] = "9".charCodeAt(0);
    expect(stripe.verify({ ...request, body }, SECRET, NOW_MS)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^No signatures found matching the expected signature/),
    });
  });

  it("refuses a delivery without a Stripe-Signature header", () => {
    expect(stripe.verify({ body: Buffer.from(payload), headers: {} }, SECRET, NOW_MS)).toEqual({
      ok: false,
      reason:
        "no Stripe-Signature header: Stripe signs every event it sends, so this request did not come from Stripe",
    });
  });

  it("refuses a stale timestamp: a replay more than 300 s after signing", () => {
    expect(stripe.verify(signed(payload, NOW_MS - 301_000), SECRET, NOW_MS)).toEqual({
      ok: false,
      reason: "stale: the timestamp is more than 300 s old",
    });
  });

  it("refuses a header that is not t=…,v1=…", () => {
    const request = { body: Buffer.from(payload), headers: { "stripe-signature": "sha256=abc" } };
    expect(stripe.verify(request, SECRET, NOW_MS)).toEqual({
      ok: false,
      reason: "Unable to extract timestamp and signatures from header",
    });
  });

  it("a signed body that is not JSON verifies; it is refused where it is parsed", () => {
    expect(stripe.verify(signed("not json"), SECRET, NOW_MS)).toEqual({ ok: true });
  });
});
