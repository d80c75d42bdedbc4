import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Webhook } from "standardwebhooks";
import { LAUREL_VERSION } from "../cli/version.ts";
import { publicOnlyLookup, webhookUrlProblem } from "./public-address.ts";

/** A receiver has this long, from the start of the connection to its status line. */
export const SEND_TIMEOUT_MS = 10_000;

/** What is read of a receiver's answer before the connection is dropped; it is never used. */
const RESPONSE_BYTES_READ = 4096;

const USER_AGENT = `Laurel-Webhooks/${LAUREL_VERSION}`;

/** One attempt to send an event to an endpoint. */
export interface WebhookAttempt {
  readonly url: string;
  readonly secret: string;
  /** The event id (`whe_…`), the same on every attempt: receivers deduplicate by it. */
  readonly eventId: string;
  /** The serialized body, the same bytes on every attempt. */
  readonly body: string;
  /** When this attempt is made; its timestamp header and signature are of this time. */
  readonly at: Date;
}

export type SendOutcome =
  | { readonly kind: "delivered"; readonly statusCode: number }
  | { readonly kind: "failed"; readonly statusCode: number | null; readonly error: string | null }
  /** The sender was stopped before the receiver answered. */
  | { readonly kind: "cancelled" };

export interface SendOptions {
  readonly allowPrivate: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** The Standard Webhooks headers of an attempt. */
export function webhookHeaders(attempt: WebhookAttempt): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": attempt.eventId,
    "webhook-timestamp": String(Math.floor(attempt.at.getTime() / 1000)),
    "webhook-signature": new Webhook(attempt.secret).sign(
      attempt.eventId,
      attempt.at,
      attempt.body,
    ),
  };
}

/**
 * POSTs one signed webhook and says what came of it; it never throws. A 2xx
 * is delivered; anything else fails this attempt: another status (a redirect
 * too, which is never followed, since it could point anywhere), no answer
 * within the timeout, a refused or dropped connection, or a URL or address
 * that is not allowed. The URL is checked again on every attempt, and the
 * lookup refuses a name that resolves to an address that is not public, so
 * the socket only connects to an address that passed.
 */
export function sendWebhook(attempt: WebhookAttempt, options: SendOptions): Promise<SendOutcome> {
  const problem = webhookUrlProblem(attempt.url, options.allowPrivate);
  if (problem !== null)
    return Promise.resolve({ kind: "failed", statusCode: null, error: `the URL ${problem}` });
  if (options.signal?.aborted) return Promise.resolve({ kind: "cancelled" });
  const url = new URL(attempt.url);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;

  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", cancel);
      resolve(outcome);
    };
    const fail = (error: string) => settle({ kind: "failed", statusCode: null, error });

    const req: ClientRequest = request(url, {
      method: "POST",
      headers: {
        ...webhookHeaders(attempt),
        "content-length": String(Buffer.byteLength(attempt.body)),
      },
      lookup: publicOnlyLookup(options.allowPrivate),
      // A connection of its own per attempt: nothing is kept open to a
      // brand's server between deliveries.
      agent: false,
    });
    const timer = setTimeout(() => {
      fail(`no answer within ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    const cancel = () => {
      settle({ kind: "cancelled" });
      req.destroy();
    };
    options.signal?.addEventListener("abort", cancel, { once: true });

    req.on("response", (res: IncomingMessage) => {
      const statusCode = res.statusCode ?? 0;
      if (statusCode >= 200 && statusCode < 300) settle({ kind: "delivered", statusCode });
      else if (statusCode >= 300 && statusCode < 400)
        settle({ kind: "failed", statusCode, error: "answered a redirect, which is not followed" });
      else settle({ kind: "failed", statusCode, error: null });
      discard(res, req);
    });
    req.on("error", (error: NodeJS.ErrnoException) => fail(describeError(error)));
    req.end(attempt.body);
  });
}

/** Reads a little of the answer, so a receiver that writes it is not cut off rudely, then drops the connection. */
function discard(res: IncomingMessage, req: ClientRequest): void {
  let read = 0;
  const drop = setTimeout(() => req.destroy(), 1000);
  drop.unref();
  res.on("data", (chunk: Buffer) => {
    read += chunk.length;
    if (read > RESPONSE_BYTES_READ) req.destroy();
  });
  res.on("close", () => clearTimeout(drop));
  res.on("error", () => undefined);
}

function describeError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ENOTPUBLIC":
      return error.message;
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset before an answer";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the name does not resolve (${error.code})`;
    default:
      return error.code ? `${error.code}: ${error.message}` : error.message;
  }
}
