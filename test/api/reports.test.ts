import { beforeAll, describe, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  only,
  order,
  sendEvents,
  useApi,
  type ErrorBody,
  type EventResultBody,
  type ParticipantBody,
  type ProgramBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface Performer {
  participantId: string;
  externalId: string;
  name: string | null;
  sales: number;
  commissions: number;
  orders: number;
}

interface Source {
  orders: number;
  sales: number;
  signups: number;
  leads: number;
}

interface Summary {
  from: string;
  to: string;
  currency: string;
  clicks: number;
  orders: number;
  signups: number;
  leads: number;
  conversionRate: number;
  sales: number;
  conversionBySource: {
    links: Source & { clicks: number; conversionRate: number };
    codes: Source;
    direct: Source;
  };
  refunds: number;
  refundCount: number;
  commissions: number;
  commissionsByLevel: { level: number; amount: number }[];
  byLevel: { level: number; commissions: number; sales: number; participants: number }[];
  activeParticipants: number;
  topPerformers: Performer[];
  topPerformersByCommission: Performer[];
  goals: unknown[];
  previous: Omit<Summary, "previous"> | null;
}

const EMPTY = {
  currency: "USD",
  clicks: 0,
  orders: 0,
  signups: 0,
  leads: 0,
  conversionRate: 0,
  conversionBySource: {
    links: { clicks: 0, orders: 0, sales: 0, signups: 0, leads: 0, conversionRate: 0 },
    codes: { orders: 0, sales: 0, signups: 0, leads: 0 },
    direct: { orders: 0, sales: 0, signups: 0, leads: 0 },
  },
  sales: 0,
  refunds: 0,
  refundCount: 0,
  commissions: 0,
  commissionsByLevel: [],
  byLevel: [],
  activeParticipants: 0,
  topPerformers: [],
  topPerformersByCommission: [],
  goals: [],
  previous: null,
};

describeEachBackend("reports/summary", (backend) => {
  // The ledger dates commissions by when they were booked, the app's clock:
  // the tests set it before each delivery so that date ranges cut through it.
  let clock = Date.parse("2026-10-01T00:00:00Z");
  const setClock = (iso: string) => {
    clock = Date.parse(iso);
  };
  const api = useApi(backend, { now: () => new Date(clock) });

  const summary = (programId: string, query = "", key?: string | null) =>
    api.call<Summary>("GET", `/v1/programs/${programId}/reports/summary${query}`, undefined, key);

  const ok = async (programId: string, query = ""): Promise<Summary> => {
    const reply = await summary(programId, query);
    expectStatus(reply, 200);
    return reply.body;
  };

  const deliver = async (programId: string, at: string, event: unknown) => {
    setClock(at);
    const reply = await sendEvents(api, programId, event);
    expectStatus(reply, 200);
    const result: EventResultBody = only(reply.body.results);
    expect(result).toMatchObject({ status: "processed" });
    return result;
  };

  const click = (id: string, code: string, occurredAt: string) => ({
    type: "click",
    id,
    code,
    visitorId: `v-${id}`,
    occurredAt,
  });

  /**
   * A UTC program paying 10% to the seller and 3% to the sponsor. Ben
   * sponsors Ana; Cal has no sponsor. The report period in the tests is
   * 1–15 November 2026, [2026-11-01T00:00Z, 2026-11-16T00:00Z).
   */
  describe("a two-level network in UTC", () => {
    let program: ProgramBody;
    let ana: ParticipantBody;
    let ben: ParticipantBody;
    let cal: ParticipantBody;

    beforeAll(async () => {
      setClock("2026-10-01T00:00:00Z");
      program = await createProgram(api, {
        commission: { rate: { percent: 10 }, upline: [{ percent: 3 }] },
      });
      ben = await createParticipant(api, program.id, { externalId: "ben", name: "Ben" });
      ana = await createParticipant(api, program.id, {
        externalId: "ana",
        name: "Ana",
        sponsor: "ben",
      });
      cal = await createParticipant(api, program.id, { externalId: "cal", name: "Cal" });
      const id = program.id;

      // Clicks: 7 inside the period (4 Ana, 2 Cal, 1 Ben), 2 just outside it.
      setClock("2026-10-01T00:00:00Z");
      const clicks = await sendEvents(api, id, {
        events: [
          click("clk-a1", ana.referralCode, "2026-11-01T00:00:00Z"),
          click("clk-a2", ana.referralCode, "2026-11-10T09:00:00Z"),
          click("clk-a3", ana.referralCode, "2026-11-10T10:00:00Z"),
          click("clk-a4", ana.referralCode, "2026-11-15T23:59:59Z"),
          click("clk-c1", cal.referralCode, "2026-11-11T08:00:00Z"),
          click("clk-c2", cal.referralCode, "2026-11-11T09:00:00Z"),
          click("clk-b1", ben.referralCode, "2026-11-12T08:00:00Z"),
          click("clk-early", ana.referralCode, "2026-10-31T23:59:59Z"),
          click("clk-late", ana.referralCode, "2026-11-16T00:00:00Z"),
        ],
      });
      expectStatus(clicks, 200);
      expect(clicks.body.results.map((r) => r.status)).toEqual(Array(9).fill("processed"));

      // Before the period: Ana sells 100.00, booked 20 October: Ana 1000, Ben 300.
      await deliver(
        id,
        "2026-10-20T12:00:00Z",
        order("order-0", {
          participant: "ana",
          occurredAt: "2026-10-20T10:00:00Z",
          items: [{ sku: "BAG", quantity: 1, unitAmount: 10000 }],
        }),
      );
      // In the period:
      // order-1: Ana, 2 × 25.00 = 5000; Ana 500 (level 1), Ben 150 (level 2).
      await deliver(
        id,
        "2026-11-10T12:00:00Z",
        order("order-1", { code: ana.referralCode, occurredAt: "2026-11-10T11:00:00Z" }),
      );
      // order-2: Cal, 1 × 80.00 = 8000; Cal 800 (level 1), nobody above him.
      await deliver(
        id,
        "2026-11-11T12:00:00Z",
        order("order-2", {
          participant: "cal",
          occurredAt: "2026-11-11T10:00:00Z",
          items: [{ sku: "COAT", quantity: 1, unitAmount: 8000 }],
        }),
      );
      // order-3: Ben, 1 × 30.00 = 3000; Ben 300 (level 1), nobody above him.
      await deliver(
        id,
        "2026-11-12T12:00:00Z",
        order("order-3", {
          participant: "ben",
          occurredAt: "2026-11-12T10:00:00Z",
          items: [{ sku: "HAT", quantity: 1, unitAmount: 3000 }],
        }),
      );
      // order-u: nobody's, 2 × 20.00; neither an order, a sale nor a commission here.
      await deliver(
        id,
        "2026-11-12T13:00:00Z",
        order("order-u", {
          occurredAt: "2026-11-12T11:00:00Z",
          items: [{ sku: "MUG", quantity: 2, unitAmount: 2000 }],
        }),
      );
      // Its refund is not counted either: the order was nobody's.
      await deliver(id, "2026-11-12T14:00:00Z", {
        type: "refund",
        id: "refund-u",
        orderId: "order-u",
        occurredAt: "2026-11-12T12:00:00Z",
      });
      // refund-1: one shirt of order-1, 2500; Ana -250, Ben -75.
      await deliver(id, "2026-11-13T12:00:00Z", {
        type: "refund",
        id: "refund-1",
        orderId: "order-1",
        occurredAt: "2026-11-13T10:00:00Z",
        items: [{ sku: "SHIRT", quantity: 1 }],
      });
      // refund-0: all of October's order-0, 10000, refunded in the period;
      // Ana -1000, Ben -300.
      await deliver(id, "2026-11-14T12:00:00Z", {
        type: "refund",
        id: "refund-0",
        orderId: "order-0",
        occurredAt: "2026-11-14T10:00:00Z",
      });
      // After the period: Cal sells 1 × 50.00 at its first instant, Cal 500.
      await deliver(
        id,
        "2026-11-16T01:00:00Z",
        order("order-late", {
          participant: "cal",
          occurredAt: "2026-11-16T00:00:00Z",
          items: [{ sku: "BAG", quantity: 1, unitAmount: 5000 }],
        }),
      );
    });

    it("sums clicks, orders, sales, refunds and commissions of the period", async () => {
      const report = await ok(program.id, "?from=2026-11-01&to=2026-11-15&compare=none");
      // Per participant in the period:
      //   Ana: order-1 5000; commissions 500 - 250 (refund-1) - 1000 (refund-0) = -750
      //   Ben: order-3 3000; commissions 150 + 300 - 75 - 300 = 75
      //   Cal: order-2 8000; commissions 800
      const anaRow = {
        participantId: ana.id,
        externalId: "ana",
        name: "Ana",
        sales: 5000,
        commissions: -750,
        orders: 1,
      };
      const benRow = {
        participantId: ben.id,
        externalId: "ben",
        name: "Ben",
        sales: 3000,
        commissions: 75,
        orders: 1,
      };
      const calRow = {
        participantId: cal.id,
        externalId: "cal",
        name: "Cal",
        sales: 8000,
        commissions: 800,
        orders: 1,
      };
      expect(report).toEqual({
        from: "2026-11-01T00:00:00.000Z",
        to: "2026-11-16T00:00:00.000Z",
        currency: "USD",
        clicks: 7,
        // order-1, order-2, order-3 (not order-u: nobody's; not order-0 nor order-late).
        orders: 3,
        signups: 0,
        leads: 0,
        // None came through a click: order-1 by code, order-2 and order-3 named.
        conversionRate: 0,
        conversionBySource: {
          links: { clicks: 7, orders: 0, sales: 0, signups: 0, leads: 0, conversionRate: 0 },
          codes: { orders: 1, sales: 5000, signups: 0, leads: 0 },
          direct: { orders: 2, sales: 11000, signups: 0, leads: 0 },
        },
        // 5000 + 8000 + 3000
        sales: 16000,
        // refund-1 2500 + refund-0 10000 (its order is older, the refund is not); not refund-u
        refunds: 12500,
        refundCount: 2,
        // level 1: 500 + 800 + 300 - 250 - 1000 = 350; level 2: 150 - 75 - 300 = -225
        commissions: 125,
        commissionsByLevel: [
          { level: 1, amount: 350 },
          { level: 2, amount: -225 },
        ],
        // Level 1 was paid on all three orders, level 2 (Ben) on order-1 only.
        byLevel: [
          { level: 1, commissions: 350, sales: 16000, participants: 3 },
          { level: 2, commissions: -225, sales: 5000, participants: 1 },
        ],
        activeParticipants: 3,
        // By sales: Cal 8000, Ana 5000, Ben 3000.
        topPerformers: [calRow, anaRow, benRow],
        // By net commissions: Cal 800, Ben 75, Ana -750.
        topPerformersByCommission: [calRow, benRow, anaRow],
        goals: [],
        previous: null,
      });
    });

    it("leaves out what a narrower period excludes", async () => {
      // 11–12 November: clicks clk-c1, clk-c2, clk-b1 = 3; orders order-2 and
      // order-3; no refund of an attributed order; commissions Cal 800, Ben 300.
      const report = await ok(program.id, "?from=2026-11-11&to=2026-11-12");
      expect(report).toMatchObject({
        from: "2026-11-11T00:00:00.000Z",
        to: "2026-11-13T00:00:00.000Z",
        clicks: 3,
        orders: 2,
        // Neither came through a click.
        conversionRate: 0,
        // 8000 + 3000
        sales: 11000,
        refunds: 0,
        commissions: 1100,
        commissionsByLevel: [{ level: 1, amount: 1100 }],
        activeParticipants: 2,
      });
      expect(report.topPerformers.map((p) => [p.externalId, p.sales, p.commissions])).toEqual([
        ["cal", 8000, 800],
        ["ben", 3000, 300],
      ]);
    });

    it("takes timestamps as given, `to` exclusive", async () => {
      // [10 Nov 11:00, 11 Nov 10:00): order-1 at 11:00 is in, order-2 at
      // 10:00 on the 11th is out; clicks clk-c1, clk-c2 (08:00, 09:00 on the 11th).
      // Commissions booked 10 Nov 12:00: Ana 500, Ben 150.
      const report = await ok(program.id, "?from=2026-11-10T11:00:00Z&to=2026-11-11T10:00:00Z");
      expect(report).toMatchObject({
        from: "2026-11-10T11:00:00.000Z",
        to: "2026-11-11T10:00:00.000Z",
        clicks: 2,
        orders: 1,
        // By code, not through a click.
        conversionRate: 0,
        sales: 5000,
        refunds: 0,
        commissions: 650,
        commissionsByLevel: [
          { level: 1, amount: 500 },
          { level: 2, amount: 150 },
        ],
        activeParticipants: 1,
      });
      // Ben earned without selling: in the commission ranking only.
      expect(report.topPerformers.map((p) => p.externalId)).toEqual(["ana"]);
      expect(
        report.topPerformersByCommission.map((p) => [p.externalId, p.sales, p.commissions]),
      ).toEqual([
        ["ana", 5000, 500],
        ["ben", 0, 150],
      ]);
    });

    it("takes an offset in a timestamp, written %2B in the query", async () => {
      // 2026-11-10T16:30+05:30 is 11:00Z, the same period as above.
      const report = await ok(
        program.id,
        "?from=2026-11-10T16:30:00%2B05:30&to=2026-11-11T10:00:00Z",
      );
      expect(report).toMatchObject({ from: "2026-11-10T11:00:00.000Z", sales: 5000 });
    });

    it("answers zeros and empty lists for a period without activity", async () => {
      const report = await ok(program.id, "?from=2025-01-01&to=2025-01-31&compare=none");
      expect(report).toEqual({
        ...EMPTY,
        from: "2025-01-01T00:00:00.000Z",
        to: "2025-02-01T00:00:00.000Z",
      });
    });

    it("defaults to the 30 days ending today", async () => {
      setClock("2026-11-14T18:00:00Z");
      // 14 November - 29 days = 16 October; to the midnight after the 14th.
      // That takes in order-0 (sold and booked 20 October) and leaves out
      // order-late (16 November).
      const report = await ok(program.id);
      expect(report).toMatchObject({
        from: "2026-10-16T00:00:00.000Z",
        to: "2026-11-15T00:00:00.000Z",
        // All but clk-late (16 November) and clk-a4 (15 November).
        clicks: 7,
        // order-0 (20 October), order-1, order-2, order-3
        orders: 4,
        // None through a click.
        conversionRate: 0,
        // 10000 + 5000 + 8000 + 3000
        sales: 26000,
        refunds: 12500,
        // 125 as in 1–15 November, plus order-0's 1000 (level 1) and 300 (level 2)
        commissions: 1425,
        commissionsByLevel: [
          { level: 1, amount: 1350 },
          { level: 2, amount: 75 },
        ],
        activeParticipants: 3,
      });
    });
  });

  describe("in America/New_York", () => {
    let program: ProgramBody;
    let dee: ParticipantBody;

    beforeAll(async () => {
      setClock("2026-10-01T00:00:00Z");
      program = await createProgram(api, {
        timezone: "America/New_York",
        commission: { rate: { percent: 10 } },
      });
      dee = await createParticipant(api, program.id, { externalId: "dee" });
      // 31 October 23:59:59 EDT (-4): the day before.
      await deliver(
        program.id,
        "2026-11-01T03:59:59Z",
        order("ny-1", { participant: "dee", occurredAt: "2026-11-01T03:59:59Z" }),
      );
      // 1 November 00:00 EDT: the first instant of 1 November.
      await deliver(
        program.id,
        "2026-11-01T04:00:00Z",
        order("ny-2", { participant: "dee", occurredAt: "2026-11-01T04:00:00Z" }),
      );
      // 1 November 22:30 EST (-5, DST ended at 02:00): still 1 November
      // locally, though 2 November in UTC.
      await deliver(
        program.id,
        "2026-11-02T03:30:00Z",
        order("ny-3", { participant: "dee", occurredAt: "2026-11-02T03:30:00Z" }),
      );
      // 2 November 00:00 EST: the next day.
      await deliver(
        program.id,
        "2026-11-02T05:00:00Z",
        order("ny-4", { participant: "dee", occurredAt: "2026-11-02T05:00:00Z" }),
      );
    });

    it("counts a local day from local midnight to local midnight, 25 hours on 1 November", async () => {
      const report = await ok(program.id, "?from=2026-11-01&to=2026-11-01&compare=none");
      // ny-2 and ny-3, 2 × 25.00 each: sales 5000 + 5000, commissions 500 + 500.
      expect(report).toEqual({
        from: "2026-11-01T04:00:00.000Z",
        to: "2026-11-02T05:00:00.000Z",
        currency: "USD",
        clicks: 0,
        orders: 2,
        signups: 0,
        leads: 0,
        conversionRate: 0,
        conversionBySource: {
          links: { clicks: 0, orders: 0, sales: 0, signups: 0, leads: 0, conversionRate: 0 },
          codes: { orders: 0, sales: 0, signups: 0, leads: 0 },
          direct: { orders: 2, sales: 10000, signups: 0, leads: 0 },
        },
        sales: 10000,
        refunds: 0,
        refundCount: 0,
        commissions: 1000,
        commissionsByLevel: [{ level: 1, amount: 1000 }],
        byLevel: [{ level: 1, commissions: 1000, sales: 10000, participants: 1 }],
        activeParticipants: 1,
        topPerformers: [
          {
            participantId: dee.id,
            externalId: "dee",
            name: null,
            sales: 10000,
            commissions: 1000,
            orders: 2,
          },
        ],
        topPerformersByCommission: [
          {
            participantId: dee.id,
            externalId: "dee",
            name: null,
            sales: 10000,
            commissions: 1000,
            orders: 2,
          },
        ],
        goals: [],
        previous: null,
      });
    });

    it("puts 03:30Z on 2 November in the local 1 November, not the 2nd", async () => {
      const second = await ok(program.id, "?from=2026-11-02&to=2026-11-02");
      // ny-4 only.
      expect(second).toMatchObject({
        from: "2026-11-02T05:00:00.000Z",
        to: "2026-11-03T05:00:00.000Z",
        orders: 1,
        sales: 5000,
        commissions: 500,
      });
      const october = await ok(program.id, "?from=2026-10-31&to=2026-10-31");
      // ny-1 only; 31 October is EDT throughout.
      expect(october).toMatchObject({
        from: "2026-10-31T04:00:00.000Z",
        to: "2026-11-01T04:00:00.000Z",
        orders: 1,
        sales: 5000,
      });
    });

    it("defaults to the 30 local days ending today in the program's zone", async () => {
      // 20 November 03:00Z is 19 November 22:00 EST: today is the 19th there.
      setClock("2026-11-20T03:00:00Z");
      const report = await ok(program.id);
      // 19 November - 29 days = 21 October, 00:00 EDT (-4); to 20 November 00:00 EST (-5).
      expect(report).toMatchObject({
        from: "2026-10-21T04:00:00.000Z",
        to: "2026-11-20T05:00:00.000Z",
        // ny-1 … ny-4
        orders: 4,
        sales: 20000,
      });
    });
  });

  describe("top performers", () => {
    it("rank by sales, then commissions, then external id, and list 10", async () => {
      setClock("2026-10-01T00:00:00Z");
      const program = await createProgram(api, {
        commission: { rate: { percent: 10 }, upline: [{ percent: 3 }] },
      });
      // p01 … p12; p12 sponsors p01, so p12 also earns 3% of p01's sale.
      await createParticipant(api, program.id, { externalId: "p12" });
      for (let i = 1; i <= 11; i++)
        await createParticipant(api, program.id, {
          externalId: `p${String(i).padStart(2, "0")}`,
          ...(i === 1 ? { sponsor: "p12" } : {}),
        });
      setClock("2026-11-05T12:00:00Z");
      // Everyone sells 2 × 25.00 = 5000 (commission 500); p11 sells 3 × 25.00 = 7500 (750).
      const reply = await sendEvents(api, program.id, {
        events: Array.from({ length: 12 }, (_, k) => {
          const who = `p${String(k + 1).padStart(2, "0")}`;
          return order(`o-${who}`, {
            participant: who,
            occurredAt: "2026-11-05T10:00:00Z",
            ...(who === "p11" ? { items: [{ sku: "SHIRT", quantity: 3, unitAmount: 2500 }] } : {}),
          });
        }),
      });
      expectStatus(reply, 200);
      const report = await ok(program.id, "?from=2026-11-05&to=2026-11-05");
      // Commissions: p01 500, p02–p10 500 each, p11 750, p12 500 + 150 (3% of p01's 5000) = 650.
      // By sales: p11 (7500) first; then the 5000s by commissions: p12 (650),
      // then p01 … p10 at 500 by external id; ten in all, so p09 is the last.
      expect(report.topPerformers.map((p) => [p.externalId, p.sales, p.commissions])).toEqual([
        ["p11", 7500, 750],
        ["p12", 5000, 650],
        ...["p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08"].map((e) => [e, 5000, 500]),
      ]);
      // By commissions: p11 750, p12 650, then the 500s by sales (equal), then external id.
      expect(report.topPerformersByCommission.map((p) => p.externalId)).toEqual([
        "p11",
        "p12",
        "p01",
        "p02",
        "p03",
        "p04",
        "p05",
        "p06",
        "p07",
        "p08",
      ]);
      // Every one of the 12 sold.
      expect(report).toMatchObject({
        orders: 12,
        activeParticipants: 12,
        // 11 × 5000 + 7500
        sales: 62500,
        // 11 × 500 + 750 + 150
        commissions: 6400,
        commissionsByLevel: [
          { level: 1, amount: 6250 },
          { level: 2, amount: 150 },
        ],
      });
    });
  });

  describe("the period", () => {
    let programId: string;
    beforeAll(async () => {
      programId = (await createProgram(api)).id;
    });

    it("that ends before it starts is a 422 naming `from`", async () => {
      const reply = await summary(programId, "?from=2026-11-02&to=2026-11-01");
      expectError(reply, 422, "validation_failed");
      expect((reply.body as unknown as ErrorBody).error.details).toEqual([
        { path: "from", message: expect.stringContaining("after to") },
      ]);
      const timestamps = await summary(
        programId,
        "?from=2026-11-02T00:00:00Z&to=2026-11-01T23:59:59Z",
      );
      expectError(timestamps, 422, "validation_failed");
    });

    it.each([
      ["from=yesterday", "from"],
      ["from=2026-13-01", "from"],
      ["to=2026-02-30", "to"],
      // No offset: the instant would be ambiguous.
      ["to=2026-11-01T00:00:00", "to"],
      // An unencoded + arrives as a space.
      ["from=2026-11-01T00:00:00+05:30", "from"],
    ])("malformed (%s) is a 400 naming the field", async (query, field) => {
      const reply = await summary(programId, `?${query}`);
      expectError(reply, 400, "invalid_request");
      expect((reply.body as unknown as ErrorBody).error.details.map((d) => d.path)).toEqual([
        field,
      ]);
    });
  });

  describe("security", () => {
    it("needs an admin key, and hides another brand's program", async () => {
      const program = await createProgram(api);
      expectError(await summary(program.id, "", null), 401, "unauthorized");
      expectError(await summary(program.id, "", api.otherKey), 404, "not_found");
      expectError(await summary("prg_01JUNKNOWN00000000000000000"), 404, "not_found");
    });

    it("refuses a participant token", async () => {
      const program = await createProgram(api);
      const eve = await createParticipant(api, program.id, { externalId: "eve" });
      const token = await api.call<{ token: string }>(
        "POST",
        `/v1/programs/${program.id}/participants/${eve.id}/tokens`,
      );
      expectStatus(token, 201);
      expectError(await summary(program.id, "", token.body.token), 403, "forbidden");
    });
  });
});
