import cookie from "@fastify/cookie";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { Services } from "../engine/services.ts";
import { ApiError, statusOf } from "./errors.ts";
import { buildOpenApi } from "./openapi.ts";
import { DEFAULT_RATE_LIMITS, registerRateLimits, type RateLimits } from "./rate-limits.ts";
import { registerRoute, type AnyRoute } from "./route.ts";
import { registerWeb } from "./web.ts";
import { eventRoutes } from "./routes/events.ts";
import { meRoutes } from "./routes/me.ts";
import { flagRoutes } from "./routes/flags.ts";
import { goalRoutes } from "./routes/goals.ts";
import { holdRoutes } from "./routes/holds.ts";
import { participantRoutes } from "./routes/participants.ts";
import { payoutRoutes } from "./routes/payouts.ts";
import { programRoutes } from "./routes/programs.ts";
import { reportRoutes } from "./routes/reports.ts";
import { targetRoutes } from "./routes/targets.ts";
import { consoleRoutes } from "./routes/console.ts";
import { portalRoutes } from "./routes/portal.ts";
import { widgetRoutes } from "./routes/widget.ts";
import { trackingRoutes } from "./routes/tracking.ts";

export const VERSION = "0.1.0";

/** The largest body a route takes unless it says otherwise (target files may be larger). */
const BODY_LIMIT = 10 * 1024 * 1024;

export const routes: readonly AnyRoute[] = [
  ...programRoutes,
  ...participantRoutes,
  ...eventRoutes,
  ...payoutRoutes,
  ...flagRoutes,
  ...holdRoutes,
  ...meRoutes,
  ...trackingRoutes,
  ...reportRoutes,
  ...goalRoutes,
  ...targetRoutes,
  ...widgetRoutes,
  ...portalRoutes,
  ...consoleRoutes,
];

export interface AppOptions {
  /** Structured request logs (pino, one JSON line per request); off in tests. */
  logger?: boolean;
  /** Requests per minute (DEFAULT_RATE_LIMITS unless given). */
  rateLimits?: RateLimits;
  /** Take the client's address from X-Forwarded-For: set behind a reverse proxy. */
  trustProxy?: boolean;
}

/** Builds the HTTP app the same way for production and tests. */
export async function newApp(
  services: Services,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ? { level: process.env.LOG_LEVEL ?? "info" } : false,
    bodyLimit: BODY_LIMIT,
    // Error responses carry the request id, so a log line can be found from one.
    genReqId: () => services.ids.next("req"),
    trustProxy: options.trustProxy ?? false,
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.status).send(errorBody(error.code, error.message, error.details));
    }
    if (
      error.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      error instanceof SyntaxError ||
      error.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
    ) {
      return reply
        .code(400)
        .send(errorBody("malformed_request", `the body is not valid JSON: ${error.message}`));
    }
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      const config = request.routeOptions.config as { consumes?: string[] };
      const accepted = config.consumes ?? ["application/json"];
      return reply
        .code(415)
        .send(errorBody("malformed_request", `${error.message}; send ${accepted.join(" or ")}`));
    }
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      const megabytes = Math.floor((request.routeOptions.bodyLimit ?? BODY_LIMIT) / 2 ** 20);
      return reply
        .code(413)
        .send(
          errorBody("malformed_request", `the body is too large; send at most ${megabytes} MB`),
        );
    }
    if (typeof error.statusCode === "number" && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody("malformed_request", error.message));
    }
    request.log.error({ err: error }, "request failed");
    return reply
      .code(500)
      .send(
        errorBody(
          "internal_error",
          `something went wrong on our side; the request id is ${request.id}`,
        ),
      );
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(
          "not_found",
          `no route ${request.method} ${request.url.split("?")[0]}; see /docs for the API`,
        ),
      ),
  );

  // An empty body is no body: `curl -X POST` with a JSON content type and
  // nothing to send is a normal way to call an action such as a payout.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") done(null, undefined);
    else parseJson(request, text, done);
  });
  // Target files: the route reads the CSV itself, as text.
  app.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) =>
    done(null, body),
  );
  await app.register(cookie);
  await registerRateLimits(app, options.rateLimits ?? DEFAULT_RATE_LIMITS);
  const document = buildOpenApi(routes, VERSION);
  await app.register(swagger, { mode: "static", specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get("/health", async () => ({ status: "ok" }));
  app.get("/openapi.json", async () => document);
  for (const spec of routes) registerRoute(app, services, spec);
  await registerWeb(app);
  return app;
}

function errorBody(
  code: Parameters<typeof statusOf>[0],
  message: string,
  details: readonly unknown[] = [],
) {
  return { error: { code, message, details } };
}
