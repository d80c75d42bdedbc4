// A real browser for the end-to-end tests (see chromium.ts). Without
// chromium the suites say plainly that they were skipped.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { CHROMIUM, chromiumAvailable, launchBrowser } from "./chromium.ts";

/**
 * One browser for the calling describe block: launched before its tests (and
 * before the block's own beforeAll hooks, registered after this), closed after.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("the browser was used before beforeAll launched it");
    return browser;
  };
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
