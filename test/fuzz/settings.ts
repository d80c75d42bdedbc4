// What a fuzz run does, from the environment: `npm run fuzz` (test/fuzz/run.ts)
// turns its flags into these variables for the vitest run it starts.
import { PHASES, type Phase } from "./fuzzer.ts";

export interface FuzzSettings {
  readonly seed: number;
  readonly runs: number;
  readonly operation: string | undefined;
  readonly phase: Phase | undefined;
  readonly index: number | undefined;
  /** The backends to fuzz: PGlite and PostgreSQL (when installed) unless FUZZ_BACKENDS says otherwise. */
  readonly backends: readonly string[];
  /** Print a line per operation and phase as the run goes. */
  readonly verbose: boolean;
  /** Print a line per request. */
  readonly trace: boolean;
}

/** The seed of every CI run, so CI fails on a request anyone can replay. */
export const CI_SEED = 20_261_120;

/**
 * Requests per operation and phase in CI: about 50 operations, twice, on
 * each backend, in about a minute on a busy 2-core machine.
 */
export const CI_RUNS = 30;

export function fuzzSettings(env: NodeJS.ProcessEnv): FuzzSettings {
  const integer = (name: string, fallback: number | undefined): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) throw new Error(`${name} must be a whole number, not ${raw}`);
    return value;
  };
  const phase = env.FUZZ_PHASE;
  if (phase !== undefined && phase !== "" && !PHASES.includes(phase as Phase))
    throw new Error(`FUZZ_PHASE must be ${PHASES.join(" or ")}, not ${phase}`);
  return {
    seed: integer("FUZZ_SEED", CI_SEED) ?? CI_SEED,
    runs: integer("FUZZ_RUNS", CI_RUNS) ?? CI_RUNS,
    operation: env.FUZZ_OPERATION || undefined,
    phase: phase ? (phase as Phase) : undefined,
    index: integer("FUZZ_INDEX", undefined),
    backends: (env.FUZZ_BACKENDS || "pglite,postgres").split(",").map((b) => b.trim()),
    verbose: env.FUZZ_VERBOSE === "1",
    trace: env.FUZZ_TRACE === "1",
  };
}
