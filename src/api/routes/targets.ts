import { z } from "zod";
import { describeTargetErrors, TARGET_HEADER } from "../../domain/targets.ts";
import { importTargets } from "../../engine/import-targets.ts";
import { listTargets, type ParticipantTarget } from "../../store/targets.ts";
import { ApiError } from "../errors.ts";
import {
  collection,
  mediaTypeOf,
  pageOf,
  pageQuery,
  route,
  unsupportedMediaType,
} from "../route.ts";
import { targetCollectionExample, targetImportExample, targetsCsvExample } from "../examples.ts";
import { targetCollection, targetImportSchema } from "../schemas.ts";
import { loadNamedParticipant, participantParams } from "./participants.ts";
import { loadProgram } from "./programs.ts";

/** 100,000 rows is about 5 MB; this leaves room for long ids and for larger files. */
const TARGET_FILE_LIMIT = 50 * 1024 * 1024;

function presentTarget(t: ParticipantTarget) {
  return { goalId: t.goalId, period: t.period, target: t.target };
}

export const targetRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/targets",
    summary:
      "Import per-participant targets from a CSV file; all rows or none, the same file again is a no-op",
    operationId: "importTargets",
    description:
      "Rows of participant (external id), goal, period (YYYY-MM or YYYY-Qn) and target. A bad " +
      "row fails the whole file with a 422 that lists every bad row by line number. The same " +
      "file again answers 200 with `duplicate: true` and changes nothing.",
    tag: "Targets",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: z
      .string()
      .describe(
        `CSV with the header ${TARGET_HEADER.join(",")}; period is YYYY-MM or YYYY-Qn, target a positive whole number (minor units for money metrics)`,
      ),
    bodyCheckedByHandler: true,
    consumes: ["text/csv"],
    bodyLimit: TARGET_FILE_LIMIT,
    bodyExample: targetsCsvExample,
    status: 201,
    otherStatuses: [{ status: 200, description: "The same file was imported before" }],
    response: targetImportSchema,
    responseExample: targetImportExample,
    handler: async ({ services, caller, params, body, request, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      if (typeof body !== "string") throw unsupportedMediaType(["text/csv"], mediaTypeOf(request));
      const result = await importTargets(services, program, { text: body, source: "api" });
      if (result.status === "invalid")
        throw new ApiError("validation_failed", describeTargetErrors(result.errors), result.errors);
      if (result.status === "duplicate") reply.code(200);
      return {
        importId: result.importId,
        rows: result.rows,
        duplicate: result.status === "duplicate",
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/targets",
    operationId: "listParticipantTargets",
    summary: "A participant's imported targets, by goal and period",
    description: "The participant's targets ordered by goal and period, a page at a time.",
    tag: "Targets",
    response: targetCollection,
    responseExample: targetCollectionExample,
    auth: "admin",
    params: participantParams,
    query: pageQuery,
    handler: async ({ services, caller, params, query }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const page = pageOf(query);
      const separator = page.after?.lastIndexOf("|") ?? -1;
      const after = page.after
        ? { goalId: page.after.slice(0, separator), period: page.after.slice(separator + 1) }
        : null;
      const rows = await listTargets(services.db, program.id, participant.id, {
        after,
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (t) => `${t.goalId}|${t.period}`, presentTarget);
    },
  }),
];
