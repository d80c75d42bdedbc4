// Every statement a piece of code sends, with the plan PostgreSQL chose for
// it at that moment: EXPLAIN runs on the same connection (inside the same
// transaction) right before the statement, with the same parameters.
import type { Database, Queryable } from "../../src/store/db.ts";

export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Plans?: PlanNode[];
}

export interface PlannedStatement {
  sql: string;
  plan: PlanNode;
}

const EXPLAINABLE = /^\s*(select|insert|update|delete|with)\b/i;

/** `db`, with every statement sent through it planned first and recorded in `statements`. */
export function explaining(db: Database): { db: Database; statements: PlannedStatement[] } {
  const statements: PlannedStatement[] = [];
  const explained = (target: Queryable): Queryable["query"] =>
    async function query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
      // SET and the like have no plan.
      if (!EXPLAINABLE.test(sql)) return target.query<Row>(sql, params);
      const [row] = await target.query<{ "QUERY PLAN": { Plan: PlanNode }[] }>(
        `explain (format json) ${sql}`,
        params,
      );
      const plan = row?.["QUERY PLAN"][0]?.Plan;
      if (plan) statements.push({ sql, plan });
      return target.query<Row>(sql, params);
    };
  return {
    statements,
    db: {
      kind: db.kind,
      query: explained(db),
      transaction: (work) => db.transaction((tx) => work({ query: explained(tx) })),
      close: () => db.close(),
    },
  };
}

/** Every node of a plan, the plan's own included (init plans and subplans too). */
export function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

export interface TableRead {
  table: string;
  /** Seq Scan, Index Scan, Index Only Scan or Bitmap Heap Scan. */
  how: string;
  index: string | null;
  /** What the index is searched by; null for a scan of the whole table. */
  condition: string | null;
}

/**
 * How each table is read in a plan. A bitmap heap scan is named by the
 * bitmap index scans under it, whose conditions are what bounds it.
 */
export function tableReads(plan: PlanNode): TableRead[] {
  return nodesOf(plan).flatMap((node): TableRead[] => {
    const table = node["Relation Name"];
    if (table === undefined) return [];
    const how = node["Node Type"];
    if (how === "Seq Scan") return [{ table, how, index: null, condition: null }];
    if (how === "Index Scan" || how === "Index Only Scan")
      return [
        { table, how, index: node["Index Name"] ?? null, condition: node["Index Cond"] ?? null },
      ];
    if (how === "Bitmap Heap Scan")
      return nodesOf(node)
        .filter((n) => n["Node Type"] === "Bitmap Index Scan")
        .map((n) => ({
          table,
          how,
          index: n["Index Name"] ?? null,
          condition: n["Index Cond"] ?? null,
        }));
    // Inserts and updates name their table too; they read nothing by themselves.
    return [];
  });
}

/**
 * Indexes that hold only work waiting to be done (pending events): reading
 * one whole, or all of a program's entries in it, is reading the job's queue.
 */
const QUEUES = new Set(["events_pending"]);

/**
 * Whether `definition` is a unique index over all rows whose every column
 * `condition` searches by: such a search reads one row per key, whatever
 * program it is in (referral codes are unique across programs).
 */
function searchesWholeUniqueKey(definition: string, condition: string): boolean {
  const key = /^CREATE UNIQUE INDEX \S+ ON \S+ USING \w+ \(([^()]+)\)$/.exec(definition)?.[1];
  return (
    key !== undefined &&
    key.split(", ").every((column) => new RegExp(`\\b${column} = `).test(condition))
  );
}

/**
 * The reads of `tables` in `statements` that are not bounded to the program
 * and the rows at hand: a scan of the whole table, an index that does not
 * lead with program_id (unless it is unique and searched by its whole key),
 * or one searched by nothing more than the program (which reads all of the
 * program's rows), unless the index is a queue.
 */
export async function unboundedReads(
  db: Queryable,
  statements: readonly PlannedStatement[],
  tables: readonly string[],
): Promise<string[]> {
  const indexes = new Map(
    (
      await db.query<{ name: string; definition: string }>(
        "select indexname as name, indexdef as definition from pg_indexes where schemaname = current_schema()",
      )
    ).map((i) => [i.name, i.definition]),
  );
  const problems = new Set<string>();
  for (const { sql, plan } of statements)
    for (const read of tableReads(plan)) {
      if (!tables.includes(read.table)) continue;
      const definition = (read.index && indexes.get(read.index)) ?? "";
      const queue = read.index !== null && QUEUES.has(read.index);
      const why =
        read.how === "Seq Scan"
          ? "scans the whole table"
          : !/USING \w+ \(program_id[,)]/.test(definition)
            ? read.condition !== null && searchesWholeUniqueKey(definition, read.condition)
              ? null
              : "through an index that does not lead with program_id"
            : read.condition === null
              ? queue
                ? null
                : "through a whole index"
              : !read.condition.includes("program_id")
                ? "without the program"
                : !read.condition.includes(" AND ") && !queue
                  ? "by the program alone"
                  : null;
      if (why)
        problems.add(
          `${read.table} ${why} (${read.how} ${read.index ?? ""} ${read.condition ?? ""}) in: ${sql.replace(/\s+/g, " ").slice(0, 160)}`,
        );
    }
  return [...problems];
}
