import type { Services } from "../engine/services.ts";
import type { SftpConfig } from "../integrations/sftp.ts";
import { deliverDueWebhooks } from "./deliver-webhooks.ts";
import { drainInbox } from "./drain-inbox.ts";
import { pickupTargets } from "./pickup-targets.ts";
import { releaseDueHolds } from "./release-holds.ts";
import { closeDueGoalWindows, grantDueInactivity } from "./goal-jobs.ts";

/**
 * A scheduled job over every program. It works in short batches and checks
 * `signal` between them: once the scheduler is stopped, the job ends after
 * the batch at work, and the next run goes on from there.
 */
export type Job = (services: Services, signal: AbortSignal) => Promise<number>;

export interface Logger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Time-driven work, run once at start (catching up on whatever came due while
 * the server was down) and then every `intervalMs`. Each job is idempotent per
 * (job, key) in the database, so a run that overlaps another server's, or
 * that is cut short, does nothing twice. A run still at work when the next
 * tick comes is left to finish, so runs never queue up behind a slow one.
 *
 * stop() starts no more work and tells the running job to stop: it resolves
 * once the job's batch at work has committed, well within a second, so a
 * stopping server is not held up by a long catch-up.
 *
 * With an SFTP drop folder configured, target files are picked up at start
 * and every `pollSeconds`, apart from the other jobs: a slow server delays
 * only the pickup.
 */
export function startScheduler(
  services: Services,
  log: Logger,
  options: { intervalMs?: number; sftp?: SftpConfig | null } = {},
): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? 60_000;
  const jobs: [string, Job][] = [
    ["drain-inbox", drainInbox],
    ["release-holds", releaseDueHolds],
    ["close-goal-windows", closeDueGoalWindows],
    ["grant-inactivity", grantDueInactivity],
    // The server's webhook worker (startWebhookWorker) sends within seconds;
    // this run catches up wherever that loop is not running.
    ["deliver-webhooks", (s, signal) => deliverDueWebhooks(s, signal)],
  ];
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  const runAll = () => {
    if (running || stopping.signal.aborted) return;
    running = (async () => {
      for (const [name, job] of jobs) {
        if (stopping.signal.aborted) return;
        try {
          const done = await job(services, stopping.signal);
          services.metrics.jobRun(name, "ok");
          if (done > 0) log.info({ job: name, done }, "scheduled job did work");
        } catch (error) {
          services.metrics.jobRun(name, "failed");
          log.error(
            { job: name, err: error },
            "scheduled job failed; it runs again at the next tick",
          );
        }
      }
    })().finally(() => {
      running = null;
    });
  };
  runAll();
  const timer = setInterval(runAll, intervalMs);
  timer.unref();
  const pickup = options.sftp ? startPickup(services, log, options.sftp, stopping.signal) : null;
  return {
    stop: async () => {
      stopping.abort();
      clearInterval(timer);
      await Promise.all([running, pickup?.stop()]);
    },
  };
}

function startPickup(
  services: Services,
  log: Logger,
  sftp: SftpConfig,
  signal: AbortSignal,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const run = () => {
    // A pickup still at work when the next poll comes is left to finish.
    if (running || signal.aborted) return;
    running = pickupTargets(services, sftp, log, undefined, signal)
      .then((summary) => {
        services.metrics.jobRun("pickup-targets", "ok");
        if (summary.imported + summary.duplicates + summary.failed + summary.retried > 0)
          log.info({ job: "pickup-targets", ...summary }, "scheduled job did work");
      })
      .catch((error: unknown) => {
        services.metrics.jobRun("pickup-targets", "failed");
        log.error(
          { job: "pickup-targets", err: error },
          "scheduled job failed; it runs again at the next poll",
        );
      })
      .finally(() => {
        running = null;
      });
  };
  run();
  const timer = setInterval(run, sftp.pollSeconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
