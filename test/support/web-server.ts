// The app on a real port, for the browser: PGlite, two brands, and the URL.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import type { MailSetting } from "../../src/engine/services.ts";
import { deferredApi, openApi, type Api } from "./api.ts";
import { backends } from "./backends.ts";

export interface WebServer extends Api {
  /** http://127.0.0.1:PORT, without a trailing slash. */
  readonly url: string;
}

/**
 * Starts the app once per file on a free loopback port; closes it after.
 * `mail` is asked for when the server starts, so a test's own SMTP server,
 * started in an earlier beforeAll, can be named. `allowPrivateWebhooks` lets
 * webhook endpoints be receivers on loopback (LAUREL_WEBHOOKS_ALLOW_PRIVATE).
 */
export function useWebServer(
  options: { mail?: () => MailSetting; allowPrivateWebhooks?: boolean } = {},
): WebServer {
  let opened: (Api & { close(): Promise<void> }) | undefined;
  let url = "";
  beforeAll(async () => {
    const pglite = backends.find((b) => b.name === "pglite");
    if (!pglite) throw new Error("no PGlite backend");
    opened = await openApi(pglite, {
      mail: options.mail?.(),
      allowPrivateWebhooks: options.allowPrivateWebhooks,
    });
    await opened.app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(opened.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await opened?.close();
  });
  const ready = () => {
    if (!opened) throw new Error("the server was used before beforeAll started it");
    return opened;
  };
  return Object.defineProperty(deferredApi(ready), "url", { get: () => url }) as WebServer;
}
