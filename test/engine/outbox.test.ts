import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventSchema } from "../../src/domain/events.ts";
import { OUTBOX_EVENT_TYPES, type OutboxEventType } from "../../src/domain/outbox-events.ts";
import { createPayout } from "../../src/engine/create-payout.ts";
import { closeGoalWindows, grantInactivity } from "../../src/engine/goal-jobs.ts";
import { changeGoal, createGoal } from "../../src/engine/goals.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import { changeParticipant, enrollParticipant } from "../../src/engine/participants.ts";
import { applyEvents } from "../../src/engine/process-batch.ts";
import { toReceived } from "../../src/engine/received.ts";
import { recordLinkClick } from "../../src/engine/record-click.ts";
import { releaseHolds } from "../../src/engine/release-holds.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { insertBrand } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import type { GoalInput } from "../../src/domain/goals.ts";
import type { ParticipantRecord } from "../../src/store/participants.ts";
import { insertProgram, type ProgramRecord } from "../../src/store/programs.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 2, 12);

interface Told {
  id: string;
  type: OutboxEventType;
  data: Record<string, unknown>;
  deliveries: { endpointId: string; status: string; attempts: number }[];
}

describeEachBackend("facts told through the outbox", (backend) => {
  let db: Database;
  let clock = T0;
  let services: Services;
  let n = 0;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db, { now: () => new Date(clock) });
  });
  afterAll(() => db.close());

  /** A brand with a program paying 10% and 5% upline, and one endpoint wanting every type. */
  async function setUp(config: Record<string, unknown> = {}, options: { endpoint?: boolean } = {}) {
    n += 1;
    clock = T0;
    const brandId = `brd_outbox${n}`;
    await insertBrand(db, { id: brandId, name: `outbox ${n}` });
    const program = await addProgram(brandId, config);
    const endpointId =
      options.endpoint === false ? null : await addEndpoint(brandId, { programId: null });
    const enrol = async (externalId: string, extra: Record<string, unknown> = {}) => {
      const result = await enrollParticipant(services, program, { externalId, ...extra });
      if (!result.ok) throw new Error(result.message);
      return result.participant;
    };
    const send = async (events: Record<string, unknown>[]) => {
      const results = await ingestEvents(services, program, events);
      for (const r of results) expect(r.status, JSON.stringify(r)).toBe("processed");
      return results;
    };
    return { brandId, program, endpointId, enrol, send };
  }

  async function addProgram(brandId: string, config: Record<string, unknown> = {}) {
    const full = {
      name: `P${n}`,
      currency: "USD",
      timezone: "UTC",
      commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], holdDays: 30 },
      levels: [
        { key: "silver", name: "Silver" },
        { key: "gold", name: "Gold" },
      ],
      ...config,
    };
    return insertProgram(db, {
      id: services.ids.next("prg"),
      brandId,
      name: full.name,
      currency: "USD",
      timezone: "UTC",
      config: full,
    });
  }

  async function addEndpoint(
    brandId: string,
    options: {
      programId: string | null;
      events?: readonly string[];
      disabled?: boolean;
    },
  ): Promise<string> {
    const id = services.ids.next("wep");
    await db.query(
      `insert into webhook_endpoints
         (id, brand_id, program_id, url, events, secret, disabled, created_at, updated_at)
       values ($1, $2, $3, 'https://hooks.example.com/laurel', $4::jsonb, 'whsec_dGVzdA==', $5, $6, $6)`,
      [
        id,
        brandId,
        options.programId,
        JSON.stringify(options.events ?? OUTBOX_EVENT_TYPES),
        options.disabled ?? false,
        new Date(clock).toISOString(),
      ],
    );
    return id;
  }

  /** Everything the program told, oldest first, with each event's deliveries. */
  async function told(programId: string, type?: OutboxEventType): Promise<Told[]> {
    const events = await db.query<{
      id: string;
      type: OutboxEventType;
      data: Record<string, unknown>;
    }>(
      `select id, type, data from outbox_events
       where program_id = $1 and ($2::text is null or type = $2) order by id`,
      [programId, type ?? null],
    );
    const deliveries = await db.query<{
      event_id: string;
      endpoint_id: string;
      status: string;
      attempts: number;
    }>(
      `select event_id, endpoint_id, status, attempts from webhook_deliveries
       where event_id = any($1::text[]) order by endpoint_id`,
      [events.map((e) => e.id)],
    );
    return events.map((e) => ({
      ...e,
      deliveries: deliveries
        .filter((d) => d.event_id === e.id)
        .map((d) => ({ endpointId: d.endpoint_id, status: d.status, attempts: d.attempts })),
    }));
  }

  const order = (id: string, code: string, atMs = clock) => ({
    type: "order",
    id,
    occurredAt: new Date(atMs).toISOString(),
    code,
    items: [{ sku: "A", quantity: 2, unitAmount: 5000 }],
  });

  /** Ana, sponsored by Sam, in the program. */
  async function anaUnderSam(setup: Awaited<ReturnType<typeof setUp>>) {
    const sam = await setup.enrol("sam");
    const ana = await setup.enrol("ana", { sponsor: "sam", email: "ana@example.com" });
    return { sam, ana };
  }

  const dataOf = (events: Told[]) => events.map((e) => e.data);

  describe("commissions", () => {
    it("an order tells commission.created for each level it pays, pending while held, with a pending delivery", async () => {
      const setup = await setUp();
      const { sam, ana } = await anaUnderSam(setup);
      await setup.send([order("o-1", ana.referralCode)]);
      const events = await told(setup.program.id, "commission.created");
      const availableAt = new Date(T0 + 30 * DAY).toISOString();
      expect(dataOf(events)).toEqual([
        {
          eventId: "o-1",
          participantId: ana.id,
          externalId: "ana",
          level: 1,
          amount: 1000,
          currency: "USD",
          status: "pending",
          availableAt,
        },
        {
          eventId: "o-1",
          participantId: sam.id,
          externalId: "sam",
          level: 2,
          amount: 500,
          currency: "USD",
          status: "pending",
          availableAt,
        },
      ]);
      for (const e of events)
        expect(e.deliveries).toEqual([
          { endpointId: setup.endpointId, status: "pending", attempts: 0 },
        ]);
    });

    it("a commission without a hold is told as available", async () => {
      const setup = await setUp({ commission: { rate: { percent: 10 }, holdDays: 0 } });
      const ana = await setup.enrol("ana");
      await setup.send([order("o-1", ana.referralCode)]);
      expect(dataOf(await told(setup.program.id, "commission.created"))).toEqual([
        expect.objectContaining({
          amount: 1000,
          status: "available",
          availableAt: new Date(T0).toISOString(),
        }),
      ]);
    });

    it("a commission held for review is pending with no date it becomes available", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana", { ips: ["203.0.113.7"] });
      const results = await ingestEvents(services, setup.program, [
        { ...order("o-1", ana.referralCode), ip: "203.0.113.7" },
      ]);
      expect(results[0]).toMatchObject({
        status: "processed",
        fraud: { rule: "self_referral_ip" },
      });
      const [commission] = dataOf(await told(setup.program.id, "commission.created"));
      expect(commission).toMatchObject({ amount: 1000, status: "pending" });
      expect(commission).not.toHaveProperty("availableAt");
    });

    it("a refund tells commission.reversed for each level it takes back from, as a positive amount", async () => {
      const setup = await setUp();
      const { sam, ana } = await anaUnderSam(setup);
      await setup.send([order("o-1", ana.referralCode)]);
      await setup.send([
        { type: "refund", id: "r-1", orderId: "o-1", items: [{ sku: "A", quantity: 1 }] },
      ]);
      const events = await told(setup.program.id, "commission.reversed");
      expect(dataOf(events)).toEqual([
        {
          eventId: "r-1",
          orderId: "o-1",
          participantId: ana.id,
          level: 1,
          amount: 500,
          currency: "USD",
        },
        {
          eventId: "r-1",
          orderId: "o-1",
          participantId: sam.id,
          level: 2,
          amount: 250,
          currency: "USD",
        },
      ]);
      expect(events.every((e) => e.deliveries.length === 1)).toBe(true);
    });

    it("a refund that waits for its order is told when the order arrives and applies it", async () => {
      const setup = await setUp({ commission: { rate: { percent: 10 } } });
      const ana = await setup.enrol("ana");
      await setup.send([{ type: "refund", id: "r-early", orderId: "o-1" }]);
      expect(await told(setup.program.id, "commission.reversed")).toEqual([]);
      await setup.send([order("o-1", ana.referralCode)]);
      expect(dataOf(await told(setup.program.id, "commission.reversed"))).toEqual([
        expect.objectContaining({ eventId: "r-early", orderId: "o-1", amount: 1000 }),
      ]);
    });
  });

  describe("rewards", () => {
    const goal = (fields: Partial<GoalInput>): GoalInput => ({
      name: "Two orders",
      metric: "order_count",
      steps: [{ threshold: 2, reward: { type: "points", points: 50 } }],
      ...fields,
    });

    async function addGoal(program: ProgramRecord, input: GoalInput) {
      const created = await createGoal(services, program, input);
      if (!("id" in created)) throw new Error(JSON.stringify(created));
      return created;
    }

    it("an event that reaches a step tells reward.granted with the goal's name and the event", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana");
      const g = await addGoal(setup.program, goal({}));
      await setup.send([order("o-1", ana.referralCode), order("o-2", ana.referralCode)]);
      const events = await told(setup.program.id, "reward.granted");
      expect(dataOf(events)).toEqual([
        {
          goalId: g.id,
          goalName: "Two orders",
          step: 1,
          participantId: ana.id,
          externalId: "ana",
          reward: { type: "points", points: 50 },
          eventId: "o-2",
        },
      ]);
      expect(events[0]?.deliveries).toHaveLength(1);
    });

    it("a free product is told with its voucher code", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana");
      await addGoal(
        setup.program,
        goal({ steps: [{ threshold: 1, reward: { type: "free_product", sku: "SHIRT-M" } }] }),
      );
      await setup.send([order("o-1", ana.referralCode)]);
      const [granted] = dataOf(await told(setup.program.id, "reward.granted"));
      const reward = granted?.reward as { type: string; sku: string; voucherCode: string };
      expect(reward).toMatchObject({ type: "free_product", sku: "SHIRT-M" });
      expect(granted?.voucherCode).toBe(reward.voucherCode);
      expect(reward.voucherCode).toMatch(/\S{8,}/);
    });

    it("a level reward tells participant.updated with the level it changed from and to", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana", { level: "silver" });
      await addGoal(
        setup.program,
        goal({ steps: [{ threshold: 1, reward: { type: "level", level: "gold" } }] }),
      );
      await setup.send([order("o-1", ana.referralCode)]);
      const [updated] = dataOf(await told(setup.program.id, "participant.updated"));
      expect(updated).toEqual({
        participant: expect.objectContaining({
          id: ana.id,
          externalId: "ana",
          level: "gold",
          status: "active",
          sponsorId: null,
        }),
        changes: { level: { from: "silver", to: "gold" } },
      });
    });

    it("a window that closes tells the reward it grants", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana");
      const g = await addGoal(
        setup.program,
        goal({ name: "November", window: { type: "monthly" }, evaluate: "at_window_end" }),
      );
      await setup.send([order("o-1", ana.referralCode), order("o-2", ana.referralCode)]);
      expect(await told(setup.program.id, "reward.granted")).toEqual([]);
      clock = Date.UTC(2026, 11, 1);
      expect(await closeGoalWindows(services, setup.program)).toBe(1);
      const events = await told(setup.program.id, "reward.granted");
      expect(dataOf(events)).toEqual([
        {
          goalId: g.id,
          goalName: "November",
          step: 1,
          participantId: ana.id,
          externalId: "ana",
          reward: { type: "points", points: 50 },
        },
      ]);
      expect(events[0]?.deliveries).toEqual([
        { endpointId: setup.endpointId, status: "pending", attempts: 0 },
      ]);
    });

    it("an inactivity spell tells the reward it grants", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana");
      await addGoal(
        setup.program,
        goal({
          name: "We miss you",
          metric: "inactivity_days",
          steps: [{ threshold: 30, reward: { type: "points", points: 20 } }],
        }),
      );
      await setup.send([order("o-1", ana.referralCode)]);
      clock = T0 + 31 * DAY;
      expect(await grantInactivity(services, setup.program)).toBe(1);
      expect(dataOf(await told(setup.program.id, "reward.granted"))).toEqual([
        expect.objectContaining({ goalName: "We miss you", participantId: ana.id, step: 1 }),
      ]);
    });

    it("a goal PATCH that grants at once tells the rewards", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana");
      const g = await addGoal(setup.program, goal({}));
      await setup.send([order("o-1", ana.referralCode)]);
      const changed = await changeGoal(services, setup.program, g.id, {
        steps: [{ threshold: 1, reward: { type: "points", points: 50 } }],
      });
      expect(changed.kind).toBe("changed");
      expect(dataOf(await told(setup.program.id, "reward.granted"))).toEqual([
        expect.objectContaining({ goalId: g.id, participantId: ana.id, step: 1 }),
      ]);
    });
  });

  describe("participants", () => {
    it("enrolment tells participant.created with the participant as the API presents it", async () => {
      const setup = await setUp();
      const sam = await setup.enrol("sam");
      const ana = await setup.enrol("ana", {
        sponsor: "sam",
        email: "ana@example.com",
        name: "Ana",
      });
      const events = await told(setup.program.id, "participant.created");
      expect(events.map((e) => (e.data.participant as ParticipantRecord).id)).toEqual([
        sam.id,
        ana.id,
      ]);
      expect(events[1]?.data).toEqual({
        participant: {
          id: ana.id,
          programId: setup.program.id,
          externalId: "ana",
          email: "ana@example.com",
          name: "Ana",
          level: null,
          status: "active",
          sponsorId: sam.id,
          referralCode: ana.referralCode,
          referralLink: `${services.publicUrl}/r/${ana.referralCode}`,
          createdAt: ana.createdAt.toISOString(),
        },
      });
      expect(events[1]?.deliveries).toHaveLength(1);
    });

    it("enrolling the same participant again tells nothing", async () => {
      const setup = await setUp();
      await setup.enrol("ana");
      await setup.enrol("ana");
      expect(await told(setup.program.id, "participant.created")).toHaveLength(1);
    });

    it("a change of level or status tells participant.updated with what changed; a new email alone tells nothing", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana");
      const change = async (fields: Parameters<typeof changeParticipant>[3]) => {
        const result = await changeParticipant(services, setup.program, ana, fields);
        if (!result.ok) throw new Error(result.message);
      };
      await change({ email: "new@example.com" });
      expect(await told(setup.program.id, "participant.updated")).toEqual([]);
      await change({ level: "gold", status: "suspended" });
      const [updated] = await told(setup.program.id, "participant.updated");
      expect(updated?.data).toEqual({
        participant: expect.objectContaining({ id: ana.id, level: "gold", status: "suspended" }),
        changes: {
          level: { from: null, to: "gold" },
          status: { from: "active", to: "suspended" },
        },
      });
      expect(updated?.deliveries).toHaveLength(1);
    });
  });

  it("a payout tells payout.created with its total and how many lines it has", async () => {
    const setup = await setUp({
      commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], holdDays: 0 },
    });
    const { ana } = await anaUnderSam(setup);
    await setup.send([order("o-1", ana.referralCode)]);
    clock = T0 + DAY;
    await releaseHolds(services, setup.program);
    const { payout } = await createPayout(services, setup.program);
    const events = await told(setup.program.id, "payout.created");
    expect(dataOf(events)).toEqual([
      { payoutId: payout.id, total: 1500, currency: "USD", lines: 2 },
    ]);
    expect(events[0]?.deliveries).toHaveLength(1);
  });

  describe("fraud flags", () => {
    it("an order held for review tells fraud_flag.raised with the flag's id", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana", { ips: ["203.0.113.7"] });
      await ingestEvents(services, setup.program, [
        { ...order("o-1", ana.referralCode), ip: "203.0.113.7" },
      ]);
      const [flag] = await db.query<{ id: string; reason: string }>(
        `select id, reason from fraud_flags where program_id = $1`,
        [setup.program.id],
      );
      expect(dataOf(await told(setup.program.id, "fraud_flag.raised"))).toEqual([
        {
          flagId: flag?.id,
          rule: "self_referral_ip",
          participantId: ana.id,
          eventId: "o-1",
          orderId: "o-1",
          reason: flag?.reason,
        },
      ]);
    });

    it("flooding clicks tell one fraud_flag.raised per visitor and hour, from events and from links", async () => {
      const setup = await setUp({ fraud: { maxClicksPerHour: 1 } });
      const ana = await setup.enrol("ana");
      const click = (id: string) => ({
        type: "click",
        id,
        code: ana.referralCode,
        visitorId: "v-1",
        occurredAt: new Date(clock).toISOString(),
      });
      await setup.send([click("c-1"), click("c-2"), click("c-3")]);
      const fromEvents = await told(setup.program.id, "fraud_flag.raised");
      expect(dataOf(fromEvents)).toEqual([
        expect.objectContaining({
          rule: "click_flooding",
          participantId: ana.id,
          eventId: "c-2",
          orderId: null,
        }),
      ]);
      // A flood already flagged this hour tells nothing more.
      await setup.send([click("c-4")]);
      expect(await told(setup.program.id, "fraud_flag.raised")).toHaveLength(1);

      const visitor = { visitorId: "v-link", ip: null };
      expect(await recordLinkClick(services, setup.program, ana, visitor)).toBe("recorded");
      expect(await recordLinkClick(services, setup.program, ana, visitor)).toBe("flooding");
      expect(await recordLinkClick(services, setup.program, ana, visitor)).toBe("flooding");
      const all = await told(setup.program.id, "fraud_flag.raised");
      expect(all).toHaveLength(2);
      const flags = await db.query<{ id: string }>(
        `select id from fraud_flags where program_id = $1 order by id`,
        [setup.program.id],
      );
      expect(all.map((e) => e.data.flagId)).toEqual(flags.map((f) => f.id));
      expect(all[1]?.data).toMatchObject({
        eventId: `link:${ana.referralCode}`,
        rule: "click_flooding",
      });
    });
  });

  describe("what is told, and to whom", () => {
    it("a batch whose transaction fails tells nothing", async () => {
      const setup = await setUp();
      const ana = await setup.enrol("ana");
      const event = toReceived(eventSchema.parse(order("o-1", ana.referralCode)), clock);
      await expect(
        db.transaction(async (tx) => {
          const outcomes = await applyEvents(tx, services, setup.program, [event]);
          expect(outcomes[0]).toMatchObject({ status: "processed" });
          // Written inside the transaction, so visible to it until it rolls back.
          const inside = await tx.query<{ n: number }>(
            `select count(*)::int as n from outbox_events where program_id = $1 and type = 'commission.created'`,
            [setup.program.id],
          );
          expect(inside[0]?.n).toBe(1);
          throw new Error("the batch fails after its facts are written");
        }),
      ).rejects.toThrow("the batch fails");
      expect(await told(setup.program.id, "commission.created")).toEqual([]);
      const deliveries = await db.query<{ n: number }>(
        `select count(*)::int as n from webhook_deliveries where endpoint_id = $1 and type = 'commission.created'`,
        [setup.endpointId],
      );
      expect(deliveries[0]?.n).toBe(0);
    });

    it("only enabled endpoints of the brand, brand-wide or for the program, that want the type get a delivery", async () => {
      const setup = await setUp();
      const other = await addProgram(setup.brandId);
      const forProgram = await addEndpoint(setup.brandId, { programId: setup.program.id });
      await addEndpoint(setup.brandId, { programId: other.id });
      await addEndpoint(setup.brandId, { programId: null, disabled: true });
      await addEndpoint(setup.brandId, { programId: null, events: ["payout.created"] });
      // Another brand's endpoint hears nothing of this one.
      const stranger = `brd_stranger${n}`;
      await insertBrand(db, { id: stranger, name: `stranger ${n}` });
      await addEndpoint(stranger, { programId: null });

      await setup.enrol("ana");
      const [created] = await told(setup.program.id, "participant.created");
      expect(created?.deliveries.map((d) => d.endpointId).sort()).toEqual(
        [setup.endpointId, forProgram].sort(),
      );
    });

    it("an event no endpoint wants is not written", async () => {
      const setup = await setUp({}, { endpoint: false });
      await addEndpoint(setup.brandId, { programId: null, events: ["payout.created"] });
      const ana = await setup.enrol("ana");
      await setup.send([order("o-1", ana.referralCode)]);
      expect(await told(setup.program.id)).toEqual([]);
    });

    it("with no endpoint nothing is written", async () => {
      const setup = await setUp({}, { endpoint: false });
      const { ana } = await anaUnderSam(setup);
      await setup.send([order("o-1", ana.referralCode)]);
      await setup.send([{ type: "refund", id: "r-1", orderId: "o-1" }]);
      clock = T0 + 31 * DAY;
      await releaseHolds(services, setup.program);
      await createPayout(services, setup.program);
      expect(await told(setup.program.id)).toEqual([]);
      const rows = await db.query<{ n: number }>(
        `select count(*)::int as n from outbox_events where brand_id = $1`,
        [setup.brandId],
      );
      expect(rows[0]?.n).toBe(0);
    });
  });

  it("tells nothing twice for a redelivered event", async () => {
    const setup = await setUp();
    const ana = await setup.enrol("ana");
    await setup.send([order("o-1", ana.referralCode)]);
    const results = await ingestEvents(services, setup.program, [order("o-1", ana.referralCode)]);
    expect(results[0]?.status).toBe("duplicate");
    expect(await told(setup.program.id, "commission.created")).toHaveLength(1);
  });
});
