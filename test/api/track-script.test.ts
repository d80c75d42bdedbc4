import { webcrypto } from "node:crypto";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_COOKIE_DAYS } from "../../src/domain/program.ts";
import { createProgram, expectError, PUBLIC_URL, useApi, type Reply } from "../support/api.ts";
import { backends, describeEachBackend } from "../support/backends.ts";

const COOKIE_DAYS = 14;

describeEachBackend("the tracking script: GET /track.js?program={programId}", (backend) => {
  const api = useApi(backend);
  let programId = "";
  let served: Reply;

  beforeAll(async () => {
    programId = (await createProgram(api, { attribution: { cookieDays: COOKIE_DAYS } })).id;
    served = await api.call("GET", `/track.js?program=${programId}`, undefined, null);
  });

  it("is served as JavaScript to any origin, cached for a few minutes", () => {
    expect(served.status).toBe(200);
    expect(served.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(served.headers["cache-control"]).toBe("public, max-age=300");
    expect(served.headers["access-control-allow-origin"]).toBe("*");
    expect(served.headers["cross-origin-resource-policy"]).toBe("cross-origin");
  });

  it("carries the program's id, cookie window and Laurel's public URL", () => {
    expect(served.text).toContain(
      JSON.stringify({ programId, cookieDays: COOKIE_DAYS, apiBase: PUBLIC_URL }),
    );
  });

  it("carries the default cookie window for a program that sets none", async () => {
    const plain = (await createProgram(api, { name: "Plain" })).id;
    const reply = await api.call("GET", `/track.js?program=${plain}`, undefined, null);
    expect(reply.text).toContain(`"cookieDays":${DEFAULT_COOKIE_DAYS},`);
  });

  it("is under 3 KB gzipped", () => {
    expect(gzipSync(served.text).length).toBeLessThan(3 * 1024);
  });

  it("answers 404 in the error shape for an unknown program, so the shop's owner sees why", async () => {
    const reply = await api.call(
      "GET",
      "/track.js?program=prg_01JUNKNOWNUNKNOWNUNKNOWN00",
      undefined,
      null,
    );
    expectError(reply, 404, "not_found");
  });

  it("answers 400 without ?program=", async () => {
    expectError(await api.call("GET", "/track.js", undefined, null), 400, "invalid_request");
  });
});

// The limiter lives in the process, not the database: one backend says it all.
const pglite = backends.find((b) => b.name === "pglite");
if (!pglite) throw new Error("no PGlite backend");

describe("the tracking script and the rate limit", () => {
  const api = useApi(pglite, { rateLimits: { perCredential: 2, perAddress: 2 } });

  it("is never limited: every page view of a shop loads it", async () => {
    const programId = (await createProgram(api)).id;
    for (let i = 0; i < 5; i++)
      expect(
        (await api.call("GET", `/track.js?program=${programId}`, undefined, null)).status,
      ).toBe(200);
  });
});

/** A page of a shop, as much of one as the script touches, with its cookie jar. */
function shopPage(options: { url: string; cookies: boolean }) {
  const url = new URL(options.url);
  const written: string[] = [];
  const jar = new Map<string, string>();
  const requests: { url: string; body: unknown }[] = [];
  const refuse = () => {
    throw new Error("The operation is insecure.");
  };
  const document = {
    get cookie() {
      if (!options.cookies) return refuse();
      return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    },
    set cookie(line: string) {
      if (!options.cookies) refuse();
      written.push(line);
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    },
  };
  const location = {
    href: url.href,
    protocol: url.protocol,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
  };
  const page: Record<string, unknown> = {
    document,
    location,
    history: {
      state: null,
      replaceState: (_state: unknown, _title: string, to: string) => {
        const next = new URL(to, url);
        location.search = next.search;
        location.href = next.href;
      },
    },
    crypto: webcrypto,
    URLSearchParams,
    fetch: async (to: string, init: { body: string }) => {
      requests.push({ url: to, body: JSON.parse(init.body) });
      throw new TypeError("Failed to fetch");
    },
  };
  page.window = page;
  return { page, written, location, requests };
}

describe("the tracking script on a page", () => {
  let script = "";

  const api = useApi(pglite);
  beforeAll(async () => {
    const programId = (await createProgram(api, { attribution: { cookieDays: COOKIE_DAYS } })).id;
    script = (await api.call("GET", `/track.js?program=${programId}`, undefined, null)).text;
  });

  it("keeps ?lrl_vid= in a laurel_vid cookie for the cookie window (Secure on https), then drops it from the address", () => {
    const shop = shopPage({
      url: "https://shop.example.com/welcome?utm_source=ana&lrl_vid=v_abc-1#reviews",
      cookies: true,
    });
    runInNewContext(script, shop.page);
    expect(shop.written).toEqual([
      `laurel_vid=v_abc-1; path=/; max-age=${COOKIE_DAYS * 86_400}; SameSite=Lax; Secure`,
    ]);
    expect(shop.location.href).toBe("https://shop.example.com/welcome?utm_source=ana#reviews");
    const track = shop.page.LaurelTrack as { visitorId(): string | null };
    expect(track.visitorId()).toBe("v_abc-1");
  });

  it("never throws into a page that refuses cookies, where it has no visitor", () => {
    const shop = shopPage({
      url: "http://shop.example.com/?via=ANA42&lrl_vid=v_abc-2",
      cookies: false,
    });
    expect(() => runInNewContext(script, shop.page)).not.toThrow();
    const track = shop.page.LaurelTrack as { visitorId(): string | null };
    expect(track.visitorId()).toBeNull();
    expect(shop.requests).toEqual([
      {
        url: expect.stringMatching(/\/v1\/track\/prg_\w+\/clicks$/),
        body: { code: "ANA42", visitorId: "v_abc-2" },
      },
    ]);
  });
});
