import { z } from "zod";
import { monthOf } from "../../domain/periods.ts";
import { openPortalSession } from "../../engine/open-portal-session.ts";
import { listDownlineSales, salesStandings } from "../../store/portal-standings.ts";
import type { ProgramRecord } from "../../store/programs.ts";
import { ApiError } from "../errors.ts";
import {
  downlineSalesExample,
  leaderboardExample,
  memberProgramExample,
  sessionExample,
} from "../examples.ts";
import { collection, pageOf, pageQuery, route, type AnyRoute } from "../route.ts";
import {
  downlineSalesSchema,
  leaderboardSchema,
  memberProgramSchema,
  sessionSchema,
} from "../schemas.ts";
import { loadTokenHolder } from "./participants.ts";

/** The program's logo and colour as the portal and the widget read them: only what is set. */
export function brandingOf(program: ProgramRecord): { logoUrl?: string; color?: string } {
  const { logoUrl, color } = program.config.branding ?? {};
  return {
    ...(logoUrl === undefined ? {} : { logoUrl }),
    ...(color === undefined ? {} : { color }),
  };
}

/** How many leaders the leaderboard names besides the caller. */
const LEADERBOARD_TOP = 5;

/** What the participant portal reads beyond /v1/me: sessions, downline sales, leaderboard. */
export const portalRoutes: AnyRoute[] = [
  route({
    method: "POST",
    url: "/v1/sessions",
    operationId: "createSession",
    summary: "Exchange a participant token (a magic link) for a short-lived portal session",
    description:
      "A portal session token that reads what the participant token does, for 8 hours. A " +
      "session cannot open another session (403): the link opens a new one.",
    tag: "Me",
    auth: "participant",
    status: 201,
    response: sessionSchema,
    responseExample: sessionExample,
    handler: async ({ services, caller }) => {
      // Renewing from a session would make it live for ever; the link opens a new one.
      if (caller.via === "session")
        throw new ApiError(
          "forbidden",
          "a session cannot open another session; open the portal link again",
        );
      const { program, participant } = await loadTokenHolder(services, caller);
      const session = await openPortalSession(services, {
        brandId: caller.brandId,
        programId: program.id,
        participantId: participant.id,
      });
      return {
        sessionToken: session.sessionToken,
        expiresAt: session.expiresAt.toISOString(),
        programId: program.id,
        participantId: participant.id,
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/program",
    operationId: "getMyProgram",
    summary: "The program the token holder belongs to: name, currency, time zone and branding",
    description:
      "What the portal needs of the program to show amounts and dates, and its logo and colour.",
    tag: "Me",
    response: memberProgramSchema,
    responseExample: memberProgramExample,
    auth: "participant",
    handler: async ({ services, caller }) => {
      const { program } = await loadTokenHolder(services, caller);
      return {
        id: program.id,
        name: program.name,
        currency: program.currency,
        timezone: program.timezone,
        branding: brandingOf(program),
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/downline",
    operationId: "listMyDownline",
    summary: "The token holder's downline, up to `depth` levels, with each member's sales",
    description:
      "The participants below the token holder (3 levels when `depth` is absent), in id order, " +
      "each with their attributed orders and sales of all time; no contact details.",
    tag: "Me",
    response: downlineSalesSchema,
    responseExample: downlineSalesExample,
    auth: "participant",
    query: pageQuery.extend({ depth: z.coerce.number().int().min(1).max(20).optional() }),
    handler: async ({ services, caller, query }) => {
      const { program, participant } = await loadTokenHolder(services, caller);
      const page = pageOf(query);
      const rows = await listDownlineSales(services.db, program.id, participant.id, {
        depth: query.depth ?? 3,
        after: page.after,
        limit: page.limit + 1,
      });
      return {
        currency: program.currency,
        ...collection(
          rows,
          page.limit,
          (m) => m.id,
          (m) => ({
            id: m.id,
            externalId: m.externalId,
            name: m.name,
            status: m.status,
            sponsorId: m.sponsorId,
            depth: m.depth,
            orders: m.orders,
            sales: m.sales,
          }),
        ),
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/leaderboard",
    operationId: "getMyLeaderboard",
    summary: "The token holder's rank by sales this month (program time zone), and the leaders",
    description:
      "The month's top 5 by attributed sales, shown by external id and name only, and where " +
      "the token holder stands.",
    tag: "Me",
    response: leaderboardSchema,
    responseExample: leaderboardExample,
    auth: "participant",
    handler: async ({ services, caller }) => {
      const { program, participant } = await loadTokenHolder(services, caller);
      const month = monthOf(services.now().getTime(), program.timezone);
      const { rows, ranked } = await salesStandings(
        services.db,
        program.id,
        { from: new Date(month.startMs), to: new Date(month.endMs) },
        LEADERBOARD_TOP,
        participant.id,
      );
      const mine = rows.find((r) => r.participantId === participant.id);
      return {
        period: {
          key: month.key,
          start: new Date(month.startMs).toISOString(),
          end: new Date(month.endMs).toISOString(),
        },
        currency: program.currency,
        ranked,
        you: { rank: mine?.rank ?? null, sales: mine?.sales ?? 0, orders: mine?.orders ?? 0 },
        // Other participants are shown by external id and name only: no ids, no contact.
        top: rows
          .filter((r) => r.rank <= LEADERBOARD_TOP)
          .map((r) => ({
            rank: r.rank,
            externalId: r.externalId,
            name: r.name,
            sales: r.sales,
            you: r.participantId === participant.id,
          })),
      };
    },
  }),
];
