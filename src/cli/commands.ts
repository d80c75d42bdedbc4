import { resolve } from "node:path";
import type { Services } from "../engine/services.ts";
import { migrate } from "../store/migrate.ts";
import { DataDirInUse } from "../store/data-dir-lock.ts";
import { openDatabase, type Database } from "../store/db.ts";
import { createServices } from "../engine/services.ts";
import {
  KEYS_USAGE,
  parseCommandLine,
  writeAnswer,
  type CommandIo,
  type CommandLine,
} from "./command-line.ts";
import { publicUrlOf, type Config } from "./config.ts";
import { controlSocketOf, sendCommand } from "./control-socket.ts";
import { runDemo } from "./demo.ts";
import { runImportTargets } from "./import-targets.ts";
import { runKeys } from "./keys.ts";
import { makePortalLink } from "./portal-link.ts";
import { runSimulate } from "./simulate.ts";

/**
 * `laurel <command> ...` against `services`, in this process or in the
 * running server's; answers the exit code. Paths in `argv` are read as given,
 * so a caller in another directory resolves them first (resolvePaths).
 */
export async function runCommand(
  services: Services,
  argv: readonly string[],
  io: CommandIo,
): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) return writeAnswer(parsed.answer, io);
  const { line } = parsed;
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const complain = (text: string) => io.stderr.write(`${text}\n`);
  switch (line.command) {
    case "serve":
      complain("laurel serve runs in a process of its own; start it from a shell");
      return 2;
    case "migrate": {
      const applied = await migrate(services.db);
      say(applied.length > 0 ? `applied ${applied.join(", ")}` : "the database is up to date");
      return 0;
    }
    case "keys": {
      const outcome = await runKeys(services, line.action, line.brand, line.keyId);
      if (outcome.ok) {
        outcome.lines.forEach(say);
        return 0;
      }
      complain(outcome.message);
      return outcome.message === KEYS_USAGE ? 2 : 1;
    }
    case "demo":
      await runDemo(services, say);
      return 0;
    case "import":
      return runImportTargets(services, line.file, line.program, io);
    case "portal-link": {
      const made = await makePortalLink(services, line.program, line.participant);
      if (made.ok) {
        say(made.link);
        return 0;
      }
      complain(made.message);
      return 1;
    }
    case "simulate":
      return runSimulate(services, line, io);
  }
}

/**
 * A command other than serve, from a shell: on this process's own connection
 * to the database, or, when a running server holds the embedded database, by
 * that server over its control socket.
 */
export async function runFromShell(
  config: Config,
  line: Exclude<CommandLine, { command: "serve" }>,
  argv: readonly string[],
  io: CommandIo,
): Promise<number> {
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.LAUREL_DATA });
  } catch (error) {
    // The server holds the embedded database: it runs the command instead.
    if (error instanceof DataDirInUse) {
      const code = await sendCommand(controlSocketOf(config.LAUREL_DATA), resolvePaths(argv), io);
      if (code !== null) return code;
    }
    throw error;
  }
  try {
    if (line.command !== "migrate") await migrate(db);
    return await runCommand(createServices(db, { publicUrl: publicUrlOf(config) }), argv, io);
  } finally {
    await db.close();
  }
}

/** The command line with its file paths made absolute, for a process in another directory. */
export function resolvePaths(argv: readonly string[]): string[] {
  const [command, what, file, ...rest] = argv;
  if (command === "import" && what === "targets" && file !== undefined && !file.startsWith("-"))
    return [command, what, resolve(file), ...rest];
  if (command === "simulate")
    return argv.map((arg, i) =>
      i > 0 && argv[i - 1] === "--draft"
        ? resolve(arg)
        : arg.startsWith("--draft=")
          ? `--draft=${resolve(arg.slice("--draft=".length))}`
          : arg,
    );
  return [...argv];
}
