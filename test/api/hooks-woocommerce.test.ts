import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  expectError,
  expectStatus,
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

const SECRET = "q7Vn2#xK9@pL4!sR8&mT3%wZ";

type Fixture =
  | "order-created-processing"
  | "order-updated-completed"
  | "order-created-pending"
  | "order-updated-partial-refund"
  | "order-updated-refunded"
  | "order-created-jpy"
  | "order-created-kwd";

type Json = Record<string, unknown>;

const fixture = (name: Fixture): Json =>
  JSON.parse(
    readFileSync(new URL(`../fixtures/woocommerce/${name}.json`, import.meta.url), "utf8"),
  ) as Json;

/**
 * The order with the participant's referral code as its coupon, lower-cased as
 * WooCommerce stores coupon codes (Laurel matches codes without regard to case).
 */
function withCoupon(name: Fixture, code: string): Json {
  const body = fixture(name);
  const [coupon] = body.coupon_lines as Json[];
  const line = coupon ?? { id: 340, discount: "0", discount_tax: "0", meta_data: [] };
  body.coupon_lines = [{ ...line, code: code.toLowerCase() }];
  return body;
}

/** What order 4180 means, as a brand would send it to Laurel itself: 20.00 over 3 totes is 6.66 + 2 × 6.67. */
const laurelOrder = (code: string) => ({
  type: "order",
  id: "order-4180",
  occurredAt: "2026-11-20T10:00:00Z",
  customer: { id: "17", email: "maria.jensen@example.com" },
  code,
  items: [
    { sku: "product:93", quantity: 2, unitAmount: 1500 },
    { sku: "TOTE-BLK", quantity: 1, unitAmount: 666 },
    { sku: "TOTE-BLK", quantity: 2, unitAmount: 667 },
  ],
  discount: 500,
  shipping: 1000,
  tax: 440,
  currency: "USD",
});

/** A refund of order 4180 by amount, in cents of the 59.40 charged. */
const laurelRefund = (id: number, amount: number) => ({
  type: "refund",
  id: `refund-${id}`,
  orderId: "order-4180",
  amount,
});

interface Shop extends ConnectedStore {
  deliver(
    topic: string,
    body: unknown,
    options?: { deliveryId?: string; secret?: string },
  ): Promise<Reply<DeliveryBody>>;
}

/** A program with Ana and Ben, connected to a WooCommerce shop whose webhooks are signed with SECRET. */
async function setUpShop(api: Api, fields: Json = {}): Promise<Shop> {
  const store = await setUpStore(api, "woocommerce", { secret: SECRET }, fields);
  return {
    ...store,
    deliver: (topic, body, options = {}) => {
      // wp_json_encode writes compact JSON with every slash escaped, and WooCommerce signs those bytes.
      const payload = JSON.stringify(body).replaceAll("/", "\\/");
      const signature = createHmac("sha256", options.secret ?? SECRET)
        .update(payload)
        .digest("base64");
      return api.call<DeliveryBody>(
        "POST",
        `/v1/hooks/woocommerce/${store.program.id}`,
        new RawBody("application/json", payload, {
          "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
          "x-wc-webhook-source": "https://shop.example.com/",
          "x-wc-webhook-topic": topic,
          "x-wc-webhook-resource": topic.split(".")[0] ?? "",
          "x-wc-webhook-event": topic.split(".")[1] ?? "",
          "x-wc-webhook-signature": signature,
          "x-wc-webhook-id": "12",
          "x-wc-webhook-delivery-id": options.deliveryId ?? randomUUID().replaceAll("-", ""),
        }),
        null,
      );
    },
  };
}

describeEachBackend("WooCommerce webhooks", (backend) => {
  const api = useApi(backend);

  describe("an order", () => {
    it("order.created at processing books the commission the same order sent as a Laurel event books", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        "order.created",
        withCoupon("order-created-processing", shop.ana.referralCode),
      );
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        topic: "order.created",
        status: "processed",
        eventIds: ["woocommerce:order:4180"],
        error: null,
      });
      const expected = await bookedAsLaurelEvents(api, (code) => [laurelOrder(code)]);
      // 10% and 3% of the items less the coupon (45.00); shipping and tax earn nothing.
      expect(expected).toEqual({ ana: 450, ben: 135 });
      expect(await balances(shop)).toEqual(expected);
    });

    it("a redelivery is a duplicate and pays nothing more", async () => {
      const shop = await setUpShop(api);
      const body = withCoupon("order-created-processing", shop.ana.referralCode);
      const deliveryId = "5b1f8c0e2d7a4f6b9e3c1a0d8f7e6b5c";
      expectStatus(await shop.deliver("order.created", body, { deliveryId }), 200);
      const again = await shop.deliver("order.created", body, { deliveryId });
      expectStatus(again, 200);
      expect(again.body).toMatchObject({
        status: "duplicate",
        eventIds: ["woocommerce:order:4180"],
      });
      expect(await shop.cash(shop.ana)).toBe(450);
    });

    it("order.updated at completed after order.created is the same order: a duplicate, paid once", async () => {
      const shop = await setUpShop(api);
      await shop.deliver(
        "order.created",
        withCoupon("order-created-processing", shop.ana.referralCode),
      );
      const completed = await shop.deliver(
        "order.updated",
        withCoupon("order-updated-completed", shop.ana.referralCode),
      );
      expectStatus(completed, 200);
      expect(completed.body).toMatchObject({
        status: "duplicate",
        eventIds: ["woocommerce:order:4180"],
      });
      expect(await balances(shop)).toEqual({ ana: 450, ben: 135 });
    });

    it("a JPY shop's order books yen exactly as the Laurel event does", async () => {
      const shop = await setUpShop(api, { currency: "JPY" });
      const reply = await shop.deliver(
        "order.created",
        withCoupon("order-created-jpy", shop.ana.referralCode),
      );
      expect(reply.body).toMatchObject({ status: "processed" });
      const expected = await bookedAsLaurelEvents(
        api,
        (code) => [
          {
            type: "order",
            id: "order-5120",
            occurredAt: "2026-11-21T03:15:42Z",
            customer: { email: "haruto.sato@example.jp" },
            code,
            items: [
              { sku: "TENUGUI", quantity: 1, unitAmount: 142 },
              { sku: "TENUGUI", quantity: 6, unitAmount: 143 },
              { sku: "FUROSHIKI", quantity: 1, unitAmount: 2500 },
            ],
            shipping: 500,
            tax: 350,
            currency: "JPY",
          },
        ],
        { currency: "JPY" },
      );
      expect(await balances(shop)).toEqual(expected);
      // 10% of 3,500 yen of goods; the 500 yen of shipping and 350 of tax earn nothing.
      expect(expected.ana).toBe(350);
    });

    it('a KWD shop\'s order of "12.345" books fils exactly as the Laurel event does', async () => {
      const shop = await setUpShop(api, { currency: "KWD" });
      const reply = await shop.deliver(
        "order.created",
        withCoupon("order-created-kwd", shop.ana.referralCode),
      );
      expect(reply.body).toMatchObject({ status: "processed" });
      const expected = await bookedAsLaurelEvents(
        api,
        (code) => [
          {
            type: "order",
            id: "order-6200",
            occurredAt: "2026-11-21T17:40:03Z",
            code,
            items: [{ sku: "OUD-30ML", quantity: 1, unitAmount: 12345 }],
            currency: "KWD",
          },
        ],
        { currency: "KWD" },
      );
      expect(await balances(shop)).toEqual(expected);
      // 10% of 12.345 dinars is 1.2345, half-up to 1.235.
      expect(expected.ana).toBe(1235);
    });

    it("an order in another currency than the program's is logged as rejected", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        "order.created",
        withCoupon("order-created-jpy", shop.ana.referralCode),
      );
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        status: "rejected",
        error: { message: expect.stringContaining("JPY") },
      });
      expect(await shop.cash(shop.ana)).toBe(0);
    });
  });

  describe("refunds", () => {
    it("a partial refund on order.updated takes back what the same Laurel refund by amount takes back", async () => {
      const shop = await setUpShop(api);
      await shop.deliver(
        "order.created",
        withCoupon("order-created-processing", shop.ana.referralCode),
      );
      const refund = await shop.deliver(
        "order.updated",
        withCoupon("order-updated-partial-refund", shop.ana.referralCode),
      );
      expect(refund.body).toMatchObject({
        status: "processed",
        eventIds: ["woocommerce:order:4180", "woocommerce:refund:4190"],
      });
      const expected = await bookedAsLaurelEvents(api, (code) => [
        laurelOrder(code),
        laurelRefund(4190, 600),
      ]);
      expect(await balances(shop)).toEqual(expected);
      expect(expected.ana).toBeLessThan(450);
    });

    it("status refunded takes back everything the order paid", async () => {
      const shop = await setUpShop(api);
      await shop.deliver(
        "order.created",
        withCoupon("order-created-processing", shop.ana.referralCode),
      );
      await shop.deliver("order.updated", fixture("order-updated-partial-refund"));
      const refunded = await shop.deliver("order.updated", fixture("order-updated-refunded"));
      expect(refunded.body).toMatchObject({
        status: "processed",
        eventIds: ["woocommerce:refund:4190", "woocommerce:refund:4195"],
      });
      expect(await balances(shop)).toEqual({ ana: 0, ben: 0 });
    });

    it("an order marked refunded with no refund recorded is refunded whole", async () => {
      const shop = await setUpShop(api);
      await shop.deliver(
        "order.created",
        withCoupon("order-created-processing", shop.ana.referralCode),
      );
      const body = fixture("order-updated-refunded");
      body.refunds = [];
      const refunded = await shop.deliver("order.updated", body);
      expect(refunded.body).toMatchObject({
        status: "processed",
        eventIds: ["woocommerce:order:4180:refunded"],
      });
      expect(await balances(shop)).toEqual({ ana: 0, ben: 0 });
    });

    it("refunds before their order wait for it, then apply when the order arrives", async () => {
      const shop = await setUpShop(api);
      // The order marked refunded overtook the order.created that brings the order.
      const early = await shop.deliver("order.updated", fixture("order-updated-refunded"));
      expectStatus(early, 200);
      expect(early.body).toMatchObject({
        eventIds: ["woocommerce:refund:4190", "woocommerce:refund:4195"],
      });
      expect(early.body.status).not.toBe("rejected");
      await shop.deliver(
        "order.created",
        withCoupon("order-created-processing", shop.ana.referralCode),
      );
      const expected = await bookedAsLaurelEvents(api, (code) => [
        laurelRefund(4190, 600),
        laurelRefund(4195, 5340),
        laurelOrder(code),
      ]);
      expect(await balances(shop)).toEqual(expected);
      expect(expected).toEqual({ ana: 0, ben: 0 });
    });
  });

  describe("security and the saving ping", () => {
    it("a bad signature is a 401, and nothing is logged or booked", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        "order.created",
        withCoupon("order-created-processing", shop.ana.referralCode),
        { secret: "not-the-webhooks-secret" },
      );
      expectError(reply, 401, "unauthorized");
      expect(await shop.log()).toEqual([]);
      expect(await shop.cash(shop.ana)).toBe(0);
    });

    it("an unsigned order is a 401 that names the missing header", async () => {
      const shop = await setUpShop(api);
      const reply = await api.call(
        "POST",
        `/v1/hooks/woocommerce/${shop.program.id}`,
        new RawBody("application/json", JSON.stringify(fixture("order-created-processing")), {
          "x-wc-webhook-topic": "order.created",
        }),
        null,
      );
      expectError(reply, 401, "unauthorized");
      expect(reply.text).toContain("X-WC-Webhook-Signature");
      expect(await shop.log()).toEqual([]);
    });

    it("the unsigned webhook_id ping WooCommerce sends when a webhook is saved is answered 200 and not logged", async () => {
      const shop = await setUpShop(api);
      const reply = await api.call(
        "POST",
        `/v1/hooks/woocommerce/${shop.program.id}`,
        new RawBody("application/x-www-form-urlencoded", "webhook_id=12", {
          "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
        }),
        null,
      );
      expectStatus(reply, 200);
      expect(reply.body).toEqual({ ping: true });
      expect(await shop.log()).toEqual([]);
    });
  });

  it("the deliveries log lists every delivery, newest first, with what it came to", async () => {
    const shop = await setUpShop(api);
    const order = withCoupon("order-created-processing", shop.ana.referralCode);
    const deliveryId = "8c7d3e0f5b2a41e6a9d4c1f07e3b5a92";
    await shop.deliver("order.created", order, { deliveryId });
    await shop.deliver("order.created", order, { deliveryId });
    await shop.deliver("order.created", fixture("order-created-pending"));
    const unbalanced = fixture("order-created-kwd");
    unbalanced.total = "12.500";
    await shop.deliver("order.created", unbalanced);
    await shop.deliver("product.updated", { id: 93, name: "Linen Shirt", sku: "" });
    const log = await shop.log();
    expect(log).toEqual([
      {
        id: expect.stringMatching(/^dlv_/),
        receivedAt: expect.any(String),
        topic: "product.updated",
        status: "ignored",
        eventIds: [],
        error: { code: "ignored", message: "topic product.updated is not handled" },
      },
      expect.objectContaining({
        topic: "order.created",
        status: "rejected",
        eventIds: [],
        error: {
          code: "invalid_delivery",
          message:
            "total 12.500 is not the line items' subtotals 12.345 − discount_total 0.000 + " +
            "shipping_total 0.000 + total_tax 0.000 = 12.345",
        },
      }),
      expect.objectContaining({
        topic: "order.created",
        status: "ignored",
        error: {
          code: "ignored",
          message: "status pending: an order counts once it is processing or completed",
        },
      }),
      expect.objectContaining({
        topic: "order.created",
        status: "duplicate",
        eventIds: ["woocommerce:order:4180"],
      }),
      expect.objectContaining({
        topic: "order.created",
        status: "processed",
        eventIds: ["woocommerce:order:4180"],
        error: null,
      }),
    ]);
  });
});
