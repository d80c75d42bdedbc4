import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/engine/markdown.ts";
import { myTermsOf } from "../../src/engine/terms.ts";

const published = (version: number) => ({
  version,
  body: `Version ${version}.`,
  updatedAt: new Date("2026-11-01T00:00:00Z"),
});
const acceptedAt = new Date("2026-11-02T00:00:00Z");

describe("whether a participant must accept the program's terms", () => {
  it.each([
    { current: null, accepted: null, mustAccept: false, why: "no terms ask nothing" },
    { current: 1, accepted: null, mustAccept: true, why: "terms never accepted" },
    { current: 1, accepted: 1, mustAccept: false, why: "the version in force accepted" },
    { current: 3, accepted: 2, mustAccept: true, why: "a newer version since" },
  ])("$why: current $current, accepted $accepted -> $mustAccept", (row) => {
    const terms = myTermsOf(row.current === null ? null : published(row.current), {
      termsVersion: row.accepted,
      termsAcceptedAt: row.accepted === null ? null : acceptedAt,
    });
    expect(terms.mustAccept).toBe(row.mustAccept);
    expect(terms.acceptedVersion).toBe(row.accepted);
  });
});

describe("terms rendered for a page", () => {
  it("renders Markdown's headings, emphasis, lists and links", () => {
    expect(renderMarkdown("# Rules\n\n- **Be** kind\n- [Read more](https://example.com)")).toBe(
      '<h1>Rules</h1>\n<ul>\n<li><strong>Be</strong> kind</li>\n<li><a href="https://example.com">Read more</a></li>\n</ul>\n',
    );
  });

  it("shows raw HTML as text, so the brand's words never become markup", () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain("&lt;script&gt;");
  });

  it("makes no link of javascript: or data: addresses", () => {
    for (const href of ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4="])
      expect(renderMarkdown(`[click](${href})`)).not.toContain("<a ");
  });
});
