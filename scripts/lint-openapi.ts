// Lints the OpenAPI document with Redocly (redocly.yaml at the repository
// root): `npm run lint:openapi`. The document is built as the server builds
// it, written to a temporary file, and linted there; the exit status is
// Redocly's, non-zero when there is an error.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { routes, VERSION } from "../src/api/app.ts";
import { buildOpenApi } from "../src/api/openapi.ts";

const ROOT = resolve(import.meta.dirname, "..");
const REDOCLY = join(ROOT, "node_modules", ".bin", "redocly");

export interface LintProblem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  location: { pointer: string }[];
}

export interface LintResult {
  totals: { errors: number; warnings: number; ignored: number };
  problems: LintProblem[];
}

/** Redocly's verdict on the document, from its JSON report. */
export async function lintOpenApi(
  publicUrl = process.env.LAUREL_PUBLIC_URL ?? "http://localhost:3000",
): Promise<LintResult> {
  const dir = await mkdtemp(join(tmpdir(), "laurel-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    const document = buildOpenApi(routes, { version: VERSION, publicUrl });
    await writeFile(file, JSON.stringify(document, null, 2));
    const args = ["lint", file, "--config", join(ROOT, "redocly.yaml"), "--format", "json"];
    // Redocly exits 1 when it finds an error; the report on stdout says which.
    const stdout = await promisify(execFile)(REDOCLY, args, {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    }).then(
      (done) => done.stdout,
      (failed: { stdout?: string }) => failed.stdout ?? "",
    );
    return JSON.parse(stdout) as LintResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const entry = process.argv[1];
if (entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url)) {
  const result = await lintOpenApi();
  for (const p of result.problems)
    console.log(`${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`);
  console.log(`${result.totals.errors} errors, ${result.totals.warnings} warnings`);
  process.exitCode = result.totals.errors > 0 ? 1 : 0;
}
