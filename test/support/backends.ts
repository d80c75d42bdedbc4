// The database backends every storage test runs against: PGlite always, real
// PostgreSQL when test/support/global-setup.ts found or was given a server.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, inject, it } from "vitest";
import { openPglite, openPostgres, type Database } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrate.ts";

export interface Backend {
  name: "pglite" | "postgres";
  open(): Promise<Database>;
}

const postgresUrl = inject("postgresUrl");

export const postgresAvailable: boolean = postgresUrl !== null;

const pglite: Backend = { name: "pglite", open: () => openPglite() };

export const backends: Backend[] =
  postgresUrl === null ? [pglite] : [pglite, postgresBackend(postgresUrl)];

/** Opens a database on `backend` with every migration applied. */
export async function openMigrated(backend: Backend): Promise<Database> {
  const db = await backend.open();
  try {
    await migrate(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Registers the suite `fn` once per backend. Without PostgreSQL the suite still
 * shows up for it, as one passing test that says why it did not run, so a
 * missing server is visible in the output instead of silently shrinking it.
 */
export function describeEachBackend(name: string, fn: (backend: Backend) => void): void {
  // Tuples rather than `$name`, which would print the name in quotes.
  describe.each(backends.map((backend) => [backend.name, backend] as const))(
    `${name} (%s)`,
    (_name, backend) => fn(backend),
  );
  if (!postgresAvailable) {
    describe(`${name} (postgres)`, () => {
      it("did not run: PostgreSQL is not installed", () => {
        console.warn(
          `"${name}" was skipped on PostgreSQL because PostgreSQL is not installed ` +
            "(install Debian's postgresql, or set TEST_DATABASE_URL)",
        );
      });
    });
  }
}

/**
 * Each open() gets a database of its own, so test files running in parallel
 * never see each other's rows; close() drops it again, which matters when
 * TEST_DATABASE_URL points at a server that outlives the run.
 */
function postgresBackend(adminUrl: string): Backend {
  return {
    name: "postgres",
    open: async () => {
      const name = `laurel_test_${randomBytes(6).toString("hex")}`;
      await asAdmin(adminUrl, `create database ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      let db: Database;
      try {
        db = await openPostgres(url.toString());
      } catch (error) {
        await asAdmin(adminUrl, `drop database if exists ${name} with (force)`);
        throw error;
      }
      return {
        ...db,
        close: async () => {
          await db.close();
          // "with (force)": the server may not have noticed the pool's
          // disconnects yet, and a plain drop would fail on them.
          await asAdmin(adminUrl, `drop database if exists ${name} with (force)`);
        },
      };
    },
  };
}

async function asAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
