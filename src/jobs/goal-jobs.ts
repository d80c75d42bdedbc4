import { closeGoalWindows, grantInactivity } from "../engine/goal-jobs.ts";
import type { Services } from "../engine/services.ts";
import { allPrograms } from "../store/programs.ts";

/** Closes every goal window that is due, in every program. */
export async function closeDueGoalWindows(services: Services): Promise<number> {
  let granted = 0;
  for (const program of await allPrograms(services.db))
    granted += await closeGoalWindows(services, program);
  return granted;
}

/** Grants inactivity steps that came due, in every program. */
export async function grantDueInactivity(services: Services): Promise<number> {
  let granted = 0;
  for (const program of await allPrograms(services.db))
    granted += await grantInactivity(services, program);
  return granted;
}
