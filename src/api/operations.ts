import type { FastifyInstance } from "fastify";
import type { Services } from "../engine/services.ts";
import { bearerOf } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { ServerMetrics, UNMATCHED_ROUTE } from "./metrics.ts";

/**
 * How long GET /ready waits for the database: a hung database must answer
 * 503 in time for a load balancer's probe, not hold the probe open.
 */
export const READY_TIMEOUT_MS = 2_000;

// What operators and their probes call: never rate-limited (a probe that gets
// a 429 would take a healthy server out of rotation), and not under /v1,
// since they are about this process, not the API's resources.
const unlimited = { config: { rateLimit: false } };

/**
 * GET /health (the process takes requests), GET /ready (and its database
 * answers), GET /metrics (Prometheus text, for a Bearer of the metrics
 * token; 404 while metrics are off), and the per-request counts behind it.
 */
export function registerOperations(app: FastifyInstance, services: Services): void {
  app.get("/health", unlimited, async () => ({ status: "ok" }));

  app.get("/ready", unlimited, async (request) => {
    const problem = await databaseProblem(services, READY_TIMEOUT_MS);
    if (problem === null) return { status: "ok" };
    // The cause goes to the log only: anyone may call /ready, and a driver's
    // message can name hosts and users.
    request.log.warn({ err: problem.cause }, `not ready: ${problem.message}`);
    throw new ApiError("not_ready", `not ready: ${problem.message}`);
  });

  const metrics = services.metrics instanceof ServerMetrics ? services.metrics : null;
  app.get("/metrics", unlimited, async (request, reply) => {
    if (metrics === null)
      throw new ApiError(
        "not_found",
        "metrics are off; set LAUREL_METRICS_TOKEN on the server to turn them on",
      );
    if (!metrics.accepts(bearerOf(request.headers.authorization))) {
      reply.header("www-authenticate", 'Bearer realm="metrics"');
      throw new ApiError(
        "unauthorized",
        "send the metrics token as `Authorization: Bearer <LAUREL_METRICS_TOKEN>`",
      );
    }
    const { contentType, text } = await metrics.scrape();
    return reply.type(contentType).send(text);
  });

  if (metrics === null) return;
  app.addHook("onResponse", async (request, reply) => {
    // The route's template, never the URL: ids in paths would make a series
    // per resource.
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}

interface DatabaseProblem {
  message: string;
  cause?: unknown;
}

/** Why the database does not answer `select 1` within `timeoutMs`, or null when it does. */
async function databaseProblem(
  services: Services,
  timeoutMs: number,
): Promise<DatabaseProblem | null> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<DatabaseProblem>((resolve) => {
    timer = setTimeout(
      () => resolve({ message: `the database did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const answered = services.db.query("select 1").then(
    () => null,
    (cause: unknown) => ({ message: "the database refused the query", cause }),
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
