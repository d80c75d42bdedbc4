// Goal fixtures and wire shapes for the API tests.
import { expectStatus, type Api } from "./api.ts";

export interface GoalBody {
  id: string;
  version: number;
  steps: unknown[];
  endedAt: string | null;
  [field: string]: unknown;
}

export interface ProgressBody {
  goalId: string;
  value: number;
  target: number | null;
  percent: number | null;
  band: string | null;
  window: { key: string; start: string | null; end: string | null };
  stepsReached: { step: number; granted: boolean }[];
  nextStep: { step: number; threshold: number; remaining: number } | null;
}

export interface GrantBody {
  goalId: string;
  step: number;
  participantId: string;
  reward: Record<string, unknown>;
}

export async function createGoal(api: Api, programId: string, goal: Record<string, unknown>) {
  const reply = await api.call<GoalBody>("POST", `/v1/programs/${programId}/goals`, goal);
  expectStatus(reply, 201);
  return reply.body;
}

export async function progressOf(api: Api, programId: string, participantId: string) {
  const reply = await api.call<ProgressBody[]>(
    "GET",
    `/v1/programs/${programId}/participants/${participantId}/progress`,
  );
  expectStatus(reply, 200);
  return reply.body;
}
