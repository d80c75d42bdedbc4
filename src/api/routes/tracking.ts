import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DEFAULT_COOKIE_DAYS } from "../../domain/program.ts";
import { normalizeCode } from "../../domain/events.ts";
import { recordLinkClick } from "../../engine/record-click.ts";
import { findParticipantByCode } from "../../store/participants.ts";
import { findProgramById } from "../../store/programs.ts";
import { notFound } from "../errors.ts";
import { route } from "../route.ts";

export const VISITOR_COOKIE = "laurel_vid";
const VISITOR_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

export const trackingRoutes = [
  route({
    method: "GET",
    url: "/r/{code}",
    operationId: "followReferralLink",
    summary: "Follow a referral link: records the click, sets the visitor cookie, redirects",
    description:
      "Records a click for the participant whose referral code this is, sets the first-party " +
      "visitor cookie for the program's cookie window, and redirects (302) to the program's " +
      "landingUrl (`/` without one). A `?to=` on landingUrl's own host picks another page.",
    tag: "Tracking",
    auth: "public",
    params: z.object({ code: z.string() }),
    query: z.object({
      to: z.string().optional().describe("A page on the landing page's host to land on instead"),
    }),
    status: 302,
    response: null,
    responseHeaders: {
      Location: "The landing page",
      "Set-Cookie": "laurel_vid, the visitor's id, for the program's cookie window",
    },
    handler: async ({ services, params, query, request, reply }) => {
      const participant = await findParticipantByCode(services.db, normalizeCode(params.code));
      const program = participant && (await findProgramById(services.db, participant.programId));
      if (!participant || !program) throw notFound(`referral code ${params.code}`);
      // A cookie is the visitor's to edit: one that is not an id this route could have set starts afresh.
      const given = request.cookies[VISITOR_COOKIE];
      const visitorId = given !== undefined && VISITOR_ID.test(given) ? given : `v_${randomUUID()}`;
      // A flooding click is not counted, but the visitor still lands on the shop.
      await recordLinkClick(services, program, participant, { visitorId, ip: request.ip ?? null });
      const cookieDays = program.config.attribution?.cookieDays ?? DEFAULT_COOKIE_DAYS;
      reply.setCookie(VISITOR_COOKIE, visitorId, {
        maxAge: cookieDays * 86_400,
        path: "/",
        sameSite: "lax",
        httpOnly: true,
      });
      reply.header("cache-control", "no-store");
      return reply.redirect(destination(program.config.landingUrl, query.to), 302);
    },
  }),
];

/** `?to=` may pick a page, but only on the landing page's own host: no open redirect. */
function destination(landingUrl: string | undefined, to: string | undefined): string {
  const landing = landingUrl ?? "/";
  if (to === undefined || landingUrl === undefined) return landing;
  try {
    const target = new URL(to, landing);
    return target.host === new URL(landing).host && /^https?:$/.test(target.protocol)
      ? target.href
      : landing;
  } catch {
    return landing;
  }
}
