import { beforeAll, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type Collection,
  type ParticipantBody,
  type ProgramBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface Series {
  from: string;
  to: string;
  currency: string;
  timezone: string;
  days: { day: string; clicks: number; orders: number; sales: number; commissions: number }[];
}

describeEachBackend("the admin console's routes", (backend) => {
  // Commissions are dated by the app's clock: set before each delivery.
  let clock = Date.parse("2026-11-20T03:00:00Z");
  const api = useApi(backend, { now: () => new Date(clock) });
  let program: ProgramBody;
  let ana: ParticipantBody;

  beforeAll(async () => {
    program = await createProgram(api, { name: "Console", timezone: "America/New_York" });
    ana = await createParticipant(api, program.id, {
      externalId: "ana-1",
      name: "Ana Lima",
      email: "ana@example.com",
    });
    await createParticipant(api, program.id, {
      externalId: "bo-2",
      name: "Bo",
      status: "suspended",
    });
    // 03:00 UTC on the 20th is still the 19th in New York.
    clock = Date.parse("2026-11-20T03:00:00Z");
    expectStatus(
      await sendEvents(
        api,
        program.id,
        order("o-1", { participant: "ana-1", occurredAt: "2026-11-20T03:00:00Z" }),
      ),
      200,
    );
    clock = Date.parse("2026-11-21T15:00:00Z");
    expectStatus(
      await sendEvents(api, program.id, {
        events: [
          {
            type: "click",
            id: "clk-1",
            code: ana.referralCode,
            visitorId: "v-1",
            occurredAt: "2026-11-21T15:00:00Z",
          },
          order("o-2", { participant: "ana-1", occurredAt: "2026-11-21T15:00:00Z" }),
        ],
      }),
      200,
    );
  });

  it("answers every local day of the range, days with nothing as zeros", async () => {
    const reply = await api.call<Series>(
      "GET",
      `/v1/programs/${program.id}/reports/timeseries?from=2026-11-18&to=2026-11-21`,
    );
    expectStatus(reply, 200);
    expect(reply.body).toEqual({
      from: "2026-11-18T05:00:00.000Z",
      to: "2026-11-22T05:00:00.000Z",
      currency: "USD",
      timezone: "America/New_York",
      days: [
        { day: "2026-11-18", clicks: 0, orders: 0, sales: 0, commissions: 0 },
        { day: "2026-11-19", clicks: 0, orders: 1, sales: 5000, commissions: 500 },
        { day: "2026-11-20", clicks: 0, orders: 0, sales: 0, commissions: 0 },
        { day: "2026-11-21", clicks: 1, orders: 1, sales: 5000, commissions: 500 },
      ],
    });
  });

  it("agrees with the summary over the same range", async () => {
    const range = "from=2026-11-01&to=2026-11-30";
    const series = await api.call<Series>(
      "GET",
      `/v1/programs/${program.id}/reports/timeseries?${range}`,
    );
    const summary = await api.call<{
      clicks: number;
      orders: number;
      sales: number;
      commissions: number;
    }>("GET", `/v1/programs/${program.id}/reports/summary?${range}`);
    expect(series.body.days).toHaveLength(30);
    const sum = (key: "clicks" | "orders" | "sales" | "commissions") =>
      series.body.days.reduce((total, d) => total + d[key], 0);
    expect({
      clicks: sum("clicks"),
      orders: sum("orders"),
      sales: sum("sales"),
      commissions: sum("commissions"),
    }).toEqual({
      clicks: summary.body.clicks,
      orders: summary.body.orders,
      sales: summary.body.sales,
      commissions: summary.body.commissions,
    });
  });

  it("defaults to the last 30 local days and refuses bad ranges", async () => {
    const reply = await api.call<Series>("GET", `/v1/programs/${program.id}/reports/timeseries`);
    expectStatus(reply, 200);
    expect(reply.body.days).toHaveLength(30);
    expect(reply.body.days.at(-1)?.day).toBe("2026-11-21");
    expectError(
      await api.call(
        "GET",
        `/v1/programs/${program.id}/reports/timeseries?from=2026-11-22&to=2026-11-21`,
      ),
      422,
      "validation_failed",
    );
    expectError(
      await api.call(
        "GET",
        `/v1/programs/${program.id}/reports/timeseries?from=2020-01-01&to=2026-11-21`,
      ),
      422,
      "validation_failed",
    );
    expectError(
      await api.call("GET", `/v1/programs/${program.id}/reports/timeseries?from=yesterday`),
      400,
      "invalid_request",
    );
  });

  it("finds participants by part of a name, id or email, and by level and status", async () => {
    const search = (query: string) =>
      api.call<Collection<ParticipantBody>>(
        "GET",
        `/v1/programs/${program.id}/participants/search?${query}`,
      );
    const ids = async (query: string) => {
      const reply = await search(query);
      expectStatus(reply, 200);
      return reply.body.items.map((p) => p.externalId);
    };
    await expect(ids("q=LIMA")).resolves.toEqual(["ana-1"]);
    await expect(ids("q=example.com")).resolves.toEqual(["ana-1"]);
    await expect(ids("q=-")).resolves.toEqual(["ana-1", "bo-2"]);
    await expect(ids("q=%25")).resolves.toEqual([]);
    await expect(ids("status=suspended")).resolves.toEqual(["bo-2"]);
    await expect(ids("level=gold")).resolves.toEqual([]);
    const first = await search("limit=1");
    expect(first.body.items).toHaveLength(1);
    expect(first.body.next).not.toBeNull();
    const second = await search(`limit=1&cursor=${first.body.next}`);
    expect(second.body.items.map((p) => p.externalId)).toEqual(["bo-2"]);
    expectError(await search("status=gone"), 422, "validation_failed");
  });

  it("answers another brand's program with a 404", async () => {
    for (const path of ["reports/timeseries", "participants/search"])
      expectError(
        await api.call("GET", `/v1/programs/${program.id}/${path}`, undefined, api.otherKey),
        404,
        "not_found",
      );
  });
});
