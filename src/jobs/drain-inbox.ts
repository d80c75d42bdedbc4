import { processBatch } from "../engine/process-batch.ts";
import type { Services } from "../engine/services.ts";
import { programsWithPendingEvents } from "../store/events.ts";
import { findProgramById } from "../store/programs.ts";

/**
 * Events per transaction: smaller than a request's batch, so a stopping
 * server waits for at most a few hundred events to be processed.
 */
const DRAIN_BATCH = 250;

/**
 * Processes events that were stored but not processed, e.g. when the server
 * stopped between the two steps. Safe to run any time: processing claims
 * events under row locks and skips what is already processed. `signal`
 * stops it between batches.
 */
export async function drainInbox(services: Services, signal?: AbortSignal): Promise<number> {
  let processed = 0;
  for (const programId of await programsWithPendingEvents(services.db)) {
    const program = await findProgramById(services.db, programId);
    if (!program) continue;
    for (;;) {
      if (signal?.aborted) return processed;
      const outcomes = await processBatch(services, program, null, DRAIN_BATCH);
      if (outcomes.length === 0) break;
      processed += outcomes.length;
    }
  }
  return processed;
}
