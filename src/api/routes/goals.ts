import { z } from "zod";
import { isSaneYear } from "../../domain/instants.ts";
import { goalInputSchema, goalPatchSchema } from "../../domain/goals.ts";
import { changeGoal, createGoal, deleteGoal } from "../../engine/goals.ts";
import { closeGoalWindows, grantInactivity } from "../../engine/goal-jobs.ts";
import { ownProgress, participantProgress } from "../../engine/read-progress.ts";
import { findGoal, listGoals, type GoalRecord } from "../../store/goals.ts";
import type { ProgramRecord } from "../../store/programs.ts";
import type { Services } from "../../engine/services.ts";
import { ApiError, fromZod, notFound } from "../errors.ts";
import {
  changedGoalExample,
  endedGoalExample,
  goalExample,
  goalInputExample,
  goalPatchExample,
  grantedCountExample,
  progressListExample,
} from "../examples.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import {
  changedGoalSchema,
  goalCollection,
  goalResponseSchema,
  grantedCountSchema,
  progressListSchema,
} from "../schemas.ts";
import { loadNamedParticipant, loadTokenHolder, participantParams } from "./participants.ts";
import { loadProgram, programParams } from "./programs.ts";

const goalParams = z.object({ programId: z.string(), goalId: z.string() });
const progressQuery = z.object({
  period: z
    .string()
    .regex(/^\d{4}-(\d{2}|Q[1-4])$/, "must be a month (2026-11) or a quarter (2026-Q4)")
    .refine((key) => isSaneYear(Number(key.slice(0, 4))), "must be a period between 1970 and 2199")
    .optional()
    .describe("a past month or quarter to read instead of the current window"),
});

export function presentGoal(g: GoalRecord) {
  return {
    id: g.id,
    programId: g.programId,
    version: g.version,
    ...g.goal,
    createdAt: g.createdAt.toISOString(),
    updatedAt: g.updatedAt.toISOString(),
    endedAt: g.endedAt?.toISOString() ?? null,
  };
}

/**
 * Scheduled jobs run every minute; this runs one now for one program, for an
 * admin who does not want to wait (and for scripted setups).
 */
const runNow = (
  verb: string,
  operationId: string,
  summary: string,
  job: (services: Services, program: ProgramRecord) => Promise<number>,
) =>
  route({
    method: "POST",
    url: `/v1/programs/{programId}/goals/${verb}`,
    operationId,
    summary,
    description:
      "Runs now, for this program, what the scheduled job does every minute; answers how many " +
      "steps it granted. Running it again grants nothing twice.",
    tag: "Goals",
    auth: "admin",
    params: programParams,
    response: grantedCountSchema,
    responseExample: grantedCountExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      return { granted: await job(services, program) };
    },
  });

const refused = (r: { message: string; details: readonly unknown[] }) =>
  new ApiError("validation_failed", r.message, r.details);

export const goalRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/goals",
    operationId: "createGoal",
    summary: "Create a goal: a challenge, a milestone ladder or a target",
    description:
      "A metric measured per participant over a window, with a ladder of strictly increasing " +
      "steps and a reward per step. Left out: a lifetime window, a fixed target, granted " +
      "immediately, refunds ignored, shown in the widget (never for inactivity).",
    tag: "Goals",
    auth: "admin",
    params: programParams,
    body: goalInputSchema,
    bodyExample: goalInputExample,
    status: 201,
    response: goalResponseSchema,
    responseExample: goalExample,
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const created = await createGoal(services, program, body);
      if ("kind" in created) throw refused(created);
      return presentGoal(created);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/goals",
    operationId: "listGoals",
    summary: "The program's goals (ended ones with ?ended=true)",
    description: "The program's goals at their current versions, in id order.",
    tag: "Goals",
    response: goalCollection,
    responseExample: { items: [goalExample], next: null },
    auth: "admin",
    params: programParams,
    query: pageQuery.extend({ ended: z.enum(["true", "false"]).optional() }),
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const goals = await listGoals(services.db, program.id, {
        includeEnded: query.ended === "true",
        page: { after: page.after, limit: page.limit + 1 },
      });
      return collection(goals, page.limit, (g) => g.id, presentGoal);
    },
  }),
  runNow(
    "close-windows",
    "closeGoalWindows",
    "Close every goal window that is due now, granting at_window_end goals",
    closeGoalWindows,
  ),
  runNow(
    "grant-inactivity",
    "grantInactivity",
    "Grant every inactivity step that is due now",
    grantInactivity,
  ),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/goals/{goalId}",
    operationId: "getGoal",
    summary: "One goal, at its current version",
    description: "One goal of the program, ended or not, with every field filled in.",
    tag: "Goals",
    response: goalResponseSchema,
    responseExample: goalExample,
    auth: "admin",
    params: goalParams,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const goal = await findGoal(services.db, program.id, params.goalId);
      if (!goal) throw notFound(`goal ${params.goalId}`);
      return presentGoal(goal);
    },
  }),
  route({
    method: "PATCH",
    url: "/v1/programs/{programId}/goals/{goalId}",
    summary:
      "Change a goal: any subset of its fields makes a new version; grants already made stay",
    operationId: "updateGoal",
    description:
      "Makes a new version from the fields given, checked as a whole goal. Participants who " +
      "completed a step keep it; the rest are measured against the new version, and steps it " +
      "now finds passed are granted at once (`grants`). An ended goal cannot change (409).",
    tag: "Goals",
    auth: "admin",
    params: goalParams,
    body: goalPatchSchema,
    bodyExample: goalPatchExample,
    response: changedGoalSchema,
    responseExample: changedGoalExample,
    errors: [409],
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const changed = await changeGoal(services, program, params.goalId, body);
      switch (changed.kind) {
        case "not_found":
          throw notFound(`goal ${params.goalId}`);
        case "ended":
          throw new ApiError(
            "conflict",
            `goal ${params.goalId} has ended and can no longer change; create a new goal`,
          );
        case "invalid":
          throw fromZod(changed.error, "the goal");
        case "refused":
          throw refused(changed);
        case "changed":
          return { ...presentGoal(changed.goal), grants: changed.grants };
      }
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/programs/{programId}/goals/{goalId}",
    operationId: "deleteGoal",
    summary: "End a goal: it stops counting and granting; its grants stay",
    description: "Ends the goal and answers it with `endedAt` set; what it granted stays granted.",
    tag: "Goals",
    response: goalResponseSchema,
    responseExample: endedGoalExample,
    auth: "admin",
    params: goalParams,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const ended = await deleteGoal(services, program, params.goalId);
      if (!ended) throw notFound(`goal ${params.goalId}`);
      return presentGoal(ended);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/progress",
    operationId: "getProgress",
    summary: "A participant's progress on every goal, with band, steps reached and the next step",
    description:
      "One entry per goal: the window open now (or the month or quarter `period` names), the " +
      "value, the whole target, the percent and band, the steps reached and the next one.",
    tag: "Goals",
    response: progressListSchema,
    responseExample: progressListExample,
    auth: "admin",
    params: participantParams,
    query: progressQuery,
    handler: async ({ services, caller, params, query }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      return participantProgress(services, program, participant, query);
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/progress",
    operationId: "getMyProgress",
    summary: "The token holder's progress on every goal but inactivity ladders",
    description:
      "The token holder's progress, as GET .../participants/{participantId}/progress, without " +
      "inactivity goals: those are the merchant's, shown to admins only.",
    tag: "Me",
    response: progressListSchema,
    responseExample: progressListExample,
    auth: "participant",
    query: progressQuery,
    handler: async ({ services, caller, query }) => {
      const { program, participant } = await loadTokenHolder(services, caller);
      return ownProgress(services, program, participant, query);
    },
  }),
];
