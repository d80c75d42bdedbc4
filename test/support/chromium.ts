// Debian's chromium driven by playwright-core, never a downloaded browser;
// free of vitest, so scripts (npm run screenshots) launch it the same way.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.LAUREL_CHROMIUM ?? "/usr/bin/chromium";
export const chromiumAvailable = existsSync(CHROMIUM);

/**
 * Flags for a closed network and a root user: no sandbox (root), and none of
 * the background connections Chromium would otherwise try and have refused.
 */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless chromium; playwright gives it a new empty profile of its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
