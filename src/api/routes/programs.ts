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
import { presentProgram } from "../present.ts";
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
    summary: "Create a program",
    tag: "Programs",
    auth: "admin",
    body: programInputSchema,
    status: 201,
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
    summary: "List programs",
    tag: "Programs",
    auth: "admin",
    query: pageQuery,
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
    summary: "Read a program",
    tag: "Programs",
    auth: "admin",
    params: programParams,
    handler: async ({ services, caller, params }) =>
      presentProgram(await loadProgram(services, caller.brandId, params.programId)),
  }),
  route({
    method: "PATCH",
    url: "/v1/programs/{programId}",
    summary: "Change a program; rates and caps apply to the next event",
    tag: "Programs",
    auth: "admin",
    params: programParams,
    body: z.record(z.string(), z.unknown()),
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
