import { describe, expect, it } from "vitest";
import type { GrantFact } from "../../src/domain/goal-progress.ts";
import {
  outboxOfFacts,
  participantCreated,
  participantUpdated,
  payoutCreated,
  type BatchContext,
  type ParticipantFields,
  type TellableFacts,
} from "../../src/domain/outbox-of-facts.ts";
import type { FlagFact, JournalFact, OrderFact } from "../../src/domain/process-events.ts";

const NOW = Date.UTC(2026, 10, 2, 12);
const DAY = 86_400_000;

const ana: ParticipantFields = {
  id: "par_ana",
  programId: "prg_1",
  externalId: "ana",
  email: "ana@example.com",
  name: "Ana",
  level: "silver",
  status: "active",
  sponsorId: "par_sam",
  referralCode: "ANA1",
  createdAtMs: NOW - DAY,
};

const context: BatchContext = {
  currency: "EUR",
  nowMs: NOW,
  publicUrl: "https://laurel.example",
  externalIds: new Map([
    ["par_ana", "ana"],
    ["par_sam", "sam"],
  ]),
  goalNames: new Map([["gol_1", "Ten orders"]]),
  flagIds: new Map([["self_referral_ip:o-1", "flg_1"]]),
  participants: new Map([["par_ana", ana]]),
};

const none: TellableFacts = { orders: [], journals: [], grants: [], flags: [], levelChanges: [] };

function orderFact(orderId: string, availableAtMs: number | null): OrderFact {
  return {
    orderId,
    participantId: "par_ana",
    attribution: "code",
    customerId: null,
    customerEmail: null,
    currency: "EUR",
    items: [{ sku: "A", quantity: 1, unitAmount: 10000 }],
    grossMinor: 10000,
    discountMinor: 0,
    commissionableMinor: 10000,
    shippingMinor: 0,
    taxMinor: 0,
    occurredAtMs: NOW,
    commissionLines: [],
    earners: ["par_ana", "par_sam"],
    cuts: [],
    availableAtMs,
  };
}

function commissionJournal(orderId: string): JournalFact {
  return {
    asset: "cash",
    bucket: "pending",
    causeType: "commission",
    causeKey: `commission:${orderId}`,
    eventId: orderId,
    orderId,
    legs: [
      { participantId: "par_ana", amountMinor: 1000, level: 1 },
      { participantId: "par_sam", amountMinor: 500, level: 2 },
    ],
  };
}

const grant = (fields: Partial<GrantFact>): GrantFact => ({
  goalId: "gol_1",
  version: 1,
  participantId: "par_ana",
  windowKey: "lifetime",
  step: 1,
  reward: { type: "points", points: 50 },
  valueAchieved: 10,
  eventId: "o-10",
  ...fields,
});

describe("outboxOfFacts", () => {
  describe("commission.created: one per level an order pays", () => {
    it.each([
      {
        held: "a 30-day hold",
        availableAtMs: NOW + 30 * DAY,
        status: "pending",
        availableAt: new Date(NOW + 30 * DAY).toISOString(),
      },
      {
        held: "no hold",
        availableAtMs: NOW,
        status: "available",
        availableAt: new Date(NOW).toISOString(),
      },
      { held: "a review", availableAtMs: null, status: "pending", availableAt: undefined },
    ])("with $held the commission is $status", ({ availableAtMs, status, availableAt }) => {
      const events = outboxOfFacts(
        {
          ...none,
          orders: [orderFact("o-1", availableAtMs)],
          journals: [commissionJournal("o-1")],
        },
        context,
      );
      const when = availableAt === undefined ? {} : { availableAt };
      expect(events).toEqual([
        {
          type: "commission.created",
          data: {
            eventId: "o-1",
            participantId: "par_ana",
            externalId: "ana",
            level: 1,
            amount: 1000,
            currency: "EUR",
            status,
            ...when,
          },
        },
        {
          type: "commission.created",
          data: {
            eventId: "o-1",
            participantId: "par_sam",
            externalId: "sam",
            level: 2,
            amount: 500,
            currency: "EUR",
            status,
            ...when,
          },
        },
      ]);
    });

    it("names no externalId for someone the facts were not decided with", () => {
      const [event] = outboxOfFacts(
        {
          ...none,
          orders: [orderFact("o-1", NOW)],
          journals: [
            {
              ...commissionJournal("o-1"),
              legs: [{ participantId: "par_unknown", amountMinor: 1, level: 1 }],
            },
          ],
        },
        context,
      );
      expect(event?.data).not.toHaveProperty("externalId");
    });
  });

  it("commission.reversed: a refund's negative legs are told as positive amounts taken back", () => {
    const refund: JournalFact = {
      asset: "cash",
      bucket: "pending",
      causeType: "refund",
      causeKey: "refund:r-1",
      eventId: "r-1",
      orderId: "o-1",
      legs: [
        { participantId: "par_ana", amountMinor: -500, level: 1, bucket: "pending" },
        { participantId: "par_sam", amountMinor: -250, level: 2, bucket: "available" },
      ],
    };
    expect(outboxOfFacts({ ...none, journals: [refund] }, context)).toEqual([
      {
        type: "commission.reversed",
        data: {
          eventId: "r-1",
          orderId: "o-1",
          participantId: "par_ana",
          level: 1,
          amount: 500,
          currency: "EUR",
        },
      },
      {
        type: "commission.reversed",
        data: {
          eventId: "r-1",
          orderId: "o-1",
          participantId: "par_sam",
          level: 2,
          amount: 250,
          currency: "EUR",
        },
      },
    ]);
  });

  it("a reward's own journal tells nothing beyond its reward.granted", () => {
    const reward: JournalFact = {
      asset: "points",
      bucket: "available",
      causeType: "reward",
      causeKey: "reward:gol_1:par_ana:lifetime:1",
      eventId: "o-10",
      orderId: null,
      legs: [{ participantId: "par_ana", amountMinor: 50, level: null }],
    };
    expect(
      outboxOfFacts({ ...none, journals: [reward], grants: [grant({})] }, context).map(
        (e) => e.type,
      ),
    ).toEqual(["reward.granted"]);
  });

  describe("reward.granted", () => {
    it("names the goal, the participant in both ids and the event that reached the step", () => {
      expect(outboxOfFacts({ ...none, grants: [grant({})] }, context)).toEqual([
        {
          type: "reward.granted",
          data: {
            goalId: "gol_1",
            goalName: "Ten orders",
            step: 1,
            participantId: "par_ana",
            externalId: "ana",
            reward: { type: "points", points: 50 },
            eventId: "o-10",
          },
        },
      ]);
    });

    it("a free product carries its voucher code; a grant made by a job names no event", () => {
      const reward = { type: "free_product" as const, sku: "SHIRT-M", voucherCode: "V-7K2M9Q" };
      const [event] = outboxOfFacts(
        { ...none, grants: [grant({ goalId: "gol_other", reward, eventId: null })] },
        context,
      );
      expect(event?.data).toEqual({
        goalId: "gol_other",
        step: 1,
        participantId: "par_ana",
        externalId: "ana",
        reward,
        voucherCode: "V-7K2M9Q",
      });
    });
  });

  describe("participant.updated from a level reward", () => {
    it("tells each change from where the previous one left the participant", () => {
      const events = outboxOfFacts(
        {
          ...none,
          levelChanges: [
            { programId: null, participantId: "par_ana", level: "gold" },
            { programId: null, participantId: "par_ana", level: "platinum" },
          ],
        },
        context,
      );
      expect(events.map((e) => e.data.changes)).toEqual([
        { level: { from: "silver", to: "gold" } },
        { level: { from: "gold", to: "platinum" } },
      ]);
      expect(events[1]?.data.participant).toMatchObject({ id: "par_ana", level: "platinum" });
    });

    it("tells nothing for a level it already had, or a level in another program", () => {
      expect(
        outboxOfFacts(
          {
            ...none,
            levelChanges: [
              { programId: null, participantId: "par_ana", level: "silver" },
              { programId: "prg_2", participantId: "par_ana_2", level: "gold" },
            ],
          },
          context,
        ),
      ).toEqual([]);
    });
  });

  it("fraud_flag.raised: only flags written, once per key", () => {
    const flag = (key: string, eventId: string): FlagFact => ({
      rule: "self_referral_ip",
      participantId: "par_ana",
      eventId,
      orderId: eventId,
      reason: "the buyer's IP address is one the seller uses",
      key,
    });
    expect(
      outboxOfFacts(
        {
          ...none,
          flags: [
            flag("self_referral_ip:o-1", "o-1"),
            flag("self_referral_ip:o-1", "o-1"),
            flag("self_referral_ip:o-0", "o-0"),
          ],
        },
        context,
      ),
    ).toEqual([
      {
        type: "fraud_flag.raised",
        data: {
          flagId: "flg_1",
          rule: "self_referral_ip",
          participantId: "par_ana",
          eventId: "o-1",
          orderId: "o-1",
          reason: "the buyer's IP address is one the seller uses",
        },
      },
    ]);
  });

  it("tells in order: commissions, reversals, rewards, levels, flags", () => {
    const types = outboxOfFacts(
      {
        orders: [orderFact("o-1", NOW)],
        journals: [
          {
            ...commissionJournal("o-1"),
            causeType: "refund",
            causeKey: "refund:r-1",
            eventId: "r-1",
          },
          commissionJournal("o-1"),
        ],
        grants: [grant({})],
        flags: [
          {
            rule: "self_referral_ip",
            participantId: "par_ana",
            eventId: "o-1",
            orderId: "o-1",
            reason: "r",
            key: "self_referral_ip:o-1",
          },
        ],
        levelChanges: [{ programId: null, participantId: "par_ana", level: "gold" }],
      },
      context,
    ).map((e) => e.type);
    expect(types).toEqual([
      "commission.created",
      "commission.created",
      "commission.reversed",
      "commission.reversed",
      "reward.granted",
      "participant.updated",
      "fraud_flag.raised",
    ]);
  });
});

describe("participant events", () => {
  it("participant.created carries the participant as the API presents it", () => {
    expect(participantCreated(ana, "https://laurel.example")).toEqual({
      type: "participant.created",
      data: {
        participant: {
          id: "par_ana",
          programId: "prg_1",
          externalId: "ana",
          email: "ana@example.com",
          name: "Ana",
          level: "silver",
          status: "active",
          sponsorId: "par_sam",
          referralCode: "ANA1",
          referralLink: "https://laurel.example/r/ANA1",
          createdAt: new Date(NOW - DAY).toISOString(),
        },
      },
    });
  });

  it.each([
    { change: { level: "gold" }, changes: { level: { from: "silver", to: "gold" } } },
    {
      change: { status: "suspended" as const },
      changes: { status: { from: "active", to: "suspended" } },
    },
    {
      change: { level: null, status: "suspended" as const },
      changes: { level: { from: "silver", to: null }, status: { from: "active", to: "suspended" } },
    },
  ])("participant.updated tells $changes", ({ change, changes }) => {
    const event = participantUpdated(ana, { ...ana, ...change }, "https://laurel.example");
    expect(event?.type).toBe("participant.updated");
    expect(event?.data.changes).toEqual(changes);
    expect(event?.data.participant).toMatchObject({ id: "par_ana", ...change });
  });

  it("a change of email or name alone is not a participant.updated", () => {
    expect(
      participantUpdated(ana, { ...ana, email: "new@example.com", name: "Ana B" }, "https://x"),
    ).toBeNull();
  });
});

it("payout.created: its id, total, currency and how many lines it pays", () => {
  expect(payoutCreated({ id: "pay_1", totalMinor: 1500, currency: "EUR", lines: 2 })).toEqual({
    type: "payout.created",
    data: { payoutId: "pay_1", total: 1500, currency: "EUR", lines: 2 },
  });
});
