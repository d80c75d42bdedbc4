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

/**
 * `streams` programs each receive their own stream of batches at the same
 * time, as a server with several brands sending at once would: on PostgreSQL
 * that lets Node work on one batch while the database writes another. The raw
 * floor runs the same number of streams.
 */
async function measure(name: string, db: Database, streams: number): Promise<Row> {
  const fixtures = [];
  const floors = [];
  for (let s = 0; s < streams; s++) {
    fixtures.push(await setUpProgram(db, PARTICIPANTS, 4, 2));
    floors.push(await setUpProgram(db, 1, 1, 0));
  }
  // Warm both paths (JIT, plans, caches) before the clock runs.
  for (const [s, fixture] of fixtures.entries()) {
    await ingestAll(fixture, orderEvents(BATCH, fixture.codes, 100 + s), BATCH);
    await rawInsertAll(
      db,
      floors[s]?.program.id ?? "",
      orderEvents(BATCH, fixture.codes, 100 + s),
      BATCH,
    );
  }
  const perStream = Math.ceil(EVENTS / streams);
  const workloads = fixtures.map((f, s) => orderEvents(perStream, f.codes, 200 + s));
  const total = perStream * streams;

  let started = performance.now();
  await Promise.all(fixtures.map((f, s) => ingestAll(f, workloads[s] ?? [], BATCH)));
  const laurelMs = performance.now() - started;
  started = performance.now();
  await Promise.all(
    floors.map((f, s) => rawInsertAll(db, f.program.id, workloads[s] ?? [], BATCH)),
  );
  const rawMs = performance.now() - started;
  return {
    database: name,
    scenario: `orders, batches of ${BATCH}, ${streams} stream(s), ${PARTICIPANTS} participants each, 3 paid levels`,
    events: total,
    laurelPerSec: (total / laurelMs) * 1000,
    rawPerSec: (total / rawMs) * 1000,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const lite = await openPglite();
  try {
    await migrate(lite);
    rows.push(await measure("PGlite (embedded)", lite, 1));
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
      await migrate(db);
      rows.push(await measure("PostgreSQL", db, 1));
      rows.push(await measure("PostgreSQL", db, 2));
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
