import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { eventSchema } from "../../src/domain/events.ts";
import type { Mapping, SignedRequest } from "../../src/integrations/delivery.ts";
import { woocommerce } from "../../src/integrations/woocommerce.ts";

type Body = Record<string, unknown>;
type Line = Record<string, unknown>;

const SECRET = "wc_secret_6f1d2a9b4c";

const fixtureText = (name: string): string =>
  readFileSync(new URL(`../fixtures/woocommerce/${name}.json`, import.meta.url), "utf8");

const fixture = (name: string): Body => JSON.parse(fixtureText(name)) as Body;

/** A fixture with some of its fields changed, as another shop or order would send it. */
function modified(name: string, change: (body: Body, lines: Line[]) => void): Body {
  const body = fixture(name);
  change(body, body.line_items as Line[]);
  return body;
}

/** WooCommerce's signature: the base64 HMAC-SHA256 of the raw body with the webhook's secret. */
const sign = (body: string | Buffer, secret = SECRET): string =>
  createHmac("sha256", secret).update(body).digest("base64");

/** A delivery with the headers WC_Webhook::deliver sends. */
function delivery(body: string, topic = "order.created", secret = SECRET): SignedRequest {
  return {
    body: Buffer.from(body, "utf8"),
    headers: {
      "content-type": "application/json",
      "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
      "x-wc-webhook-source": "https://shop.example.com/",
      "x-wc-webhook-topic": topic,
      "x-wc-webhook-resource": topic.split(".")[0],
      "x-wc-webhook-event": topic.split(".")[1],
      "x-wc-webhook-signature": sign(body, secret),
      "x-wc-webhook-id": "12",
      "x-wc-webhook-delivery-id": "8c7d3e0f5b2a41e6a9d4c1f07e3b5a92",
    },
  };
}

const MARIA_ORDER = {
  type: "order",
  id: "woocommerce:order:4180",
  occurredAt: "2026-11-20T10:00:00.000Z",
  customer: { id: "17", email: "maria.jensen@example.com" },
  code: "maria10",
  visitorId: "vis_9f2c41d7",
  ip: "203.0.113.24",
  items: [
    { sku: "product:93", quantity: 2, unitAmount: 1500 },
    { sku: "TOTE-BLK", quantity: 1, unitAmount: 666 },
    { sku: "TOTE-BLK", quantity: 2, unitAmount: 667 },
  ],
  discount: 500,
  shipping: 1000,
  tax: 440,
  currency: "USD",
};

const refundOf4180 = (refundId: number, amount: number) => ({
  type: "refund",
  id: `woocommerce:refund:${refundId}`,
  orderId: "woocommerce:order:4180",
  occurredAt: "2026-11-20T10:00:00.000Z",
  amount,
});

const WHOLE_REFUND_OF_4180 = {
  type: "refund",
  id: "woocommerce:order:4180:refunded",
  orderId: "woocommerce:order:4180",
  occurredAt: "2026-11-20T10:00:00.000Z",
};

const HARUTO_ORDER = {
  type: "order",
  id: "woocommerce:order:5120",
  occurredAt: "2026-11-21T03:15:42.000Z",
  customer: { email: "haruto.sato@example.jp" },
  visitorId: "vis_51d0c3e8",
  ip: "2001:db8:85a3::8a2e:370:7334",
  items: [
    { sku: "TENUGUI", quantity: 1, unitAmount: 142 },
    { sku: "TENUGUI", quantity: 6, unitAmount: 143 },
    { sku: "FUROSHIKI", quantity: 1, unitAmount: 2500 },
  ],
  discount: 0,
  shipping: 500,
  tax: 350,
  currency: "JPY",
};

const FATIMA_ORDER = {
  type: "order",
  id: "woocommerce:order:6200",
  occurredAt: "2026-11-21T17:40:03.000Z",
  customer: { id: "58", email: "fatima.alsabah@example.com.kw" },
  visitorId: "vis_c4a1f09b",
  ip: "192.0.2.61",
  items: [{ sku: "OUD-30ML", quantity: 1, unitAmount: 12345 }],
  discount: 0,
  shipping: 0,
  tax: 0,
  currency: "KWD",
};

const events = (...list: unknown[]): Mapping => ({ kind: "events", events: list }) as Mapping;
const ignoredBecause = (reason: string): Mapping => ({ kind: "ignored", reason });
const rejectedBecause = (reason: string): Mapping => ({ kind: "rejected", reason });

const withoutKey = <T extends Body>(value: T, key: string): Body =>
  Object.fromEntries(Object.entries(value).filter(([k]) => k !== key));

describe("WooCommerce order deliveries as Laurel events", () => {
  it.each<[string, string, Body, Mapping]>([
    [
      "order.created processing with a coupon, a visitor id, a line without a SKU, shipping and tax is the order",
      "order.created",
      fixture("order-created-processing"),
      events(MARIA_ORDER),
    ],
    [
      "the same order through order.updated as completed is the same event, so it counts once",
      "order.updated",
      fixture("order-updated-completed"),
      events(MARIA_ORDER),
    ],
    [
      "a partial refund of 6.00 is the order and a refund of 600 by amount",
      "order.updated",
      fixture("order-updated-partial-refund"),
      events(MARIA_ORDER, refundOf4180(4190, 600)),
    ],
    [
      "status refunded with refunds adding up to the total is those refunds, oldest first",
      "order.updated",
      fixture("order-updated-refunded"),
      events(refundOf4180(4190, 600), refundOf4180(4195, 5340)),
    ],
    [
      "status refunded with no refunds recorded is a whole refund",
      "order.updated",
      modified("order-updated-refunded", (body) => {
        body.refunds = [];
      }),
      events(WHOLE_REFUND_OF_4180),
    ],
    [
      "status refunded with only part refunded is the refunds and a whole refund of the rest",
      "order.updated",
      modified("order-updated-refunded", (body) => {
        body.refunds = [{ id: 4190, reason: "Tote arrived torn", total: "-6.00" }];
      }),
      events(refundOf4180(4190, 600), WHOLE_REFUND_OF_4180),
    ],
    [
      "a refund of -0.00 (items restocked, no money back) takes nothing back and is left out",
      "order.updated",
      modified("order-updated-partial-refund", (body) => {
        body.refunds = [{ id: 4191, reason: "Restock only", total: "-0.00" }];
      }),
      events(MARIA_ORDER),
    ],
    [
      "status pending: an order counts once it is processing or completed",
      "order.created",
      fixture("order-created-pending"),
      ignoredBecause("status pending: an order counts once it is processing or completed"),
    ],
    [
      "topic product.updated is not handled",
      "product.updated",
      { id: 93, name: "Linen Shirt", sku: "" },
      ignoredBecause("topic product.updated is not handled"),
    ],
    [
      "topic order.deleted is not handled (its body is only the id)",
      "order.deleted",
      { id: 4180 },
      ignoredBecause("topic order.deleted is not handled"),
    ],
    [
      "JPY, with no minor unit: 1000 over 7 units is 1 at 142 and 6 at 143; a guest has only an email; _laurel_vid is the visitor id",
      "order.created",
      fixture("order-created-jpy"),
      events(HARUTO_ORDER),
    ],
    [
      'a yen shop set to show two decimals ("1000.00") sends the same yen',
      "order.created",
      modified("order-created-jpy", (body, lines) => {
        for (const key of ["discount_total", "shipping_total", "total_tax", "total"])
          body[key] = `${String(body[key])}.00`;
        for (const line of lines) line.subtotal = `${String(line.subtotal)}.00`;
      }),
      events(HARUTO_ORDER),
    ],
    [
      'KWD, with three decimals: "12.345" is 12345 fils',
      "order.created",
      fixture("order-created-kwd"),
      events(FATIMA_ORDER),
    ],
    [
      'KWD "12.3456" has more decimals than the dinar has',
      "order.created",
      modified("order-created-kwd", (_body, lines) => {
        (lines[0] as Line).subtotal = "12.3456";
      }),
      rejectedBecause(`line_items[0].subtotal "12.3456" has more decimals than the currency's 3`),
    ],
    [
      'unknown currency "XYZ"',
      "order.created",
      modified("order-created-processing", (body) => {
        body.currency = "XYZ";
      }),
      rejectedBecause('unknown currency "XYZ"'),
    ],
    [
      "the order has no line items",
      "order.created",
      modified("order-created-processing", (body) => {
        body.line_items = [];
      }),
      rejectedBecause("the order has no line items"),
    ],
    [
      'line_items[1].subtotal "abc" is not a decimal amount',
      "order.created",
      modified("order-created-processing", (_body, lines) => {
        (lines[1] as Line).subtotal = "abc";
      }),
      rejectedBecause('line_items[1].subtotal "abc" is not a non-negative decimal amount'),
    ],
    [
      "a line of 0 units is refused",
      "order.created",
      modified("order-created-processing", (_body, lines) => {
        (lines[0] as Line).quantity = 0;
      }),
      rejectedBecause("line_items[0].quantity 0 is not a positive number of units"),
    ],
    [
      "a total that is not items − discount + shipping + tax (a fee line) is refused with the figures",
      "order.created",
      modified("order-created-processing", (body) => {
        body.fee_lines = [{ id: 330, name: "Gift wrap", total: "2.00", total_tax: "0.00" }];
        body.total = "61.40";
      }),
      rejectedBecause(
        "total 61.40 is not the line items' subtotals 50.00 − discount_total 5.00 + " +
          "shipping_total 10.00 + total_tax 4.40 = 59.40; its 1 fee line(s) are not counted",
      ),
    ],
    [
      "a line whose product was deleted (sku null) is its variation",
      "order.created",
      modified("order-created-processing", (_body, lines) => {
        (lines[1] as Line).sku = null;
      }),
      events({
        ...MARIA_ORDER,
        items: [
          { sku: "product:93", quantity: 2, unitAmount: 1500 },
          { sku: "variation:23", quantity: 1, unitAmount: 666 },
          { sku: "variation:23", quantity: 2, unitAmount: 667 },
        ],
      }),
    ],
    [
      "a guest with no usable email and no IP address is an order without customer or ip",
      "order.created",
      modified("order-created-processing", (body) => {
        body.customer_id = 0;
        (body.billing as Body).email = "maria at example";
        body.customer_ip_address = "";
      }),
      events(withoutKey(withoutKey(MARIA_ORDER, "customer"), "ip")),
    ],
    [
      "laurel_vid wins over _laurel_vid, and an order without a coupon has no code",
      "order.created",
      modified("order-created-processing", (body) => {
        body.coupon_lines = [];
        body.discount_total = "0.00";
        body.total = "64.40";
        body.meta_data = [
          { id: 9004, key: "_laurel_vid", value: "vis_older" },
          { id: 9001, key: "laurel_vid", value: "vis_9f2c41d7" },
        ];
      }),
      events({ ...withoutKey(MARIA_ORDER, "code"), discount: 0 }),
    ],
    [
      "an order with no date_created_gmt is refused",
      "order.created",
      modified("order-created-processing", (body) => {
        body.date_created_gmt = null;
      }),
      rejectedBecause("date_created_gmt null is not a date"),
    ],
    [
      "a body that is not an order is refused",
      "order.created",
      { id: 4180 },
      rejectedBecause(
        "the body is not a WooCommerce order: status: Invalid input: expected string, received undefined",
      ),
    ],
  ])("%s", (_name, topic, body, expected) => {
    expect(woocommerce.map(topic, body)).toEqual(expected);
  });

  it.each(["on-hold", "failed", "cancelled", "draft", "checkout-draft", "trash"])(
    "status %s earns nothing",
    (status) => {
      const body = modified("order-created-pending", (b) => {
        b.status = status;
      });
      expect(woocommerce.map("order.updated", body)).toEqual(
        ignoredBecause(`status ${status}: an order counts once it is processing or completed`),
      );
    },
  );

  it("maps order 4180 to the same id and content from every delivery that carries it", () => {
    // Laurel dedupes by event id and calls other content under the same id a conflict.
    const orderOf = (name: string) => {
      const mapping = woocommerce.map("order.updated", fixture(name));
      return mapping.kind === "events" ? mapping.events[0] : mapping;
    };
    const first = orderOf("order-created-processing");
    expect(orderOf("order-updated-completed")).toEqual(first);
    expect(orderOf("order-updated-partial-refund")).toEqual(first);
  });

  it.each([
    "order-created-processing",
    "order-updated-partial-refund",
    "order-updated-refunded",
    "order-created-jpy",
    "order-created-kwd",
  ])("maps %s to events POST /events takes as they are", (name) => {
    const mapping = woocommerce.map("order.updated", fixture(name));
    if (mapping.kind !== "events") throw new Error(`${name} did not map to events`);
    for (const event of mapping.events) expect(eventSchema.safeParse(event).error).toBeUndefined();
  });

  it("maps refund 4190 to the same content before and after the order is marked refunded", () => {
    const refundOf = (name: string) => {
      const mapping = woocommerce.map("order.updated", fixture(name));
      if (mapping.kind !== "events") return mapping;
      return mapping.events.find((e) => e.id === "woocommerce:refund:4190");
    };
    expect(refundOf("order-updated-refunded")).toEqual(refundOf("order-updated-partial-refund"));
  });
});

describe("WooCommerce signatures", () => {
  const body = fixtureText("order-created-processing");

  it("accepts a delivery signed with the webhook's secret", () => {
    expect(woocommerce.verify(delivery(body), SECRET, Date.now())).toEqual({ ok: true });
  });

  it("refuses a delivery signed with another secret", () => {
    const result = woocommerce.verify(delivery(body, "order.created", "another"), SECRET, 0);
    expect(result.ok).toBe(false);
  });

  it("refuses a body changed by one byte after it was signed", () => {
    const signed = delivery(body);
    const tampered = Buffer.from(signed.body);
    tampered[tampered.indexOf("59.40")] = "6".charCodeAt(0);
    expect(woocommerce.verify({ ...signed, body: tampered }, SECRET, 0).ok).toBe(false);
  });

  it("refuses a signature of another length without throwing", () => {
    const signed = delivery(body);
    const short = { ...signed, headers: { ...signed.headers, "x-wc-webhook-signature": "abc" } };
    expect(woocommerce.verify(short, SECRET, 0).ok).toBe(false);
  });

  it("names the missing X-WC-Webhook-Signature header", () => {
    const signed = delivery(body);
    const unsigned = {
      ...signed,
      headers: { ...signed.headers, "x-wc-webhook-signature": undefined },
    };
    const result = woocommerce.verify(unsigned, SECRET, 0);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^no X-WC-Webhook-Signature header: /);
  });
});

describe("WooCommerce delivery headers", () => {
  const body = fixtureText("order-created-processing");

  it("takes the topic from X-WC-Webhook-Topic", () => {
    expect(woocommerce.topicOf(delivery(body, "order.updated"), JSON.parse(body))).toBe(
      "order.updated",
    );
  });

  it("knows the same bytes delivered again by their delivery id", () => {
    const id = woocommerce.deliveryIdOf(delivery(body), JSON.parse(body));
    expect(id).toMatch(/^8c7d3e0f5b2a41e6a9d4c1f07e3b5a92:[0-9a-f]{16}$/);
    expect(woocommerce.deliveryIdOf(delivery(body), JSON.parse(body))).toBe(id);
  });

  it("tells apart two orders delivered in the same second, which share WooCommerce's delivery id", () => {
    // WooCommerce hashes the webhook id with the current second, so a bulk status change sends many deliveries under one id.
    const other = fixtureText("order-created-jpy");
    expect(woocommerce.deliveryIdOf(delivery(other), JSON.parse(other))).not.toBe(
      woocommerce.deliveryIdOf(delivery(body), JSON.parse(body)),
    );
  });

  it("has no delivery id without X-WC-Webhook-Delivery-ID", () => {
    const signed = delivery(body);
    const request = {
      ...signed,
      headers: { ...signed.headers, "x-wc-webhook-delivery-id": undefined },
    };
    expect(woocommerce.deliveryIdOf(request, JSON.parse(body))).toBeNull();
  });
});

describe("the ping WooCommerce sends when a webhook is saved", () => {
  const form = (text: string, headers: Record<string, string> = {}): SignedRequest => ({
    body: Buffer.from(text),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  });

  it("is the unsigned form webhook_id=12", () => {
    expect(woocommerce.isPing?.(form("webhook_id=12"))).toBe(true);
  });

  it.each<[string, SignedRequest]>([
    ["a signed order", delivery(fixtureText("order-created-processing"))],
    ["a form with more fields", form("webhook_id=12&status=active")],
    ["the same text sent as JSON", form("webhook_id=12", { "content-type": "application/json" })],
    ["the form with a signature", form("webhook_id=12", { "x-wc-webhook-signature": "c2ln" })],
  ])("is not %s", (_name, request) => {
    expect(woocommerce.isPing?.(request)).toBe(false);
  });
});
