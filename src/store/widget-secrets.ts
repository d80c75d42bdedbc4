import type { Queryable } from "./db.ts";

export interface WidgetSecretRecord {
  programId: string;
  secret: string;
  createdAt: Date;
}

const columns = `program_id as "programId", secret, created_at as "createdAt"`;

/** Makes or replaces the program's secret: one row per program, so a rotation revokes the old one. */
export async function putWidgetSecret(
  db: Queryable,
  programId: string,
  secret: string,
  createdAt: Date,
): Promise<WidgetSecretRecord> {
  const rows = await db.query<WidgetSecretRecord>(
    `insert into widget_secrets (program_id, secret, created_at) values ($1, $2, $3)
     on conflict (program_id) do update set secret = excluded.secret, created_at = excluded.created_at
     returning ${columns}`,
    [programId, secret, createdAt],
  );
  const row = rows[0];
  if (!row) throw new Error("upsert returned no row");
  return row;
}

export async function findWidgetSecret(
  db: Queryable,
  programId: string,
): Promise<WidgetSecretRecord | null> {
  const rows = await db.query<WidgetSecretRecord>(
    `select ${columns} from widget_secrets where program_id = $1`,
    [programId],
  );
  return rows[0] ?? null;
}
