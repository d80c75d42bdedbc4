import { releaseHolds } from "../engine/release-holds.ts";
import type { Services } from "../engine/services.ts";
import { programsWithDueHolds } from "../store/holds.ts";
import { findProgramById } from "../store/programs.ts";

/** Releases every commission whose hold is over, in every program. */
export async function releaseDueHolds(services: Services): Promise<number> {
  let released = 0;
  for (const programId of await programsWithDueHolds(services.db, services.now())) {
    const program = await findProgramById(services.db, programId);
    if (program) released += await releaseHolds(services, program);
  }
  return released;
}
