import { lockDataDir } from "./data-dir-lock.ts";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `work` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

// Amounts are bigint columns; every amount Laurel handles fits well inside
// Number.MAX_SAFE_INTEGER (9e15 minor units), so they are read as numbers.
const parseInt8 = (value: string): number => Number(value);

export async function openPglite(dataDir?: string): Promise<Database> {
  const unlock = dataDir === undefined ? () => {} : lockDataDir(dataDir);
  let lite: PGlite;
  try {
    lite = await PGlite.create(dataDir ?? "memory://", {
      parsers: { [INT8_OID]: parseInt8, [NUMERIC_OID]: parseInt8 },
    });
  } catch (error) {
    unlock();
    throw error;
  }
  // PGlite is one connection: queries made outside a transaction while one is
  // open would interleave with it, so every statement waits its turn here.
  let tail: Promise<unknown> = Promise.resolve();
  const serialize = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    kind: "pglite",
    query: <Row>(sql: string, params?: readonly unknown[]) =>
      serialize(async () => (await lite.query<Row>(sql, params as unknown[])).rows),
    transaction: <T>(work: (tx: Queryable) => Promise<T>) =>
      serialize(() =>
        lite.transaction((tx) =>
          work({
            query: async <Row>(sql: string, params?: readonly unknown[]) =>
              (await tx.query<Row>(sql, params as unknown[])).rows,
          }),
        ),
      ),
    close: () =>
      serialize(async () => {
        await lite.close();
        unlock();
      }),
  };
}

pg.types.setTypeParser(INT8_OID, parseInt8);
pg.types.setTypeParser(NUMERIC_OID, parseInt8);

export async function openPostgres(
  connectionString: string,
  maxConnections = 10,
): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  // An idle connection the server closes (a restart, an admin's terminate)
  // is dropped from the pool and replaced on the next query; without this
  // listener the pool would turn it into an uncaught exception and end the
  // process.
  pool.on("error", () => undefined);
  // Fail at start, not at the first request, when the server is unreachable.
  await pool.query("select 1");
  return {
    kind: "postgres",
    query: async <Row>(sql: string, params?: readonly unknown[]) =>
      (await pool.query(sql, params as unknown[])).rows as Row[],
    transaction: async <T>(work: (tx: Queryable) => Promise<T>) => {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await work({
          query: async <Row>(sql: string, params?: readonly unknown[]) =>
            (await client.query(sql, params as unknown[])).rows as Row[],
        });
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** DATABASE_URL selects a PostgreSQL server; otherwise the embedded database in `dataDir`. */
export function openDatabase(options: {
  databaseUrl?: string;
  dataDir?: string;
}): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl)
    : openPglite(options.dataDir ?? "./data");
}
