import { z } from "zod";
import { withinSaneRange } from "./instants.ts";

const edge = (what: string) =>
  withinSaneRange(z.union([z.iso.datetime({ offset: true }), z.iso.date()]))
    .optional()
    .describe(
      `${what}: an instant with its offset, or a date (YYYY-MM-DD) meaning midnight in the program's time zone`,
    );

/**
 * What POST .../simulations takes, and `laurel simulate --draft FILE` reads
 * (with --from and --to in place of the file's). The program and the goals
 * are checked whole by the engine (simulationDraftOf), which knows the
 * program they change, so each problem is named at its own path.
 */
export const simulationRequestSchema = z.strictObject({
  from: edge("where the period starts; 90 days before `to` unless given"),
  to: edge("where the period ends (not included); now unless given"),
  program: z
    .record(z.string(), z.unknown())
    .default({})
    .describe(
      "a merge patch of the program's settings, as PATCH /v1/programs/{programId} takes it; {} replays the program as it is",
    ),
  goals: z
    .array(z.unknown())
    .max(100)
    .default([])
    .describe(
      "goal bodies as POST .../goals takes them; one with the `id` of a live goal stands for that goal changed, any other is a new goal",
    ),
  replaceGoals: z
    .boolean()
    .default(false)
    .describe("true: only these goals count in the period; the live ones stop at `from`"),
});

export type SimulationRequest = z.infer<typeof simulationRequestSchema>;

/** How far back the period starts when a request gives no `from`. */
export const DEFAULT_SIMULATION_DAYS = 90;
