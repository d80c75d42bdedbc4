import { newApp } from "../api/app.ts";
import { ServerMetrics } from "../api/metrics.ts";
import { createServices } from "../engine/services.ts";
import { startWebhookWorker } from "../jobs/deliver-webhooks.ts";
import { startScheduler } from "../jobs/scheduler.ts";
import { startMailWorker } from "../jobs/send-mail.ts";
import { listBrandNames } from "../store/brands.ts";
import { openDatabase, type Database } from "../store/db.ts";
import { migrate } from "../store/migrate.ts";
import { failAbandonedSimulations } from "../store/simulations.ts";
import { stopSimulations } from "../engine/simulation-runs.ts";
import { bootstrapFirstBrand, FIRST_BRAND, type Bootstrap } from "./bootstrap.ts";
import { runCommand } from "./commands.ts";
import {
  creativeFilesOf,
  mailSettingOf,
  publicUrlOf,
  sftpConfigOf,
  type Config,
} from "./config.ts";
import { controlSocketOf, listenForCommands } from "./control-socket.ts";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** `laurel serve`: the HTTP API and the scheduled jobs, until SIGTERM or SIGINT. */
export async function serve(config: Config): Promise<number> {
  const sftp = await sftpConfigOf(config);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.LAUREL_DATA });
  await migrate(db);
  // Simulations this database's stopped server was running will never end;
  // on the embedded database no other process can be running them.
  await failAbandonedSimulations(db, { all: !config.DATABASE_URL });
  const services = createServices(db, {
    publicUrl: publicUrlOf(config),
    metrics:
      config.LAUREL_METRICS_TOKEN === undefined
        ? undefined
        : new ServerMetrics(config.LAUREL_METRICS_TOKEN),
    allowPrivateWebhooks: config.LAUREL_WEBHOOKS_ALLOW_PRIVATE,
    mail: mailSettingOf(config),
    broadcastPerMinute: config.LAUREL_BROADCAST_PER_MINUTE,
    creativeFiles: creativeFilesOf(config),
  });
  await tellBootstrap(services.db, await bootstrapFirstBrand(services, config.LAUREL_ADMIN_KEY));
  const app = await newApp(services, {
    logger: true,
    rateLimits: {
      perCredential: config.LAUREL_RATE_LIMIT,
      perAddress: config.LAUREL_RATE_LIMIT_PUBLIC,
    },
    trustProxy: config.LAUREL_TRUST_PROXY,
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  const scheduler = startScheduler(services, app.log, { sftp });
  const webhooks = startWebhookWorker(services, app.log);
  const mail = startMailWorker(services, app.log);
  // On the embedded database, other laurel commands are run by this process.
  const control = config.DATABASE_URL
    ? null
    : await listenForCommands(controlSocketOf(config.LAUREL_DATA), (argv, io) =>
        runCommand(services, argv, io),
      ).catch((error: unknown) => {
        app.log.warn(
          { err: error },
          "no control socket: other laurel commands must wait until this server stops",
        );
        return null;
      });
  const where = config.DATABASE_URL
    ? "PostgreSQL (DATABASE_URL)"
    : `embedded PGlite in ${config.LAUREL_DATA}`;
  console.log(
    `Laurel is listening on ${config.HOST}:${config.PORT} (${publicUrlOf(config)}) on ${where}; API docs at /docs`,
  );
  if (LOOPBACK.has(config.HOST))
    console.log("Only this machine can reach it: HOST=0.0.0.0 listens on every interface");
  if (sftp) {
    console.log(
      `Picking up target files from ${config.LAUREL_SFTP_URL} every ${sftp.pollSeconds} s`,
    );
    if (!sftp.hostKey)
      console.log(
        "LAUREL_SFTP_HOST_KEY is not set: the SFTP server's host key is not checked; set it to the fingerprint ssh-keygen -lf prints",
      );
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      app.log.info({ signal }, "shutting down: draining requests");
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  // Jobs stop between batches while requests drain, so neither waits on the other.
  await Promise.all([app.close(), scheduler.stop(), webhooks.stop(), mail.stop()]);
  // After the requests: none can queue another while these are marked failed.
  await stopSimulations();
  await control?.close();
  await db.close();
  return 0;
}

/**
 * A generated first key is printed once. LAUREL_ADMIN_KEY on a database that
 * has its brands already is not used, which would go unnoticed (the old key
 * keeps working, the new one gets 401s) unless it is said at start.
 */
async function tellBootstrap(db: Database, outcome: Bootstrap): Promise<void> {
  if (outcome.status === "created") {
    if (outcome.generatedKey === null) return;
    console.log(`Created brand '${FIRST_BRAND}'. Its admin key, shown only this once:`);
    console.log(`  ${outcome.generatedKey}`);
    return;
  }
  if (outcome.adminKey === "unset" || outcome.adminKey === "active") return;
  const brands = await listBrandNames(db, BRANDS_NAMED + 1);
  const named =
    brands.length > BRANDS_NAMED
      ? `${brands.slice(0, BRANDS_NAMED).join(", ")}, …`
      : brands.join(", ");
  console.error(
    [
      "LAUREL_ADMIN_KEY is ignored: it only gives a new database its first admin key, and this database has its brands already.",
      outcome.adminKey === "revoked"
        ? "The key it holds was revoked here."
        : "The key it holds is not a key of this database, so requests with it get 401.",
      `For a new admin key, run: laurel keys create --brand NAME (this database's brands: ${named})`,
    ].join("\n"),
  );
}

/** How many brand names the hint above lists. */
const BRANDS_NAMED = 5;
