import { randomBytes } from "node:crypto";
import { createServices } from "../src/engine/services.ts";
import { insertBrand } from "../src/store/brands.ts";
import type { Database } from "../src/store/db.ts";
import { insertProgram, updateProgram, type ProgramRecord } from "../src/store/programs.ts";
import type { ProgramInput } from "../src/domain/program.ts";
import { depthOf, insertBinaryNetwork, type Network } from "./network.ts";
import { seededRandom } from "../src/cli/seeded-random.ts";
import { ingestAll, orderEvents, type Fixture } from "./workload.ts";

/**
 * Chain depth: the same orders, from sellers deep in one large network, paid
 * 10 upline levels against 1. Both run on one program (the network belongs to
 * it); between runs the program's `upline` is updated, as a PATCH would, and
 * the record passed to the engine is the updated one. Event ids differ per run.
 */
export interface ChainOptions {
  network: number;
  events: number;
  batch: number;
  /** Sellers are at least this deep, so a 10-level upline is full for every order. */
  minDepth: number;
  /** Statements building the network at once (connections on PostgreSQL). */
  setupWorkers: number;
  /** Told what the statements that follow are for, for BENCH_PROFILE. */
  phase?: (name: string) => void;
}

export interface ChainResult {
  network: number;
  maxDepth: number;
  networkMs: number;
  analyzeMs: number;
  /** Orders per second with 10 paid upline levels, and with 1. */
  tenPerSec: number;
  onePerSec: number;
  events: number;
  /** Ledger entries the measured orders wrote, per order, for each run. */
  tenEntriesPerOrder: number;
  oneEntriesPerOrder: number;
}

export async function measureChainDepth(db: Database, o: ChainOptions): Promise<ChainResult> {
  if (o.network < 2 ** (o.minDepth + 1))
    throw new Error(
      `BENCH_NETWORK=${o.network} is too small for sellers ${o.minDepth}+ levels deep; use at least ${2 ** (o.minDepth + 1)}`,
    );
  const services = createServices(db);
  const tag = randomBytes(4).toString("hex").toUpperCase();
  const brandId = services.ids.next("brd");
  await insertBrand(db, { id: brandId, name: `bench-chain-${tag}` });
  const config = (levels: number): ProgramInput => ({
    name: "Bench chain",
    currency: "USD",
    timezone: "UTC",
    commission: {
      rate: { percent: 10 },
      bySku: { SHIRT: { percent: 20 } },
      upline: Array.from({ length: levels }, () => ({ percent: 1 })),
    },
  });
  const created = await insertProgram(db, {
    id: services.ids.next("prg"),
    brandId,
    name: "Bench chain",
    currency: "USD",
    timezone: "UTC",
    config: config(10),
  });
  const network: Network = {
    programId: created.id,
    size: o.network,
    idPrefix: `par_N${tag}`,
    codePrefix: `N${tag}`,
  };

  o.phase?.("network setup");
  let started = performance.now();
  await insertBinaryNetwork(db, network, o.setupWorkers);
  const networkMs = performance.now() - started;
  // Fresh statistics, as autovacuum would give a table this size soon after;
  // without them the planner guesses for the participant lookups.
  started = performance.now();
  await db.query("analyze participants");
  const analyzeMs = performance.now() - started;
  await checkNetwork(db, network, o.minDepth);

  // Deep sellers, picked with a seeded PRNG among everyone minDepth+ levels down.
  const random = seededRandom(7);
  const firstDeep = 2 ** o.minDepth - 1;
  const codes = Array.from(
    { length: Math.min(100_000, o.network - firstDeep) },
    () => `${network.codePrefix}${firstDeep + Math.floor(random() * (o.network - firstDeep))}`,
  );

  const use = async (levels: number): Promise<Fixture> => {
    const program: ProgramRecord = await updateProgram(
      db,
      { ...created, config: config(levels) },
      new Date(),
    );
    return { services, program, codes };
  };

  // Warm both configurations (plans, caches, JIT) before the clock runs.
  let seed = 300;
  o.phase?.("warm-up");
  for (const levels of [10, 1])
    await ingestAll(await use(levels), orderEvents(o.batch, codes, seed++), o.batch);

  // ABBA: 10, 1, 1, 10, so growth of the tables during the run weighs on
  // both the same. Each quarter is half of one configuration's events.
  const half = Math.max(o.batch, Math.floor(o.events / 2 / o.batch) * o.batch);
  const elapsed = new Map<number, number>([
    [10, 0],
    [1, 0],
  ]);
  const entries = new Map<number, number>([
    [10, 0],
    [1, 0],
  ]);
  for (const levels of [10, 1, 1, 10]) {
    o.phase?.("bookkeeping");
    const fixture = await use(levels);
    const events = orderEvents(half, codes, seed++);
    const before = await countEntries(db, created.id);
    o.phase?.(`${levels} upline level${levels === 1 ? "" : "s"}`);
    const ms = await ingestAll(fixture, events, o.batch);
    o.phase?.("bookkeeping");
    elapsed.set(levels, (elapsed.get(levels) ?? 0) + ms);
    entries.set(levels, (entries.get(levels) ?? 0) + (await countEntries(db, created.id)) - before);
  }
  const perSec = (levels: number) => ((2 * half) / (elapsed.get(levels) ?? 1)) * 1000;
  return {
    network: o.network,
    maxDepth: depthOf(o.network - 1),
    networkMs,
    analyzeMs,
    tenPerSec: perSec(10),
    onePerSec: perSec(1),
    events: 2 * half,
    tenEntriesPerOrder: (entries.get(10) ?? 0) / (2 * half),
    oneEntriesPerOrder: (entries.get(1) ?? 0) / (2 * half),
  };
}

async function countEntries(db: Database, programId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    "select count(*)::bigint as n from ledger_entries where program_id = $1",
    [programId],
  );
  return rows[0]?.n ?? 0;
}

/** The network is what the scenario claims: its size, and the depth of its first deep seller. */
async function checkNetwork(db: Database, network: Network, minDepth: number): Promise<void> {
  const first = 2 ** minDepth - 1;
  const rows = await db.query<{ n: number; depth: number }>(
    `select (select count(*)::bigint from participants where program_id = $1) as n,
       (select cardinality(ancestors) from participants where program_id = $1 and id = $2) as depth`,
    [network.programId, `${network.idPrefix}${first}`],
  );
  const row = rows[0];
  if (row?.n !== network.size || row.depth !== minDepth)
    throw new Error(`bench network is not as built: ${JSON.stringify(row)}`);
}
