// The storefront widget's API: a program secret the shop signs customer tokens
// with, and the signed-in customer's own progress on the widget's goals.
import { SignJWT } from "jose";
import { beforeAll, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type Reply,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface SecretBody {
  secret: string;
  createdAt: string;
}

interface MeBody {
  programId: string;
  currency: string;
  customer: {
    externalId: string;
    member: boolean;
    canJoin: boolean;
    referralLink: string | null;
  };
  items: {
    goalId: string;
    name: string;
    metric: string;
    value: number;
    band: string | null;
    stepsReached: { step: number }[];
    nextStep: { remaining: number } | null;
  }[];
  next: null;
}

/** A customer token as a shop's server would mint it. */
function mint(
  secret: string,
  sub: string,
  claims: { expiresIn?: string | number; iat?: number | null; email?: string; name?: string } = {},
): Promise<string> {
  const { email, name } = claims;
  const jwt = new SignJWT({ ...(email ? { email } : {}), ...(name ? { name } : {}) })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub);
  if (claims.iat !== null) jwt.setIssuedAt(claims.iat);
  if (claims.expiresIn !== undefined) jwt.setExpirationTime(claims.expiresIn);
  else jwt.setExpirationTime("5m");
  return jwt.sign(new TextEncoder().encode(secret));
}

describeEachBackend("the storefront widget API", (backend) => {
  const api = useApi(backend);
  let programId = "";
  let secret = "";
  const goalIds = { orders: "", hidden: "", inactivity: "" };

  const me = (token: string | null, program = programId): Promise<Reply<MeBody>> =>
    api.call<MeBody>("GET", `/v1/widget/${program}/me`, undefined, token);

  beforeAll(async () => {
    const program = await createProgram(api, { name: "Loyalty", commission: undefined });
    programId = program.id;
    const goal = async (body: Record<string, unknown>) => {
      const reply = await api.call<{ id: string }>("POST", `/v1/programs/${programId}/goals`, {
        steps: [{ threshold: 2, reward: { type: "points", points: 50 } }],
        ...body,
      });
      expectStatus(reply, 201);
      return reply.body.id;
    };
    goalIds.orders = await goal({
      name: "Two orders",
      metric: "order_count",
      steps: [
        { threshold: 1, reward: { type: "points", points: 10 } },
        { threshold: 3, reward: { type: "points", points: 50 } },
      ],
    });
    goalIds.hidden = await goal({ name: "Staff only", metric: "order_count", showInWidget: false });
    goalIds.inactivity = await goal({
      name: "We miss you",
      metric: "inactivity_days",
      steps: [{ threshold: 30, reward: { type: "points", points: 20 } }],
    });
    await createParticipant(api, programId, { externalId: "cust-1" });
    const sent = await sendEvents(api, programId, order("o-1", { participant: "cust-1" }));
    expectStatus(sent, 200);
    expect(sent.body.results[0]?.status).toBe("processed");
    const created = await api.call<SecretBody>("POST", `/v1/programs/${programId}/widget-secret`);
    expectStatus(created, 201);
    secret = created.body.secret;
  });

  it("shows a secret once and then only whether one exists", async () => {
    expect(secret).toMatch(/^lrl_widget_/);
    const read = await api.call<Record<string, unknown>>(
      "GET",
      `/v1/programs/${programId}/widget-secret`,
    );
    expectStatus(read, 200);
    expect(read.body).toMatchObject({ exists: true, createdAt: expect.any(String) });
    expect(JSON.stringify(read.body)).not.toContain(secret);
    const fresh = await createProgram(api, { name: "No secret yet" });
    const none = await api.call("GET", `/v1/programs/${fresh.id}/widget-secret`);
    expect(none.body).toMatchObject({ exists: false, createdAt: null });
  });

  it("shows a valid token's customer their own progress on the widget's goals only", async () => {
    const reply = await me(await mint(secret, "cust-1"));
    expectStatus(reply, 200);
    expect(reply.headers["access-control-allow-origin"]).toBe("*");
    expect(reply.body).toMatchObject({
      programId,
      currency: "USD",
      customer: { externalId: "cust-1", member: true },
      next: null,
    });
    expect(reply.body.items.map((i) => i.goalId)).toEqual([goalIds.orders]);
    const [progress] = reply.body.items;
    expect(progress).toMatchObject({
      value: 1,
      band: "red",
      stepsReached: [{ step: 1 }],
      nextStep: { remaining: 2 },
    });
    expect(reply.body.items.some((i) => i.metric === "inactivity_days")).toBe(false);
  });

  it("answers an empty list, not an error, for a customer with no membership yet", async () => {
    const reply = await me(await mint(secret, "someone-new"));
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({
      customer: { externalId: "someone-new", member: false },
      items: [],
    });
  });

  it("lets a signed-in customer join from the widget once the program allows it", async () => {
    const join = async (token: string) =>
      api.call<MeBody>("POST", `/v1/widget/${programId}/me`, undefined, token);
    const token = await mint(secret, "new-customer", { email: "nia@example.com", name: "Nia" });
    expectError(await join(token), 403, "forbidden");
    expect((await me(token)).body.customer).toEqual({
      externalId: "new-customer",
      member: false,
      canJoin: false,
      referralLink: null,
    });
    expectStatus(
      await api.call("PATCH", `/v1/programs/${programId}`, { widget: { enrol: true } }),
      200,
    );
    expect((await me(token)).body.customer.canJoin).toBe(true);

    const joined = await join(token);
    expectStatus(joined, 201);
    // The new member's own link, which the widget shows to confirm the join.
    expect(joined.body.customer).toEqual({
      externalId: "new-customer",
      member: true,
      canJoin: false,
      referralLink: expect.stringMatching(/\/r\/[A-Z0-9]+$/),
    });
    expect(joined.body.items.map((i) => i.name)).toEqual(["Two orders"]);
    const stored = await api.call<{ items: { email: string; name: string }[] }>(
      "GET",
      `/v1/programs/${programId}/participants?externalId=new-customer`,
    );
    expect(stored.body.items[0]).toMatchObject({ email: "nia@example.com", name: "Nia" });
    expectStatus(await join(token), 200);
    // A claim that is not a valid email is left out rather than refusing the customer.
    expectStatus(await join(await mint(secret, "odd-customer", { email: "not an email" })), 201);
    expectStatus(
      await api.call("PATCH", `/v1/programs/${programId}`, { widget: { enrol: false } }),
      200,
    );
  });

  it("answers a member who joins from the widget with a 200, whatever details an admin gave them", async () => {
    await createParticipant(api, programId, {
      externalId: "known-customer",
      name: "Known by the shop",
      email: "known@example.com",
    });
    expectStatus(
      await api.call("PATCH", `/v1/programs/${programId}`, { widget: { enrol: true } }),
      200,
    );
    const token = await mint(secret, "known-customer", { email: "other@example.com" });
    const joined = await api.call<MeBody>("POST", `/v1/widget/${programId}/me`, undefined, token);
    expectStatus(joined, 200);
    expect(joined.body.customer).toEqual({
      externalId: "known-customer",
      member: true,
      canJoin: false,
      referralLink: expect.stringMatching(/\/r\/[A-Z0-9]+$/),
    });
    const stored = await api.call<{ items: { email: string; name: string }[] }>(
      "GET",
      `/v1/programs/${programId}/participants?externalId=known-customer`,
    );
    expect(stored.body.items[0]).toMatchObject({
      email: "known@example.com",
      name: "Known by the shop",
    });
    expectStatus(
      await api.call("PATCH", `/v1/programs/${programId}`, { widget: { enrol: false } }),
      200,
    );
  });

  it("refuses a missing, expired, foreign, long-lived or malformed token with a 401", async () => {
    expectError(await me(null), 401, "unauthorized");
    const now = Math.floor(Date.now() / 1000);
    const expired = await mint(secret, "cust-1", { iat: now - 600, expiresIn: now - 120 });
    const reply = await me(expired);
    expectError(reply, 401, "unauthorized");
    expect(reply.body).toMatchObject({ error: { message: expect.stringMatching(/expired/) } });
    expect(reply.headers["access-control-allow-origin"]).toBe("*");
    const foreign = await me(await mint("lrl_widget_another-programs-secret", "cust-1"));
    expectError(foreign, 401, "unauthorized");
    expect(foreign.body).toMatchObject({ error: { message: expect.stringMatching(/signature/) } });
    const longLived = await me(await mint(secret, "cust-1", { expiresIn: "1h" }));
    expectError(longLived, 401, "unauthorized");
    expect(longLived.body).toMatchObject({ error: { message: expect.stringMatching(/15/) } });
    // Without iat, the life is measured from now.
    expectError(
      await me(await mint(secret, "cust-1", { iat: null, expiresIn: "1h" })),
      401,
      "unauthorized",
    );
    expectStatus(await me(await mint(secret, "cust-1", { iat: null, expiresIn: "10m" })), 200);
    // A far-future iat does not stretch the life either.
    const future = await mint(secret, "cust-1", {
      iat: now + 86_400,
      expiresIn: now + 86_400 + 600,
    });
    expectError(await me(future), 401, "unauthorized");
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("cust-1")
      .sign(new TextEncoder().encode(secret));
    expectError(await me(noExp), 401, "unauthorized");
    expectError(await me("not-a-jwt"), 401, "unauthorized");
    // Signed by the shop, but a sub no database can store is refused, not a 500.
    expectError(await me(await mint(secret, "cust\u00001")), 401, "unauthorized");
    expectError(await me(await mint(secret, "c".repeat(201))), 401, "unauthorized");
    // An admin key is not a customer token.
    expectError(await me(api.key), 401, "unauthorized");
  });

  it("stops accepting tokens signed with a secret once it is rotated", async () => {
    const program = await createProgram(api, { name: "Rotating" });
    await createParticipant(api, program.id, { externalId: "cust-1" });
    const first = await api.call<SecretBody>("POST", `/v1/programs/${program.id}/widget-secret`);
    const oldToken = await mint(first.body.secret, "cust-1");
    expectStatus(await me(oldToken, program.id), 200);
    const second = await api.call<SecretBody>("POST", `/v1/programs/${program.id}/widget-secret`);
    expectStatus(second, 201);
    expect(second.body.secret).not.toBe(first.body.secret);
    expectError(await me(oldToken, program.id), 401, "unauthorized");
    expectStatus(await me(await mint(second.body.secret, "cust-1"), program.id), 200);
  });

  it("refuses every token of a program without a secret", async () => {
    const program = await createProgram(api, { name: "Never set up" });
    const reply = await me(await mint(secret, "cust-1"), program.id);
    expectError(reply, 401, "unauthorized");
    expect(reply.body).toMatchObject({
      error: { message: expect.stringMatching(/widget-secret/) },
    });
  });

  it("answers 404 for an unknown program", async () => {
    const reply = await me(await mint(secret, "cust-1"), "prg_01JUNKNOWNUNKNOWNUNKNOWN00");
    expectError(reply, 404, "not_found");
    expect(reply.headers["access-control-allow-origin"]).toBe("*");
  });

  it("lets no other brand's admin create, rotate or read the secret", async () => {
    const rotate = await api.call(
      "POST",
      `/v1/programs/${programId}/widget-secret`,
      undefined,
      api.otherKey,
    );
    expectError(rotate, 404, "not_found");
    const read = await api.call(
      "GET",
      `/v1/programs/${programId}/widget-secret`,
      undefined,
      api.otherKey,
    );
    expectError(read, 404, "not_found");
    // The secret is unchanged: tokens signed with it still work.
    expectStatus(await me(await mint(secret, "cust-1")), 200);
  });

  it("answers the CORS preflight for the customer token on the widget routes", async () => {
    for (const path of ["me", "milestones"]) {
      const reply = await api.app.inject({
        method: "OPTIONS",
        url: `/v1/widget/${programId}/${path}`,
        headers: {
          origin: "https://shop.example",
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
      expect(reply.statusCode).toBe(204);
      expect(reply.headers["access-control-allow-origin"]).toBe("*");
      expect(String(reply.headers["access-control-allow-headers"])).toMatch(/authorization/i);
      expect(String(reply.headers["access-control-allow-methods"])).toMatch(/GET, POST/);
    }
  });
});
