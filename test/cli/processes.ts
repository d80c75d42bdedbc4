// The `laurel` command as a child process, with the environment a test gives
// it (test/support/cli.ts always runs it on an embedded database).
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { root } from "../support/walkthrough.ts";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of the test run without what would point laurel at a database or port. */
export function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base))
    if (name === "DATABASE_URL" || name === "PORT" || name === "HOST" || name.startsWith("LAUREL_"))
      delete base[name];
  return { ...base, ...env };
}

/** Runs `laurel ARGS` to its end with `env` added to a clean environment. */
export function runLaurel(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "bin/laurel.js"), ...args],
      { env: cleanEnv(env), cwd: root },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export interface Serving {
  readonly port: number;
  readonly url: string;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, and its exit code once it has exited. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash or the OOM killer would end it: nothing is cleaned up. Resolves once it is gone. */
  kill(): Promise<void>;
}

/** Starts `laurel serve` on a free port; resolves once it says it listens, rejects if it exits first. */
export async function startServe(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<Serving> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, "bin/laurel.js"), "serve"], {
    env: cleanEnv({ PORT: String(port), ...env }),
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const serving: Serving = {
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => ({ stdout, stderr }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`laurel serve did not start within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.on("data", () => {
      if (!stdout.includes("Laurel is listening")) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`laurel serve exited (${code}) before listening:\n${stdout}\n${stderr}`));
    });
  });
  await listening;
  return serving;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address !== "object") throw new Error("no free port");
  return address.port;
}
