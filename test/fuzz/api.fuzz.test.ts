// The API fuzzed from its own OpenAPI document: a CI-sized run with a fixed
// seed (FUZZ_SEED replays another; `npm run fuzz -- --runs N` runs longer).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NO_RATE_LIMITS } from "../../src/api/rate-limits.ts";
import { conformanceOf, useApi, type Api } from "../support/api.ts";
import { backends, postgresAvailable } from "../support/backends.ts";
import { describeFinding, fuzzApi, groupFindings, summaryLine } from "./fuzzer.ts";
import {
  operationsOf,
  resolvePointer,
  toJsonSchema2020,
  type OpenApiDocument,
} from "./openapi-document.ts";
import { payloadOf, validRequestArb } from "./requests.ts";
import type { JsonSchema } from "./schema-arbitrary.ts";
import { fuzzSettings } from "./settings.ts";
import { buildWorld } from "./world.ts";

const settings = fuzzSettings(process.env);

/** How many groups of findings a failure prints in full. */
const SHOWN_GROUPS = 40;

async function documentOf(api: Api): Promise<OpenApiDocument> {
  const reply = await api.app.inject({ method: "GET", url: "/openapi.json" });
  return reply.json() as OpenApiDocument;
}

const fuzzed = backends.filter((b) => settings.backends.includes(b.name));

for (const [position, backend] of fuzzed.entries()) {
  describe(`the API fuzzed from its OpenAPI document (${backend.name})`, () => {
    // No rate limits: thousands of requests a minute from one key are the point.
    const api = useApi(backend, { rateLimits: NO_RATE_LIMITS });

    // What is generated does not depend on the database: checked on the first one.
    if (position === 0)
      it("generates valid requests whose bodies the document itself accepts", async () => {
        const document = await documentOf(api);
        const conformance = await conformanceOf(api.app);
        const resolveRef = (ref: string) =>
          toJsonSchema2020(resolvePointer(document, ref) as JsonSchema);
        const world = await buildWorld(api, "generator check");
        for (const operation of operationsOf(document)) {
          const schema = operation.body?.content["application/json"];
          if (schema === undefined || typeof schema === "boolean") continue;
          const plans = fc.sample(validRequestArb(operation, world, resolveRef), {
            seed: settings.seed,
            numRuns: 30,
          });
          for (const plan of plans) {
            if (plan.body.kind !== "json") continue;
            // What is sent is what is checked: JSON text, parsed back.
            const sent: unknown = JSON.parse(payloadOf(plan.body)?.payload ?? "null");
            const problem = conformance.schemaProblem(schema, sent);
            if (problem !== null)
              expect.fail(`${operation.key}: ${JSON.stringify(sent).slice(0, 500)}: ${problem}`);
          }
        }
      });

    it(
      "never answers 5xx, and answers every valid and mutated request as its document says",
      async () => {
        const report = await fuzzApi(api, {
          seed: settings.seed,
          runs: settings.runs,
          operation: settings.operation,
          phase: settings.phase,
          index: settings.index,
          ...(settings.verbose ? { log: (line: string) => console.log(line) } : {}),
          ...(settings.trace ? { trace: (line: string) => console.log(line) } : {}),
        });
        console.log(summaryLine(report, backend.name));
        if (report.unreached.length > 0)
          console.log(`never answered a success: ${report.unreached.join("; ")}`);
        const secrets = { "admin key": api.key, "other admin key": api.otherKey };
        const groups = groupFindings(report.findings);
        const text = groups
          .slice(0, SHOWN_GROUPS)
          .map((g) => `${g.count} × ${describeFinding(g.first, secrets)}`)
          .join("\n\n");
        if (groups.length > 0) console.log(text);
        expect(report.requests).toBeGreaterThan(0);
        if (report.findings.length > 0)
          expect.fail(
            `${report.findings.length} findings in ${groups.length} groups (the first ${Math.min(groups.length, SHOWN_GROUPS)} above):\n${groups
              .map(
                (g) =>
                  `${g.count} × [${g.first.kind}] ${g.first.operation} ${g.first.response?.status ?? ""}`,
              )
              .join("\n")}`,
          );
      },
      // A long run (FUZZ_RUNS) gets the time it needs; CI's fits in two minutes.
      Math.max(180_000, settings.runs * 60_000),
    );
  });
}

// As describeEachBackend does: a missing PostgreSQL shows in the output instead of shrinking the run.
if (settings.backends.includes("postgres") && !postgresAvailable)
  describe("the API fuzzed from its OpenAPI document (postgres)", () => {
    it("did not run: PostgreSQL is not installed", () => {
      console.warn(
        "the fuzzer was skipped on PostgreSQL because PostgreSQL is not installed " +
          "(install Debian's postgresql, or set TEST_DATABASE_URL)",
      );
    });
  });
