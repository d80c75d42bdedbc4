import { beforeAll, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

/** Participants in the network, the root included. */
const NETWORK = 10_000;
/** Recruits below the first direct recruit: enough for a second page under them too. */
const GRANDCHILDREN = 150;
const DIRECT = NETWORK - 1 - GRANDCHILDREN;
/** The console fetches and renders this many recruits per page. */
const PAGE = 100;
/** Elements the whole page may hold with a page of recruits shown: far fewer than one per participant. */
const MAX_ELEMENTS = 3_000;

/** "9,749" in the browser's locale, which may group digits differently. */
const count = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, "[,. \u00a0\u202f]?");

describeInBrowser("the downline tree of a 10,000-participant network", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  let programId = "";
  let rootId = "";

  beforeAll(async () => {
    const program = await server.call<{ id: string }>("POST", "/v1/programs", {
      name: "Big network",
      currency: "USD",
    });
    expect(program.status).toBe(201);
    programId = program.body.id;
    const root = await server.call<{ id: string }>(
      "POST",
      `/v1/programs/${programId}/participants`,
      { externalId: "root", name: "Root Sponsor" },
    );
    expect(root.status).toBe(201);
    rootId = root.body.id;
    // Set-based, as a bulk import would: enrolling 9,999 participants one
    // request at a time would take minutes. Ids keep the API's shape
    // (par_ + 26 characters) so its cursors accept them, and sort by number,
    // so r-00001 is the first recruit listed. The first recruit sponsors the
    // last GRANDCHILDREN participants; the root sponsors everyone else.
    await server.db.query(
      `insert into participants
         (program_id, id, external_id, status, sponsor_id, ancestors, referral_code)
       select $1, 'par_' || lpad(n::text, 26, '0'), 'r-' || lpad(n::text, 5, '0'), 'active',
              case when n <= $3 then $2 else 'par_' || lpad('1', 26, '0') end,
              case when n <= $3 then array[$2] else array['par_' || lpad('1', 26, '0'), $2] end,
              'BIGNET' || lpad(n::text, 5, '0')
       from generate_series(1, $4::int) as n`,
      [programId, rootId, DIRECT, NETWORK - 1],
    );
    const rows = await server.db.query<{ n: number }>(
      "select count(*)::int as n from participants where program_id = $1",
      [programId],
    );
    expect(rows[0]?.n).toBe(NETWORK);
    page = await browser().newPage({ viewport: { width: 1024, height: 800 } });
  });

  let downline: Locator;

  it("signs in and shows the root's first page of recruits, and no more", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Program", { exact: true }).selectOption({ label: "Big network" });
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.goto(`${server.url}/admin/participants/${rootId}`);
    await page.getByRole("heading", { name: "Root Sponsor" }).waitFor();
    downline = page.getByRole("region", { name: "Downline" });
    // The page may put its sections behind tabs; the tree is mounted once its tab is chosen.
    const tab = page.getByRole("tab", { name: "Downline" });
    if ((await tab.count()) > 0) await tab.click();
    await downline.getByRole("link", { name: "r-00001", exact: true }).waitFor();
    await eventually(() => downline.locator("li").count()).toBe(PAGE);
    await eventually(() => downline.getByRole("link", { name: "r-00101" }).count()).toBe(0);
    await downline
      .getByRole("button", { name: new RegExp(`^Show more \\(${count(DIRECT - PAGE)} left\\)$`) })
      .waitFor();
  });

  // How fast it is belongs to the benchmarks; what keeps it from freezing is
  // that the page never holds more than a page of rows per open sponsor.
  it("keeps the page small while the tree is shown, and answers clicks", async () => {
    const elements = await page.evaluate(() => document.querySelectorAll("*").length);
    expect(elements).toBeLessThan(MAX_ELEMENTS);
    const collapse = downline.getByRole("button", { name: "Collapse r-00002" });
    await downline.getByRole("button", { name: "Expand r-00002" }).click();
    await eventually(() => collapse.getAttribute("aria-expanded")).toBe("true");
    await downline.getByText("No recruits.").waitFor();
    await collapse.click();
    await eventually(() => downline.getByText("No recruits.").count()).toBe(0);
  });

  it("loads the next page on Show more, moving focus to the first new row", async () => {
    await downline.getByRole("button", { name: /^Show more \(/ }).click();
    await downline.getByRole("link", { name: "r-00200", exact: true }).waitFor();
    await eventually(() => downline.locator("li").count()).toBe(2 * PAGE);
    await eventually(() => downline.getByRole("link", { name: "r-00201" }).count()).toBe(0);
    await downline
      .getByRole("button", {
        name: new RegExp(`^Show more \\(${count(DIRECT - 2 * PAGE)} left\\)$`),
      })
      .waitFor();
    await page.waitForFunction(
      () => document.activeElement?.getAttribute("aria-label") === "Expand r-00101",
    );
  });

  it("expands a big sponsor one level at a time from the keyboard, a page at a time", async () => {
    const expand = downline.getByRole("button", { name: "Expand r-00001" });
    await expand.focus();
    await page.keyboard.press("Enter");
    await eventually(() =>
      downline.getByRole("button", { name: "Collapse r-00001" }).getAttribute("aria-expanded"),
    ).toBe("true");
    const under = downline.getByRole("listitem").filter({
      has: page.getByRole("link", { name: "r-00001", exact: true }),
    });
    const more = under.getByRole("button", {
      name: `Show more (${GRANDCHILDREN - PAGE} left) under r-00001`,
    });
    await more.waitFor();
    // Only the first level under r-00001 is fetched; their own recruits wait for a click.
    await eventually(() => downline.locator("li").count()).toBe(3 * PAGE);
    await more.focus();
    await page.keyboard.press("Enter");
    await downline.getByRole("link", { name: `r-0${NETWORK - 1}`, exact: true }).waitFor();
    await eventually(() => more.count()).toBe(0);
    await eventually(() => downline.locator("li").count()).toBe(2 * PAGE + GRANDCHILDREN);
    const first = NETWORK - GRANDCHILDREN + PAGE;
    await page.waitForFunction(
      (label) => document.activeElement?.getAttribute("aria-label") === label,
      `Expand r-0${first}`,
    );
  });
});
