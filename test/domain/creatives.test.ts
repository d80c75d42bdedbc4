import { describe, expect, it } from "vitest";
import {
  creativeIdFrom,
  embedHtml,
  fillPlaceholders,
  safeFileName,
  unknownPlaceholders,
} from "../../src/domain/creatives.ts";

describe("a text creative's placeholders", () => {
  it.each([
    ["Shop: {link}", []],
    ["{link} {code} {link}", []],
    ["Use {coupon} or {discount} or {coupon}", ["coupon", "discount"]],
    ['JSON such as {"a": 1} and { spaced } is text', []],
    ["{Link} is not {link}", ["Link"]],
  ])("in %j, the unknown ones are %j", (text, unknown) => {
    expect(unknownPlaceholders(text)).toEqual(unknown);
  });

  it("fills every {link} and {code}, and leaves other braces as written", () => {
    expect(
      fillPlaceholders('{link} / {code} / {code} / {"x": 1}', {
        link: "https://l.test/r/ANA",
        code: "ANA",
      }),
    ).toBe('https://l.test/r/ANA / ANA / ANA / {"x": 1}');
  });

  it("does not read a filled value as a placeholder again", () => {
    expect(fillPlaceholders("{link}", { link: "{code}", code: "ANA" })).toBe("{code}");
  });
});

describe("the name a file is served under", () => {
  it.each([
    ["Spring Banner!.PNG", "png", "spring-banner.png"],
    ["banner.png", "pdf", "banner.pdf"],
    ["Été à Paris.jpeg", "jpg", "ete-a-paris.jpg"],
    ["../../etc/passwd", "png", "passwd.png"],
    ["C:\\fakepath\\banner.webp", "webp", "banner.webp"],
    ["....", "gif", "creative.gif"],
    ['"quoted"; name=evil.png', "png", "quoted-name-evil.png"],
  ])("%j with type .%s is %j", (uploaded, extension, served) => {
    expect(safeFileName(uploaded, extension)).toBe(served);
  });
});

describe("a banner's embed HTML", () => {
  it("escapes the link, the image URL and the name", () => {
    expect(
      embedHtml('https://l.test/r/A?x=1&y="2"', "https://l.test/c/1/b.png", "<b>Tom's</b>"),
    ).toBe(
      '<a href="https://l.test/r/A?x=1&amp;y=&quot;2&quot;"><img src="https://l.test/c/1/b.png" alt="&lt;b&gt;Tom&#39;s&lt;/b&gt;"></a>',
    );
  });
});

describe("a creative's id", () => {
  it("starts with the time, so ids sort in creation order, then 128 random bits", () => {
    const early = creativeIdFrom(1_000, new Uint8Array(16).fill(255));
    const late = creativeIdFrom(2_000, new Uint8Array(16));
    expect(early).toMatch(/^cre_[0-9A-Z]{36}$/);
    expect(early < late).toBe(true);
    expect(creativeIdFrom(1_000, new Uint8Array(16))).not.toBe(early);
  });
});
