import type { Database } from "../src/store/db.ts";
import { openPglite, openPostgres } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { profiled, type ProfileRow } from "./profile.ts";

/** What every measurement child is told: which database, and whether to profile. */
export interface ChildDatabaseRequest {
  readonly database: "pglite" | "postgres";
  readonly url?: string;
  readonly profile?: boolean;
}

/**
 * The body of a benchmark that runs in a process of its own (so its memory
 * baseline is a fresh process): reads its request from `envName`, opens the
 * database (a fresh PGlite is migrated here), runs `measure`, and answers
 * `{ result, profile }` over the IPC channel; stdout carries V8's --trace-gc lines.
 */
export async function runMeasurementChild<Request extends ChildDatabaseRequest, Result>(
  envName: string,
  label: string,
  measure: (db: Database, request: Request, phase: (name: string) => void) => Promise<Result>,
): Promise<void> {
  const request = JSON.parse(process.env[envName] ?? "null") as Request | null;
  if (request === null || !process.send)
    throw new Error(`start this through its parent, with the request in ${envName}`);
  const db =
    request.database === "pglite" ? await openPglite() : await openPostgres(request.url ?? "");
  try {
    if (request.database === "pglite") await migrate(db);
    const profile = request.profile ? profiled(db) : null;
    const result = await measure(profile?.db ?? db, request, (name) =>
      profile?.phase(`${label} (${request.database}): ${name}`),
    );
    const answer: { result: Result; profile: ProfileRow[] } = {
      result,
      profile: profile?.rows() ?? [],
    };
    await new Promise<void>((done, fail) =>
      process.send?.(answer, undefined, {}, (error) => (error ? fail(error) : done())),
    );
  } finally {
    await db.close();
  }
  process.disconnect?.();
}
