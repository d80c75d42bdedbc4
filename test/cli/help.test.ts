import { readFileSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlSocketOf } from "../../src/cli/control-socket.ts";
import { root } from "../support/walkthrough.ts";
import { runLaurel, type Run } from "./processes.ts";

/** Every command and subcommand, as a user would ask for its help. */
const COMMANDS: readonly (readonly string[])[] = [
  ["serve"],
  ["migrate"],
  ["keys"],
  ["keys", "create"],
  ["keys", "list"],
  ["keys", "revoke"],
  ["demo"],
  ["import"],
  ["import", "targets"],
  ["portal-link"],
  ["simulate"],
];

const VERSION = (
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }
).version;

/** Runs each command line, a few at a time (every run is a Node process of its own). */
async function runAll(lines: readonly (readonly string[])[], env: NodeJS.ProcessEnv) {
  const runs: { line: readonly string[]; run: Run }[] = [];
  for (let i = 0; i < lines.length; i += 3)
    runs.push(
      ...(await Promise.all(
        lines.slice(i, i + 3).map(async (line) => ({ line, run: await runLaurel(line, env) })),
      )),
    );
  return runs;
}

function expectUsage({ line, run }: { line: readonly string[]; run: Run }) {
  expect({ line, code: run.code, stderr: run.stderr }).toEqual({ line, code: 0, stderr: "" });
  expect(run.stdout).toMatch(new RegExp(`^usage: laurel ${line[0]}\\b`));
}

/** A listener that counts who connects to it, standing in for whatever laurel must not reach. */
async function countConnections(listen: (server: Server) => void) {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => {
    server.once("listening", resolve);
    listen(server);
  });
  return {
    server,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe("laurel <command> --help on the embedded database", () => {
  let parent = "";
  let dataDir = "";
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "laurel-help-"));
    dataDir = join(parent, "data");
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it("prints the command's usage and exits 0 without creating the data directory", async () => {
    const lines = [...COMMANDS.map((c) => [...c, "--help"]), ["keys", "-h"], ["demo", "-h"]];
    for (const run of await runAll(lines, { LAUREL_DATA: dataDir })) expectUsage(run);
    expect(existsSync(dataDir)).toBe(false);
  }, 120_000);

  it("laurel, laurel --help and laurel help list every command; laurel help COMMAND is its --help", async () => {
    const [bare, flag, help, helpKeys, keysHelp] = await runAll(
      [[], ["--help"], ["help"], ["help", "keys"], ["keys", "--help"]],
      { LAUREL_DATA: dataDir },
    );
    for (const run of [bare, flag, help]) {
      expect(run?.run.code).toBe(0);
      for (const [command] of COMMANDS) expect(run?.run.stdout).toContain(`  ${command}`);
    }
    expect(helpKeys?.run).toEqual(keysHelp?.run);
    expect(existsSync(dataDir)).toBe(false);
  }, 120_000);

  it("answers a mistake (unknown option, stray or missing argument) with the usage and exit 2, before opening anything", async () => {
    const mistakes = [
      ["demo", "--bogus"],
      ["serve", "now"],
      ["migrate", "--all"],
      ["keys", "create"],
      ["keys", "rotate", "--brand", "acme"],
      ["import", "targets", "--program", "prg_x"],
      ["portal-link", "--program", "prg_x"],
      ["nonsense"],
    ];
    for (const { line, run } of await runAll(mistakes, { LAUREL_DATA: dataDir })) {
      expect({ line, code: run.code, stdout: run.stdout }).toEqual({ line, code: 2, stdout: "" });
      expect(run.stderr).toMatch(/^laurel[ :]/);
      expect(run.stderr).toContain("usage: laurel");
    }
    expect(existsSync(dataDir)).toBe(false);
  }, 120_000);
});

describe("laurel <command> --help and --version on PostgreSQL", () => {
  it("never connect to DATABASE_URL", async () => {
    const database = await countConnections((server) => server.listen(0, "127.0.0.1"));
    try {
      const address = database.server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      const env = { DATABASE_URL: `postgres://laurel@127.0.0.1:${port}/laurel` };
      const lines = [...COMMANDS.map((c) => [...c, "--help"]), ["serve", "--version"]];
      for (const run of await runAll(lines, env)) expect(run.run.code, run.run.stderr).toBe(0);
      expect(database.connections()).toBe(0);
    } finally {
      await database.close();
    }
  }, 120_000);
});

describe("laurel <command> --help and --version while laurel serve holds the embedded database", () => {
  let dataDir = "";
  let control: Awaited<ReturnType<typeof countConnections>>;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "laurel-help-held-"));
    // What a running server leaves there: its pid (a live process: this one)
    // and its control socket, which would run any command sent to it.
    writeFileSync(join(dataDir, "laurel.pid"), String(process.pid));
    control = await countConnections((server) => server.listen(controlSocketOf(dataDir)));
  });
  afterAll(async () => {
    await control.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("answer here: nothing is sent over the control socket and the directory is unchanged", async () => {
    const before = readdirSync(dataDir).sort();
    const runs = await runAll(
      COMMANDS.map((c) => [...c, "--help"]),
      { LAUREL_DATA: dataDir },
    );
    for (const run of runs) expectUsage(run);
    expect(control.connections()).toBe(0);
    expect(readdirSync(dataDir).sort()).toEqual(before);
  }, 120_000);

  it("--version prints package.json's version for laurel and for every command", async () => {
    const runs = await runAll([["--version"], ...COMMANDS.map((c) => [...c, "--version"])], {
      LAUREL_DATA: dataDir,
    });
    for (const { line, run } of runs)
      expect({ line, ...run }).toEqual({
        line,
        code: 0,
        stdout: `laurel ${VERSION}\n`,
        stderr: "",
      });
    expect(control.connections()).toBe(0);
  }, 120_000);
});
