// Who may call what, checked on every route the app serves: adding a route
// adds it to these checks, and a route with a path parameter or body these
// tests do not know yet fails loudly until one is added below.
import { beforeAll, describe, expect, it } from "vitest";
import { routes } from "../../src/api/app.ts";
import type { AnyRoute } from "../../src/api/route.ts";
import {
  createParticipant,
  createProgram,
  csvBody,
  expectError,
  expectStatus,
  order,
  snapshot,
  sendEvents,
  useApi,
  type Collection,
  type ProgramBody,
} from "../support/api.ts";
import { insertBroadcast } from "../../src/store/broadcasts.ts";
import { findProgramById } from "../../src/store/programs.ts";
import { describeEachBackend } from "../support/backends.ts";

const guarded = routes.filter((r) => r.auth !== "public");
const adminRoutes = routes.filter((r) => r.auth === "admin");
const participantRoutes = routes.filter((r) => r.auth === "participant");
const programScoped = routes.filter((r) => r.auth === "admin" && r.url.includes("{programId}"));
const endpointScoped = routes.filter((r) => r.auth === "admin" && r.url.includes("{endpointId}"));

const name = (r: AnyRoute) => `${r.method} ${r.url}`;

/** A valid body for each route that takes one, so only the credentials decide the answer. */
const validBodies: Record<string, unknown> = {
  "POST /v1/programs": { name: "Intruders", currency: "USD" },
  "PATCH /v1/programs/{programId}": { name: "Renamed by an intruder" },
  "PUT /v1/programs/{programId}/integrations/{provider}": { secret: "an-intruders-secret" },
  "POST /v1/programs/{programId}/participants": { externalId: "intruder" },
  "PATCH /v1/programs/{programId}/participants/{participantId}": { name: "Renamed" },
  "POST /v1/programs/{programId}/events": order("intruder-order", { participant: "owner" }),
  "POST /v1/programs/{programId}/goals": {
    name: "Intruder goal",
    metric: "order_count",
    steps: [{ threshold: 1, reward: { type: "points", points: 1 } }],
  },
  "PATCH /v1/programs/{programId}/goals/{goalId}": { name: "Renamed by an intruder" },
  "POST /v1/programs/{programId}/simulations": {
    program: { commission: { rate: { percent: 50 } } },
  },
  "POST /v1/webhook-endpoints": {
    url: "https://93.184.215.14/intruder",
    events: ["commission.created"],
  },
  "PATCH /v1/webhook-endpoints/{endpointId}": { disabled: true },
  "PATCH /v1/brand": { contactEmail: "intruder@example.com" },
  "POST /v1/programs/{programId}/broadcasts": { subject: "Intrusion", body: "Hello." },
  "POST /v1/programs/{programId}/broadcasts/preview": { subject: "Intrusion", body: "Hello." },
  "POST /v1/programs/{programId}/targets": csvBody(
    "participant,goal,period,target\nowner,gol_x,2026-11,1\n",
  ),
  "POST /v1/programs/{programId}/payouts": { expect: { total: 0, count: 0 } },
  "POST /v1/programs/{programId}/payouts/{payoutId}/mark-paid": { reference: "intruder" },
  "POST /v1/programs/{programId}/flags/review": { flagIds: ["flg_intruder"], decision: "reverse" },
  "POST /v1/programs/{programId}/participants/{participantId}/adjustments": {
    asset: "points",
    amount: 1,
    reason: "intrusion",
  },
  "POST /v1/programs/{programId}/targets/preview": csvBody(
    "participant,goal,period,target\nowner,gol_x,2026-11,1\n",
  ),
  "PUT /v1/programs/{programId}/terms": { body: "Terms written by an intruder." },
  "POST /v1/programs/{programId}/terms/preview": { body: "Terms read by an intruder." },
  "POST /v1/me/terms": { version: 1 },
  "POST /v1/programs/{programId}/creatives": { name: "Intruder caption", text: "Mine: {link}" },
  "POST /v1/programs/{programId}/participants/{participantId}/reject": { reason: "intrusion" },
};

function bodyFor(r: AnyRoute): unknown {
  if (!r.body) return undefined;
  if (!(name(r) in validBodies))
    throw new Error(`add a valid body for ${name(r)} to validBodies in this file`);
  return validBodies[name(r)];
}

describeEachBackend("every route checks who is calling", (backend) => {
  const api = useApi(backend);
  const ids = {
    programId: "",
    participantId: "",
    payoutId: "",
    flagId: "",
    goalId: "",
    endpointId: "",
    deliveryId: "",
    broadcastId: "",
    creativeId: "",
    simulationId: "",
  };
  let participantToken = "";

  beforeAll(async () => {
    const program = await createProgram(api, {
      name: "Owned by brand A",
      fraud: { maxClicksPerHour: 1 },
    });
    const owner = await createParticipant(api, program.id, { externalId: "owner" });
    ids.programId = program.id;
    ids.participantId = owner.id;
    const payout = await api.call<{ id: string }>("POST", `/v1/programs/${program.id}/payouts`);
    expectStatus(payout, 201);
    ids.payoutId = payout.body.id;
    // Two clicks from one visitor in an hour is a flood here: it raises a flag.
    const click = (id: string) => ({
      type: "click",
      id,
      code: owner.referralCode,
      visitorId: "v-1",
    });
    await sendEvents(api, program.id, { events: [click("c-1"), click("c-2")] });
    const flags = await api.call<{ items: { id: string }[] }>(
      "GET",
      `/v1/programs/${program.id}/flags`,
    );
    ids.flagId = flags.body.items[0]?.id ?? "";
    const token = await api.call<{ token: string }>(
      "POST",
      `/v1/programs/${program.id}/participants/${owner.id}/tokens`,
    );
    expectStatus(token, 201);
    participantToken = token.body.token;
    const goal = await api.call<{ id: string }>("POST", `/v1/programs/${program.id}/goals`, {
      name: "Five orders",
      metric: "order_count",
      steps: [{ threshold: 5, reward: { type: "points", points: 100 } }],
    });
    expectStatus(goal, 201);
    ids.goalId = goal.body.id;
    const shop = await api.call("PUT", `/v1/programs/${program.id}/integrations/shopify`, {
      secret: "brand-a-shopify-secret",
    });
    expectStatus(shop, 200);
    const endpoint = await api.call<{ id: string }>("POST", "/v1/webhook-endpoints", {
      url: "https://93.184.215.14/brand-a",
      events: ["commission.created"],
      programId: program.id,
    });
    expectStatus(endpoint, 201);
    ids.endpointId = endpoint.body.id;
    const test = await api.call<{ id: string }>(
      "POST",
      `/v1/webhook-endpoints/${endpoint.body.id}/test`,
    );
    expectStatus(test, 202);
    ids.deliveryId = test.body.id;
    // Written directly: this app has no SMTP server, so the API would refuse to broadcast.
    const creative = await api.call<{ id: string }>(
      "POST",
      `/v1/programs/${program.id}/creatives`,
      { name: "Owned by brand A", text: "Shop with me: {link}" },
    );
    expectStatus(creative, 201);
    ids.creativeId = creative.body.id;
    const simulation = await api.call<{ id: string }>(
      "POST",
      `/v1/programs/${program.id}/simulations`,
      {},
    );
    expectStatus(simulation, 202);
    ids.simulationId = simulation.body.id;
    ids.broadcastId = api.services.ids.next("brc");
    await insertBroadcast(api.db, {
      id: ids.broadcastId,
      programId: program.id,
      brandId: (await findProgramById(api.db, program.id))?.brandId ?? "",
      subject: "Owned by brand A",
      body: "Hello.",
      audience: {},
      recipients: 0,
      createdAt: new Date(),
    });
  });

  /** The route's URL with brand A's real ids in place of its path parameters. */
  function urlOf(r: AnyRoute): string {
    return r.url.replace(/\{(\w+)\}/g, (_, param: string) => {
      if (param === "programId") return ids.programId;
      if (param === "participantId") return ids.participantId;
      if (param === "payoutId") return ids.payoutId;
      if (param === "flagId") return ids.flagId;
      if (param === "goalId") return ids.goalId;
      if (param === "provider") return "shopify";
      if (param === "endpointId") return ids.endpointId;
      if (param === "deliveryId") return ids.deliveryId;
      if (param === "broadcastId") return ids.broadcastId;
      if (param === "creativeId") return ids.creativeId;
      if (param === "simulationId") return ids.simulationId;
      throw new Error(`no real id for {${param}} in ${name(r)}; add one in this file`);
    });
  }

  it("knows every guarded route: admin routes and participant routes are all checked", () => {
    expect(guarded.length).toBeGreaterThan(0);
    expect(adminRoutes.length + participantRoutes.length).toBe(guarded.length);
  });

  describe("without a key", () => {
    for (const r of guarded) {
      it(`${name(r)} answers 401 unauthorized`, async () => {
        expectError(await api.call(r.method, urlOf(r), bodyFor(r), null), 401, "unauthorized");
      });
    }
  });

  describe("with a key that does not exist", () => {
    for (const r of guarded) {
      it(`${name(r)} answers 401 unauthorized`, async () => {
        const reply = await api.call(r.method, urlOf(r), bodyFor(r), "lrl_admin_not-a-real-key");
        expectError(reply, 401, "unauthorized");
      });
    }
  });

  describe("with a credential that is not a Bearer key", () => {
    it("answers 401 unauthorized for Basic auth", async () => {
      const reply = await api.app.inject({
        method: "GET",
        url: "/v1/programs",
        headers: { authorization: "Basic dXNlcjpwYXNz" },
      });
      expect(reply.statusCode).toBe(401);
      expect(reply.json()).toMatchObject({ error: { code: "unauthorized" } });
    });
  });

  describe("with another brand's admin key on this brand's program or participant", () => {
    for (const r of programScoped) {
      it(`${name(r)} answers 404, not 403, and writes nothing`, async () => {
        const before = await snapshot(api.db);
        const reply = await api.call(r.method, urlOf(r), bodyFor(r), api.otherKey);
        expectError(reply, 404, "not_found");
        expect(await snapshot(api.db)).toEqual(before);
      });
    }

    it("never lists this brand's programs", async () => {
      const reply = await api.call<Collection<ProgramBody>>(
        "GET",
        "/v1/programs?limit=500",
        undefined,
        api.otherKey,
      );
      expectStatus(reply, 200);
      expect(reply.body.items.map((p) => p.id)).not.toContain(ids.programId);
    });

    it("cannot reach this brand's participant through a program of its own", async () => {
      const theirs = await createProgram(api, { name: "Owned by brand B" }, api.otherKey);
      const reply = await api.call(
        "GET",
        `/v1/programs/${theirs.id}/participants/${ids.participantId}`,
        undefined,
        api.otherKey,
      );
      expectError(reply, 404, "not_found");
    });
  });

  describe("with another brand's admin key on this brand's webhook endpoint", () => {
    for (const r of endpointScoped) {
      it(`${name(r)} answers 404, not 403, and writes nothing`, async () => {
        const before = await snapshot(api.db);
        const reply = await api.call(r.method, urlOf(r), bodyFor(r), api.otherKey);
        expectError(reply, 404, "not_found");
        expect(await snapshot(api.db)).toEqual(before);
      });
    }
  });

  describe("with a participant token on an admin route", () => {
    for (const r of adminRoutes) {
      it(`${name(r)} answers 403 forbidden and writes nothing`, async () => {
        const before = await snapshot(api.db);
        const reply = await api.call(r.method, urlOf(r), bodyFor(r), participantToken);
        expectError(reply, 403, "forbidden");
        expect(await snapshot(api.db)).toEqual(before);
      });
    }
  });

  describe("with an admin key on a participant route", () => {
    for (const r of participantRoutes) {
      it(`${name(r)} answers 403 forbidden`, async () => {
        expectError(await api.call(r.method, urlOf(r), bodyFor(r)), 403, "forbidden");
      });
    }
  });
});
