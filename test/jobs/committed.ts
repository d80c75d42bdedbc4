// A database that tells, after each transaction commits, which statements it
// ran: tests stop a job at an exact point of its run with it.
import type { Database } from "../../src/store/db.ts";

export function onCommit(
  db: Database,
  listener: (statements: readonly { sql: string; params: readonly unknown[] }[]) => void,
): Database {
  return {
    kind: db.kind,
    query: <Row>(sql: string, params?: readonly unknown[]) => db.query<Row>(sql, params),
    transaction: async (work) => {
      const statements: { sql: string; params: readonly unknown[] }[] = [];
      const result = await db.transaction((tx) =>
        work({
          query: <Row>(sql: string, params?: readonly unknown[]) => {
            statements.push({ sql, params: params ?? [] });
            return tx.query<Row>(sql, params);
          },
        }),
      );
      listener(statements);
      return result;
    },
    close: () => db.close(),
  };
}

/** Whether a transaction wrote rows into `table`. */
export const wrote = (statements: readonly { sql: string }[], table: string): boolean =>
  statements.some((s) => s.sql.trimStart().startsWith(`insert into ${table} `));
