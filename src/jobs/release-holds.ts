import { releaseHolds } from "../engine/release-holds.ts";
import type { Services } from "../engine/services.ts";
import { allPrograms } from "../store/programs.ts";

/**
 * Releases every commission whose hold is over, in every program. Each
 * program's run starts at its position, so an idle program costs three
 * lookups by key; `signal` stops the run between batches.
 */
export async function releaseDueHolds(services: Services, signal?: AbortSignal): Promise<number> {
  let released = 0;
  for (const program of await allPrograms(services.db)) {
    if (signal?.aborted) break;
    released += await releaseHolds(services, program, { signal });
  }
  return released;
}
