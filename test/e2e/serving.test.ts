import { expect, it } from "vitest";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

describeInBrowser("the web apps are served by laurel serve", () => {
  const server = useWebServer();
  const browser = useBrowser();

  it("serves /admin and /portal as single-page apps, and /widget.js to any origin", async () => {
    const page = await browser().newPage();
    await page.goto(`${server.url}/admin/participants/par_123`);
    await eventually(() => page.getByRole("heading", { level: 1 }).textContent()).toMatch(/Laurel/);
    await page.goto(`${server.url}/portal`);
    await eventually(() => page.getByRole("heading", { level: 1 }).textContent()).toMatch(
      /portal/i,
    );
    const widget = await fetch(`${server.url}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get("access-control-allow-origin")).toBe("*");
    await page.close();
  });

  it("shows each shell's loading status, styled, before any script has arrived", async () => {
    for (const [path, words] of [
      ["/admin", "Loading Laurel Admin…"],
      ["/portal", "Loading your portal…"],
    ] as const) {
      const page = await browser().newPage({ viewport: { width: 375, height: 800 } });
      // Scripts held back as on a slow connection: what the page shows meanwhile is the shell.
      await page.route("**/assets/*.js", (route) => route.abort());
      await page.goto(`${server.url}${path}`);
      const status = page.getByRole("status");
      expect(await status.textContent()).toContain(words);
      // The built stylesheet applies to it (no inline style, so the CSP has nothing to refuse).
      expect(await status.evaluate((element) => getComputedStyle(element).display)).toBe("flex");
      await page.close();
    }
  });

  it("gives the browser a favicon for every page, the console's and the portal's", async () => {
    const page = await browser().newPage();
    const icons: number[] = [];
    page.on("response", (response) => {
      if (/\/favicon\.(?:ico|svg)$/.test(response.url())) icons.push(response.status());
    });
    await page.goto(`${server.url}/admin`);
    const href = await page.locator('link[rel="icon"][type="image/svg+xml"]').getAttribute("href");
    expect(href).toBe("/favicon.svg");
    const svg = await fetch(`${server.url}${href ?? ""}`);
    expect(svg.status).toBe(200);
    expect((await fetch(`${server.url}/favicon.ico`)).status).toBe(200);
    await eventually(async () => icons.length).toBeGreaterThan(0);
    expect(icons.every((status) => status === 200)).toBe(true);
    await page.close();
  });
});
