import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Starts one throwaway PostgreSQL server for the whole run (see the file).
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    // Opening a database and migrating it happens in hooks and can be slow on a cold PGlite.
    hookTimeout: 60_000,
    // PGlite is WebAssembly with a large heap; child processes isolate it more
    // reliably than worker threads.
    pool: "forks",
    // Two at a time even on two cores: much of a test waits on a browser, a
    // database server or a child process, so a second file fills that time.
    // One worker (the default there) takes about twice as long.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
