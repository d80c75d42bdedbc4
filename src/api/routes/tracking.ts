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

export const trackingRoutes = [
  route({
    method: "GET",
    url: "/r/{code}",
    summary: "Follow a referral link: records the click, sets the visitor cookie, redirects",
    tag: "Tracking",
    auth: "public",
    params: z.object({ code: z.string() }),
    query: z.object({ to: z.string().optional() }),
    handler: async ({ services, params, query, request, reply }) => {
      const participant = await findParticipantByCode(services.db, normalizeCode(params.code));
      const program = participant && (await findProgramById(services.db, participant.programId));
      if (!participant || !program) throw notFound(`referral code ${params.code}`);
      const visitorId = request.cookies[VISITOR_COOKIE] ?? `v_${randomUUID()}`;
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
