import { slotKey } from "../domain/goal-progress.ts";
import {
  spellKey,
  windowAt,
  windowByKey,
  type Goal,
  type GoalWindowSpan,
} from "../domain/goals.ts";
import { daysSince, progressView, type ProgressView } from "../domain/progress-view.ts";
import { listGoals } from "../store/goals.ts";
import type { ParticipantRecord } from "../store/participants.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { readProgress } from "../store/progress.ts";
import type { Services } from "./services.ts";

/**
 * A participant's progress on every goal of the program: the window open now,
 * or the one `period` names (`2026-10`, `2026-Q3`) for history. Reads the
 * progress rows event processing keeps, never the events.
 */
export async function participantProgress(
  services: Services,
  program: ProgramRecord,
  participant: ParticipantRecord,
  options: { period?: string; only?: (goal: Goal) => boolean } = {},
): Promise<ProgressView[]> {
  const nowMs = services.now().getTime();
  const sinceMs = (participant.lastOrderAt ?? participant.createdAt).getTime();
  const goals = (await listGoals(services.db, program.id)).flatMap((g) => {
    if (options.only && !options.only(g.goal)) return [];
    const window = windowOf(g.goal, nowMs, program.timezone, options.period, sinceMs);
    return window ? [{ record: g, window }] : [];
  });
  const stored = await readProgress(
    services.db,
    program.id,
    participant.id,
    goals.map((g) => ({ goalId: g.record.id, window: g.window })),
  );
  return goals.map(({ record, window }) => {
    const slot = slotKey(participant.id, window.key);
    return progressView({
      goalId: record.id,
      version: record.version,
      goal: record.goal,
      window,
      value:
        record.goal.metric === "inactivity_days"
          ? daysSince(sinceMs, nowMs)
          : (stored.progress.get(slot)?.get(record.id) ?? 0),
      participantTarget: stored.targets.get(slot)?.get(record.id) ?? null,
      granted: stored.granted.get(slot)?.get(record.id) ?? [],
    });
  });
}

/**
 * Inactivity ladders are the merchant's way to win lapsed sellers back: the
 * participant is never shown one, only the admin is.
 */
export const isShownToParticipant = (goal: Goal): boolean => goal.metric !== "inactivity_days";

/** What a participant reads of their own progress: every goal but the inactivity ladders. */
export function ownProgress(
  services: Services,
  program: ProgramRecord,
  participant: ParticipantRecord,
  options: { period?: string } = {},
): Promise<ProgressView[]> {
  return participantProgress(services, program, participant, {
    ...options,
    only: isShownToParticipant,
  });
}

function windowOf(
  goal: Goal,
  nowMs: number,
  timezone: string,
  period: string | undefined,
  sinceMs: number,
): GoalWindowSpan | null {
  if (goal.metric === "inactivity_days")
    return { key: spellKey(sinceMs), startMs: sinceMs, endMs: null };
  if (period !== undefined) return windowByKey(goal.window, period, timezone);
  // A fixed window shows its progress before it opens and after it closes too.
  if (goal.window.type === "fixed") return windowByKey(goal.window, "fixed", timezone);
  return windowAt(goal.window, nowMs, timezone);
}
