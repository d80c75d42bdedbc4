import type { IncomingMessage } from "node:http";

/** A request id a client may choose: short, and safe in a header and a log line. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * The id of a request: the caller's own `X-Request-Id` when it is a sane
 * token, so a request can be followed across the brand's systems and ours,
 * and a fresh one otherwise.
 */
export function requestIdOf(request: IncomingMessage, fresh: () => string): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && SANE_REQUEST_ID.test(given) ? given : fresh();
}
