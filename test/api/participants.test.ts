import { describe, expect, it } from "vitest";
import {
  countRows,
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  PUBLIC_URL,
  useApi,
  type Collection,
  type ParticipantBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const levels = [
  { key: "bronze", name: "Bronze" },
  { key: "silver", name: "Silver" },
];

describeEachBackend("participants API", (backend) => {
  const api = useApi(backend);

  async function program(): Promise<string> {
    return (await createProgram(api, { levels })).id;
  }

  const participantsUrl = (programId: string) => `/v1/programs/${programId}/participants`;

  /** Who is below `participantId`, as sorted "externalId@depth" strings. */
  async function downlineOf(
    programId: string,
    participantId: string,
    query = "",
  ): Promise<string[]> {
    const reply = await api.call<Collection<ParticipantBody>>(
      "GET",
      `${participantsUrl(programId)}/${participantId}/downline${query}`,
    );
    expectStatus(reply, 200);
    expect(reply.body.next).toBeNull();
    return reply.body.items.map((p) => `${p.externalId}@${String(p.depth)}`).sort();
  }

  /** A chain A sponsors B sponsors C (sponsors named by external id). */
  async function chain(programId: string) {
    const a = await createParticipant(api, programId, { externalId: "a" });
    const b = await createParticipant(api, programId, { externalId: "b", sponsor: "a" });
    const c = await createParticipant(api, programId, { externalId: "c", sponsor: "b" });
    return { a, b, c };
  }

  describe("POST .../participants", () => {
    it("creates a participant with id, externalId, level, sponsorId, referralCode, referralLink and status", async () => {
      const programId = await program();
      const reply = await api.call<ParticipantBody>("POST", participantsUrl(programId), {
        externalId: "amb-42",
        email: "a@example.com",
        name: "Ana",
        level: "silver",
      });
      expectStatus(reply, 201);
      const ana = reply.body;
      expect(ana).toMatchObject({
        externalId: "amb-42",
        email: "a@example.com",
        name: "Ana",
        level: "silver",
        sponsorId: null,
        status: "active",
      });
      expect(ana.id).toMatch(/^par_[0-9A-Z]{26}$/);
      expect(ana.referralCode).toMatch(/^[A-Z0-9_-]{3,40}$/);
      expect(ana.referralLink).toBe(`${PUBLIC_URL}/r/${ana.referralCode}`);
    });

    it("takes the sponsor by external id", async () => {
      const programId = await program();
      const sam = await createParticipant(api, programId, { externalId: "amb-7" });
      const ana = await createParticipant(api, programId, {
        externalId: "amb-42",
        sponsor: "amb-7",
      });
      expect(ana.sponsorId).toBe(sam.id);
    });

    it("takes the sponsor by referral code, in any case", async () => {
      const programId = await program();
      const sam = await createParticipant(api, programId, { externalId: "amb-7" });
      const ana = await createParticipant(api, programId, {
        externalId: "amb-42",
        sponsor: sam.referralCode.toLowerCase(),
      });
      expect(ana.sponsorId).toBe(sam.id);
    });

    it("keeps a requested referral code, upper-cased", async () => {
      const programId = await program();
      const code = `ana${Date.now().toString(36)}`;
      const ana = await createParticipant(api, programId, {
        externalId: "ana",
        referralCode: code,
      });
      expect(ana.referralCode).toBe(code.toUpperCase());
      expect(ana.referralLink.endsWith(`/r/${code.toUpperCase()}`)).toBe(true);
    });

    it("answers 200 with the same participant when the same one is created again", async () => {
      const programId = await program();
      const body = { externalId: "amb-42", email: "a@example.com", name: "Ana", level: "bronze" };
      const first = await createParticipant(api, programId, body);
      const before = await countRows(api.db, "participants");
      const again = await api.call<ParticipantBody>("POST", participantsUrl(programId), body);
      expectStatus(again, 200);
      expect(again.body).toEqual(first);
      expect(await countRows(api.db, "participants")).toBe(before);
    });

    it("answers 409 conflict when the external id exists with other details, and changes nothing", async () => {
      const programId = await program();
      const first = await createParticipant(api, programId, { externalId: "amb-42", name: "Ana" });
      const before = await countRows(api.db, "participants");
      const reply = await api.call("POST", participantsUrl(programId), {
        externalId: "amb-42",
        name: "Someone else",
      });
      expectError(reply, 409, "conflict");
      expect(await countRows(api.db, "participants")).toBe(before);
      const read = await api.call<ParticipantBody>(
        "GET",
        `${participantsUrl(programId)}/${first.id}`,
      );
      expect(read.body).toEqual(first);
    });

    const refused: [string, Record<string, unknown>, number, string][] = [
      ["an unknown sponsor", { externalId: "x", sponsor: "nobody" }, 422, "unknown_sponsor"],
      ["an unknown level", { externalId: "x", level: "platinum" }, 422, "unknown_level"],
      [
        "a participant sponsoring themself",
        { externalId: "x", sponsor: "x" },
        422,
        "sponsor_cycle",
      ],
      ["a missing externalId", { name: "Ana" }, 400, "invalid_request"],
      ["an unknown field", { externalId: "x", colour: "red" }, 400, "invalid_request"],
      ["an invalid email", { externalId: "x", email: "not-an-email" }, 422, "validation_failed"],
    ];
    for (const [what, body, status, code] of refused) {
      it(`refuses ${what} with ${status} ${code} and writes nothing`, async () => {
        const programId = await program();
        await createParticipant(api, programId, { externalId: "existing" });
        const before = await countRows(api.db, "participants");
        expectError(await api.call("POST", participantsUrl(programId), body), status, code);
        expect(await countRows(api.db, "participants")).toBe(before);
      });
    }

    it("answers 404 for a program that does not exist", async () => {
      const reply = await api.call("POST", participantsUrl("prg_00000000000000000000000000"), {
        externalId: "x",
      });
      expectError(reply, 404, "not_found");
    });
  });

  describe("concurrent requests", () => {
    it("creating the same participant at once makes one participant: one 201, the rest 200 with the same id", async () => {
      const programId = await program();
      const body = { externalId: "amb-42", name: "Ana" };
      const replies = await Promise.all(
        Array.from({ length: 6 }, () =>
          api.call<ParticipantBody>("POST", participantsUrl(programId), body),
        ),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
      expect(await countRows(api.db, "participants", programId)).toBe(1);
    });

    it("asking for the same referral code at once gives it to one: one 201, the rest 409", async () => {
      const programId = await program();
      const code = `RACE${Date.now().toString(36).toUpperCase()}`;
      const replies = await Promise.all(
        ["p1", "p2", "p3", "p4"].map((externalId) =>
          api.call("POST", participantsUrl(programId), { externalId, referralCode: code }),
        ),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      for (const r of replies.filter((r) => r.status === 409)) expectError(r, 409, "conflict");
      expect(await countRows(api.db, "participants", programId)).toBe(1);
    });

    it("moving A under C and C under A at once never makes a cycle: one 200, one 422 sponsor_cycle", async () => {
      for (let round = 0; round < 5; round++) {
        const programId = await program();
        const a = await createParticipant(api, programId, { externalId: "a" });
        const c = await createParticipant(api, programId, { externalId: "c" });
        const replies = await Promise.all([
          api.call("PATCH", `${participantsUrl(programId)}/${a.id}`, { sponsor: "c" }),
          api.call("PATCH", `${participantsUrl(programId)}/${c.id}`, { sponsor: "a" }),
        ]);
        expect(replies.map((r) => r.status).sort()).toEqual([200, 422]);
        const refused = replies.find((r) => r.status === 422);
        if (refused) expectError(refused, 422, "sponsor_cycle");
        const read = async (id: string) =>
          (await api.call<ParticipantBody>("GET", `${participantsUrl(programId)}/${id}`)).body;
        const sponsors = [(await read(a.id)).sponsorId, (await read(c.id)).sponsorId];
        expect(sponsors.filter((s) => s !== null)).toHaveLength(1);
      }
    });
  });

  describe("GET .../participants", () => {
    it("finds a participant by ?externalId=", async () => {
      const programId = await program();
      await createParticipant(api, programId, { externalId: "amb-7" });
      const ana = await createParticipant(api, programId, { externalId: "amb-42" });
      const reply = await api.call<Collection<ParticipantBody>>(
        "GET",
        `${participantsUrl(programId)}?externalId=amb-42`,
      );
      expectStatus(reply, 200);
      expect(reply.body).toEqual({
        items: [
          {
            ...ana,
            levelName: null,
            sponsor: null,
            stats: {
              sales: 0,
              orders: 0,
              earnings: 0,
              balance: 0,
              points: 0,
              joinedAt: (ana as ParticipantBody & { createdAt: string }).createdAt,
            },
            application: null,
          },
        ],
        next: null,
      });
    });

    it("answers an empty collection for an unknown externalId", async () => {
      const programId = await program();
      const reply = await api.call("GET", `${participantsUrl(programId)}?externalId=nobody`);
      expect(reply.body).toEqual({ items: [], next: null });
    });

    it("reads one participant by id", async () => {
      const programId = await program();
      const ana = await createParticipant(api, programId, { externalId: "amb-42" });
      const reply = await api.call("GET", `${participantsUrl(programId)}/${ana.id}`);
      expectStatus(reply, 200);
      expect(reply.body).toEqual(ana);
    });

    it("answers 404 for a participant of another program", async () => {
      const programId = await program();
      const elsewhere = await createParticipant(api, await program(), { externalId: "amb-42" });
      const reply = await api.call("GET", `${participantsUrl(programId)}/${elsewhere.id}`);
      expectError(reply, 404, "not_found");
    });
  });

  describe("PATCH .../participants/{id}", () => {
    it("changes level and status", async () => {
      const programId = await program();
      const ana = await createParticipant(api, programId, {
        externalId: "amb-42",
        level: "bronze",
      });
      const reply = await api.call<ParticipantBody>(
        "PATCH",
        `${participantsUrl(programId)}/${ana.id}`,
        {
          level: "silver",
          status: "suspended",
        },
      );
      expectStatus(reply, 200);
      expect(reply.body).toEqual({ ...ana, level: "silver", status: "suspended" });
    });

    it("refuses an unknown level with 422 unknown_level and changes nothing", async () => {
      const programId = await program();
      const ana = await createParticipant(api, programId, {
        externalId: "amb-42",
        level: "bronze",
      });
      const url = `${participantsUrl(programId)}/${ana.id}`;
      expectError(await api.call("PATCH", url, { level: "platinum" }), 422, "unknown_level");
      expect((await api.call("GET", url)).body).toEqual(ana);
    });

    it("moves a participant to a new sponsor, taking their downline along", async () => {
      const programId = await program();
      const { a, b, c } = await chain(programId);
      const d = await createParticipant(api, programId, { externalId: "d" });
      const reply = await api.call<ParticipantBody>(
        "PATCH",
        `${participantsUrl(programId)}/${b.id}`,
        {
          sponsor: "d",
        },
      );
      expectStatus(reply, 200);
      expect(reply.body.sponsorId).toBe(d.id);
      expect(await downlineOf(programId, d.id)).toEqual(["b@1", "c@2"]);
      expect(await downlineOf(programId, a.id)).toEqual([]);
      const cNow = await api.call<ParticipantBody>("GET", `${participantsUrl(programId)}/${c.id}`);
      expect(cNow.body.sponsorId).toBe(b.id);
    });

    it("refuses a sponsor that makes a cycle (A sponsors B sponsors C; C to sponsor A) with 422 sponsor_cycle, changing nothing", async () => {
      const programId = await program();
      const { a, b, c } = await chain(programId);
      const reply = await api.call("PATCH", `${participantsUrl(programId)}/${a.id}`, {
        sponsor: "c",
      });
      expectError(reply, 422, "sponsor_cycle");
      const read = async (id: string) =>
        (await api.call<ParticipantBody>("GET", `${participantsUrl(programId)}/${id}`)).body;
      expect(await read(a.id)).toEqual(a);
      expect(await read(b.id)).toEqual(b);
      expect(await read(c.id)).toEqual(c);
      expect(await downlineOf(programId, a.id)).toEqual(["b@1", "c@2"]);
    });

    it("refuses a participant as their own sponsor, named by referral code, with 422 sponsor_cycle", async () => {
      const programId = await program();
      const ana = await createParticipant(api, programId, { externalId: "amb-42" });
      const url = `${participantsUrl(programId)}/${ana.id}`;
      expectError(
        await api.call("PATCH", url, { sponsor: ana.referralCode }),
        422,
        "sponsor_cycle",
      );
      expect((await api.call("GET", url)).body).toEqual(ana);
    });

    it("refuses an unknown sponsor with 422 unknown_sponsor", async () => {
      const programId = await program();
      const ana = await createParticipant(api, programId, { externalId: "amb-42" });
      const url = `${participantsUrl(programId)}/${ana.id}`;
      expectError(await api.call("PATCH", url, { sponsor: "nobody" }), 422, "unknown_sponsor");
      expect((await api.call("GET", url)).body).toEqual(ana);
    });
  });

  describe("GET .../participants/{id}/downline", () => {
    it("lists everyone below, with how far below, up to ?depth=", async () => {
      const programId = await program();
      // a > b > c > d, and a > e
      const { a, b } = await chain(programId);
      const d = await createParticipant(api, programId, { externalId: "d", sponsor: "c" });
      await createParticipant(api, programId, { externalId: "e", sponsor: "a" });
      await createParticipant(api, programId, { externalId: "stranger" });
      expect(await downlineOf(programId, a.id, "?depth=1")).toEqual(["b@1", "e@1"]);
      expect(await downlineOf(programId, a.id, "?depth=2")).toEqual(["b@1", "c@2", "e@1"]);
      expect(await downlineOf(programId, a.id, "?depth=3")).toEqual(["b@1", "c@2", "d@3", "e@1"]);
      // The default depth is 3.
      expect(await downlineOf(programId, a.id)).toEqual(["b@1", "c@2", "d@3", "e@1"]);
      expect(await downlineOf(programId, b.id, "?depth=5")).toEqual(["c@1", "d@2"]);
      expect(await downlineOf(programId, d.id)).toEqual([]);
    });
  });
});
