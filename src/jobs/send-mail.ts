import type { Services } from "../engine/services.ts";
import { renderMail } from "../mail/render.ts";
import { nextMailAttemptAt } from "../mail/retry.ts";
import { listUnsubscribeHeaders } from "../mail/list-unsubscribe.ts";
import { createMailer, type Mailer } from "../mail/send.ts";
import { isMailTemplateName, loadMailTemplate } from "../mail/templates.ts";
import {
  claimDueMails,
  markMailAttemptFailed,
  markMailSent,
  type ClaimedMail,
} from "../store/mail-outbox.ts";
import type { Logger } from "./scheduler.ts";

/** Long enough for one SMTP send with its timeouts; a worker that died frees its mails after it. */
export const MAIL_LEASE_MS = 60_000;
/** Mails claimed at a time: sent one after another within one lease. */
const MAIL_BATCH = 20;
/** How often the worker looks for due mail: a sign-in link should arrive within seconds. */
const MAIL_POLL_MS = 3_000;

export interface MailRun {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Sends the mails that are due, a batch at a time until none is left or
 * `signal` stops the run between mails. Each is marked sent right after the
 * SMTP server took it: a crash between the two sends that mail again once
 * its lease runs out (at least once, never lost). A refused or timed-out
 * send is tried again after a growing delay, and given up a day after the
 * mail was written.
 */
export async function sendDueMails(
  services: Services,
  mailer: Mailer,
  signal?: AbortSignal,
): Promise<MailRun> {
  const run: MailRun = { sent: 0, retried: 0, failed: 0 };
  for (;;) {
    if (signal?.aborted) return run;
    const due = await claimDueMails(services.db, services.now(), MAIL_LEASE_MS, MAIL_BATCH);
    for (const mail of due) {
      if (signal?.aborted) return run;
      const outcome = await sendOne(services, mailer, mail);
      run[outcome] += 1;
    }
    if (due.length < MAIL_BATCH) return run;
  }
}

async function sendOne(
  services: Services,
  mailer: Mailer,
  mail: ClaimedMail,
): Promise<keyof MailRun> {
  try {
    if (!isMailTemplateName(mail.template)) throw new Error(`no mail template ${mail.template}`);
    const rendered = renderMail(await loadMailTemplate(mail.template), mail.data);
    await mailer.send(mail.to, rendered, listUnsubscribeHeaders(mail.data));
  } catch (error) {
    const retryAt = nextMailAttemptAt(mail.attempts, mail.createdAt, services.now());
    await markMailAttemptFailed(services.db, mail.id, reasonOf(error), retryAt);
    services.metrics.mailDelivery("failed");
    return retryAt ? "retried" : "failed";
  }
  await markMailSent(services.db, mail.id, services.now());
  services.metrics.mailDelivery("delivered");
  return "sent";
}

const reasonOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/**
 * Sends mail while the server runs: at start and every few seconds. A run
 * still at work when the next poll comes is left to finish; stop() starts no
 * more and resolves once the mail at work is sent.
 */
export function startMailWorker(
  services: Services,
  log: Logger,
  options: { mailer?: Mailer; pollMs?: number } = {},
): { stop(): Promise<void> } {
  const mailer = options.mailer ?? (services.mail ? createMailer(services.mail) : null);
  if (!mailer) return { stop: async () => undefined };
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running || stopping.signal.aborted) return;
    running = sendDueMails(services, mailer, stopping.signal)
      .then((done) => {
        services.metrics.jobRun("send-mail", "ok");
        if (done.sent + done.retried + done.failed > 0)
          log.info({ job: "send-mail", ...done }, "scheduled job did work");
      })
      .catch((error: unknown) => {
        services.metrics.jobRun("send-mail", "failed");
        log.error({ job: "send-mail", err: error }, "sending mail failed; it runs again shortly");
      })
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, options.pollMs ?? MAIL_POLL_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      stopping.abort();
      await running;
      if (!options.mailer) mailer.close();
    },
  };
}
