#!/usr/bin/env node
// Builds the web apps (admin console, portal, widget) into dist/web when they
// are missing or older than their sources, so `npm start` and the browser
// tests always serve what web/ holds. `--force` builds regardless.
//
// Each file the build writes is also written gzipped (.gz) and in brotli
// (.br), at their highest levels since this happens once per build, and the
// server answers whichever the browser accepts (src/api/web.ts).
import { spawnSync } from "node:child_process";
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { faviconIco, faviconSvg } from "./favicon.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/web");
const stamp = join(out, ".built");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

const sources = Math.max(
  newestMtime(join(root, "web")),
  statSync(join(root, "package-lock.json")).mtimeMs,
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
  statSync(join(root, "bin/favicon.js")).mtimeMs,
);
const fresh = existsSync(stamp) && statSync(stamp).mtimeMs >= sources;
if (fresh && !process.argv.includes("--force")) process.exit(0);

console.error("Building the web apps (admin console, portal, widget)...");
// Files older than this are earlier builds' assets, kept for pages still open
// on them; they were compressed when they were written.
const started = Date.now() - 1000;
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
writeFileSync(join(out, "favicon.svg"), faviconSvg);
writeFileSync(join(out, "favicon.ico"), faviconIco());

// The shells are answered by the server with a nonce, never from the disk.
const COMPRESSIBLE = /\.(?:js|css|svg|json)$/;
for (const path of filesUnder(out)) {
  if (!COMPRESSIBLE.test(path) || statSync(path).mtimeMs < started) continue;
  const content = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(content, { level: 9 }));
  writeFileSync(
    `${path}.br`,
    brotliCompressSync(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    }),
  );
}
writeFileSync(stamp, new Date().toISOString());
// Dated when the build began: a source saved while it ran is newer, and builds again next time.
utimesSync(stamp, started / 1000, started / 1000);
