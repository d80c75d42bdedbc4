import { expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type Api,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const NOW = new Date("2026-11-23T12:00:00Z");

interface Conversions {
  signups: number;
  leads: number;
  orders: number;
  sales: number;
}

interface StatsBody extends Conversions {
  from: string;
  to: string;
  currency: string;
  clicks: number;
  conversionRate: number;
  earnings: number;
  bySource: {
    links: (Conversions & { code: string; url: string; clicks: number; conversionRate: number })[];
    codes: (Conversions & { code: string })[];
    direct: Conversions;
  };
}

interface MeBody {
  id: string;
  referralCode: string;
  referralLink: string;
  recruitmentLink: string | null;
  stats: StatsBody;
}

interface EarningsBody {
  from: string;
  to: string;
  currency: string;
  interval: "week" | "month";
  items: { start: string; amount: number }[];
}

interface MyPayoutsBody {
  items: {
    id: string;
    createdAt: string;
    amount: number;
    currency: string;
    reference: string;
    status: string;
  }[];
  next: string | null;
}

async function tokenFor(api: Api, programId: string, participantId: string): Promise<string> {
  const reply = await api.call<{ token: string }>(
    "POST",
    `/v1/programs/${programId}/participants/${participantId}/tokens`,
  );
  expectStatus(reply, 201);
  return reply.body.token;
}

const click = (id: string, code: string, occurredAt: string) => ({
  type: "click",
  id,
  occurredAt,
  code,
});

const signup = (id: string, code: string, occurredAt: string) => ({
  type: "signup",
  id,
  occurredAt,
  code,
  customer: { id: `customer-${id}` },
});

const sale = (id: string, code: string, unitAmount: number, occurredAt: string) =>
  order(id, { code, occurredAt, items: [{ sku: "SHIRT", quantity: 1, unitAmount }] });

describeEachBackend("a participant's own stats, earnings and payouts", (backend) => {
  const api = useApi(backend, { now: () => NOW });

  /**
   * 10% commission, no hold. Ana has 8 clicks, 2 signups and 2 orders
   * ($40 and $60) in November, and 1 click and 1 order ($100) in October;
   * Ben, another participant, has traffic of his own that Ana's figures never count.
   * Both joined on October 1st.
   */
  async function seeded() {
    const program = await createProgram(api, {
      timezone: "America/New_York",
      commission: { rate: { percent: 10 }, holdDays: 0 },
    });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const ben = await createParticipant(api, program.id, { externalId: "ben" });
    await api.services.db.query(
      "update participants set created_at = '2026-10-01T12:00:00Z' where program_id = $1",
      [program.id],
    );
    const events = [
      ...Array.from({ length: 8 }, (_, i) =>
        click(`c-nov-${i}`, ana.referralCode, `2026-11-1${i}T15:00:00Z`),
      ),
      click("c-oct", ana.referralCode, "2026-10-05T15:00:00Z"),
      click("c-ben", ben.referralCode, "2026-11-12T15:00:00Z"),
      signup("s-1", ana.referralCode, "2026-11-03T15:00:00Z"),
      signup("s-2", ana.referralCode, "2026-11-04T15:00:00Z"),
      signup("s-ben", ben.referralCode, "2026-11-04T15:00:00Z"),
      sale("o-nov-1", ana.referralCode, 4000, "2026-11-10T15:00:00Z"),
      sale("o-nov-2", ana.referralCode, 6000, "2026-11-18T15:00:00Z"),
      sale("o-oct", ana.referralCode, 10000, "2026-10-06T15:00:00Z"),
      sale("o-ben", ben.referralCode, 90000, "2026-11-11T15:00:00Z"),
    ];
    expectStatus(await sendEvents(api, program.id, { events }), 200);
    const token = await tokenFor(api, program.id, ana.id);
    return { program, ana, ben, token };
  }

  it("counts the participant's own clicks, signups, orders, sales and earnings over the period asked", async () => {
    const { program, ana, token } = await seeded();
    const reply = await api.call<MeBody>(
      "GET",
      "/v1/me?from=2026-11-01&to=2026-11-30",
      undefined,
      token,
    );
    expectStatus(reply, 200);
    expect(reply.body.id).toBe(ana.id);
    expect(reply.body.stats).toEqual({
      // Local days of New York: EDT ends on November 1st, so its midnight is 04:00Z.
      from: "2026-11-01T04:00:00.000Z",
      to: "2026-12-01T05:00:00.000Z",
      currency: program.currency,
      clicks: 8,
      signups: 2,
      leads: 0,
      orders: 2,
      sales: 10000,
      conversionRate: 25,
      earnings: 1000,
      // Every signup and order came by the code; the clicks brought none.
      bySource: {
        links: [
          {
            code: ana.referralCode,
            url: ana.referralLink,
            clicks: 8,
            signups: 0,
            leads: 0,
            orders: 0,
            sales: 0,
            conversionRate: 0,
          },
        ],
        codes: [{ code: ana.referralCode, signups: 2, leads: 0, orders: 2, sales: 10000 }],
        direct: { signups: 0, leads: 0, orders: 0, sales: 0 },
      },
    });

    const all = await api.call<{ stats: StatsBody }>(
      "GET",
      "/v1/me?from=2026-01-01&to=2026-12-31",
      undefined,
      token,
    );
    expectStatus(all, 200);
    expect(all.body.stats).toMatchObject({
      clicks: 9,
      signups: 2,
      orders: 3,
      sales: 20000,
      conversionRate: 33.33,
      earnings: 2000,
    });
  });

  it("takes the last 30 local days when no period is given, as the summary report does", async () => {
    const { token } = await seeded();
    const reply = await api.call<{ stats: StatsBody }>("GET", "/v1/me", undefined, token);
    expectStatus(reply, 200);
    expect(reply.body.stats).toMatchObject({
      from: "2026-10-25T04:00:00.000Z",
      to: "2026-11-24T05:00:00.000Z",
      clicks: 8,
      orders: 2,
      sales: 10000,
      earnings: 1000,
    });
  });

  it("nets a refund out of the earnings of the period the refund happened in", async () => {
    const { program, token } = await seeded();
    const refund = {
      type: "refund",
      id: "r-nov-2",
      orderId: "o-nov-2",
      occurredAt: "2026-11-20T15:00:00Z",
    };
    expectStatus(await sendEvents(api, program.id, refund), 200);
    const reply = await api.call<{ stats: StatsBody }>(
      "GET",
      "/v1/me?from=2026-11-19&to=2026-11-30",
      undefined,
      token,
    );
    expectStatus(reply, 200);
    expect(reply.body.stats.earnings).toBe(-600);
  });

  it("refuses a period that is backwards, saying which field to fix", async () => {
    const { token } = await seeded();
    const reply = await api.call("GET", "/v1/me?from=2026-11-30&to=2026-11-01", undefined, token);
    expectError(reply, 422, "validation_failed");
    expect(JSON.stringify(reply.body)).toContain("from");
  });

  it("charts cash earned per local week and per month, empty buckets included", async () => {
    const { token } = await seeded();
    const weeks = await api.call<EarningsBody>(
      "GET",
      "/v1/me/earnings?from=2026-11-01&to=2026-11-22",
      undefined,
      token,
    );
    expectStatus(weeks, 200);
    expect(weeks.body.interval).toBe("week");
    // Weeks start on Monday; October 26th's week holds November 1st.
    expect(weeks.body.items).toEqual([
      { start: "2026-10-26", amount: 0 },
      { start: "2026-11-02", amount: 0 },
      { start: "2026-11-09", amount: 400 },
      { start: "2026-11-16", amount: 600 },
    ]);

    const months = await api.call<EarningsBody>(
      "GET",
      "/v1/me/earnings?from=1970-01-01&to=2026-11-30&interval=month",
      undefined,
      token,
    );
    expectStatus(months, 200);
    // All time starts when she joined, not in 1970.
    expect(months.body.items).toEqual([
      { start: "2026-10-01", amount: 1000 },
      { start: "2026-11-01", amount: 1000 },
    ]);
  });

  it("starts the chart at the first earning when it came before the participant joined", async () => {
    const program = await createProgram(api, { commission: { rate: { percent: 10 } } });
    const cara = await createParticipant(api, program.id, { externalId: "cara" });
    // A backfilled order from before Cara joined (today).
    const backfill = sale("o-back", cara.referralCode, 3000, "2026-09-15T12:00:00Z");
    expectStatus(await sendEvents(api, program.id, backfill), 200);
    const reply = await api.call<EarningsBody>(
      "GET",
      "/v1/me/earnings?from=1970-01-01&to=2026-11-30&interval=month",
      undefined,
      await tokenFor(api, program.id, cara.id),
    );
    expectStatus(reply, 200);
    expect(reply.body.items).toEqual([
      { start: "2026-09-01", amount: 300 },
      { start: "2026-10-01", amount: 0 },
      { start: "2026-11-01", amount: 0 },
    ]);
  });

  it("refuses a weekly chart longer than a chart can show, naming the fix", async () => {
    const { token } = await seeded();
    const reply = await api.call(
      "GET",
      "/v1/me/earnings?from=2026-01-01&to=2199-12-31",
      undefined,
      token,
    );
    expectError(reply, 422, "validation_failed");
    expect(JSON.stringify(reply.body)).toContain("interval=month");
  });

  it("lists the payouts that paid the participant, newest first, and no one else's", async () => {
    const { program, ana, ben, token } = await seeded();
    await releaseDueHolds(api.services);
    const first = await api.call<{ id: string }>("POST", `/v1/programs/${program.id}/payouts`);
    expectStatus(first, 201);
    const more = sale("o-later", ana.referralCode, 5000, "2026-11-22T15:00:00Z");
    expectStatus(await sendEvents(api, program.id, more), 200);
    await releaseDueHolds(api.services);
    const second = await api.call<{ id: string }>("POST", `/v1/programs/${program.id}/payouts`);
    expectStatus(second, 201);

    const paid = await api.call(
      "POST",
      `/v1/programs/${program.id}/payouts/${first.body.id}/mark-paid`,
      { reference: "wire-1" },
    );
    expectStatus(paid, 200);

    const reply = await api.call<MyPayoutsBody>("GET", "/v1/me/payouts", undefined, token);
    expectStatus(reply, 200);
    expect(reply.body.items.map((p) => [p.id, p.amount, p.currency, p.status])).toEqual([
      [second.body.id, 500, "USD", "created"],
      [first.body.id, 2000, "USD", "paid"],
    ]);
    expect(reply.body.next).toBeNull();

    const paged = await api.call<MyPayoutsBody>("GET", "/v1/me/payouts?limit=1", undefined, token);
    expect(paged.body.items.map((p) => p.id)).toEqual([second.body.id]);
    const rest = await api.call<MyPayoutsBody>(
      "GET",
      `/v1/me/payouts?limit=1&cursor=${paged.body.next ?? ""}`,
      undefined,
      token,
    );
    expect(rest.body.items.map((p) => p.id)).toEqual([first.body.id]);

    const bens = await api.call<MyPayoutsBody>(
      "GET",
      "/v1/me/payouts",
      undefined,
      await tokenFor(api, program.id, ben.id),
    );
    expect(bens.body.items.map((p) => p.amount)).toEqual([9000]);
  });
  it("answers each period the portal offers: this month, last month, this year, all time and a custom range", async () => {
    const { token } = await seeded();
    const stats = async (query: string) => {
      const reply = await api.call<MeBody>("GET", `/v1/me${query}`, undefined, token);
      expectStatus(reply, 200);
      const { from, to, clicks, signups, orders, sales, earnings } = reply.body.stats;
      return { from, to, clicks, signups, orders, sales, earnings };
    };
    // Today is November 23rd in New York.
    expect(await stats("?from=2026-11-01&to=2026-11-23")).toEqual({
      from: "2026-11-01T04:00:00.000Z",
      to: "2026-11-24T05:00:00.000Z",
      clicks: 8,
      signups: 2,
      orders: 2,
      sales: 10000,
      earnings: 1000,
    });
    expect(await stats("?from=2026-10-01&to=2026-10-31")).toEqual({
      from: "2026-10-01T04:00:00.000Z",
      to: "2026-11-01T04:00:00.000Z",
      clicks: 1,
      signups: 0,
      orders: 1,
      sales: 10000,
      earnings: 1000,
    });
    const thisYear = await stats("?from=2026-01-01&to=2026-11-23");
    const allTime = await stats("?from=1970-01-01&to=2026-11-23");
    expect({ ...thisYear, from: undefined }).toEqual({ ...allTime, from: undefined });
    expect(thisYear).toMatchObject({ clicks: 9, signups: 2, orders: 3, sales: 20000 });
    // Timestamps pick any span: November 10th to 12th, 12:00Z each.
    expect(await stats("?from=2026-11-10T12:00:00Z&to=2026-11-12T12:00:00Z")).toEqual({
      from: "2026-11-10T12:00:00.000Z",
      to: "2026-11-12T12:00:00.000Z",
      clicks: 2,
      signups: 0,
      orders: 1,
      sales: 4000,
      earnings: 400,
    });
  });

  /**
   * Ana's November through each way a conversion finds her, in a program
   * that binds customers: 4 clicks on her link, of which v-1 signs up and
   * buys ($50) and v-2 leaves a lead; her code typed on a signup, a lead and
   * an order ($30); a lead that names her; and an order ($20) by the customer
   * her code's signup bound to her. Ben has a click, a signup, a lead and an
   * order of his own, and Ana has a lead in October.
   */
  async function seededBySource() {
    const program = await createProgram(api, {
      timezone: "UTC",
      attribution: { bindCustomer: true },
      commission: { rate: { percent: 10 }, holdDays: 0 },
    });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const ben = await createParticipant(api, program.id, { externalId: "ben" });
    const at = (day: number, hour = 12) =>
      `2026-11-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00Z`;
    const visit = (id: string, code: string, visitorId: string, occurredAt: string) => ({
      ...click(id, code, occurredAt),
      visitorId,
    });
    const conversion = (
      type: "signup" | "lead",
      id: string,
      customer: string,
      occurredAt: string,
      fields: Record<string, unknown>,
    ) => ({ type, id, occurredAt, customer: { id: customer }, ...fields });
    const bought = (id: string, unitAmount: number, occurredAt: string, fields: object) =>
      order(id, { occurredAt, items: [{ sku: "SHIRT", quantity: 1, unitAmount }], ...fields });
    const events = [
      visit("c-1", ana.referralCode, "v-1", at(2, 10)),
      visit("c-2", ana.referralCode, "v-2", at(3, 10)),
      visit("c-3", ana.referralCode, "v-3", at(4, 10)),
      click("c-4", ana.referralCode, at(5, 10)),
      visit("c-ben", ben.referralCode, "v-ben", at(5, 11)),
      conversion("signup", "s-click", "cust-1", at(2, 11), { visitorId: "v-1" }),
      conversion("lead", "l-click", "cust-2", at(3, 11), { visitorId: "v-2" }),
      bought("o-click", 5000, at(6), { visitorId: "v-1", customer: { id: "cust-9" } }),
      conversion("signup", "s-code", "cust-3", at(7), { code: ana.referralCode }),
      conversion("lead", "l-code", "cust-4", at(8), { code: ana.referralCode }),
      bought("o-code", 3000, at(9), { code: ana.referralCode }),
      conversion("lead", "l-named", "cust-5", at(10), { participant: "ana" }),
      bought("o-bound", 2000, at(11), { customer: { id: "cust-3" } }),
      conversion("signup", "s-ben", "cust-6", at(12), { visitorId: "v-ben" }),
      conversion("lead", "l-ben", "cust-7", at(12), { code: ben.referralCode }),
      bought("o-ben", 9000, at(13), { code: ben.referralCode }),
      conversion("lead", "l-oct", "cust-8", "2026-10-20T12:00:00Z", { code: ana.referralCode }),
    ];
    expectStatus(await sendEvents(api, program.id, { events }), 200);
    return { program, ana, ben, token: await tokenFor(api, program.id, ana.id) };
  }

  it("splits signups, leads, orders and sales by the link's clicks, the code and direct attribution", async () => {
    const { ana, token } = await seededBySource();
    const reply = await api.call<MeBody>(
      "GET",
      "/v1/me?from=2026-11-01&to=2026-11-30",
      undefined,
      token,
    );
    expectStatus(reply, 200);
    expect(reply.body.stats).toMatchObject({
      clicks: 4,
      signups: 2,
      // Not October's.
      leads: 3,
      orders: 3,
      sales: 10000,
      // 3 orders of 4 clicks, whatever brought the orders.
      conversionRate: 75,
      earnings: 1000,
    });
    expect(reply.body.stats.bySource).toEqual({
      links: [
        {
          code: ana.referralCode,
          url: ana.referralLink,
          clicks: 4,
          signups: 1,
          leads: 1,
          orders: 1,
          sales: 5000,
          // The one order the clicks brought, of 4 clicks.
          conversionRate: 25,
        },
      ],
      codes: [{ code: ana.referralCode, signups: 1, leads: 1, orders: 1, sales: 3000 }],
      // The lead that named her and the order of the customer bound to her.
      direct: { signups: 0, leads: 1, orders: 1, sales: 2000 },
    });
  });

  it("shows each participant only their own numbers", async () => {
    const { program, ben } = await seededBySource();
    const reply = await api.call<MeBody>(
      "GET",
      "/v1/me?from=2026-11-01&to=2026-11-30",
      undefined,
      await tokenFor(api, program.id, ben.id),
    );
    expectStatus(reply, 200);
    expect(reply.body.id).toBe(ben.id);
    expect(reply.body.stats).toMatchObject({
      clicks: 1,
      signups: 1,
      leads: 1,
      orders: 1,
      sales: 9000,
      earnings: 900,
    });
    expect(reply.body.stats.bySource).toEqual({
      links: [
        {
          code: ben.referralCode,
          url: ben.referralLink,
          clicks: 1,
          signups: 1,
          leads: 0,
          orders: 0,
          sales: 0,
          conversionRate: 0,
        },
      ],
      codes: [{ code: ben.referralCode, signups: 0, leads: 1, orders: 1, sales: 9000 }],
      direct: { signups: 0, leads: 0, orders: 0, sales: 0 },
    });
  });

  it("gives the participant a recruitment link, the program's application page with their code as sponsor, once people may apply", async () => {
    const { program, ana, token } = await seeded();
    const closed = await api.call<MeBody>("GET", "/v1/me", undefined, token);
    expectStatus(closed, 200);
    // Enrolment is closed by default: the application page takes no one.
    expect(closed.body.recruitmentLink).toBeNull();
    const opened = await api.call("PATCH", `/v1/programs/${program.id}`, { enrolment: "approval" });
    expectStatus(opened, 200);
    const reply = await api.call<MeBody>("GET", "/v1/me", undefined, token);
    expectStatus(reply, 200);
    expect(reply.body.recruitmentLink).toBe(
      `${api.services.publicUrl}/apply/${program.id}?via=${ana.referralCode}`,
    );
    expect(reply.body.referralLink).toBe(ana.referralLink);
  });
});
