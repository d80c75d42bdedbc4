import type { Database, Queryable } from "../src/store/db.ts";

/**
 * With BENCH_PROFILE=1: the time spent waiting for each kind of statement
 * (its first words), per phase of a scenario, so "where the time goes" can be
 * read off a run instead of guessed. Statements sent together on one
 * connection queue there, so a statement's time can include the wait for the
 * one before it; the sum per phase is still the time spent in the database.
 */
export interface ProfileRow {
  phase: string;
  statement: string;
  calls: number;
  ms: number;
}

export interface Profiler {
  db: Database;
  /** Names the phase the next statements belong to. */
  phase(name: string): void;
  rows(): ProfileRow[];
}

export function profiled(db: Database): Profiler {
  const stats = new Map<string, ProfileRow>();
  let phase = "";
  const wrap = (q: Queryable): Queryable => ({
    query: async <Row>(sql: string, params?: readonly unknown[]) => {
      const started = performance.now();
      try {
        return await q.query<Row>(sql, params);
      } finally {
        const statement = sql.replace(/\s+/g, " ").trim().slice(0, 60);
        const key = `${phase}\u0000${statement}`;
        const s = stats.get(key) ?? { phase, statement, calls: 0, ms: 0 };
        s.calls++;
        s.ms += performance.now() - started;
        stats.set(key, s);
      }
    },
  });
  return {
    db: {
      kind: db.kind,
      query: wrap(db).query,
      transaction: (work) => db.transaction((tx) => work(wrap(tx))),
      close: () => db.close(),
    },
    phase: (name) => {
      phase = name;
    },
    rows: () => [...stats.values()].map((s) => ({ ...s, ms: Math.round(s.ms) })),
  };
}
