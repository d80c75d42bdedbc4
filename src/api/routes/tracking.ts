import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DEFAULT_COOKIE_DAYS } from "../../domain/program.ts";
import { normalizeCode } from "../../domain/events.ts";
import { recordLinkClick } from "../../engine/record-click.ts";
import { findParticipantByCode } from "../../store/participants.ts";
import { findProgramById, type ProgramRecord } from "../../store/programs.ts";
import { notFound } from "../errors.ts";
import { route, type AnyRoute } from "../route.ts";
import {
  trackClickInputExample,
  trackedClickExample,
  trackScriptExample,
} from "../track/examples.ts";
import { trackScript } from "../track/script.ts";
import { programParams } from "./programs.ts";

export const VISITOR_COOKIE = "laurel_vid";
/** The query parameter that carries the visitor id to a landing page on another domain. */
export const VISITOR_PARAM = "lrl_vid";
const VISITOR_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

/** A shop's page calls the clicks route once per landing; a person clicks far fewer links. */
export const TRACKED_CLICKS_PER_MINUTE = 120;
/** Settings changed in the program (its cookie window) reach shops' pages within this. */
const SCRIPT_MAX_AGE_SECONDS = 300;

const CLICKS_URL = "/v1/track/{programId}/clicks";

const newVisitorId = () => `v_${randomUUID()}`;

/** A visitor id as sent, when it is one Laurel could have made; else a new one. */
const visitorIdFrom = (given: string | undefined) =>
  given !== undefined && VISITOR_ID.test(given) ? given : newVisitorId();

const cookieDaysOf = (program: ProgramRecord) =>
  program.config.attribution?.cookieDays ?? DEFAULT_COOKIE_DAYS;

const trackClickBody = z
  .strictObject({
    code: z.string().min(1).max(200).describe("The referral code the page's `?via=` names"),
    visitorId: z
      .string()
      .optional()
      .describe(
        "The visitor's id, as the shop's cookie keeps it; without one, or with one Laurel would " +
          "not make (1 to 200 of A-Z a-z 0-9 _ . : -), the click gets a new id",
      ),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional()
      .describe(
        "The page the visitor landed on, for the caller's own records: a click keeps only the " +
          "code, the visitor and a hash of the address",
      ),
  })
  .meta({ id: "TrackClickInput", description: "A landing on a shop's own `?via=` link" });

const trackedClickSchema = z
  .strictObject({
    visitorId: z.string().describe("The id the click is recorded under: keep it for the order"),
    recorded: z
      .boolean()
      .describe(
        "false when the click was not counted: the visitor or the address clicked more than the " +
          "program allows in an hour",
      ),
  })
  .meta({ id: "TrackedClick" });

/** OPTIONS for the clicks route: browsers ask before a page posts JSON to another origin. */
function clicksPreflight(): AnyRoute {
  const spec = route({
    method: "GET",
    url: CLICKS_URL,
    operationId: "preflightTrackedClick",
    summary: "CORS preflight for shops' pages on other origins",
    description:
      "What a browser asks before a shop's page posts a JSON click to this URL: any origin may, " +
      "with a Content-Type (and an Idempotency-Key).",
    tag: "Tracking",
    auth: "public",
    anyOrigin: true,
    params: programParams,
    status: 204,
    response: null,
    responseHeaders: {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "POST, OPTIONS",
      "Access-Control-Allow-Headers": "content-type, idempotency-key",
      "Access-Control-Max-Age": "600",
    },
    handler: async ({ reply }) =>
      reply
        .code(204)
        .header("access-control-allow-methods", "POST, OPTIONS")
        .header("access-control-allow-headers", "content-type, idempotency-key")
        .header("access-control-max-age", "600")
        .send(),
  });
  // route() types the four methods the API documents for callers; this one is for browsers.
  return { ...spec, method: "OPTIONS" } as unknown as AnyRoute;
}

export const trackingRoutes: AnyRoute[] = [
  route({
    method: "GET",
    url: "/r/{code}",
    operationId: "followReferralLink",
    summary: "Follow a referral link: records the click, sets the visitor cookie, redirects",
    description:
      "Records a click for the participant whose referral code this is, sets the first-party " +
      "visitor cookie for the program's cookie window, and redirects (302) to the program's " +
      "landingUrl (`/` without one) with the visitor's id added as `?lrl_vid=`, which the shop's " +
      "`/track.js` keeps in a cookie of the shop's own. A `?to=` on landingUrl's own host picks " +
      "another page.",
    tag: "Tracking",
    auth: "public",
    params: z.object({ code: z.string() }),
    query: z.object({
      to: z.string().optional().describe("A page on the landing page's host to land on instead"),
    }),
    status: 302,
    response: null,
    responseHeaders: {
      Location: "The landing page, with `lrl_vid=<the visitor's id>` added to its query",
      "Set-Cookie": "laurel_vid, the visitor's id, for the program's cookie window",
    },
    handler: async ({ services, params, query, request, reply }) => {
      const participant = await findParticipantByCode(services.db, normalizeCode(params.code));
      const program = participant && (await findProgramById(services.db, participant.programId));
      if (!participant || !program) throw notFound(`referral code ${params.code}`);
      // A cookie is the visitor's to edit: one that is not an id this route could have set starts afresh.
      const visitorId = visitorIdFrom(request.cookies[VISITOR_COOKIE]);
      // A flooding click is not counted, but the visitor still lands on the shop.
      await recordLinkClick(services, program, participant, { visitorId, ip: request.ip ?? null });
      reply.setCookie(VISITOR_COOKIE, visitorId, {
        maxAge: cookieDaysOf(program) * 86_400,
        path: "/",
        sameSite: "lax",
        httpOnly: true,
      });
      reply.header("cache-control", "no-store");
      const landingUrl = program.config.landingUrl;
      // Without a landing page the visitor stays on Laurel's host, where the cookie is.
      const location =
        landingUrl === undefined
          ? "/"
          : withVisitorId(destination(landingUrl, query.to), visitorId);
      return reply.redirect(location, 302);
    },
  }),
  route({
    method: "GET",
    url: "/track.js",
    operationId: "getTrackScript",
    summary: "The tracking script for a shop's own pages (public; any origin)",
    description:
      "A small script, with the program's settings in it, loaded from " +
      "`.../track.js?program=ID` by every page of the shop. It keeps the visitor id a referral link brings (`?lrl_vid=`) in " +
      "a `laurel_vid` cookie on the shop's domain for the program's cookie window, records a " +
      "landing on the shop's own `?via=CODE` links through POST /v1/track/{programId}/clicks, " +
      "answers `LaurelTrack.visitorId()`, and on a Shopify storefront puts the id in the cart " +
      "attribute `laurel_vid`, which the order webhook carries back.",
    tag: "Tracking",
    auth: "public",
    anyOrigin: true,
    query: z.object({ program: z.string().describe("The program's id") }),
    response: {
      mediaType: "text/javascript",
      schema: z.string().describe("JavaScript, UTF-8"),
    },
    responseExample: trackScriptExample,
    responseHeaders: {
      "Cache-Control": `public, max-age=${SCRIPT_MAX_AGE_SECONDS}: a changed cookie window reaches pages within minutes`,
      "Access-Control-Allow-Origin": "*",
    },
    errors: [404],
    handler: async ({ services, query, reply }) => {
      // An unknown program is a 404 rather than a script that does nothing:
      // the shop's owner sees it in the browser's developer tools.
      const program = await findProgramById(services.db, query.program);
      if (!program) throw notFound(`program ${query.program}`);
      return reply
        .type("text/javascript; charset=utf-8")
        .header("cache-control", `public, max-age=${SCRIPT_MAX_AGE_SECONDS}`)
        .send(
          trackScript({
            programId: program.id,
            cookieDays: cookieDaysOf(program),
            apiBase: services.publicUrl,
          }),
        );
    },
  }),
  route({
    method: "POST",
    url: CLICKS_URL,
    operationId: "recordTrackedClick",
    summary:
      "Record a landing on a shop's own ?via= link as a click (public; any origin); 201 when counted, 200 when not",
    description:
      "What /track.js sends when a page opens with `?via=CODE`: a click on that participant's " +
      "code, under the visitor id sent (or a new one), attributed like a click on /r/{code}: an " +
      "order with the visitor id within the program's cookie window pays the code's " +
      "participant. A click past the program's clicks an hour (click flooding) is not counted " +
      `and answers 200 with \`recorded: false\`. At most ${TRACKED_CLICKS_PER_MINUTE} a minute ` +
      "per client address; every answer, errors too, allows any origin.",
    tag: "Tracking",
    auth: "public",
    anyOrigin: true,
    rateLimitPerMinute: TRACKED_CLICKS_PER_MINUTE,
    params: programParams,
    body: trackClickBody,
    bodyExample: trackClickInputExample,
    status: 201,
    otherStatuses: [
      {
        status: 200,
        description: "Not counted: the visitor or the address clicked too often this hour",
      },
    ],
    response: trackedClickSchema,
    responseExample: trackedClickExample,
    responseHeaders: { "Access-Control-Allow-Origin": "*" },
    handler: async ({ services, params, body, request, reply }) => {
      const program = await findProgramById(services.db, params.programId);
      if (!program) throw notFound(`program ${params.programId}`);
      const participant = await findParticipantByCode(services.db, normalizeCode(body.code));
      // Codes are unique across programs, but a page may name only its own program's.
      if (!participant || participant.programId !== program.id)
        throw notFound(`referral code ${body.code} in program ${program.id}`);
      const visitorId = visitorIdFrom(body.visitorId);
      const outcome = await recordLinkClick(services, program, participant, {
        visitorId,
        ip: request.ip ?? null,
      });
      if (outcome === "flooding") reply.code(200);
      return { visitorId, recorded: outcome === "recorded" };
    },
  }),
  clicksPreflight(),
];

/** `?to=` may pick a page, but only on the landing page's own host: no open redirect. */
function destination(landing: string, to: string | undefined): string {
  if (to === undefined) return landing;
  try {
    const target = new URL(to, landing);
    return target.host === new URL(landing).host && /^https?:$/.test(target.protocol)
      ? target.href
      : landing;
  } catch {
    return landing;
  }
}

/**
 * The page with `lrl_vid=<visitorId>` added to its query, the rest of the
 * query as it was written (one already named lrl_vid is replaced) and the
 * fragment kept: a shop on another domain can read the id from its address.
 */
export function withVisitorId(page: string, visitorId: string): string {
  const url = new URL(page);
  const kept = url.search
    .slice(1)
    .split("&")
    .filter((part) => part !== "" && part.split("=")[0] !== VISITOR_PARAM);
  url.search = [...kept, `${VISITOR_PARAM}=${encodeURIComponent(visitorId)}`].join("&");
  return url.href;
}
