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

interface StatsBody {
  from: string;
  to: string;
  currency: string;
  clicks: number;
  signups: number;
  orders: number;
  sales: number;
  conversionRate: number;
  earnings: number;
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
    const reply = await api.call<{ id: string; stats: StatsBody }>(
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
      orders: 2,
      sales: 10000,
      conversionRate: 25,
      earnings: 1000,
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
});
