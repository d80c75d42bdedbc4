import { spawn, execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The README's walk-through is what a newcomer runs first; this runs it as
// written, against `laurel serve` started the way the README starts it.
const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
const KEY = "dev-admin-key-change-me";

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

/** The shell blocks of the walk-through, minus the one that starts the server. */
async function walkthrough(port: number): Promise<string> {
  const readme = await readFile(join(root, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("## Five minutes with curl"),
    readme.indexOf("## Commands"),
  );
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return ["set -euo pipefail", ...blocks.filter((b) => !b.includes("npm start"))]
    .join("\n")
    .replaceAll("localhost:3000", `localhost:${port}`);
}

describe("the README walk-through", () => {
  let dataDir: string;
  let port: number;
  let server: ReturnType<typeof spawn>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "laurel-readme-"));
    port = await freePort();
    server = spawn(process.execPath, [join(root, "bin/laurel.js"), "serve"], {
      env: {
        ...process.env,
        LAUREL_DATA: dataDir,
        PORT: String(port),
        LAUREL_ADMIN_KEY: KEY,
        HOST: "127.0.0.1",
      },
      stdio: "ignore",
    });
    for (let i = 0; i < 120; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error("laurel serve did not answer /health within a minute");
  }, 90_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("works as written: Ana earns 900 and Sam 135 on the order with her code", async () => {
    const { stdout } = await run("bash", ["-c", await walkthrough(port)], { cwd: root });
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^prg_/);
    expect(stdout).toContain('"referralCode":"ANA10"');
    expect(stdout).toContain('"status":"processed"');
    expect(stdout).toContain(
      '{"points":{"pending":0,"available":0},"cash":{"currency":"USD","pending":900,"available":0,"paid":0}}',
    );
    expect(stdout).toContain('"amount":900,"status":"pending"');
    expect(stdout).toContain('"eventId":"order-1001"');
    expect(lines.at(-1)).toBe(
      '{"points":{"pending":0,"available":0},"cash":{"currency":"USD","pending":135,"available":0,"paid":0}}',
    );
  }, 60_000);
});
