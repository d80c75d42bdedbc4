import { z } from "zod";
import { currencyExponent } from "../../domain/currency.ts";
import type { PayoutLine } from "../../domain/payouts.ts";
import { createPayout } from "../../engine/create-payout.ts";
import { findPayout, listPayouts, payoutLines, type PayoutRecord } from "../../store/payouts.ts";
import { sendCsv } from "../csv.ts";
import { notFound } from "../errors.ts";
import { payoutCollectionExample, payoutCsvExample, payoutExample } from "../examples.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { payoutCollection, payoutSchema } from "../schemas.ts";
import { loadProgram } from "./programs.ts";

const payoutParams = z.object({ programId: z.string(), payoutId: z.string() });

function presentPayout(p: PayoutRecord, lines: readonly PayoutLine[]) {
  return {
    id: p.id,
    programId: p.programId,
    currency: p.currency,
    total: p.totalMinor,
    createdAt: p.createdAt.toISOString(),
    lines: lines.map((l) => ({
      participantId: l.participantId,
      externalId: l.externalId,
      email: l.email,
      amount: l.amountMinor,
      reference: l.reference,
    })),
  };
}

async function loadPayout(
  services: Parameters<typeof loadProgram>[0],
  brandId: string,
  params: z.infer<typeof payoutParams>,
) {
  const program = await loadProgram(services, brandId, params.programId);
  const payout = await findPayout(services.db, program.id, params.payoutId);
  if (!payout) throw notFound(`payout ${params.payoutId}`);
  return { program, payout, lines: await payoutLines(services.db, program.id, payout.id) };
}

export const payoutRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/payouts",
    operationId: "createPayout",
    summary: "Pay every available cash balance at or over the program minimum",
    description:
      "A batch of every active participant's available cash at or over the program's payout " +
      "minimum, moved to paid in one transaction; with nothing to pay, an empty batch.",
    tag: "Payouts",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    status: 201,
    response: payoutSchema,
    responseExample: payoutExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const { payout, lines } = await createPayout(services, program);
      return presentPayout(payout, lines);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/payouts",
    operationId: "listPayouts",
    summary: "List payouts, oldest first",
    description: "The program's payouts, without their lines, a page at a time.",
    tag: "Payouts",
    response: payoutCollection,
    responseExample: payoutCollectionExample,
    auth: "admin",
    params: z.object({ programId: z.string() }),
    query: pageQuery,
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const rows = await listPayouts(services.db, program.id, {
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(
        rows,
        page.limit,
        (p) => p.id,
        (p) => ({
          id: p.id,
          programId: p.programId,
          currency: p.currency,
          total: p.totalMinor,
          createdAt: p.createdAt.toISOString(),
        }),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/payouts/{payoutId}",
    operationId: "getPayout",
    summary: "Read a payout and its lines",
    description: "One payout with a line per participant it paid.",
    tag: "Payouts",
    response: payoutSchema,
    responseExample: payoutExample,
    auth: "admin",
    params: payoutParams,
    handler: async ({ services, caller, params }) => {
      const { payout, lines } = await loadPayout(services, caller.brandId, params);
      return presentPayout(payout, lines);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/payouts/{payoutId}/export.csv",
    operationId: "exportPayoutCsv",
    summary: "The payout as CSV for a payout provider, amounts in major units",
    description:
      "A header row, then one row per line: participant_id, external_id, email, amount (major " +
      "units, such as 5.00), currency, reference. A field a spreadsheet would run as a formula " +
      "is written as text.",
    tag: "Payouts",
    response: {
      mediaType: "text/csv",
      schema: z.string().describe("RFC 4180 CSV, UTF-8, with a header row"),
    },
    responseExample: payoutCsvExample,
    responseHeaders: { "Content-Disposition": 'attachment; filename="<payoutId>.csv"' },
    auth: "admin",
    params: payoutParams,
    handler: async ({ services, caller, params, reply }) => {
      const { payout, lines } = await loadPayout(services, caller.brandId, params);
      const columns = [
        { header: "participant_id" },
        { header: "external_id" },
        { header: "email" },
        { header: "amount", fractionDigits: currencyExponent(payout.currency) ?? 2 },
        { header: "currency" },
        { header: "reference" },
      ];
      return sendCsv(
        reply,
        `${payout.id}.csv`,
        columns,
        lines.map((l) => [
          l.participantId,
          l.externalId,
          l.email,
          l.amountMinor,
          payout.currency,
          l.reference,
        ]),
      );
    },
  }),
];
