import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Services } from "../engine/services.ts";
import { ApiError, fromZod } from "./errors.ts";
import { authenticate, type Caller } from "./auth.ts";

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
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  summary: string;
  tag: string;
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status; 200 unless given. */
  status?: number;
  response?: z.ZodType;
  /**
   * The handler validates the body itself and `body` only documents it: the
   * events route rejects one bad event of a batch alone, not the whole request.
   */
  bodyCheckedByHandler?: boolean;
  /** The content types the body may come in; JSON unless given. */
  consumes?: string[];
  /** The largest body the route takes, in bytes, when it is not the app's default. */
  bodyLimit?: number;
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

export function route<
  A extends Auth,
  P extends z.ZodType = z.ZodObject<{}>,
  Q extends z.ZodType = z.ZodObject<{}>,
  B extends z.ZodType = z.ZodUnknown,
>(spec: RouteSpec<A, P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

export function registerRoute(app: FastifyInstance, services: Services, spec: AnyRoute): void {
  const consumes = mediaTypesOf(spec);
  app.route({
    method: spec.method,
    url: spec.url.replace(/\{(\w+)\}/g, ":$1"),
    ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }),
    // The error handler names these when a body comes in a type no parser knows.
    config: { consumes },
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
      if (spec.body && request.body !== undefined && !consumes.includes(sent))
        throw unsupportedMediaType(consumes, sent);
      const params = parse(spec.params, request.params, "the path");
      const query = parse(spec.query, request.query, "the query string");
      const body =
        spec.body && !spec.bodyCheckedByHandler
          ? parse(spec.body, request.body, "the request body")
          : request.body;
      // Set before the handler runs, so a handler may answer another status
      // (an idempotent create answers 200 for what already exists).
      reply.code(spec.status ?? 200);
      const result = await spec.handler({
        services,
        caller: caller as never,
        params,
        query,
        body,
        request,
        reply,
      });
      if (reply.sent) return reply;
      return result;
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
  if (!schema) return (value ?? {}) as z.infer<T>;
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw fromZod(parsed.error, what);
  return parsed.data;
}

/** `?cursor=&limit=` on every list. */
export const pageQuery = z.object({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().positive().optional(),
});

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** A cursor names the last id of the previous page. */
const ID_KEY = /^[a-z]{3}_[0-9A-Z]{26}$/;

/**
 * Reads a page request; limits above the maximum are lowered to it. A list
 * keyed by something other than an id passes the shape of its keys.
 */
export function pageOf(
  query: { cursor?: string | undefined; limit?: number | undefined },
  keyPattern: RegExp = ID_KEY,
): {
  after: string | null;
  limit: number;
} {
  return {
    after: query.cursor ? decodeCursor(query.cursor, keyPattern) : null,
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

function decodeCursor(cursor: string, keyPattern: RegExp): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!keyPattern.test(key))
    throw new ApiError(
      "invalid_request",
      "the cursor is not one this API gave out; pass the `next` value of the previous page",
    );
  return key;
}
