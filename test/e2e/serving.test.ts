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
    await eventually(() => page.getByRole("heading", { level: 1 }).textContent()).toMatch(/Laurel/);
    const widget = await fetch(`${server.url}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get("access-control-allow-origin")).toBe("*");
    await page.close();
  });
});
