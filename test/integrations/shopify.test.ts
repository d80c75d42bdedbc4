import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { currencyExponent, decimalToMinor } from "../../src/domain/currency.ts";
import { eventSchema, type EventInput } from "../../src/domain/events.ts";
import {
  ignored,
  mapped,
  rejected,
  type Mapping,
  type SignedRequest,
} from "../../src/integrations/delivery.ts";
import { shopify } from "../../src/integrations/shopify.ts";

type Fixture =
  | "orders-create"
  | "orders-paid"
  | "orders-cancelled"
  | "refunds-create"
  | "orders-create-jpy"
  | "orders-create-kwd";

/** A delivery's body exactly as Shopify sent it, from test/fixtures/shopify. */
const fixtureText = (name: Fixture): string =>
  readFileSync(new URL(`../fixtures/shopify/${name}.json`, import.meta.url), "utf8");

const fixture = (name: Fixture): unknown => JSON.parse(fixtureText(name));

/**
 * A fixture with some fields changed, each named by its dotted path
 * (`line_items.1.sku`); `undefined` removes the field.
 */
function edited(name: Fixture, changes: Record<string, unknown>): unknown {
  const body = fixture(name);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split(".");
    const last = keys.pop() ?? "";
    let node = body as Record<string, unknown>;
    for (const key of keys) node = node[key] as Record<string, unknown>;
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return body;
}

/** Shopify's signature: base64 of the HMAC-SHA256 of the raw body with the webhook secret. */
const signatureOf = (body: string | Buffer, secret: string): string =>
  createHmac("sha256", secret).update(body).digest("base64");

const SECRET = "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";

function delivery(
  body: string,
  headers: Record<string, string | undefined> = {},
  secret = SECRET,
): SignedRequest {
  return {
    body: Buffer.from(body),
    headers: {
      "x-shopify-hmac-sha256": signatureOf(body, secret),
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": "laurel-goods.myshopify.com",
      "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
      "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      "x-shopify-api-version": "2026-10",
      "x-shopify-triggered-at": "2026-11-20T10:00:01.123456789Z",
      ...headers,
    },
  };
}

const usdOrder: EventInput = {
  type: "order",
  id: "shopify:order:6310247993426",
  occurredAt: "2026-11-20T10:00:00.000Z",
  customer: { id: "8094839668810", email: "mara.lindqvist@example.com" },
  code: "ANA-SUMMER10",
  visitorId: "vis_01JX8Q2K4N7T3W5Y9B6C0D1E2F",
  ip: "203.0.113.24",
  items: [
    { sku: "LAUREL-TEE-BLK-M", quantity: 2, unitAmount: 2450 },
    { sku: "variant:47012345711698", quantity: 1, unitAmount: 3500 },
  ],
  // The code's 10% on the lines; the shipping line's own 5.00 off stays with shipping.
  discount: 840,
  shipping: 500,
  tax: 645,
  currency: "USD",
};

const withOrder = (fields: Record<string, unknown>): EventInput =>
  ({ ...usdOrder, ...fields }) as EventInput;

const withoutKey = (key: string): EventInput =>
  Object.fromEntries(Object.entries(usdOrder).filter(([k]) => k !== key)) as EventInput;

const giftCardLine = {
  id: 15811734765650,
  admin_graphql_api_id: "gid://shopify/LineItem/15811734765650",
  fulfillable_quantity: 1,
  fulfillment_service: "gift_card",
  gift_card: true,
  grams: 0,
  name: "Laurel Goods Gift Card - $50",
  price: "50.00",
  price_set: {
    shop_money: { amount: "50.00", currency_code: "USD" },
    presentment_money: { amount: "68.00", currency_code: "CAD" },
  },
  product_id: 8801234764498,
  quantity: 1,
  requires_shipping: false,
  sku: "",
  taxable: false,
  title: "Laurel Goods Gift Card",
  variant_id: 47012345842770,
  tax_lines: [],
  duties: [],
  discount_allocations: [],
};

interface Row {
  readonly name: string;
  readonly topic: string;
  readonly body: unknown;
  readonly expected: Mapping;
}

const orderRows: Row[] = [
  {
    name: "orders/create: the shop's prices, the lines' discounts, discounted shipping, tax, the code, the visitor and the customer",
    topic: "orders/create",
    body: fixture("orders-create"),
    expected: mapped([usdOrder]),
  },
  {
    name: "orders/paid: the same order maps to the same event, so whichever topic comes second is a duplicate",
    topic: "orders/paid",
    body: fixture("orders-paid"),
    expected: mapped([usdOrder]),
  },
  {
    name: "a line with an empty sku is named by its variant",
    topic: "orders/create",
    body: fixture("orders-create"),
    expected: mapped([usdOrder]),
  },
  {
    name: "a line with no sku and no variant is named by its product",
    topic: "orders/create",
    body: edited("orders-create", { "line_items.1.variant_id": null }),
    expected: mapped([
      withOrder({
        items: [
          { sku: "LAUREL-TEE-BLK-M", quantity: 2, unitAmount: 2450 },
          { sku: "product:8801234600658", quantity: 1, unitAmount: 3500 },
        ],
      }),
    ]),
  },
  {
    name: "a custom line with no sku, variant or product is named by the line itself",
    topic: "orders/create",
    body: edited("orders-create", {
      "line_items.1.sku": null,
      "line_items.1.variant_id": null,
      "line_items.1.product_id": null,
    }),
    expected: mapped([
      withOrder({
        items: [
          { sku: "LAUREL-TEE-BLK-M", quantity: 2, unitAmount: 2450 },
          { sku: "line:15811734601810", quantity: 1, unitAmount: 3500 },
        ],
      }),
    ]),
  },
  {
    name: "price_set.shop_money is read before the plain price, and never presentment_money",
    topic: "orders/create",
    body: edited("orders-create", { "line_items.0.price": "99.99" }),
    expected: mapped([usdOrder]),
  },
  {
    name: "without price_set, the plain decimal price is read",
    topic: "orders/create",
    body: edited("orders-create", {
      "line_items.0.price": "25.00",
      "line_items.0.price_set": undefined,
    }),
    expected: mapped([
      withOrder({
        items: [
          { sku: "LAUREL-TEE-BLK-M", quantity: 2, unitAmount: 2500 },
          { sku: "variant:47012345711698", quantity: 1, unitAmount: 3500 },
        ],
      }),
    ]),
  },
  {
    name: "without discount_allocations on the lines, total_discounts is the discount",
    topic: "orders/create",
    body: edited("orders-create", {
      "line_items.0.discount_allocations": undefined,
      "line_items.1.discount_allocations": undefined,
      "shipping_lines.0.discount_allocations": undefined,
    }),
    expected: mapped([withOrder({ discount: 1340, shipping: 1000 })]),
  },
  {
    name: "without shipping_lines, total_shipping_price_set is the shipping",
    topic: "orders/create",
    body: edited("orders-create", { shipping_lines: undefined }),
    expected: mapped([withOrder({ shipping: 1000 })]),
  },
  {
    name: "test order",
    topic: "orders/create",
    body: edited("orders-create", { test: true }),
    expected: ignored("test order"),
  },
  {
    name: "a gift card line is left out: it is money to spend, not a sale",
    topic: "orders/paid",
    body: edited("orders-paid", { "line_items.2": giftCardLine }),
    expected: mapped([usdOrder]),
  },
  {
    name: "an order of only gift cards is ignored",
    topic: "orders/paid",
    body: edited("orders-paid", {
      line_items: [giftCardLine],
      shipping_lines: [],
      total_tax: "0.00",
      total_tax_set: undefined,
    }),
    expected: ignored("the order holds only gift cards, which are money to spend, not a sale"),
  },
  {
    name: "the order has no line items",
    topic: "orders/create",
    body: edited("orders-create", { line_items: [] }),
    expected: rejected("the order has no line items"),
  },
  {
    name: 'unknown currency "XYZ"',
    topic: "orders/create",
    body: edited("orders-create", { currency: "XYZ" }),
    expected: rejected('unknown currency "XYZ"'),
  },
  {
    name: 'line_items[1].price "abc" is not a decimal amount',
    topic: "orders/create",
    body: edited("orders-create", {
      "line_items.1.price": "abc",
      "line_items.1.price_set": undefined,
    }),
    expected: rejected('line_items[1].price "abc" is not a non-negative decimal amount'),
  },
  {
    name: "a bad shop_money amount is named by its own path",
    topic: "orders/create",
    body: edited("orders-create", { "line_items.1.price_set.shop_money.amount": "35,00" }),
    expected: rejected(
      'line_items[1].price_set.shop_money.amount "35,00" is not a non-negative decimal amount',
    ),
  },
  {
    name: "a field of the wrong type is named by its path",
    topic: "orders/create",
    body: edited("orders-create", { "line_items.0.quantity": "2" }),
    expected: rejected("line_items[0].quantity: Invalid input: expected number, received string"),
  },
  {
    name: "a body that is not an order",
    topic: "orders/create",
    body: null,
    expected: rejected("the body: Invalid input: expected object, received null"),
  },
  {
    name: 'created_at "yesterday" is not a date and time',
    topic: "orders/create",
    body: edited("orders-create", { created_at: "yesterday" }),
    expected: rejected('created_at "yesterday" is not a date and time'),
  },
  {
    name: "an email that is not an address is left out; the customer id stays",
    topic: "orders/create",
    body: edited("orders-create", {
      email: "mara at example",
      "customer.email": "",
      contact_email: null,
    }),
    expected: mapped([withOrder({ customer: { id: "8094839668810" } })]),
  },
  {
    name: "a guest checkout's contact_email is the customer",
    topic: "orders/create",
    body: edited("orders-create", { customer: null, email: "" }),
    expected: mapped([withOrder({ customer: { email: "mara.lindqvist@example.com" } })]),
  },
  {
    name: "an order without a laurel_vid note attribute has no visitor",
    topic: "orders/create",
    body: edited("orders-create", { "note_attributes.1": { name: "gift_wrap", value: "yes" } }),
    expected: mapped([withoutKey("visitorId")]),
  },
  {
    name: "client_details.browser_ip is the IP when browser_ip is absent",
    topic: "orders/create",
    body: edited("orders-create", {
      browser_ip: undefined,
      "client_details.browser_ip": "198.51.100.9",
    }),
    expected: mapped([withOrder({ ip: "198.51.100.9" })]),
  },
  {
    name: 'JPY with tax-inclusive prices: "2500" and "2500.0" are 2500 yen, and the lines\' tax is taken off and charged as tax',
    topic: "orders/paid",
    body: fixture("orders-create-jpy"),
    expected: mapped([
      {
        type: "order",
        id: "shopify:order:6310248026194",
        occurredAt: "2026-11-21T09:30:00.000Z",
        customer: { id: "8094839701578", email: "haruto.sato@example.jp" },
        ip: "198.51.100.7",
        items: [
          { sku: "MATCHA-100G", quantity: 3, unitAmount: 2500 },
          { sku: "product:8801234666194", quantity: 1, unitAmount: 1200 },
        ],
        discount: 791,
        shipping: 800,
        tax: 791,
        currency: "JPY",
      },
    ]),
  },
  {
    name: 'JPY "2500.5" has more decimals than the yen has',
    topic: "orders/paid",
    body: edited("orders-create-jpy", { "line_items.0.price_set.shop_money.amount": "2500.5" }),
    expected: rejected(
      'line_items[0].price_set.shop_money.amount "2500.5" has more decimals than the currency\'s 0',
    ),
  },
  {
    name: 'KWD "12.345" is 12345 fils',
    topic: "orders/create",
    body: fixture("orders-create-kwd"),
    expected: mapped([
      {
        type: "order",
        id: "shopify:order:6310248058962",
        occurredAt: "2026-11-22T11:05:00.000Z",
        customer: { id: "8094839734346", email: "layla.alsabah@example.com" },
        code: "LAYLA",
        ip: "192.0.2.55",
        items: [
          { sku: "OUD-CANDLE", quantity: 2, unitAmount: 12345 },
          { sku: "SNUFFER-BR", quantity: 1, unitAmount: 7500 },
        ],
        discount: 3219,
        shipping: 1250,
        tax: 0,
        currency: "KWD",
      },
    ]),
  },
];

const refundRows: Row[] = [
  {
    name: "refunds/create: the units returned, named as the order names its lines",
    topic: "refunds/create",
    body: fixture("refunds-create"),
    expected: mapped([
      {
        type: "refund",
        id: "shopify:refund:1009876543210",
        orderId: "shopify:order:6310247993426",
        occurredAt: "2026-11-22T14:15:00.000Z",
        items: [
          { sku: "LAUREL-TEE-BLK-M", quantity: 1 },
          { sku: "variant:47012345711698", quantity: 1 },
        ],
      },
    ]),
  },
  {
    name: "refunds no line items: shipping or an adjustment earns no commission",
    topic: "refunds/create",
    body: edited("refunds-create", {
      refund_line_items: [],
      order_adjustments: [
        {
          id: 335599927644,
          amount: "-5.00",
          amount_set: {
            shop_money: { amount: "-5.00", currency_code: "USD" },
            presentment_money: { amount: "-6.80", currency_code: "CAD" },
          },
          kind: "shipping_refund",
          order_id: 6310247993426,
          reason: "Shipping refund",
          refund_id: 1009876543210,
          tax_amount: "-0.40",
        },
      ],
    }),
    expected: ignored("refunds no line items: shipping or an adjustment earns no commission"),
  },
  {
    name: "a refund of gift cards only earns back nothing",
    topic: "refunds/create",
    body: edited("refunds-create", {
      "refund_line_items.0.line_item.gift_card": true,
      "refund_line_items.1.line_item.gift_card": true,
    }),
    expected: ignored("refunds only gift cards, which earn no commission"),
  },
  {
    name: "a refund through a test gateway is a test refund",
    topic: "refunds/create",
    body: edited("refunds-create", { "transactions.0.test": true }),
    expected: ignored("test refund"),
  },
  {
    name: "orders/cancelled: the whole order refunded, at cancelled_at",
    topic: "orders/cancelled",
    body: fixture("orders-cancelled"),
    expected: mapped([
      {
        type: "refund",
        id: "shopify:order:6310247993426:cancelled",
        orderId: "shopify:order:6310247993426",
        occurredAt: "2026-11-23T13:45:10.000Z",
      },
    ]),
  },
  {
    name: "a cancelled test order is ignored",
    topic: "orders/cancelled",
    body: edited("orders-cancelled", { test: true }),
    expected: ignored("test order"),
  },
  {
    name: "a cancelled order of only gift cards is ignored, as the order was",
    topic: "orders/cancelled",
    body: edited("orders-cancelled", { line_items: [giftCardLine] }),
    expected: ignored("the order holds only gift cards, which are money to spend, not a sale"),
  },
  {
    name: "topic products/update is not handled",
    topic: "products/update",
    body: { id: 8801234567890, title: "Laurel Tee" },
    expected: ignored("topic products/update is not handled"),
  },
];

describe("shopify.map: orders", () => {
  it.each(orderRows)("$name", ({ topic, body, expected }) => {
    expect(shopify.map(topic, body)).toEqual(expected);
  });
});

describe("shopify.map: refunds, cancellations and other topics", () => {
  it.each(refundRows)("$name", ({ topic, body, expected }) => {
    expect(shopify.map(topic, body)).toEqual(expected);
  });
});

describe("what the mapping keeps true", () => {
  const orderFixtures: Fixture[] = [
    "orders-create",
    "orders-paid",
    "orders-create-jpy",
    "orders-create-kwd",
  ];

  it("every event a fixture maps to is one Laurel takes as it is", () => {
    const cases: [string, Fixture][] = [
      ...orderFixtures.map((f): [string, Fixture] => ["orders/create", f]),
      ["refunds/create", "refunds-create"],
      ["orders/cancelled", "orders-cancelled"],
    ];
    for (const [topic, name] of cases) {
      const mapping = shopify.map(topic, fixture(name));
      if (mapping.kind !== "events") throw new Error(`${name} did not map: ${mapping.reason}`);
      for (const event of mapping.events) expect(eventSchema.parse(event)).toEqual(event);
    }
  });

  // Commissions are computed on items less discount; the rest of the total
  // must still be what Shopify charged, or reports and refund shares drift.
  it.each(orderFixtures)(
    "items − discount + shipping + tax is what %s charged the customer",
    (name) => {
      const body = fixture(name) as {
        currency: string;
        total_price_set: { shop_money: { amount: string } };
      };
      const mapping = shopify.map("orders/paid", body);
      const order = mapping.kind === "events" ? mapping.events[0] : undefined;
      if (order?.type !== "order") throw new Error(`${name} did not map to an order`);
      const charged = decimalToMinor(
        body.total_price_set.shop_money.amount,
        currencyExponent(body.currency) ?? 2,
      );
      const itemsMinor = order.items.reduce((sum, i) => sum + i.quantity * i.unitAmount, 0);
      expect(itemsMinor - (order.discount ?? 0) + (order.shipping ?? 0) + (order.tax ?? 0)).toBe(
        charged.ok ? charged.minor : Number.NaN,
      );
    },
  );

  it("names a refunded line exactly as its order did, so the refund finds its units", () => {
    const order = shopify.map("orders/create", fixture("orders-create"));
    const refund = shopify.map("refunds/create", fixture("refunds-create"));
    const skus = (m: Mapping) =>
      m.kind === "events"
        ? m.events.flatMap((e) =>
            e.type === "order" || e.type === "refund" ? (e.items ?? []).map((i) => i.sku) : [],
          )
        : [];
    expect(skus(order)).toEqual(skus(refund));
  });
});

describe("shopify.verify", () => {
  const body = fixtureText("orders-create");

  it("accepts the body Shopify signed with the shop's secret", () => {
    expect(shopify.verify(delivery(body), SECRET, Date.now())).toEqual({ ok: true });
  });

  it("refuses a signature made with another secret", () => {
    const result = shopify.verify(delivery(body, {}, "another-shops-secret"), SECRET, Date.now());
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("does not match") });
  });

  it("refuses a body changed by one byte after it was signed", () => {
    const signed = delivery(body);
    const changed = Buffer.from(signed.body);
    changed[changed.indexOf("24.50")] = "3".charCodeAt(0);
    const result = shopify.verify({ ...signed, body: changed }, SECRET, Date.now());
    expect(result).toMatchObject({ ok: false });
  });

  it("refuses a request without X-Shopify-Hmac-Sha256, saying so", () => {
    const result = shopify.verify(
      delivery(body, { "x-shopify-hmac-sha256": undefined }),
      SECRET,
      Date.now(),
    );
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/^no X-Shopify-Hmac-Sha256 header: /),
    });
  });

  it("refuses a signature of another length without throwing", () => {
    for (const header of ["c2hvcnQ=", "not base64 at all!", signatureOf(body, SECRET) + "AA"])
      expect(
        shopify.verify(delivery(body, { "x-shopify-hmac-sha256": header }), SECRET, Date.now()),
      ).toMatchObject({ ok: false });
  });
});

describe("shopify headers", () => {
  const request = delivery("{}");

  it("reads the topic and the shop from X-Shopify-Topic and X-Shopify-Shop-Domain", () => {
    expect(shopify.topicOf(request, {})).toBe("orders/create");
    expect(shopify.shopOf?.(request)).toBe("laurel-goods.myshopify.com");
  });

  it("knows a redelivery by X-Shopify-Event-Id, else X-Shopify-Webhook-Id", () => {
    expect(shopify.deliveryIdOf(request, {})).toBe("98880550-7158-44d4-b7cd-2c97c8a091b5");
    const older = delivery("{}", { "x-shopify-event-id": undefined });
    expect(shopify.deliveryIdOf(older, {})).toBe("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    const neither = delivery("{}", {
      "x-shopify-event-id": undefined,
      "x-shopify-webhook-id": undefined,
    });
    expect(shopify.deliveryIdOf(neither, {})).toBeNull();
  });
});
