import { z } from "zod";
import { addDays, localDateOf } from "../../domain/periods.ts";
import { searchParticipants } from "../../store/participant-search.ts";
import { dailyActivity } from "../../store/timeseries.ts";
import { ApiError } from "../errors.ts";
import { participantExample, timeSeriesExample } from "../examples.ts";
import { presentParticipant } from "../present.ts";
import { collection, pageOf, pageQuery, route, type AnyRoute } from "../route.ts";
import { participantCollection, timeSeriesSchema } from "../schemas.ts";
import { loadProgram, programParams } from "./programs.ts";
import { requestedPeriod, summaryQuery } from "./reports.ts";

/** Two years of days: enough for any chart, and a bound on the rows one request makes. */
export const MAX_SERIES_DAYS = 731;

/** What the admin console reads beyond the other resources: time series, searches. */
export const consoleRoutes: AnyRoute[] = [
  route({
    method: "GET",
    url: "/v1/programs/{programId}/reports/timeseries",
    summary:
      "Clicks, orders, sales and commissions per local day of the program's time zone, days with nothing as zeros",
    operationId: "getReportTimeSeries",
    description: `Per local day over [from, to), at most ${MAX_SERIES_DAYS} days: what a chart plots.`,
    tag: "Reports",
    auth: "admin",
    params: programParams,
    query: summaryQuery,
    response: timeSeriesSchema,
    responseExample: timeSeriesExample,
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const { fromMs, toMs } = requestedPeriod(query, program, services);
      const firstDay = localDateOf(fromMs, program.timezone);
      const lastDay = localDateOf(Math.max(fromMs, toMs - 1), program.timezone);
      if (addDays(firstDay, MAX_SERIES_DAYS) <= lastDay)
        throw new ApiError(
          "validation_failed",
          `from: a series covers at most ${MAX_SERIES_DAYS} days; ask for a shorter range`,
          [{ path: "from", message: `is more than ${MAX_SERIES_DAYS} days before to` }],
        );
      const from = new Date(fromMs);
      const to = new Date(toMs);
      const days =
        fromMs === toMs
          ? []
          : await dailyActivity(services.db, program.id, program.timezone, {
              from,
              to,
              firstDay,
              lastDay,
            });
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        currency: program.currency,
        timezone: program.timezone,
        days,
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/search",
    summary:
      "Find participants by part of their external id, name, email or code; by level, status",
    operationId: "searchParticipants",
    description:
      "Participants whose external id, name, email or referral code contains `q` (any case), " +
      "optionally of one level or status, in id order.",
    tag: "Participants",
    response: participantCollection,
    responseExample: { items: [participantExample], next: null },
    auth: "admin",
    params: programParams,
    query: pageQuery.extend({
      q: z.string().max(200).optional().describe("Part of an external id, name, email or code"),
      level: z.string().min(1).optional(),
      status: z.enum(["applied", "active", "suspended", "rejected"]).optional(),
    }),
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const rows = await searchParticipants(services.db, program.id, {
        q: query.q?.trim() || undefined,
        level: query.level,
        status: query.status,
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(
        rows,
        page.limit,
        (p) => p.id,
        (p) => presentParticipant(p, services.publicUrl),
      );
    },
  }),
];
