import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, type ErrorCode } from "./errors.ts";

/** The largest body a route takes unless it says otherwise (target files may be larger). */
export const BODY_LIMIT = 10 * 1024 * 1024;

/** The longest path segment (an id, a code) the router takes; past it a 414. */
export const MAX_PARAM_LENGTH = 500;

/** The contract's error body; `requestId` finds the request's log lines. */
function errorBody(
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  details: readonly unknown[] = [],
) {
  return { error: { code, message, details, requestId: request.id } };
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
  details: readonly unknown[] = [],
) {
  return reply
    .code(status)
    .header("request-id", request.id)
    .type("application/json; charset=utf-8")
    .send(errorBody(request, code, message, details));
}

/**
 * Errors the router raises before any route runs (a path that is not valid
 * URL encoding, a segment over MAX_PARAM_LENGTH): given to Fastify as its
 * `frameworkErrors` option, so they too answer in the contract's shape.
 */
export function frameworkErrorReply(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH")
    return sendError(
      request,
      reply,
      414,
      "malformed_request",
      `a segment of the path is longer than ${MAX_PARAM_LENGTH} characters; ids and codes are shorter`,
    );
  return sendError(
    request,
    reply,
    400,
    "malformed_request",
    "the URL is not valid: a % in the path must start an escape such as %20",
  );
}

/** Every failure a route or the framework raises, answered in the contract's shape. */
export function registerErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError)
      return sendError(request, reply, error.status, error.code, error.message, error.details);
    if (
      error.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      error instanceof SyntaxError ||
      error.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
    )
      return sendError(
        request,
        reply,
        400,
        "malformed_request",
        `the body is not valid JSON: ${error.message}`,
      );
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      const config = request.routeOptions.config as { consumes?: string[] };
      const accepted = config.consumes ?? ["application/json"];
      return sendError(
        request,
        reply,
        415,
        "malformed_request",
        `the body's Content-Type is not one this route takes; send ${accepted.join(" or ")}`,
      );
    }
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      const megabytes = Math.floor((request.routeOptions.bodyLimit ?? BODY_LIMIT) / 2 ** 20);
      return sendError(
        request,
        reply,
        413,
        "malformed_request",
        `the body is too large; send at most ${megabytes} MB`,
      );
    }
    if (typeof error.statusCode === "number" && error.statusCode < 500)
      return sendError(request, reply, error.statusCode, "malformed_request", error.message);
    request.log.error({ err: error }, "request failed");
    return sendError(
      request,
      reply,
      500,
      "internal_error",
      `something went wrong on our side; the request id is ${request.id}`,
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      404,
      "not_found",
      `no route ${request.method} ${request.url.split("?")[0]}; see /docs for the API`,
    ),
  );
}
