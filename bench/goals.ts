import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { newApp } from "../src/api/app.ts";
import { NO_RATE_LIMITS } from "../src/api/rate-limits.ts";
import { createAdminKey } from "../src/cli/bootstrap.ts";
import { seededRandom } from "../src/cli/seeded-random.ts";
import { contribution } from "../src/domain/goal-progress.ts";
import {
  normalizeGoal,
  windowAt,
  type GoalInput,
  type GoalWindow,
  type Metric,
  type SimpleReward,
} from "../src/domain/goals.ts";
import { createGoal } from "../src/engine/goals.ts";
import { importTargets } from "../src/engine/import-targets.ts";
import { ingestEvents } from "../src/engine/ingest.ts";
import { createServices, type Services } from "../src/engine/services.ts";
import type { Database, Queryable } from "../src/store/db.ts";
import { findBrandByName } from "../src/store/brands.ts";
import { insertProgram, type ProgramRecord } from "../src/store/programs.ts";
import { heapPeakFromTrace, measureMemory, parseGcTrace } from "./memory.ts";
import { forChunks } from "./network.ts";
import type { Peak } from "./payout.ts";
import type { ProfileRow } from "./profile.ts";
import {
  ingestAll,
  orderEvents,
  setUpProgram,
  type Fixture,
  type OrderEvents,
} from "./workload.ts";

/**
 * Goals: what 50 goals per participant cost order throughput, how fast one
 * participant's progress on all of them is read, and a large per-participant
 * target import. See bench/README.md.
 */

const SKUS = ["SHIRT", "HAT", "MUG", "SOCKS"] as const;
/** SKU filters the sku_* and filtered order_count goals rotate through. */
const SKU_FILTERS: readonly string[][] = [["SHIRT"], ["HAT", "MUG"], ["SOCKS"], ["MUG", "SOCKS"]];
/**
 * A goal's first step, as a multiple of what the median participant reaches
 * over the whole run; each further step doubles it. The 50 goals go through
 * this list by tens, so every metric gets each reach once: the goals at 0.5
 * cross one or two steps for most participants during the run, those at 1.5
 * cross some, the rest are the long ladders nobody finishes in a month.
 */
const REACH = [0.5, 1.5, 3, 6, 12] as const;
/** The metric of goal i is METRIC_CYCLE[i % 10]. */
const METRIC_CYCLE: readonly { metric: Metric; perParticipant?: true; filtered?: true }[] = [
  { metric: "sales_amount" },
  { metric: "order_count" },
  { metric: "sku_amount", filtered: true },
  { metric: "sku_quantity", filtered: true },
  { metric: "sales_amount", perParticipant: true },
  { metric: "order_count", filtered: true },
  { metric: "review_count" },
  { metric: "sku_amount", filtered: true },
  { metric: "referral_count" },
  { metric: "points_earned" },
];
const WINDOWS: readonly GoalWindow[] = [
  { type: "lifetime" },
  { type: "monthly" },
  { type: "quarterly" },
];

/**
 * The goal mix: goal `i` of a program whose median participant places
 * `ordersPerParticipant` orders during the run. Also answers, for a
 * per-participant goal, the target that puts its steps where a fixed ladder
 * of the same reach would be.
 */
function benchGoal(
  i: number,
  ordersPerParticipant: number,
  perOrder: (input: GoalInput) => number,
): { input: GoalInput; target: number | null } {
  const kind = METRIC_CYCLE[i % METRIC_CYCLE.length] ?? { metric: "sales_amount" };
  const reach = REACH[Math.floor(i / METRIC_CYCLE.length) % REACH.length] ?? 1;
  const steps = 2 + (i % 3);
  const window: GoalWindow = kind.perParticipant
    ? // Per-participant targets are per month or quarter.
      (WINDOWS[1 + (i % 2)] ?? { type: "monthly" })
    : (WINDOWS[i % WINDOWS.length] ?? { type: "lifetime" });
  const evaluate = i % 4 === 3 ? "at_window_end" : "immediately";
  const base: GoalInput = {
    name: `Bench goal ${i + 1}: ${kind.metric}, ${window.type}, first step at ${reach}x the run`,
    metric: kind.metric,
    window,
    evaluate,
    steps: [{ threshold: 1, reward: { type: "points", points: 1 } }],
    ...(kind.filtered
      ? { filter: { skus: SKU_FILTERS[i % SKU_FILTERS.length] ?? ["SHIRT"] } }
      : {}),
  };
  const money = kind.metric === "sales_amount" || kind.metric === "sku_amount";
  const rewardOf = (step: number): SimpleReward => {
    switch ((i + step) % 6) {
      case 0:
        return { type: "points", points: 50 * (step + 1) };
      case 1:
        return { type: "cash", amount: 500 * (step + 1) };
      case 2:
        return { type: "percent_of_value", percent: "2.5" };
      case 3:
        return money
          ? { type: "points_per", points: 1, per: 1000 }
          : { type: "points_per", points: 10, per: 1 };
      case 4:
        return { type: "percent_of_value", percent: 1 };
      default:
        return i % 12 === 5 ? { type: "free_product", sku: "MUG" } : { type: "points", points: 25 };
    }
  };
  // What the median participant reaches in the run: orders' share for the
  // metrics orders feed; recruits' first orders and points have own scales.
  const expected =
    kind.metric === "referral_count"
      ? 2
      : kind.metric === "points_earned"
        ? 400
        : kind.metric === "review_count"
          ? 2
          : perOrder(base) * ordersPerParticipant;
  const first = Math.max(1, Math.round(reach * expected));
  if (kind.perParticipant) {
    // Percents of the target 100 / 2^(steps-1-k): the last step is the whole
    // target, so the target is the last threshold of the fixed ladder.
    const percents = Array.from({ length: steps }, (_, k) => 100 / 2 ** (steps - 1 - k));
    return {
      input: {
        ...base,
        target: { type: "per_participant" },
        steps: percents.map((percent, k) => ({ percent, reward: rewardOf(k) })),
      },
      target: first * 2 ** (steps - 1),
    };
  }
  return {
    input: {
      ...base,
      steps: Array.from({ length: steps }, (_, k) => ({
        threshold: first * 2 ** k,
        reward: rewardOf(k),
      })),
    },
    target: null,
  };
}

/** Mean contribution of one order of the workload to a goal like `input`. */
function perOrderOf(sample: OrderEvents): (input: GoalInput) => number {
  return (input) => {
    const goal = normalizeGoal(input, "UTC");
    let total = 0;
    for (const e of sample) {
      const items = e.items.map((it) => ({
        sku: it.sku,
        quantity: it.quantity,
        valueMinor: it.quantity * it.unitAmount,
      }));
      total += contribution(goal, { kind: "order", participantId: "", atMs: 0, items }) ?? 0;
    }
    return total / sample.length;
  };
}

/**
 * The workload's orders dated in the last moments before `endMs`, 10 ms
 * apart, so they fall in the monthly and quarterly windows open now (orders
 * dated in a window already closed would be recorded late and not counted).
 */
function dated(events: OrderEvents, endMs: number): OrderEvents {
  return events.map((e, n) => ({
    ...e,
    occurredAt: new Date(endMs - (events.length - n) * 10).toISOString(),
  }));
}

export interface GoalsOptions {
  goals: number;
  /** Orders per configuration (with and without goals), in two halves each. */
  events: number;
  batch: number;
  participants: number;
  /** Progress reads per program (with and without goals), in two halves each. */
  reads: number;
  phase?: (name: string) => void;
}

export interface ReadFigures {
  reads: number;
  perSec: number;
  meanMs: number;
  p95Ms: number;
  /** Goals in each answer. */
  goals: number;
}

export interface GoalsResult {
  goals: number;
  participants: number;
  /** Goals by metric, evaluation and window, for the table's caption. */
  mix: string;
  setupMs: number;
  targets: number;
  events: number;
  withPerSec: number;
  withoutPerSec: number;
  /** Written during the measured runs with goals. */
  grants: number;
  rewardEntries: number;
  progressRows: number;
  withReads: ReadFigures;
  withoutReads: ReadFigures;
}

/**
 * Two programs set up alike (bench/workload.ts setUpProgram), one with
 * `goals` goals created through createGoal and the per-participant targets
 * of its per-participant goals imported through importTargets, the other
 * with none. Orders run interleaved with, without, without, with; then one
 * participant's progress is read through the app from each program.
 */
export async function measureGoals(db: Database, o: GoalsOptions): Promise<GoalsResult> {
  o.phase?.("goals setup");
  const started = performance.now();
  const withGoals = await setUpProgram(db, o.participants, 4, 2);
  const withoutGoals = await setUpProgram(db, o.participants, 4, 2);
  const half = Math.max(o.batch, Math.floor(o.events / 2 / o.batch) * o.batch);
  // Warm-up and both halves go to each program.
  const ordersPerParticipant = (o.batch + 2 * half) / o.participants;
  const perOrder = perOrderOf(orderEvents(5000, ["X"], 1));
  const nowMs = Date.now();
  const csv = ["participant,goal,period,target"];
  const random = seededRandom(11);
  const metrics = new Map<string, number>();
  const kinds = new Map<string, number>();
  const tally = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (let i = 0; i < o.goals; i++) {
    const { input, target } = benchGoal(i, ordersPerParticipant, perOrder);
    const created = await createGoal(withGoals.services, withGoals.program, input);
    if ("kind" in created) throw new Error(`bench goal ${i + 1} refused: ${created.message}`);
    const label = `${input.metric}${input.target?.type === "per_participant" ? " (per participant)" : ""}`;
    tally(metrics, label);
    tally(kinds, input.window?.type ?? "lifetime");
    tally(kinds, input.evaluate ?? "immediately");
    if (target === null) continue;
    const period = windowAt(created.goal.window, nowMs, withGoals.program.timezone)?.key ?? "";
    for (let p = 0; p < o.participants; p++)
      csv.push(
        `bench-${p},${created.id},${period},${Math.max(1, Math.round(target * (0.75 + random() / 2)))}`,
      );
  }
  const targets = csv.length - 1;
  if (targets > 0) {
    const imported = await importTargets(withGoals.services, withGoals.program, {
      text: csv.join("\n") + "\n",
      fileName: "bench-targets.csv",
      source: "cli",
    });
    if (imported.status !== "imported")
      throw new Error(`bench targets not imported: ${JSON.stringify(imported).slice(0, 500)}`);
  }
  const setupMs = performance.now() - started;

  // Warm both programs (JIT, plans, caches) before the clock runs.
  o.phase?.("goals warm-up");
  await ingestAll(
    withGoals,
    dated(orderEvents(o.batch, withGoals.codes, 400), Date.now()),
    o.batch,
  );
  await ingestAll(
    withoutGoals,
    dated(orderEvents(o.batch, withoutGoals.codes, 400), Date.now()),
    o.batch,
  );

  // ABBA: with, without, without, with. Both configurations get the same two
  // workloads (same seeds: same sellers by index, items and amounts).
  const before = await countGoalRows(db, withGoals.program.id);
  const elapsed = { with: 0, without: 0 };
  const seeds = { with: 401, without: 401 };
  for (const which of ["with", "without", "without", "with"] as const) {
    const fixture = which === "with" ? withGoals : withoutGoals;
    const events = dated(orderEvents(half, fixture.codes, seeds[which]++), Date.now());
    o.phase?.(`orders ${which} goals`);
    elapsed[which] += await ingestAll(fixture, events, o.batch);
  }
  o.phase?.("goals bookkeeping");
  const after = await countGoalRows(db, withGoals.program.id);

  const reads = await measureProgressReads(db, withGoals, withoutGoals, o);
  const events = 2 * half;
  return {
    goals: o.goals,
    participants: o.participants,
    mix: [...metrics, ...kinds].map(([m, n]) => `${n} ${m}`).join(", "),
    setupMs,
    targets,
    events,
    withPerSec: (events / elapsed.with) * 1000,
    withoutPerSec: (events / elapsed.without) * 1000,
    grants: after.grants - before.grants,
    rewardEntries: after.rewardEntries - before.rewardEntries,
    progressRows: after.progress,
    ...reads,
  };
}

async function countGoalRows(
  db: Queryable,
  programId: string,
): Promise<{ grants: number; rewardEntries: number; progress: number }> {
  const rows = await db.query<{ grants: number; entries: number; progress: number }>(
    `select (select count(*)::int from goal_grants where program_id = $1) as grants,
       (select count(*)::int from ledger_entries where program_id = $1 and cause_type = 'reward') as entries,
       (select count(*)::int from goal_progress where program_id = $1) as progress`,
    [programId],
  );
  const r = rows[0];
  return { grants: r?.grants ?? 0, rewardEntries: r?.entries ?? 0, progress: r?.progress ?? 0 };
}

/**
 * `GET /v1/programs/{id}/participants/{pid}/progress` through the app
 * (app.inject, admin key of the program's brand), one request at a time, for
 * participant 0 of each program: with goals, after a review and a large order
 * of every SKU so that it has progress on every goal (checked); without
 * goals, the same request answering an empty list. ABBA halves.
 */
async function measureProgressReads(
  db: Database,
  withGoals: Fixture,
  withoutGoals: Fixture,
  o: GoalsOptions,
): Promise<{ withReads: ReadFigures; withoutReads: ReadFigures }> {
  o.phase?.("progress setup");
  const at = new Date().toISOString();
  const results = await ingestEvents(withGoals.services, withGoals.program, [
    { type: "review", id: "bench-review-0", occurredAt: at, participant: "bench-0" },
    {
      type: "order",
      id: "bench-large-order-0",
      occurredAt: at,
      customer: { id: "cust-large" },
      code: withGoals.codes[0],
      items: SKUS.map((sku) => ({ sku, quantity: 50, unitAmount: 100_000 })),
      currency: "USD",
    },
  ]);
  const bad = results.find((r) => r.status !== "processed");
  if (bad) throw new Error(`progress setup event not processed: ${JSON.stringify(bad)}`);

  const app = await newApp(withGoals.services, { rateLimits: NO_RATE_LIMITS });
  try {
    const target = async (f: Fixture) => {
      const rows = await db.query<{ id: string; name: string }>(
        `select p.id, b.name from participants p
         join programs g on g.id = p.program_id join brands b on b.id = g.brand_id
         where p.program_id = $1 and p.external_id = 'bench-0'`,
        [f.program.id],
      );
      const row = rows[0];
      if (!row) throw new Error("bench participant 0 not found");
      const { secret: key } = await createAdminKey(f.services, row.name);
      return {
        url: `/v1/programs/${f.program.id}/participants/${row.id}/progress`,
        headers: { authorization: `Bearer ${key}` },
      };
    };
    const requests = { with: await target(withGoals), without: await target(withoutGoals) };
    const read = async (which: "with" | "without") => {
      const reply = await app.inject({ method: "GET", ...requests[which] });
      if (reply.statusCode !== 200)
        throw new Error(`progress read answered ${reply.statusCode}: ${reply.body.slice(0, 300)}`);
      return reply;
    };
    // Every goal has progress: the figure is for 50 goals being read, not 50 zeros.
    const body = JSON.parse((await read("with")).body) as unknown;
    const views = (Array.isArray(body) ? body : (body as { data: unknown[] }).data) as {
      goalId: string;
      value: number;
    }[];
    const empty = views.filter((v) => !(v.value > 0)).map((v) => v.goalId);
    if (views.length !== o.goals || empty.length > 0)
      throw new Error(
        `progress read shows ${views.length} goals (expected ${o.goals}), ${empty.length} without progress: ${empty.join(", ")}`,
      );
    const goalsWithout = JSON.parse((await read("without")).body) as unknown[];

    o.phase?.("progress reads");
    for (let n = 0; n < 50; n++) {
      await read("with");
      await read("without");
    }
    const latencies = { with: [] as number[], without: [] as number[] };
    const halfReads = Math.max(1, Math.floor(o.reads / 2));
    for (const which of ["with", "without", "without", "with"] as const)
      for (let n = 0; n < halfReads; n++) {
        const started = performance.now();
        await read(which);
        latencies[which].push(performance.now() - started);
      }
    const figures = (ms: number[], goals: number): ReadFigures => {
      const total = ms.reduce((a, b) => a + b, 0);
      const sorted = [...ms].sort((a, b) => a - b);
      return {
        reads: ms.length,
        perSec: (ms.length / total) * 1000,
        meanMs: total / ms.length,
        p95Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0,
        goals,
      };
    };
    return {
      withReads: figures(latencies.with, views.length),
      withoutReads: figures(
        latencies.without,
        Array.isArray(goalsWithout) ? goalsWithout.length : 0,
      ),
    };
  } finally {
    await app.close();
  }
}

// ---------------------------------------------------------------- target import

export interface TargetImportResult {
  rows: number;
  setupMs: number;
  csvBytes: number;
  /** importTargets' time and memory. */
  import: Peak;
  /** The same number of target rows written by one insert … select in SQL. */
  floorMs: number;
}

export interface TargetImportOptions {
  rows: number;
  setupWorkers: number;
  phase?: (name: string) => void;
}

/**
 * A `participant,goal,period,target` file of `rows` rows, one per
 * participant, for a per_participant monthly goal, imported with
 * importTargets; the participants are written set-based in SQL first. Then
 * the floor: the same number of rows inserted for a second such goal by one
 * statement that reads the participants in the database.
 */
export async function measureTargetImport(
  db: Database,
  o: TargetImportOptions,
): Promise<TargetImportResult> {
  const services = createServices(db);
  const tag = randomBytes(4).toString("hex").toUpperCase();
  const brandName = `bench-targets-${tag}`;
  await createAdminKey(services, brandName);
  const brand = await findBrandByName(db, brandName);
  if (!brand) throw new Error("the bench brand was not created");
  const config = {
    name: "Bench targets",
    currency: "USD",
    timezone: "UTC",
    commission: { rate: { percent: 10 } },
  };
  const program = await insertProgram(db, {
    id: services.ids.next("prg"),
    brandId: brand.id,
    name: config.name,
    currency: config.currency,
    timezone: config.timezone,
    config,
  });

  o.phase?.("targets setup");
  const started = performance.now();
  await forChunks(o.rows, o.setupWorkers, (from, to) =>
    db.query(
      `insert into participants
         (program_id, id, external_id, email, name, level, status, sponsor_id, ancestors, referral_code)
       select $1, $2 || n, 'tgt-' || n, null, null, null, 'active', null, '{}', $3 || n
       from generate_series($4::bigint, $5::bigint) n`,
      [program.id, `par_T${tag}`, `T${tag}`, from + 1, to],
    ),
  );
  await db.query("analyze participants");
  const goal = (name: string) => createMonthlyTargetGoal(services, program, name).then((g) => g.id);
  const goalId = await goal("Monthly sales target");
  const floorGoalId = await goal("Monthly sales target (floor)");
  const period = windowAt({ type: "monthly" }, Date.now(), "UTC")?.key ?? "";
  const lines = ["participant,goal,period,target"];
  for (let n = 1; n <= o.rows; n++)
    lines.push(`tgt-${n},${goalId},${period},${100_000 + ((n * 7919) % 900_000)}`);
  // As the CLI and the SFTP pickup hold a file: its bytes.
  const file = {
    text: Buffer.from(lines.join("\n") + "\n"),
    fileName: "targets.csv",
    source: "cli" as const,
  };
  lines.length = 0;
  const csvBytes = file.text.length;
  const setupMs = performance.now() - started;

  o.phase?.("importTargets");
  const measured = await measureMemory(() => importTargets(services, program, file));
  const { result, ...peak } = measured;
  if (result.status !== "imported" || result.rows !== o.rows)
    throw new Error(`target import answered ${JSON.stringify(result).slice(0, 500)}`);
  o.phase?.("targets check");
  const stored = await db.query<{ n: number }>(
    `select count(*)::int as n from participant_targets where program_id = $1 and goal_id = $2`,
    [program.id, goalId],
  );
  if (stored[0]?.n !== o.rows)
    throw new Error(`target import stored ${stored[0]?.n} rows, expected ${o.rows}`);

  o.phase?.("targets floor");
  const floorStarted = performance.now();
  await db.query(
    `insert into participant_targets (program_id, goal_id, participant_id, period, target, import_id)
     select $1, $2, id, $3, 100000 + (substr(external_id, 5)::bigint * 7919) % 900000, 'bench-floor'
     from participants where program_id = $1`,
    [program.id, floorGoalId, period],
  );
  const floorMs = performance.now() - floorStarted;
  return { rows: o.rows, setupMs, csvBytes, import: peak, floorMs };
}

async function createMonthlyTargetGoal(services: Services, program: ProgramRecord, name: string) {
  const created = await createGoal(services, program, {
    name,
    metric: "sales_amount",
    window: { type: "monthly" },
    target: { type: "per_participant" },
    steps: [
      { percent: 50, reward: { type: "cash", amount: 2500 } },
      { percent: 100, reward: { type: "cash", amount: 10_000 } },
    ],
  });
  if ("kind" in created) throw new Error(`target goal refused: ${created.message}`);
  return created;
}

export interface TargetImportRequest {
  database: "pglite" | "postgres";
  /** The PostgreSQL server's URL (already migrated); unused for PGlite. */
  url: string;
  rows: number;
  setupWorkers: number;
  profile: boolean;
}

export interface TargetImportAnswer {
  result: TargetImportResult;
  profile: ProfileRow[];
}

export interface TargetImportFigures extends TargetImportResult {
  /** heapUsed peak with V8's own trace of each collection taken into account. */
  importHeapPeak: number;
  profile: ProfileRow[];
}

/**
 * Runs the target import in a process of its own (bench/goals-child.ts)
 * under `--trace-gc`, as measurePayoutInChild runs the payout: the memory
 * baseline is a fresh process, and heap peaks between samples are seen.
 */
export async function measureTargetImportInChild(
  request: TargetImportRequest,
): Promise<TargetImportFigures> {
  const child = fork(resolve("bin/run-ts.js"), [resolve("bench/goals-child.ts")], {
    execArgv: ["--trace-gc"],
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    env: { ...process.env, BENCH_TARGETS_REQUEST: JSON.stringify(request) },
  });
  let trace = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    trace += chunk;
  });
  const received: { answer: TargetImportAnswer | null } = { answer: null };
  child.on("message", (m) => {
    received.answer = m as TargetImportAnswer;
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.on("error", fail);
    child.on("close", done);
  });
  const got = received.answer;
  if (code !== 0 || got === null)
    throw new Error(`the target import benchmark process failed (exit code ${code})`);
  return {
    ...got.result,
    importHeapPeak: heapPeakFromTrace(parseGcTrace(trace), 0, got.result.import),
    profile: got.profile,
  };
}
