import { beforeAll, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type ProgramBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface Source {
  orders: number;
  sales: number;
  signups: number;
  leads: number;
}

interface Figures {
  from: string;
  to: string;
  clicks: number;
  orders: number;
  signups: number;
  leads: number;
  conversionBySource: {
    links: Source & { clicks: number; conversionRate: number };
    codes: Source;
    direct: Source;
  };
}

interface Summary extends Figures {
  previous: Figures | null;
}

/**
 * Signups and leads are conversions short of an order: the summary counts
 * the attributed ones of its period, by what attributed them, as it counts
 * orders.
 *
 * A UTC program that binds customers, with Ana and Ben. The period is 8–14
 * November 2026 and the one before it 1–7 November.
 */
describeEachBackend("reports/summary counts signups and leads", (backend) => {
  const api = useApi(backend, { now: () => new Date("2026-11-20T00:00:00Z") });
  let program: ProgramBody;

  const summary = async (query: string): Promise<Summary> => {
    const reply = await api.call<Summary>(
      "GET",
      `/v1/programs/${program.id}/reports/summary${query}`,
    );
    expectStatus(reply, 200);
    return reply.body;
  };

  const conversion = (
    type: "signup" | "lead",
    id: string,
    customer: string,
    occurredAt: string,
    fields: Record<string, unknown> = {},
  ) => ({ type, id, occurredAt, customer: { id: customer }, ...fields });

  beforeAll(async () => {
    program = await createProgram(api, {
      timezone: "UTC",
      attribution: { bindCustomer: true },
      commission: { rate: { percent: 10 } },
    });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const ben = await createParticipant(api, program.id, { externalId: "ben" });
    const click = (id: string, code: string, visitorId: string, occurredAt: string) => ({
      type: "click",
      id,
      code,
      visitorId,
      occurredAt,
    });
    const reply = await sendEvents(api, program.id, {
      events: [
        // The period before: a signup by Ben's code, a lead through Ana's link.
        conversion("signup", "s-prev", "p-1", "2026-11-02T10:00:00Z", { code: ben.referralCode }),
        click("clk-prev", ana.referralCode, "v-prev", "2026-11-03T10:00:00Z"),
        conversion("lead", "l-prev", "p-2", "2026-11-03T11:00:00Z", { visitorId: "v-prev" }),

        // The period: 2 clicks on Ana's link, each of which signs up.
        click("clk-1", ana.referralCode, "v-1", "2026-11-08T10:00:00Z"),
        click("clk-2", ana.referralCode, "v-2", "2026-11-08T11:00:00Z"),
        conversion("signup", "s-link-1", "c-1", "2026-11-08T12:00:00Z", { visitorId: "v-1" }),
        conversion("signup", "s-link-2", "c-2", "2026-11-09T12:00:00Z", { visitorId: "v-2" }),
        // Ben's code on a signup and on a lead.
        conversion("signup", "s-code", "c-3", "2026-11-10T12:00:00Z", { code: ben.referralCode }),
        conversion("lead", "l-code", "c-4", "2026-11-10T13:00:00Z", { code: ben.referralCode }),
        // A lead that names Ana, and one from c-1, whom her link's signup bound to her.
        conversion("lead", "l-named", "c-5", "2026-11-11T12:00:00Z", { participant: "ana" }),
        conversion("lead", "l-bound", "c-1", "2026-11-12T12:00:00Z"),
        // And the orders beside them: c-2 buys through Ana's link.
        order("o-link", {
          visitorId: "v-2",
          customer: { id: "c-9" },
          occurredAt: "2026-11-12T14:00:00Z",
        }),
        // Nobody's: no code, click, participant nor bound customer.
        conversion("signup", "s-nobody", "c-6", "2026-11-13T12:00:00Z"),
        conversion("lead", "l-nobody", "c-7", "2026-11-13T13:00:00Z"),
        // After the period.
        conversion("lead", "l-late", "c-8", "2026-11-15T00:00:00Z", { code: ben.referralCode }),
      ],
    });
    expectStatus(reply, 200);
  });

  it("counts the period's attributed signups and leads, in all and by link, code and direct", async () => {
    const report = await summary("?from=2026-11-08&to=2026-11-14");
    expect(report).toMatchObject({
      from: "2026-11-08T00:00:00.000Z",
      to: "2026-11-15T00:00:00.000Z",
      clicks: 2,
      orders: 1,
      // s-link-1, s-link-2, s-code; not s-nobody.
      signups: 3,
      // l-code, l-named, l-bound; not l-nobody nor l-late.
      leads: 3,
    });
    expect(report.conversionBySource).toEqual({
      links: { clicks: 2, orders: 1, sales: 5000, signups: 2, leads: 0, conversionRate: 50 },
      codes: { orders: 0, sales: 0, signups: 1, leads: 1 },
      direct: { orders: 0, sales: 0, signups: 0, leads: 2 },
    });
  });

  it("counts the period before's signups and leads in previous", async () => {
    const report = await summary("?from=2026-11-08&to=2026-11-14");
    expect(report.previous).toMatchObject({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-08T00:00:00.000Z",
      clicks: 1,
      orders: 0,
      signups: 1,
      leads: 1,
      conversionBySource: {
        links: { clicks: 1, orders: 0, sales: 0, signups: 0, leads: 1, conversionRate: 0 },
        codes: { orders: 0, sales: 0, signups: 1, leads: 0 },
        direct: { orders: 0, sales: 0, signups: 0, leads: 0 },
      },
    });
  });

  it("counts a signup or lead on the local day it happened", async () => {
    const day = await summary("?from=2026-11-10&to=2026-11-10&compare=none");
    expect([day.signups, day.leads]).toEqual([1, 1]);
    const late = await summary("?from=2026-11-15&to=2026-11-15&compare=none");
    expect(late).toMatchObject({
      signups: 0,
      leads: 1,
      conversionBySource: { codes: { signups: 0, leads: 1 } },
    });
  });
});
