import { beforeAll, describe, expect, it } from "vitest";
import { TRACKED_CLICKS_PER_MINUTE } from "../../src/api/routes/tracking.ts";
import {
  conformanceOf,
  countRows,
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  only,
  RawBody,
  sendEvents,
  useApi,
  type Api,
  type ParticipantBody,
} from "../support/api.ts";
import { backends, describeEachBackend } from "../support/backends.ts";

const LANDING = "https://shop.example.com/welcome";
const COOKIE_DAYS = 14;
const VISITOR = /^v_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The `laurel_vid` Set-Cookie header of a response. */
function visitorCookie(header: string | string[] | undefined): string {
  const cookies = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const found = cookies.find((c) => c.startsWith("laurel_vid="));
  if (found === undefined) throw new Error(`no laurel_vid cookie in ${JSON.stringify(header)}`);
  return found;
}

/** The visitor id a redirect hands the landing page, and the page without it. */
function landing(location: unknown): { page: string; visitorId: string | null } {
  const url = new URL(String(location));
  const visitorId = url.searchParams.get("lrl_vid");
  url.search = url.search
    .slice(1)
    .split("&")
    .filter((part) => part !== "" && !part.startsWith("lrl_vid="))
    .join("&");
  return { page: url.href, visitorId };
}

/** An order placed now (right after the click) by the visitor, as the shop reports it. */
function orderBy(visitorId: string, id: string) {
  return {
    type: "order",
    id,
    visitorId,
    items: [{ sku: "SHIRT", quantity: 1, unitAmount: 2000 }],
  };
}

async function clicksOf(api: Api, programId: string, visitorId: string): Promise<number> {
  const [row] = await api.db.query<{ n: number | string }>(
    "select count(*) as n from clicks where program_id = $1 and visitor_id = $2",
    [programId, visitorId],
  );
  return Number(row?.n ?? 0);
}

describeEachBackend("tracking links: GET /r/{code}", (backend) => {
  const api = useApi(backend);
  let programId = "";
  let ana: ParticipantBody;

  beforeAll(async () => {
    programId = (
      await createProgram(api, {
        landingUrl: LANDING,
        attribution: { cookieDays: COOKIE_DAYS },
      })
    ).id;
    ana = await createParticipant(api, programId, { externalId: "ana" });
  });

  /** Follows a referral link as a browser would: no key, maybe a cookie. */
  function visit(path: string, cookie?: string) {
    return api.app.inject({
      method: "GET",
      url: path,
      headers: cookie === undefined ? {} : { cookie },
    });
  }

  it("redirects 302 to the landing page, sets laurel_vid for the cookie window, and records a click", async () => {
    const clicksBefore = await countRows(api.db, "clicks", programId);
    const reply = await visit(`/r/${ana.referralCode}`);
    expect(reply.statusCode).toBe(302);
    expect(landing(reply.headers.location).page).toBe(LANDING);
    const cookie = visitorCookie(reply.headers["set-cookie"]);
    expect(cookie).toMatch(/^laurel_vid=[^;]+;/);
    expect(cookie).toMatch(new RegExp(`;\\s*Max-Age=${COOKIE_DAYS * 86_400}(;|$)`, "i"));
    expect(cookie).toMatch(/;\s*Path=\/(;|$)/i);
    expect(await countRows(api.db, "clicks", programId)).toBe(clicksBefore + 1);
  });

  it("lets a later order with that visitor id be attributed to the code's owner", async () => {
    const reply = await visit(`/r/${ana.referralCode}`);
    const visitorId = /^laurel_vid=([^;]+)/.exec(visitorCookie(reply.headers["set-cookie"]))?.[1];
    expect(visitorId).toEqual(expect.any(String));
    // No occurredAt: the order happens now, right after the click.
    const sent = await sendEvents(api, programId, {
      type: "order",
      id: `after-click-${String(visitorId)}`,
      visitorId,
      items: [{ sku: "SHIRT", quantity: 1, unitAmount: 2000 }],
    });
    expectStatus(sent, 200);
    expect(only(sent.body.results)).toMatchObject({
      status: "processed",
      attributedTo: ana.id,
      attribution: { source: "click" },
      commissions: [{ participantId: ana.id, level: 1, amount: 200 }],
    });
  });

  it("hands the landing page the visitor's id as ?lrl_vid=, the same id as the cookie's", async () => {
    const reply = await visit(`/r/${ana.referralCode}`);
    const cookieId = /^laurel_vid=([^;]+)/.exec(visitorCookie(reply.headers["set-cookie"]))?.[1];
    expect(reply.headers.location).toBe(`${LANDING}?lrl_vid=${String(cookieId)}`);
    expect(landing(reply.headers.location).visitorId).toMatch(VISITOR);
  });

  it("adds lrl_vid to https://shop.example.com/welcome?utm_source=ana&size=M%20L#reviews, keeping its query and fragment", async () => {
    const page = "https://shop.example.com/welcome?utm_source=ana&size=M%20L#reviews";
    const shop = (await createProgram(api, { name: "With a query", landingUrl: page })).id;
    const cara = await createParticipant(api, shop, { externalId: "cara" });
    const reply = await visit(`/r/${cara.referralCode}`, "laurel_vid=v-returning-cara");
    expect(reply.statusCode).toBe(302);
    expect(reply.headers.location).toBe(
      "https://shop.example.com/welcome?utm_source=ana&size=M%20L&lrl_vid=v-returning-cara#reviews",
    );
  });

  it("replaces an lrl_vid the page named in ?to= already carries: the id is the visitor's own", async () => {
    const reply = await visit(
      `/r/${ana.referralCode}?to=${encodeURIComponent("/sale?lrl_vid=someone-else&c=1")}`,
      "laurel_vid=v-own",
    );
    expect(reply.headers.location).toBe("https://shop.example.com/sale?c=1&lrl_vid=v-own");
  });

  it("keeps the visitor id of a returning visitor", async () => {
    const reply = await visit(`/r/${ana.referralCode}`, "laurel_vid=v-returning");
    expect(reply.statusCode).toBe(302);
    expect(visitorCookie(reply.headers["set-cookie"])).toMatch(/^laurel_vid=v-returning;/);
    const [click] = await api.db.query<{ participant_id: string }>(
      "select participant_id from clicks where program_id = $1 and visitor_id = $2",
      [programId, "v-returning"],
    );
    expect(click?.participant_id).toBe(ana.id);
  });

  it.each([
    ["a NUL byte", "laurel_vid=v%00x"],
    ["an over-long value", `laurel_vid=${"v".repeat(300)}`],
  ])("a visitor cookie holding %s is replaced by a fresh id, not stored", async (_, cookie) => {
    const reply = await visit(`/r/${ana.referralCode}`, cookie);
    expect(reply.statusCode).toBe(302);
    expect(visitorCookie(reply.headers["set-cookie"])).toMatch(/^laurel_vid=v_[0-9a-f-]{36};/);
  });

  it("accepts the code in any case", async () => {
    const reply = await visit(`/r/${ana.referralCode.toLowerCase()}`);
    expect(reply.statusCode).toBe(302);
    expect(landing(reply.headers.location).page).toBe(LANDING);
  });

  describe("?to=", () => {
    const cases: [string, string, string][] = [
      [
        "follows a page on the landing page's host",
        "https://shop.example.com/sale?c=1",
        "https://shop.example.com/sale?c=1",
      ],
      [
        "follows a path, resolved on the landing page's host",
        "/sale",
        "https://shop.example.com/sale",
      ],
      ["ignores another host", "https://evil.example.net/phish", LANDING],
      ["ignores a protocol-relative URL to another host", "//evil.example.net/phish", LANDING],
      ["ignores a non-http scheme", "javascript:alert(1)", LANDING],
    ];
    for (const [what, to, location] of cases) {
      it(`${what}: ${to}`, async () => {
        const reply = await visit(`/r/${ana.referralCode}?to=${encodeURIComponent(to)}`);
        expect(reply.statusCode).toBe(302);
        expect(landing(reply.headers.location)).toEqual({
          page: location,
          visitorId: expect.stringMatching(VISITOR),
        });
      });
    }
  });

  it("redirects to / when the program has no landingUrl: the visitor stays where the cookie is", async () => {
    const plain = (await createProgram(api, { name: "No landing page" })).id;
    const bob = await createParticipant(api, plain, { externalId: "bob" });
    const reply = await visit(
      `/r/${bob.referralCode}?to=${encodeURIComponent("https://evil.example.net/")}`,
    );
    expect(reply.statusCode).toBe(302);
    expect(reply.headers.location).toBe("/");
  });

  it("answers 404 with the error shape for an unknown code, recording nothing", async () => {
    const clicksBefore = await countRows(api.db, "clicks");
    const reply = await visit("/r/NO-SUCH-CODE");
    expect(reply.statusCode).toBe(404);
    expect(reply.json()).toEqual({
      error: {
        code: "not_found",
        message: expect.any(String),
        details: [],
        requestId: reply.headers["request-id"],
      },
    });
    expect(reply.headers["set-cookie"]).toBeUndefined();
    expect(await countRows(api.db, "clicks")).toBe(clicksBefore);
  });
});

interface TrackedClick {
  visitorId: string;
  recorded: boolean;
}

describeEachBackend(
  "clicks from a shop's own pages: POST /v1/track/{programId}/clicks",
  (backend) => {
    const api = useApi(backend);
    let programId = "";
    let ana: ParticipantBody;

    beforeAll(async () => {
      programId = (
        await createProgram(api, { landingUrl: LANDING, attribution: { cookieDays: COOKIE_DAYS } })
      ).id;
      ana = await createParticipant(api, programId, { externalId: "ana" });
    });

    /** Posts a click as the tracking script does: from the shop's page, with no key. */
    const track = (body: unknown, program = programId) =>
      api.call<TrackedClick>("POST", `/v1/track/${program}/clicks`, body, null);

    it('records {"code": "ANA10", "visitorId": "v_..."} as a click under that visitor id: 201', async () => {
      const visitorId = "v_5b1e2c3d-0000-4000-8000-00000000a001";
      const reply = await track({ code: ana.referralCode, visitorId, url: `${LANDING}?via=ANA` });
      expectStatus(reply, 201);
      expect(reply.body).toEqual({ visitorId, recorded: true });
      expect(await clicksOf(api, programId, visitorId)).toBe(1);
    });

    it("lets an order with that visitor id within the cookie window pay the code's participant", async () => {
      const reply = await track({ code: ana.referralCode.toLowerCase() });
      expectStatus(reply, 201);
      const sent = await sendEvents(
        api,
        programId,
        orderBy(reply.body.visitorId, `via-${reply.body.visitorId}`),
      );
      expectStatus(sent, 200);
      expect(only(sent.body.results)).toMatchObject({
        status: "processed",
        attributedTo: ana.id,
        attribution: { source: "click" },
        commissions: [{ participantId: ana.id, level: 1, amount: 200 }],
      });
    });

    it.each([
      ["no visitor id", {}],
      ["a visitor id with a space", { visitorId: "v 1" }],
      ["an over-long visitor id", { visitorId: "v".repeat(201) }],
      ["an empty visitor id", { visitorId: "" }],
    ])("gives a click with %s a new visitor id", async (_, fields) => {
      const reply = await track({ code: ana.referralCode, ...fields });
      expectStatus(reply, 201);
      expect(reply.body.visitorId).toMatch(VISITOR);
      expect(await clicksOf(api, programId, reply.body.visitorId)).toBe(1);
    });

    it("allows any origin on every answer, errors included", async () => {
      const answers = [
        await track({ code: ana.referralCode }),
        await track({ code: "NO-SUCH-CODE" }),
        await track({ visitorId: "v_1" }),
        await track(new RawBody("application/json", "{not json")),
        await track(new RawBody("text/csv", "code\nANA")),
      ];
      expect(answers.map((a) => [a.status, a.headers["access-control-allow-origin"]])).toEqual([
        [201, "*"],
        [404, "*"],
        [400, "*"],
        [400, "*"],
        [415, "*"],
      ]);
    });

    it("answers the CORS preflight a page's JSON post needs: 204, any origin, POST, Content-Type", async () => {
      const url = `/v1/track/${programId}/clicks`;
      const reply = await api.app.inject({
        method: "OPTIONS",
        url,
        headers: {
          origin: "https://shop.example.com",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
      expect(reply.statusCode).toBe(204);
      expect(reply.headers).toMatchObject({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": expect.stringContaining("POST"),
        "access-control-allow-headers": expect.stringContaining("content-type"),
      });
      const checked = (await conformanceOf(api.app)).problem({
        method: "OPTIONS",
        url,
        status: reply.statusCode,
        contentType: String(reply.headers["content-type"] ?? ""),
        text: reply.body,
      });
      expect(checked).toBeNull();
    });

    it.each([
      ["no code", { visitorId: "v_1" }, 400, "invalid_request"],
      ["a code that is not a string", { code: 42 }, 400, "invalid_request"],
      ["an unknown field", { code: "ANA", participantId: "par_1" }, 400, "invalid_request"],
      ["an empty code", { code: "" }, 422, "validation_failed"],
      [
        "a url that is not http",
        { code: "ANA", url: "javascript:alert(1)" },
        422,
        "validation_failed",
      ],
    ])("refuses a body with %s: %i %s", async (_, body, status, code) => {
      expectError(await track(body), status, code);
    });

    it("refuses a body that is not JSON: 400 malformed_request", async () => {
      expectError(
        await track(new RawBody("application/json", "{not json")),
        400,
        "malformed_request",
      );
    });

    it("answers 404 for an unknown code, and for a code of another program, recording nothing", async () => {
      const other = (await createProgram(api, { name: "Another shop" })).id;
      const bea = await createParticipant(api, other, { externalId: "bea" });
      const before = await countRows(api.db, "clicks");
      expectError(await track({ code: "NO-SUCH-CODE", visitorId: "v_x" }), 404, "not_found");
      expectError(await track({ code: bea.referralCode, visitorId: "v_x" }), 404, "not_found");
      expect(await countRows(api.db, "clicks")).toBe(before);
    });

    it("answers 404 for an unknown program", async () => {
      expectError(
        await track({ code: ana.referralCode }, "prg_01JUNKNOWNUNKNOWNUNKNOWN00"),
        404,
        "not_found",
      );
    });

    it("does not count a flooding click: 200 with recorded false, nothing stored, the visitor kept", async () => {
      const strict = (await createProgram(api, { name: "Strict", fraud: { maxClicksPerHour: 2 } }))
        .id;
      const dan = await createParticipant(api, strict, { externalId: "dan" });
      const visitorId = "v_flooding-visitor";
      const answers = [];
      for (let i = 0; i < 3; i++)
        answers.push(await track({ code: dan.referralCode, visitorId }, strict));
      expect(answers.map((a) => [a.status, a.body])).toEqual([
        [201, { visitorId, recorded: true }],
        [201, { visitorId, recorded: true }],
        [200, { visitorId, recorded: false }],
      ]);
      expect(await clicksOf(api, strict, visitorId)).toBe(2);
      // As on /r/{code}, the flood raises a flag for an admin to look at.
      const flags = await api.call<{ items: { rule: string }[] }>(
        "GET",
        `/v1/programs/${strict}/flags`,
      );
      expectStatus(flags, 200);
      expect(flags.body.items.map((f) => f.rule)).toContain("click_flooding");
    });
  },
);

// The limiter lives in the process, not the database: one backend says it all.
const pglite = backends.find((b) => b.name === "pglite");
if (!pglite) throw new Error("no PGlite backend");

describe("the clicks route's rate limit", () => {
  // An app of its own, so the other tests' clicks do not count against this minute.
  const api = useApi(pglite);

  it(`takes ${TRACKED_CLICKS_PER_MINUTE} clicks a minute from one address, then 429 with Retry-After, still any origin`, async () => {
    const program = (
      await createProgram(api, { name: "Busy shop", fraud: { maxClicksPerHour: 10_000 } })
    ).id;
    const eve = await createParticipant(api, program, { externalId: "eve" });
    const url = `/v1/track/${program}/clicks`;
    for (let i = 0; i < TRACKED_CLICKS_PER_MINUTE; i++)
      expectStatus(await api.call("POST", url, { code: eve.referralCode }, null), 201);
    const over = await api.call("POST", url, { code: eve.referralCode }, null);
    expectError(over, 429, "rate_limited");
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    expect(over.headers["access-control-allow-origin"]).toBe("*");
    // The rest of the API keeps the address's own, larger allowance.
    expectStatus(await api.call("GET", `/v1/widget/${program}/milestones`, undefined, null), 200);
  });
});
