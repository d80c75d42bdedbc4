import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { newApp } from "../src/api/app.ts";
import { NO_RATE_LIMITS } from "../src/api/rate-limits.ts";
import { createAdminKey } from "../src/cli/bootstrap.ts";
import { createPayout } from "../src/engine/create-payout.ts";
import { createServices } from "../src/engine/services.ts";
import { findBrandByName } from "../src/store/brands.ts";
import type { Database } from "../src/store/db.ts";
import { insertProgram } from "../src/store/programs.ts";
import { heapPeakFromTrace, measureMemory, parseGcTrace, type MemoryPeak } from "./memory.ts";
import { forChunks } from "./network.ts";
import type { ProfileRow } from "./profile.ts";

/** Time and memory of one measured call, without what it returned. */
export type Peak = Omit<MemoryPeak<unknown>, "result">;

const peakOf = ({ result: _, ...peak }: MemoryPeak<unknown>): Peak => peak;

export interface PayoutResult {
  participants: number;
  setupMs: number;
  lines: number;
  totalMinor: number;
  csvBytes: number;
  /** createPayout's time and memory, then the CSV export's. */
  payout: Peak;
  csv: Peak;
}

export interface PayoutOptions {
  participants: number;
  /** Statements writing the fixture at once (connections on PostgreSQL). */
  setupWorkers: number;
  /** Told what the statements that follow are for, for BENCH_PROFILE. */
  phase?: (name: string) => void;
}

/**
 * A payout over `participants` available balances: the participants and, for
 * each, one order's commission booked pending and then released to available,
 * written set-based exactly as bookJournals and the hold-release job write
 * them. Then createPayout runs with its memory sampled, and the payout's CSV
 * is fetched through the HTTP app with an admin key of the program's brand.
 */
export async function measurePayout(db: Database, o: PayoutOptions): Promise<PayoutResult> {
  const { participants } = o;
  const services = createServices(db);
  const tag = randomBytes(4).toString("hex").toUpperCase();
  const brandName = `bench-payout-${tag}`;
  const { secret: adminKey } = await createAdminKey(services, brandName);
  const brand = await findBrandByName(db, brandName);
  if (!brand) throw new Error("the admin key's brand was not created");
  const program = await insertProgram(db, {
    id: services.ids.next("prg"),
    brandId: brand.id,
    name: "Bench payout",
    currency: "USD",
    timezone: "UTC",
    config: {
      name: "Bench payout",
      currency: "USD",
      timezone: "UTC",
      commission: { rate: { percent: 10 } },
    },
  });

  o.phase?.("payout setup");
  const started = performance.now();
  const expected = await insertAvailableBalances(db, program.id, participants, tag, o.setupWorkers);
  const setupMs = performance.now() - started;

  o.phase?.("createPayout");
  const payout = await measureMemory(() => createPayout(services, program));
  const { lines } = payout.result;
  const totalMinor = payout.result.payout.totalMinor;
  if (lines.length !== participants || totalMinor !== expected)
    throw new Error(
      `payout paid ${lines.length} lines, ${totalMinor} in all; expected ${participants} and ${expected}`,
    );

  const app = await newApp(services, { rateLimits: NO_RATE_LIMITS });
  o.phase?.("CSV export");
  try {
    const csv = await measureMemory(() =>
      app.inject({
        method: "GET",
        url: `/v1/programs/${program.id}/payouts/${payout.result.payout.id}/export.csv`,
        headers: { authorization: `Bearer ${adminKey}` },
      }),
    );
    const reply = csv.result;
    // A header, a row per line, each ended by CRLF.
    const rows = reply.body.split("\r\n").length - 2;
    if (reply.statusCode !== 200 || rows !== participants)
      throw new Error(`CSV export answered ${reply.statusCode} with ${rows} rows`);
    return {
      participants,
      setupMs,
      lines: lines.length,
      totalMinor,
      csvBytes: Buffer.byteLength(reply.body),
      payout: peakOf(payout),
      csv: peakOf(csv),
    };
  } finally {
    await app.close();
  }
}

/**
 * Participants 1..count, each with one order's commission (level 1) that has
 * been released: a pending leg and the program's balancing entry, then a
 * transfer moving the leg from pending to available, plus the hold_releases
 * row that marks it released. Amounts vary (500 to 20,499 minor units).
 * Returns the total available.
 */
async function insertAvailableBalances(
  db: Database,
  programId: string,
  count: number,
  tag: string,
  workers: number,
): Promise<number> {
  const booked = new Date(Date.now() - 40 * 86_400_000).toISOString();
  const released = new Date(Date.now() - 10 * 86_400_000).toISOString();
  const amount = "(500 + (n * 7919) % 20000)";
  await forChunks(count, workers, (from, to) =>
    db.query(
      `insert into participants
         (program_id, id, external_id, email, name, level, status, sponsor_id, ancestors, referral_code)
       select $1, $2 || k, 'pay-' || k, 'pay-' || k || '@example.com', null, null, 'active', null,
         '{}', $3 || k
       from generate_series($4::bigint, $5::bigint) n, lpad(n::text, 7, '0') k`,
      [programId, `par_P${tag}`, `P${tag}`, from + 1, to],
    ),
  );
  // Four entries per participant, as bookJournals writes them: the commission
  // transfer (the leg, cause key with its level, and the program's entry,
  // cause key without), then the release transfer (pending out, available in,
  // no program entry as they balance).
  await forChunks(count, workers, (from, to) =>
    db.query(
      `insert into ledger_entries
         (program_id, id, transfer_id, account, participant_id, asset, bucket, amount_minor,
          cause_type, cause_key, event_id, order_id, level, created_at)
       select $1, 'led_P' || $2 || e.k || o.k, 'trf_P' || $2 || e.t || o.k, e.account,
         e.participant_id, 'cash', e.bucket, e.amount, e.cause_type, e.cause_key, e.event_id,
         o.order_id, e.level, e.created_at
       from generate_series($3::bigint, $4::bigint) n
       cross join lateral (select k, 'pay-order-' || k as order_id, 'par_P' || $2 || k as pid,
                             ${amount}::bigint as amount from lpad(n::text, 7, '0') k) o
       cross join lateral (values
         ('a', 'c', 'participant', o.pid, 'pending', o.amount, 'commission',
          'commission:' || o.order_id || ':1', o.order_id, 1, $5::timestamptz),
         ('b', 'c', 'program', null, 'pending', -o.amount, 'commission',
          'commission:' || o.order_id, o.order_id, null, $5::timestamptz),
         ('c', 'r', 'participant', o.pid, 'pending', -o.amount, 'release',
          'release:' || o.order_id || ':1', null, 1, $6::timestamptz),
         ('d', 'r', 'participant', o.pid, 'available', o.amount, 'release',
          'release:' || o.order_id || ':1', null, 1, $6::timestamptz)
       ) as e(k, t, account, participant_id, bucket, amount, cause_type, cause_key, event_id, level,
              created_at)`,
      [programId, tag, from + 1, to, booked, released],
    ),
  );
  await forChunks(count, workers, (from, to) =>
    db.query(
      `insert into hold_releases
         (program_id, order_id, level, participant_id, amount_minor, released_at)
       select $1, 'pay-order-' || k, 1, 'par_P' || $2 || k, ${amount}, $5::timestamptz
       from generate_series($3::bigint, $4::bigint) n, lpad(n::text, 7, '0') k`,
      [programId, tag, from + 1, to, released],
    ),
  );
  await db.query("analyze participants, ledger_entries, hold_releases");
  const rows = await db.query<{ total: number }>(
    `select coalesce(sum(amount_minor), 0)::bigint as total from ledger_entries
     where program_id = $1 and account = 'participant' and bucket = 'available'`,
    [programId],
  );
  return rows[0]?.total ?? 0;
}

export interface ChildRequest {
  database: "pglite" | "postgres";
  /** The PostgreSQL server's URL (already migrated); unused for PGlite. */
  url: string;
  participants: number;
  setupWorkers: number;
  profile: boolean;
}

export interface ChildAnswer {
  result: PayoutResult;
  profile: ProfileRow[];
}

export interface PayoutFigures extends PayoutResult {
  /** heapUsed peaks with V8's own trace of each collection taken into account. */
  payoutHeapPeak: number;
  csvHeapPeak: number;
  profile: ProfileRow[];
}

/**
 * Runs the payout scenario in a process of its own (bench/payout-child.ts),
 * so its memory baseline is a fresh process rather than whatever earlier
 * scenarios left mapped, and under `--trace-gc` so heap peaks between samples
 * are seen (see measureMemory).
 */
export async function measurePayoutInChild(request: ChildRequest): Promise<PayoutFigures> {
  const child = fork(resolve("bin/run-ts.js"), [resolve("bench/payout-child.ts")], {
    execArgv: ["--trace-gc"],
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    env: { ...process.env, BENCH_PAYOUT_REQUEST: JSON.stringify(request) },
  });
  let trace = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    trace += chunk;
  });
  const received: { answer: ChildAnswer | null } = { answer: null };
  child.on("message", (m) => {
    received.answer = m as ChildAnswer;
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.on("error", fail);
    child.on("close", done);
  });
  const got = received.answer;
  if (code !== 0 || got === null)
    throw new Error(`the payout benchmark process failed (exit code ${code})`);
  const gcs = parseGcTrace(trace);
  return {
    ...got.result,
    payoutHeapPeak: heapPeakFromTrace(gcs, 0, got.result.payout),
    csvHeapPeak: heapPeakFromTrace(gcs, 1, got.result.csv),
    profile: got.profile,
  };
}
