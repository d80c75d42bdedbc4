// The security headers of every kind of response Laurel sends: the pages'
// strict Content-Security-Policy, the looser one Swagger UI needs at /docs
// alone, what storefronts on other origins load, and the JSON API.
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { registerWeb, servePage } from "../../src/api/web.ts";
import { createProgram, expectStatus, useApi, type Reply } from "../support/api.ts";
import { backends } from "../support/backends.ts";

/** A Content-Security-Policy header as its directives, each with its sources. */
function policyOf(reply: { headers: Reply["headers"] }): Map<string, string[]> {
  const header = String(reply.headers["content-security-policy"] ?? "");
  const directives = new Map<string, string[]>();
  for (const part of header.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name, sources);
  }
  return directives;
}

/** The page policy with the response's nonces, as the header names them. */
function strictPage(nonces: { script: string; style: string }) {
  return new Map([
    ["default-src", ["'self'"]],
    ["script-src", ["'self'", `'nonce-${nonces.script}'`]],
    ["script-src-attr", ["'none'"]],
    ["style-src", ["'self'", `'nonce-${nonces.style}'`]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'self'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
    // A brand's logo lives on its own site: images, which run nothing, may come from any https origin.
    ["img-src", ["'self'", "https:"]],
  ]);
}

/** The nonces a page's policy allows, each a fresh random value. */
function noncesOf(reply: { headers: Reply["headers"] }): { script: string; style: string } {
  const nonce = (directive: string) =>
    /^'nonce-([0-9a-f]{32})'$/.exec(policyOf(reply).get(directive)?.[1] ?? "")?.[1] ?? "";
  return { script: nonce("script-src"), style: nonce("style-src") };
}

/** What every response carries, whatever it is. */
function expectBaseHeaders(reply: Reply): void {
  expect(reply.headers).toMatchObject({
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "strict-transport-security": expect.stringMatching(/^max-age=\d+/),
    "cross-origin-opener-policy": "same-origin",
  });
  expect(reply.headers["x-powered-by"]).toBeUndefined();
  const policy = policyOf(reply);
  expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  // Reached over plain http on a LAN, an upgrade would point every request at an https that is not there.
  expect(policy.has("upgrade-insecure-requests")).toBe(false);
}

const pglite = backends.find((b) => b.name === "pglite");
if (!pglite) throw new Error("no PGlite backend");

describe("security headers", () => {
  const api = useApi(pglite);

  it.each(["/admin", "/admin/participants/par_123", "/portal", "/portal/anything"])(
    "%s gets the strict page policy: no inline script or style, not framed, nothing but its own origin (and https images)",
    async (url) => {
      const reply = await api.call("GET", url, undefined, null);
      expectStatus(reply, 200);
      expect(String(reply.headers["content-type"])).toContain("text/html");
      expectBaseHeaders(reply);
      const nonces = noncesOf(reply);
      expect(nonces.script).not.toBe("");
      expect(policyOf(reply)).toEqual(strictPage(nonces));
      expect(reply.headers["cross-origin-resource-policy"]).toBe("same-origin");
    },
  );

  it("gives each page fresh nonces, and the shell's one inline script the script nonce", async () => {
    const first = await api.call("GET", "/admin", undefined, null);
    const second = await api.call("GET", "/admin", undefined, null);
    const nonces = noncesOf(first);
    expect(noncesOf(second).script).not.toBe(nonces.script);
    expect(noncesOf(second).style).not.toBe(nonces.style);
    // Radix dialogs' scroll-lock <style> takes its nonce from __webpack_nonce__ (get-nonce).
    const inline = [...first.text.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([^<]*)<\/script>/g)];
    expect(inline.map((m) => m[0])).toEqual([
      `<script nonce="${nonces.script}">window.__webpack_nonce__ = "${nonces.style}";</script>`,
    ]);
  });

  it("serves a shell only at its app's paths, never as a bare file without its nonce", async () => {
    const reply = await api.call("GET", "/admin/index.html", undefined, null);
    expect(reply.status).toBe(404);
  });

  it("gives /docs the looser style policy Swagger UI needs, and still no inline script", async () => {
    const reply = await api.call("GET", "/docs", undefined, null);
    expectStatus(reply, 200);
    expectBaseHeaders(reply);
    const policy = policyOf(reply);
    expect(policy.get("script-src")).toEqual(["'self'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'self'"]);
    expect(policy.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it("allows 'unsafe-inline' nowhere but at /docs", async () => {
    const program = await createProgram(api);
    const urls = [
      "/admin",
      "/portal",
      "/widget.js",
      "/health",
      "/openapi.json",
      "/v1/programs",
      `/v1/widget/${program.id}/milestones`,
      "/no-such-page",
    ];
    for (const url of urls) {
      const reply = await api.call("GET", url);
      expect(reply.headers["content-security-policy"], url).not.toContain("unsafe");
    }
  });

  it("serves /widget.js to storefronts on any origin: readable and loadable cross-origin", async () => {
    const reply = await api.call("GET", "/widget.js", undefined, null);
    expectStatus(reply, 200);
    expectBaseHeaders(reply);
    expect(reply.headers["access-control-allow-origin"]).toBe("*");
    expect(reply.headers["cross-origin-resource-policy"]).toBe("cross-origin");
    expect(String(reply.headers["content-type"])).toContain("javascript");
  });

  it("keeps the widget's API usable from a shop's page: CORS and a cross-origin resource policy", async () => {
    const program = await createProgram(api);
    const milestones = await api.call(
      "GET",
      `/v1/widget/${program.id}/milestones`,
      undefined,
      null,
    );
    expectStatus(milestones, 200);
    expect(milestones.headers["access-control-allow-origin"]).toBe("*");
    expect(milestones.headers["cross-origin-resource-policy"]).toBe("cross-origin");
    const preflight = await api.app.inject({
      method: "OPTIONS",
      url: `/v1/widget/${program.id}/me`,
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("*");
    expect(preflight.headers["access-control-allow-headers"]).toBe("authorization");
    expect(preflight.headers["cross-origin-resource-policy"]).toBe("cross-origin");
  });

  it("gives the JSON API the harmless headers and a policy that lets an answer opened as a page load nothing", async () => {
    for (const [url, status] of [
      ["/v1/programs", 200],
      ["/health", 200],
      ["/no-such-route", 404],
    ] as const) {
      const reply = await api.call("GET", url);
      expectStatus(reply, status);
      expect(String(reply.headers["content-type"])).toContain("application/json");
      expectBaseHeaders(reply);
      expect(policyOf(reply).get("default-src")).toEqual(["'none'"]);
      expect(reply.headers["cross-origin-resource-policy"]).toBe("same-origin");
    }
  });

  it("keeps the payout CSV a download, never rendered as a page", async () => {
    const program = await createProgram(api);
    const payout = await api.call<{ id: string }>("POST", `/v1/programs/${program.id}/payouts`);
    expectStatus(payout, 201);
    const reply = await api.call(
      "GET",
      `/v1/programs/${program.id}/payouts/${payout.body.id}/export.csv`,
    );
    expectStatus(reply, 200);
    expectBaseHeaders(reply);
    expect(reply.headers["content-disposition"]).toMatch(/^attachment;/);
    expect(policyOf(reply).get("default-src")).toEqual(["'none'"]);
  });
});

describe("a page added later", () => {
  it("gets the strict page policy by being served through servePage", async () => {
    const app = Fastify();
    await registerWeb(app);
    servePage(app, "/apply/:programId", async (_request, reply) =>
      reply.type("text/html").send("<!doctype html><title>Apply</title>"),
    );
    const reply = await app.inject({ method: "GET", url: "/apply/prg_1" });
    expect(reply.statusCode).toBe(200);
    expect(policyOf(reply)).toEqual(strictPage(noncesOf(reply)));
    expect(reply.headers["x-frame-options"]).toBe("DENY");
    await app.close();
  });
});
