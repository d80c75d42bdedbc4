import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  type Api,
  type Collection,
  type ErrorBody,
  type ParticipantBody,
  countRows,
  useApi,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface TermsBody {
  version: number;
  body: string;
  updatedAt: string;
  acceptedBy: number;
}

interface MyTermsBody {
  version: number | null;
  body: string | null;
  bodyHtml: string | null;
  updatedAt: string | null;
  acceptedVersion: number | null;
  acceptedAt: string | null;
  mustAccept: boolean;
}

type WithTerms = ParticipantBody & { termsVersion: number | null; termsAcceptedAt: string | null };

let clock = new Date("2026-11-20T09:00:00Z");
const later = (minutes: number) => {
  clock = new Date(clock.getTime() + minutes * 60_000);
};

async function tokenFor(api: Api, programId: string, participantId: string): Promise<string> {
  const reply = await api.call<{ token: string }>(
    "POST",
    `/v1/programs/${programId}/participants/${participantId}/tokens`,
  );
  expectStatus(reply, 201);
  return reply.body.token;
}

function publish(api: Api, programId: string, body: string, key?: string | null) {
  return api.call<TermsBody>("PUT", `/v1/programs/${programId}/terms`, { body }, key);
}

describeEachBackend("a program's terms, versioned and accepted per participant", (backend) => {
  const api = useApi(backend, { now: () => clock });

  async function seeded() {
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "ana", name: "Ana" });
    const token = await tokenFor(api, program.id, ana.id);
    return { program, ana, token };
  }

  it("publishes version 1, then version 2 for a changed body", async () => {
    const { program } = await seeded();
    const first = await publish(api, program.id, "# Terms\n\nShare only your own link.");
    expectStatus(first, 201);
    expect(first.body).toEqual({
      version: 1,
      body: "# Terms\n\nShare only your own link.",
      updatedAt: expect.any(String),
      acceptedBy: 0,
    });
    const second = await publish(api, program.id, "# Terms\n\nNo paid ads on our name.");
    expectStatus(second, 201);
    expect(second.body).toMatchObject({ version: 2, body: "# Terms\n\nNo paid ads on our name." });
  });

  it("answers the current version with 200 for the same body again, making no new one", async () => {
    const { program } = await seeded();
    const first = await publish(api, program.id, "Be honest.");
    const again = await publish(api, program.id, "Be honest.");
    expectStatus(again, 200);
    expect(again.body).toEqual(first.body);
    const versions = await api.call<Collection<TermsBody>>(
      "GET",
      `/v1/programs/${program.id}/terms/versions`,
    );
    expect(versions.body.items.map((t) => t.version)).toEqual([1]);
  });

  it("reads the current version, and a 404 saying how to publish while there is none", async () => {
    const { program } = await seeded();
    const none = await api.call<ErrorBody>("GET", `/v1/programs/${program.id}/terms`);
    expectError(none, 404, "not_found");
    expect(none.body.error.message).toContain(`PUT /v1/programs/${program.id}/terms`);
    await publish(api, program.id, "One.");
    await publish(api, program.id, "Two.");
    const current = await api.call<TermsBody>("GET", `/v1/programs/${program.id}/terms`);
    expectStatus(current, 200);
    expect(current.body).toMatchObject({ version: 2, body: "Two.", acceptedBy: 0 });
  });

  it("refuses an empty, blank or oversized body, naming the field, and publishes nothing", async () => {
    const { program } = await seeded();
    for (const body of ["", "  \n\t ", "x".repeat(100_001)]) {
      const reply = await publish(api, program.id, body);
      expectError(reply, 422, "validation_failed");
      expect((reply.body as unknown as ErrorBody).error.details).toEqual([
        { path: "body", message: expect.stringMatching(/\S/) },
      ]);
    }
    expectError(
      await api.call("PUT", `/v1/programs/${program.id}/terms`, {}),
      400,
      "invalid_request",
    );
    expectError(await api.call("GET", `/v1/programs/${program.id}/terms`), 404, "not_found");
    expectStatus(await publish(api, program.id, "x".repeat(100_000)), 201);
  });

  it("previews a body as the portal will show it, publishing nothing", async () => {
    const { program } = await seeded();
    const reply = await api.call<{ bodyHtml: string }>(
      "POST",
      `/v1/programs/${program.id}/terms/preview`,
      { body: "# Rules\n\n<b>bold?</b>" },
    );
    expectStatus(reply, 200);
    expect(reply.body.bodyHtml).toBe("<h1>Rules</h1>\n<p>&lt;b&gt;bold?&lt;/b&gt;</p>\n");
    expectError(await api.call("GET", `/v1/programs/${program.id}/terms`), 404, "not_found");
    const blank = await api.call("POST", `/v1/programs/${program.id}/terms/preview`, { body: " " });
    expectError(blank, 422, "validation_failed");
  });

  it("gives two publications at once distinct versions", async () => {
    const { program } = await seeded();
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) => publish(api, program.id, `Version written by ${i}.`)),
    );
    for (const reply of replies) expectStatus(reply, 201);
    expect(replies.map((r) => r.body.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const current = await api.call<TermsBody>("GET", `/v1/programs/${program.id}/terms`);
    expect(current.body.version).toBe(6);
  });

  it("shows a participant the current terms, rendered safely, and that they must accept them", async () => {
    const { program, token } = await seeded();
    const before = await api.call<MyTermsBody>("GET", "/v1/me/terms", undefined, token);
    expectStatus(before, 200);
    expect(before.body).toEqual({
      version: null,
      body: null,
      bodyHtml: null,
      updatedAt: null,
      acceptedVersion: null,
      acceptedAt: null,
      mustAccept: false,
    });
    await publish(
      api,
      program.id,
      "**Fair play.** <script>alert(1)</script> [x](javascript:alert(1))",
    );
    const reply = await api.call<MyTermsBody>("GET", "/v1/me/terms", undefined, token);
    expect(reply.body).toMatchObject({ version: 1, acceptedVersion: null, mustAccept: true });
    expect(reply.body.bodyHtml).toContain("<strong>Fair play.</strong>");
    expect(reply.body.bodyHtml).toContain("&lt;script&gt;");
    expect(reply.body.bodyHtml).not.toContain("<script");
    expect(reply.body.bodyHtml).not.toContain('href="javascript:');
  });

  it("records a participant's acceptance of the current version, on them and on the version", async () => {
    const { program, ana, token } = await seeded();
    await publish(api, program.id, "Version one.");
    later(5);
    const accepted = await api.call<MyTermsBody>("POST", "/v1/me/terms", { version: 1 }, token);
    expectStatus(accepted, 200);
    expect(accepted.body).toMatchObject({
      version: 1,
      acceptedVersion: 1,
      acceptedAt: clock.toISOString(),
      mustAccept: false,
    });
    const participant = await api.call<WithTerms>(
      "GET",
      `/v1/programs/${program.id}/participants/${ana.id}`,
    );
    expect(participant.body).toMatchObject({
      termsVersion: 1,
      termsAcceptedAt: clock.toISOString(),
    });
    const me = await api.call<WithTerms>("GET", "/v1/me", undefined, token);
    expect(me.body).toMatchObject({ termsVersion: 1, termsAcceptedAt: clock.toISOString() });
    const current = await api.call<TermsBody>("GET", `/v1/programs/${program.id}/terms`);
    expect(current.body.acceptedBy).toBe(1);
  });

  it("carries termsVersion and termsAcceptedAt as null on a participant who has not accepted", async () => {
    const { program, ana } = await seeded();
    const list = await api.call<Collection<WithTerms>>(
      "GET",
      `/v1/programs/${program.id}/participants`,
    );
    expect(list.body.items.find((p) => p.id === ana.id)).toMatchObject({
      termsVersion: null,
      termsAcceptedAt: null,
    });
  });

  it("refuses an old version with a 422 naming the current one, recording nothing", async () => {
    const { program, token } = await seeded();
    await publish(api, program.id, "Version one.");
    await publish(api, program.id, "Version two.");
    const reply = await api.call<ErrorBody>("POST", "/v1/me/terms", { version: 1 }, token);
    expectError(reply, 422, "validation_failed");
    expect(reply.body.error.message).toContain("version 2");
    expect(reply.body.error.details).toEqual([
      { path: "version", message: "must be 2, the current version" },
    ]);
    const mine = await api.call<MyTermsBody>("GET", "/v1/me/terms", undefined, token);
    expect(mine.body).toMatchObject({ acceptedVersion: null, mustAccept: true });
    expect(await countRows(api.db, "terms_acceptances", program.id)).toBe(0);
  });

  it("refuses to accept terms a program has not published", async () => {
    const { token } = await seeded();
    const reply = await api.call<ErrorBody>("POST", "/v1/me/terms", { version: 1 }, token);
    expectError(reply, 422, "validation_failed");
    expect(reply.body.error.details).toEqual([
      { path: "version", message: "the program has published no terms" },
    ]);
  });

  it("keeps the first time when the same version is accepted again", async () => {
    const { program, token } = await seeded();
    await publish(api, program.id, "Version one.");
    const first = await api.call<MyTermsBody>("POST", "/v1/me/terms", { version: 1 }, token);
    later(60);
    const again = await api.call<MyTermsBody>("POST", "/v1/me/terms", { version: 1 }, token);
    expectStatus(again, 200);
    expect(again.body.acceptedAt).toBe(first.body.acceptedAt);
    const versions = await api.call<Collection<TermsBody>>(
      "GET",
      `/v1/programs/${program.id}/terms/versions`,
    );
    expect(versions.body.items).toEqual([expect.objectContaining({ version: 1, acceptedBy: 1 })]);
  });

  it("asks again when a new version is published, and counts each version's acceptances", async () => {
    const { program, ana, token } = await seeded();
    const ben = await createParticipant(api, program.id, { externalId: "ben" });
    const benToken = await tokenFor(api, program.id, ben.id);
    await publish(api, program.id, "Version one.");
    await api.call("POST", "/v1/me/terms", { version: 1 }, token);
    await api.call("POST", "/v1/me/terms", { version: 1 }, benToken);
    await publish(api, program.id, "Version two.");
    const mine = await api.call<MyTermsBody>("GET", "/v1/me/terms", undefined, token);
    expect(mine.body).toMatchObject({ version: 2, acceptedVersion: 1, mustAccept: true });
    later(1);
    await api.call("POST", "/v1/me/terms", { version: 2 }, token);
    const participant = await api.call<WithTerms>(
      "GET",
      `/v1/programs/${program.id}/participants/${ana.id}`,
    );
    expect(participant.body).toMatchObject({
      termsVersion: 2,
      termsAcceptedAt: clock.toISOString(),
    });
    const versions = await api.call<Collection<TermsBody>>(
      "GET",
      `/v1/programs/${program.id}/terms/versions`,
    );
    expect(versions.body.items.map((t) => [t.version, t.acceptedBy])).toEqual([
      [2, 1],
      [1, 2],
    ]);
  });

  it("pages through the versions, newest first", async () => {
    const { program } = await seeded();
    for (const n of [1, 2, 3]) await publish(api, program.id, `Version ${n}.`);
    const first = await api.call<Collection<TermsBody>>(
      "GET",
      `/v1/programs/${program.id}/terms/versions?limit=2`,
    );
    expect(first.body.items.map((t) => t.version)).toEqual([3, 2]);
    expect(first.body.next).not.toBeNull();
    const rest = await api.call<Collection<TermsBody>>(
      "GET",
      `/v1/programs/${program.id}/terms/versions?limit=2&cursor=${first.body.next}`,
    );
    expect(rest.body).toMatchObject({
      items: [expect.objectContaining({ version: 1 })],
      next: null,
    });
    // Cursors are any text of the right alphabet: none of them is a server error.
    for (const key of ["99999999999", "-99999999999", "1.5", "abc"]) {
      const cursor = Buffer.from(key).toString("base64url");
      const wild = await api.call<Collection<TermsBody>>(
        "GET",
        `/v1/programs/${program.id}/terms/versions?cursor=${cursor}`,
      );
      expectStatus(wild, 200);
    }
  });

  it("keeps another brand out of the program's terms, publishing nothing", async () => {
    const { program } = await seeded();
    await publish(api, program.id, "Ours.");
    expectError(await publish(api, program.id, "Theirs.", api.otherKey), 404, "not_found");
    expect(await countRows(api.db, "program_terms", program.id)).toBe(1);
    expectError(
      await api.call("GET", `/v1/programs/${program.id}/terms`, undefined, api.otherKey),
      404,
      "not_found",
    );
    expectError(
      await api.call("GET", `/v1/programs/${program.id}/terms/versions`, undefined, api.otherKey),
      404,
      "not_found",
    );
    const current = await api.call<TermsBody>("GET", `/v1/programs/${program.id}/terms`);
    expect(current.body).toMatchObject({ version: 1, body: "Ours." });
  });

  it("refuses a participant token on the admin routes and an admin key on /v1/me/terms", async () => {
    const { program, token } = await seeded();
    expectError(await publish(api, program.id, "By a participant.", token), 403, "forbidden");
    expect(await countRows(api.db, "program_terms", program.id)).toBe(0);
    expectError(
      await api.call("GET", `/v1/programs/${program.id}/terms`, undefined, token),
      403,
      "forbidden",
    );
    expectError(await api.call("GET", "/v1/me/terms"), 403, "forbidden");
    expectError(await api.call("POST", "/v1/me/terms", { version: 1 }), 403, "forbidden");
    expectError(await api.call("GET", `/v1/programs/${program.id}/terms`), 404, "not_found");
  });

  it("refuses every terms route without credentials", async () => {
    const { program } = await seeded();
    for (const [method, url, body] of [
      ["PUT", `/v1/programs/${program.id}/terms`, { body: "Anyone." }],
      ["GET", `/v1/programs/${program.id}/terms`, undefined],
      ["GET", `/v1/programs/${program.id}/terms/versions`, undefined],
      ["GET", "/v1/me/terms", undefined],
      ["POST", "/v1/me/terms", { version: 1 }],
    ] as const)
      expectError(await api.call(method, url, body, null), 401, "unauthorized");
  });
});
