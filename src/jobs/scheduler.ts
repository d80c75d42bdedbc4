import type { Services } from "../engine/services.ts";
import type { SftpConfig } from "../integrations/sftp.ts";
import { drainInbox } from "./drain-inbox.ts";
import { pickupTargets } from "./pickup-targets.ts";
import { releaseDueHolds } from "./release-holds.ts";
import { closeDueGoalWindows, grantDueInactivity } from "./goal-jobs.ts";

export interface Logger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Time-driven work, run once at start (catching up on whatever came due while
 * the server was down) and then every `intervalMs`. Each job is idempotent per
 * (job, key) in the database, so a run that overlaps another server's, or
 * that is cut short, does nothing twice.
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
  const jobs: [string, (s: Services) => Promise<number>][] = [
    ["drain-inbox", drainInbox],
    ["release-holds", releaseDueHolds],
    ["close-goal-windows", closeDueGoalWindows],
    ["grant-inactivity", grantDueInactivity],
  ];
  let running: Promise<void> = Promise.resolve();
  const runAll = () => {
    running = running.then(async () => {
      for (const [name, job] of jobs) {
        try {
          const done = await job(services);
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
    });
    return running;
  };
  void runAll();
  const timer = setInterval(() => void runAll(), intervalMs);
  timer.unref();
  const pickup = options.sftp ? startPickup(services, log, options.sftp) : null;
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all([running, pickup?.stop()]);
    },
  };
}

function startPickup(services: Services, log: Logger, sftp: SftpConfig): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const run = () => {
    // A pickup still at work when the next poll comes is left to finish.
    if (running) return;
    running = pickupTargets(services, sftp, log)
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
