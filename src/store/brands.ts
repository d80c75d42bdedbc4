import type { Queryable } from "./db.ts";

export interface Credential {
  brandId: string;
  kind: "admin" | "participant";
  programId: string | null;
  participantId: string | null;
}

export async function insertBrand(
  db: Queryable,
  brand: { id: string; name: string },
): Promise<void> {
  await db.query("insert into brands (id, name) values ($1, $2)", [brand.id, brand.name]);
}

/**
 * Inserts the brand unless one of that name exists; answers whether it did.
 * Concurrent inserts of one name wait on the unique index, so exactly one
 * answers true, and that is the one whose transaction made it.
 */
export async function insertBrandIfNew(
  db: Queryable,
  brand: { id: string; name: string },
): Promise<boolean> {
  const rows = await db.query(
    "insert into brands (id, name) values ($1, $2) on conflict (name) do nothing returning id",
    [brand.id, brand.name],
  );
  return rows.length > 0;
}

/** Brand names in name order, at most `limit`: to name them in a hint. */
export async function listBrandNames(db: Queryable, limit: number): Promise<string[]> {
  const rows = await db.query<{ name: string }>("select name from brands order by name limit $1", [
    limit,
  ]);
  return rows.map((r) => r.name);
}

export async function findBrandByName(db: Queryable, name: string): Promise<{ id: string } | null> {
  const rows = await db.query<{ id: string }>("select id from brands where name = $1", [name]);
  return rows[0] ?? null;
}

export async function countBrands(db: Queryable): Promise<number> {
  const rows = await db.query<{ n: number }>("select count(*)::bigint as n from brands");
  return rows[0]?.n ?? 0;
}

export async function insertKey(
  db: Queryable,
  key: { id: string; hash: string } & Credential,
): Promise<void> {
  await db.query(
    `insert into api_keys (brand_id, id, key_hash, kind, program_id, participant_id)
     values ($1, $2, $3, $4, $5, $6)`,
    [key.brandId, key.id, key.hash, key.kind, key.programId, key.participantId],
  );
}

/** The credential a secret's hash stands for, revoked or not: the caller says which it was. */
export async function findCredential(
  db: Queryable,
  hash: string,
): Promise<(Credential & { revokedAt: Date | null }) | null> {
  const rows = await db.query<Credential & { revokedAt: Date | null }>(
    `select brand_id as "brandId", kind, program_id as "programId",
            participant_id as "participantId", revoked_at as "revokedAt"
     from api_keys where key_hash = $1`,
    [hash],
  );
  return rows[0] ?? null;
}

export interface AdminKeyRecord {
  id: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export async function listAdminKeys(db: Queryable, brandId: string): Promise<AdminKeyRecord[]> {
  return db.query<AdminKeyRecord>(
    `select id, created_at as "createdAt", revoked_at as "revokedAt"
     from api_keys where brand_id = $1 and kind = 'admin' order by created_at, id`,
    [brandId],
  );
}

/** Revokes an admin key once; revoking it again keeps the first time. */
export async function revokeAdminKey(
  db: Queryable,
  brandId: string,
  keyId: string,
  at: Date,
): Promise<AdminKeyRecord | null> {
  const rows = await db.query<AdminKeyRecord>(
    `update api_keys set revoked_at = coalesce(revoked_at, $3)
     where brand_id = $1 and id = $2 and kind = 'admin'
     returning id, created_at as "createdAt", revoked_at as "revokedAt"`,
    [brandId, keyId, at],
  );
  return rows[0] ?? null;
}

export interface BrandRecord {
  id: string;
  name: string;
  /** Where Laurel writes to the brand itself (an endpoint it disabled); null: no one. */
  contactEmail: string | null;
}

const brandColumns = `id, name, contact_email as "contactEmail"`;

export async function findBrand(db: Queryable, id: string): Promise<BrandRecord | null> {
  const rows = await db.query<BrandRecord>(`select ${brandColumns} from brands where id = $1`, [
    id,
  ]);
  return rows[0] ?? null;
}

/** Sets or (with null) clears the brand's contact email; null when there is no such brand. */
export async function updateBrandContactEmail(
  db: Queryable,
  id: string,
  contactEmail: string | null,
): Promise<BrandRecord | null> {
  const rows = await db.query<BrandRecord>(
    `update brands set contact_email = $2 where id = $1 returning ${brandColumns}`,
    [id, contactEmail],
  );
  return rows[0] ?? null;
}
