import type { Queryable } from "./db.ts";

/** Whose key it is: a brand's admin keys share one space, each participant and public credential its own. */
export interface KeyScope {
  readonly brandId: string;
  readonly caller: string;
  readonly key: string;
}

export interface StoredAnswer {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

export type KeyRow =
  | { readonly state: "running"; readonly requestHash: string; readonly createdAt: Date }
  | ({
      readonly state: "done";
      readonly requestHash: string;
      readonly createdAt: Date;
    } & StoredAnswer);

/** Takes the key for this request; false when a row for it already exists. */
export async function insertRunningKey(
  db: Queryable,
  scope: KeyScope,
  requestHash: string,
  now: Date,
): Promise<boolean> {
  const rows = await db.query(
    `insert into idempotency_keys (brand_id, caller, key, request_hash, state, created_at)
     values ($1, $2, $3, $4, 'running', $5)
     on conflict do nothing returning 1`,
    [scope.brandId, scope.caller, scope.key, requestHash, now],
  );
  return rows.length === 1;
}

export async function findKey(db: Queryable, scope: KeyScope): Promise<KeyRow | null> {
  const rows = await db.query<{
    state: "running" | "done";
    request_hash: string;
    created_at: Date;
    status_code: number | null;
    content_type: string | null;
    body: string | null;
  }>(
    `select state, request_hash, created_at, status_code, content_type, body from idempotency_keys
     where brand_id = $1 and caller = $2 and key = $3`,
    [scope.brandId, scope.caller, scope.key],
  );
  const row = rows[0];
  if (!row) return null;
  const base = { requestHash: row.request_hash, createdAt: new Date(row.created_at) };
  return row.state === "done"
    ? {
        ...base,
        state: "done",
        statusCode: row.status_code ?? 200,
        contentType: row.content_type ?? "application/json; charset=utf-8",
        body: row.body ?? "",
      }
    : { ...base, state: "running" };
}

/** Takes over a row left behind (expired, or running since a crash) if it is still the one seen. */
export async function replaceKey(
  db: Queryable,
  scope: KeyScope,
  seenCreatedAt: Date,
  requestHash: string,
  now: Date,
): Promise<boolean> {
  const rows = await db.query(
    `update idempotency_keys
     set request_hash = $5, state = 'running', status_code = null, content_type = null,
         body = null, created_at = $6
     where brand_id = $1 and caller = $2 and key = $3 and created_at = $4
     returning 1`,
    [scope.brandId, scope.caller, scope.key, seenCreatedAt, requestHash, now],
  );
  return rows.length === 1;
}

export async function completeKey(
  db: Queryable,
  scope: KeyScope,
  answer: StoredAnswer,
): Promise<void> {
  await db.query(
    `update idempotency_keys set state = 'done', status_code = $4, content_type = $5, body = $6
     where brand_id = $1 and caller = $2 and key = $3`,
    [scope.brandId, scope.caller, scope.key, answer.statusCode, answer.contentType, answer.body],
  );
}

/** Frees a key whose request failed, so that a retry runs again. */
export async function releaseKey(db: Queryable, scope: KeyScope): Promise<void> {
  await db.query(
    `delete from idempotency_keys
     where brand_id = $1 and caller = $2 and key = $3 and state = 'running'`,
    [scope.brandId, scope.caller, scope.key],
  );
}

/** Forgets a brand's keys older than `before`; a few at a time, so no request pays for a backlog. */
export async function deleteExpiredKeys(
  db: Queryable,
  brandId: string,
  before: Date,
): Promise<void> {
  await db.query(
    `delete from idempotency_keys where (brand_id, caller, key) in (
       select brand_id, caller, key from idempotency_keys
       where brand_id = $1 and created_at < $2 limit 100)`,
    [brandId, before],
  );
}
