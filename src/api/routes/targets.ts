import { z } from "zod";
import { MONEY_METRICS } from "../../domain/goals.ts";
import { percentAchieved } from "../../domain/goals.ts";
import { unitOf } from "../../domain/progress-view.ts";
import { checkPeriod, describeTargetErrors, TARGET_HEADER } from "../../domain/targets.ts";
import {
  importTargets,
  previewTargets,
  type TargetPreviewRow,
} from "../../engine/import-targets.ts";
import type { Services } from "../../engine/services.ts";
import { findGoal, type GoalRecord } from "../../store/goals.ts";
import type { ProgramRecord } from "../../store/programs.ts";
import {
  listGoalTargets,
  listTargets,
  templateRows,
  type GoalTarget,
  type ParticipantTarget,
} from "../../store/targets.ts";
import { sendCsv } from "../csv.ts";
import { ApiError, notFound } from "../errors.ts";
import {
  collection,
  mediaTypeOf,
  pageOf,
  pageQuery,
  route,
  unsupportedMediaType,
} from "../route.ts";
import { targetCollectionExample, targetImportExample, targetsCsvExample } from "../examples.ts";
import { collectionOf, targetCollection, targetImportSchema } from "../schemas.ts";
import { loadNamedParticipant, participantParams } from "./participants.ts";
import { loadProgram } from "./programs.ts";
import {
  goalTargetCollection,
  goalTargetCollectionExample,
  targetPreviewExample,
  targetPreviewSchema,
  targetTemplateExample,
} from "./target-schemas.ts";

/** 100,000 rows is about 5 MB; this leaves room for long ids and for larger files. */
const TARGET_FILE_LIMIT = 50 * 1024 * 1024;

function presentTarget(t: ParticipantTarget) {
  return { goalId: t.goalId, period: t.period, target: t.target };
}

const csvBodySchema = z
  .string()
  .describe(
    `CSV with the header ${TARGET_HEADER.join(",")}; period is YYYY-MM or YYYY-Qn, target a positive whole number (minor units for money metrics)`,
  );

/** The CSV body as text, or the 415 a body of another type gets. */
function csvText(body: unknown, request: Parameters<typeof mediaTypeOf>[0]): string {
  if (typeof body !== "string") throw unsupportedMediaType(["text/csv"], mediaTypeOf(request));
  return body;
}

function presentPreviewRow(r: TargetPreviewRow, currency: string) {
  const money = MONEY_METRICS.has(r.goal.goal.metric);
  return {
    line: r.line,
    participant: {
      id: r.participant.id,
      externalId: r.participant.externalId,
      name: r.participant.name,
    },
    goal: {
      id: r.goal.id,
      name: r.goal.goal.name,
      metric: r.goal.goal.metric,
      unit: unitOf(r.goal.goal.metric),
      evaluate: r.goal.goal.evaluate,
      currency: money ? currency : null,
    },
    period: r.row.period,
    target: r.row.target,
    change: r.change.kind,
    previousTarget: r.change.kind === "new" ? null : (r.standing.previous ?? null),
    value: r.standing.value,
    percent: percentAchieved(r.standing.value, r.row.target),
    stepsGranted: [...r.standing.granted],
    grants: r.grants.map((g) => ({
      step: g.step,
      // A preview names no voucher code: one is made only when the reward is granted.
      reward:
        g.reward.type === "free_product"
          ? {
              type: "free_product" as const,
              sku: g.reward.sku,
              ...(g.reward.program === undefined ? {} : { program: g.reward.program }),
            }
          : g.reward,
    })),
  };
}

const goalTargetParams = z.object({ programId: z.string(), goalId: z.string() });

/** The program's goal that takes imported targets, or the 404 or 422 that says why not. */
async function loadTargetGoal(
  services: Services,
  program: ProgramRecord,
  goalId: string,
): Promise<GoalRecord> {
  const goal = await findGoal(services.db, program.id, goalId);
  if (!goal) throw notFound(`goal ${goalId}`);
  if (goal.goal.target.type !== "per_participant")
    throw new ApiError(
      "validation_failed",
      `goal ${goalId} has a fixed target; only per_participant goals take imported targets`,
      [{ path: "goalId", message: "must be a goal with a per_participant target" }],
    );
  return goal;
}

const periodQuery = z
  .string()
  .max(20)
  .optional()
  .describe("Required: YYYY-MM or YYYY-Qn, as the goal's window takes");

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === "")
    throw new ApiError("validation_failed", `${name} is required`, [
      { path: name, message: "is required" },
    ]);
  return value;
}

/** A period the goal's window takes, or a 422 saying how to write one. */
function checkedPeriod(goal: GoalRecord, given: string | undefined): string {
  const period = given ?? "";
  const problem = checkPeriod(period, {
    targetType: goal.goal.target.type,
    windowType: goal.goal.window.type,
    ended: goal.endedAt !== null,
    money: MONEY_METRICS.has(goal.goal.metric),
  });
  if (problem)
    throw new ApiError("validation_failed", `period ${problem}`, [
      { path: "period", message: problem },
    ]);
  return period;
}

function presentGoalTarget(t: GoalTarget) {
  return {
    participantId: t.participantId,
    externalId: t.externalId,
    name: t.name,
    period: t.period,
    target: t.target,
    importedAt: t.importedAt.toISOString(),
    value: t.value,
    percent: percentAchieved(t.value, t.target),
  };
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
      "file again answers 200 with `duplicate: true` and changes nothing. Participants whose " +
      "value already reaches a step under their new target are granted it at once (`grants`), " +
      "in the same transaction, as a goal PATCH grants; a higher target takes nothing back.",
    tag: "Targets",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: csvBodySchema,
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
      const text = csvText(body, request);
      const result = await importTargets(services, program, { text, source: "api" });
      if (result.status === "invalid")
        throw new ApiError("validation_failed", describeTargetErrors(result.errors), result.errors);
      if (result.status === "duplicate") reply.code(200);
      return {
        importId: result.importId,
        rows: result.rows,
        duplicate: result.status === "duplicate",
        grants: result.grants,
      };
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/targets/preview",
    summary: "What importing a targets file would do now, writing nothing",
    operationId: "previewTargets",
    description:
      "Takes the same CSV as the import and checks it the same way (a 422 lists every bad row " +
      "by line). Answers each row resolved: the participant, the goal with its metric and, for " +
      "money metrics, the program's currency (targets are minor units: 50000 is $500.00), the " +
      "period and target, whether it is new, replaces an older target or leaves it unchanged, " +
      "the participant's value there now, and the steps the import would grant at once with " +
      "their rewards. Nothing is written.",
    tag: "Targets",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: csvBodySchema,
    bodyCheckedByHandler: true,
    consumes: ["text/csv"],
    bodyLimit: TARGET_FILE_LIMIT,
    bodyExample: targetsCsvExample,
    response: targetPreviewSchema,
    responseExample: targetPreviewExample,
    handler: async ({ services, caller, params, body, request }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const result = await previewTargets(services, program, csvText(body, request));
      if (!result.ok)
        throw new ApiError("validation_failed", describeTargetErrors(result.errors), result.errors);
      const items = result.rows.map((r) => presentPreviewRow(r, program.currency));
      return {
        rows: items.length,
        new: items.filter((i) => i.change === "new").length,
        replaced: items.filter((i) => i.change === "replaces").length,
        unchanged: items.filter((i) => i.change === "unchanged").length,
        granting: items.filter((i) => i.grants.length > 0).length,
        items,
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/targets/template.csv",
    operationId: "targetTemplateCsv",
    summary: "A targets file to fill in: a row per active participant for one goal and period",
    description:
      "The import's header, then one row per active participant in external id order: their " +
      "external id, the goal's id, the period, and their current target for it or an empty " +
      "target to fill in. Money targets are minor units (50000 is $500.00).",
    tag: "Targets",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    // Required, but checked by the handler after the program, so another brand's program is a 404.
    query: z.object({
      goalId: z
        .string()
        .max(100)
        .optional()
        .describe("Required: a goal with a per_participant target"),
      period: periodQuery,
    }),
    response: {
      mediaType: "text/csv",
      schema: z.string().describe("RFC 4180 CSV, UTF-8, with the import's header row"),
    },
    responseExample: targetTemplateExample,
    responseHeaders: {
      "Content-Disposition": 'attachment; filename="targets-<goalId>-<period>.csv"',
    },
    errors: [422],
    handler: async ({ services, caller, params, query, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const goal = await loadTargetGoal(services, program, required("goalId", query.goalId));
      const period = checkedPeriod(goal, query.period);
      const rows = await templateRows(services.db, program.id, goal.id, period);
      return sendCsv(
        reply,
        `targets-${goal.id}-${period}.csv`,
        TARGET_HEADER.map((header) => ({ header })),
        rows.map((r) => [
          r.externalId,
          goal.id,
          period,
          r.target === null ? null : String(r.target),
        ]),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/goals/{goalId}/targets",
    operationId: "listGoalTargets",
    summary: "A goal's imported targets for one period, with each participant's progress",
    description:
      "The targets set for the goal and period in participant order, a page at a time: the " +
      "participant, the target, when the import that set it was made, their value in the " +
      "period and the percent of the target it is.",
    tag: "Targets",
    auth: "admin",
    params: goalTargetParams,
    query: pageQuery.extend({ period: periodQuery }),
    response: goalTargetCollection,
    responseExample: goalTargetCollectionExample,
    errors: [422],
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const goal = await loadTargetGoal(services, program, params.goalId);
      const period = checkedPeriod(goal, query.period);
      const page = pageOf(query);
      const rows = await listGoalTargets(services.db, program.id, goal.id, period, {
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (t) => t.participantId, presentGoalTarget);
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
