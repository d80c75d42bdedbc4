// Starts one throwaway PostgreSQL server for the whole test run, so every test
// can run against real PostgreSQL as well as PGlite, and builds the web apps.
import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { findBinDir, startServer, stopStartedServer } from "./throwaway-postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of a PostgreSQL server for tests, or null when none is available. */
    postgresUrl: string | null;
  }
}

const NOT_FOUND_MESSAGE =
  "PostgreSQL not found (install Debian's postgresql): tests on real PostgreSQL are skipped";

export async function setup(project: TestProject): Promise<void> {
  // The browser tests and servers started by tests serve the built web apps:
  // build them once, before any test file runs, when web/ changed.
  execFileSync(process.execPath, ["bin/build-web.js"], { stdio: "inherit" });
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide("postgresUrl", external);
    return;
  }
  const binDir = await findBinDir();
  if (!binDir) {
    console.warn(NOT_FOUND_MESSAGE);
    project.provide("postgresUrl", null);
    return;
  }
  project.provide("postgresUrl", await startServer(binDir));
}

export async function teardown(): Promise<void> {
  await stopStartedServer();
}
