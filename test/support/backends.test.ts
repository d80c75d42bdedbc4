import { expect, it } from "vitest";
import type { Database } from "../../src/store/db.ts";
import { describeEachBackend, openMigrated, type Backend } from "./backends.ts";

async function withDb(
  open: () => Promise<Database>,
  work: (db: Database) => Promise<void>,
): Promise<void> {
  const db = await open();
  try {
    await work(db);
  } finally {
    await db.close();
  }
}

describeEachBackend("test database harness", (backend: Backend) => {
  // Without migrations first: a broken migration must not hide a broken harness.
  it("opens a database that answers queries", async () => {
    await withDb(
      () => backend.open(),
      async (db) => {
        expect(db.kind).toBe(backend.name);
        expect(await db.query<{ one: number }>("select 1 as one")).toEqual([{ one: 1 }]);
      },
    );
  });

  it("opens a migrated database", async () => {
    await withDb(
      () => openMigrated(backend),
      async (db) => {
        const [row] = await db.query<{ n: number }>(
          "select count(*)::int as n from schema_migrations",
        );
        expect(row?.n).toBeGreaterThanOrEqual(0);
      },
    );
  });

  it("rolls back a transaction that throws", async () => {
    await withDb(
      () => openMigrated(backend),
      async (db) => {
        await db.query("create table t (id int not null)");
        await expect(
          db.transaction(async (tx) => {
            await tx.query("insert into t (id) values (1)");
            throw new Error("abort on purpose");
          }),
        ).rejects.toThrow("abort on purpose");
        const [row] = await db.query<{ n: number }>("select count(*)::int as n from t");
        expect(row?.n).toBe(0);
      },
    );
  });

  it("gives every open() a database of its own", async () => {
    await withDb(
      () => backend.open(),
      async (first) => {
        await first.query("create table only_in_first (id int)");
        await withDb(
          () => backend.open(),
          async (second) => {
            const [row] = await second.query<{ n: number }>(
              "select count(*)::int as n from pg_tables where tablename = 'only_in_first'",
            );
            expect(row?.n).toBe(0);
          },
        );
      },
    );
  });
});
