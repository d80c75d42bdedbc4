import { parseArgs } from "node:util";
import { newApp } from "../api/app.ts";
import { createServices } from "../engine/services.ts";
import { startScheduler } from "../jobs/scheduler.ts";
import { openDatabase, type Database } from "../store/db.ts";
import { migrate } from "../store/migrate.ts";
import { bootstrapFirstBrand } from "./bootstrap.ts";
import { readConfig, sftpConfigOf, type Config } from "./config.ts";
import { runDemo } from "./demo.ts";
import { runImportTargets } from "./import-targets.ts";
import { KEYS_USAGE, runKeys } from "./keys.ts";
import { makePortalLink } from "./portal-link.ts";

const USAGE = `usage: laurel <command>

  serve                     run the HTTP API (PORT, DATABASE_URL, LAUREL_DATA, LAUREL_ADMIN_KEY)
  migrate                   apply database migrations and exit
  keys create --brand NAME  create an admin key for a brand; the key is the last line printed
  keys list --brand NAME    list a brand's admin keys by id, with when each was made or revoked
  keys revoke KEY_ID --brand NAME
                            revoke an admin key: it stops working at once
  demo                      fill the database with a demo brand, program, network and events
  import targets FILE --program ID
                            import per-participant targets from a CSV file
  portal-link --program ID --participant ID
                            print a magic link into the participant portal (LAUREL_PUBLIC_URL)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = readConfig(process.env);
  switch (command) {
    case "serve":
      return serve(config);
    case "migrate":
      return withDatabase(config, async (db) => {
        const applied = await migrate(db);
        console.log(
          applied.length > 0 ? `applied ${applied.join(", ")}` : "the database is up to date",
        );
      });
    case "keys": {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { brand: { type: "string" } },
        allowPositionals: true,
      });
      const brand = values.brand;
      if (!brand) {
        console.error(KEYS_USAGE);
        return 2;
      }
      let code = 0;
      await withDatabase(config, async (db) => {
        await migrate(db);
        const outcome = await runKeys(createServices(db), positionals[0], brand, positionals[1]);
        if (outcome.ok) outcome.lines.forEach((line) => console.log(line));
        else {
          console.error(outcome.message);
          code = outcome.message === KEYS_USAGE ? 2 : 1;
        }
      });
      return code;
    }
    case "demo":
      return withDatabase(config, async (db) => {
        await migrate(db);
        await runDemo(createServices(db, { publicUrl: publicUrl(config) }), (line) =>
          console.log(line),
        );
      });
    case "import": {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { program: { type: "string" } },
        allowPositionals: true,
      });
      const [what, file] = positionals;
      if (what !== "targets" || file === undefined || !values.program) {
        console.error("usage: laurel import targets FILE --program ID");
        return 2;
      }
      const programId = values.program;
      let code = 0;
      await withDatabase(config, async (db) => {
        await migrate(db);
        code = await runImportTargets(createServices(db), file, programId, process);
      });
      return code;
    }
    case "portal-link": {
      const { values } = parseArgs({
        args: rest,
        options: { program: { type: "string" }, participant: { type: "string" } },
      });
      const { program, participant } = values;
      if (!program || !participant) {
        console.error("usage: laurel portal-link --program ID --participant ID");
        return 2;
      }
      let code = 0;
      await withDatabase(config, async (db) => {
        await migrate(db);
        const made = await makePortalLink(
          createServices(db, { publicUrl: publicUrl(config) }),
          program,
          participant,
        );
        if (made.ok) console.log(made.link);
        else {
          console.error(made.message);
          code = 1;
        }
      });
      return code;
    }
    default:
      console.error(USAGE);
      return command === undefined || command === "help" || command === "--help" ? 0 : 2;
  }
}

async function withDatabase(
  config: Config,
  work: (db: Database) => Promise<void>,
): Promise<number> {
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.LAUREL_DATA });
  try {
    await work(db);
    return 0;
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
