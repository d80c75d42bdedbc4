// `npm run fuzz -- --runs N [--seed S] [--backends pglite,postgres]
//   [--operation 'GET /v1/...'] [--phase valid|mutated] [--index I] [--verbose] [--trace]`:
// the CI fuzz test (test/fuzz/api.fuzz.test.ts) run longer, or replaying one
// finding. Its flags become the FUZZ_* variables the test reads, and vitest
// runs it, so the long run and CI share the harness and the throwaway
// PostgreSQL server.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string" },
    seed: { type: "string" },
    backends: { type: "string" },
    operation: { type: "string" },
    phase: { type: "string" },
    index: { type: "string" },
    verbose: { type: "boolean" },
    trace: { type: "boolean" },
  },
  allowPositionals: false,
});

const env: NodeJS.ProcessEnv = { ...process.env };
const set = (name: string, value: string | undefined) => {
  if (value !== undefined) env[name] = value;
};
set("FUZZ_RUNS", values.runs);
// A run without --seed draws one, and says which, so a finding replays.
set("FUZZ_SEED", values.seed ?? String(Math.floor(Math.random() * 2 ** 31)));
set("FUZZ_BACKENDS", values.backends);
set("FUZZ_OPERATION", values.operation);
set("FUZZ_PHASE", values.phase);
set("FUZZ_INDEX", values.index);
// A long run says how it is going, an operation at a time.
if (values.verbose || values.runs !== undefined) env.FUZZ_VERBOSE = "1";
if (values.trace) env.FUZZ_TRACE = "1";
console.error(`fuzzing with seed ${env.FUZZ_SEED}`);

const vitest = join(
  dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
  "vitest.mjs",
);
const child = spawn(
  process.execPath,
  [vitest, "run", "test/fuzz/api.fuzz.test.ts", "--reporter", "verbose"],
  { env, stdio: "inherit" },
);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
