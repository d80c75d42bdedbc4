import { openPglite, openPostgres } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { measureTargetImport, type TargetImportAnswer, type TargetImportRequest } from "./goals.ts";
import { profiled } from "./profile.ts";

/**
 * The target import in a process of its own; started by
 * measureTargetImportInChild with the request in BENCH_TARGETS_REQUEST, it
 * answers over the IPC channel (stdout carries V8's --trace-gc lines).
 */
async function main(): Promise<void> {
  const request = JSON.parse(
    process.env.BENCH_TARGETS_REQUEST ?? "null",
  ) as TargetImportRequest | null;
  if (request === null || !process.send)
    throw new Error("start this through measureTargetImportInChild");
  const db = request.database === "pglite" ? await openPglite() : await openPostgres(request.url);
  try {
    if (request.database === "pglite") await migrate(db);
    const profile = request.profile ? profiled(db) : null;
    const result = await measureTargetImport(profile?.db ?? db, {
      rows: request.rows,
      setupWorkers: request.setupWorkers,
      phase: (name) => profile?.phase(`targets (${request.database}): ${name}`),
    });
    const answer: TargetImportAnswer = { result, profile: profile?.rows() ?? [] };
    await new Promise<void>((done, fail) =>
      process.send?.(answer, undefined, {}, (error) => (error ? fail(error) : done())),
    );
  } finally {
    await db.close();
  }
  process.disconnect?.();
}

await main();
