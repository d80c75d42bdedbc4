import type { Services } from "../engine/services.ts";
import { drainInbox } from "./drain-inbox.ts";
import { releaseDueHolds } from "./release-holds.ts";

export interface Logger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Time-driven work, run once at start (catching up on whatever came due while
 * the server was down) and then every `intervalMs`. Each job is idempotent per
 * (job, key) in the database, so a run that overlaps another server's, or
 * that is cut short, does nothing twice.
 */
export function startScheduler(
  services: Services,
  log: Logger,
  intervalMs = 60_000,
): { stop(): Promise<void> } {
  const jobs: [string, (s: Services) => Promise<number>][] = [
    ["drain-inbox", drainInbox],
    ["release-holds", releaseDueHolds],
  ];
  let running: Promise<void> = Promise.resolve();
  const runAll = () => {
    running = running.then(async () => {
      for (const [name, job] of jobs) {
        try {
          const done = await job(services);
          if (done > 0) log.info({ job: name, done }, "scheduled job did work");
        } catch (error) {
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
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
