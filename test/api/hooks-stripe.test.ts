import { readFileSync } from "node:fs";
import Stripe from "stripe";
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

const SECRET = "whsec_9c2e4a6b8d0f1e3c5a7b9d1f3e5c7a9b";

type Fixture =
  | "checkout-session-completed"
  | "checkout-session-completed-unpaid"
  | "checkout-session-completed-subscription"
  | "checkout-session-completed-jpy"
  | "checkout-session-completed-kwd"
  | "invoice-paid-2025-03-31"
  | "invoice-paid-2022-08-01"
  | "charge-refunded"
  | "charge-refunded-2022-08-01";

type Json = Record<string, unknown>;

const fixture = (name: Fixture): Json =>
  JSON.parse(
    readFileSync(new URL(`../fixtures/stripe/${name}.json`, import.meta.url), "utf8"),
  ) as Json;

const objectOf = (event: Json): Json => (event.data as Json).object as Json;

/** The event with fields of its data.object replaced (and of the envelope: a new evt_ id, say). */
function changed(event: Json, object: Json, envelope: Json = {}): Json {
  return {
    ...event,
    ...envelope,
    data: { ...(event.data as Json), object: { ...objectOf(event), ...object } },
  };
}

/** A checkout session that carries the participant's referral code, as a brand sets it at checkout. */
const sessionWithCode = (name: Fixture, code: string): Json =>
  changed(fixture(name), {
    metadata: { ...(objectOf(fixture(name)).metadata as Json), laurel_code: code },
  });

/** An invoice whose subscription carries the participant's referral code, at either API version's place. */
function invoiceWithCode(name: Fixture, code: string): Json {
  const invoice = objectOf(fixture(name));
  const parent = invoice.parent as Json | undefined;
  return changed(
    fixture(name),
    parent === undefined
      ? { subscription_details: { metadata: { laurel_code: code } } }
      : {
          parent: {
            ...parent,
            subscription_details: {
              ...(parent.subscription_details as Json),
              metadata: { laurel_code: code },
            },
          },
        },
  );
}

/** What the card checkout means, as a brand would send it to Laurel itself. */
const laurelCardOrder = (code: string) => ({
  type: "order",
  id: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
  occurredAt: "2025-11-13T09:38:32.000Z",
  customer: { id: "cus_RkT4mN2pQ8sV1x", email: "jenny.rosen@example.com" },
  code,
  items: [{ sku: "checkout", quantity: 1, unitAmount: 8000 }],
  discount: 800,
  shipping: 500,
  tax: 576,
  currency: "USD",
});

/** The renewal invoice's order as a Laurel event: 100.00 over 3 seats is 2 × 33.33 + 33.34, and 8.00 of tax. */
const laurelRenewal = (code: string, id = "stripe:in_1PcR7sLm2nOp3qRsRenewal") => ({
  type: "order",
  id,
  occurredAt: "2024-07-10T09:46:43.000Z",
  customer: { id: "cus_QbR1sT2uV3wX4y", email: "billing@globex.example" },
  code,
  items: [
    { sku: "price_1PaB2cLm2nOp3qRsAnalyst", quantity: 2, unitAmount: 3333 },
    { sku: "price_1PaB2cLm2nOp3qRsAnalyst", quantity: 1, unitAmount: 3334 },
  ],
  discount: 0,
  shipping: 0,
  tax: 800,
  currency: "USD",
});

interface Shop extends ConnectedStore {
  deliver(
    body: Json,
    options?: { secret?: string; signedAtMs?: number },
  ): Promise<Reply<DeliveryBody>>;
}

/** A program with Ana and Ben, connected to a Stripe webhook endpoint whose signing secret is SECRET. */
async function setUpShop(api: Api, fields: Json = {}): Promise<Shop> {
  const store = await setUpStore(api, "stripe", { secret: SECRET }, fields);
  return {
    ...store,
    deliver: (body, options = {}) => {
      // Stripe sends its events as indented JSON and signs those exact bytes with the time it sent them.
      const payload = JSON.stringify(body, null, 2);
      const header = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? SECRET,
        timestamp: Math.floor((options.signedAtMs ?? Date.now()) / 1000),
      });
      return api.call<DeliveryBody>(
        "POST",
        `/v1/hooks/stripe/${store.program.id}`,
        new RawBody("application/json; charset=utf-8", payload, {
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "stripe-signature": header,
        }),
        null,
      );
    },
  };
}

describeEachBackend("Stripe webhooks", (backend) => {
  const api = useApi(backend);

  describe("checkout sessions", () => {
    it("checkout.session.completed books the commission the same order sent as a Laurel event books", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        sessionWithCode("checkout-session-completed", shop.ana.referralCode),
      );
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        topic: "checkout.session.completed",
        status: "processed",
        eventIds: ["stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG"],
        error: null,
      });
      const expected = await bookedAsLaurelEvents(api, (code) => [laurelCardOrder(code)]);
      // 10% and 3% of the items less the discount (72.00); shipping and tax earn nothing.
      expect(expected).toEqual({ ana: 720, ben: 216 });
      expect(await balances(shop)).toEqual(expected);
    });

    it("a redelivery is a duplicate and pays nothing more", async () => {
      const shop = await setUpShop(api);
      const body = sessionWithCode("checkout-session-completed", shop.ana.referralCode);
      expectStatus(await shop.deliver(body), 200);
      const again = await shop.deliver(body);
      expectStatus(again, 200);
      expect(again.body).toMatchObject({
        status: "duplicate",
        eventIds: ["stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG"],
      });
      expect(await balances(shop)).toEqual({ ana: 720, ben: 216 });
    });

    it("an unpaid session is ignored until checkout.session.async_payment_succeeded counts it", async () => {
      const shop = await setUpShop(api, { currency: "EUR" });
      const unpaid = sessionWithCode("checkout-session-completed-unpaid", shop.ana.referralCode);
      const waiting = await shop.deliver(unpaid);
      expect(waiting.body).toMatchObject({ status: "ignored", eventIds: [] });
      const paid = await shop.deliver(
        changed(
          unpaid,
          { payment_status: "paid" },
          { id: "evt_1QcB7fLm2nOp3qRsAsyncPaid", type: "checkout.session.async_payment_succeeded" },
        ),
      );
      expect(paid.body).toMatchObject({
        topic: "checkout.session.async_payment_succeeded",
        status: "processed",
        eventIds: ["stripe:pi_3QcA1aLm2nOp3qRs0SepaDeb"],
      });
      // 10% and 3% of the 45.00 the SEPA Debit brought in.
      expect(await balances(shop)).toEqual({ ana: 450, ben: 135 });
    });

    it("a JPY program's checkout books yen exactly as the Laurel event does", async () => {
      const shop = await setUpShop(api, { currency: "JPY" });
      const reply = await shop.deliver(
        sessionWithCode("checkout-session-completed-jpy", shop.ana.referralCode),
      );
      expect(reply.body).toMatchObject({ status: "processed" });
      const expected = await bookedAsLaurelEvents(
        api,
        (code) => [
          {
            type: "order",
            id: "stripe:pi_3QeC3cLm2nOp3qRs1JpyPay",
            occurredAt: "2025-11-16T10:46:30.000Z",
            customer: { id: "cus_RkW3nO4pQ5rS6t", email: "hanako.yamada@example.jp" },
            code,
            items: [{ sku: "checkout", quantity: 1, unitAmount: 4980 }],
            discount: 453,
            tax: 453,
            currency: "JPY",
          },
        ],
        { currency: "JPY" },
      );
      expect(await balances(shop)).toEqual(expected);
      // 10% of the 4,527 yen the goods cost before their included tax, half-up.
      expect(expected.ana).toBe(453);
    });

    it("a KWD program's checkout books fils exactly as the Laurel event does", async () => {
      const shop = await setUpShop(api, { currency: "KWD" });
      const reply = await shop.deliver(
        sessionWithCode("checkout-session-completed-kwd", shop.ana.referralCode),
      );
      expect(reply.body).toMatchObject({ status: "processed" });
      const expected = await bookedAsLaurelEvents(
        api,
        (code) => [
          {
            type: "order",
            id: "stripe:pi_3QfD4dLm2nOp3qRs0KwdPay",
            occurredAt: "2025-11-17T10:46:40.000Z",
            customer: { email: "fatima@example.com.kw" },
            code,
            items: [{ sku: "checkout", quantity: 1, unitAmount: 12500 }],
            shipping: 1000,
            currency: "KWD",
          },
        ],
        { currency: "KWD" },
      );
      expect(await balances(shop)).toEqual(expected);
      // 10% of 12.500 dinars; the 1.000 of shipping earns nothing.
      expect(expected.ana).toBe(1250);
    });

    it("a checkout in another currency than the program's is logged as rejected", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        sessionWithCode("checkout-session-completed-jpy", shop.ana.referralCode),
      );
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        status: "rejected",
        error: { message: expect.stringContaining("JPY") },
      });
      expect(await shop.cash(shop.ana)).toBe(0);
    });
  });

  describe("subscriptions", () => {
    it("a subscription's checkout and its first invoice.paid are one order, paid once", async () => {
      const shop = await setUpShop(api);
      const checkout = await shop.deliver(
        sessionWithCode("checkout-session-completed-subscription", shop.ana.referralCode),
      );
      expect(checkout.body).toMatchObject({
        status: "processed",
        eventIds: ["stripe:in_1QdB2aLm2nOp3qRsSubFirst"],
      });
      const invoice = await shop.deliver(
        invoiceWithCode("invoice-paid-2025-03-31", shop.ana.referralCode),
      );
      expect(invoice.body).toMatchObject({
        status: "duplicate",
        eventIds: ["stripe:in_1QdB2aLm2nOp3qRsSubFirst"],
      });
      // 10% and 3% of three seats less the 10% promotion (54.00), once.
      expect(await balances(shop)).toEqual({ ana: 540, ben: 162 });
    });

    it("every renewal's invoice.paid is an order, so recurring commissions work", async () => {
      const shop = await setUpShop(api);
      const renewal = invoiceWithCode("invoice-paid-2022-08-01", shop.ana.referralCode);
      const first = await shop.deliver(renewal);
      expect(first.body).toMatchObject({
        topic: "invoice.paid",
        status: "processed",
        eventIds: ["stripe:in_1PcR7sLm2nOp3qRsRenewal"],
      });
      const next = await shop.deliver(
        changed(
          renewal,
          { id: "in_1PdS8tLm2nOp3qRsRenewal2", status_transitions: { paid_at: 1723283203 } },
          { id: "evt_1PdS8uLm2nOp3qRsInvPaid3" },
        ),
      );
      expect(next.body).toMatchObject({
        status: "processed",
        eventIds: ["stripe:in_1PdS8tLm2nOp3qRsRenewal2"],
      });
      const expected = await bookedAsLaurelEvents(api, (code) => [
        laurelRenewal(code),
        {
          ...laurelRenewal(code, "stripe:in_1PdS8tLm2nOp3qRsRenewal2"),
          occurredAt: "2024-08-10T09:46:43.000Z",
        },
      ]);
      // 10% and 3% of 100.00 a month, twice; the 8.00 of tax earns nothing.
      expect(expected).toEqual({ ana: 2000, ben: 600 });
      expect(await balances(shop)).toEqual(expected);
    });
    it("a renewal with no code, no visitor and another customer still pays the subscription's first referrer, though the program binds no customers", async () => {
      const shop = await setUpShop(api);
      await shop.deliver(invoiceWithCode("invoice-paid-2025-03-31", shop.ana.referralCode));
      const first = await balances(shop);
      expect(first.ana).toBeGreaterThan(0);
      const renewal = changed(
        fixture("invoice-paid-2025-03-31"),
        {
          id: "in_1QeC3bLm2nOp3qRsSecondMonth",
          customer: "cus_SomeoneElseEntirely",
          customer_email: "someone.else@example.org",
          billing_reason: "subscription_cycle",
        },
        { id: "evt_1QeC3cLm2nOp3qRsInvPaid2" },
      );
      expect((await shop.deliver(renewal)).body).toMatchObject({ status: "processed" });
      expect(await balances(shop)).toEqual({ ana: first.ana * 2, ben: first.ben * 2 });
    });
  });

  describe("refunds", () => {
    it("charge.refunded takes back what the same Laurel refund by amount takes back", async () => {
      const shop = await setUpShop(api);
      await shop.deliver(sessionWithCode("checkout-session-completed", shop.ana.referralCode));
      const refund = await shop.deliver(fixture("charge-refunded"));
      expect(refund.body).toMatchObject({
        topic: "charge.refunded",
        status: "processed",
        eventIds: ["stripe:ch_3QbX8nLm2nOp3qRs1HgIjKlM:refunded:2000"],
      });
      const expected = await bookedAsLaurelEvents(api, (code) => [
        laurelCardOrder(code),
        {
          type: "refund",
          id: "refund-1",
          orderId: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
          amount: 2000,
        },
      ]);
      expect(await balances(shop)).toEqual(expected);
      expect(expected.ana).toBeLessThan(720);
    });

    it("the refund that empties a charge takes back everything its invoice's order paid", async () => {
      const shop = await setUpShop(api);
      await shop.deliver(invoiceWithCode("invoice-paid-2022-08-01", shop.ana.referralCode));
      const partial = changed(
        fixture("charge-refunded-2022-08-01"),
        { amount_refunded: 4000, refunded: false },
        { id: "evt_3PcR7tLm2nOp3qRs0Refund1" },
      );
      (partial.data as Json).previous_attributes = { amount_refunded: 0 };
      expect((await shop.deliver(partial)).body).toMatchObject({ status: "processed" });
      const last = await shop.deliver(fixture("charge-refunded-2022-08-01"));
      expect(last.body).toMatchObject({
        status: "processed",
        eventIds: ["stripe:ch_3PcR7tLm2nOp3qRs0Renewal:refunded:10800"],
      });
      expect(await balances(shop)).toEqual({ ana: 0, ben: 0 });
    });

    it("from API version 2025-03-31, invoice_payment.paid ties a subscription charge's refund to its invoice's order", async () => {
      const shop = await setUpShop(api);
      const invoice = objectOf(fixture("invoice-paid-2025-03-31"));
      const intent = "pi_3QdB2bLm2nOp3qRs0SubFirst";
      await shop.deliver(invoiceWithCode("invoice-paid-2025-03-31", shop.ana.referralCode));
      const paid = await balances(shop);
      expect(paid.ana).toBeGreaterThan(0);
      // Stripe's InvoicePayment, as the event of that name carries it.
      const payment = {
        id: "evt_1QdB2cLm2nOp3qRsInvPay",
        object: "event",
        api_version: "2025-03-31.basil",
        created: 1731490000,
        type: "invoice_payment.paid",
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: {
          object: {
            id: "inpay_1QdB2cLm2nOp3qRsSubFirst",
            object: "invoice_payment",
            amount_paid: invoice.amount_paid,
            amount_requested: invoice.amount_paid,
            created: 1731490000,
            currency: invoice.currency,
            invoice: invoice.id,
            is_default: true,
            livemode: false,
            payment: { type: "payment_intent", payment_intent: intent },
            status: "paid",
            status_transitions: { canceled_at: null, paid_at: 1731490000 },
          },
        },
      };
      expect((await shop.deliver(payment)).body).toMatchObject({
        topic: "invoice_payment.paid",
        status: "processed",
        eventIds: [],
      });
      // The charge names only its payment intent, as charges do from 2025-03-31.
      const refund = changed(fixture("charge-refunded"), {
        id: "ch_3QdB2bLm2nOp3qRs0SubFirst",
        amount: invoice.amount_paid,
        amount_refunded: invoice.amount_paid,
        refunded: true,
        currency: invoice.currency,
        payment_intent: intent,
        invoice: null,
      });
      expect((await shop.deliver(refund)).body).toMatchObject({ status: "processed" });
      expect(await balances(shop)).toEqual({ ana: 0, ben: 0 });
    });

    it("a refund before its order waits for it, then applies when the order arrives", async () => {
      const shop = await setUpShop(api);
      const early = await shop.deliver(fixture("charge-refunded"));
      expectStatus(early, 200);
      expect(early.body.status).not.toBe("rejected");
      await shop.deliver(sessionWithCode("checkout-session-completed", shop.ana.referralCode));
      const expected = await bookedAsLaurelEvents(api, (code) => [
        {
          type: "refund",
          id: "refund-1",
          orderId: "stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG",
          amount: 2000,
        },
        laurelCardOrder(code),
      ]);
      expect(await balances(shop)).toEqual(expected);
      expect(expected.ana).toBeLessThan(720);
    });
  });

  describe("security", () => {
    it("a bad signature is a 401, and nothing is logged or booked", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        sessionWithCode("checkout-session-completed", shop.ana.referralCode),
        { secret: "whsec_not_this_endpoints_secret" },
      );
      expectError(reply, 401, "unauthorized");
      expect(await shop.log()).toEqual([]);
      expect(await shop.cash(shop.ana)).toBe(0);
    });

    it("a delivery signed more than 300 s ago is a 401 that says it is stale", async () => {
      const shop = await setUpShop(api);
      const reply = await shop.deliver(
        sessionWithCode("checkout-session-completed", shop.ana.referralCode),
        { signedAtMs: Date.now() - 301_000 },
      );
      expectError(reply, 401, "unauthorized");
      expect(reply.text).toContain("stale: the timestamp is more than 300 s old");
      expect(await shop.log()).toEqual([]);
    });

    it("an unsigned delivery is a 401 that names the missing header", async () => {
      const shop = await setUpShop(api);
      const reply = await api.call(
        "POST",
        `/v1/hooks/stripe/${shop.program.id}`,
        new RawBody("application/json", JSON.stringify(fixture("checkout-session-completed"))),
        null,
      );
      expectError(reply, 401, "unauthorized");
      expect(reply.text).toContain("Stripe-Signature");
      expect(await shop.log()).toEqual([]);
    });
  });

  it("the deliveries log lists every delivery, newest first, with what it came to", async () => {
    const shop = await setUpShop(api);
    const order = sessionWithCode("checkout-session-completed", shop.ana.referralCode);
    await shop.deliver(order);
    await shop.deliver(order);
    await shop.deliver(fixture("checkout-session-completed-unpaid"));
    await shop.deliver(
      changed(
        fixture("checkout-session-completed"),
        { currency: "xyz" },
        { id: "evt_1QbX9zLm2nOp3qRsBadCcy" },
      ),
    );
    await shop.deliver({
      id: "evt_1QbY0aLm2nOp3qRsCustomer",
      object: "event",
      api_version: "2025-03-31.basil",
      created: 1763026800,
      data: { object: { id: "cus_RkT4mN2pQ8sV1x", object: "customer" } },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: "customer.created",
    });
    expect(await shop.log()).toEqual([
      {
        id: expect.stringMatching(/^dlv_/),
        receivedAt: expect.any(String),
        topic: "customer.created",
        status: "ignored",
        eventIds: [],
        error: { code: "ignored", message: "topic customer.created is not handled" },
      },
      expect.objectContaining({
        topic: "checkout.session.completed",
        status: "rejected",
        eventIds: [],
        error: { code: "invalid_delivery", message: 'unknown currency "xyz"' },
      }),
      expect.objectContaining({
        topic: "checkout.session.completed",
        status: "ignored",
        error: {
          code: "ignored",
          message:
            "payment not yet received; counted when checkout.session.async_payment_succeeded arrives",
        },
      }),
      expect.objectContaining({
        status: "duplicate",
        eventIds: ["stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG"],
      }),
      expect.objectContaining({
        status: "processed",
        eventIds: ["stripe:pi_3QbX8nLm2nOp3qRs1AbCdEfG"],
        error: null,
      }),
    ]);
  });
});
