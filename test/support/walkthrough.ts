import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

// Documentation that shows curl sessions is run as written, against
// `laurel serve` started the way the page starts it.
const run = promisify(execFile);
export const root = new URL("../..", import.meta.url).pathname;
export const WALKTHROUGH_KEY = "dev-admin-key-change-me";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

export interface Server {
  port: number;
  stop(): Promise<void>;
}

/**
 * `laurel serve` on a new embedded database and a free port, as
 * `LAUREL_ADMIN_KEY=… npm start` runs it, with the page's own settings
 * (`LAUREL_WEBHOOKS_ALLOW_PRIVATE=true …`) besides.
 */
export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const dataDir = await mkdtemp(join(tmpdir(), "laurel-walkthrough-"));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(root, "bin/laurel.js"), "serve"], {
    env: {
      ...process.env,
      LAUREL_DATA: dataDir,
      PORT: String(port),
      LAUREL_ADMIN_KEY: WALKTHROUGH_KEY,
      HOST: "127.0.0.1",
      ...env,
    },
    stdio: "ignore",
  });
  const stop = async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 120; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { port, stop };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error("laurel serve did not answer /health within a minute");
}

/**
 * Runs the ```sh blocks of a markdown file (between two headings, when given)
 * in one bash session, except the block that starts the server; returns what
 * they printed.
 */
export async function runWalkthrough(
  file: string,
  port: number,
  section?: { from: string; to: string },
): Promise<string> {
  const text = await readFile(join(root, file), "utf8");
  const part = section ? text.slice(text.indexOf(section.from), text.indexOf(section.to)) : text;
  const blocks = [...part.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const script = ["set -euo pipefail", ...blocks.filter((b) => !b.includes("npm start"))]
    .join("\n")
    .replaceAll("localhost:3000", `localhost:${port}`);
  const { stdout } = await run("bash", ["-c", script], { cwd: root });
  return stdout;
}
