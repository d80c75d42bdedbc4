import { beforeEach, describe, expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  only,
  order,
  sendEvents,
  useApi,
  type BalancesBody,
  type Collection,
  type EventResultBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { createGoal, progressOf, type GrantBody } from "../support/goals.ts";

interface ConversionResult extends EventResultBody {
  conversion?: { kind: string; paid: boolean; reason?: string; message?: string };
  fraud?: { rule: string; message: string };
}

interface FlagBody {
  id: string;
  rule: string;
  participantId: string;
  orderId: string | null;
  status: string;
}

const AT = "2026-11-20T10:00:00Z";
const NOW = Date.parse("2026-11-20T12:00:00Z");
const DAY = 86_400_000;

const signup = (id: string, fields: Record<string, unknown> = {}) => ({
  type: "signup",
  id,
  occurredAt: AT,
  ...fields,
});
const lead = (id: string, fields: Record<string, unknown> = {}) => ({
  type: "lead",
  id,
  occurredAt: AT,
  ...fields,
});

describeEachBackend("conversions beyond orders", (backend) => {
  let clock = NOW;
  const api = useApi(backend, { now: () => new Date(clock) });
  beforeEach(() => {
    clock = NOW;
  });

  /** Ana, sponsored by Sam, in a program whose plan is `commission`. */
  async function setUp(commission: Record<string, unknown> | undefined, extra = {}) {
    const program = await createProgram(api, {
      commission,
      landingUrl: "https://shop.example.com/",
      ...extra,
    });
    const sam = await createParticipant(api, program.id, { externalId: "sam" });
    const ana = await createParticipant(api, program.id, {
      externalId: "ana",
      email: "ana@example.com",
      sponsor: "sam",
      ips: ["203.0.113.7"],
    });
    const send = async (...events: Record<string, unknown>[]) => {
      const reply = await sendEvents(api, program.id, { events });
      expectStatus(reply, 200);
      return reply.body.results as ConversionResult[];
    };
    const cash = async (participantId: string) =>
      (
        await api.call<BalancesBody>(
          "GET",
          `/v1/programs/${program.id}/participants/${participantId}/balances`,
        )
      ).body.cash;
    const ledgerBalances = async () =>
      (
        await api.db.query<{ transfers: number; unbalanced: number }>(
          `select count(distinct transfer_id)::int as transfers,
             count(*) filter (where total <> 0)::int as unbalanced
           from (select transfer_id, sum(amount_minor) over (partition by transfer_id) as total
                 from ledger_entries where program_id = $1) t`,
          [program.id],
        )
      )[0];
    return { program, sam, ana, send, cash, ledgerBalances };
  }

  const paying = { rate: { percent: 10 }, upline: [{ percent: 50 }], holdDays: 0 };

  it("pays a referred customer's signup to the referrer, and the upline its rate of the amount", async () => {
    const { ana, sam, send, cash, ledgerBalances } = await setUp({
      ...paying,
      perSignup: { flat: 200 },
    });
    const [paid] = await send(signup("su-1", { code: ana.referralCode, customer: { id: "c-1" } }));
    expect(paid).toMatchObject({
      status: "processed",
      attributedTo: ana.id,
      attribution: { source: "code" },
      commissions: [
        { participantId: ana.id, level: 1, amount: 200 },
        { participantId: sam.id, level: 2, amount: 100 },
      ],
      conversion: { kind: "signup", paid: true },
    });
    await releaseDueHolds(api.services);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 200 });
    expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 100 });
    expect(await ledgerBalances()).toMatchObject({ unbalanced: 0 });
  });

  it("pays a flat upline rate as it is", async () => {
    const { ana, sam, send } = await setUp({
      ...paying,
      upline: [{ flat: 30 }],
      perSignup: { flat: 200 },
    });
    const [paid] = await send(signup("su-1", { participant: "ana", customer: { id: "c-1" } }));
    expect(paid?.commissions).toEqual([
      { participantId: ana.id, level: 1, amount: 200 },
      { participantId: sam.id, level: 2, amount: 30 },
    ]);
  });

  it("pays nothing for the same customer's second signup, by id or by email, and says why", async () => {
    const { ana, sam, send, cash } = await setUp({ ...paying, perSignup: { flat: 200 } });
    const first = signup("su-1", {
      code: ana.referralCode,
      customer: { id: "c-1", email: "Kim@Example.com" },
    });
    await send(first);
    const [byId, byEmail] = await send(
      signup("su-2", { code: ana.referralCode, customer: { id: "c-1" } }),
      signup("su-3", { code: sam.referralCode, customer: { email: "KIM@example.com" } }),
    );
    for (const again of [byId, byEmail]) {
      expect(again).toMatchObject({
        status: "processed",
        commissions: [],
        conversion: { kind: "signup", paid: false, reason: "converted_before" },
      });
      expect(again?.conversion?.message).toContain('"su-1"');
    }
    // A redelivery of the first is a duplicate, which books nothing either.
    const [redelivered] = await send(first);
    expect(redelivered?.status).toBe("duplicate");
    await releaseDueHolds(api.services);
    expect(await cash(ana.id)).toMatchObject({ available: 200 });
    expect(await cash(sam.id)).toMatchObject({ available: 100 });
  });

  it("pays a lead perLead, and a customer's signup and lead each once", async () => {
    const { ana, send } = await setUp({
      ...paying,
      upline: [],
      perSignup: { flat: 200 },
      perLead: { flat: 75 },
    });
    const results = await send(
      lead("ld-1", { code: ana.referralCode, customer: { id: "c-1" } }),
      signup("su-1", { code: ana.referralCode, customer: { id: "c-1" } }),
      lead("ld-2", { code: ana.referralCode, customer: { id: "c-1" } }),
    );
    expect(results.map((r) => [r.id, r.commissions, r.conversion?.paid])).toEqual([
      ["ld-1", [{ participantId: ana.id, level: 1, amount: 75 }], true],
      ["su-1", [{ participantId: ana.id, level: 1, amount: 200 }], true],
      ["ld-2", [], false],
    ]);
  });

  it("keys a conversion without a customer by its event id: each one pays", async () => {
    const { ana, send } = await setUp({ ...paying, upline: [], perLead: { flat: 75 } });
    const results = await send(
      lead("ld-1", { code: ana.referralCode }),
      lead("ld-2", { code: ana.referralCode }),
    );
    expect(results.map((r) => r.conversion?.paid)).toEqual([true, true]);
  });

  it("attributes a signup to the visitor's referral click within the cookie window", async () => {
    const { ana, send } = await setUp({ ...paying, upline: [], perSignup: { flat: 200 } });
    await send({
      type: "click",
      id: "cl-1",
      code: ana.referralCode,
      visitorId: "v-1",
      occurredAt: "2026-11-19T10:00:00Z",
    });
    const [paid] = await send(signup("su-1", { visitorId: "v-1", customer: { id: "c-1" } }));
    expect(paid).toMatchObject({ attributedTo: ana.id, attribution: { source: "click" } });
    expect(paid?.commissions).toEqual([{ participantId: ana.id, level: 1, amount: 200 }]);
  });

  it("pays nothing without a plan, or with a plan that does not pay for signups, and says so", async () => {
    const none = await setUp(undefined);
    const [loyalty] = await none.send(
      signup("su-1", { code: none.ana.referralCode, customer: { id: "c-1" } }),
    );
    expect(loyalty).toMatchObject({
      attributedTo: none.ana.id,
      commissions: [],
      conversion: { paid: false, reason: "not_paid_by_plan" },
    });
    const ordersOnly = await setUp(paying);
    const [unpaid] = await ordersOnly.send(
      signup("su-1", { code: ordersOnly.ana.referralCode, customer: { id: "c-1" } }),
    );
    expect(unpaid).toMatchObject({
      commissions: [],
      conversion: { paid: false, reason: "not_paid_by_plan" },
    });
    expect(await ordersOnly.ledgerBalances()).toMatchObject({ transfers: 0 });
  });

  it("does not attribute a signup whose customer is the participant themself", async () => {
    const { ana, send } = await setUp({ ...paying, perSignup: { flat: 200 } });
    const [own] = await send(
      signup("su-1", { code: ana.referralCode, customer: { email: "ana@example.com" } }),
    );
    expect(own).toMatchObject({
      attributedTo: null,
      commissions: [],
      attribution: { reason: "self_referral" },
    });
  });

  describe("caps and holds", () => {
    it("caps a conversion per order, and counts it against the monthly caps", async () => {
      const { ana, send } = await setUp({
        ...paying,
        upline: [],
        perSignup: { flat: 200 },
        caps: { perOrder: 150, perParticipantMonthly: 400 },
      });
      const results = await send(
        signup("su-1", { code: ana.referralCode, customer: { id: "c-1" } }),
        signup("su-2", { code: ana.referralCode, customer: { id: "c-2" } }),
        order("o-1", {
          code: ana.referralCode,
          items: [{ sku: "A", quantity: 1, unitAmount: 10_000 }],
        }),
        signup("su-3", { code: ana.referralCode, customer: { id: "c-3" } }),
      );
      expect(results.map((r) => r.commissions?.[0]?.amount ?? 0)).toEqual([150, 150, 100, 0]);
      expect(results[0]?.cuts).toEqual([{ rule: "per_order", beforeMinor: 200, afterMinor: 150 }]);
      expect(results[3]).toMatchObject({
        conversion: { paid: false, reason: "nothing_due" },
        cuts: expect.arrayContaining([
          expect.objectContaining({ rule: "per_participant_monthly" }),
        ]),
      });
    });

    it("holds a conversion's commission for holdDays, then the release job makes it available", async () => {
      const held = await setUp({ ...paying, holdDays: 10, perSignup: { flat: 200 } });
      const [paid] = await held.send(
        signup("su-1", { code: held.ana.referralCode, customer: { id: "c-1" } }),
      );
      expect(paid?.conversion?.paid).toBe(true);
      await releaseDueHolds(api.services);
      expect(await held.cash(held.ana.id)).toMatchObject({ pending: 200, available: 0 });
      clock += 11 * DAY;
      await releaseDueHolds(api.services);
      expect(await held.cash(held.ana.id)).toMatchObject({ pending: 0, available: 200 });
      expect(await held.cash(held.sam.id)).toMatchObject({ pending: 0, available: 100 });
      expect(await held.ledgerBalances()).toMatchObject({ unbalanced: 0 });
    });

    it("holds a signup from the referrer's own IP address for review and flags it; approval releases it", async () => {
      const { program, ana, send, cash } = await setUp({ ...paying, perSignup: { flat: 200 } });
      const [held] = await send(
        signup("su-1", {
          code: ana.referralCode,
          customer: { id: "c-1" },
          ip: "203.0.113.7",
        }),
      );
      expect(held).toMatchObject({
        attributedTo: ana.id,
        fraud: { rule: "self_referral_ip" },
        conversion: { paid: true },
      });
      await releaseDueHolds(api.services);
      expect(await cash(ana.id)).toMatchObject({ pending: 200, available: 0 });
      const flags = await api.call<Collection<FlagBody>>(
        "GET",
        `/v1/programs/${program.id}/flags?status=open`,
      );
      const flag = only(flags.body.items);
      expect(flag).toMatchObject({
        rule: "self_referral_ip",
        participantId: ana.id,
        orderId: "su-1",
      });
      const approved = await api.call(
        "POST",
        `/v1/programs/${program.id}/flags/${flag.id}/approve`,
      );
      expectStatus(approved, 200);
      expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 200 });
    });

    it("reverses a held lead's commission when its flag is rejected", async () => {
      const { program, ana, sam, send, cash, ledgerBalances } = await setUp({
        ...paying,
        perLead: { flat: 80 },
      });
      await send(lead("ld-1", { code: ana.referralCode, ip: "203.0.113.7" }));
      const flags = await api.call<Collection<FlagBody>>(
        "GET",
        `/v1/programs/${program.id}/flags?status=open`,
      );
      const rejected = await api.call(
        "POST",
        `/v1/programs/${program.id}/flags/${only(flags.body.items).id}/reject`,
      );
      expectStatus(rejected, 200);
      await releaseDueHolds(api.services);
      expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 0 });
      expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 0 });
      expect(await ledgerBalances()).toMatchObject({ unbalanced: 0 });
    });

    it("tells commission.created for each level a conversion pays", async () => {
      const { program, ana, sam, send } = await setUp({ ...paying, perSignup: { flat: 200 } });
      const endpoint = await api.call("POST", "/v1/webhook-endpoints", {
        // A public address literal: no host name resolves without a network.
        url: "https://93.184.215.14/laurel/webhooks",
        events: ["commission.created"],
        programId: program.id,
      });
      expectStatus(endpoint, 201);
      await send(signup("su-1", { code: ana.referralCode, customer: { id: "c-1" } }));
      const told = await api.db.query<{ data: Record<string, unknown> }>(
        `select data from outbox_events where program_id = $1 and type = 'commission.created'
         order by id`,
        [program.id],
      );
      expect(
        told.map((t) => [t.data.eventId, t.data.participantId, t.data.amount, t.data.status]),
      ).toEqual([
        ["su-1", ana.id, 200, "available"],
        ["su-1", sam.id, 100, "available"],
      ]);
    });

    it("refuses a refund that names a signup", async () => {
      const { ana, send } = await setUp({ ...paying, perSignup: { flat: 200 } });
      await send(signup("su-1", { code: ana.referralCode, customer: { id: "c-1" } }));
      const [refund] = await send({ type: "refund", id: "r-1", orderId: "su-1" });
      expect(refund).toMatchObject({ status: "rejected", error: { code: "invalid_event" } });
    });
  });

  describe("goals", () => {
    it("grants signup_count, lead_count and custom_count goals at their thresholds", async () => {
      const { program, ana, send } = await setUp({ ...paying, perSignup: { flat: 200 } });
      const signups = await createGoal(api, program.id, {
        name: "Signups",
        metric: "signup_count",
        steps: [{ threshold: 2, reward: { type: "points", points: 10 } }],
      });
      const leads = await createGoal(api, program.id, {
        name: "Leads",
        metric: "lead_count",
        steps: [{ threshold: 1, reward: { type: "points", points: 5 } }],
      });
      const webinars = await createGoal(api, program.id, {
        name: "Webinars",
        metric: "custom_count",
        filter: { name: "webinar_attended" },
        steps: [{ threshold: 2, reward: { type: "points", points: 7 } }],
      });
      const grantsOf = (r: ConversionResult | undefined) =>
        ((r?.grants ?? []) as GrantBody[]).map((g) => [g.goalId, g.participantId]);
      const code = ana.referralCode;
      const [first, repeat, second] = await send(
        signup("su-1", { code, customer: { id: "c-1" } }),
        // The same customer again counts nothing.
        signup("su-2", { code, customer: { id: "c-1" } }),
        signup("su-3", { code, customer: { id: "c-2" } }),
      );
      expect(grantsOf(first)).toEqual([]);
      expect(grantsOf(repeat)).toEqual([]);
      expect(grantsOf(second)).toEqual([[signups.id, ana.id]]);
      const [gotLead] = await send(lead("ld-1", { code, customer: { id: "c-1" } }));
      expect(grantsOf(gotLead)).toEqual([[leads.id, ana.id]]);
      const custom = (id: string, name: string, fields = {}) => ({
        type: "custom",
        id,
        name,
        occurredAt: AT,
        ...fields,
      });
      const [one, other, two] = await send(
        custom("cu-1", "webinar_attended", { participant: "ana", value: 40 }),
        custom("cu-2", "newsletter", { participant: "ana" }),
        // Without a participant, the customer whose id is a participant's external id.
        custom("cu-3", "webinar_attended", { customer: { id: "ana" } }),
      );
      expect(grantsOf(one)).toEqual([]);
      expect(grantsOf(other)).toEqual([]);
      expect(grantsOf(two)).toEqual([[webinars.id, ana.id]]);
      const progress = await progressOf(api, program.id, ana.id);
      const value = (id: string) => progress.find((p) => p.goalId === id)?.value;
      expect([value(signups.id), value(leads.id), value(webinars.id)]).toEqual([2, 1, 2]);
    });

    it("refuses a custom_count goal without a name to count, naming the field", async () => {
      const { program } = await setUp(paying);
      const reply = await api.call("POST", `/v1/programs/${program.id}/goals`, {
        name: "Webinars",
        metric: "custom_count",
        steps: [{ threshold: 2, reward: { type: "points", points: 7 } }],
      });
      expectError(reply, 422, "validation_failed");
      expect(reply.body).toMatchObject({ error: { details: [{ path: "filter.name" }] } });
      const misplaced = await api.call("POST", `/v1/programs/${program.id}/goals`, {
        name: "Signups",
        metric: "signup_count",
        filter: { name: "webinar_attended" },
        steps: [{ threshold: 2, reward: { type: "points", points: 7 } }],
      });
      expectError(misplaced, 422, "validation_failed");
      expect(misplaced.body).toMatchObject({ error: { details: [{ path: "filter.name" }] } });
    });
  });
});
