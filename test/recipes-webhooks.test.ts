import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWalkthrough, startServer, type Server } from "./support/walkthrough.ts";

// docs/recipes/webhooks.md run as written against `laurel serve` started the
// way the page starts it, with a receiver of its own verifying signatures.
describe("the webhooks recipe", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ LAUREL_WEBHOOKS_ALLOW_PRIVATE: "true" });
  }, 90_000);
  afterAll(() => server.stop());

  it("a receiver verifies the signed commission.created of a $50.00 order: Ana's $5.00, delivered on the first attempt", async () => {
    const stdout = await runWalkthrough("docs/recipes/webhooks.md", server.port);
    expect(stdout.trim().split("\n")).toEqual([
      "whsec_",
      "commission.created true 1 500 USD",
      "commission.created delivered 1 204",
    ]);
  }, 60_000);
});
