import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type Api,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const NOW = new Date("2026-11-23T12:00:00Z");

interface SessionBody {
  sessionToken: string;
  expiresAt: string;
  programId: string;
  participantId: string;
}

interface DownlineBody {
  currency: string;
  items: { id: string; externalId: string; depth: number; orders: number; sales: number }[];
  next: string | null;
}

interface LeaderboardBody {
  period: { key: string; start: string; end: string };
  currency: string;
  ranked: number;
  you: { rank: number | null; sales: number; orders: number };
  top: { rank: number; externalId: string; name: string | null; sales: number; you: boolean }[];
}

async function tokenFor(api: Api, programId: string, participantId: string): Promise<string> {
  const reply = await api.call<{ token: string }>(
    "POST",
    `/v1/programs/${programId}/participants/${participantId}/tokens`,
  );
  expectStatus(reply, 201);
  return reply.body.token;
}

async function sessionFor(api: Api, token: string): Promise<SessionBody> {
  const reply = await api.call<SessionBody>("POST", "/v1/sessions", undefined, token);
  expectStatus(reply, 201);
  return reply.body;
}

const sale = (
  id: string,
  participant: string,
  amount: number,
  occurredAt = "2026-11-20T10:00:00Z",
) =>
  order(id, {
    participant,
    occurredAt,
    items: [{ sku: "SHIRT", quantity: 1, unitAmount: amount }],
  });

describeEachBackend("the participant portal's API", (backend) => {
  let clock = NOW;
  const api = useApi(backend, { now: () => clock });

  it("exchanges a participant token for a session that reads /v1/me and expires", async () => {
    const program = await createProgram(api, { timezone: "America/New_York" });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const session = await sessionFor(api, await tokenFor(api, program.id, ana.id));
    expect(session).toEqual({
      sessionToken: expect.stringMatching(/^lrl_sess_/),
      expiresAt: expect.any(String),
      programId: program.id,
      participantId: ana.id,
    });
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(NOW.getTime());

    const me = await api.call<{ id: string }>("GET", "/v1/me", undefined, session.sessionToken);
    expectStatus(me, 200);
    expect(me.body.id).toBe(ana.id);
    const info = await api.call("GET", "/v1/me/program", undefined, session.sessionToken);
    expect(info.body).toEqual({
      id: program.id,
      name: program.name,
      currency: "USD",
      timezone: "America/New_York",
      branding: {},
    });

    // A session cannot extend itself by opening another.
    expectError(
      await api.call("POST", "/v1/sessions", undefined, session.sessionToken),
      403,
      "forbidden",
    );
    // Nor is it an admin credential.
    expectError(
      await api.call("GET", `/v1/programs/${program.id}`, undefined, session.sessionToken),
      403,
      "forbidden",
    );

    clock = new Date(Date.parse(session.expiresAt) + 1000);
    try {
      expectError(
        await api.call("GET", "/v1/me", undefined, session.sessionToken),
        401,
        "unauthorized",
      );
    } finally {
      clock = NOW;
    }
  });

  it("answers 401 without a credential or with a bad one, and 403 to an admin key", async () => {
    for (const url of ["/v1/me/program", "/v1/me/downline", "/v1/me/leaderboard"]) {
      expectError(await api.call("GET", url, undefined, null), 401, "unauthorized");
      expectError(await api.call("GET", url, undefined, "lrl_sess_forged"), 401, "unauthorized");
      expectError(await api.call("GET", url), 403, "forbidden");
    }
    expectError(await api.call("POST", "/v1/sessions", undefined, null), 401, "unauthorized");
    expectError(
      await api.call("POST", "/v1/sessions", undefined, "lrl_part_nope"),
      401,
      "unauthorized",
    );
    expectError(await api.call("POST", "/v1/sessions"), 403, "forbidden");
  });

  it("lists the downline with each member's attributed sales", async () => {
    const program = await createProgram(api);
    const lead = await createParticipant(api, program.id, { externalId: "lead" });
    const bo = await createParticipant(api, program.id, { externalId: "bo", sponsor: "lead" });
    const cy = await createParticipant(api, program.id, { externalId: "cy", sponsor: "bo" });
    const other = await createParticipant(api, program.id, { externalId: "other" });
    await sendEvents(api, program.id, {
      events: [
        sale("d-1", "bo", 4000),
        sale("d-2", "bo", 1500),
        sale("d-3", "cy", 2500),
        sale("d-4", "other", 9900),
        sale("d-5", "lead", 700),
      ],
    });
    const session = await sessionFor(api, await tokenFor(api, program.id, lead.id));
    const reply = await api.call<DownlineBody>(
      "GET",
      "/v1/me/downline",
      undefined,
      session.sessionToken,
    );
    expectStatus(reply, 200);
    expect(reply.body.currency).toBe("USD");
    expect(reply.body.next).toBeNull();
    expect(
      reply.body.items.map(({ id, externalId, depth, orders, sales }) => ({
        id,
        externalId,
        depth,
        orders,
        sales,
      })),
    ).toEqual([
      { id: bo.id, externalId: "bo", depth: 1, orders: 2, sales: 5500 },
      { id: cy.id, externalId: "cy", depth: 2, orders: 1, sales: 2500 },
    ]);
    const shallow = await api.call<DownlineBody>(
      "GET",
      "/v1/me/downline?depth=1",
      undefined,
      session.sessionToken,
    );
    expect(shallow.body.items.map((m) => m.externalId)).toEqual(["bo"]);

    // Each participant sees only their own team.
    const theirs = await sessionFor(api, await tokenFor(api, program.id, other.id));
    const none = await api.call<DownlineBody>(
      "GET",
      "/v1/me/downline",
      undefined,
      theirs.sessionToken,
    );
    expect(none.body.items).toEqual([]);
  });

  it("ranks by this month's sales in the program's time zone", async () => {
    const program = await createProgram(api, { timezone: "America/Los_Angeles" });
    const names = ["p1", "p2", "p3", "p4", "p5", "p6", "p7"];
    const people = new Map<string, string>();
    for (const externalId of names)
      people.set(externalId, (await createParticipant(api, program.id, { externalId })).id);
    const idle = await createParticipant(api, program.id, { externalId: "idle" });
    await sendEvents(api, program.id, {
      events: [
        ...names.map((n, i) => sale(`l-${n}`, n, 1000 * (i + 1))),
        // 23:30 on 31 October in Los Angeles: last month there, November in UTC.
        sale("l-old", "p1", 100000, "2026-11-01T06:30:00Z"),
        // 00:30 on 1 November in Los Angeles: this month.
        sale("l-new", "p2", 50, "2026-11-01T07:30:00Z"),
      ],
    });
    const p1 = await sessionFor(api, await tokenFor(api, program.id, people.get("p1") ?? ""));
    const reply = await api.call<LeaderboardBody>(
      "GET",
      "/v1/me/leaderboard",
      undefined,
      p1.sessionToken,
    );
    expectStatus(reply, 200);
    expect(reply.body.period.key).toBe("2026-11");
    expect(reply.body.period.start).toBe("2026-11-01T07:00:00.000Z");
    expect(reply.body.ranked).toBe(7);
    expect(reply.body.you).toEqual({ rank: 7, sales: 1000, orders: 1 });
    expect(reply.body.top.map((r) => [r.rank, r.externalId, r.sales, r.you])).toEqual([
      [1, "p7", 7000, false],
      [2, "p6", 6000, false],
      [3, "p5", 5000, false],
      [4, "p4", 4000, false],
      [5, "p3", 3000, false],
    ]);
    expect(JSON.stringify(reply.body)).not.toContain(people.get("p7") ?? "?");

    const mine = await sessionFor(api, await tokenFor(api, program.id, idle.id));
    const unranked = await api.call<LeaderboardBody>(
      "GET",
      "/v1/me/leaderboard",
      undefined,
      mine.sessionToken,
    );
    expect(unranked.body.you).toEqual({ rank: null, sales: 0, orders: 0 });
  });

  it("a session of one program never reads another participant's data", async () => {
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const ben = await createParticipant(api, program.id, { externalId: "ben" });
    const session = await sessionFor(api, await tokenFor(api, program.id, ana.id));
    expectError(
      await api.call(
        "GET",
        `/v1/programs/${program.id}/participants/${ben.id}/balances`,
        undefined,
        session.sessionToken,
      ),
      403,
      "forbidden",
    );
    const me = await api.call<{ id: string }>("GET", "/v1/me", undefined, session.sessionToken);
    expect(me.body.id).toBe(ana.id);
  });
});
