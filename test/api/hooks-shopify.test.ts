import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  expectError,
  expectStatus,
  only,
  RawBody,
  useApi,
  type Api,
  type Reply,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import {
  balances,
  bookedAsLaurelEvents,
  setUpStore,
  type ConnectedStore,
  type DeliveryBody,
} from "../support/store-hooks.ts";

const SECRET = "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";
const SHOP = "laurel-goods.myshopify.com";

type Fixture =
  | "orders-create"
  | "orders-paid"
  | "orders-cancelled"
  | "refunds-create"
  | "orders-create-jpy"
  | "orders-create-kwd";

type Json = Record<string, unknown>;

const fixture = (name: Fixture): Json =>
  JSON.parse(
    readFileSync(new URL(`../fixtures/shopify/${name}.json`, import.meta.url), "utf8"),
  ) as Json;

/** The order with the participant's referral code as its Shopify discount code, as a brand sets them up. */
function withCode(name: Fixture, code: string): Json {
  const body = fixture(name);
  body.discount_codes = [{ code, amount: "8.40", type: "percentage" }];
  return body;
}

/** What the orders-create fixture means, as a brand would send it to Laurel itself. */
const laurelOrder = (code: string) => ({
  type: "order",
  id: "order-1042",
  occurredAt: "2026-11-20T10:00:00Z",
  customer: { id: "8094839668810", email: "mara.lindqvist@example.com" },
  code,
  items: [
    { sku: "LAUREL-TEE-BLK-M", quantity: 2, unitAmount: 2450 },
    { sku: "variant:47012345711698", quantity: 1, unitAmount: 3500 },
  ],
  discount: 840,
  shipping: 500,
  tax: 645,
  currency: "USD",
});

/** What the refunds-create fixture means: one tee and the tote back. */
const laurelRefund = {
  type: "refund",
  id: "refund-1042",
  orderId: "order-1042",
  occurredAt: "2026-11-22T14:15:00Z",
  items: [
    { sku: "LAUREL-TEE-BLK-M", quantity: 1 },
    { sku: "variant:47012345711698", quantity: 1 },
  ],
};

interface Shop extends ConnectedStore {
  deliver(
    topic: string,
    body: unknown,
    options?: { eventId?: string; secret?: string; shop?: string },
  ): Promise<Reply<DeliveryBody>>;
}

/** A program with Ana and Ben, connected to a Shopify shop that signs its webhooks with SECRET. */
async function setUpShop(api: Api, fields: Json = {}): Promise<Shop> {
  const store = await setUpStore(api, "shopify", { secret: SECRET, shopDomain: SHOP }, fields);
  return {
    ...store,
    // Shopify sends compact JSON and signs exactly those bytes.
    deliver: (topic, body, options = {}) => {
      const payload = JSON.stringify(body);
      const signature = createHmac("sha256", options.secret ?? SECRET)
        .update(payload)
        .digest("base64");
      return api.call<DeliveryBody>(
        "POST",
        `/v1/hooks/shopify/${store.program.id}`,
        new RawBody("application/json", payload, {
          "x-shopify-topic": topic,
          "x-shopify-hmac-sha256": signature,
          "x-shopify-shop-domain": options.shop ?? SHOP,
          "x-shopify-event-id": options.eventId ?? randomUUID(),
          "x-shopify-webhook-id": randomUUID(),
          "x-shopify-api-version": "2026-10",
          "x-shopify-triggered-at": "2026-11-20T10:00:01.123Z",
        }),
        null,
      );
    },
  };
}

describeEachBackend("Shopify webhooks", (backend) => {
  const api = useApi(backend);

  describe("an order", () => {
    it("orders/create books the commission the same order sent as a Laurel event books", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        "orders/create",
        withCode("orders-create", shop.ana.referralCode),
      );
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        topic: "orders/create",
        status: "processed",
        eventIds: ["shopify:order:6310247993426"],
        error: null,
      });
      const expected = await bookedAsLaurelEvents(api, (code) => [laurelOrder(code)]);
      // 10% and 3% of the items less their discount (75.60); shipping and tax earn nothing.
      expect(expected).toEqual({ ana: 756, ben: 227 });
      expect(await balances(shop)).toEqual(expected);
    });

    it("a redelivery is a duplicate and pays nothing more", async () => {
      const shop = await setUpShop(api);
      const body = withCode("orders-create", shop.ana.referralCode);
      const eventId = randomUUID();
      expectStatus(await shop.deliver("orders/create", body, { eventId }), 200);
      const again = await shop.deliver("orders/create", body, { eventId });
      expectStatus(again, 200);
      expect(again.body).toMatchObject({
        status: "duplicate",
        eventIds: ["shopify:order:6310247993426"],
      });
      expect(await shop.cash(shop.ana)).toBe(756);
    });

    it("orders/paid after orders/create is the same order: a duplicate, paid once", async () => {
      const shop = await setUpShop(api);
      await shop.deliver("orders/create", withCode("orders-create", shop.ana.referralCode));
      const paid = await shop.deliver(
        "orders/paid",
        withCode("orders-paid", shop.ana.referralCode),
      );
      expectStatus(paid, 200);
      expect(paid.body).toMatchObject({
        status: "duplicate",
        eventIds: ["shopify:order:6310247993426"],
      });
      expect(await shop.cash(shop.ana)).toBe(756);
      expect(await shop.cash(shop.ben)).toBe(227);
    });

    it("a JPY shop's tax-inclusive order books yen exactly as the Laurel event does", async () => {
      const shop = await setUpShop(api, { currency: "JPY" });
      const body = fixture("orders-create-jpy");
      body.discount_codes = [{ code: shop.ana.referralCode, amount: "0", type: "fixed_amount" }];
      const reply = await shop.deliver("orders/paid", body);
      expect(reply.body).toMatchObject({ status: "processed" });
      const expected = await bookedAsLaurelEvents(
        api,
        (code) => [
          {
            type: "order",
            id: "order-1043",
            occurredAt: "2026-11-21T09:30:00Z",
            code,
            items: [
              { sku: "MATCHA-100G", quantity: 3, unitAmount: 2500 },
              { sku: "product:8801234666194", quantity: 1, unitAmount: 1200 },
            ],
            discount: 791,
            shipping: 800,
            tax: 791,
            currency: "JPY",
          },
        ],
        { currency: "JPY" },
      );
      expect(await balances(shop)).toEqual(expected);
      // 10% of the lines without their consumption tax: 7,909 yen.
      expect(expected.ana).toBe(791);
    });

    it("an order in another currency than the program's is logged as rejected", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        "orders/create",
        withCode("orders-create-kwd", shop.ana.referralCode),
      );
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        status: "rejected",
        error: { message: expect.stringContaining("KWD") },
      });
      expect(await shop.cash(shop.ana)).toBe(0);
    });
  });

  describe("refunds and cancellations", () => {
    it("refunds/create takes back what the same Laurel refund takes back", async () => {
      const shop = await setUpShop(api);
      await shop.deliver("orders/create", withCode("orders-create", shop.ana.referralCode));
      const refund = await shop.deliver("refunds/create", fixture("refunds-create"));
      expect(refund.body).toMatchObject({
        status: "processed",
        eventIds: ["shopify:refund:1009876543210"],
      });
      const expected = await bookedAsLaurelEvents(api, (code) => [laurelOrder(code), laurelRefund]);
      expect(await balances(shop)).toEqual(expected);
      expect(expected.ana).toBeLessThan(756);
    });

    it("a refund before its order waits for it, then applies when the order arrives", async () => {
      const shop = await setUpShop(api);
      const early = await shop.deliver("refunds/create", fixture("refunds-create"));
      expectStatus(early, 200);
      expect(early.body).toMatchObject({ eventIds: ["shopify:refund:1009876543210"] });
      expect(early.body.status).not.toBe("rejected");
      await shop.deliver("orders/paid", withCode("orders-paid", shop.ana.referralCode));
      const expected = await bookedAsLaurelEvents(api, (code) => [laurelOrder(code), laurelRefund]);
      expect(await balances(shop)).toEqual(expected);
    });

    it("orders/cancelled takes back everything the order paid", async () => {
      const shop = await setUpShop(api);
      await shop.deliver("orders/create", withCode("orders-create", shop.ana.referralCode));
      const cancelled = await shop.deliver("orders/cancelled", fixture("orders-cancelled"));
      expect(cancelled.body).toMatchObject({
        status: "processed",
        eventIds: ["shopify:order:6310247993426:cancelled"],
      });
      expect(await balances(shop)).toEqual({
        ana: 0,
        ben: 0,
      });
    });
  });

  describe("security", () => {
    it("a bad signature is a 401, and nothing is logged or booked", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        "orders/create",
        withCode("orders-create", shop.ana.referralCode),
        { secret: "not-the-shops-secret" },
      );
      expectError(reply, 401, "unauthorized");
      expect(await shop.log()).toEqual([]);
      expect(await shop.cash(shop.ana)).toBe(0);
    });

    it("a delivery signed for another shop than the one connected is rejected", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        "orders/create",
        withCode("orders-create", shop.ana.referralCode),
        { shop: "someone-else.myshopify.com" },
      );
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        status: "rejected",
        error: { message: expect.stringContaining("someone-else.myshopify.com") },
      });
      expect(await shop.cash(shop.ana)).toBe(0);
    });
  });

  it("the deliveries log lists every delivery, newest first, with what it came to", async () => {
    const shop = await setUpShop(api);
    const order = withCode("orders-create", shop.ana.referralCode);
    const eventId = randomUUID();
    await shop.deliver("orders/create", order, { eventId });
    await shop.deliver("orders/create", order, { eventId });
    await shop.deliver("orders/create", { ...fixture("orders-create-kwd"), test: true });
    await shop.deliver("products/update", { id: 8801234567890, title: "Laurel Tee" });
    const log = await shop.log();
    expect(log).toEqual([
      {
        id: expect.stringMatching(/^dlv_/),
        receivedAt: expect.any(String),
        topic: "products/update",
        status: "ignored",
        eventIds: [],
        error: { code: "ignored", message: "topic products/update is not handled" },
      },
      expect.objectContaining({
        topic: "orders/create",
        status: "ignored",
        error: { code: "ignored", message: "test order" },
      }),
      expect.objectContaining({
        topic: "orders/create",
        status: "duplicate",
        eventIds: ["shopify:order:6310247993426"],
      }),
      expect.objectContaining({
        topic: "orders/create",
        status: "processed",
        eventIds: ["shopify:order:6310247993426"],
        error: null,
      }),
    ]);
    expect(only(log.filter((d) => d.status === "processed")).id).toMatch(/^dlv_/);
  });
});
