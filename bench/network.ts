import type { Queryable } from "../src/store/db.ts";

/**
 * Large fixtures built in the database itself, set-based: `insert … select`
 * over generate_series, one statement per chunk of rows, no row crosses the
 * wire. Rows match what the engine writes, so it reads them as its own.
 */

/** Ids and codes of a bench network: participant n is `${idPrefix}${n}`, code `${codePrefix}${n}`. */
export interface Network {
  programId: string;
  size: number;
  idPrefix: string;
  codePrefix: string;
}

/**
 * A binary tree of `size` participants, breadth-first: participant n's
 * sponsor is floor((n - 1) / 2), so n sits floor(log2(n + 1)) levels below
 * the root and its j-th ancestor (nearest first) is ((n + 1) >> j) - 1.
 * One million participants make 20 levels (depths 0 to 19). The ancestors
 * array is computed from that formula in the same statement, so the network
 * is one `insert … select` over generate_series per chunk of 50,000.
 */
export async function insertBinaryNetwork(
  db: Queryable,
  network: Network,
  workers = 1,
): Promise<void> {
  await forChunks(network.size, workers, (from, to) =>
    db.query(
      `insert into participants
         (program_id, id, external_id, email, name, level, status, sponsor_id, ancestors, referral_code)
       select $1, $2 || n, 'net-' || n, null, null, null, 'active',
         case when n = 0 then null else $2 || ((n - 1) / 2) end,
         array(select $2 || (((n + 1) >> j) - 1)
               from generate_series(1, length(ltrim((n + 1)::bit(64)::text, '0')) - 1) j
               order by j),
         $3 || n
       from generate_series($4::bigint, $5::bigint) n`,
      [network.programId, network.idPrefix, network.codePrefix, from, to - 1],
    ),
  );
}

/**
 * Runs `work` over [0, total) in chunks, `workers` chunks at a time. Chunks
 * keep each statement's memory (and a GIN index's pending list) bounded; on
 * PostgreSQL concurrent statements run on separate connections, so index
 * maintenance, most of the cost of these inserts, uses every core.
 */
export async function forChunks(
  total: number,
  workers: number,
  work: (from: number, to: number) => Promise<unknown>,
  chunk = 50_000,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const from = next;
      next = Math.min(total, next + chunk);
      await work(from, next);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
}

/** How many levels below the root participant n of a binary network is. */
export function depthOf(n: number): number {
  return Math.floor(Math.log2(n + 1));
}
