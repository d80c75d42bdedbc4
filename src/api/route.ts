import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Services } from "../engine/services.ts";
import { findUnsafeText, unsafeTextRefusal } from "../domain/safe-text.ts";
import { ApiError, fromZod } from "./errors.ts";
import { authenticate, type Caller } from "./auth.ts";
import { claimKey, idempotencyKeyOf, requestHashOf, scopeOf } from "./idempotency.ts";

type Auth = "admin" | "participant" | "public";

/**
 * One route, described once: its schemas validate the request, type the
 * handler and become the OpenAPI document, so the three never drift apart.
 */
export interface RouteSpec<
  A extends Auth,
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  /**
   * Verb and noun in camelCase (createProgram, listParticipants), unique
   * across the API: generated clients name their calls by it.
   */
  operationId: string;
  summary: string;
  /** What the operation does and answers, in a few sentences, for the document. */
  description: string;
  tag: string;
  auth: A;
  /**
   * A public route that checks a credential of its own: the widget's
   * customer token, or a store's signature over the webhook it sends.
   */
  credential?: "customer" | "storeSignature";
  params?: P;
  query?: Q;
  body?: B;
  /** A realistic request body, valid against `body`: the document's example. */
  bodyExample?: unknown;
  /** Success status; 200 unless given. */
  status?: number;
  /** Other success statuses the handler answers with the same body (an idempotent create's 200). */
  otherStatuses?: readonly { status: number; description: string }[];
  /**
   * What a success answers: the schema of the JSON the handler returns, a
   * body of another media type, or null for no body (a redirect, a 204).
   */
  response: z.ZodType | OtherBody | null;
  /** A realistic success body, valid against `response`: the document's example. */
  responseExample?: unknown;
  /** Headers a success sets besides those every response carries, by name: a redirect's Location. */
  responseHeaders?: Readonly<Record<string, string>>;
  /**
   * Error statuses this route answers beyond those its kind always may (see
   * errorStatusesOf in openapi.ts): a 409 for a conflict, a 422 from a rule.
   */
  errors?: readonly number[];
  /**
   * The handler validates the body itself and `body` only documents it: the
   * events route rejects one bad event of a batch alone, not the whole request.
   */
  bodyCheckedByHandler?: boolean;
  /** The content types the body may come in; JSON unless given. */
  consumes?: string[];
  /** The largest body the route takes, in bytes, when it is not the app's default. */
  bodyLimit?: number;
  /**
   * The body reaches the handler as the exact bytes sent (a Buffer), of any
   * content type, unparsed: a store's webhook is verified on its raw bytes
   * before anything reads it. Such a route takes no Idempotency-Key; the
   * provider's own delivery ids make it idempotent.
   */
  rawBody?: true;
  /** Requests a minute per client address, when the route needs less than the app's limit. */
  rateLimitPerMinute?: number;
  /**
   * Pages on any origin call the route: every answer carries
   * `Access-Control-Allow-Origin: *`, including the refusals made before the
   * handler runs (a rate limit, a body that is not JSON), so a shop's script
   * can read why it was refused.
   */
  anyOrigin?: true;
  handler: (ctx: {
    services: Services;
    caller: A extends "admin"
      ? Extract<Caller, { kind: "admin" }>
      : A extends "participant"
        ? Extract<Caller, { kind: "participant" }>
        : null;
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    request: FastifyRequest;
    reply: FastifyReply;
  }) => Promise<unknown>;
}

export type AnyRoute = RouteSpec<Auth, z.ZodType, z.ZodType, z.ZodType>;

/** A success body that is not JSON: the payout CSV. */
export interface OtherBody {
  mediaType: string;
  schema: z.ZodType;
}

export function route<
  A extends Auth,
  P extends z.ZodType = z.ZodObject<{}>,
  Q extends z.ZodType = z.ZodObject<{}>,
  B extends z.ZodType = z.ZodUnknown,
>(spec: RouteSpec<A, P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

export function registerRoute(app: FastifyInstance, services: Services, spec: AnyRoute): void {
  if (spec.rawBody) {
    // Content-type parsers are per plugin scope: this one keeps every body as its bytes.
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) =>
        done(null, body),
      );
      addRoute(scope, services, spec);
    });
    return;
  }
  addRoute(app, services, spec);
}

function addRoute(app: FastifyInstance, services: Services, spec: AnyRoute): void {
  const consumes = mediaTypesOf(spec);
  app.route({
    method: spec.method,
    url: spec.url.replace(/\{(\w+)\}/g, ":$1"),
    ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }),
    // A route's own onRequest hooks run before those plugins add to it (the rate limiter's).
    onRequest: spec.anyOrigin
      ? async (_request, reply) => {
          reply.header("access-control-allow-origin", "*");
        }
      : undefined,
    // The error handler names these when a body comes in a type no parser knows.
    config: {
      consumes,
      ...(spec.rateLimitPerMinute === undefined
        ? {}
        : { rateLimit: { max: spec.rateLimitPerMinute, timeWindow: 60_000 } }),
    },
    handler: async (request, reply) => {
      const caller =
        spec.auth === "public" ? null : await authenticate(services, request.headers.authorization);
      if (caller !== null && caller.kind !== spec.auth)
        throw new ApiError(
          "forbidden",
          spec.auth === "admin"
            ? "this route needs an admin key; a participant token can read only /v1/me"
            : "this route needs a participant token",
        );
      // The app parses every type any route takes; a route checks it got one of its own.
      const sent = mediaTypeOf(request);
      if (spec.body && !spec.rawBody && request.body !== undefined && !consumes.includes(sent))
        throw unsupportedMediaType(consumes, sent);
      const params = parse(spec.params, request.params, "the path");
      const query = parse(spec.query, request.query, "the query string");
      const body = spec.rawBody
        ? request.body
        : spec.body && !spec.bodyCheckedByHandler
          ? parse(spec.body, request.body, "the request body")
          : request.body;
      const run = async () => {
        // Set before the handler runs, so a handler may answer another status
        // (an idempotent create answers 200 for what already exists).
        reply.code(spec.status ?? 200);
        return spec.handler({
          services,
          caller: caller as never,
          params,
          query,
          body,
          request,
          reply,
        });
      };
      const key = spec.method === "POST" && !spec.rawBody ? idempotencyKeyOf(request) : null;
      if (key === null) {
        const result = await run();
        return reply.sent ? reply : result;
      }
      const claim = await claimKey(
        services.db,
        scopeOf(caller, request, key),
        requestHashOf(request),
        services.now,
      );
      if (claim.kind === "replay")
        return reply
          .code(claim.answer.statusCode)
          .header("idempotent-replayed", "true")
          .type(claim.answer.contentType)
          .send(claim.answer.body);
      let result: unknown;
      try {
        result = await run();
      } catch (error) {
        // A failed request leaves nothing done, so its retry must run again.
        await claim.release();
        throw error;
      }
      if (reply.sent) {
        await claim.release();
        return reply;
      }
      // Serialized here, so a replay answers exactly the bytes the first request got.
      const answer = {
        statusCode: reply.statusCode,
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify(result) ?? "",
      };
      await claim.complete(answer);
      return reply.type(answer.contentType).send(answer.body);
    },
  });
}

/** The content types a route's body may come in. */
export function mediaTypesOf(spec: AnyRoute): string[] {
  return spec.consumes ?? ["application/json"];
}

/** The request's content type without parameters (`text/csv; charset=utf-8` is `text/csv`). */
export function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export function unsupportedMediaType(accepted: readonly string[], sent: string): ApiError {
  return new ApiError(
    "malformed_request",
    `this route takes a body of type ${accepted.join(" or ")}; the request sent ${sent || "no Content-Type"}`,
    [],
    415,
  );
}

function parse<T extends z.ZodType>(
  schema: T | undefined,
  value: unknown,
  what: string,
): z.infer<T> {
  rejectUnsafeText(value, what);
  if (!schema) return (value ?? {}) as z.infer<T>;
  // No body is an empty one (an action such as a payout); a JSON null is not.
  if (value === null)
    throw new ApiError("invalid_request", `${what} is null; send a JSON object`, [
      { path: "", message: "expected an object, received null" },
    ]);
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw fromZod(parsed.error, what);
  return parsed.data;
}

/** A string no database can store is refused at the door, naming where it is. */
function rejectUnsafeText(value: unknown, what: string): void {
  const unsafe = findUnsafeText(value);
  if (!unsafe) return;
  const { message, details } = unsafeTextRefusal(unsafe, what);
  throw new ApiError("invalid_request", message, details);
}

/** `?cursor=&limit=` on every list. */
export const pageQuery = z.object({
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,400}$/, "must be the `next` value of the previous page")
    .optional()
    .describe("the `next` value of the previous page"),
  limit: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** Reads a page request; limits above the maximum are lowered to it. */
export function pageOf(query: { cursor?: string | undefined; limit?: number | undefined }): {
  after: string | null;
  limit: number;
} {
  return {
    after: query.cursor ? decodeCursor(query.cursor) : null,
    limit: Math.min(query.limit ?? DEFAULT_LIMIT, MAX_LIMIT),
  };
}

/** Answers a collection; fetch `limit + 1` rows so the presence of a next page is known. */
export function collection<T, R>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => string,
  present: (row: T) => R,
) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(present),
    next:
      rows.length > limit && last !== undefined
        ? Buffer.from(keyOf(last)).toString("base64url")
        : null,
  };
}

/**
 * A cursor is the key the previous page ended at. Any cursor of the right
 * alphabet is taken, since a list is keyset-paged: one not given out just
 * starts the page after whatever key it spells.
 */
function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8").replaceAll("\u0000", "");
  return key;
}
