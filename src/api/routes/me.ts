import { z } from "zod";
import { enrolmentOf } from "../../domain/program.ts";
import { balancesOf } from "../../store/ledger.ts";
import {
  earningsSeries,
  listParticipantPayouts,
  participantFigures,
} from "../../store/participant-figures.ts";
import { ApiError } from "../errors.ts";
import { balancesExample, ledgerExample } from "../examples.ts";
import { earningsSeriesExample, meExample, myPayoutCollectionExample } from "../me-examples.ts";
import { earningsSeriesSchema, meSchema, myPayoutCollection } from "../me-schemas.ts";
import { presentParticipant } from "../present.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { balancesSchema, ledgerCollection } from "../schemas.ts";
import { ledgerPage, ledgerQuery, loadTokenHolder } from "./participants.ts";
import { conversionRate, requestedPeriod, summaryQuery } from "./reports.ts";

/**
 * The program's application page with the participant named as sponsor: a
 * recruit who applies through it joins below them.
 */
export function recruitmentLink(publicUrl: string, programId: string, referralCode: string) {
  return `${publicUrl}/apply/${encodeURIComponent(programId)}?via=${encodeURIComponent(referralCode)}`;
}

/** More buckets than a chart can show: a longer range asks for months. */
const MAX_EARNINGS_BUCKETS = 1000;

const earningsQuery = summaryQuery.extend({
  interval: z
    .enum(["week", "month"])
    .optional()
    .describe("Weeks from Monday or calendar months, in the program's time zone (default week)"),
});

/** What a participant token reads: its own membership, balances and ledger. */
export const meRoutes = [
  route({
    method: "GET",
    url: "/v1/me",
    operationId: "getMe",
    summary: "The participant the token belongs to, with their stats over [from, to)",
    description:
      "The token holder's membership, as an admin reads it, their `recruitmentLink`, and " +
      "`stats` for their own traffic over [from, to) (the last 30 local days by default, as " +
      "the summary report; `from=2026-11-01&to=2026-11-30` for a month, an early `from` such " +
      "as 1970-01-01 for all time): clicks on their link, signups, leads and orders attributed " +
      "to them, sales, the conversion rate and the cash they earned, each counted at the time " +
      "of its event, with `bySource` splitting the conversions by referral link, referral code " +
      "and direct attribution.",
    tag: "Me",
    response: meSchema,
    responseExample: meExample,
    auth: "participant",
    query: summaryQuery,
    handler: async ({ services, caller, query }) => {
      const { program, participant } = await loadTokenHolder(services, caller);
      const period = requestedPeriod(query, program, services);
      const from = new Date(period.fromMs);
      const to = new Date(period.toMs);
      const figures = await participantFigures(services.db, program.id, participant.id, {
        from,
        to,
      });
      const presented = presentParticipant(participant, services.publicUrl);
      const { links, codes, direct } = figures.bySource;
      return {
        ...presented,
        recruitmentLink:
          enrolmentOf(program.config) === "closed"
            ? null
            : recruitmentLink(services.publicUrl, program.id, participant.referralCode),
        stats: {
          from: from.toISOString(),
          to: to.toISOString(),
          currency: program.currency,
          clicks: figures.clicks,
          signups: figures.signups,
          leads: figures.leads,
          orders: figures.orders,
          sales: figures.sales,
          conversionRate: conversionRate(figures.orders, figures.clicks),
          earnings: figures.earnings,
          // One link and one code per participant today; lists, so more can join them.
          bySource: {
            links: [
              {
                code: participant.referralCode,
                url: presented.referralLink,
                clicks: figures.clicks,
                ...links,
                conversionRate: conversionRate(links.orders, figures.clicks),
              },
            ],
            codes: [{ code: participant.referralCode, ...codes }],
            direct,
          },
        },
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/earnings",
    operationId: "getMyEarnings",
    summary: "The token holder's cash earned per week or month over [from, to)",
    description:
      "Cash earned (as `stats.earnings` counts it) per local week or month of the program's " +
      "time zone, every bucket present, zeros included, starting no earlier than the " +
      "participant joined or first earned. At most 1000 buckets.",
    tag: "Me",
    response: earningsSeriesSchema,
    responseExample: earningsSeriesExample,
    auth: "participant",
    query: earningsQuery,
    handler: async ({ services, caller, query }) => {
      const { program, participant } = await loadTokenHolder(services, caller);
      const period = requestedPeriod(query, program, services);
      const interval = query.interval ?? "week";
      const from = new Date(period.fromMs);
      const to = new Date(period.toMs);
      const items = await earningsSeries(services.db, program.id, participant.id, {
        from,
        to,
        since: participant.createdAt,
        timeZone: program.timezone,
        interval,
        limit: MAX_EARNINGS_BUCKETS + 1,
      });
      if (items.length > MAX_EARNINGS_BUCKETS)
        throw new ApiError(
          "validation_failed",
          `the period holds more than ${MAX_EARNINGS_BUCKETS} ${interval}s; choose a shorter period${interval === "week" ? " or interval=month" : ""}`,
          [{ path: "from", message: `more than ${MAX_EARNINGS_BUCKETS} ${interval}s before to` }],
        );
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        currency: program.currency,
        interval,
        items,
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/payouts",
    operationId: "listMyPayouts",
    summary: "The payouts that paid the token holder, newest first",
    description:
      "Each payout that had a line for the token holder: when it was made, what it paid them, " +
      "its reference and status, newest first, a page at a time.",
    tag: "Me",
    response: myPayoutCollection,
    responseExample: myPayoutCollectionExample,
    auth: "participant",
    query: pageQuery,
    handler: async ({ services, caller, query }) => {
      const { program, participant } = await loadTokenHolder(services, caller);
      const page = pageOf(query);
      const rows = await listParticipantPayouts(services.db, program.id, participant.id, {
        before: page.after,
        limit: page.limit + 1,
      });
      return collection(
        rows,
        page.limit,
        (p) => p.id,
        (p) => ({
          id: p.id,
          createdAt: p.createdAt.toISOString(),
          amount: p.amount,
          currency: p.currency,
          reference: p.reference,
          status: p.status,
        }),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/balances",
    operationId: "getMyBalances",
    summary: "The token holder's balances",
    description: "The token holder's points and cash, summed from the ledger.",
    tag: "Me",
    response: balancesSchema,
    responseExample: balancesExample,
    auth: "participant",
    handler: async ({ services, caller }) => {
      const { program } = await loadTokenHolder(services, caller);
      return balancesOf(services.db, program.id, caller.participantId, program.currency);
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/ledger",
    operationId: "listMyLedgerEntries",
    summary: "The token holder's ledger entries",
    description:
      "The token holder's ledger entries, newest first (`order=oldest` for oldest first), a " +
      "page at a time, as an admin reads them.",
    tag: "Me",
    response: ledgerCollection,
    responseExample: ledgerExample,
    auth: "participant",
    query: ledgerQuery,
    handler: async ({ services, caller, query }) =>
      ledgerPage(services, caller.programId, caller.participantId, query),
  }),
];
