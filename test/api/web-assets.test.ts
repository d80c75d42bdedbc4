// How the built web apps travel: scripts and styles compressed once at build
// time and sent as the browser accepts them, content-hashed assets cached for
// good while the shells are asked for again each time, a favicon wherever a
// browser looks for one, and a loading line in each shell before any script.
import { readFileSync } from "node:fs";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { WEB_DIR, registerWeb } from "../../src/api/web.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";

describe("the built web apps as served", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await registerWeb(app);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, encoding?: string) =>
    app.inject({
      method: "GET",
      url,
      headers: encoding === undefined ? {} : { "accept-encoding": encoding },
    });

  /** The assets a shell loads first: its entry script, what it preloads, its stylesheet. */
  async function assetsOf(shell: string): Promise<string[]> {
    const html = (await get(shell)).body;
    return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? "");
  }

  it("answers each shell uncached, with a loading status inside #root before its script runs", async () => {
    for (const [shell, words] of [
      ["/admin", "Loading Laurel Admin"],
      ["/portal", "Loading your portal"],
    ] as const) {
      const reply = await get(shell);
      expect(reply.statusCode).toBe(200);
      expect(reply.headers["cache-control"]).toBe("no-cache");
      const root = /<div id="root">([\s\S]*?)<\/div>\s*<\/div>/.exec(reply.body)?.[1] ?? "";
      expect(root).toContain('role="status"');
      expect(root).toContain(words);
      // The placeholder is styled by the built stylesheet: nothing inline for the CSP to refuse.
      expect(root).not.toMatch(/style=|<style|<script/);
      expect(reply.body).toContain('rel="icon" href="/favicon.svg"');
    }
  });

  it("sends a hashed script in brotli or gzip as accepted, each the same file, cached for a year", async () => {
    const scripts = (await assetsOf("/admin")).filter((path) => path.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const original = readFileSync(`${WEB_DIR}${script.slice(1)}`);
      const br = await get(script, "gzip, deflate, br");
      expect(br.statusCode).toBe(200);
      expect(br.headers["content-encoding"]).toBe("br");
      expect(br.headers["content-type"]).toMatch(/^(?:application|text)\/javascript/);
      expect(br.headers["cache-control"]).toBe(IMMUTABLE);
      expect(String(br.headers.vary)).toMatch(/accept-encoding/i);
      expect(brotliDecompressSync(br.rawPayload).equals(original)).toBe(true);
      expect(br.rawPayload.length).toBeLessThan(original.length);

      const gzip = await get(script, "gzip");
      expect(gzip.headers["content-encoding"]).toBe("gzip");
      expect(gzip.headers["cache-control"]).toBe(IMMUTABLE);
      expect(String(gzip.headers.vary)).toMatch(/accept-encoding/i);
      expect(gunzipSync(gzip.rawPayload).equals(original)).toBe(true);

      const plain = await get(script);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.headers["cache-control"]).toBe(IMMUTABLE);
      expect(plain.rawPayload.equals(original)).toBe(true);
    }
  });

  it("compresses the stylesheet too, and caches it as immutable", async () => {
    const [sheet] = (await assetsOf("/admin")).filter((path) => path.endsWith(".css"));
    expect(sheet).toBeDefined();
    const reply = await get(sheet ?? "", "br");
    expect(reply.headers["content-encoding"]).toBe("br");
    expect(reply.headers["content-type"]).toMatch(/^text\/css/);
    expect(reply.headers["cache-control"]).toBe(IMMUTABLE);
  });

  it("answers /favicon.ico with an icon and /favicon.svg with the same mark, revalidated", async () => {
    const ico = await get("/favicon.ico");
    expect(ico.statusCode).toBe(200);
    expect(ico.headers["content-type"]).toMatch(/^image\/(?:x-icon|vnd\.microsoft\.icon)/);
    // An ICO header (reserved 0, type 1 icon) holding one PNG image.
    expect([...ico.rawPayload.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
    expect(ico.rawPayload.subarray(22, 26).toString("latin1")).toBe("\x89PNG");
    expect(ico.headers["cache-control"]).toBe("no-cache");

    const svg = await get("/favicon.svg", "br");
    expect(svg.statusCode).toBe(200);
    expect(svg.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(brotliDecompressSync(svg.rawPayload).toString()).toMatch(/^<svg /);
  });

  it("still sends the unhashed widget to any origin, compressed and revalidated", async () => {
    const reply = await get("/widget.js", "br");
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["content-encoding"]).toBe("br");
    expect(reply.headers["access-control-allow-origin"]).toBe("*");
    expect(reply.headers["cache-control"]).toBe("no-cache");
    expect(brotliDecompressSync(reply.rawPayload).equals(readFileSync(`${WEB_DIR}widget.js`))).toBe(
      true,
    );
  });
});
