import { createHash, timingSafeEqual } from "node:crypto";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { MetricsHook } from "../engine/services.ts";

/** The route label of a request that matched no route: one label, whatever the URL was. */
export const UNMATCHED_ROUTE = "unmatched";

/** What a delivery came to: it landed, or this attempt failed and it will be retried. */
const DELIVERY_OUTCOMES = ["delivered", "failed"] as const;

/**
 * The server's Prometheus metrics, served at GET /metrics to a Bearer of the
 * token. Each instance has a registry of its own, not prom-client's global
 * one, so tests that build many apps in one process never register a metric
 * twice.
 */
export class ServerMetrics implements MetricsHook {
  readonly registry = new Registry();
  readonly #tokenDigest: Buffer;
  readonly #requests: Counter<"method" | "route" | "status">;
  readonly #requestSeconds: Histogram<"method" | "route">;
  readonly #events: Counter;
  readonly #jobRuns: Counter<"job" | "outcome">;
  readonly #storeWebhooks: Counter<"provider" | "status">;
  /**
   * Both counters show every outcome at zero from the start, so dashboards
   * and alerts can be written against them before the first delivery.
   */
  readonly webhookDeliveries: Counter<"outcome">;
  readonly mailDeliveries: Counter<"outcome">;

  constructor(token: string) {
    this.#tokenDigest = digest(token);
    const registers = [this.registry];
    this.#requests = new Counter({
      name: "laurel_http_requests_total",
      help: "HTTP requests answered, by method, route template and status code.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: "laurel_http_request_duration_seconds",
      help: "Time from receiving a request to sending its response, by method and route template.",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#events = new Counter({
      name: "laurel_events_processed_total",
      help: "Events processed by batches that committed (from requests and from the inbox).",
      registers,
    });
    this.#jobRuns = new Counter({
      name: "laurel_job_runs_total",
      help: "Runs of scheduled jobs, by job name and outcome (ok or failed).",
      labelNames: ["job", "outcome"],
      registers,
    });
    this.#storeWebhooks = new Counter({
      name: "laurel_store_webhooks_total",
      help: "Store webhooks received (Shopify, Stripe, WooCommerce), by provider and what each came to: processed, duplicate, ignored, rejected, or unverified (a 401).",
      labelNames: ["provider", "status"],
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: "laurel_webhook_deliveries_total",
      help: "Webhook delivery attempts, by outcome (delivered, or failed and to be retried).",
      labelNames: ["outcome"],
      registers,
    });
    this.mailDeliveries = new Counter({
      name: "laurel_mail_deliveries_total",
      help: "Mail delivery attempts, by outcome (delivered, or failed and to be retried).",
      labelNames: ["outcome"],
      registers,
    });
    // A labelled counter shows no sample until a label set is used: these
    // make each outcome appear as 0 from the start.
    for (const outcome of DELIVERY_OUTCOMES) {
      this.webhookDeliveries.inc({ outcome }, 0);
      this.mailDeliveries.inc({ outcome }, 0);
    }
    // Process CPU, memory, event-loop lag and GC, computed when scraped.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Whether `bearer` is the metrics token; compared in constant time. */
  accepts(bearer: string | null): boolean {
    return bearer !== null && timingSafeEqual(digest(bearer), this.#tokenDigest);
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.#requests.inc({ method, route, status: String(status) });
    this.#requestSeconds.observe({ method, route }, seconds);
  }

  eventsProcessed(count: number): void {
    if (count > 0) this.#events.inc(count);
  }

  jobRun(job: string, outcome: "ok" | "failed"): void {
    this.#jobRuns.inc({ job, outcome });
  }

  storeWebhook(provider: string, status: string): void {
    this.#storeWebhooks.inc({ provider, status });
  }

  webhookDelivery(outcome: "delivered" | "failed"): void {
    this.webhookDeliveries.inc({ outcome });
  }

  mailDelivery(outcome: "delivered" | "failed"): void {
    this.mailDeliveries.inc({ outcome });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

// Digests have one length whatever the token's, which timingSafeEqual needs.
const digest = (text: string): Buffer => createHash("sha256").update(text).digest();
