import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlSocketOf } from "../../src/cli/control-socket.ts";
import { laurel } from "../support/cli.ts";
import { root } from "../support/walkthrough.ts";

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("laurel commands while laurel serve holds the embedded database", () => {
  let dataDir = "";
  let port = 0;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "laurel-control-"));
    port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, LAUREL_DATA: dataDir, PORT: String(port) };
    delete env.DATABASE_URL;
    const started = spawn(process.execPath, [join(root, "bin/laurel.js"), "serve"], {
      env,
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server = started;
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      started.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("Laurel is listening")) resolve();
      });
      started.once("exit", (code) => reject(new Error(`laurel serve exited (${code}): ${seen}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((resolve) => server?.once("exit", resolve));
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it("are run by the server: the demo's numbers and a new key show in the running API", async () => {
    const demo = await laurel(dataDir, "demo");
    expect(demo).toMatchObject({ code: 0, stdout: expect.stringContaining("/portal#token=") });
    const created = await laurel(dataDir, "keys", "create", "--brand", "demo");
    expect(created.code).toBe(0);
    const key = created.stdout.trim().split("\n").at(-1) ?? "";
    const programs = await fetch(`http://127.0.0.1:${port}/v1/programs`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(programs.status).toBe(200);
    const [program] = ((await programs.json()) as { items: { id: string; name: string }[] }).items;
    expect(program?.name).toBe("Demo Ambassadors");
    const summary = await fetch(
      `http://127.0.0.1:${port}/v1/programs/${program?.id}/reports/summary`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    expect(((await summary.json()) as { orders: number }).orders).toBeGreaterThan(0);
  });

  it("report the server's answer and exit code for a mistake", async () => {
    const unknown = await laurel(
      dataDir,
      "portal-link",
      "--program",
      "prg_nope",
      "--participant",
      "x",
    );
    expect(unknown).toMatchObject({ code: 1, stderr: "there is no program prg_nope\n" });
  });

  it("run in their own process again once the server has stopped", async () => {
    server?.kill("SIGTERM");
    await new Promise((resolve) => server?.once("exit", resolve));
    expect(existsSync(controlSocketOf(dataDir))).toBe(false);
    const listed = await laurel(dataDir, "keys", "list", "--brand", "demo");
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split("\n")).toHaveLength(2);
  });
});
