import { beforeAll, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type ErrorBody,
  type ProgramBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { createGoal, type GoalBody } from "../support/goals.ts";

interface Figures {
  from: string;
  to: string;
  clicks: number;
  orders: number;
  conversionRate: number;
  conversionBySource: unknown;
  sales: number;
  refunds: number;
  refundCount: number;
  commissions: number;
  commissionsByLevel: unknown[];
  byLevel: unknown[];
  activeParticipants: number;
  goals: unknown[];
}

interface Summary extends Figures {
  previous: Figures | null;
}

/**
 * What a brand steers by: how orders came (a referral link's click, a code,
 * or named and bound customers), refunds, each upline level's sales and
 * commissions, each goal's progress and grants, and the same figures over
 * the period just before.
 *
 * A UTC program paying 10% to the seller, 3% to the sponsor and 1% to the
 * sponsor's sponsor, binding customers: Zed sponsors Ben, Ben sponsors Ana;
 * Cal has no sponsor. The period is 8–14 November 2026 and the one before it
 * 1–7 November.
 */
describeEachBackend("reports/summary by source, level and goal", (backend) => {
  const api = useApi(backend, { now: () => new Date("2026-11-20T00:00:00Z") });
  let program: ProgramBody;
  let monthly: GoalBody;
  let firstOrder: GoalBody;

  const summary = async (query: string): Promise<Summary> => {
    const reply = await api.call<Summary>(
      "GET",
      `/v1/programs/${program.id}/reports/summary${query}`,
    );
    expectStatus(reply, 200);
    return reply.body;
  };

  const click = (id: string, code: string, visitorId: string, occurredAt: string) => ({
    type: "click",
    id,
    code,
    visitorId,
    occurredAt,
  });
  const item = (unitAmount: number) => ({ items: [{ sku: "BAG", quantity: 1, unitAmount }] });

  beforeAll(async () => {
    program = await createProgram(api, {
      attribution: { bindCustomer: true },
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }, { percent: 1 }] },
    });
    await createParticipant(api, program.id, { externalId: "zed" });
    await createParticipant(api, program.id, { externalId: "ben", sponsor: "zed" });
    const ana = await createParticipant(api, program.id, { externalId: "ana", sponsor: "ben" });
    const cal = await createParticipant(api, program.id, { externalId: "cal" });
    const goal = {
      window: { type: "monthly" },
      target: { type: "fixed" },
      evaluate: "immediately",
      returns: "ignore",
      showInWidget: true,
    };
    monthly = await createGoal(api, program.id, {
      ...goal,
      name: "Sell 100.00 in a month",
      metric: "sales_amount",
      steps: [
        { threshold: 5000, reward: { type: "cash", amount: 1000 } },
        { threshold: 10000, reward: { type: "points", points: 100 } },
      ],
    });
    firstOrder = await createGoal(api, program.id, {
      ...goal,
      name: "First sale",
      window: { type: "lifetime" },
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "free_product", sku: "GIFT" } }],
    });
    // An ended goal is not reported.
    const ended = await createGoal(api, program.id, {
      ...goal,
      name: "Ended",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "points", points: 5 } }],
    });
    expectStatus(await api.call("DELETE", `/v1/programs/${program.id}/goals/${ended.id}`), 200);

    const reply = await sendEvents(api, program.id, {
      events: [
        // The period before: 2 clicks on Ana's link, one of which buys.
        click("clk-p1", ana.referralCode, "v-p1", "2026-11-03T10:00:00Z"),
        click("clk-p2", ana.referralCode, "v-p2", "2026-11-03T11:00:00Z"),
        // Ana 5000 by link: Ana 500, Ben 150, Zed 50. Ana's month reaches
        // step 1 (cash 1000); her first sale (a GIFT).
        order("o-prev-link", {
          visitorId: "v-p1",
          occurredAt: "2026-11-04T10:00:00Z",
          ...item(5000),
        }),
        // Ben 1000, named: Ben 100, Zed 30. Ben's first sale (a GIFT).
        order("o-prev-direct", {
          participant: "ben",
          occurredAt: "2026-11-05T10:00:00Z",
          ...item(1000),
        }),

        // The period: 4 clicks on Ana's link, 1 on Cal's.
        click("clk-1", ana.referralCode, "v-1", "2026-11-09T08:00:00Z"),
        click("clk-2", ana.referralCode, "v-2", "2026-11-09T08:10:00Z"),
        click("clk-3", ana.referralCode, "v-3", "2026-11-09T08:20:00Z"),
        click("clk-4", ana.referralCode, "v-4", "2026-11-09T08:30:00Z"),
        click("clk-5", cal.referralCode, "v-5", "2026-11-09T08:40:00Z"),
        // Ana 5000 by link, from customer c-1 (who is now bound to her):
        // Ana 500, Ben 150, Zed 50. Ana's month: 10000, step 2 (100 points).
        order("o-link-1", {
          visitorId: "v-1",
          customer: { id: "c-1" },
          occurredAt: "2026-11-09T12:00:00Z",
          ...item(5000),
        }),
        // Cal 3000 by link: Cal 300. Cal's first sale (a GIFT).
        order("o-link-2", { visitorId: "v-5", occurredAt: "2026-11-10T12:00:00Z", ...item(3000) }),
        // Ana 8000 by code: Ana 800, Ben 240, Zed 80.
        order("o-code", {
          code: ana.referralCode,
          occurredAt: "2026-11-11T09:00:00Z",
          ...item(8000),
        }),
        // Cal 4000, named: Cal 400. Cal's month: 7000, step 1 (cash 1000).
        order("o-direct", {
          participant: "cal",
          occurredAt: "2026-11-11T12:00:00Z",
          ...item(4000),
        }),
        // c-1 again, with neither click nor code: bound to Ana, direct.
        // Ana 200, Ben 60, Zed 20.
        order("o-bound", {
          customer: { id: "c-1" },
          occurredAt: "2026-11-12T12:00:00Z",
          ...item(2000),
        }),
        // Nobody's: not an attributed order.
        order("o-none", { occurredAt: "2026-11-12T13:00:00Z", ...item(9900) }),
        // All of o-code back: 8000; Ana -800, Ben -240, Zed -80.
        { type: "refund", id: "r-code", orderId: "o-code", occurredAt: "2026-11-13T09:00:00Z" },
      ],
    });
    expectStatus(reply, 200);
    expect(reply.body.results.map((r) => r.status)).toEqual(Array(16).fill("processed"));
  });

  it("counts as conversions only the orders a referral link's click brought", async () => {
    const report = await summary("?from=2026-11-08&to=2026-11-14");
    expect(report).toMatchObject({
      from: "2026-11-08T00:00:00.000Z",
      to: "2026-11-15T00:00:00.000Z",
      clicks: 5,
      // o-link-1, o-link-2, o-code, o-direct, o-bound
      orders: 5,
      sales: 22000,
      // 2 orders by link / 5 clicks
      conversionRate: 40,
      conversionBySource: {
        links: { clicks: 5, orders: 2, sales: 8000, conversionRate: 40 },
        codes: { orders: 1, sales: 8000 },
        // o-direct named Cal; o-bound came by Ana's bound customer.
        direct: { orders: 2, sales: 6000 },
      },
      activeParticipants: 2,
    });
  });

  it("reports the refunds of the period by value and by count", async () => {
    const report = await summary("?from=2026-11-08&to=2026-11-14");
    expect(report).toMatchObject({ refunds: 8000, refundCount: 1 });
    // The refund was on the 13th: a period that ends before it has none.
    expect(await summary("?from=2026-11-08&to=2026-11-12")).toMatchObject({
      refunds: 0,
      refundCount: 0,
    });
  });

  it("gives each upline level the sales it was paid on and whom it paid", async () => {
    const report = await summary("?from=2026-11-08&to=2026-11-14");
    expect(report.byLevel).toEqual([
      // 500 + 300 + 800 + 400 + 200 - 800 (r-code); every order paid a seller (Ana, Cal).
      { level: 1, commissions: 1400, sales: 22000, participants: 2 },
      // 150 + 240 + 60 - 240; Ana's orders only, which have a sponsor (Ben).
      { level: 2, commissions: 210, sales: 15000, participants: 1 },
      // 50 + 80 + 20 - 80 (Zed).
      { level: 3, commissions: 70, sales: 15000, participants: 1 },
    ]);
    expect(report.commissionsByLevel).toEqual([
      { level: 1, amount: 1400 },
      { level: 2, amount: 210 },
      { level: 3, amount: 70 },
    ]);
    expect(report.commissions).toBe(1680);
  });

  it("gives each goal not ended its progress, its grants by step and what they paid", async () => {
    const report = await summary("?from=2026-11-08&to=2026-11-14");
    expect(report.goals).toEqual([
      {
        goalId: monthly.id,
        name: "Sell 100.00 in a month",
        // Ana, Ben and Cal have sales in November, the window the period is in.
        participantsProgressing: 3,
        // Cal reached step 1 (11 November), Ana step 2 (9 November; step 1 was on the 4th).
        participantsReached: 2,
        byStep: [
          { step: 1, reached: 1 },
          { step: 2, reached: 1 },
        ],
        rewardsPaid: { cash: 1000, points: 100, products: 0 },
      },
      {
        goalId: firstOrder.id,
        name: "First sale",
        participantsProgressing: 3,
        // Cal's first sale (10 November); Ana's and Ben's were before the period.
        participantsReached: 1,
        byStep: [{ step: 1, reached: 1 }],
        rewardsPaid: { cash: 0, points: 0, products: 1 },
      },
    ]);
  });

  it("compares with as many days just before", async () => {
    const report = await summary("?from=2026-11-08&to=2026-11-14");
    expect(report.previous).toMatchObject({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-08T00:00:00.000Z",
      clicks: 2,
      orders: 2,
      sales: 6000,
      // o-prev-link by link / 2 clicks
      conversionRate: 50,
      conversionBySource: {
        links: { clicks: 2, orders: 1, sales: 5000, conversionRate: 50 },
        codes: { orders: 0, sales: 0 },
        direct: { orders: 1, sales: 1000 },
      },
      refunds: 0,
      refundCount: 0,
      // 500 + 150 + 50 + 100 + 30
      commissions: 830,
      byLevel: [
        { level: 1, commissions: 600, sales: 6000, participants: 2 },
        // Ben on o-prev-link, Zed on o-prev-direct.
        { level: 2, commissions: 180, sales: 6000, participants: 2 },
        { level: 3, commissions: 50, sales: 5000, participants: 1 },
      ],
      activeParticipants: 2,
      goals: [
        {
          goalId: monthly.id,
          name: "Sell 100.00 in a month",
          participantsProgressing: 3,
          participantsReached: 1,
          byStep: [
            { step: 1, reached: 1 },
            { step: 2, reached: 0 },
          ],
          rewardsPaid: { cash: 1000, points: 0, products: 0 },
        },
        {
          goalId: firstOrder.id,
          name: "First sale",
          participantsProgressing: 3,
          participantsReached: 2,
          byStep: [{ step: 1, reached: 2 }],
          rewardsPaid: { cash: 0, points: 0, products: 2 },
        },
      ],
    });
    expect(report.previous).not.toHaveProperty("previous");
  });

  it("compares timestamps with the same length of time just before", async () => {
    // [9 Nov 12:00, 11 Nov 12:00) holds o-link-1, o-link-2, o-code (o-direct
    // is at its end); the 48 hours before it, the clicks of the 9th.
    const report = await summary("?from=2026-11-09T12:00:00Z&to=2026-11-11T12:00:00Z");
    expect(report).toMatchObject({ orders: 3, sales: 16000, clicks: 0 });
    expect(report.previous).toMatchObject({
      from: "2026-11-07T12:00:00.000Z",
      to: "2026-11-09T12:00:00.000Z",
      orders: 0,
      clicks: 5,
    });
  });

  it("leaves the comparison out with compare=none, and refuses another value", async () => {
    expect((await summary("?from=2026-11-08&to=2026-11-14&compare=none")).previous).toBeNull();
    const reply = await api.call<ErrorBody>(
      "GET",
      `/v1/programs/${program.id}/reports/summary?compare=last_year`,
    );
    expectError(reply, 422, "validation_failed");
    expect(reply.body.error.details).toEqual([
      { path: "compare", message: expect.stringMatching(/previous.*none/) },
    ]);
  });
});

describeEachBackend("reports/summary compared across a DST change", (backend) => {
  const api = useApi(backend, { now: () => new Date("2026-11-20T00:00:00Z") });

  it("compares a week of local days with the seven local days before", async () => {
    const program = await createProgram(api, { timezone: "America/New_York" });
    const reply = await api.call<Summary>(
      "GET",
      `/v1/programs/${program.id}/reports/summary?from=2026-11-08&to=2026-11-14`,
    );
    expectStatus(reply, 200);
    // 1 November (EDT, -4) to 8 November (EST, -5): seven days of 169 hours.
    expect(reply.body.previous).toMatchObject({
      from: "2026-11-01T04:00:00.000Z",
      to: "2026-11-08T05:00:00.000Z",
    });
  });
});
