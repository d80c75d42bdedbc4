import type { Queryable } from "./db.ts";

/**
 * Inserts many rows in one statement. The rows travel as one JSON document that
 * PostgreSQL unpacks with json_to_recordset: one serialization on our side
 * (nested JSON columns included), instead of an escaped array literal per
 * column, which measured several times slower for JSON-heavy rows.
 *
 * `columns` maps each column to its SQL type; row keys are column names.
 */
export async function bulkInsert<Row extends Record<string, unknown>, Out = never>(
  db: Queryable,
  table: string,
  programId: string,
  columns: Record<keyof Row & string, string>,
  rows: readonly Row[],
  suffix = "",
): Promise<Out[]> {
  if (rows.length === 0) return [];
  const names = Object.keys(columns);
  const definitions = names
    .map((name) => `${name} ${columns[name as keyof Row & string]}`)
    .join(", ");
  return db.query<Out>(
    `insert into ${table} (program_id, ${names.join(", ")})
     select $1, ${names.map((n) => `x.${n}`).join(", ")}
     from json_to_recordset($2::json) as x(${definitions}) ${suffix}`,
    [programId, JSON.stringify(rows)],
  );
}
