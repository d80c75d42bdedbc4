import type { SimulationDraft, SimulationProgress } from "../domain/simulation.ts";
import type { ProgramRecord } from "../store/programs.ts";
import {
  failSimulation,
  finishSimulation,
  recordProgress,
  STOPPED_MESSAGE,
  touchSimulations,
} from "../store/simulations.ts";
import type { Services } from "./services.ts";
import { simulate } from "./simulate.ts";

/** How often progress is written while a simulation runs, at most. */
const PROGRESS_EVERY_MS = 1_000;
/** How often this process says it still holds what it runs and queues (see ABANDONED_AFTER_SECONDS). */
const HEARTBEAT_EVERY_MS = 10_000;

interface Queued {
  readonly services: Services;
  readonly programId: string;
  readonly id: string;
}

/**
 * Simulations run one at a time in a process: a replay holds the CPU and a
 * page of history at a time, and two at once would each take twice as long.
 * The rest wait their turn, shown as running with nothing replayed yet.
 */
let tail: Promise<void> = Promise.resolve();
const queued = new Set<Queued>();
let heartbeat: ReturnType<typeof setInterval> | null = null;
/** Aborted when the server stops: the replay under way ends, and what waits never starts. */
let stopping = new AbortController();

/** Queues a simulation whose record is written (status running); answers when it has ended. */
export function runSimulation(
  services: Services,
  program: ProgramRecord,
  id: string,
  draft: SimulationDraft,
): Promise<void> {
  const entry: Queued = { services, programId: program.id, id };
  queued.add(entry);
  startHeartbeat();
  const signal = stopping.signal;
  const run = tail.then(async () => {
    try {
      if (signal.aborted) await failSimulation(services.db, program.id, id, STOPPED_MESSAGE);
      else await replay(services, program, id, draft, signal);
    } finally {
      queued.delete(entry);
      if (queued.size === 0) stopHeartbeat();
    }
  });
  // Nothing a run does can reach a caller: its outcome is its record.
  tail = run.catch(() => undefined);
  return tail;
}

async function replay(
  services: Services,
  program: ProgramRecord,
  id: string,
  draft: SimulationDraft,
  signal: AbortSignal,
): Promise<void> {
  let latest: SimulationProgress = { replayed: 0, total: 0 };
  let writtenAtMs = 0;
  try {
    const result = await simulate(services, program, draft, {
      signal,
      onProgress: async (progress) => {
        latest = progress;
        const nowMs = Date.now();
        if (nowMs - writtenAtMs < PROGRESS_EVERY_MS) return;
        writtenAtMs = nowMs;
        await recordProgress(services.db, program.id, id, progress);
      },
    });
    await finishSimulation(services.db, program.id, id, result, latest);
  } catch (error) {
    // A message for whoever reads the record; the stack stays in this process.
    const reason = error instanceof Error ? error.message : String(error);
    await failSimulation(
      services.db,
      program.id,
      id,
      signal.aborted
        ? STOPPED_MESSAGE
        : `the replay stopped after ${latest.replayed} of ${latest.total} events: ${reason}`,
    ).catch(() => undefined);
  }
}

/**
 * The server is stopping: the replay under way stops at its next page and
 * every simulation of this process is marked failed, to be started again.
 * Answers once they are; the database is still open until then.
 */
export async function stopSimulations(): Promise<void> {
  stopping.abort();
  await tail;
  stopping = new AbortController();
}

function startHeartbeat(): void {
  if (heartbeat !== null) return;
  heartbeat = setInterval(() => {
    const byDb = new Map<Services["db"], { programId: string; id: string }[]>();
    for (const q of queued) {
      const keys = byDb.get(q.services.db) ?? [];
      keys.push({ programId: q.programId, id: q.id });
      byDb.set(q.services.db, keys);
    }
    for (const [db, keys] of byDb) void touchSimulations(db, keys).catch(() => undefined);
  }, HEARTBEAT_EVERY_MS);
  // A heartbeat alone keeps no process alive.
  heartbeat.unref();
}

function stopHeartbeat(): void {
  if (heartbeat === null) return;
  clearInterval(heartbeat);
  heartbeat = null;
}
