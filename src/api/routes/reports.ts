import { z } from "zod";
import { withinSaneRange } from "../../domain/instants.ts";
import { isLocalDate, reportPeriod, type Period } from "../../domain/periods.ts";
import { previousPeriod } from "../../domain/previous-period.ts";
import type { Services } from "../../engine/services.ts";
import { listGoals, type GoalRecord } from "../../store/goals.ts";
import type { ProgramRecord } from "../../store/programs.ts";
import {
  summaryRows,
  type GoalRow,
  type PerformerRow,
  type Span,
  type SummaryRows,
} from "../../store/reports.ts";
import { ApiError } from "../errors.ts";
import { route } from "../route.ts";
import { summaryExample, summarySchema } from "../summary-schema.ts";
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

const summaryWithComparison = summaryQuery.extend({
  compare: z
    .enum(["previous", "none"])
    .optional()
    .describe(
      "previous (the default): `previous` holds the same figures over the period of the same " +
        "length just before; none: `previous` is null",
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

/** A goal's figures, with every step of its current version listed, reached or not. */
function presentGoal(goal: GoalRecord, row: GoalRow | undefined) {
  const steps = Math.max(goal.goal.steps.length, ...(row?.byStep.map((s) => s.step) ?? []));
  return {
    goalId: goal.id,
    name: goal.goal.name,
    participantsProgressing: row?.participantsProgressing ?? 0,
    participantsReached: row?.participantsReached ?? 0,
    byStep: Array.from({ length: steps }, (_, i) => ({
      step: i + 1,
      reached: row?.byStep.find((s) => s.step === i + 1)?.reached ?? 0,
    })),
    rewardsPaid: row?.rewardsPaid ?? { cash: 0, points: 0, products: 0 },
  };
}

function presentSummary(
  program: ProgramRecord,
  span: Span,
  rows: SummaryRows,
  goals: readonly GoalRecord[],
  goalRows: readonly GoalRow[],
) {
  const links = rows.bySource.links;
  return {
    from: span.from.toISOString(),
    to: span.to.toISOString(),
    currency: program.currency,
    clicks: rows.clicks,
    orders: rows.orders,
    signups: rows.signups,
    leads: rows.leads,
    conversionRate: conversionRate(links.orders, rows.clicks),
    conversionBySource: {
      links: {
        ...links,
        clicks: rows.clicks,
        conversionRate: conversionRate(links.orders, rows.clicks),
      },
      codes: rows.bySource.codes,
      direct: rows.bySource.direct,
    },
    sales: rows.sales,
    refunds: rows.refunds,
    refundCount: rows.refundCount,
    commissions: rows.commissions,
    commissionsByLevel: rows.byLevel.map(({ level, commissions }) => ({
      level,
      amount: commissions,
    })),
    byLevel: rows.byLevel,
    activeParticipants: rows.activeParticipants,
    topPerformers: rows.topBySales.map(presentPerformer),
    topPerformersByCommission: rows.topByCommission.map(presentPerformer),
    goals: goals.map((goal) =>
      presentGoal(
        goal,
        goalRows.find((row) => row.goalId === goal.id),
      ),
    ),
  };
}

export const reportRoutes = [
  route({
    method: "GET",
    url: "/v1/programs/{programId}/reports/summary",
    operationId: "getReportSummary",
    summary: "Summarize clicks, conversions, sales, refunds, commissions and goals over a period",
    description:
      "Clicks, attributed signups, leads, orders and sales by how they came (referral link, " +
      "code, direct), " +
      "refunds, commissions by upline level, the top performers and each goal's progress and " +
      "grants over [from, to), the last 30 local days by default; with the same figures over " +
      "the period of the same length just before, to compare with.",
    tag: "Reports",
    auth: "admin",
    params: programParams,
    query: summaryWithComparison,
    response: summarySchema,
    responseExample: summaryExample,
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const period = requestedPeriod(query, program, services);
      const wholeDays = [query.from, query.to].every(
        (edge) => edge === undefined || isLocalDate(edge),
      );
      const spanOf = ({ fromMs, toMs }: Period): Span => ({
        from: new Date(fromMs),
        to: new Date(toMs),
      });
      const spans = [spanOf(period)];
      if (query.compare !== "none")
        spans.push(spanOf(previousPeriod(period, program.timezone, wholeDays)));
      const goals = await listGoals(services.db, program.id);
      const rows = await summaryRows(
        services.db,
        program.id,
        spans,
        goals.map((goal) => goal.id),
      );
      const present = (i: number) => {
        const span = spans[i];
        const summary = rows.summaries[i];
        if (!span || !summary) return null;
        return presentSummary(program, span, summary, goals, rows.goals[i] ?? []);
      };
      const current = present(0);
      if (!current) throw new Error("the summary of the period was not read");
      return { ...current, previous: present(1) };
    },
  }),
];
