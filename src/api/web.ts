import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import helmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from "fastify";

/** Where `npm run build` puts the admin console, the portal and the widget. */
export const WEB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

declare module "fastify" {
  interface FastifyContextConfig {
    /** Set by servePage: the route answers an HTML page, which gets the pages' CSP. */
    htmlPage?: true;
  }
}

/** Helmet's options for one response. */
type Headers = NonNullable<Parameters<FastifyReply["helmet"]>[0]>;
type Directives = Record<string, string[]>;

/**
 * Helmet's defaults (nosniff, HSTS, no referrer, same-origin opener policy,
 * ...), never framed, with the given CSP and resource policy.
 */
function headers(directives: Directives, resources: "same-origin" | "cross-origin"): Headers {
  return {
    // Helmet's default CSP adds upgrade-insecure-requests, which would send a
    // Laurel reached over plain http (a LAN address, no TLS) to an https that
    // is not there; each policy here is written out whole instead.
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: "deny" },
    crossOriginResourcePolicy: { policy: resources },
  };
}

/** The JSON API, and anything else that is not a page: opened as one, it loads nothing. */
const API_CSP: Directives = {
  "default-src": ["'none'"],
  "frame-ancestors": ["'none'"],
};

/**
 * The console, the portal and any page Laurel serves: their own scripts,
 * styles, images and API only. No inline script runs, so markup an attacker
 * slips into a page does nothing; no plugin, no <base> or form pointing
 * elsewhere, and no other site may frame the page (clickjacking).
 *
 * The one inline thing the apps need is the <style> element a Radix dialog
 * inserts to lock the page's scroll (react-remove-scroll, through
 * react-style-singleton): it carries the response's style nonce (see
 * withStyleNonce), so no other inline style is allowed. Tailwind's CSS is a
 * built file, and React (Recharts too) sets style attributes through the
 * DOM, which a policy does not restrict.
 */
function pageCsp(nonces: FastifyReply["cspNonce"]): Directives {
  return {
    "default-src": ["'self'"],
    "script-src": ["'self'", `'nonce-${nonces.script}'`],
    "script-src-attr": ["'none'"],
    "style-src": ["'self'", `'nonce-${nonces.style}'`],
    // A program's logo lives on the brand's own site (its branding.logoUrl, https only here).
    "img-src": ["'self'", "https:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
}

/**
 * Swagger UI at /docs, and only there: its bundle inserts <style> elements
 * of its own and shows icons as data: images. It still runs only its own
 * scripts.
 */
const DOCS_CSP: Directives = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "style-src": ["'self'", "'unsafe-inline'"],
  "img-src": ["'self'", "data:"],
  "object-src": ["'none'"],
  "base-uri": ["'self'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
};

const API_HEADERS = headers(API_CSP, "same-origin");
const DOCS_HEADERS = headers(DOCS_CSP, "same-origin");
/**
 * Storefronts on any origin load the widget (and the tracking script) with a
 * script tag, and the widget calls /v1/widget/... from the shop's page: a
 * same-origin resource policy would have the browser refuse them to a shop
 * that isolates itself (Cross-Origin-Embedder-Policy).
 */
const CROSS_ORIGIN_HEADERS = headers(API_CSP, "cross-origin");
const CROSS_ORIGIN = /^\/(?:(?:widget|track)\.js$|v1\/widget\/)/;

/** The headers of a response that is not a page. */
function headersFor(request: FastifyRequest): Headers {
  const path = request.url.split("?")[0] ?? "";
  if (path === "/docs" || path.startsWith("/docs/")) return DOCS_HEADERS;
  if (CROSS_ORIGIN.test(path)) return CROSS_ORIGIN_HEADERS;
  return API_HEADERS;
}

const nonce = () => randomBytes(16).toString("hex");

/**
 * Security headers on every response, chosen by what it is: an HTML page
 * (servePage), the API docs, a script or API other origins load, or the
 * JSON API.
 */
async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  // Not global: the hook below picks the headers for each request.
  await app.register(helmet, { global: false });
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config.htmlPage) {
      // Fresh nonces for each page, where helmet's reply.cspNonce keeps them;
      // other responses have no use for them.
      reply.cspNonce = { script: nonce(), style: nonce() };
      reply.helmet(headers(pageCsp(reply.cspNonce), "same-origin"));
    } else reply.helmet(headersFor(request));
  });
}

/**
 * Serves an HTML page at `url` (a Fastify route path) with the pages' strict
 * CSP: every page Laurel serves goes through here, the console and portal
 * shells as a public apply page would. An inline script or style the page
 * writes itself must carry `reply.cspNonce.script` or `.style`.
 */
export function servePage(app: FastifyInstance, url: string, handler: RouteHandlerMethod): void {
  app.get(url, { config: { htmlPage: true } }, handler);
}

/**
 * A built shell with this response's style nonce where react-style-singleton
 * looks for one (get-nonce reads the global `__webpack_nonce__`, whatever the
 * bundler), set by a script that carries the script nonce.
 */
function withStyleNonce(html: string, nonces: FastifyReply["cspNonce"]): string {
  const script = `<script nonce="${nonces.script}">window.__webpack_nonce__ = "${nonces.style}";</script>`;
  return html.replace("<head>", `<head>\n    ${script}`);
}

/**
 * Serves the web apps: /admin and /portal (single-page apps: any path under
 * them answers their index.html), /widget.js for storefronts, and the built
 * assets (the apply page's shell is served by registerApplyPage). Without a build, the app paths say how to make one.
 */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  await registerSecurityHeaders(app);
  const built = existsSync(`${WEB_DIR}admin/index.html`);
  if (built)
    await app.register(fastifyStatic, {
      root: WEB_DIR,
      prefix: "/",
      index: false,
      wildcard: false,
      // The shells are pages, answered at their app's paths with a nonce each time.
      allowedPath: (path) => !path.endsWith(".html"),
      // The build writes a .br and a .gz beside each script and stylesheet
      // (bin/build-web.js); the one the browser accepts is sent.
      preCompressed: true,
      // send's own Cache-Control (max-age=0) would replace the one set below.
      cacheControl: false,
      // Asset names carry a content hash; the widget and the favicon do not.
      setHeaders: (res, path) => {
        if (path.includes("/assets/"))
          res.setHeader("cache-control", "public, max-age=31536000, immutable");
        else res.setHeader("cache-control", "no-cache");
        // A cache keeps the brotli, gzip and plain answers apart.
        res.setHeader("vary", "accept-encoding");
        // Storefronts on any origin load the widget.
        if (/\/widget\.js(?:\.br|\.gz)?$/.test(path))
          res.setHeader("access-control-allow-origin", "*");
      },
    });
  for (const appName of ["admin", "portal"] as const) {
    serveAppShell(app, appName, `/${appName}`);
    serveAppShell(app, appName, `/${appName}/*`);
  }
}

/**
 * Answers a web app's built shell at `url` as a page, with `statusOf`'s
 * status (200 unless it says otherwise: the apply page of a program that
 * does not exist is a 404 that still shows the app's friendly page).
 */
export function serveAppShell(
  app: FastifyInstance,
  appName: "admin" | "portal" | "apply",
  url: string,
  statusOf?: (request: FastifyRequest) => Promise<number>,
): void {
  servePage(app, url, async (request: FastifyRequest, reply: FastifyReply) => {
    const file = `${WEB_DIR}${appName}/index.html`;
    if (!existsSync(file))
      return reply
        .code(503)
        .type("text/plain")
        .send(`The ${appName} app is not built yet: run npm run build (npm start does it).`);
    const status = statusOf ? await statusOf(request) : 200;
    // Read each time: a rebuild (npm run build) is served without a restart.
    const html = await readFile(file, "utf8");
    return reply
      .code(status)
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(withStyleNonce(html, reply.cspNonce));
  });
}
