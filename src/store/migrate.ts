import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Database } from "./db.ts";

const migrationsDir = fileURLToPath(new URL("./migrations/", import.meta.url));
// Any fixed number works; it only keeps two servers starting at once from
// applying the same migration twice.
export const MIGRATION_LOCK = 7_201_611;

/** Applies every migration not yet applied, in file-name order, each in its own transaction. */
export async function migrate(db: Database): Promise<string[]> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith(".sql")).sort();
  const applied: string[] = [];
  // Under the lock too: two servers creating the table at once on PostgreSQL
  // can both pass "if not exists" and one then fails on the system catalog.
  await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(
      `create table if not exists schema_migrations (
         name text primary key, applied_at timestamptz not null default now())`,
    );
  });
  for (const name of files) {
    const sql = await readFile(migrationsDir + name, "utf8");
    const done = await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const seen = await tx.query("select 1 from schema_migrations where name = $1", [name]);
      if (seen.length > 0) return false;
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query("insert into schema_migrations (name) values ($1)", [name]);
      return true;
    });
    if (done) applied.push(name);
  }
  return applied;
}

// Migration files hold plain DDL without functions or quoted semicolons, so
// with whole-line comments removed, a split on line-ending semicolons is exact.
function splitStatements(sql: string): string[] {
  return sql
    .replace(/^\s*--.*$/gm, "")
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
