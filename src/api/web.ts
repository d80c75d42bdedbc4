import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where `npm run build` puts the admin console, the portal and the widget. */
export const WEB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

/**
 * Serves the web apps: /admin and /portal (single-page apps: any path under
 * them answers their index.html), /widget.js for storefronts, and the built
 * assets. Without a build, the app paths say how to make one.
 */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  const built = existsSync(`${WEB_DIR}admin/index.html`);
  if (built)
    await app.register(fastifyStatic, {
      root: WEB_DIR,
      prefix: "/",
      index: false,
      wildcard: false,
      // Asset names carry a content hash; the widget and the app shells do not.
      setHeaders: (res, path) => {
        if (path.includes("/assets/"))
          res.setHeader("cache-control", "public, max-age=31536000, immutable");
        else res.setHeader("cache-control", "no-cache");
        // Storefronts on any origin load the widget.
        if (path.endsWith("widget.js")) res.setHeader("access-control-allow-origin", "*");
      },
    });
  for (const appName of ["admin", "portal"] as const) {
    const shell = async (_request: unknown, reply: import("fastify").FastifyReply) =>
      built
        ? reply.type("text/html").sendFile(`${appName}/index.html`)
        : reply
            .code(503)
            .type("text/plain")
            .send(`The ${appName} app is not built yet: run npm run build (npm start does it).`);
    app.get(`/${appName}`, shell);
    app.get(`/${appName}/*`, shell);
  }
}
