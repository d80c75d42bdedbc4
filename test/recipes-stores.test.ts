import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWalkthrough, startServer, type Server } from "./support/walkthrough.ts";

// Each store recipe in docs/recipes is run as written against a fresh
// `laurel serve`: its blocks follow a referral link and then send the
// store's own webhooks, in its format and signed its way, and what they
// print is checked, one line per command, in the page's order.

type Json = Record<string, unknown>;

/** The lines a page printed, each parsed as JSON when it is JSON. */
function outputs(stdout: string): (Json | string)[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => {
      try {
        return JSON.parse(line) as Json;
      } catch {
        return line;
      }
    });
}

const json = (line: Json | string | undefined): Json => {
  if (typeof line !== "object" || line === null)
    throw new Error(`expected JSON, got ${String(line)}`);
  return line;
};

/** A program's USD balances with only `pending` cash, as every commission here waits out its hold. */
const pendingCash = (pending: number) => ({
  points: { pending: 0, available: 0 },
  cash: { currency: "USD", pending, available: 0, paid: 0 },
});

/** The deliveries log as [id, topic, status, eventIds], newest first. */
function logged(line: Json | string | undefined): unknown[][] {
  const items = json(line).items;
  if (!Array.isArray(items)) throw new Error(`expected a collection, got ${String(line)}`);
  return items.map((d: Json) => [d.id, d.topic, d.status, d.eventIds]);
}

/** A printed delivery answer as its log row. */
const row = (delivery: Json | string | undefined): unknown[] => {
  const d = json(delivery);
  return [d.id, d.topic, d.status, d.eventIds];
};

/** The landing URL a referral link redirected to, with the visitor id Laurel added. */
function expectLanding(line: Json | string | undefined, shop: string): void {
  expect(line).toMatch(
    new RegExp(
      `^${shop.replaceAll(".", "\\.")}\\?lrl_vid=v_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
    ),
  );
}

function recipe(title: string, run: (port: () => number) => void): void {
  describe(title, () => {
    let server: Server;
    beforeAll(async () => {
      server = await startServer();
    }, 90_000);
    afterAll(() => server.stop());
    run(() => server.port);
  });
}

recipe("the Shopify recipe", (port) => {
  it("a referral link's visitor id rides the order to 10% of its items; redelivery and orders/paid are duplicates; refunds/create takes back the tote's share", async () => {
    const lines = outputs(await runWalkthrough("docs/recipes/shopify.md", port()));
    expect(lines).toHaveLength(13);
    const [programId, participant, webhookUrl, script, landing] = lines;
    const [order, afterOrder, redelivery, paid, afterDuplicates, refund, afterRefund, log] =
      lines.slice(5);

    expect(programId).toMatch(/^prg_/);
    expect(participant).toMatchObject({
      referralCode: "ANA10",
      referralLink: `http://localhost:${port()}/r/ANA10`,
    });
    expect(webhookUrl).toBe(`http://localhost:${port()}/v1/hooks/shopify/${String(programId)}`);
    expect(script).toBe("200 text/javascript; charset=utf-8");
    expectLanding(landing, "https://shop.example.com/");

    // The order carries no code: only the visitor id in note_attributes attributes it.
    const orderEvent = "shopify:order:5960871215290";
    expect(order).toMatchObject({
      topic: "orders/create",
      status: "processed",
      eventIds: [orderEvent],
      error: null,
    });
    // 10% of $110.00 in items; $8.00 shipping and $9.90 tax earn nothing.
    expect(afterOrder).toEqual(pendingCash(1100));

    // Shopify's retry (same X-Shopify-Event-Id) and the same order as orders/paid book nothing.
    expect(redelivery).toMatchObject({
      topic: "orders/create",
      status: "duplicate",
      eventIds: [orderEvent],
    });
    expect(paid).toMatchObject({
      topic: "orders/paid",
      status: "duplicate",
      eventIds: [orderEvent],
    });
    expect(afterDuplicates).toEqual(pendingCash(1100));

    // The tote's $20.00 line earned $2.00, and that is what goes back.
    expect(refund).toMatchObject({
      topic: "refunds/create",
      status: "processed",
      eventIds: ["shopify:refund:1032911847610"],
      error: null,
    });
    expect(afterRefund).toEqual(pendingCash(900));

    expect(logged(log)).toEqual([refund, paid, redelivery, order].map(row));
  }, 60_000);
});

recipe("the Stripe recipe", (port) => {
  it("client_reference_id carries the visitor to 10% of the session; a retried event is a duplicate; a later invoice pays the bound referrer; charge.refunded takes back its share", async () => {
    const lines = outputs(await runWalkthrough("docs/recipes/stripe.md", port()));
    expect(lines).toHaveLength(13);
    const [programId, participant, webhookUrl, landing] = lines;
    const [
      session,
      afterSession,
      redelivery,
      afterDuplicate,
      invoice,
      afterInvoice,
      refund,
      afterRefund,
      log,
    ] = lines.slice(4);

    expect(programId).toMatch(/^prg_/);
    expect(participant).toMatchObject({
      referralCode: "ANA-BREW",
      referralLink: `http://localhost:${port()}/r/ANA-BREW`,
    });
    expect(webhookUrl).toBe(`http://localhost:${port()}/v1/hooks/stripe/${String(programId)}`);
    expectLanding(landing, "https://coffee.example.com/");

    // The session is the order of its payment intent, which its charge's refund names.
    const orderEvent = "stripe:pi_3SZk2wLm2nOp3qRs0Sampler";
    expect(session).toMatchObject({
      topic: "checkout.session.completed",
      status: "processed",
      eventIds: [orderEvent],
      error: null,
    });
    // 10% of the $50.00 box; the $10.00 shipping earns nothing.
    expect(afterSession).toEqual(pendingCash(500));

    expect(redelivery).toMatchObject({
      topic: "checkout.session.completed",
      status: "duplicate",
      eventIds: [orderEvent],
    });
    expect(afterDuplicate).toEqual(pendingCash(500));

    // No visitor id, no code, another Stripe customer: the email the first order bound pays Ana.
    expect(invoice).toMatchObject({
      topic: "invoice.paid",
      status: "processed",
      eventIds: ["stripe:in_1SbR7mLm2nOp3qRsMonthly1"],
      error: null,
    });
    expect(afterInvoice).toEqual(pendingCash(700));

    // $30.00 of the $60.00 charged comes back: half of the box's $5.00.
    expect(refund).toMatchObject({
      topic: "charge.refunded",
      status: "processed",
      eventIds: ["stripe:ch_3SZk2wLm2nOp3qRs0Sampler:refunded:3000"],
      error: null,
    });
    expect(afterRefund).toEqual(pendingCash(450));

    expect(logged(log)).toEqual([refund, invoice, redelivery, session].map(row));
  }, 60_000);
});

recipe("the WooCommerce recipe", (port) => {
  it("the laurel_vid order meta carries the visitor to 10% of the items; the same delivery again is a duplicate; order.updated with a refund takes back its share", async () => {
    const lines = outputs(await runWalkthrough("docs/recipes/woocommerce.md", port()));
    expect(lines).toHaveLength(13);
    const [programId, participant, webhookUrl, ping, script, landing] = lines;
    const [order, afterOrder, redelivery, afterDuplicate, refund, afterRefund, log] =
      lines.slice(6);

    expect(programId).toMatch(/^prg_/);
    expect(participant).toMatchObject({
      referralCode: "ANA-CLAY",
      referralLink: `http://localhost:${port()}/r/ANA-CLAY`,
    });
    expect(webhookUrl).toBe(`http://localhost:${port()}/v1/hooks/woocommerce/${String(programId)}`);
    // WooCommerce activates a webhook only when its unsigned ping is answered 200.
    expect(ping).toEqual({ ping: true });
    expect(script).toBe("200 text/javascript; charset=utf-8");
    expectLanding(landing, "https://pottery.example.com/");

    const orderEvent = "woocommerce:order:4127";
    expect(order).toMatchObject({
      topic: "order.created",
      status: "processed",
      eventIds: [orderEvent],
      error: null,
    });
    // 10% of $90.00 in items; the $10.00 shipping earns nothing.
    expect(afterOrder).toEqual(pendingCash(900));

    expect(redelivery).toMatchObject({
      topic: "order.created",
      status: "duplicate",
      eventIds: [orderEvent],
    });
    expect(afterDuplicate).toEqual(pendingCash(900));

    // $25.00 of the $100.00 paid is a quarter of the order: a quarter of $9.00 goes back.
    expect(refund).toMatchObject({
      topic: "order.updated",
      status: "processed",
      eventIds: [orderEvent, "woocommerce:refund:4133"],
      error: null,
    });
    expect(afterRefund).toEqual(pendingCash(675));

    // The ping is not a signed delivery, so the log holds only the three deliveries.
    expect(logged(log)).toEqual([refund, redelivery, order].map(row));
  }, 60_000);
});
