import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Services } from "../engine/services.ts";
import { migrate } from "../store/migrate.ts";
import { runDemo } from "./demo.ts";
import { runImportTargets, type Output } from "./import-targets.ts";
import { KEYS_USAGE, runKeys } from "./keys.ts";
import { makePortalLink } from "./portal-link.ts";

export const USAGE = `usage: laurel <command>

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

/** Where a command writes: the terminal, or a `laurel` process at the other end of the control socket. */
export interface CommandIo {
  readonly stdout: Output;
  readonly stderr: Output;
}

/** The commands that work on the database, as opposed to serving it. */
const DATABASE_COMMANDS = ["migrate", "keys", "demo", "import", "portal-link"] as const;

export function isDatabaseCommand(command: string | undefined): boolean {
  return (DATABASE_COMMANDS as readonly (string | undefined)[]).includes(command);
}

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
  const [command, ...rest] = argv;
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const complain = (line: string) => io.stderr.write(`${line}\n`);
  switch (command) {
    case "migrate": {
      const applied = await migrate(services.db);
      say(applied.length > 0 ? `applied ${applied.join(", ")}` : "the database is up to date");
      return 0;
    }
    case "keys": {
      const { values, positionals } = parseArgs({
        args: [...rest],
        options: { brand: { type: "string" } },
        allowPositionals: true,
      });
      if (!values.brand) {
        complain(KEYS_USAGE);
        return 2;
      }
      const outcome = await runKeys(services, positionals[0], values.brand, positionals[1]);
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
    case "import": {
      const { values, positionals } = parseArgs({
        args: [...rest],
        options: { program: { type: "string" } },
        allowPositionals: true,
      });
      const [what, file] = positionals;
      if (what !== "targets" || file === undefined || !values.program) {
        complain("usage: laurel import targets FILE --program ID");
        return 2;
      }
      return runImportTargets(services, file, values.program, io);
    }
    case "portal-link": {
      const { values } = parseArgs({
        args: [...rest],
        options: { program: { type: "string" }, participant: { type: "string" } },
      });
      if (!values.program || !values.participant) {
        complain("usage: laurel portal-link --program ID --participant ID");
        return 2;
      }
      const made = await makePortalLink(services, values.program, values.participant);
      if (made.ok) {
        say(made.link);
        return 0;
      }
      complain(made.message);
      return 1;
    }
    default:
      return usage(command, io);
  }
}

/** The usage text: asked for (exit 0), or because `command` is not one (exit 2). */
export function usage(command: string | undefined, io: CommandIo): number {
  const asked = command === undefined || command === "help" || command === "--help";
  (asked ? io.stdout : io.stderr).write(USAGE);
  return asked ? 0 : 2;
}

/** The command line with its file paths made absolute, for a process in another directory. */
export function resolvePaths(argv: readonly string[]): string[] {
  const [command, what, file, ...rest] = argv;
  if (command === "import" && what === "targets" && file !== undefined && !file.startsWith("-"))
    return [command, what, resolve(file), ...rest];
  return [...argv];
}
