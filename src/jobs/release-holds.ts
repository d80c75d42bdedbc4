import { releaseHolds } from "../engine/release-holds.ts";
import type { Services } from "../engine/services.ts";
import { allPrograms } from "../store/programs.ts";

/**
 * Releases every commission whose hold is over, in every program. Each
 * program's run starts at its watermark, so an idle program costs one query.
 */
export async function releaseDueHolds(services: Services): Promise<number> {
  let released = 0;
  for (const program of await allPrograms(services.db))
    released += await releaseHolds(services, program);
  return released;
}
