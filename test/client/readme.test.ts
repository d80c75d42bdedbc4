import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLaurelClient } from "../../src/client/index.ts";
import { root, startServer, WALKTHROUGH_KEY, type Server } from "../support/walkthrough.ts";

const run = promisify(execFile);

/** The README's TypeScript example, as a reader would copy it. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## From TypeScript"), readme.indexOf("## Commands"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("README.md has no ```ts block under From TypeScript");
  return block;
}

/**
 * A project laid out as the README says: the example beside a copy of
 * src/client as laurel/. It lives under node_modules/.cache so that
 * openapi-fetch resolves the way an installed one would.
 */
async function readerProject(): Promise<string> {
  await mkdir(join(root, "node_modules/.cache"), { recursive: true });
  const dir = await mkdtemp(join(root, "node_modules/.cache/laurel-readme-"));
  await mkdir(join(dir, "laurel"));
  for (const file of ["index.ts", "schema.ts"])
    await copyFile(join(root, "src/client", file), join(dir, "laurel", file));
  await writeFile(join(dir, "example.ts"), await readmeExample());
  await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  await writeFile(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        allowImportingTsExtensions: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
      },
      files: ["example.ts"],
    }),
  );
  return dir;
}

describe("the README's TypeScript example", () => {
  let server: Server;
  let project: string;
  beforeAll(async () => {
    [server, project] = await Promise.all([startServer(), readerProject()]);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("compiles, and answers as its comments say after the curl session's order", async () => {
    const compiled = await run(process.execPath, [
      join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      project,
    ]).then(
      () => "",
      (failed: { stdout?: string }) => failed.stdout ?? String(failed),
    );
    expect(compiled, "the example does not compile against src/client").toBe("");

    // The state the curl session above it leaves: Ana (code ANA10) earned 900 on order-1001.
    const baseUrl = `http://localhost:${server.port}`;
    const laurel = createLaurelClient({ baseUrl, key: WALKTHROUGH_KEY });
    const program = await laurel.POST("/v1/programs", {
      body: {
        name: "Ambassadors",
        currency: "USD",
        commission: { rate: { percent: 10 }, bySku: { SHIRT: { percent: 20 } } },
      },
    });
    if (!program.data) throw new Error(JSON.stringify(program.error));
    const programId = program.data.id;
    const ana = await laurel.POST("/v1/programs/{programId}/participants", {
      params: { path: { programId } },
      body: { externalId: "amb-42", name: "Ana", referralCode: "ANA10" },
    });
    if (!ana.data) throw new Error(JSON.stringify(ana.error));
    await laurel.POST("/v1/programs/{programId}/events", {
      params: { path: { programId } },
      body: {
        type: "order",
        id: "order-1001",
        occurredAt: "2026-11-20T10:00:00Z",
        code: "ANA10",
        items: [{ sku: "SHIRT", quantity: 2, unitAmount: 2500 }],
        discount: 500,
        currency: "USD",
      },
    });

    const { stdout } = await run(
      process.execPath,
      [join(root, "bin/run-ts.js"), join(project, "example.ts")],
      {
        env: {
          ...process.env,
          LAUREL_URL: baseUrl,
          LAUREL_KEY: WALKTHROUGH_KEY,
          PROGRAM: programId,
          ANA: ana.data.id,
        },
      },
    );
    expect(stdout).toBe("processed\n1400\n");
  }, 60_000);
});
