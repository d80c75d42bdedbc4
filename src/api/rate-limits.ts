import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { bearerOf, hashSecret } from "./auth.ts";
import { ApiError } from "./errors.ts";

/** Requests per minute; 0 means no limit. */
export interface RateLimits {
  /** For each credential a request carries: an admin key, a participant token or session, a customer token. */
  readonly perCredential: number;
  /** For each client address, for requests without a credential (tracking links, the public widget routes). */
  readonly perAddress: number;
}

/**
 * A brand's own server sends batches with its key, so its limit only stops a
 * runaway loop; the public routes are what anyone on the internet can call.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { perCredential: 20_000, perAddress: 3_000 };

/** For a benchmark: one client as fast as it can go would measure the limiter's window. */
export const NO_RATE_LIMITS: RateLimits = { perCredential: 0, perAddress: 0 };

/**
 * What is never limited: the health check, the docs and the web apps' files,
 * the tracking script among them (every page view of a shop loads it, and it
 * must not use up the visitor's allowance for the API).
 */
const UNLIMITED =
  /^\/(health|openapi\.json|docs|admin|portal|assets|widget\.js|track\.js)(\/|$|\?)/;

/**
 * Counts requests per credential (its hash, so a key is never held in
 * memory) or, without one, per client address, in one-minute windows, in
 * this process's memory. Over the limit is a 429 in the API's error shape,
 * with Retry-After.
 */
export async function registerRateLimits(app: FastifyInstance, limits: RateLimits): Promise<void> {
  const keyOf = (request: FastifyRequest) => {
    const bearer = bearerOf(request.headers.authorization);
    return bearer ? `credential:${hashSecret(bearer)}` : `address:${request.ip}`;
  };
  const limitOf = (key: string) =>
    key.startsWith("credential:") ? limits.perCredential : limits.perAddress;
  await app.register(rateLimit, {
    timeWindow: 60_000,
    keyGenerator: keyOf,
    max: (_request, key) => limitOf(key),
    allowList: (request, key) => UNLIMITED.test(request.url) || limitOf(key) === 0,
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        "rate_limited",
        `too many requests: at most ${context.max} a minute; retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} seconds`,
      ),
  });
}
