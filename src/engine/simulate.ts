import type {
  SimulationDraft,
  SimulationProgress,
  SimulationResult,
} from "../domain/simulation.ts";
import type { ProgramRecord } from "../store/programs.ts";
import type { Services } from "./services.ts";

export interface SimulateOptions {
  /** Called after each page of events, and once at the end. */
  readonly onProgress?: (progress: SimulationProgress) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

/**
 * Replays the program's stored events through the draft, in memory, and
 * compares what it pays in [from, to) with what was booked. Writes nothing.
 */
export async function simulate(
  services: Services,
  program: ProgramRecord,
  draft: SimulationDraft,
  options: SimulateOptions = {},
): Promise<SimulationResult> {
  void services;
  void program;
  void draft;
  void options;
  throw new Error("simulate: being written");
}
