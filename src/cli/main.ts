import { newApp } from "../api/app.ts";
import { createServices } from "../engine/services.ts";
import { startScheduler } from "../jobs/scheduler.ts";
import { DataDirInUse } from "../store/data-dir-lock.ts";
import { openDatabase, type Database } from "../store/db.ts";
import { migrate } from "../store/migrate.ts";
import { bootstrapFirstBrand } from "./bootstrap.ts";
import { isDatabaseCommand, resolvePaths, runCommand, usage, type CommandIo } from "./commands.ts";
import { readConfig, sftpConfigOf, type Config } from "./config.ts";
import { controlSocketOf, listenForCommands, sendCommand } from "./control-socket.ts";

/** This process's own terminal. */
const terminal: CommandIo = { stdout: process.stdout, stderr: process.stderr };

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  const config = readConfig(process.env);
  if (command === "serve") return serve(config);
  if (!isDatabaseCommand(command)) return usage(command, terminal);
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.LAUREL_DATA });
  } catch (error) {
    // The server holds the embedded database: it runs the command instead.
    if (error instanceof DataDirInUse) {
      const code = await sendCommand(
        controlSocketOf(config.LAUREL_DATA),
        resolvePaths(argv),
        terminal,
      );
      if (code !== null) return code;
    }
    throw error;
  }
  try {
    if (command !== "migrate") await migrate(db);
    return await runCommand(createServices(db, { publicUrl: publicUrl(config) }), argv, terminal);
  } finally {
    await db.close();
  }
}

function publicUrl(config: Config): string {
  return config.LAUREL_PUBLIC_URL ?? `http://localhost:${config.PORT}`;
}

async function serve(config: Config): Promise<number> {
  const sftp = await sftpConfigOf(config);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.LAUREL_DATA });
  await migrate(db);
  const services = createServices(db, { publicUrl: publicUrl(config) });
  const generated = await bootstrapFirstBrand(services, config.LAUREL_ADMIN_KEY);
  if (generated !== null) {
    console.log("Created brand 'default'. Its admin key, shown only this once:");
    console.log(`  ${generated}`);
  }
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
  console.log(`Laurel is listening on ${publicUrl(config)} on ${where}; API docs at /docs`);
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
  await app.close();
  await control?.close();
  await scheduler.stop();
  await db.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
