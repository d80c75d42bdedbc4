// A real browser for the end-to-end tests (see chromium.ts). Without
// chromium the suites say plainly that they were skipped.
import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

/**
 * An assertion on something the page shows, retried until it holds (or ten
 * seconds pass): the page renders after the action that changed it, so a
 * single read can come too early on a busy machine.
 */
export function eventually<T>(read: () => Promise<T>) {
  return expect.poll(read, { timeout: 10_000, interval: 50 });
}

/** The message a control points at with aria-describedby: what a screen reader reads with it. */
export async function descriptionOf(control: Locator): Promise<string> {
  const id = await control.getAttribute("aria-describedby");
  if (!id) return "";
  return (await control.page().locator(`#${id}`).textContent()) ?? "";
}
