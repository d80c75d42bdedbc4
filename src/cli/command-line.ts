import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Output } from "./import-targets.ts";
import { LAUREL_VERSION } from "./version.ts";

// What a command line says, read without touching anything. This module and
// what it imports load nothing of the server, the engine or the database, so
// --help, --version and mistakes are answered at once and cannot fail on them.

export const KEYS_USAGE = `usage: laurel keys create --brand NAME
       laurel keys list --brand NAME
       laurel keys revoke KEY_ID --brand NAME`;

export const USAGE = `usage: laurel <command> [options]

  serve                     run the HTTP API (laurel serve --help lists its environment)
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
  simulate --program ID --draft FILE.json [--from DATE] [--to DATE]
                            replay the program's history through a draft and print what it would have paid

  laurel <command> --help   what a command does and takes; nothing is run
  laurel --version          the version
`;

const SERVE_USAGE = `usage: laurel serve

Runs the HTTP API and the scheduled jobs until SIGTERM or SIGINT, which let
requests in flight finish. On a new database it creates the brand "default"
with the admin key LAUREL_ADMIN_KEY, or with a new key that it prints once.

Environment:
  PORT                  the port to listen on (3000)
  HOST                  the address to listen on (127.0.0.1); 0.0.0.0 listens on every interface
  DATABASE_URL          a PostgreSQL server (postgres://...); unset, the embedded database
  LAUREL_DATA           the embedded database's directory, and creatives' files (./data)
  LAUREL_ADMIN_KEY      the first brand's admin key; used on a new database only
  LAUREL_PUBLIC_URL     where Laurel is reached from outside (http://localhost:PORT)
  LAUREL_METRICS_TOKEN  turns on GET /metrics, for a Bearer of this token
  LAUREL_RATE_LIMIT, LAUREL_RATE_LIMIT_PUBLIC
                        requests a minute per key, and per address without one (0: no limit)
  LAUREL_TRUST_PROXY    true behind a reverse proxy: the client's address from X-Forwarded-For
  LAUREL_SFTP_URL, LAUREL_SFTP_PASSWORD, LAUREL_SFTP_KEY_FILE, LAUREL_SFTP_HOST_KEY,
  LAUREL_SFTP_POLL_SECONDS
                        an SFTP drop folder for target files (see the README)
  LAUREL_SMTP_URL, LAUREL_MAIL_FROM
                        mail through this server (smtp://user:pass@host:port, smtps:// for TLS)
                        from this address; unset, nothing is mailed
  LAUREL_BROADCAST_PER_MINUTE
                        broadcast mails sent a minute at most (600)
  LAUREL_S3_URL         keep creatives' files in an S3-compatible bucket
                        (https://KEY:SECRET@host/bucket?region=REGION) instead of LAUREL_DATA
  LAUREL_WEBHOOKS_ALLOW_PRIVATE
                        true lets webhook endpoints be http:// or private addresses (development)
  LOG_LEVEL             the request log's level (info)
`;

const COMMAND_USAGE = {
  serve: SERVE_USAGE,
  migrate: `usage: laurel migrate

Applies the database migrations not applied yet, and exits. laurel serve
does this at start too. Uses DATABASE_URL, or the embedded database in
LAUREL_DATA (./data).
`,
  keys: `${KEYS_USAGE}

Creates an admin key for a brand (and the brand, if new), printing the key
alone on the last line, once; lists a brand's keys by id; or revokes one, which
stops working at once.
`,
  demo: `usage: laurel demo

Fills the database with a demo brand, a program with goals, a referral network
and 90 days of events, and prints an admin key and a portal link. Run again,
it changes nothing.
`,
  import: `usage: laurel import targets FILE --program ID

Imports per-participant targets (participant,goal,period,target) from a CSV
file: every row, or none and every bad row by line. The same file again
changes nothing.
`,
  "portal-link": `usage: laurel portal-link --program ID --participant ID

Prints a magic link into the participant portal for a participant (by id or
external id), starting with LAUREL_PUBLIC_URL.
`,
  simulate: `usage: laurel simulate --program ID --draft FILE.json [--from DATE] [--to DATE]

Replays the program's stored events in [from, to) through a draft and prints
what was booked beside what the draft would have booked, and the difference:
commissions in total, by level and by month, rewards by goal step,
participants paid, sales and cost share, top earners, gainers and losers.
Writes nothing.

FILE.json holds the body POST /v1/programs/{programId}/simulations takes:
  {"program": {"commission": {"rate": {"percent": 12}}}, "goals": [], "replaceGoals": false}
--from and --to (a date, YYYY-MM-DD, meaning midnight in the program's time
zone, or an instant such as 2026-11-01T00:00:00Z) replace the file's; --to is
now and --from 90 days before it unless given. A draft that cannot be
simulated exits 2, naming each field to fix.
`,
} as const;

type CommandName = keyof typeof COMMAND_USAGE;

const isCommandName = (word: string | undefined): word is CommandName =>
  word !== undefined && Object.hasOwn(COMMAND_USAGE, word);

/** A command line understood: what to run, with its arguments checked. */
export type CommandLine =
  | { command: "serve" }
  | { command: "migrate" }
  | { command: "demo" }
  | {
      command: "keys";
      action: "create" | "list" | "revoke";
      brand: string;
      keyId: string | undefined;
    }
  | { command: "import"; file: string; program: string }
  | { command: "portal-link"; program: string; participant: string }
  | {
      command: "simulate";
      program: string;
      draft: string;
      from: string | undefined;
      to: string | undefined;
    };

/** What a command line is answered with without running anything: help, the version, or a usage error. */
export interface Answer {
  readonly code: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

const HELP_FLAGS = new Set(["--help", "-h"]);

/**
 * Reads a command line without touching anything: `--help` and `--version`
 * (anywhere in it) and mistakes are answered here, so they never open a
 * database, mint a key or reach a running server.
 */
export function parseCommandLine(
  argv: readonly string[],
): { ok: true; line: CommandLine } | { ok: false; answer: Answer } {
  const [command, ...rest] = argv;
  const answer = (a: Answer) => ({ ok: false as const, answer: a });
  if (command === undefined) return answer({ code: 0, stdout: USAGE });
  if (command === "help") {
    const [topic] = rest;
    if (topic === undefined) return answer({ code: 0, stdout: USAGE });
    return answer(
      isCommandName(topic)
        ? { code: 0, stdout: COMMAND_USAGE[topic] }
        : { code: 2, stderr: `laurel: there is no command "${topic}"\n\n${USAGE}` },
    );
  }
  const flag = argv.find((a) => HELP_FLAGS.has(a) || a === "--version");
  if (flag === "--version") return answer({ code: 0, stdout: `laurel ${LAUREL_VERSION}\n` });
  if (!isCommandName(command)) {
    if (flag !== undefined && HELP_FLAGS.has(command)) return answer({ code: 0, stdout: USAGE });
    return answer({ code: 2, stderr: `laurel: there is no command "${command}"\n\n${USAGE}` });
  }
  const usage = COMMAND_USAGE[command];
  if (flag !== undefined) return answer({ code: 0, stdout: usage });
  const mistake = (message: string) =>
    answer({ code: 2, stderr: `laurel ${command}: ${message}\n\n${usage}` });
  let parsed: Args;
  try {
    parsed = readArgs(command, rest);
  } catch (error) {
    // parseArgs names the unknown option or the stray argument.
    return mistake(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  switch (command) {
    case "serve":
    case "migrate":
    case "demo":
      return { ok: true, line: { command } };
    case "keys": {
      const [action, keyId, ...extra] = positionals;
      if (action !== "create" && action !== "list" && action !== "revoke")
        return mistake(
          action === undefined ? "say create, list or revoke" : `there is no keys ${action}`,
        );
      if (action === "revoke" && keyId === undefined) return mistake("name the KEY_ID to revoke");
      if (extra.length > 0 || (action !== "revoke" && keyId !== undefined))
        return mistake(`unexpected argument "${extra[0] ?? keyId}"`);
      if (!values.brand) return mistake("--brand NAME is required");
      return { ok: true, line: { command, action, brand: values.brand, keyId } };
    }
    case "import": {
      const [what, file, ...extra] = positionals;
      if (what !== "targets") return mistake("only targets can be imported");
      if (file === undefined) return mistake("name the FILE to import");
      if (extra.length > 0) return mistake(`unexpected argument "${extra[0]}"`);
      if (!values.program) return mistake("--program ID is required");
      return { ok: true, line: { command, file, program: values.program } };
    }
    case "portal-link":
      if (!values.program || !values.participant)
        return mistake("--program ID and --participant ID are required");
      return {
        ok: true,
        line: { command, program: values.program, participant: values.participant },
      };
    case "simulate":
      if (!values.program || !values.draft)
        return mistake("--program ID and --draft FILE.json are required");
      return {
        ok: true,
        line: {
          command,
          program: values.program,
          draft: values.draft,
          from: values.from,
          to: values.to,
        },
      };
  }
}

/** Each command's options; parsed strictly, so an unknown option or a stray argument is a mistake. */
const OPTIONS = {
  serve: {},
  migrate: {},
  demo: {},
  keys: { brand: { type: "string" } },
  import: { program: { type: "string" } },
  "portal-link": { program: { type: "string" }, participant: { type: "string" } },
  simulate: {
    program: { type: "string" },
    draft: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
  },
} as const;

interface Args {
  values: {
    brand?: string | undefined;
    program?: string | undefined;
    participant?: string | undefined;
    draft?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
  };
  positionals: string[];
}

function readArgs(command: CommandName, args: string[]): Args {
  const options: ParseArgsConfig["options"] = OPTIONS[command];
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: command === "keys" || command === "import",
    options,
  });
  // Every option is a string option, so a value is a string or absent.
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  return {
    values: {
      brand: text(values.brand),
      program: text(values.program),
      participant: text(values.participant),
      draft: text(values.draft),
      from: text(values.from),
      to: text(values.to),
    },
    positionals,
  };
}

/** Writes an answer; returns its exit code. */
export function writeAnswer(answer: Answer, io: CommandIo): number {
  if (answer.stdout !== undefined) io.stdout.write(answer.stdout);
  if (answer.stderr !== undefined) io.stderr.write(answer.stderr);
  return answer.code;
}

/** Where a command writes: the terminal, or a `laurel` process at the other end of the control socket. */
export interface CommandIo {
  readonly stdout: Output;
  readonly stderr: Output;
}
