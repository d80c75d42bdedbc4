import { openPglite, openPostgres, type Database } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { findBinDir, startServer, stopStartedServer } from "../test/support/throwaway-postgres.ts";
import { ingestAll, orderEvents, rawInsertAll, setUpProgram } from "./workload.ts";

/**
 * `npm run bench`: Laurel's order throughput next to raw inserts of the same
 * event rows, on the same database in the same run. See bench/README.md for
 * the targets and how to read the figures.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const PARTICIPANTS = Number(process.env.BENCH_PARTICIPANTS ?? 1000);

interface Row {
  database: string;
  scenario: string;
  events: number;
  laurelPerSec: number;
  rawPerSec: number;
}

async function measure(name: string, db: Database): Promise<Row[]> {
  await migrate(db);
  const fixture = await setUpProgram(db, PARTICIPANTS, 4, 2);
  const floor = await setUpProgram(db, 1, 1, 0);
  // Warm both paths (JIT, plans, caches) before the clock runs.
  await ingestAll(fixture, orderEvents(BATCH, fixture.codes, 1), BATCH);
  await rawInsertAll(db, floor.program.id, orderEvents(BATCH, fixture.codes, 1), BATCH);

  const events = orderEvents(EVENTS, fixture.codes, 2);
  const laurelMs = await ingestAll(fixture, events, BATCH);
  const rawMs = await rawInsertAll(db, floor.program.id, events, BATCH);
  return [
    {
      database: name,
      scenario: `orders, batches of ${BATCH}, ${PARTICIPANTS} participants, 3 paid levels`,
      events: EVENTS,
      laurelPerSec: (EVENTS / laurelMs) * 1000,
      rawPerSec: (EVENTS / rawMs) * 1000,
    },
  ];
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const lite = await openPglite();
  try {
    rows.push(...(await measure("PGlite (embedded)", lite)));
  } finally {
    await lite.close();
  }

  const external = process.env.BENCH_DATABASE_URL;
  const binDir = external ? undefined : await findBinDir();
  if (!external && !binDir) {
    console.log("PostgreSQL not found (install Debian's postgresql): PostgreSQL figures skipped");
  } else {
    const url = external ?? (await startServer(binDir ?? ""));
    const db = await openPostgres(url);
    try {
      rows.push(...(await measure("PostgreSQL 1 server", db)));
    } finally {
      await db.close();
      await stopStartedServer();
    }
  }

  console.log("\nLaurel order events/s against raw inserts of the same rows (same run):\n");
  console.table(
    rows.map((r) => ({
      database: r.database,
      scenario: r.scenario,
      events: r.events,
      "laurel events/s": Math.round(r.laurelPerSec),
      "raw inserts/s": Math.round(r.rawPerSec),
      ratio: Number((r.laurelPerSec / r.rawPerSec).toFixed(3)),
    })),
  );
}

await main();
