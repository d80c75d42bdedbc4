import { createHmac } from "node:crypto";
import { expect, it } from "vitest";
import {
  countRows,
  createProgram,
  expectError,
  expectStatus,
  PUBLIC_URL,
  RawBody,
  useApi,
  type Collection,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import {
  connect,
  deliveryLog,
  type DeliveryBody,
  type IntegrationBody,
} from "../support/store-hooks.ts";

const SECRET = "shpss_0123456789abcdef";

/** A Shopify delivery as Shopify signs it: base64 HMAC-SHA256 of the exact bytes. */
function shopifyDelivery(
  body: string,
  headers: Record<string, string> = {},
  secret = SECRET,
): RawBody {
  return new RawBody("application/json", body, {
    "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
    "x-shopify-topic": "orders/paid",
    "x-shopify-shop-domain": "ana-shop.myshopify.com",
    "x-shopify-event-id": "evt-1",
    ...headers,
  });
}

describeEachBackend("store integrations: connect, read, disconnect", (backend) => {
  const api = useApi(backend);

  it("connects Shopify (the shop as copied from the address bar) and answers the webhook URL on the public base, never the secret", async () => {
    const program = await createProgram(api);
    const put = await api.call<IntegrationBody>(
      "PUT",
      `/v1/programs/${program.id}/integrations/shopify`,
      { secret: SECRET, shopDomain: "https://Ana-Shop.myshopify.com/" },
    );
    expectStatus(put, 200);
    expect(put.body).toEqual({
      provider: "shopify",
      webhookUrl: `${PUBLIC_URL}/v1/hooks/shopify/${program.id}`,
      shopDomain: "ana-shop.myshopify.com",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const got = await api.call<IntegrationBody>(
      "GET",
      `/v1/programs/${program.id}/integrations/shopify`,
    );
    expect(got.body).toEqual(put.body);
    const list = await api.call<Collection<IntegrationBody>>(
      "GET",
      `/v1/programs/${program.id}/integrations`,
    );
    expect(list.body.items).toEqual([put.body]);
    for (const reply of [put, got, list]) expect(reply.text).not.toContain(SECRET);
  });

  it("replacing the secret keeps when it was first connected, and the old secret stops verifying", async () => {
    const program = await createProgram(api);
    const url = `/v1/programs/${program.id}/integrations/shopify`;
    const first = await api.call<IntegrationBody>("PUT", url, { secret: SECRET });
    const second = await api.call<IntegrationBody>("PUT", url, { secret: "shpss_rotated_secret" });
    expect(second.body.createdAt).toBe(first.body.createdAt);
    const hook = `/v1/hooks/shopify/${program.id}`;
    const old = await api.call("POST", hook, shopifyDelivery("{}"), null);
    expectError(old, 401, "unauthorized");
  });

  it("refuses a shop domain for providers other than Shopify, and a malformed one", async () => {
    const program = await createProgram(api);
    expectError(
      await api.call("PUT", `/v1/programs/${program.id}/integrations/stripe`, {
        secret: "whsec_0123456789",
        shopDomain: "ana-shop.myshopify.com",
      }),
      422,
      "validation_failed",
    );
    const bad = await api.call<{ error: { details: { path: string }[] } }>(
      "PUT",
      `/v1/programs/${program.id}/integrations/shopify`,
      { secret: SECRET, shopDomain: "https://ana-shop.com" },
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d) => d.path)).toContain("shopDomain");
  });

  it("a provider Laurel does not know is a 422 naming the three it does", async () => {
    const program = await createProgram(api);
    const reply = await api.call<{ error: { message: string } }>(
      "PUT",
      `/v1/programs/${program.id}/integrations/magento`,
      { secret: SECRET },
    );
    expect(reply.status).toBe(422);
    expect(reply.body.error.message).toMatch(/shopify/);
  });

  it("another brand's program is a 404 for every integration route", async () => {
    const program = await createProgram(api);
    const url = `/v1/programs/${program.id}/integrations/shopify`;
    expectError(await api.call("PUT", url, { secret: SECRET }, api.otherKey), 404, "not_found");
    await api.call("PUT", url, { secret: SECRET });
    expectError(await api.call("GET", url, undefined, api.otherKey), 404, "not_found");
    expectError(await api.call("DELETE", url, undefined, api.otherKey), 404, "not_found");
    expectError(
      await api.call("GET", `${url}/deliveries`, undefined, api.otherKey),
      404,
      "not_found",
    );
  });

  it("disconnecting answers 204, then the hook refuses every delivery and the log stays", async () => {
    const program = await createProgram(api);
    const url = `/v1/programs/${program.id}/integrations/shopify`;
    await api.call("PUT", url, { secret: SECRET });
    const hook = `/v1/hooks/shopify/${program.id}`;
    const delivered = await api.call<DeliveryBody>(
      "POST",
      hook,
      shopifyDelivery("{}", { "x-shopify-topic": "products/update" }),
      null,
    );
    expectStatus(delivered, 200);
    expect(delivered.body.status).toBe("ignored");
    expect((await api.call("DELETE", url)).status).toBe(204);
    expectError(await api.call("GET", url), 404, "not_found");
    expectError(await api.call("DELETE", url), 404, "not_found");
    expectError(await api.call("POST", hook, shopifyDelivery("{}"), null), 401, "unauthorized");
    const log = await deliveryLog(api, program.id, "shopify");
    expect(log.map((d) => d.id)).toEqual([delivered.body.id]);
  });
});

describeEachBackend("store webhooks: what every delivery gets", (backend) => {
  const api = useApi(backend);

  async function connected() {
    const program = await createProgram(api);
    await connect(api, program.id, "shopify", {
      secret: SECRET,
      shopDomain: "ana-shop.myshopify.com",
    });
    return { program, hook: `/v1/hooks/shopify/${program.id}` };
  }

  it("a bad or missing signature is a 401 and is not recorded", async () => {
    const { program, hook } = await connected();
    const wrong = shopifyDelivery("{}", {}, "someone-elses-secret");
    expectError(await api.call("POST", hook, wrong, null), 401, "unauthorized");
    const unsigned = new RawBody("application/json", "{}", { "x-shopify-topic": "orders/paid" });
    expectError(await api.call("POST", hook, unsigned, null), 401, "unauthorized");
    expect(await countRows(api.db, "integration_deliveries", program.id)).toBe(0);
  });

  it("a body changed after signing is a 401", async () => {
    const { hook } = await connected();
    const signed = shopifyDelivery('{"id":1}');
    const changed = new RawBody("application/json", '{"id":2}', signed.headers);
    expectError(await api.call("POST", hook, changed, null), 401, "unauthorized");
  });

  it("an unknown program answers as a disconnected one: 401, telling no one which programs exist", async () => {
    const reply = await api.call<{ error: { message: string } }>(
      "POST",
      "/v1/hooks/shopify/prg_nosuchprogram",
      shopifyDelivery("{}"),
      null,
    );
    expectError(reply, 401, "unauthorized");
    expect(reply.body.error.message).toMatch(/no shopify integration is connected/);
  });

  it("an unknown provider is a 404", async () => {
    const { program } = await connected();
    expectError(
      await api.call("POST", `/v1/hooks/magento/${program.id}`, shopifyDelivery("{}"), null),
      404,
      "not_found",
    );
  });

  it("a signed body that is not JSON is recorded as rejected, and answered 200", async () => {
    const { program, hook } = await connected();
    const reply = await api.call<DeliveryBody>("POST", hook, shopifyDelivery("not json"), null);
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({
      status: "rejected",
      error: { message: "the signed body is not JSON" },
    });
    const log = await deliveryLog(api, program.id, "shopify");
    expect(log[0]).toEqual(reply.body);
  });

  it("a delivery from another shop than the one connected is rejected", async () => {
    const { hook } = await connected();
    const reply = await api.call<DeliveryBody>(
      "POST",
      hook,
      shopifyDelivery("{}", { "x-shopify-shop-domain": "mallory.myshopify.com" }),
      null,
    );
    expect(reply.body.status).toBe("rejected");
    expect(reply.body.error?.message).toMatch(/mallory\.myshopify\.com/);
  });

  it("the same delivery id again is a duplicate that points at the first delivery's events", async () => {
    const { hook } = await connected();
    const topic = { "x-shopify-topic": "products/update", "x-shopify-event-id": "evt-dup" };
    const first = await api.call<DeliveryBody>("POST", hook, shopifyDelivery("{}", topic), null);
    const again = await api.call<DeliveryBody>("POST", hook, shopifyDelivery("{}", topic), null);
    expect(first.body.status).toBe("ignored");
    expect(again.body).toMatchObject({ status: "duplicate", eventIds: first.body.eventIds });
  });

  it("takes no Idempotency-Key: the provider's own ids make a redelivery harmless", async () => {
    const document = (await api.app.inject({ method: "GET", url: "/openapi.json" })).json();
    const operation = document.paths["/v1/hooks/{provider}/{programId}"].post;
    expect(JSON.stringify(operation.parameters)).not.toContain("IdempotencyKey");
    expect(operation.responses).toHaveProperty("401");
  });

  it("lists deliveries newest first, a page at a time", async () => {
    const { program, hook } = await connected();
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const reply = await api.call<DeliveryBody>(
        "POST",
        hook,
        shopifyDelivery("{}", {
          "x-shopify-topic": "products/update",
          "x-shopify-event-id": `e${n}`,
        }),
        null,
      );
      ids.push(reply.body.id);
    }
    const url = `/v1/programs/${program.id}/integrations/shopify/deliveries`;
    const page1 = await api.call<Collection<DeliveryBody>>("GET", `${url}?limit=2`);
    expect(page1.body.items.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    const page2 = await api.call<Collection<DeliveryBody>>(
      "GET",
      `${url}?limit=2&cursor=${page1.body.next}`,
    );
    expect(page2.body).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next: null });
  });
});
