import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryKey, type ConversionMemory } from "../../src/domain/conversions.ts";
import type { ReceivedEvent } from "../../src/domain/events.ts";
import {
  processEvents,
  type BatchState,
  type ParticipantState,
  type ProgramRules,
} from "../../src/domain/process-events.ts";
import { toCommissionPlan } from "../../src/domain/program.ts";

// Three referrers in a line: r0 sponsors r1, r1 sponsors r2. A signup pays
// 200 and a lead 70 to the referrer, the sponsor 50% of it, the sponsor's
// sponsor a flat 10.
const PARTICIPANTS: ParticipantState[] = [0, 1, 2].map((i) => ({
  participantId: `par_${i}`,
  externalId: `r${i}`,
  email: `r${i}@example.com`,
  level: null,
  status: "active",
  ancestors: Array.from({ length: i }, (_, k) => `par_${i - 1 - k}`),
}));
const CODE = (i: number) => `CODE${i}`;
const PAY = { signup: 200, lead: 70 } as const;
const UPLINE = (amount: number) => [amount / 2, 10];

const rules: ProgramRules = {
  currency: "USD",
  plan: toCommissionPlan({
    perSignup: { flat: PAY.signup },
    perLead: { flat: PAY.lead },
    upline: [{ percent: 50 }, { flat: 10 }],
    holdDays: 0,
  }),
  cookieDays: 30,
  clickModel: "last_click",
  bindCustomer: false,
  holdDays: 0,
  nowMs: Date.UTC(2026, 10, 20),
  timezone: "UTC",
  caps: { perOrderMinor: null, perParticipantMonthlyMinor: null, programMonthlyMinor: null },
  maxClicksPerHour: 20,
  refundAbuse: null,
  goalGraceMs: 0,
};

const stateWith = (conversions: ReadonlyMap<string, ConversionMemory>): BatchState => ({
  participants: new Map(PARTICIPANTS.map((p) => [p.participantId, p])),
  participantsByRef: new Map(
    PARTICIPANTS.flatMap((p) => [
      [p.participantId, p],
      [p.externalId, p],
    ]),
  ),
  participantsByCode: new Map(PARTICIPANTS.map((p, i) => [CODE(i), p])),
  clicksByVisitor: new Map(),
  bindings: new Map(),
  conversions,
  orders: new Map(),
  waitingRefunds: new Map(),
  otherEvents: new Map(),
  personalOrders: new Map(),
  monthUsage: new Map(),
  recentClicks: new Map(),
  refundHistory: new Map(),
  goals: { goals: [], progress: new Map(), granted: new Map(), targets: new Map() },
  memberships: new Map(),
});

/**
 * A conversion by one of six customers, or by nobody known. A customer is
 * known by their id on every event (their email only sometimes, in any
 * case), or, for customers 4 and 5, by their email alone.
 */
interface Spec {
  kind: "signup" | "lead";
  customer: number | null;
  withEmail: boolean;
  shout: boolean;
  referrer: number;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constantFrom("signup" as const, "lead" as const),
  customer: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  withEmail: fc.boolean(),
  shout: fc.boolean(),
  referrer: fc.integer({ min: 0, max: 2 }),
});

function toEvent(s: Spec, n: number): ReceivedEvent {
  const email = `Customer${s.customer}@Example.com`;
  const customer =
    s.customer === null
      ? undefined
      : s.customer >= 4
        ? { email: s.shout ? email.toUpperCase() : email.toLowerCase() }
        : { id: `c-${s.customer}`, ...(s.withEmail ? { email } : {}) };
  return {
    type: s.kind,
    id: `ev-${n}`,
    code: CODE(s.referrer),
    ...(customer ? { customer } : {}),
    occurredAtMs: Date.UTC(2026, 10, 1, 0, n),
  };
}

/** Processes the events in batches of the given sizes, each batch seeing what the earlier ones remembered. */
function inBatches(events: readonly ReceivedEvent[], sizes: readonly number[]) {
  let memory = new Map<string, ConversionMemory>();
  const outcomes = [];
  const journals = [];
  let at = 0;
  for (let b = 0; at < events.length; b++) {
    const size = sizes[b % sizes.length] ?? 1;
    const batch = events.slice(at, at + size);
    at += size;
    const facts = processEvents(rules, stateWith(memory), batch);
    memory = new Map(memory);
    for (const c of facts.conversions)
      for (const key of c.keys)
        memory.set(memoryKey(c.kind, key), { eventId: c.eventId, participantId: c.participantId });
    outcomes.push(...facts.outcomes);
    journals.push(...facts.journals);
  }
  return { outcomes, journals };
}

/** Who each event's customer is, as the test knows them: one name per person. */
const personOf = (s: Spec, n: number) => (s.customer === null ? `nobody-${n}` : `c-${s.customer}`);

describe("conversions, as a pure function of the events", () => {
  it("pays each customer's signup and lead exactly once, in any order and any batching", () => {
    fc.assert(
      fc.property(
        fc.array(spec, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
        fc.infiniteStream(fc.nat()),
        (specs, sizes, seeds) => {
          // Any order: a permutation drawn from the stream.
          const order = specs.map((_, n) => n);
          for (let i = order.length - 1; i > 0; i--) {
            const j = (seeds.next().value as number) % (i + 1);
            [order[i], order[j]] = [order[j] as number, order[i] as number];
          }
          const events = order.map((n) => toEvent(specs[n] as Spec, n));
          const { outcomes, journals } = inBatches(events, sizes);

          const expected = new Set(specs.map((s, n) => `${s.kind}|${personOf(s, n)}`));
          const paid = outcomes.filter(
            (o) => o.status === "processed" && o.conversion?.paid === true,
          );
          const paidPeople = paid.map((o) => {
            const n = Number(o.id.slice(3));
            const s = specs[n] as Spec;
            return `${s.kind}|${personOf(s, n)}`;
          });
          expect([...paidPeople].sort()).toEqual([...expected].sort());
          for (const o of outcomes) {
            expect(o.status).toBe("processed");
            if (o.status === "processed" && o.conversion?.paid === false)
              expect(o.conversion.reason).toBe("converted_before");
          }

          // One commission journal per paid conversion, each cause once, paying
          // the referrer the flat amount and each sponsor its rate of it.
          expect(journals.map((j) => j.causeKey).sort()).toEqual(
            paid.map((o) => `commission:${o.id}`).sort(),
          );
          for (const j of journals) {
            const s = specs[Number(j.eventId?.slice(3))] as Spec;
            const amount = PAY[s.kind];
            const levels = [amount, ...UPLINE(amount)].slice(0, s.referrer + 1);
            expect(j.legs.map((l) => [l.level, l.amountMinor])).toEqual(
              levels.map((a, i) => [i + 1, a]),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
