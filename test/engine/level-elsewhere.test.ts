// A level reward that credits another program changes the same person's
// membership there, and that program's webhooks hear it as participant.updated,
// as they hear a level change made in that program: from an event batch and
// from the goal jobs alike.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { GoalInput } from "../../src/domain/goals.ts";
import { closeGoalWindows } from "../../src/engine/goal-jobs.ts";
import { createGoal } from "../../src/engine/goals.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import { enrollParticipant } from "../../src/engine/participants.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { insertBrand } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import { insertProgram, type ProgramRecord } from "../../src/store/programs.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";

const T0 = Date.UTC(2026, 10, 2, 12);

describeEachBackend("a level reward credited to another program", (backend) => {
  let db: Database;
  let services: Services;
  let clock = T0;
  let n = 0;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db, { now: () => new Date(clock), publicUrl: "https://l.test" });
  });
  afterAll(() => db.close());

  async function addProgram(brandId: string, name: string): Promise<ProgramRecord> {
    const config = {
      name,
      currency: "USD",
      timezone: "UTC",
      commission: { rate: { percent: 10 } },
      levels: [
        { key: "silver", name: "Silver" },
        { key: "gold", name: "Gold" },
      ],
    };
    return insertProgram(db, {
      id: services.ids.next("prg"),
      brandId,
      name,
      currency: "USD",
      timezone: "UTC",
      config,
    });
  }

  /**
   * A brand with a Shop program whose goal's level reward credits its Club
   * program, and one endpoint that hears only the Club's participant.updated.
   */
  async function setUp(goal: Partial<GoalInput> = {}) {
    n += 1;
    clock = T0;
    const brandId = `brd_elsewhere${n}`;
    await insertBrand(db, { id: brandId, name: `elsewhere ${n}` });
    const shop = await addProgram(brandId, "Shop");
    const club = await addProgram(brandId, "Club");
    const endpointId = services.ids.next("wep");
    await db.query(
      `insert into webhook_endpoints
         (id, brand_id, program_id, url, events, secret, created_at, updated_at)
       values ($1, $2, $3, 'https://hooks.example.com/laurel', '["participant.updated"]', 'whsec_dGVzdA==', $4, $4)`,
      [endpointId, brandId, club.id, new Date(clock)],
    );
    const created = await createGoal(services, shop, {
      name: "First sale",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "level", level: "gold", program: club.id } }],
      ...goal,
    });
    if (!("id" in created)) throw new Error(JSON.stringify(created));
    const enrol = async (program: ProgramRecord, externalId: string, level?: string) => {
      const result = await enrollParticipant(services, program, {
        externalId,
        ...(level ? { level } : {}),
      });
      if (!result.ok) throw new Error(result.message);
      return result.participant;
    };
    const sell = async (code: string, id: string) => {
      const [result] = await ingestEvents(services, shop, [
        {
          type: "order",
          id,
          occurredAt: new Date(clock).toISOString(),
          code,
          items: [{ sku: "A", quantity: 1, unitAmount: 5000 }],
        },
      ]);
      expect(result?.status).toBe("processed");
    };
    return { shop, club, endpointId, enrol, sell };
  }

  const updatesTold = (programId: string) =>
    db.query<{ id: string; data: Record<string, unknown> }>(
      `select id, data from outbox_events
       where program_id = $1 and type = 'participant.updated' order by id`,
      [programId],
    );

  const deliveriesOf = (eventId: string) =>
    db.query<{ endpoint_id: string; status: string }>(
      "select endpoint_id, status from webhook_deliveries where event_id = $1",
      [eventId],
    );

  it("an event that grants it tells participant.updated in the credited program, with that membership and its level from and to", async () => {
    const setup = await setUp();
    const seller = await setup.enrol(setup.shop, "ana");
    const member = await setup.enrol(setup.club, "ana", "silver");
    await setup.sell(seller.referralCode, "o-1");

    const told = await updatesTold(setup.club.id);
    expect(told.map((t) => t.data)).toEqual([
      {
        participant: expect.objectContaining({
          id: member.id,
          programId: setup.club.id,
          externalId: "ana",
          level: "gold",
          referralLink: `https://l.test/r/${encodeURIComponent(member.referralCode)}`,
        }),
        changes: { level: { from: "silver", to: "gold" } },
      },
    ]);
    expect(await deliveriesOf(told[0]?.id ?? "")).toEqual([
      { endpoint_id: setup.endpointId, status: "pending" },
    ]);
    // The shop's membership did not change level, so the shop tells nothing of it.
    expect(await updatesTold(setup.shop.id)).toEqual([]);
  });

  it("a window that closes and grants it tells the credited program too", async () => {
    const setup = await setUp({ window: { type: "monthly" }, evaluate: "at_window_end" });
    const seller = await setup.enrol(setup.shop, "ben");
    const member = await setup.enrol(setup.club, "ben");
    await setup.sell(seller.referralCode, "o-1");
    expect(await updatesTold(setup.club.id)).toEqual([]);

    clock = Date.UTC(2026, 11, 1);
    expect(await closeGoalWindows(services, setup.shop)).toBe(1);
    expect((await updatesTold(setup.club.id)).map((t) => t.data)).toEqual([
      {
        participant: expect.objectContaining({ id: member.id, level: "gold" }),
        changes: { level: { from: null, to: "gold" } },
      },
    ]);
  });

  it("tells nothing when the member already has the level, or the person is no member there", async () => {
    const setup = await setUp();
    const already = await setup.enrol(setup.shop, "cy");
    await setup.enrol(setup.club, "cy", "gold");
    const stranger = await setup.enrol(setup.shop, "dee");
    await setup.sell(already.referralCode, "o-1");
    await setup.sell(stranger.referralCode, "o-2");
    expect(await updatesTold(setup.club.id)).toEqual([]);
  });
});
