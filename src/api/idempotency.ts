import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyRequest } from "fastify";
import type { Database } from "../store/db.ts";
import {
  completeKey,
  deleteExpiredKeys,
  findKey,
  insertRunningKey,
  releaseKey,
  replaceKey,
  type KeyScope,
  type StoredAnswer,
} from "../store/idempotency-keys.ts";
import { hashSecret, type Caller } from "./auth.ts";
import { ApiError } from "./errors.ts";

/** How long an answer is kept for a retry with the same key. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a second request waits for the first one with its key before a 409. */
const WAIT_FOR_FIRST_MS = 10_000;
const POLL_MS = 25;
/** A request still running after this long died with its process; its key is taken over. */
const ABANDONED_MS = 120_000;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The request's `Idempotency-Key`, or null without one; a 400 when it is not a sane token. */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const given = request.headers["idempotency-key"];
  if (given === undefined) return null;
  if (typeof given !== "string" || !KEY_PATTERN.test(given))
    throw new ApiError(
      "invalid_request",
      "the Idempotency-Key header must be 1 to 255 visible ASCII characters, such as a UUID",
      [{ path: "Idempotency-Key", message: "not a valid key" }],
    );
  return given;
}

/**
 * A brand's admin keys share one space of idempotency keys; a participant, or
 * a public caller's credential, has its own, so no one is answered another's
 * response.
 */
export function scopeOf(caller: Caller | null, request: FastifyRequest, key: string): KeyScope {
  if (caller?.kind === "admin") return { brandId: caller.brandId, caller: "admin", key };
  if (caller?.kind === "participant")
    return { brandId: caller.brandId, caller: `participant:${caller.participantId}`, key };
  return {
    brandId: "",
    caller: `public:${hashSecret(request.headers.authorization ?? "")}`,
    key,
  };
}

/** What makes two requests the same: the route, the query and the body. */
export function requestHashOf(request: FastifyRequest): string {
  const body =
    typeof request.body === "string" ? request.body : (JSON.stringify(request.body) ?? "");
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n${request.headers["content-type"] ?? ""}\n`)
    .update(body)
    .digest("hex");
}

export type Claim =
  | { readonly kind: "replay"; readonly answer: StoredAnswer }
  | {
      readonly kind: "run";
      complete(answer: StoredAnswer): Promise<void>;
      release(): Promise<void>;
    };

/**
 * Decides what a request with a key does: run (the key is now its own),
 * or replay the answer of the first request with the key. The same key with
 * another request is a 409; while the first request is still running the
 * second waits for its answer, and gets a 409 only if it never comes.
 */
export async function claimKey(
  db: Database,
  scope: KeyScope,
  requestHash: string,
  now: () => Date,
): Promise<Claim> {
  const run: Claim = {
    kind: "run",
    complete: (answer) => completeKey(db, scope, answer),
    release: () => releaseKey(db, scope),
  };
  const giveUpAt = performance.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const at = now();
    if (await insertRunningKey(db, scope, requestHash, at)) {
      await deleteExpiredKeys(db, scope.brandId, new Date(at.getTime() - IDEMPOTENCY_TTL_MS));
      return run;
    }
    const row = await findKey(db, scope);
    if (row === null) continue;
    const ageMs = at.getTime() - row.createdAt.getTime();
    if (ageMs >= IDEMPOTENCY_TTL_MS) {
      if (await replaceKey(db, scope, row.createdAt, requestHash, at)) return run;
      continue;
    }
    if (row.requestHash !== requestHash)
      throw new ApiError(
        "idempotency_conflict",
        `the Idempotency-Key "${scope.key}" was used with another request in the last 24 hours; use a new key for a new request`,
      );
    if (row.state === "done") return { kind: "replay", answer: row };
    if (ageMs >= ABANDONED_MS) {
      if (await replaceKey(db, scope, row.createdAt, requestHash, at)) return run;
      continue;
    }
    if (performance.now() >= giveUpAt)
      throw new ApiError(
        "idempotency_in_progress",
        `a request with the Idempotency-Key "${scope.key}" is still running; retry in a few seconds to get its answer`,
      );
    await sleep(POLL_MS);
  }
}
