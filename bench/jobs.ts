import { closeGoalWindows, grantInactivity } from "../src/engine/goal-jobs.ts";
import { releaseHolds } from "../src/engine/release-holds.ts";
import { createServices } from "../src/engine/services.ts";
import { closeDueGoalWindows, grantDueInactivity } from "../src/jobs/goal-jobs.ts";
import { releaseDueHolds } from "../src/jobs/release-holds.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPglite, openPostgres, type Database } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import {
  GROWING_TABLES,
  populateEstablishedPrograms,
  startNewProgram,
  type Established,
} from "../test/jobs/populated-database.ts";
import { explaining, unboundedReads } from "../test/jobs/query-plans.ts";

/**
 * The scheduled jobs of a new program next to a long history: programs whose
 * orders left 2,000,000 ledger rows and more, written set-based, then a new
 * program whose 3,000 orders (through ingestEvents) have come out of their
 * hold, whose monthly at_window_end goal's window has closed, and whose
 * participants have been quiet for the 30 days of an inactivity step. Timed
 * twice: with no statistics at all (no ANALYZE has run, as on PGlite always),
 * and with statistics taken before the new program existed (the plan that
 * expected one row). Each time, another new program's jobs are also run with
 * every statement planned first, and the reads that are not bounded to the
 * program and batch are counted. See bench/README.md.
 */

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 10, 20, 12);
const BOOKED_MS = Date.UTC(2026, 9, 20, 12);

export interface JobsOptions {
  /** Orders of the established programs; 7 ledger entries each. */
  orders: number;
  /** Orders of each new program, one per participant. */
  newOrders: number;
  workers: number;
}

export interface JobTimes {
  statistics: string;
  /** Writing the new program: participants, goals, orders through ingestEvents. */
  newProgramMs: number;
  release: { ms: number; done: number };
  windowClose: { ms: number; done: number };
  inactivity: { ms: number; done: number };
  /** Each job over every program, once the new one is done: what a quiet minute costs. */
  idleMinuteMs: number;
  /** Reads of the growing tables not bounded to the program and batch (see unboundedReads). */
  unbounded: string[];
}

export interface JobsResult {
  established: Established;
  runs: JobTimes[];
}

/**
 * On PGlite, in this process, with its files in a temporary directory rather
 * than in memory: millions of rows would otherwise all sit in the WASM heap.
 */
export async function measureJobsOnPglite(o: JobsOptions): Promise<JobsResult> {
  const dir = await mkdtemp(join(tmpdir(), "laurel-bench-jobs-"));
  try {
    const db = await openPglite(dir);
    try {
      await migrate(db);
      return await measureJobs(db, o);
    } finally {
      await db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** On a database of its own on the server at `url`, dropped afterwards, so no other part's rows or statistics are in it. */
export async function measureJobsOnPostgres(url: string, o: JobsOptions): Promise<JobsResult> {
  const name = `laurel_bench_jobs_${process.pid}`;
  const admin = await openPostgres(url, 1);
  try {
    await admin.query(`create database ${name}`);
    const own = new URL(url);
    own.pathname = `/${name}`;
    const db = await openPostgres(own.toString(), Math.max(2, o.workers));
    try {
      await migrate(db);
      return await measureJobs(db, o);
    } finally {
      await db.close();
    }
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.close();
  }
}

export async function measureJobs(db: Database, o: JobsOptions): Promise<JobsResult> {
  // Autovacuum would analyze the tables at a time of its choosing.
  for (const table of GROWING_TABLES)
    await db.query(`alter table ${table} set (autovacuum_enabled = false)`);
  const established = await populateEstablishedPrograms(db, {
    orders: o.orders,
    nowMs: NOW_MS,
    workers: o.workers,
  });
  const runs = [await timeJobs(db, o, "none (never analyzed)")];
  await db.query("analyze");
  runs.push(await timeJobs(db, o, "from before the new program"));
  return { established, runs };
}

async function timeJobs(db: Database, o: JobsOptions, statistics: string): Promise<JobTimes> {
  const newProgram = () =>
    startNewProgram(
      db,
      { ms: 0 },
      {
        orders: o.newOrders,
        participants: o.newOrders,
        bookedAtMs: BOOKED_MS,
      },
    );
  const started = performance.now();
  const fresh = await newProgram();
  const newProgramMs = performance.now() - started;
  const services = createServices(db, { now: () => new Date(BOOKED_MS + 31 * DAY_MS) });
  const timed = async (run: () => Promise<number>) => {
    const start = performance.now();
    const done = await run();
    return { ms: performance.now() - start, done };
  };
  const release = await timed(() => releaseHolds(services, fresh.program));
  const windowClose = await timed(() => closeGoalWindows(services, fresh.program));
  const inactivity = await timed(() => grantInactivity(services, fresh.program));
  const idle = await timed(async () => {
    await releaseDueHolds(services);
    await closeDueGoalWindows(services);
    return grantDueInactivity(services);
  });
  // The same jobs for another new program, every statement planned first.
  const checked = await newProgram();
  const planned = explaining(db);
  const plannedServices = createServices(planned.db, { now: services.now });
  await releaseHolds(plannedServices, checked.program);
  await closeGoalWindows(plannedServices, checked.program);
  await grantInactivity(plannedServices, checked.program);
  const unbounded = await unboundedReads(db, planned.statements, GROWING_TABLES);
  const expected = { release: 2 * o.newOrders - 1, grants: o.newOrders };
  if (
    release.done !== expected.release ||
    windowClose.done !== expected.grants ||
    inactivity.done !== expected.grants
  )
    throw new Error(
      `jobs bench: expected ${JSON.stringify(expected)}, got ${JSON.stringify({ release, windowClose, inactivity })}`,
    );
  return {
    statistics,
    newProgramMs,
    release,
    windowClose,
    inactivity,
    idleMinuteMs: idle.ms,
    unbounded,
  };
}

const seconds = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
const count = (n: number): string => Math.round(n).toLocaleString("en-US");

export function printJobs(results: { database: string; result: JobsResult }[]): void {
  const first = results[0]?.result;
  if (!first) return;
  const e = first.established;
  console.log(
    `\nScheduled jobs of a new program next to ${count(e.ledgerRows)} ledger rows of ` +
      `${e.programIds.length} established programs (${count(e.orders)} orders, ` +
      `${count(e.participants)} participants, ${count(e.progressRows)} goal progress rows), ` +
      `no ANALYZE after the load:\n`,
  );
  const rows: { figure: string; target: string; value: (r: JobsResult) => string }[] = [
    {
      figure: "setup: established programs (set-based SQL)",
      target: "-",
      value: (r) => seconds(r.established.ms),
    },
  ];
  first.runs.forEach((run, i) => {
    const at = (r: JobsResult) => r.runs[i];
    const label = `statistics ${run.statistics}`;
    rows.push(
      {
        figure: `${label}: new program (participants, goals, orders)`,
        target: "-",
        value: (r) => seconds(at(r)?.newProgramMs ?? 0),
      },
      {
        figure: `${label}: release holds of its orders`,
        target: "< 1 s",
        value: (r) =>
          `${seconds(at(r)?.release.ms ?? 0)} (${count(at(r)?.release.done ?? 0)} levels)`,
      },
      {
        figure: `${label}: close its goal window`,
        target: "-",
        value: (r) =>
          `${seconds(at(r)?.windowClose.ms ?? 0)} (${count(at(r)?.windowClose.done ?? 0)} grants)`,
      },
      {
        figure: `${label}: grant inactivity`,
        target: "-",
        value: (r) =>
          `${seconds(at(r)?.inactivity.ms ?? 0)} (${count(at(r)?.inactivity.done ?? 0)} grants)`,
      },
      {
        figure: `${label}: a quiet minute (3 jobs, every program)`,
        target: "-",
        value: (r) => seconds(at(r)?.idleMinuteMs ?? 0),
      },
      {
        figure: `${label}: reads not bounded to program and batch`,
        target: "0",
        value: (r) => count(at(r)?.unbounded.length ?? 0),
      },
    );
  });
  console.table(
    rows.map(({ figure, target, value }) => ({
      figure,
      ...Object.fromEntries(results.map((r) => [r.database, value(r.result)])),
      target,
    })),
  );
  for (const { database, result } of results)
    for (const run of result.runs)
      for (const problem of run.unbounded)
        console.log(`${database}, statistics ${run.statistics}: ${problem}`);
}
