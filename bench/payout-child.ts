import { openPglite, openPostgres } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { measurePayout, type ChildAnswer, type ChildRequest } from "./payout.ts";
import { profiled } from "./profile.ts";

/**
 * The payout scenario in a process of its own; started by
 * measurePayoutInChild with the request in BENCH_PAYOUT_REQUEST, it answers
 * over the IPC channel (stdout carries V8's --trace-gc lines).
 */
async function main(): Promise<void> {
  const request = JSON.parse(process.env.BENCH_PAYOUT_REQUEST ?? "null") as ChildRequest | null;
  if (request === null || !process.send) throw new Error("start this through measurePayoutInChild");
  const db = request.database === "pglite" ? await openPglite() : await openPostgres(request.url);
  try {
    if (request.database === "pglite") await migrate(db);
    const profile = request.profile ? profiled(db) : null;
    const result = await measurePayout(profile?.db ?? db, {
      participants: request.participants,
      setupWorkers: request.setupWorkers,
      phase: (name) => profile?.phase(`payout (${request.database}): ${name}`),
    });
    const answer: ChildAnswer = { result, profile: profile?.rows() ?? [] };
    await new Promise<void>((done, fail) =>
      process.send?.(answer, undefined, {}, (error) => (error ? fail(error) : done())),
    );
  } finally {
    await db.close();
  }
  process.disconnect?.();
}

await main();
