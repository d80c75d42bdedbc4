import { z } from "zod";
import { programInputSchema } from "../../domain/program.ts";
import {
  findProgram,
  insertProgram,
  listPrograms,
  programHistory,
  updateProgram,
  updateProgramAndCurrency,
  type ProgramHistory,
  type ProgramRecord,
} from "../../store/programs.ts";
import type { Services } from "../../engine/services.ts";
import { ApiError, fromZod, notFound } from "../errors.ts";
import { isRate, mergePatch } from "../../domain/merge-patch.ts";
import {
  patchedProgramExample,
  programExample,
  programInputExample,
  programPatchExample,
} from "../examples.ts";
import { presentProgram } from "../present.ts";
import { programCollection, programSchema } from "../schemas.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";

export const programParams = z.object({ programId: z.string() });

/** The caller's program, or a 404 whatever the reason, so ids never leak across brands. */
export async function loadProgram(
  services: Services,
  brandId: string,
  programId: string,
): Promise<ProgramRecord> {
  const program = await findProgram(services.db, brandId, programId);
  if (!program) throw notFound(`program ${programId}`);
  return program;
}

/** Amounts already recorded would read as another currency's, so history fixes the currency. */
function currencyRefusal(program: ProgramRecord, history: ProgramHistory): ApiError {
  const recorded =
    [history.events && "events", history.ledgerEntries && "ledger entries"]
      .filter(Boolean)
      .join(" and ") || "events";
  return new ApiError(
    "validation_failed",
    `program ${program.id} cannot change its currency: it has ${recorded} in ${program.currency}, ` +
      "and a currency can change only before the first event; create a new program for another currency",
    [
      {
        path: "currency",
        message: `cannot change: the program has ${recorded} in ${program.currency}`,
      },
    ],
  );
}

async function refuseCurrencyChangeWithHistory(
  services: Services,
  program: ProgramRecord,
): Promise<void> {
  const history = await programHistory(services.db, program.id);
  if (history.events || history.ledgerEntries) throw currencyRefusal(program, history);
}

export const programRoutes = [
  route({
    method: "POST",
    url: "/v1/programs",
    operationId: "createProgram",
    summary: "Create a program",
    description:
      "Creates a program of the caller's brand: its currency and time zone, attribution settings, " +
      "commission plan (rates by SKU, by level and for the upline), levels and payout minimum.",
    tag: "Programs",
    auth: "admin",
    body: programInputSchema,
    bodyExample: programInputExample,
    status: 201,
    response: programSchema,
    responseExample: programExample,
    handler: async ({ services, caller, body }) => {
      const { name, currency, timezone, ...config } = body;
      const program = await insertProgram(services.db, {
        id: services.ids.next("prg"),
        brandId: caller.brandId,
        name,
        currency,
        timezone,
        config: { name, currency, timezone, ...config },
      });
      return presentProgram(program);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs",
    operationId: "listPrograms",
    summary: "List programs",
    description: "The brand's programs in id order (creation order), a page at a time.",
    tag: "Programs",
    auth: "admin",
    query: pageQuery,
    response: programCollection,
    responseExample: { items: [programExample], next: null },
    handler: async ({ services, caller, query }) => {
      const page = pageOf(query);
      const rows = await listPrograms(services.db, caller.brandId, {
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (p) => p.id, presentProgram);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}",
    operationId: "getProgram",
    summary: "Read a program",
    description: "One program of the caller's brand; another brand's program is a 404.",
    tag: "Programs",
    auth: "admin",
    params: programParams,
    response: programSchema,
    responseExample: programExample,
    handler: async ({ services, caller, params }) =>
      presentProgram(await loadProgram(services, caller.brandId, params.programId)),
  }),
  route({
    method: "PATCH",
    url: "/v1/programs/{programId}",
    operationId: "updateProgram",
    summary: "Change a program; rates and caps apply to the next event",
    description:
      "A JSON merge patch (RFC 7396) of the program's settings: the fields given replace theirs, " +
      "a null removes one, objects merge (a rate replaces the whole rate). The result is checked " +
      "as a whole program. The currency can change only while the program has no events and no " +
      "ledger entries (a 422 naming `currency` after that). `notifications` turns the program's " +
      "transactional mails off or on again (each is on unless set to false).",
    tag: "Programs",
    auth: "admin",
    params: programParams,
    body: z
      .record(z.string(), z.unknown())
      .describe("The settings to change, as in POST /v1/programs; null removes a field"),
    bodyExample: programPatchExample,
    response: programSchema,
    responseExample: patchedProgramExample,
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const merged = programInputSchema.safeParse(mergePatch(program.config, body, isRate));
      if (!merged.success) throw fromZod(merged.error, "the program");
      const { name, currency, timezone } = merged.data;
      const next = { ...program, name, currency, timezone, config: merged.data };
      if (currency === program.currency)
        return presentProgram(await updateProgram(services.db, next, services.now()));
      await refuseCurrencyChangeWithHistory(services, program);
      const updated = await updateProgramAndCurrency(services.db, next, services.now());
      // The first event can land between the check and the write, which checks again.
      if (!updated) throw currencyRefusal(program, await programHistory(services.db, program.id));
      return presentProgram(updated);
    },
  }),
];
