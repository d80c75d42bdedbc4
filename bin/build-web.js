#!/usr/bin/env node
// Builds the web apps (admin console, portal, widget) into dist/web when they
// are missing or older than their sources, so `npm start` and the browser
// tests always serve what web/ holds. `--force` builds regardless.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "dist/web/.built");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const sources = Math.max(
  newestMtime(join(root, "web")),
  statSync(join(root, "package-lock.json")).mtimeMs,
);
const fresh = existsSync(stamp) && statSync(stamp).mtimeMs >= sources;
if (fresh && !process.argv.includes("--force")) process.exit(0);

console.error("Building the web apps (admin console, portal, widget)...");
const vite = join(root, "node_modules/vite/bin/vite.js");
for (const config of ["web/vite.config.ts", "web/vite.widget.config.ts"]) {
  const run = spawnSync(
    process.execPath,
    [vite, "build", "--config", config, "--logLevel", "warn"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  if (run.status !== 0) process.exit(run.status ?? 1);
}
writeFileSync(stamp, new Date().toISOString());
