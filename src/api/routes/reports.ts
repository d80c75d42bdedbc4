import { z } from "zod";
import { withinSaneRange } from "../../domain/instants.ts";
import { reportPeriod, type Period } from "../../domain/periods.ts";
import type { Services } from "../../engine/services.ts";
import type { ProgramRecord } from "../../store/programs.ts";
import { summaryRows, type PerformerRow } from "../../store/reports.ts";
import { ApiError } from "../errors.ts";
import { summaryExample } from "../examples.ts";
import { route } from "../route.ts";
import { summarySchema } from "../schemas.ts";
import { loadProgram, programParams } from "./programs.ts";

// A union, so a value that is neither form fails as one shape error (a 400)
// with one message that shows both forms, rather than one error per form.
const boundary = (meaning: string) =>
  withinSaneRange(
    z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
      error:
        "expected a date YYYY-MM-DD in the program's time zone or an ISO-8601 timestamp with " +
        "its offset, such as 2026-11-01T00:00:00Z (write + as %2B in a query string)",
    }),
  )
    .optional()
    .describe(meaning);

/** The report period `from`/`to` name, in the program's time zone; a 422 naming the field if not valid. */
export function requestedPeriod(
  query: z.infer<typeof summaryQuery>,
  program: ProgramRecord,
  services: Services,
): Period {
  const period = reportPeriod(query, program.timezone, services.now().getTime());
  if (!period.ok)
    throw new ApiError("validation_failed", `${period.field} ${period.message}`, [
      { path: period.field, message: period.message },
    ]);
  return period.period;
}

export const summaryQuery = z.object({
  from: boundary(
    "Start: a local date (from its midnight in the program's time zone) or a timestamp (inclusive). " +
      "Default: the 30 local days ending with `to`'s day.",
  ),
  to: boundary(
    "End: a local date (up to the next local midnight, so the day is included) or a timestamp " +
      "(exclusive). Default: today in the program's time zone.",
  ),
});

/** orders / clicks as a percentage with two decimals: 1 order of 8 clicks is 12.5. */
export function conversionRate(orders: number, clicks: number): number {
  return clicks === 0 ? 0 : Math.round((orders * 10_000) / clicks) / 100;
}

const presentPerformer = (row: PerformerRow) => ({
  participantId: row.participantId,
  externalId: row.externalId,
  name: row.name,
  sales: row.sales,
  commissions: row.commissions,
  orders: row.orders,
});

export const reportRoutes = [
  route({
    method: "GET",
    url: "/v1/programs/{programId}/reports/summary",
    operationId: "getReportSummary",
    summary: "Summarize clicks, sales, refunds and commissions over a period",
    description:
      "Clicks, attributed orders and sales, refunds, commissions (by level) and the top " +
      "performers over [from, to), the last 30 local days by default.",
    tag: "Reports",
    auth: "admin",
    params: programParams,
    query: summaryQuery,
    response: summarySchema,
    responseExample: summaryExample,
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const period = requestedPeriod(query, program, services);
      const from = new Date(period.fromMs);
      const to = new Date(period.toMs);
      const rows = await summaryRows(services.db, program.id, from, to);
      const byLevel = rows.commissionsByLevel.flatMap(({ level, amount }) =>
        level === null ? [] : [{ level, amount }],
      );
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        currency: program.currency,
        clicks: rows.clicks,
        orders: rows.orders,
        conversionRate: conversionRate(rows.orders, rows.clicks),
        sales: rows.sales,
        refunds: rows.refunds,
        commissions: rows.commissionsByLevel.reduce((sum, { amount }) => sum + amount, 0),
        commissionsByLevel: byLevel,
        activeParticipants: rows.activeParticipants,
        topPerformers: rows.topBySales.map(presentPerformer),
        topPerformersByCommission: rows.topByCommission.map(presentPerformer),
      };
    },
  }),
];
