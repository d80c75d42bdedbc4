// Goals that take imported targets, for the tests of target imports.
import type { Goal } from "../../src/domain/goals.ts";
import type { Services } from "../../src/engine/services.ts";
import { endGoal, insertGoal } from "../../src/store/goals.ts";

/** A per-participant goal: 100% of the participant's sales target earns 100 points. */
export function perParticipantGoal(window: "monthly" | "quarterly"): Goal {
  return {
    name: `${window} sales target`,
    metric: "sales_amount",
    window: { type: window },
    target: { type: "per_participant" },
    steps: [{ percent: 100, reward: { type: "points", points: 100 } }],
    evaluate: "immediately",
    returns: "ignore",
    showInWidget: true,
  };
}

/** A goal with a fixed threshold, which takes no imported targets. */
export const fixedGoal: Goal = {
  name: "Reach $500",
  metric: "sales_amount",
  window: { type: "lifetime" },
  target: { type: "fixed" },
  steps: [{ threshold: 50000, reward: { type: "points", points: 100 } }],
  evaluate: "immediately",
  returns: "ignore",
  showInWidget: true,
};

/** Stores `goal` in the program and returns its id. */
export async function addGoal(
  services: Services,
  programId: string,
  goal: Goal,
  options: { ended?: boolean } = {},
): Promise<string> {
  const id = services.ids.next("gol");
  await insertGoal(services.db, programId, id, goal, services.now());
  if (options.ended) await endGoal(services.db, programId, id, services.now());
  return id;
}

/** A targets file: the header, then each row. */
export const targetsCsv = (...rows: string[]): string =>
  ["participant,goal,period,target", ...rows].join("\n") + "\n";
