import { openPglite, openPostgres, type Database } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { findBinDir, startServer, stopStartedServer } from "../test/support/throwaway-postgres.ts";
import { ingestAll, orderEvents, rawInsertAll, setUpProgram } from "./workload.ts";
import { measureChainDepth, type ChainResult } from "./chain.ts";
import {
  measureGoals,
  measureTargetImportInChild,
  type GoalsResult,
  type TargetImportFigures,
} from "./goals.ts";
import { measureJobsOnPglite, measureJobsOnPostgres, printJobs, type JobsResult } from "./jobs.ts";
import { measureHooks, printHooks, type HooksResult } from "./hooks.ts";
import { measureWebhooksOut, printWebhooksOut, type WebhooksOutResult } from "./webhooks-out.ts";
import type { MailOutResult } from "./mail-out.ts";
import { mib } from "./memory.ts";
import { measurePayoutInChild, type PayoutFigures } from "./payout.ts";
import {
  measureSimulateInChild,
  measureSimulateOnPostgres,
  printSimulate,
  type SimulateFigures,
} from "./simulate.ts";
import { profiled, type ProfileRow } from "./profile.ts";

/**
 * `npm run bench`: Laurel's order throughput next to raw inserts of the same
 * event rows, on the same database in the same run; then, on PostgreSQL,
 * order throughput with a 10-level upline against a 1-level one in a large
 * network, and a payout over many available balances with its CSV export;
 * on both, order throughput with 50 goals per participant against none, the
 * progress read of one participant on those goals, a large target import,
 * and the scheduled jobs of a new program next to millions of ledger rows;
 * and webhooks out of the outbox against plain POSTs of the same bodies;
 * and the simulator replaying a program's whole stored history through a draft.
 * See bench/README.md for the targets and how to read the figures.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const PARTICIPANTS = Number(process.env.BENCH_PARTICIPANTS ?? 1000);
const NETWORK = Number(process.env.BENCH_NETWORK ?? 1_000_000);
const CHAIN_EVENTS = Number(process.env.BENCH_CHAIN_EVENTS ?? 20_000);
const PAYOUT_PARTICIPANTS = Number(process.env.BENCH_PAYOUT_PARTICIPANTS ?? 100_000);
const PAYOUT_PGLITE = process.env.BENCH_PAYOUT_PGLITE !== "0";
const GOALS = Number(process.env.BENCH_GOALS ?? 50);
const GOALS_EVENTS = Number(process.env.BENCH_GOALS_EVENTS ?? 20_000);
const GOALS_READS = Number(process.env.BENCH_GOALS_READS ?? 1000);
const TARGET_ROWS = Number(process.env.BENCH_TARGET_ROWS ?? 100_000);
const TARGETS_PGLITE = process.env.BENCH_TARGETS_PGLITE !== "0";
const SETUP_WORKERS = Number(process.env.BENCH_SETUP_WORKERS ?? 2);
const JOBS_ORDERS = Number(process.env.BENCH_JOBS_ORDERS ?? 290_000);
const JOBS_NEW_ORDERS = Number(process.env.BENCH_JOBS_NEW_ORDERS ?? 3000);
const JOBS_PGLITE = process.env.BENCH_JOBS_PGLITE !== "0";
const PROFILE = process.env.BENCH_PROFILE === "1";
const HOOK_DELIVERIES = Number(process.env.BENCH_HOOK_DELIVERIES ?? 2000);
const WEBHOOKS_OUT = Number(process.env.BENCH_WEBHOOKS_OUT ?? 2000);
const MAILS_OUT = Number(process.env.BENCH_MAILS ?? 300);
// The mail part is loaded only when it runs: its SMTP inbox comes from the
// mail tests' helpers, which load vitest, and vitest cannot be loaded outside a test run.
const SIMULATE_ORDERS = Number(process.env.BENCH_SIMULATE_ORDERS ?? 1_000_000);
const SIMULATE_PGLITE_ORDERS = Number(process.env.BENCH_SIMULATE_PGLITE ?? 100_000);
/** Ten orders per participant unless set. */
const simulateParticipants = (orders: number): number =>
  Number(process.env.BENCH_SIMULATE_NETWORK ?? Math.max(1111, Math.round(orders / 10)));
const SIMULATE_CHECK = process.env.BENCH_SIMULATE_CHECK !== "0";
/** Caps the simulator child's heap (MB): a run that passes shows the replay's live memory fits. */
const SIMULATE_HEAP_MB = process.env.BENCH_SIMULATE_HEAP_MB
  ? Number(process.env.BENCH_SIMULATE_HEAP_MB)
  : null;
/** Which parts run: throughput (the original figures), goals, chain, payout, jobs, hooks, webhooks, mail, simulate. */
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? "throughput,goals,chain,payout,jobs,hooks,webhooks,mail,simulate")
    .split(",")
    .map((s) => s.trim()),
);
/** Sellers in the chain scenario are at least this deep, so 10 upline levels are always full. */
const MIN_SELLER_DEPTH = 11;

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
  const started = performance.now();
  const rows: Row[] = [];
  const payouts: { database: string; result: PayoutFigures }[] = [];
  const goals: { database: string; result: GoalsResult }[] = [];
  const imports: { database: string; result: TargetImportFigures }[] = [];
  let chain: ChainResult | null = null;
  const profileRows: ProfileRow[] = [];
  const notes: string[] = [];
  const hooks: { database: string; result: HooksResult }[] = [];
  const hookOptions = { deliveries: HOOK_DELIVERIES, concurrency: 8, participants: 100 };
  const webhooksOut: { database: string; result: WebhooksOutResult }[] = [];
  const mailsOut: { database: string; result: MailOutResult }[] = [];
  const webhooksOutOptions = { events: WEBHOOKS_OUT, concurrency: 8 };
  const simulations: SimulateFigures[] = [];
  const simulateRequest = (orders: number, workers: number) => ({
    orders,
    participants: simulateParticipants(orders),
    setupWorkers: workers,
    check: SIMULATE_CHECK,
    profile: PROFILE,
    heapLimitMb: SIMULATE_HEAP_MB,
  });

  if (ONLY.has("throughput")) {
    const lite = await openPglite();
    try {
      await migrate(lite);
      rows.push(await measure("PGlite (embedded)", lite, 1));
    } finally {
      await lite.close();
    }
  }
  if (ONLY.has("hooks")) {
    const lite = await openPglite();
    try {
      await migrate(lite);
      hooks.push({ database: "PGlite (embedded)", result: await measureHooks(lite, hookOptions) });
    } finally {
      await lite.close();
    }
  }
  if (ONLY.has("webhooks")) {
    const lite = await openPglite();
    try {
      await migrate(lite);
      webhooksOut.push({
        database: "PGlite (embedded)",
        result: await measureWebhooksOut(lite, webhooksOutOptions),
      });
    } finally {
      await lite.close();
    }
  }
  if (ONLY.has("mail")) {
    const lite = await openPglite();
    try {
      await migrate(lite);
      mailsOut.push({
        database: "PGlite (embedded)",
        result: await (await import("./mail-out.ts")).measureMailOut(lite, MAILS_OUT),
      });
    } finally {
      await lite.close();
    }
  }
  if (ONLY.has("goals")) {
    const lite = await openPglite();
    try {
      await migrate(lite);
      const profile = PROFILE ? profiled(lite) : null;
      goals.push({
        database: "PGlite (embedded)",
        result: await measureGoals(profile?.db ?? lite, {
          ...goalOptions(),
          phase: (name) => profile?.phase(`goals (pglite): ${name}`),
        }),
      });
      profileRows.push(...(profile?.rows() ?? []));
    } finally {
      await lite.close();
    }
    // The import runs in a process of its own, as the payout does.
    if (TARGETS_PGLITE)
      imports.push({
        database: "PGlite (embedded)",
        result: await measureTargetImportInChild({
          database: "pglite",
          url: "",
          rows: TARGET_ROWS,
          setupWorkers: 1,
          profile: PROFILE,
        }),
      });
  }
  // Payouts run in a process of their own each (see measurePayoutInChild).
  if (ONLY.has("payout") && PAYOUT_PGLITE)
    payouts.push({
      database: "PGlite (embedded)",
      result: await measurePayoutInChild({
        database: "pglite",
        url: "",
        participants: PAYOUT_PARTICIPANTS,
        setupWorkers: 1,
        profile: PROFILE,
      }),
    });
  // A 1,000,000-participant network on PGlite (one core, in this process)
  // would take most of the time budget to build; chain depth is PostgreSQL only.
  if (ONLY.has("chain")) notes.push("chain depth runs on PostgreSQL only");
  const jobs: { database: string; result: JobsResult }[] = [];
  const jobOptions = { orders: JOBS_ORDERS, newOrders: JOBS_NEW_ORDERS, workers: SETUP_WORKERS };
  if (ONLY.has("jobs") && JOBS_PGLITE)
    jobs.push({ database: "PGlite (embedded)", result: await measureJobsOnPglite(jobOptions) });
  // The simulator's history is smaller on PGlite: it is built in the child's WASM heap, on one core.
  if (ONLY.has("simulate") && SIMULATE_PGLITE_ORDERS > 0)
    simulations.push(
      await measureSimulateInChild("PGlite (embedded)", {
        ...simulateRequest(SIMULATE_PGLITE_ORDERS, 1),
        database: "pglite",
        url: "",
      }),
    );

  const external = process.env.BENCH_DATABASE_URL;
  const binDir = external ? undefined : await findBinDir();
  if (!external && !binDir) {
    console.log(
      "PostgreSQL not found (install Debian's postgresql): PostgreSQL figures skipped, " +
        "including chain depth and the PostgreSQL payout",
    );
  } else {
    const url = external ?? (await startServer(binDir ?? ""));
    const db = await openPostgres(url);
    try {
      await migrate(db);
      if (ONLY.has("throughput")) {
        rows.push(await measure("PostgreSQL", db, 1));
        rows.push(await measure("PostgreSQL", db, 2));
      }
      if (ONLY.has("hooks"))
        hooks.push({ database: "PostgreSQL", result: await measureHooks(db, hookOptions) });
      if (ONLY.has("webhooks"))
        webhooksOut.push({
          database: "PostgreSQL",
          result: await measureWebhooksOut(db, webhooksOutOptions),
        });
      if (ONLY.has("mail"))
        mailsOut.push({
          database: "PostgreSQL",
          result: await (await import("./mail-out.ts")).measureMailOut(db, MAILS_OUT),
        });
      const profile = PROFILE ? profiled(db) : null;
      const target = profile?.db ?? db;
      if (ONLY.has("goals")) {
        goals.push({
          database: "PostgreSQL",
          result: await measureGoals(target, {
            ...goalOptions(),
            phase: (name) => profile?.phase(`goals (postgres): ${name}`),
          }),
        });
        imports.push({
          database: "PostgreSQL",
          result: await measureTargetImportInChild({
            database: "postgres",
            url,
            rows: TARGET_ROWS,
            setupWorkers: SETUP_WORKERS,
            profile: PROFILE,
          }),
        });
      }
      if (ONLY.has("chain"))
        chain = await measureChainDepth(target, {
          network: NETWORK,
          events: CHAIN_EVENTS,
          batch: BATCH,
          minDepth: MIN_SELLER_DEPTH,
          setupWorkers: SETUP_WORKERS,
          phase: (name) => profile?.phase(`chain: ${name}`),
        });
      profileRows.push(...(profile?.rows() ?? []));
      if (ONLY.has("payout"))
        payouts.push({
          database: "PostgreSQL",
          result: await measurePayoutInChild({
            database: "postgres",
            url,
            participants: PAYOUT_PARTICIPANTS,
            setupWorkers: SETUP_WORKERS,
            profile: PROFILE,
          }),
        });
      if (ONLY.has("jobs"))
        jobs.push({ database: "PostgreSQL", result: await measureJobsOnPostgres(url, jobOptions) });
      if (ONLY.has("simulate") && SIMULATE_ORDERS > 0)
        simulations.push(
          await measureSimulateOnPostgres(url, simulateRequest(SIMULATE_ORDERS, SETUP_WORKERS)),
        );
    } finally {
      await db.close();
      await stopStartedServer();
    }
  }

  if (rows.length > 0) {
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
  if (hooks.length > 0) printHooks(hooks);
  if (webhooksOut.length > 0) printWebhooksOut(webhooksOut);
  if (mailsOut.length > 0) (await import("./mail-out.ts")).printMailOut(mailsOut);
  if (goals.length > 0) printGoals(goals);
  if (imports.length > 0) printImports(imports);
  if (chain) printChain(chain);
  if (payouts.length > 0) printPayouts(payouts);
  if (jobs.length > 0) printJobs(jobs);
  if (simulations.length > 0) printSimulate(simulations);
  for (const p of imports) profileRows.push(...p.result.profile);
  for (const s of simulations) profileRows.push(...s.profile);
  for (const p of payouts) profileRows.push(...p.result.profile);
  if (PROFILE) {
    console.log("\nBENCH_PROFILE: time waiting for the database, per phase and statement:\n");
    console.table(profileRows.filter((r) => r.ms >= 10));
  }
  for (const note of notes) console.log(`Note: ${note}.`);
  console.log(`\nWhole run: ${seconds(performance.now() - started)}.`);
}

const goalOptions = () => ({
  goals: GOALS,
  events: GOALS_EVENTS,
  batch: BATCH,
  participants: PARTICIPANTS,
  reads: GOALS_READS,
});

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number): string => Math.round(n).toLocaleString("en-US");

function printChain(c: ChainResult): void {
  const ratio = c.tenPerSec / c.onePerSec;
  console.log(
    `\nChain depth (PostgreSQL): one program, ${count(c.network)} participants in a binary ` +
      `network ${c.maxDepth + 1} levels deep, sellers ${MIN_SELLER_DEPTH}+ levels down, ` +
      `batches of ${BATCH}, runs interleaved 10, 1, 1, 10:\n`,
  );
  console.table([
    {
      figure: "network setup (insert, set-based)",
      value: seconds(c.networkMs),
      target: "-",
    },
    { figure: "analyze participants", value: seconds(c.analyzeMs), target: "-" },
    {
      figure: `10-level upline events/s (${count(c.events)} orders, ${c.tenEntriesPerOrder} ledger entries each)`,
      value: count(c.tenPerSec),
      target: "-",
    },
    {
      figure: `1-level upline events/s (${count(c.events)} orders, ${c.oneEntriesPerOrder} ledger entries each)`,
      value: count(c.onePerSec),
      target: "-",
    },
    {
      figure: "ratio 10-level / 1-level",
      value: ratio.toFixed(3),
      target: `>= 0.5 (${ratio >= 0.5 ? "met" : "NOT met"})`,
    },
  ]);
}

function printPayouts(payouts: { database: string; result: PayoutFigures }[]): void {
  const memory = (rss: number, heap: number) => `rss +${mib(rss)} MiB, heapUsed +${mib(heap)} MiB`;
  const figures: [string, string, (r: PayoutFigures) => string][] = [
    ["participants with an available balance", "-", (r) => count(r.participants)],
    ["setup (participants and ledger, set-based SQL)", "-", (r) => seconds(r.setupMs)],
    ["createPayout wall time", "none yet (proposed <= 30 s)", (r) => seconds(r.payout.ms)],
    ["payout lines", "= participants", (r) => count(r.lines)],
    [
      "payout total",
      "= sum of balances",
      (r) => `${(r.totalMinor / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })} USD`,
    ],
    [
      "createPayout peak memory",
      "none yet",
      (r) => memory(r.payout.rssPeakDelta, r.payoutHeapPeak),
    ],
    ["CSV export wall time (app.inject)", "none yet", (r) => seconds(r.csv.ms)],
    ["CSV size", "-", (r) => `${mib(r.csvBytes)} MiB`],
    [
      "CSV export peak memory (after createPayout, same process)",
      "none yet",
      (r) => memory(r.csv.rssPeakDelta, r.csvHeapPeak),
    ],
  ];
  console.log(
    "\nPayout over many available balances (createPayout, then GET .../export.csv through the app;" +
      " each database in a fresh process):\n",
  );
  console.table(
    figures.map(([figure, target, value]) => ({
      figure,
      ...Object.fromEntries(payouts.map((p) => [p.database, value(p.result)])),
      target,
    })),
  );
}

function printGoals(goals: { database: string; result: GoalsResult }[]): void {
  const first = goals[0]?.result;
  if (!first) return;
  const table = (figures: [string, string, (r: GoalsResult) => string][]) =>
    console.table(
      figures.map(([figure, target, value]) => ({
        figure,
        ...Object.fromEntries(goals.map((g) => [g.database, value(g.result)])),
        target,
      })),
    );
  const ratio = (r: GoalsResult) => r.withPerSec / r.withoutPerSec;
  console.log(
    `\nGoals: order events/s with ${first.goals} active goals per participant against none ` +
      `(two programs set up alike, ${count(first.participants)} participants each, 3 paid levels, ` +
      `batches of ${BATCH}, runs interleaved with, without, without, with). ` +
      `The goals: ${first.mix}:\n`,
  );
  table([
    [
      "setup (2 programs, goals through createGoal, targets through importTargets)",
      "-",
      (r) => `${seconds(r.setupMs)} (${count(r.targets)} targets)`,
    ],
    [`events/s with ${first.goals} goals`, "-", (r) => count(r.withPerSec)],
    ["events/s without goals", "-", (r) => count(r.withoutPerSec)],
    [
      "ratio with / without",
      ">= 0.5",
      (r) => `${ratio(r).toFixed(3)} (${ratio(r) >= 0.5 ? "met" : "NOT met"})`,
    ],
    [
      "grants written during the runs with goals",
      "some (steps crossed)",
      (r) => `${count(r.grants)} (${(r.grants / r.events).toFixed(2)} per order)`,
    ],
    ["reward ledger entries written by them", "-", (r) => count(r.rewardEntries)],
    ["goal progress rows at the end", "-", (r) => count(r.progressRows)],
  ]);
  console.log(
    "\nGoals: GET /v1/programs/{id}/participants/{pid}/progress through the app (app.inject, " +
      "admin key), one participant, one request at a time, halves interleaved with, without, without, with:\n",
  );
  table([
    [
      `reads/s, participant with progress on ${first.goals} goals`,
      "none set (report)",
      (r) => `${count(r.withReads.perSec)} (${count(r.withReads.reads)} reads)`,
    ],
    [
      "  mean / p95 latency",
      "none set (report)",
      (r) => `${r.withReads.meanMs.toFixed(2)} / ${r.withReads.p95Ms.toFixed(2)} ms`,
    ],
    [
      "reads/s, same request in the program without goals",
      "the floor to compare with",
      (r) => `${count(r.withoutReads.perSec)} (${count(r.withoutReads.reads)} reads)`,
    ],
    [
      "  mean / p95 latency",
      "-",
      (r) => `${r.withoutReads.meanMs.toFixed(2)} / ${r.withoutReads.p95Ms.toFixed(2)} ms`,
    ],
    ["ratio with / without", "-", (r) => (r.withReads.perSec / r.withoutReads.perSec).toFixed(3)],
  ]);
}

function printImports(imports: { database: string; result: TargetImportFigures }[]): void {
  const figures: [string, string, (r: TargetImportFigures) => string][] = [
    ["rows (one participant each, per_participant monthly goal)", "-", (r) => count(r.rows)],
    ["setup (participants, set-based SQL; goals; CSV)", "-", (r) => seconds(r.setupMs)],
    ["CSV size", "-", (r) => `${mib(r.csvBytes)} MiB`],
    ["importTargets wall time", "none set yet", (r) => seconds(r.import.ms)],
    [
      "importTargets peak memory",
      "none set yet",
      (r) => `rss +${mib(r.import.rssPeakDelta)} MiB, heapUsed +${mib(r.importHeapPeak)} MiB`,
    ],
    [
      "floor: the same number of rows by one insert ... select",
      "the floor to compare with",
      (r) => seconds(r.floorMs),
    ],
    ["ratio importTargets / floor (time)", "-", (r) => (r.import.ms / r.floorMs).toFixed(1)],
  ];
  console.log(
    `\nTarget import (importTargets over a participant,goal,period,target file of ` +
      `${count(imports[0]?.result.rows ?? 0)} rows; each database in a fresh process):\n`,
  );
  console.table(
    figures.map(([figure, target, value]) => ({
      figure,
      ...Object.fromEntries(imports.map((p) => [p.database, value(p.result)])),
      target,
    })),
  );
}

await main();
