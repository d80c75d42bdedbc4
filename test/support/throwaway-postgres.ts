// Starts a throwaway PostgreSQL server (tests and benchmarks), so real
// PostgreSQL needs no machine setup beyond Debian's `postgresql` package.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { chown, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

const DEBIAN_PG_ROOT = "/usr/lib/postgresql";

interface RunningServer {
  binDir: string;
  dataDir: string;
  tempDir: string;
}

let server: RunningServer | undefined;

/** Stops the server startServer started, if it is still running. */
export async function stopStartedServer(): Promise<void> {
  if (server) await stopServer(server);
}

/** LAUREL_PG_BIN wins; otherwise the newest Debian installation; undefined when there is none. */
export async function findBinDir(): Promise<string | undefined> {
  const override = process.env.LAUREL_PG_BIN;
  if (override) {
    // Someone pointed at a directory on purpose: a wrong one is an error, not a skip.
    if (!existsSync(join(override, "initdb"))) {
      throw new Error(`LAUREL_PG_BIN=${override} has no initdb in it`);
    }
    return override;
  }
  if (!existsSync(DEBIAN_PG_ROOT)) return undefined;
  const versions = (await readdir(DEBIAN_PG_ROOT))
    .filter((version) => existsSync(join(DEBIAN_PG_ROOT, version, "bin", "initdb")))
    // Numeric, not lexical: "9.6" is older than "15".
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  const newest = versions[0];
  return newest === undefined ? undefined : join(DEBIAN_PG_ROOT, newest, "bin");
}

/** Starts a server on loopback in a temp folder; returns its admin URL. */
export async function startServer(binDir: string): Promise<string> {
  const tempDir = await mkdtemp(join(tmpdir(), "laurel-pg-"));
  const dataDir = join(tempDir, "data");
  const socketDir = join(tempDir, "socket");
  const logFile = join(tempDir, "server.log");
  const running: RunningServer = { binDir, dataDir, tempDir };
  try {
    await mkdir(socketDir);
    if (mustSwitchUser()) {
      // PostgreSQL refuses to run as root, so the files must belong to the
      // user it runs as.
      const { uid, gid } = postgresUser();
      await chown(tempDir, uid, gid);
      await chown(socketDir, uid, gid);
    }
    await run(join(binDir, "initdb"), [
      "-D",
      dataDir,
      "-A",
      "trust",
      "-U",
      "postgres",
      "--no-sync",
      "-E",
      "UTF8",
      // The same collation and character classes as PGlite, so ordering of
      // text agrees on both backends.
      "--locale=C.UTF-8",
      "--lc-collate=C",
    ]);
    const port = await freePort();
    const serverOptions = [
      // Durability is worthless for a database deleted after the run; speed is not.
      "-F",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      // Each test file opens its own pool; parallel files need headroom.
      "-c max_connections=200",
      "-c listen_addresses=127.0.0.1",
      `-c port=${port}`,
      // Inside the temp dir: the default /var/run/postgresql may not exist or
      // may belong to the system's own cluster.
      `-k ${shellQuote(socketDir)}`,
    ].join(" ");
    // From here on the server may be up, so a failure must stop it.
    server = running;
    try {
      await run(join(binDir, "pg_ctl"), [
        "-D",
        dataDir,
        "-l",
        logFile,
        "-o",
        serverOptions,
        "-w",
        "-t",
        "60",
        "start",
      ]);
    } catch (error) {
      const log = await readFile(logFile, "utf8").catch(() => "(no server log)");
      throw new Error(`PostgreSQL did not start. Server log:\n${log}`, { cause: error });
    }
    // Vitest may exit without calling teardown (an interrupted run); a server
    // left behind would hold the port and the temp dir forever. pg_ctl puts
    // the server in a session of its own, so Ctrl-C does not reach it either.
    // Prepended: Vitest's own listeners call process.exit(), and once that
    // runs from an "exit" listener, the listeners after it never run.
    process.prependOnceListener("exit", stopServerAtExit);
    for (const signal of EXIT_SIGNALS) process.prependOnceListener(signal, stopServerOnSignal);
    return `postgres://postgres@127.0.0.1:${port}/postgres`;
  } catch (error) {
    // Report why setup failed, not a secondary failure while cleaning up.
    await stopServer(running).catch((cleanupError: unknown) =>
      console.warn("could not clean up the test PostgreSQL server:", cleanupError),
    );
    throw error;
  }
}

async function stopServer(running: RunningServer): Promise<void> {
  removeExitListeners();
  server = undefined;
  if (existsSync(join(running.dataDir, "postmaster.pid"))) {
    await run(join(running.binDir, "pg_ctl"), ["-D", running.dataDir, "-m", "fast", "-w", "stop"]);
  }
  await rm(running.tempDir, { recursive: true, force: true });
}

const EXIT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function removeExitListeners(): void {
  process.removeListener("exit", stopServerAtExit);
  for (const signal of EXIT_SIGNALS) process.removeListener(signal, stopServerOnSignal);
}

function stopServerOnSignal(signal: NodeJS.Signals): void {
  stopServerAtExit();
  // Listening for a signal replaces Node's default of exiting on it. When
  // nobody else (such as Vitest itself) handles it, deliver it again so the
  // process still ends the way it would have without this listener.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Last resort when the process ends without teardown; only synchronous work runs here. */
function stopServerAtExit(): void {
  const running = server;
  if (!running) return;
  server = undefined;
  removeExitListeners();
  try {
    const [command, args] = asServerUser(join(running.binDir, "pg_ctl"), [
      "-D",
      running.dataDir,
      "-m",
      "immediate",
      "-w",
      "stop",
    ]);
    execFileSync(command, args, { stdio: "ignore" });
    rmSync(running.tempDir, { recursive: true, force: true });
  } catch {
    // Nothing more can be done while the process exits.
  }
}

function mustSwitchUser(): boolean {
  return process.getuid?.() === 0;
}

function postgresUser(): { uid: number; gid: number } {
  // `id` rather than parsing /etc/passwd, so NSS-provided users work too.
  const id = (flag: string): number =>
    Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch (error) {
    throw new Error(
      `running as ${userInfo().username}, PostgreSQL needs the "postgres" user, which does not exist`,
      { cause: error },
    );
  }
}

async function run(command: string, args: string[]): Promise<void> {
  const [file, fileArgs] = asServerUser(command, args);
  try {
    await execFileAsync(file, fileArgs, { timeout: 120_000 });
  } catch (error) {
    const stderr =
      error instanceof Error && "stderr" in error && typeof error.stderr === "string"
        ? error.stderr.trim()
        : "";
    throw new Error(`${command} ${args.at(-1) ?? ""} failed${stderr ? `: ${stderr}` : ""}`, {
      cause: error,
    });
  }
}

/** The command line that runs `command` as the user PostgreSQL accepts. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (!mustSwitchUser()) return [command, args];
  const runuser = findExecutable("runuser");
  if (runuser) return [runuser, ["-u", "postgres", "--", command, ...args]];
  return ["su", ["postgres", "-s", "/bin/sh", "-c", [command, ...args].map(shellQuote).join(" ")]];
}

function findExecutable(name: string): string | undefined {
  // runuser lives in /usr/sbin, which is often missing from PATH in containers.
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"];
  return dirs.map((dir) => join(dir, name)).find((path) => path !== name && existsSync(path));
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A port free right now; the tiny race with other processes is acceptable for tests. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("could not determine a free port"));
      });
    });
  });
}
