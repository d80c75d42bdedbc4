import { z } from "zod";
import { currencyExponent } from "../../domain/currency.ts";
import type { PayoutLine } from "../../domain/payouts.ts";
import {
  createExpectedPayout,
  markPayoutPaid,
  previewPayout,
  recordExport,
} from "../../engine/create-payout.ts";
import { findPayout, listPayouts, payoutLines, type PayoutRecord } from "../../store/payouts.ts";
import { sendCsv } from "../csv.ts";
import { ApiError, notFound } from "../errors.ts";
import {
  paidPayoutExample,
  payoutCollectionExample,
  payoutCsvExample,
  payoutExample,
  payoutPreviewExample,
} from "../examples.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { payoutCollection, payoutPreviewSchema, payoutSchema } from "../schemas.ts";
import { loadProgram } from "./programs.ts";

const payoutParams = z.object({ programId: z.string(), payoutId: z.string() });

function presentSummary(p: PayoutRecord) {
  return {
    id: p.id,
    programId: p.programId,
    currency: p.currency,
    total: p.totalMinor,
    createdAt: p.createdAt.toISOString(),
    status: p.status,
    exportedAt: p.exportedAt?.toISOString() ?? null,
    paidAt: p.paidAt?.toISOString() ?? null,
    paymentReference: p.paidReference,
  };
}

function presentPayout(p: PayoutRecord, lines: readonly PayoutLine[]) {
  return {
    ...presentSummary(p),
    lines: lines.map((l) => ({
      participantId: l.participantId,
      externalId: l.externalId,
      name: l.name,
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

const minor = z.number().int();

const createBody = z
  .strictObject({
    expect: z
      .strictObject({
        total: minor.describe("The total the preview showed"),
        count: z.number().int().nonnegative().describe("How many participants it showed"),
        lines: z
          .array(z.strictObject({ participantId: z.string(), amount: minor }))
          .max(100_000)
          .optional()
          .describe("Each line the preview showed, when every amount must be the same"),
      })
      .optional()
      .describe(
        "What the admin saw in the preview: when what is due now differs, the answer is a 409 " +
          "saying what changed and nothing is paid",
      ),
  })
  .optional();

export const payoutRoutes = [
  route({
    method: "GET",
    url: "/v1/programs/{programId}/payouts/preview",
    operationId: "previewPayout",
    summary: "What a payout made now would pay, to whom",
    description:
      "The lines a payout made now would have (who, with name and email, and how much), their " +
      "total and count, the program's minimum and how many balances are under it. The payout " +
      "selects the same way; nothing is written.",
    tag: "Payouts",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    response: payoutPreviewSchema,
    responseExample: payoutPreviewExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const due = await previewPayout(services.db, program);
      return {
        currency: program.currency,
        total: due.totalMinor,
        count: due.due.length,
        minimum: due.minimumMinor,
        belowMinimum: due.belowMinimum,
        lines: due.due.map((b) => ({
          participantId: b.participantId,
          externalId: b.externalId,
          name: b.name,
          email: b.email,
          amount: b.availableMinor,
        })),
      };
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/payouts",
    operationId: "createPayout",
    summary: "Pay every available cash balance at or over the program minimum",
    description:
      "A batch of every active participant's available cash at or over the program's payout " +
      "minimum, moved to paid in one transaction; with nothing to pay, an empty batch. The body " +
      "is optional: with `expect` (the preview's total and count, and optionally its lines), a " +
      "payout that would pay anything else is refused with a 409 saying what changed, and " +
      "nothing is written.",
    tag: "Payouts",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: createBody,
    bodyExample: {
      expect: {
        total: payoutPreviewExample.total,
        count: payoutPreviewExample.count,
        lines: payoutPreviewExample.lines.map((l) => ({
          participantId: l.participantId,
          amount: l.amount,
        })),
      },
    },
    status: 201,
    response: payoutSchema,
    responseExample: payoutExample,
    errors: [409],
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const expect = body?.expect;
      const made = await createExpectedPayout(
        services,
        program,
        expect
          ? {
              totalMinor: expect.total,
              count: expect.count,
              ...(expect.lines
                ? {
                    lines: expect.lines.map((l) => ({
                      participantId: l.participantId,
                      amountMinor: l.amount,
                    })),
                  }
                : {}),
            }
          : null,
      );
      if (made.kind === "changed")
        throw new ApiError(
          "conflict",
          `what is due has changed since the preview: ${made.why}; nothing was paid. ` +
            "Read the preview again and pay what it shows",
        );
      return presentPayout(made.payout, made.lines);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/payouts",
    operationId: "listPayouts",
    summary: "List payouts, newest first",
    description:
      "The program's payouts, newest first, with their status (created, exported, paid), " +
      "without their lines, a page at a time.",
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
      return collection(rows, page.limit, (p) => p.id, presentSummary);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/payouts/{payoutId}",
    operationId: "getPayout",
    summary: "Read a payout and its lines",
    description: "One payout with its status and a line per participant it paid.",
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
    method: "POST",
    url: "/v1/programs/{programId}/payouts/{payoutId}/mark-paid",
    operationId: "markPayoutPaid",
    summary: "Mark a payout paid by the payout provider",
    description:
      "Records that the provider paid the payout, with its optional reference: the status " +
      "becomes paid, for good. Marking it again with no reference or the same one answers it " +
      "unchanged; with another reference it is a 409, and the first one stands.",
    tag: "Payouts",
    auth: "admin",
    params: payoutParams,
    body: z
      .strictObject({
        reference: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .optional()
          .describe("The payout provider's reference for the transfer"),
      })
      .optional(),
    bodyExample: { reference: "wise-batch-2211" },
    response: payoutSchema,
    responseExample: paidPayoutExample,
    errors: [409],
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const marked = await markPayoutPaid(
        services,
        program,
        params.payoutId,
        body?.reference ?? null,
      );
      if (marked.kind === "missing") throw notFound(`payout ${params.payoutId}`);
      if (marked.kind === "conflict")
        throw new ApiError(
          "conflict",
          `payout ${params.payoutId} was marked paid before with reference ` +
            `${JSON.stringify(marked.payout.paidReference)}; a payout is marked paid once`,
        );
      return presentPayout(
        marked.payout,
        await payoutLines(services.db, program.id, marked.payout.id),
      );
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
      "is written as text. The first download moves a created payout to exported.",
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
      const { program, payout, lines } = await loadPayout(services, caller.brandId, params);
      await recordExport(services, program, payout.id);
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
