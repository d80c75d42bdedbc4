import { parseCommandLine, writeAnswer, type CommandIo } from "./command-line.ts";

/** This process's own terminal. */
const terminal: CommandIo = { stdout: process.stdout, stderr: process.stderr };

async function main(argv: string[]): Promise<number> {
  // Help, the version and mistakes are answered before anything else is
  // loaded, read or opened: no database, no control socket, not even the
  // environment, and no module of the server that could fail to load.
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) return writeAnswer(parsed.answer, terminal);
  const config = (await import("./config.ts")).readConfig(process.env);
  if (parsed.line.command === "serve") return (await import("./serve.ts")).serve(config);
  const { runFromShell } = await import("./commands.ts");
  return runFromShell(config, parsed.line, argv, terminal);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
