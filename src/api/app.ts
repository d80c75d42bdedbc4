import cookie from "@fastify/cookie";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import type { Services } from "../engine/services.ts";
import {
  BODY_LIMIT,
  frameworkErrorReply,
  MAX_PARAM_LENGTH,
  registerErrorReplies,
} from "./error-replies.ts";
import { buildOpenApi } from "./openapi.ts";
import { DEFAULT_RATE_LIMITS, registerRateLimits, type RateLimits } from "./rate-limits.ts";
import { ApiError } from "./errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.ts";
import { LAUREL_VERSION } from "../cli/version.ts";
import { requestIdOf } from "./request-id.ts";
import { registerRoute, type AnyRoute } from "./route.ts";
import { registerOperations } from "./operations.ts";
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
import { portalSignInRoutes } from "./routes/portal-sign-in.ts";
import { broadcastRoutes, registerUnsubscribePage } from "./routes/broadcasts.ts";
import { widgetRoutes } from "./routes/widget.ts";
import { trackingRoutes } from "./routes/tracking.ts";
import { integrationRoutes } from "./routes/integrations.ts";
import { webhookEndpointRoutes } from "./routes/webhook-endpoints.ts";
import { brandRoutes } from "./routes/brand.ts";
import { applicationRoutes, registerApplyPage } from "./routes/applications.ts";
import { creativeRoutes } from "./routes/creatives.ts";
import { registerMultipartRoute, takesMultipart } from "./multipart.ts";
import { termsRoutes } from "./routes/terms.ts";
import { simulationRoutes } from "./routes/simulations.ts";

/** The version the OpenAPI document gives: package.json's, as `laurel --version` prints it. */
export const VERSION = LAUREL_VERSION;

export const routes: readonly AnyRoute[] = [
  ...programRoutes,
  ...participantRoutes,
  ...eventRoutes,
  ...payoutRoutes,
  ...flagRoutes,
  ...holdRoutes,
  ...meRoutes,
  ...trackingRoutes,
  ...integrationRoutes,
  ...webhookEndpointRoutes,
  ...brandRoutes,
  ...reportRoutes,
  ...goalRoutes,
  ...targetRoutes,
  ...widgetRoutes,
  ...portalRoutes,
  ...portalSignInRoutes,
  ...broadcastRoutes,
  ...consoleRoutes,
  ...applicationRoutes,
  ...termsRoutes,
  ...creativeRoutes,
  ...simulationRoutes,
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
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Every log line of a request, and its error body, carry the request id.
    genReqId: (request) => requestIdOf(request, () => services.ids.next("req")),
    frameworkErrors: frameworkErrorReply,
    trustProxy: options.trustProxy ?? false,
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("request-id", request.id);
  });
  registerErrorReplies(app);

  // An empty body is no body: `curl -X POST` with a JSON content type and
  // nothing to send is a normal way to call an action such as a payout.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") done(null, undefined);
    else if (nestsDeeperThan(text, MAX_JSON_DEPTH))
      done(
        new ApiError(
          "malformed_request",
          `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels; no request needs that many`,
        ),
        undefined,
      );
    else parseJson(request, text, done);
  });
  // Target files: the route reads the CSV itself, as text.
  app.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) =>
    done(null, body),
  );
  await app.register(cookie);
  await registerRateLimits(app, options.rateLimits ?? DEFAULT_RATE_LIMITS);
  const document = buildOpenApi(routes, { version: VERSION, publicUrl: services.publicUrl });
  await app.register(swagger, { mode: "static", specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  registerOperations(app, services);
  app.get("/openapi.json", async () => document);
  for (const spec of routes)
    (takesMultipart(spec) ? registerMultipartRoute : registerRoute)(app, services, spec);
  await registerWeb(app);
  registerUnsubscribePage(app, services);
  registerApplyPage(app, services);
  return app;
}
