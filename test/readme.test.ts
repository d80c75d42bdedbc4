import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWalkthrough, startServer, type Server } from "./support/walkthrough.ts";

describe("the README walk-through", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  }, 90_000);
  afterAll(() => server.stop());

  it("works as written: Ana earns 900 and Sam 135 on the order with her code", async () => {
    const stdout = await runWalkthrough("README.md", server.port, {
      from: "## Five minutes with curl",
      to: "## Commands",
    });
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^prg_/);
    expect(stdout).toContain('"referralCode":"ANA10"');
    expect(stdout).toContain('"status":"processed"');
    expect(stdout).toContain(
      '{"points":{"pending":0,"available":0},"cash":{"currency":"USD","pending":900,"available":0,"paid":0}}',
    );
    expect(stdout).toContain('"amount":900,"status":"pending"');
    expect(stdout).toContain('"eventId":"order-1001"');
    expect(lines.at(-1)).toBe(
      '{"points":{"pending":0,"available":0},"cash":{"currency":"USD","pending":135,"available":0,"paid":0}}',
    );
  }, 60_000);
});

describe("the multi-level referral recipe", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  }, 90_000);
  afterAll(() => server.stop());

  it("works as written: network, order, partial refund, release, payout CSV", async () => {
    const stdout = await runWalkthrough("docs/recipes/multi-level-referral.md", server.port);
    expect(stdout).toMatch(
      /"commissions":\[\{"participantId":"par_\w+","level":1,"amount":1000\},\{"participantId":"par_\w+","level":2,"amount":300\},\{"participantId":"par_\w+","level":3,"amount":100\}\]/,
    );
    expect(stdout).toMatch(
      /"amount":-500\},\{"participantId":"par_\w+","level":2,"amount":-150\},\{"participantId":"par_\w+","level":3,"amount":-50\}/,
    );
    expect(stdout).toContain('"cash":{"currency":"USD","pending":0,"available":500,"paid":0}');
    expect(stdout).toMatch(
      /participant_id,external_id,email,amount,currency,reference\r\npar_\w+,ana,ana@example.com,5.00,USD,pay_\w+-1\r\npar_\w+,sam,sam@example.com,1.50,USD,pay_\w+-2\r\n$/,
    );
  }, 60_000);
});
