// A real browser for the end-to-end tests: Debian's chromium driven by
// playwright-core, never a downloaded browser. Without chromium the suites
// say plainly that they were skipped.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { describe, it } from "vitest";

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
export async function launchBrowser(): Promise<Browser & { cleanUp(): Promise<void> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  return Object.assign(browser, {
    async cleanUp() {
      await browser.close();
    },
  });
}

/** A describe block that runs only with chromium installed, and says so when it is not. */
export function describeInBrowser(name: string, fn: () => void): void {
  if (chromiumAvailable) {
    describe(name, fn);
    return;
  }
  describe(name, () => {
    it("did not run: chromium is not installed", () => {
      console.warn(
        `"${name}" was skipped because ${CHROMIUM} is not installed (install Debian's chromium)`,
      );
    });
  });
}
