import { beforeAll, describe, expect, it } from "vitest";
import {
  countRows,
  createParticipant,
  createProgram,
  expectStatus,
  only,
  order,
  sendEvents,
  useApi,
  type ParticipantBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const LANDING = "https://shop.example.com/welcome";
const COOKIE_DAYS = 14;

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

  /** The `laurel_vid` Set-Cookie header of a response. */
  function visitorCookie(header: string | string[] | undefined): string {
    const cookies = header === undefined ? [] : Array.isArray(header) ? header : [header];
    const found = cookies.find((c) => c.startsWith("laurel_vid="));
    if (found === undefined) throw new Error(`no laurel_vid cookie in ${JSON.stringify(header)}`);
    return found;
  }

  it("redirects 302 to the landing page, sets laurel_vid for the cookie window, and records a click", async () => {
    const clicksBefore = await countRows(api.db, "clicks", programId);
    const reply = await visit(`/r/${ana.referralCode}`);
    expect(reply.statusCode).toBe(302);
    expect(reply.headers.location).toBe(LANDING);
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
    expect(reply.headers.location).toBe(LANDING);
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
        expect(reply.headers.location).toBe(location);
      });
    }
  });

  it("redirects to / when the program has no landingUrl", async () => {
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
