import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { openPostgres } from "../../src/store/db.ts";
import { migrate, MIGRATION_LOCK } from "../../src/store/migrate.ts";
import { startServe, type Serving } from "./processes.ts";

const adminUrl = inject("postgresUrl");

/** A new, empty database on the test server; `drop` removes it. */
async function newDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (adminUrl === null) throw new Error("no PostgreSQL server");
  const name = `laurel_race_${randomBytes(6).toString("hex")}`;
  await asAdmin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin(`drop database if exists ${name} with (force)`),
  };
}

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl ?? "" });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function countsIn(url: string): Promise<{ brands: number; adminKeys: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ brands: string; adminKeys: string }>(
      `select (select count(*) from brands) as brands,
              (select count(*) from api_keys where kind = 'admin') as "adminKeys"`,
    );
    return { brands: Number(rows[0]?.brands), adminKeys: Number(rows[0]?.adminKeys) };
  } finally {
    await client.end();
  }
}

/**
 * Where the test holds both servers until both wait there, then lets them go
 * at once: process start times vary by far more than the few milliseconds in
 * which the two can collide, so without a gate most rounds would not race.
 *
 * - "migrations": the migration lock on a new database, so they leave the
 *   migrations in step and reach the first brand together, as a server does
 *   that waited on the other's migrations;
 * - "first brand": the brands table on a migrated, empty database, so both
 *   look for brands at the same instant and both find none.
 */
type Gate = "migrations" | "first brand";

const GATES: Record<Gate, { close: string; waiting: string; open: string }> = {
  migrations: {
    close: `select pg_advisory_lock(${MIGRATION_LOCK})`,
    waiting: `select count(*) as n from pg_locks
              where locktype = 'advisory' and objid = ${MIGRATION_LOCK} and not granted`,
    open: `select pg_advisory_unlock(${MIGRATION_LOCK})`,
  },
  "first brand": {
    close: "begin; lock table brands in access exclusive mode",
    waiting: `select count(*) as n from pg_locks
              where locktype = 'relation' and relation = 'brands'::regclass and not granted`,
    open: "commit",
  },
};

/** Starts two servers on the database at `url`, released together from `gate`; both must come up. */
async function startTwo(url: string, gate: Gate, env: NodeJS.ProcessEnv = {}): Promise<Serving[]> {
  if (gate === "first brand") {
    const db = await openPostgres(url);
    await migrate(db).finally(() => db.close());
  }
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  let started: PromiseSettledResult<Serving>[];
  try {
    await holder.query(GATES[gate].close);
    const starting = [0, 1].map(() => startServe({ ...env, DATABASE_URL: url }));
    // One that fails before reaching the gate settles its promise: stop waiting then.
    const oneSettled = Promise.race(
      starting.map((s) =>
        s.then(
          () => true,
          () => true,
        ),
      ),
    );
    for (let waiting = 0; waiting < 2;) {
      if (await Promise.race([oneSettled, sleep(100).then(() => false)])) break;
      const { rows } = await holder.query<{ n: string }>(GATES[gate].waiting);
      waiting = Number(rows[0]?.n);
    }
    await holder.query(GATES[gate].open);
    started = await Promise.allSettled(starting);
  } finally {
    await holder.end();
  }
  const up = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []));
  if (failed.length > 0) {
    await Promise.all(up.map((s) => s.stop()));
    throw new Error(`a server did not come up:\n${failed.join("\n")}`);
  }
  return up;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(server: Serving, path: string, key?: string): Promise<number> {
  const reply = await fetch(`${server.url}${path}`, {
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  return reply.status;
}

/** The admin key a server printed at start, if it printed one. */
const printedKey = (server: Serving): string | undefined =>
  /^\s+(lrl_admin_\S+)$/m.exec(server.output().stdout)?.[1];

/** Rounds behind the migration lock: each a new database and two new servers. */
const ROUNDS = 3;

const rounds: [Gate, number][] = [
  ...Array.from({ length: ROUNDS }, (_, i): [Gate, number] => ["migrations", i + 1]),
  ["first brand", 1],
];

describe.runIf(adminUrl !== null)(
  "two laurel serve starting at once on a new PostgreSQL database",
  () => {
    it.each(rounds)(
      "both come up, with one brand and one admin key that one of them printed (released from the %s, round %i)",
      async (gate) => {
        const database = await newDatabase();
        let servers: Serving[] = [];
        try {
          servers = await startTwo(database.url, gate);
          for (const server of servers) expect(await status(server, "/health")).toBe(200);
          expect(await countsIn(database.url)).toEqual({ brands: 1, adminKeys: 1 });
          const printed = servers.flatMap((s) => printedKey(s) ?? []);
          expect(printed).toHaveLength(1);
          for (const server of servers)
            expect(await status(server, "/v1/programs", printed[0])).toBe(200);
        } finally {
          await Promise.all(servers.map((s) => s.stop()));
          await database.drop();
        }
      },
      120_000,
    );

    it("with the same LAUREL_ADMIN_KEY, both come up, the key works on both, and neither calls it ignored", async () => {
      const database = await newDatabase();
      const adminKey = `race-key-${randomBytes(12).toString("hex")}`;
      let servers: Serving[] = [];
      try {
        servers = await startTwo(database.url, "first brand", { LAUREL_ADMIN_KEY: adminKey });
        expect(await countsIn(database.url)).toEqual({ brands: 1, adminKeys: 1 });
        for (const server of servers) {
          expect(await status(server, "/v1/programs", adminKey)).toBe(200);
          expect(server.output().stderr).not.toContain("LAUREL_ADMIN_KEY is ignored");
        }
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
        await database.drop();
      }
    }, 120_000);
  },
);

describe.skipIf(adminUrl !== null)("two laurel serve starting at once (postgres)", () => {
  it("did not run: PostgreSQL is not installed", () => {
    console.warn(
      "the bootstrap race was not tested: it needs PostgreSQL (install Debian's postgresql, or set TEST_DATABASE_URL)",
    );
  });
});
