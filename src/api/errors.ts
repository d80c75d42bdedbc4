import type { z } from "zod";

/** The closed list of error codes the API answers with; the OpenAPI document lists the same. */
export const ERROR_CODES = [
  "malformed_request",
  "invalid_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "idempotency_conflict",
  "idempotency_in_progress",
  "validation_failed",
  "unknown_level",
  "unknown_sponsor",
  "sponsor_cycle",
  "unknown_participant",
  "unknown_code",
  "currency_mismatch",
  "refund_exceeds_order",
  "invalid_event",
  "too_many_events",
  "rate_limited",
  "internal_error",
  "not_ready",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case "malformed_request":
    case "invalid_request":
      return 400;
    case "unauthorized":
      return 401;
    case "forbidden":
      return 403;
    case "not_found":
      return 404;
    case "conflict":
    case "idempotency_conflict":
    case "idempotency_in_progress":
      return 409;
    case "validation_failed":
    case "unknown_level":
    case "unknown_sponsor":
    case "sponsor_cycle":
    case "unknown_participant":
    case "unknown_code":
    case "currency_mismatch":
    case "refund_exceeds_order":
    case "invalid_event":
    case "too_many_events":
      return 422;
    case "rate_limited":
      return 429;
    case "internal_error":
      return 500;
    case "not_ready":
      return 503;
  }
}

/** An expected failure a route answers with; anything else is a 500. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: readonly unknown[] = [],
    readonly status: number = statusOf(code),
  ) {
    super(message);
  }
}

// Shape errors (a field missing or of the wrong type, an unknown field) mean
// the request is malformed; a well-formed value that breaks a rule is a 422.
const SHAPE_ISSUES = new Set(["invalid_type", "unrecognized_keys", "invalid_union"]);

export function fromZod(error: z.ZodError, what: string): ApiError {
  // An unknown field is reported at its own path, so a client can point at it.
  const details = error.issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((key) => ({ path: [...i.path, key].join("."), message: "unknown field" }))
      : [{ path: i.path.join("."), message: i.message }],
  );
  const summary = details.map((d) => `${d.path || what}: ${d.message}`).join("; ");
  const malformed = error.issues.some((i) => SHAPE_ISSUES.has(i.code));
  return new ApiError(
    malformed ? "invalid_request" : "validation_failed",
    `${what} is not valid: ${summary}`,
    details,
  );
}

export function notFound(what: string): ApiError {
  return new ApiError("not_found", `${what} was not found`);
}

/** PostgreSQL's unique_violation, as both pg and PGlite report it. */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "23505";
}

/**
 * Runs `work` (a whole transaction) again when a concurrent request committed
 * the same unique key first; the next try sees that row and answers for it.
 */
export async function retryOnUniqueViolation<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (attempt >= attempts)
        throw new ApiError("conflict", "a concurrent request wrote the same record; try again");
    }
  }
}
