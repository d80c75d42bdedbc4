import { z } from "zod";

/** The closed list of error codes the API answers with; the OpenAPI document lists the same. */
export const ERROR_CODES = [
  "malformed_request",
  "invalid_request",
  "unauthorized",
  "forbidden",
  "applications_closed",
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
  "unknown_placeholder",
  "unsupported_file_type",
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
    case "applications_closed":
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
    case "unknown_placeholder":
    case "unsupported_file_type":
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

/** What a value of each type zod checks for reads as, after "must be". */
const TYPE_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "a list",
  tuple: "a list",
  date: "a date",
  null: "null",
  nan: "a number",
  never: "absent",
};

const FORMAT_WORDS: Record<string, string> = {
  email: "an email address",
  url: "a URL such as https://example.com/path",
  uuid: "a UUID",
  datetime: "a date and time with its offset, such as 2026-01-31T09:00:00Z",
  date: "a date as YYYY-MM-DD",
  time: "a time as HH:MM:SS",
  duration: "an ISO 8601 duration",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  base64: "base64 text",
  base64url: "base64url text",
  hex: "hexadecimal text",
};

const listed = (values: readonly unknown[]) =>
  values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");

/** Whether a number schema (the one an issue carries, when it does) takes whole numbers only. */
function takesIntegers(issue: z.core.$ZodRawIssue): boolean {
  const schema = (issue as { schema?: { _zod?: { def?: { checks?: unknown[] } } } }).schema;
  return (schema?._zod?.def?.checks ?? []).some((check) => {
    const def = (check as { _zod?: { def?: { check?: string; format?: string } } })._zod?.def;
    return def?.check === "number_format" && /int/.test(def.format ?? "");
  });
}

function sizeWords(origin: string, n: number | bigint, exact: string): string {
  if (origin === "string") return `${exact} ${n} character${n === 1 ? "" : "s"}`;
  if (origin === "array" || origin === "set") return `${exact} ${n} item${n === 1 ? "" : "s"}`;
  return `${exact} ${n}`;
}

/**
 * zod's messages in plain words, for every check that has no message of its
 * own: "must not be empty" rather than "Too small: expected string to have
 * >=1 characters". Each reads after the field's path, as fromZod writes it,
 * for API clients and the console alike. Undefined keeps zod's own wording.
 */
export function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      const words = TYPE_WORDS[issue.expected];
      return words ? `must be ${words}` : undefined;
    }
    case "too_small": {
      const { origin, minimum } = issue;
      if ((origin === "string" || origin === "array" || origin === "set") && minimum === 1)
        return "must not be empty";
      if (issue.exact) return `must be ${sizeWords(origin, minimum, "exactly")}`;
      if (origin === "number" || origin === "int" || origin === "bigint") {
        if (issue.inclusive) return `must be at least ${minimum}`;
        return takesIntegers(issue) && typeof minimum === "number"
          ? `must be at least ${minimum + 1}`
          : `must be greater than ${minimum}`;
      }
      if (origin === "date") return `must be on or after ${String(minimum)}`;
      return origin === "string"
        ? `must be ${sizeWords(origin, minimum, "at least")}`
        : `must have ${sizeWords(origin, minimum, "at least")}`;
    }
    case "too_big": {
      const { origin, maximum } = issue;
      if (issue.exact) return `must be ${sizeWords(origin, maximum, "exactly")}`;
      if (origin === "number" || origin === "int" || origin === "bigint") {
        if (issue.inclusive) return `must be at most ${maximum}`;
        return takesIntegers(issue) && typeof maximum === "number"
          ? `must be at most ${maximum - 1}`
          : `must be less than ${maximum}`;
      }
      if (origin === "date") return `must be on or before ${String(maximum)}`;
      return origin === "string"
        ? `must be ${sizeWords(origin, maximum, "at most")}`
        : `must have ${sizeWords(origin, maximum, "at most")}`;
    }
    case "invalid_format": {
      const words = FORMAT_WORDS[issue.format];
      if (words) return `must be ${words}`;
      if (
        issue.format === "starts_with" ||
        issue.format === "ends_with" ||
        issue.format === "includes"
      )
        return undefined;
      return issue.pattern
        ? `must match the pattern ${issue.pattern}`
        : `must be a valid ${issue.format}`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${listed(issue.values)}`
        : `must be one of: ${listed(issue.values)}`;
    case "invalid_union": {
      // A discriminated union names the discriminator's accepted values.
      const options = ("options" in issue ? issue.options : undefined) as unknown[] | undefined;
      return options && options.length > 0
        ? `must be one of: ${listed(options)}`
        : "does not match any of the accepted forms";
    }
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_key":
      return "has a key that is not valid";
    case "invalid_element":
      return "has a value that is not valid";
    case "unrecognized_keys":
      return `has unknown field${issue.keys.length === 1 ? "" : "s"}: ${issue.keys.join(", ")}`;
    default:
      return undefined;
  }
}

// Every schema the API parses speaks in plain words (schemas' own messages win).
z.config({ customError: plainMessage });

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
