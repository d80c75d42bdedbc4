import { closeGoalWindows, grantInactivity } from "../engine/goal-jobs.ts";
import type { Services } from "../engine/services.ts";
import { allPrograms } from "../store/programs.ts";

/** Closes every goal window that is due, in every program; `signal` stops it between batches. */
export async function closeDueGoalWindows(
  services: Services,
  signal?: AbortSignal,
): Promise<number> {
  let granted = 0;
  for (const program of await allPrograms(services.db)) {
    if (signal?.aborted) break;
    granted += await closeGoalWindows(services, program, { signal });
  }
  return granted;
}

/** Grants inactivity steps that came due, in every program; `signal` stops it between batches. */
export async function grantDueInactivity(
  services: Services,
  signal?: AbortSignal,
): Promise<number> {
  let granted = 0;
  for (const program of await allPrograms(services.db)) {
    if (signal?.aborted) break;
    granted += await grantInactivity(services, program, { signal });
  }
  return granted;
}
