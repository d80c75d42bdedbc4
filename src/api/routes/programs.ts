import { z } from "zod";
import { programInputSchema } from "../../domain/program.ts";
import {
  findProgram,
  insertProgram,
  listPrograms,
  updateProgram,
  type ProgramRecord,
} from "../../store/programs.ts";
import type { Services } from "../../engine/services.ts";
import { ApiError, fromZod, notFound } from "../errors.ts";
import { mergePatch } from "../merge-patch.ts";
import {
  patchedProgramExample,
  programExample,
  programInputExample,
  programPatchExample,
} from "../examples.ts";
import { presentProgram } from "../present.ts";
import { programCollection, programSchema } from "../schemas.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";

const isRate = (value: Record<string, unknown>) => "percent" in value || "flat" in value;

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
      "as a whole program; the currency cannot change. `notifications` turns the program's " +
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
      if (body.currency !== undefined && body.currency !== program.currency)
        throw new ApiError(
          "validation_failed",
          `a program's currency cannot change (it is ${program.currency}); create a new program for another currency`,
          [{ path: "currency", message: "cannot change" }],
        );
      const merged = programInputSchema.safeParse(mergePatch(program.config, body, isRate));
      if (!merged.success) throw fromZod(merged.error, "the program");
      const { name, timezone } = merged.data;
      const updated = await updateProgram(services.db, {
        ...program,
        name,
        timezone,
        config: merged.data,
      });
      return presentProgram(updated);
    },
  }),
];
