import type { ProgramInput } from "../domain/program.ts";
import type { Queryable } from "./db.ts";

export interface ProgramRecord {
  id: string;
  brandId: string;
  name: string;
  currency: string;
  timezone: string;
  config: ProgramInput;
  createdAt: Date;
  updatedAt: Date;
}

const columns = `id, brand_id as "brandId", name, currency, timezone, config,
  created_at as "createdAt", updated_at as "updatedAt"`;

/**
 * Every write of a program's settings also keeps them in program_versions,
 * valid from the write's time, so a replay of history knows what was in
 * force when each event was processed. `p` is the written row.
 */
const VERSIONED =
  "p.config || jsonb_build_object('name', p.name, 'currency', p.currency, 'timezone', p.timezone)";
const keepVersion = (at: string) =>
  `v as (insert into program_versions (program_id, valid_from, config)
         select p.id, ${at}, ${VERSIONED} from p
         on conflict (program_id, valid_from) do update set config = excluded.config)`;

export async function insertProgram(
  db: Queryable,
  p: Omit<ProgramRecord, "createdAt" | "updatedAt">,
): Promise<ProgramRecord> {
  // The first settings stand for all of the program's past: nothing happened before them.
  const rows = await db.query<ProgramRecord>(
    `with p as (
       insert into programs (id, brand_id, name, currency, timezone, config)
       values ($1, $2, $3, $4, $5, $6) returning *),
     v as (insert into program_versions (program_id, valid_from, config)
           select id, '-infinity', ${VERSIONED} from p)
     select ${columns} from p`,
    [p.id, p.brandId, p.name, p.currency, p.timezone, JSON.stringify(p.config)],
  );
  return one(rows);
}

/** Another brand's program reads as missing, so ids never leak across brands. */
export async function findProgram(
  db: Queryable,
  brandId: string,
  id: string,
): Promise<ProgramRecord | null> {
  const rows = await db.query<ProgramRecord>(
    `select ${columns} from programs where brand_id = $1 and id = $2`,
    [brandId, id],
  );
  return rows[0] ?? null;
}

export async function findProgramById(db: Queryable, id: string): Promise<ProgramRecord | null> {
  const rows = await db.query<ProgramRecord>(`select ${columns} from programs where id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listPrograms(
  db: Queryable,
  brandId: string,
  page: { after: string | null; limit: number },
): Promise<ProgramRecord[]> {
  return db.query<ProgramRecord>(
    `select ${columns} from programs where brand_id = $1 and ($2::text is null or id > $2)
     order by id limit $3`,
    [brandId, page.after, page.limit],
  );
}

/** Writes the program's name, time zone and settings as of `at`; its currency stays as it is. */
export async function updateProgram(
  db: Queryable,
  p: ProgramRecord,
  at: Date,
): Promise<ProgramRecord> {
  const rows = await db.query<ProgramRecord>(
    `with p as (
       update programs set name = $3, timezone = $4, config = $5, updated_at = now()
       where brand_id = $1 and id = $2 returning *),
     ${keepVersion("$6")}
     select ${columns} from p`,
    [p.brandId, p.id, p.name, p.timezone, JSON.stringify(p.config), at.toISOString()],
  );
  return one(rows);
}

/**
 * Writes the program with a new currency, only while it has recorded nothing
 * in the old one (no events, no ledger entries), checked in the same
 * statement; null when that check refused it.
 */
export async function updateProgramAndCurrency(
  db: Queryable,
  p: ProgramRecord,
  at: Date,
): Promise<ProgramRecord | null> {
  const rows = await db.query<ProgramRecord>(
    `with p as (
       update programs set name = $3, currency = $4, timezone = $5, config = $6, updated_at = now()
       where brand_id = $1 and id = $2
         and not exists (select 1 from events where program_id = $2)
         and not exists (select 1 from ledger_entries where program_id = $2)
       returning *),
     ${keepVersion("$7")}
     select ${columns} from p`,
    [p.brandId, p.id, p.name, p.currency, p.timezone, JSON.stringify(p.config), at.toISOString()],
  );
  return rows[0] ?? null;
}

/** What a program has recorded in its currency, which would read wrong in another. */
export interface ProgramHistory {
  events: boolean;
  ledgerEntries: boolean;
}

export async function programHistory(db: Queryable, programId: string): Promise<ProgramHistory> {
  const rows = await db.query<ProgramHistory>(
    `select exists (select 1 from events where program_id = $1) as events,
            exists (select 1 from ledger_entries where program_id = $1) as "ledgerEntries"`,
    [programId],
  );
  return rows[0] ?? { events: false, ledgerEntries: false };
}

/** Every program of every brand, for work that runs across tenants (scheduled jobs). */
export async function allPrograms(db: Queryable): Promise<ProgramRecord[]> {
  return db.query<ProgramRecord>(`select ${columns} from programs order by id`);
}

function one<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error("expected one row");
  return row;
}
