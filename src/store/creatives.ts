import type { CreativeKind } from "../domain/creatives.ts";
import type { Queryable } from "./db.ts";

export interface CreativeRecord {
  programId: string;
  id: string;
  name: string;
  kind: CreativeKind;
  /** The media type the file's bytes showed; null for a text. */
  contentType: string | null;
  sizeBytes: number | null;
  /** Where the file is in the creative store; null for a text. */
  storageKey: string | null;
  /** The name the file is served under; null for a text. */
  fileName: string | null;
  text: string | null;
  createdAt: Date;
}

const columns = `program_id as "programId", id, name, kind, content_type as "contentType",
  size_bytes as "sizeBytes", storage_key as "storageKey", file_name as "fileName", text,
  created_at as "createdAt"`;

export async function insertCreative(db: Queryable, creative: CreativeRecord): Promise<void> {
  await db.query(
    `insert into creatives
       (program_id, id, name, kind, content_type, size_bytes, storage_key, file_name, text, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      creative.programId,
      creative.id,
      creative.name,
      creative.kind,
      creative.contentType,
      creative.sizeBytes,
      creative.storageKey,
      creative.fileName,
      creative.text,
      creative.createdAt,
    ],
  );
}

/** The program's creative, unless it was deleted. */
export async function findCreative(
  db: Queryable,
  programId: string,
  id: string,
): Promise<CreativeRecord | null> {
  const rows = await db.query<CreativeRecord>(
    `select ${columns} from creatives where program_id = $1 and id = $2 and deleted_at is null`,
    [programId, id],
  );
  return rows[0] ?? null;
}

/** A creative by its id alone, for its public file URL; null once deleted. */
export async function findCreativeById(db: Queryable, id: string): Promise<CreativeRecord | null> {
  const rows = await db.query<CreativeRecord>(
    `select ${columns} from creatives where id = $1 and deleted_at is null`,
    [id],
  );
  return rows[0] ?? null;
}

/** A page of the program's creatives, oldest first, after the id `after`. */
export async function listCreatives(
  db: Queryable,
  programId: string,
  page: { after: string | null; limit: number },
): Promise<CreativeRecord[]> {
  return db.query<CreativeRecord>(
    `select ${columns} from creatives
     where program_id = $1 and deleted_at is null and ($2::text is null or id > $2)
     order by id limit $3`,
    [programId, page.after, page.limit],
  );
}

/**
 * Marks the creative deleted; answers the record as it was, or null when
 * there was none to delete (already deleted, or never there). The one
 * conditional update makes two deletes at once delete it once.
 */
export async function markCreativeDeleted(
  db: Queryable,
  programId: string,
  id: string,
  at: Date,
): Promise<CreativeRecord | null> {
  const rows = await db.query<CreativeRecord>(
    `update creatives set deleted_at = $3
     where program_id = $1 and id = $2 and deleted_at is null
     returning ${columns}`,
    [programId, id, at],
  );
  return rows[0] ?? null;
}
