// Random programs and random histories for the simulator's checks, ingested
// through the real engine as they would have come: in batches, late orders
// after their refunds, redeliveries, and the goal job closing months.
import fc from "fast-check";
import { goalInputSchema, type GoalInput } from "../../src/domain/goals.ts";
import { programInputSchema, type ProgramInput } from "../../src/domain/program.ts";
import { closeGoalWindows } from "../../src/engine/goal-jobs.ts";
import { createGoal } from "../../src/engine/goals.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import type { Database } from "../../src/store/db.ts";
import { insertParticipant } from "../../src/store/participants.ts";
import { insertProgram, updateProgram, type ProgramRecord } from "../../src/store/programs.ts";

export const DAY_MS = 86_400_000;

// A sponsor tree of six: p0 leads, p1 and p2 under p0, p3 under p1, p4 under
// p3, p5 under p2, so three upline levels can all be paid.
export const SPONSOR = [null, 0, 0, 1, 3, 2] as const;
export const HOUR_MS = 3_600_000;
export const START_MS = Date.UTC(2026, 6, 1);
export const SKUS = ["SHIRT", "HAT", "MUG"] as const;

export interface ProgramSpec {
  timezone: "UTC" | "America/New_York";
  ratePercent: number;
  bySku: "none" | "shirt-percent" | "mug-flat";
  upline: number[];
  uplineBasis: "order" | "commission" | null;
  maxTotalPercent: number | null;
  caps: {
    perOrder: number | null;
    perParticipantMonthly: number | null;
    programMonthly: number | null;
  };
  holdDays: number;
  perSignup: number | null;
  perLead: number | null;
  bindCustomer: boolean;
  cookieDays: number;
  model: "last_click" | "first_click";
  goalGraceHours: 0 | 48;
  refundAbuse: boolean;
  goals: GoalKind[];
  orderSteps: [number, number];
}

export const GOAL_KINDS = ["orders", "monthly-sales", "signups", "shirt-sales"] as const;
export type GoalKind = (typeof GOAL_KINDS)[number];

export const programSpec: fc.Arbitrary<ProgramSpec> = fc.record({
  timezone: fc.constantFrom("UTC" as const, "America/New_York" as const),
  ratePercent: fc.integer({ min: 0, max: 300 }).map((n) => n / 10),
  bySku: fc.constantFrom("none" as const, "shirt-percent" as const, "mug-flat" as const),
  upline: fc.array(
    fc.integer({ min: 1, max: 100 }).map((n) => n / 10),
    { maxLength: 3 },
  ),
  uplineBasis: fc.constantFrom(null, "order" as const, "commission" as const),
  maxTotalPercent: fc.option(fc.constantFrom(12, 25), { nil: null }),
  caps: fc.record({
    perOrder: fc.option(fc.integer({ min: 100, max: 3000 }), { nil: null }),
    perParticipantMonthly: fc.option(fc.integer({ min: 500, max: 8000 }), { nil: null }),
    programMonthly: fc.option(fc.integer({ min: 1000, max: 15000 }), { nil: null }),
  }),
  holdDays: fc.integer({ min: 0, max: 40 }),
  perSignup: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
  perLead: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
  bindCustomer: fc.boolean(),
  cookieDays: fc.integer({ min: 1, max: 30 }),
  model: fc.constantFrom("last_click" as const, "first_click" as const),
  goalGraceHours: fc.constantFrom(0 as const, 48 as const),
  refundAbuse: fc.boolean(),
  goals: fc.subarray([...GOAL_KINDS], {
    maxLength: 2,
  }),
  orderSteps: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
});

/** The program's settings as POST /v1/programs would store them. */
export function programConfig(spec: ProgramSpec, name: string): ProgramInput {
  const caps = Object.fromEntries(Object.entries(spec.caps).filter(([, v]) => v !== null));
  return programInputSchema.parse({
    name,
    currency: "USD",
    timezone: spec.timezone,
    attribution: {
      cookieDays: spec.cookieDays,
      model: spec.model,
      bindCustomer: spec.bindCustomer,
    },
    commission: {
      rate: { percent: spec.ratePercent },
      ...(spec.bySku === "shirt-percent" ? { bySku: { SHIRT: { percent: 20 } } } : {}),
      ...(spec.bySku === "mug-flat" ? { bySku: { MUG: { flat: 150 } } } : {}),
      ...(spec.upline.length > 0 ? { upline: spec.upline.map((percent) => ({ percent })) } : {}),
      ...(spec.uplineBasis ? { uplineBasis: spec.uplineBasis } : {}),
      ...(spec.maxTotalPercent === null ? {} : { maxTotalPercent: spec.maxTotalPercent }),
      ...(Object.keys(caps).length > 0 ? { caps } : {}),
      holdDays: spec.holdDays,
      ...(spec.perSignup === null ? {} : { perSignup: { flat: spec.perSignup } }),
      ...(spec.perLead === null ? {} : { perLead: { flat: spec.perLead } }),
    },
    ...(spec.refundAbuse ? { fraud: { refundAbuse: { orders: 3, maxRefundPercent: 50 } } } : {}),
    goalGraceHours: spec.goalGraceHours,
  });
}

export function goalInput(kind: GoalKind, [first, more]: [number, number]): GoalInput {
  switch (kind) {
    case "orders":
      return {
        name: "Orders",
        metric: "order_count",
        steps: [
          { threshold: first, reward: { type: "points", points: 10 } },
          { threshold: first + more, reward: { type: "cash", amount: 500 } },
        ],
      };
    case "monthly-sales":
      return {
        name: "Monthly sales",
        metric: "sales_amount",
        window: { type: "monthly" },
        evaluate: "at_window_end",
        returns: "subtract",
        steps: [
          { threshold: 5000, reward: { type: "cash", amount: 300 } },
          { threshold: 20000, reward: { type: "free_product", sku: "MUG" } },
        ],
      };
    case "signups":
      return {
        name: "Signups",
        metric: "signup_count",
        steps: [{ threshold: 1, reward: { type: "points", points: 5 } }],
      };
    case "shirt-sales":
      return {
        name: "Shirt sales",
        metric: "sku_amount",
        filter: { skus: ["SHIRT"] },
        window: { type: "monthly" },
        returns: "subtract",
        steps: [{ threshold: 3000, reward: { type: "percent_of_value", percent: 5 } }],
      };
  }
}

/** Who an order or conversion names: a participant, a code, a visitor's click, or nobody. */
export type Via =
  | { by: "participant"; who: number }
  | { by: "code"; who: number }
  | { by: "visitor"; visitor: number }
  | { by: "none" };

export const via: fc.Arbitrary<Via> = fc.oneof(
  fc.record({ by: fc.constant("participant" as const), who: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ by: fc.constant("code" as const), who: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ by: fc.constant("visitor" as const), visitor: fc.integer({ min: 0, max: 4 }) }),
  fc.constant({ by: "none" as const }),
);

export type Act =
  | { kind: "click"; gapHours: number; who: number; visitor: number }
  | {
      kind: "order";
      gapHours: number;
      via: Via;
      customer: number;
      items: { sku: (typeof SKUS)[number]; quantity: number; unitAmount: number }[];
      discount: number;
      shipping: number;
      refund: "none" | "whole" | "one" | "amount";
      refundAfterHours: number;
      /** After a partial refund, a later one of everything left. */
      thenWhole: boolean;
      /** The order's webhook is late: its refund is processed first. */
      refundFirst: boolean;
      /** Hours after its first delivery the order comes again; null: once. */
      redeliverAfterHours: number | null;
    }
  | {
      kind: "signup" | "lead";
      gapHours: number;
      via: Via;
      customer: number;
      redeliverAfterHours: number | null;
    };

const gapHours = fc.integer({ min: 0, max: 96 });
const redeliver = fc.option(fc.integer({ min: 0, max: 200 }), { nil: null, freq: 4 });

export const act: fc.Arbitrary<Act> = fc.oneof(
  fc.record({
    kind: fc.constant("click" as const),
    gapHours,
    who: fc.integer({ min: 0, max: 5 }),
    visitor: fc.integer({ min: 0, max: 4 }),
  }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("order" as const),
      gapHours,
      via,
      customer: fc.integer({ min: 0, max: 6 }),
      items: fc.array(
        fc.record({
          sku: fc.constantFrom(...SKUS),
          quantity: fc.integer({ min: 1, max: 3 }),
          unitAmount: fc.integer({ min: 0, max: 20_000 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      discount: fc.integer({ min: 0, max: 2000 }),
      shipping: fc.integer({ min: 0, max: 1000 }),
      refund: fc.constantFrom(
        "none" as const,
        "none" as const,
        "whole" as const,
        "one" as const,
        "amount" as const,
      ),
      refundAfterHours: fc.integer({ min: 1, max: 600 }),
      thenWhole: fc.boolean(),
      refundFirst: fc.boolean(),
      redeliverAfterHours: redeliver,
    }),
  },
  fc.record({
    kind: fc.constantFrom("signup" as const, "lead" as const),
    gapHours,
    via,
    customer: fc.integer({ min: 0, max: 6 }),
    redeliverAfterHours: redeliver,
  }),
);

/** One event as sent, and when it is processed. */
export interface Send {
  atMs: number;
  event: Record<string, unknown>;
}

function viaFields(v: Via, code: (i: number) => string): Record<string, unknown> {
  switch (v.by) {
    case "participant":
      return { participant: `p${v.who}` };
    case "code":
      return { code: code(v.who) };
    case "visitor":
      return { visitorId: `v${v.visitor}` };
    case "none":
      return {};
  }
}

/** The acts as events, each with the time it is processed, in processing order. */
export function toSends(acts: Act[], code: (i: number) => string): Send[] {
  const sends: Send[] = [];
  let atMs = START_MS;
  acts.forEach((a, n) => {
    atMs += a.gapHours * HOUR_MS + 60_000;
    const occurredAt = new Date(atMs).toISOString();
    const customer = { id: `c${a.kind === "click" ? 0 : a.customer}` };
    switch (a.kind) {
      case "click":
        sends.push({
          atMs,
          event: {
            type: "click",
            id: `click-${n}`,
            occurredAt,
            code: code(a.who),
            visitorId: `v${a.visitor}`,
          },
        });
        return;
      case "signup":
      case "lead": {
        const event = {
          type: a.kind,
          id: `${a.kind}-${n}`,
          occurredAt,
          customer,
          ...viaFields(a.via, code),
        };
        sends.push({ atMs, event });
        if (a.redeliverAfterHours !== null)
          sends.push({ atMs: atMs + a.redeliverAfterHours * HOUR_MS, event });
        return;
      }
      case "order": {
        const order = {
          type: "order",
          id: `order-${n}`,
          occurredAt,
          customer,
          ...viaFields(a.via, code),
          items: a.items,
          discount: a.discount,
          shipping: a.shipping,
        };
        const refundAtMs = atMs + a.refundAfterHours * HOUR_MS;
        const orderAtMs = a.refund !== "none" && a.refundFirst ? refundAtMs + HOUR_MS : atMs;
        sends.push({ atMs: orderAtMs, event: order });
        if (a.redeliverAfterHours !== null)
          sends.push({ atMs: orderAtMs + a.redeliverAfterHours * HOUR_MS, event: order });
        const first = a.items[0];
        const total =
          Math.max(0, a.items.reduce((sum, i) => sum + i.quantity * i.unitAmount, 0) - a.discount) +
          a.shipping;
        const refund = {
          type: "refund",
          id: `refund-${n}`,
          orderId: order.id,
          occurredAt: new Date(refundAtMs).toISOString(),
        };
        if (a.refund === "whole") sends.push({ atMs: refundAtMs, event: refund });
        if (a.refund === "one" && first)
          sends.push({
            atMs: refundAtMs,
            event: { ...refund, items: [{ sku: first.sku, quantity: 1 }] },
          });
        if (a.refund === "amount" && total > 1)
          sends.push({ atMs: refundAtMs, event: { ...refund, amount: Math.floor(total / 3) + 1 } });
        if (a.thenWhole && (a.refund === "one" || a.refund === "amount"))
          sends.push({
            atMs: refundAtMs + a.refundAfterHours * HOUR_MS,
            event: { ...refund, id: `refund-rest-${n}` },
          });
        return;
      }
    }
  });
  // Stable: what is processed at the same moment keeps the order it was made in.
  return sends
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.atMs - b.s.atMs || a.i - b.i)
    .map(({ s }) => s);
}

/**
 * When the scheduler's goal job finds a month closed: early on each of the
 * first days of a month, late enough for any time zone and the grace here.
 */
export function goalJobTimes(fromMs: number, toMs: number): number[] {
  const times: number[] = [];
  for (let month = new Date(fromMs); month.getTime() <= toMs + 40 * DAY_MS;) {
    for (let day = 1; day <= 4; day++)
      times.push(Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), day, 6));
    month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
  }
  return times;
}

/**
 * Plays random histories into one database, each program's from its own
 * start, on a clock the tests set (`services.now()` reads it).
 */
export class HistoryPlayer {
  clockMs = START_MS;
  readonly services: Services;
  private programs = 0;

  constructor(
    readonly db: Database,
    private readonly brandId: string,
    /** Referral codes are unique across programs: each player's start with this. */
    private readonly codePrefix: string,
  ) {
    this.services = createServices(db, { now: () => new Date(this.clockMs) });
  }

  /** A program of the spec with the six of SPONSOR (p0 to p5) and the spec's goals. */
  async newProgram(
    spec: ProgramSpec,
  ): Promise<{ program: ProgramRecord; code: (i: number) => string }> {
    this.programs += 1;
    this.clockMs = START_MS - DAY_MS;
    const config = programConfig(spec, `R${this.programs}`);
    const program = await insertProgram(this.db, {
      id: this.services.ids.next("prg"),
      brandId: this.brandId,
      name: config.name,
      currency: config.currency,
      timezone: config.timezone,
      config,
    });
    const prefix = `${this.codePrefix}${this.programs}X`;
    const code = (i: number) => `${prefix}${i}`;
    const ids: string[] = [];
    for (const [i, sponsor] of SPONSOR.entries()) {
      const sponsorId = sponsor === null ? null : (ids[sponsor] ?? null);
      const ancestors: string[] = [];
      for (let s: number | null = sponsor; s !== null; s = SPONSOR[s] ?? null)
        ancestors.push(ids[s] ?? "");
      const p = await insertParticipant(this.db, {
        id: this.services.ids.next("par"),
        programId: program.id,
        externalId: `p${i}`,
        email: `p${i}@example.com`,
        name: `Person ${i}`,
        level: null,
        status: "active",
        sponsorId,
        ancestors,
        referralCode: code(i),
      });
      ids.push(p.id);
    }
    for (const kind of spec.goals) {
      const goal = await createGoal(
        this.services,
        program,
        goalInputSchema.parse(goalInput(kind, spec.orderSteps)),
      );
      if ("kind" in goal) throw new Error(goal.message);
    }
    return { program, code };
  }

  /**
   * Sends the events as they would have come, the goal job running between
   * them; with a `change`, the program's settings change once on the way,
   * between two batches, as a PATCH would change them. Returns the program
   * as it ends, when it ended, and when it changed.
   */
  async play(
    first: ProgramRecord,
    sends: Send[],
    batchSizes: number[],
    closesWindows: boolean,
    change: {
      afterSend: number;
      spec: ProgramSpec;
      /** What else changes at the same moment (goals), on the clock of the change. */
      alsoAt?: (program: ProgramRecord) => Promise<void>;
    } | null,
  ): Promise<{ program: ProgramRecord; endMs: number; changedMs: number | null }> {
    let program = first;
    let changedMs: number | null = null;
    const lastMs = sends.at(-1)?.atMs ?? START_MS;
    const jobs = closesWindows ? goalJobTimes(START_MS, lastMs) : [];
    let job = 0;
    for (let start = 0, b = 0; start < sends.length; b += 1) {
      const size = batchSizes[b % batchSizes.length] ?? 1;
      const batch = sends.slice(start, start + size);
      const atMs = batch.at(-1)?.atMs ?? this.clockMs;
      for (; job < jobs.length && (jobs[job] ?? 0) <= atMs; job += 1) {
        this.clockMs = jobs[job] ?? this.clockMs;
        await closeGoalWindows(this.services, program);
      }
      const firstMs = batch[0]?.atMs ?? atMs;
      if (change && changedMs === null && start >= change.afterSend && firstMs > this.clockMs + 1) {
        // Between the batch before and this one's first event, never at the
        // instant of either: what is processed after the change happened
        // after it (late orders aside).
        changedMs = this.clockMs + Math.floor((firstMs - this.clockMs) / 2);
        const config = programConfig(
          { ...change.spec, timezone: first.config.timezone as ProgramSpec["timezone"], goals: [] },
          program.name,
        );
        program = await updateProgram(this.db, { ...program, config }, new Date(changedMs));
        this.clockMs = changedMs;
        await change.alsoAt?.(program);
      }
      start += size;
      this.clockMs = atMs;
      await ingestEvents(
        this.services,
        program,
        batch.map((s) => s.event),
      );
    }
    for (; job < jobs.length; job += 1) {
      this.clockMs = jobs[job] ?? this.clockMs;
      await closeGoalWindows(this.services, program);
    }
    return { program, endMs: this.clockMs, changedMs };
  }
}
