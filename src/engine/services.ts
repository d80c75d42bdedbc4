import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIdSource, voucherCodeFrom, type IdSource } from "../domain/ids.ts";
import type { Database } from "../store/db.ts";
import { directoryCreativeFiles, type CreativeFiles } from "../store/creative-files.ts";

/**
 * What the engine and the scheduled jobs count, for GET /metrics. A plain
 * interface, so the engine knows nothing of Prometheus: the server passes one
 * that feeds its registry (api/metrics.ts), and everything else counts into
 * NO_METRICS.
 */
export interface MetricsHook {
  /** Events a batch processed, counted once its transaction has committed. */
  eventsProcessed(count: number): void;
  /** One run of a scheduled job. */
  jobRun(job: string, outcome: "ok" | "failed"): void;
  /** One store webhook received, by what it came to (`unverified`: refused with a 401). */
  storeWebhook(provider: string, status: string): void;
  /** One attempt to send a webhook: it landed, or it failed (and is retried, or given up). */
  webhookDelivery(outcome: "delivered" | "failed"): void;
  /** One attempt to send a mail: sent, or failed (to be retried, or given up). */
  mailDelivery(outcome: "delivered" | "failed"): void;
}

export const NO_METRICS: MetricsHook = {
  eventsProcessed: () => undefined,
  jobRun: () => undefined,
  storeWebhook: () => undefined,
  webhookDelivery: () => undefined,
  mailDelivery: () => undefined,
};

/** The SMTP server and sender of LAUREL_SMTP_URL and LAUREL_MAIL_FROM. */
export interface MailSetting {
  /** Holds the SMTP password: never logged or answered. */
  readonly smtpUrl: string;
  readonly from: string;
}

/** Everything the engine and the API need from the outside world, in one typed object. */
export interface Services {
  readonly db: Database;
  readonly ids: IdSource;
  readonly now: () => Date;
  /** Where Laurel is reached from outside; referral links start with it. */
  readonly publicUrl: string;
  /** A new, unguessable voucher code for a free-product reward. */
  readonly voucherCode: () => string;
  readonly metrics: MetricsHook;
  /**
   * Webhooks may go to http:// and private addresses
   * (LAUREL_WEBHOOKS_ALLOW_PRIVATE, for development and tests); otherwise
   * https:// and public addresses only.
   */
  readonly allowPrivateWebhooks: boolean;
  /** Where mail goes; without it nothing is mailed (and nothing is written to be). */
  readonly mail?: MailSetting;
  /** Broadcast mails sent a minute at most (LAUREL_BROADCAST_PER_MINUTE), so a large audience does not flood the SMTP server. */
  readonly broadcastPerMinute: number;
  /** Where creatives' files are kept: LAUREL_DATA/creatives, or the bucket of LAUREL_S3_URL. */
  readonly creativeFiles: CreativeFiles;
}

/** Broadcast mails a minute unless LAUREL_BROADCAST_PER_MINUTE says otherwise. */
export const DEFAULT_BROADCAST_PER_MINUTE = 600;

export function createServices(
  db: Database,
  options: {
    publicUrl?: string;
    now?: () => Date;
    metrics?: MetricsHook;
    allowPrivateWebhooks?: boolean;
    mail?: MailSetting;
    broadcastPerMinute?: number;
    creativeFiles?: CreativeFiles;
  } = {},
): Services {
  const now = options.now ?? (() => new Date());
  return {
    db,
    ids: createIdSource(
      () => now().getTime(),
      (n) => randomBytes(n),
    ),
    now,
    voucherCode: () => voucherCodeFrom(randomBytes(10)),
    publicUrl: (options.publicUrl ?? "http://localhost:3000").replace(/\/$/, ""),
    metrics: options.metrics ?? NO_METRICS,
    allowPrivateWebhooks: options.allowPrivateWebhooks ?? false,
    ...(options.mail ? { mail: options.mail } : {}),
    broadcastPerMinute: options.broadcastPerMinute ?? DEFAULT_BROADCAST_PER_MINUTE,
    // A server is always given its own; anything else (a test, a one-off
    // command) keeps files in a directory of its own that nothing else uses.
    creativeFiles:
      options.creativeFiles ??
      directoryCreativeFiles(join(tmpdir(), `laurel-creatives-${randomBytes(8).toString("hex")}`)),
  };
}
