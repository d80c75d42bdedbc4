import type { z } from "zod";
import {
  creditedPrograms,
  goalInputSchema,
  goalSchema,
  normalizeGoal,
  rewardIssues,
  type RewardTerms,
} from "../domain/goals.ts";
import type { ActiveGoal } from "../domain/goal-progress.ts";
import { isRate, mergePatch } from "../domain/merge-patch.ts";
import { isLocalDate, localMidnightUtcMs } from "../domain/periods.ts";
import { programInputSchema, type ProgramInput } from "../domain/program.ts";
import { findUnsafeText } from "../domain/safe-text.ts";
import type { SimulationDraft } from "../domain/simulation.ts";
import {
  DEFAULT_SIMULATION_DAYS,
  simulationRequestSchema,
  type SimulationRequest,
} from "../domain/simulation-request.ts";
import { listGoals } from "../store/goals.ts";
import { findProgram, type ProgramRecord } from "../store/programs.ts";
import type { Services } from "./services.ts";

export interface DraftProblem {
  /** Where in the request, as `program.commission.rate` or `goals[1].steps[0].reward`. */
  readonly path: string;
  readonly message: string;
}

/** Why a request cannot be simulated, every problem at its path. */
export interface DraftRefusal {
  readonly ok: false;
  readonly message: string;
  readonly details: readonly DraftProblem[];
}

export type DraftOutcome =
  | { readonly ok: true; readonly draft: SimulationDraft; readonly request: SimulationRequest }
  | DraftRefusal;

const DAY_MS = 86_400_000;

/** A zod path as the request's own words: `steps[0].reward` rather than `steps.0.reward`. */
export function pathOf(segments: readonly PropertyKey[]): string {
  let path = "";
  for (const s of segments)
    path += typeof s === "number" ? `[${s}]` : path === "" ? String(s) : `.${String(s)}`;
  return path;
}

const under = (prefix: string, path: string) =>
  prefix === "" || path === ""
    ? prefix + path
    : path.startsWith("[")
      ? `${prefix}${path}`
      : `${prefix}.${path}`;

/** A dotted path whose numeric parts are indices (`steps.0.reward`), in the same words. */
const bracketed = (dotted: string) =>
  pathOf(dotted.split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s)));

function problemsOf(error: z.ZodError, prefix: string): DraftProblem[] {
  return error.issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((key) => ({
          path: under(prefix, pathOf([...i.path, key])),
          message: "unknown field",
        }))
      : [{ path: under(prefix, pathOf(i.path)), message: i.message }],
  );
}

function refusal(details: readonly DraftProblem[]): DraftRefusal {
  return {
    ok: false,
    message: `the simulation is not valid: ${details.map((d) => `${d.path || "the request"}: ${d.message}`).join("; ")}`,
    details,
  };
}

/**
 * Checks a request body as the route and the CLI get it: its shape here,
 * then everything that needs the program (simulationDraftOf).
 */
export function readSimulationRequest(
  body: unknown,
): { ok: true; request: SimulationRequest } | DraftRefusal {
  const unsafe = findUnsafeText(body);
  if (unsafe) return refusal([{ path: bracketed(unsafe.path), message: unsafe.message }]);
  const parsed = simulationRequestSchema.safeParse(body ?? {});
  if (!parsed.success) return refusal(problemsOf(parsed.error, ""));
  return { ok: true, request: parsed.data };
}

/** Where a request's edge lies: a date is midnight in the program's time zone. */
function instantMs(text: string, timeZone: string): number {
  return isLocalDate(text) ? localMidnightUtcMs(text, timeZone) : Date.parse(text);
}

/**
 * Turns a request into the draft simulate() replays: the program as the
 * PATCH would leave it, checked whole as the PATCH route checks it, and the
 * goals as POST .../goals would store them, each an edit of a live goal (its
 * id, the next version) or a new one (`draft_1`, `draft_2`, … at version 1).
 * Every problem is named by its path in the request.
 */
export async function simulationDraftOf(
  services: Services,
  program: ProgramRecord,
  request: SimulationRequest,
): Promise<DraftOutcome> {
  const merged = programInputSchema.safeParse(mergePatch(program.config, request.program, isRate));
  if (!merged.success) return refusal(problemsOf(merged.error, "program"));
  const draftProgram = merged.data;
  if (draftProgram.currency !== program.currency)
    return refusal([
      {
        path: "program.currency",
        message: `cannot change in a simulation: the history it replays is in ${program.currency}`,
      },
    ]);

  const timeZone = draftProgram.timezone;
  const toMs =
    request.to === undefined ? services.now().getTime() : instantMs(request.to, timeZone);
  const fromMs =
    request.from === undefined
      ? toMs - DEFAULT_SIMULATION_DAYS * DAY_MS
      : instantMs(request.from, timeZone);
  if (!(fromMs < toMs))
    return refusal([
      {
        path: "to",
        message: `must be after from (${new Date(fromMs).toISOString()}); the period is [from, to)`,
      },
    ]);

  const goals = await draftGoals(services, program, draftProgram, request.goals);
  if (!goals.ok) return refusal(goals.details);
  return {
    ok: true,
    request,
    draft: {
      fromMs,
      toMs,
      program: draftProgram,
      goals: goals.goals,
      replaceGoals: request.replaceGoals,
    },
  };
}

async function draftGoals(
  services: Services,
  program: ProgramRecord,
  draftProgram: ProgramInput,
  bodies: readonly unknown[],
): Promise<{ ok: true; goals: ActiveGoal[] } | { ok: false; details: DraftProblem[] }> {
  const live = new Map((await listGoals(services.db, program.id)).map((g) => [g.id, g]));
  const home: RewardTerms = {
    levels: (draftProgram.levels ?? []).map((l) => l.key),
    currency: draftProgram.currency,
  };
  const details: DraftProblem[] = [];
  const goals: ActiveGoal[] = [];
  const edited = new Set<string>();
  let added = 0;
  for (const [index, body] of bodies.entries()) {
    const at = `goals[${index}]`;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      details.push({ path: at, message: "must be an object: a goal as POST .../goals takes it" });
      continue;
    }
    const { id, ...fields } = body as Record<string, unknown>;
    if (id !== undefined) {
      const problem =
        typeof id !== "string"
          ? "must be text: the id of one of the program's live goals"
          : !live.has(id)
            ? `${id} is not a live goal of this program; leave id out to simulate a new goal`
            : edited.has(id)
              ? `${id} is changed by an earlier goal of this request already`
              : null;
      if (problem !== null) {
        details.push({ path: `${at}.id`, message: problem });
        continue;
      }
    }
    const parsed = goalInputSchema.safeParse(fields);
    if (!parsed.success) {
      details.push(...problemsOf(parsed.error, at));
      continue;
    }
    const goal = normalizeGoal(parsed.data, draftProgram.timezone);
    const whole = goalSchema.safeParse(goal);
    if (!whole.success) {
      details.push(...problemsOf(whole.error, at));
      continue;
    }
    const credited = new Map<string, RewardTerms>();
    for (const other of creditedPrograms(goal)) {
      if (other === program.id) {
        credited.set(other, home);
        continue;
      }
      const found = await findProgram(services.db, program.brandId, other);
      if (found)
        credited.set(other, {
          levels: (found.config.levels ?? []).map((l) => l.key),
          currency: found.currency,
        });
      else
        details.push({
          path: `${at}.steps.reward.program`,
          message: `program ${other} is not one of this brand's programs`,
        });
    }
    details.push(
      ...rewardIssues(goal, home, credited).map((i) => ({
        path: under(at, bracketed(i.path)),
        message: i.message,
      })),
    );
    const current = typeof id === "string" ? live.get(id) : undefined;
    if (current) {
      edited.add(current.id);
      goals.push({ id: current.id, version: current.version + 1, goal });
    } else goals.push({ id: `draft_${++added}`, version: 1, goal });
  }
  return details.length > 0 ? { ok: false, details } : { ok: true, goals };
}
