import {
  attributeOrder,
  pickClick,
  type AttributionSource,
  type Candidate,
  type Click,
} from "./attribution.ts";
import {
  calculateOrderCommissions,
  totalByEarner,
  valueOrder,
  type CommissionLine,
  type Earner,
  type ParticipantStatus,
} from "./commissions.ts";
import { normalizeCode, type ReceivedEvent } from "./events.ts";
import {
  calculateConversionCommissions,
  conversionAmount,
  conversionKeys,
  convertedBefore,
  memoryKey,
  screenConversion,
  type ConversionKind,
  type ConversionMemory,
} from "./conversions.ts";
import type { CommissionPlan } from "./program.ts";
import {
  clipToLeft,
  isFullyRefunded,
  planRefund,
  refundedValuesMinor,
  withRefund,
  type OrderState,
  type RefundItem,
  type RefundRequest,
  type Reversal,
} from "./refunds.ts";
import { applyCaps, type Caps, type Cut, type MonthUsage } from "./caps.ts";
import { Overlay, type Lookup } from "./overlay.ts";
import { monthOf } from "./periods.ts";
import {
  createGoalTracker,
  type Activity,
  type GoalState,
  type GrantFact,
  type LateFact,
  type ProgressFact,
} from "./goal-progress.ts";
import { settleGrant, type GrantOutcome } from "./goal-grants.ts";
import {
  floodingReason,
  hourOf,
  isFlooding,
  refundRateTooHigh,
  type FraudRule,
  type RefundAbuseRule,
} from "./fraud.ts";

/**
 * The pure heart of event processing: given a batch of events in the order
 * they were received and the program state they touch, it returns the facts
 * to write. Events later in the batch see the facts of earlier ones (a click
 * then an order from the same visitor is attributed to that click).
 */
export interface ParticipantState extends Candidate {
  readonly level: string | null;
  readonly status: ParticipantStatus;
  /** Sponsors above, nearest first. */
  readonly ancestors: readonly string[];
  /** Hashes of IP addresses the participant is known by (self-referral screening). */
  readonly ipHashes?: readonly string[];
  /** When their latest attributed order happened; null before their first sale. */
  readonly lastOrderAtMs?: number | null;
}

export interface ProgramRules {
  readonly currency: string;
  readonly plan: CommissionPlan | null;
  readonly cookieDays: number;
  readonly clickModel: "last_click" | "first_click";
  readonly bindCustomer: boolean;
  /** Days a commission stays pending before it can be paid. */
  readonly holdDays: number;
  /** The time of processing; holds start no earlier than this. */
  readonly nowMs: number;
  readonly timezone: string;
  readonly caps: Caps;
  readonly maxClicksPerHour: number;
  readonly refundAbuse: RefundAbuseRule | null;
  /** How long after a goal window closes an event dated inside it still counts. */
  readonly goalGraceMs: number;
}

export interface BatchState {
  /** By participant id: everyone the batch names, and their sponsors. */
  readonly participants: ReadonlyMap<string, ParticipantState>;
  /** By external id or participant id, as an event's `participant` names them. */
  readonly participantsByRef: ReadonlyMap<string, ParticipantState>;
  /** By normalized referral code. */
  readonly participantsByCode: ReadonlyMap<string, ParticipantState>;
  readonly clicksByVisitor: Lookup<string, readonly Click[]>;
  /** By customer key (see customerKeys). */
  readonly bindings: Lookup<string, string>;
  /**
   * By memoryKey(kind, customer key): each customer's first attributed signup
   * and lead, the ones that were paid and counted.
   */
  readonly conversions: Lookup<string, ConversionMemory>;
  /** By order id: the stored orders the batch's refunds name. */
  readonly orders: Lookup<string, OrderState>;
  /** By order id: stored refunds that arrived before the batch's orders. */
  readonly waitingRefunds: Lookup<string, readonly WaitingRefund[]>;
  /**
   * By event id: the type of each stored event, other than an order, that
   * a refund of the batch names as its order. Such a refund can never be
   * applied, so it is refused rather than left waiting.
   */
  readonly otherEvents: Lookup<string, string>;
  /**
   * By participant: when their own attributed orders happened, for sponsors
   * the plan's uplineQualification looks at (empty without one).
   */
  readonly personalOrders: Lookup<string, readonly number[]>;
  /** By month key (YYYY-MM): commissions already booked for the month's orders. */
  readonly monthUsage: Lookup<string, MonthUsage>;
  /** By `v:<visitor>` and `i:<ip hash>`: times of the last hour's clicks before the batch. */
  readonly recentClicks: Lookup<string, readonly number[]>;
  /** By seller: whether each of their latest orders was refunded, newest first. */
  readonly refundHistory: Lookup<string, readonly boolean[]>;
  /** The program's goals and the progress, grants and targets of the batch's participants. */
  readonly goals: GoalState;
  /**
   * By `programId|externalId`: the same people's memberships in the other
   * programs goal rewards credit.
   */
  readonly memberships: ReadonlyMap<string, string>;
}

/** Something an admin should look at; for a held order, approving releases it. */
export interface FlagFact {
  readonly rule: FraudRule;
  readonly participantId: string;
  readonly eventId: string;
  readonly orderId: string | null;
  readonly reason: string;
  /** One flag per key: a flood of clicks raises one flag per visitor per hour. */
  readonly key: string;
}

export interface WaitingRefund {
  readonly refundId: string;
  readonly items: readonly RefundItem[] | undefined;
  /** Set for a refund by amount: minor units of the order's total. */
  readonly amountMinor: number | undefined;
}

export interface EventError {
  readonly code: string;
  readonly message: string;
  readonly details?: readonly unknown[];
}

export interface CommissionOutcome {
  readonly participantId: string;
  readonly level: number;
  readonly amount: number;
}

export interface ProcessedOutcome {
  readonly id: string;
  readonly status: "processed";
  readonly type: ReceivedEvent["type"];
  readonly attributedTo: string | null;
  readonly attribution: {
    readonly source: AttributionSource | null;
    readonly reason?: string;
    readonly message?: string;
  } | null;
  readonly commissions: readonly CommissionOutcome[];
  readonly grants: readonly GrantOutcome[];
  /** Goal windows that had closed (grace included) before the event arrived: not counted. */
  readonly late?: readonly {
    readonly goalId: string;
    readonly window: string;
    readonly message: string;
  }[];
  readonly skippedLevels?: readonly { level: number; participantId: string; reason: string }[];
  /** What maxTotalPercent and the caps took off, and which rule did. */
  readonly cuts?: readonly Cut[];
  /** A fraud rule that applied: the click was not counted, or the commission is held for review. */
  readonly fraud?: { readonly rule: FraudRule; readonly message: string };
  /** For an attributed signup or lead: whether it paid, and why not. */
  readonly conversion?: {
    readonly kind: ConversionKind;
    readonly paid: boolean;
    readonly reason?: "converted_before" | "not_paid_by_plan" | "nothing_due";
    readonly message?: string;
  };
  readonly refund?: {
    readonly orderId: string;
    readonly state: "applied" | "waiting_for_order";
    /** The commissionable value returned, in minor units. */
    readonly valueMinor: number;
  };
}

export type EventOutcome =
  | ProcessedOutcome
  | { readonly id: string; readonly status: "rejected"; readonly error: EventError };

export interface ClickFact {
  readonly eventId: string;
  readonly ipHash: string | null;
  readonly participantId: string;
  readonly code: string;
  readonly visitorId: string | null;
  readonly occurredAtMs: number;
}

export interface BindingFact {
  readonly customerKey: string;
  readonly participantId: string;
  readonly eventId: string;
  readonly boundAtMs: number;
}

export interface OrderFact {
  readonly orderId: string;
  readonly participantId: string | null;
  readonly attribution: string;
  readonly customerId: string | null;
  readonly customerEmail: string | null;
  readonly currency: string;
  readonly items: readonly { sku: string; quantity: number; unitAmount: number }[];
  readonly grossMinor: number;
  readonly discountMinor: number;
  readonly commissionableMinor: number;
  /** Charged on top of the items; never commissionable, but part of what a refund by amount divides. */
  readonly shippingMinor: number;
  readonly taxMinor: number;
  readonly occurredAtMs: number;
  /** Per item per paid level: what a refund reverses in proportion. */
  readonly commissionLines: readonly CommissionLine[];
  /** The participant paid at each level: earners[0] is level 1; null where none was. */
  readonly earners: readonly (string | null)[];
  /** What maxTotalPercent and the caps took off this order's commissions. */
  readonly cuts: readonly Cut[];
  /** When the commissions leave their hold; null while held for review, or without commissions. */
  readonly availableAtMs: number | null;
}

/**
 * A customer's first attributed signup or lead, remembered by each of its
 * keys so the customer's next one of the kind pays and counts nothing.
 */
export interface ConversionFact {
  readonly eventId: string;
  readonly kind: ConversionKind;
  readonly participantId: string;
  /** The keys it is remembered by (see conversionKeys). */
  readonly keys: readonly string[];
  readonly occurredAtMs: number;
  /** When its commissions leave their hold; null while held for review, or without commissions. */
  readonly availableAtMs: number | null;
}

/** A refund as stored: applied to its order, or waiting for the order to arrive. */
export interface RefundFact {
  readonly refundId: string;
  readonly orderId: string;
  readonly items: readonly RefundItem[] | undefined;
  /** The amount of the order's total a refund by amount asked for. */
  readonly amountMinor: number | undefined;
  readonly occurredAtMs: number;
  readonly applied: {
    readonly quantities: readonly number[];
    /** What it took of the total by amount (less than asked when it waited and others took some). */
    readonly amountMinor: number;
    readonly valueMinor: number;
  } | null;
}

/**
 * One balanced movement of money or points with one cause: amounts into
 * participants' accounts (the legs), which the store balances with one entry
 * on the program's account.
 */
export interface JournalFact {
  readonly asset: "cash" | "points" | "product";
  readonly bucket: "pending" | "available" | "paid" | "reversed";
  readonly causeType: "commission" | "refund" | "release" | "payout" | "review" | "reward";
  /** Unique per program: the same cause is never booked twice. */
  readonly causeKey: string;
  readonly eventId: string | null;
  /** The order the journal belongs to, for commissions, refunds and releases. */
  readonly orderId: string | null;
  readonly legs: readonly {
    readonly participantId: string;
    readonly amountMinor: number;
    readonly level: number | null;
    /** Overrides the journal's bucket for this leg (a release moves pending to available). */
    readonly bucket?: "pending" | "available" | "paid" | "reversed";
  }[];
  /** Books into another program of the brand (a goal reward that credits it). */
  readonly programId?: string;
  /** The goal step a reward journal pays. */
  readonly goal?: { readonly goalId: string; readonly version: number; readonly step: number };
  /** A free product: one unit of the SKU, with its voucher. */
  readonly product?: { readonly sku: string; readonly voucherCode: string };
}

/** A reward that changes a participant's level (here, or in the program it credits). */
export interface LevelChangeFact {
  readonly programId: string | null;
  readonly participantId: string;
  readonly level: string;
}

export interface BatchFacts {
  readonly outcomes: readonly EventOutcome[];
  readonly clicks: readonly ClickFact[];
  readonly bindings: readonly BindingFact[];
  readonly orders: readonly OrderFact[];
  readonly conversions: readonly ConversionFact[];
  readonly journals: readonly JournalFact[];
  /** New refunds, applied or waiting. */
  readonly refunds: readonly RefundFact[];
  /** Stored refunds that were waiting and are applied now that their order is here. */
  readonly appliedWaiting: readonly RefundFact[];
  readonly flags: readonly FlagFact[];
  /** Goal windows whose value changed: the latest value of each. */
  readonly progress: readonly ProgressFact[];
  readonly grants: readonly GrantFact[];
  readonly levelChanges: readonly LevelChangeFact[];
  /** Sellers' latest attributed orders. */
  readonly lastOrders: readonly { readonly participantId: string; readonly atMs: number }[];
  /** Every order the batch stored or refunded, as it stands after the batch: what a later batch reads. */
  readonly orderStates: readonly OrderState[];
}

export function processEvents(
  rules: ProgramRules,
  state: BatchState,
  events: readonly ReceivedEvent[],
  voucherCode: () => string = () => {
    throw new Error("a free product needs a voucher code source");
  },
): BatchFacts {
  const clicksByVisitor = new Overlay(state.clicksByVisitor);
  const bindings = new Overlay(state.bindings);
  const conversions = new Overlay(state.conversions);
  const facts = {
    outcomes: [] as EventOutcome[],
    clicks: [] as ClickFact[],
    bindings: [] as BindingFact[],
    orders: [] as OrderFact[],
    conversions: [] as ConversionFact[],
    journals: [] as JournalFact[],
    refunds: [] as RefundFact[],
    appliedWaiting: [] as RefundFact[],
    flags: [] as FlagFact[],
    levelChanges: [] as LevelChangeFact[],
    lastOrders: [] as { participantId: string; atMs: number }[],
  };
  const tracker = createGoalTracker(
    { timezone: rules.timezone, nowMs: rules.nowMs, graceMs: rules.goalGraceMs },
    state.goals,
    voucherCode,
  );
  const levels = new Map<string, string | null>();
  const levelOf = (participantId: string) =>
    levels.has(participantId)
      ? (levels.get(participantId) ?? null)
      : (state.participants.get(participantId)?.level ?? null);
  /** Counts an activity towards the goals and books what it grants; returns the outcome's part. */
  const track = (
    activity: Activity,
    eventId: string,
  ): { grants: GrantOutcome[]; late: LateFact[] } => {
    if (state.goals.goals.length === 0) return { grants: [], late: [] };
    const who = { participantId: activity.participantId, level: levelOf(activity.participantId) };
    const result = tracker.record(activity, who, eventId);
    return { grants: result.grants.map((g) => book(g)), late: result.late };
  };
  /** Books a grant's journal (or level change) and reports it. */
  const book = (g: GrantFact): GrantOutcome => {
    const settled = settleGrant(
      g,
      state.participants.get(g.participantId)?.externalId,
      state.memberships,
    );
    if (settled.journal) facts.journals.push(settled.journal);
    if (settled.levelChange) {
      facts.levelChanges.push(settled.levelChange);
      if (settled.levelChange.programId === null)
        levels.set(settled.levelChange.participantId, settled.levelChange.level);
    }
    return settled.outcome;
  };
  /**
   * What a refund returns, as goals measure it: each item's units (none for a
   * refund by amount) and its share of the value. The value is the
   * difference of what was refunded before and after, so that partial
   * refunds of one item sum exactly to its value.
   */
  const refundActivity = (
    before: OrderState,
    after: OrderState,
    quantities: readonly number[],
  ): Activity | null => {
    if (before.participantId === null) return null;
    const was = refundedValuesMinor(before);
    const now = refundedValuesMinor(after);
    const orderFullyRefunded = isFullyRefunded(after);
    const items = before.items.map((item, i) => ({
      sku: item.sku,
      quantity: quantities[i] ?? 0,
      valueMinor: (now[i] ?? 0) - (was[i] ?? 0),
    }));
    return {
      kind: "refund",
      participantId: before.participantId,
      atMs: before.occurredAtMs,
      // The refund that leaves nothing names every item, so an order counted
      // for any of its SKUs stops counting.
      items: orderFullyRefunded ? items : items.filter((i) => i.quantity > 0 || i.valueMinor > 0),
      orderFullyRefunded,
    };
  };
  const goalFields = (tracked: { grants: GrantOutcome[]; late: LateFact[] }) => ({
    grants: tracked.grants,
    ...(tracked.late.length > 0
      ? {
          late: tracked.late.map((l) => ({
            goalId: l.goalId,
            window: l.windowKey,
            message: l.message,
          })),
        }
      : {}),
  });
  const recentClicks = new Overlay(state.recentClicks);
  /** Why an attributed order's commissions must wait for an admin, if they must. */
  const screenOrder = (
    event: ReceivedEvent,
    seller: ParticipantState,
  ): { rule: FraudRule; message: string } | null => {
    const abuse = rules.refundAbuse
      ? refundRateTooHigh(refundHistory.get(seller.participantId) ?? [], rules.refundAbuse)
      : null;
    if (abuse) return { rule: "refund_abuse", message: abuse };
    if (event.ipHash !== undefined && (seller.ipHashes ?? []).includes(event.ipHash))
      return {
        rule: "self_referral_ip",
        message: "the buyer's IP address is one the seller uses; commissions are held for review",
      };
    return null;
  };
  const refundHistory = new Overlay(state.refundHistory);
  const orders = new Overlay(state.orders);
  /** By month key: the month's budgets as loaded, and what the batch has spent of them since. */
  const monthUsage = new Map<
    string,
    { byParticipant: Overlay<string, number>; programMinor: number }
  >();
  const hasMonthlyCaps =
    rules.caps.perParticipantMonthlyMinor !== null || rules.caps.programMonthlyMinor !== null;
  /** Caps the order's lines, and counts what is left against the month's budgets. */
  const capped = (lines: readonly CommissionLine[], atMs: number) => {
    const month = hasMonthlyCaps ? monthOf(atMs, rules.timezone).key : "";
    let usage = monthUsage.get(month);
    if (!usage) {
      const loaded = state.monthUsage.get(month);
      usage = {
        byParticipant: new Overlay(loaded?.byParticipant ?? new Map<string, number>()),
        programMinor: loaded?.programMinor ?? 0,
      };
      monthUsage.set(month, usage);
    }
    const result = applyCaps(lines, rules.caps, usage);
    if (hasMonthlyCaps) {
      for (const l of result.lines)
        usage.byParticipant.set(
          l.participantId,
          (usage.byParticipant.get(l.participantId) ?? 0) + l.amountMinor,
        );
      usage.programMinor += result.lines.reduce((a, l) => a + l.amountMinor, 0);
    }
    return result;
  };
  const personal = new Overlay(state.personalOrders);
  const qualification = rules.plan?.uplineQualification ?? null;
  /** Sponsors above the seller, nearest first, each marked qualified or not for an order at `atMs`. */
  const paidLevels = rules.plan?.upline.length ?? 0;
  const uplineOf = (seller: ParticipantState, atMs: number) => {
    const upline: Earner[] = [];
    for (const id of seller.ancestors.slice(0, paidLevels)) {
      const sponsor = state.participants.get(id);
      // Levels are positions in the chain: a sponsor missing from the state
      // would shift everyone above, so the chain stops there instead.
      if (!sponsor) break;
      if (!qualification) {
        upline.push(sponsor);
        continue;
      }
      const sinceMs = atMs - qualification.days * 86_400_000;
      const recent = (personal.get(id) ?? []).filter((t) => t > sinceMs && t <= atMs).length;
      upline.push({ ...sponsor, qualified: recent >= qualification.minPersonalOrders });
    }
    return upline;
  };
  const waiting = new Overlay(state.waitingRefunds);
  /** By seller: their latest attributed order in the batch (or before it). */
  const lastOrder = new Map<string, number>();
  /** Books what a refund takes back, as one journal of negative legs. */
  const reverse = (refundId: string, order: OrderState, reversals: readonly Reversal[]) => {
    if (reversals.length === 0) return;
    facts.journals.push({
      asset: "cash",
      bucket: "pending",
      causeType: "refund",
      causeKey: `refund:${refundId}`,
      eventId: refundId,
      orderId: order.orderId,
      // A line still on hold is cancelled before it is ever available; a
      // released one is taken back from available, where a line already paid
      // leaves a negative balance that the next payout nets out.
      legs: reversals.map((r) => ({
        participantId: r.participantId,
        amountMinor: -r.amountMinor,
        level: r.level,
        bucket: order.releasedLevels.includes(r.level)
          ? ("available" as const)
          : ("pending" as const),
      })),
    });
  };
  /**
   * Books an order's or a conversion's commissions as one pending journal,
   * and the flag that holds them when a fraud rule applied: the event's id
   * names the hold, its review and its ledger entries.
   */
  const bookCommissions = (
    eventId: string,
    earnerId: string,
    totals: readonly { participantId: string; level: number; amountMinor: number }[],
    review: { rule: FraudRule; message: string } | null,
  ) => {
    if (totals.length === 0) return;
    if (review)
      facts.flags.push({
        rule: review.rule,
        participantId: earnerId,
        eventId,
        orderId: eventId,
        reason: review.message,
        key: `${review.rule}:${eventId}`,
      });
    facts.journals.push({
      asset: "cash",
      bucket: "pending",
      causeType: "commission",
      causeKey: `commission:${eventId}`,
      eventId,
      orderId: eventId,
      legs: totals.map((t) => ({
        participantId: t.participantId,
        amountMinor: t.amountMinor,
        level: t.level,
      })),
    });
  };
  const reject = (id: string, code: string, message: string) =>
    facts.outcomes.push({ id, status: "rejected", error: { code, message } });
  /** An attributed participant: the state holds everyone the batch's events can name. */
  const loaded = (participantId: string): ParticipantState => {
    const participant = state.participants.get(participantId);
    if (!participant) throw new Error(`attributed participant ${participantId} was not loaded`);
    return participant;
  };
  const processed = (event: ReceivedEvent, fields: Partial<ProcessedOutcome> = {}) =>
    facts.outcomes.push({
      id: event.id,
      status: "processed",
      type: event.type,
      attributedTo: null,
      attribution: null,
      commissions: [],
      grants: [],
      ...fields,
    });
  /** Binds each key not bound yet to the participant; the first binding stands. */
  const bindKeys = (event: ReceivedEvent, keys: readonly string[], participantId: string) => {
    for (const key of keys) {
      if (bindings.has(key)) continue;
      bindings.set(key, participantId);
      facts.bindings.push({
        customerKey: key,
        participantId,
        eventId: event.id,
        boundAtMs: event.occurredAtMs,
      });
    }
  };
  /** The customer's keys a binding can credit: none while the program does not bind customers. */
  const boundKeys = (customer: { id?: string; email?: string } | undefined) =>
    rules.bindCustomer ? customerKeys(customer) : [];
  const bind = (
    event: ReceivedEvent,
    customer: { id?: string; email?: string } | undefined,
    participantId: string,
  ) => bindKeys(event, boundKeys(customer), participantId);
  /** A subscription is bound to its first order's participant whatever the program says of customers: its renewals are that sale going on. */
  const bindSubscription = (event: ReceivedEvent & { type: "order" }, participantId: string) =>
    bindKeys(event, subscriptionKeys(event), participantId);

  /**
   * Who could be credited with an order or a conversion, by source: the
   * participant it names, its code, the visitor's referral click within the
   * cookie window, and whoever the first bound key of `keys` is bound to.
   */
  const candidatesOf = (
    event: ReceivedEvent & { code?: string; visitorId?: string },
    named: ParticipantState | undefined,
    keys: readonly string[],
  ): Partial<Record<AttributionSource, Candidate>> => {
    const click = event.visitorId
      ? pickClick(
          clicksByVisitor.get(event.visitorId) ?? [],
          event.occurredAtMs,
          rules.cookieDays,
          rules.clickModel,
        )
      : null;
    const boundTo = keys.map((k) => bindings.get(k)).find((p) => p !== undefined);
    return {
      participant: named,
      code: event.code ? state.participantsByCode.get(normalizeCode(event.code)) : undefined,
      click: click ? state.participants.get(click.participantId) : undefined,
      customer: boundTo ? state.participants.get(boundTo) : undefined,
    };
  };

  // What each id of the batch is, so a refund naming a refund (or itself) is refused.
  const batchTypes = new Map(events.map((e) => [e.id, e.type]));
  for (const event of events) {
    const named =
      "participant" in event && event.participant !== undefined
        ? state.participantsByRef.get(event.participant)
        : undefined;
    if ("participant" in event && event.participant !== undefined && !named) {
      reject(
        event.id,
        "unknown_participant",
        `no participant with external id or id "${event.participant}" in this program`,
      );
      continue;
    }
    switch (event.type) {
      case "click": {
        const owner = state.participantsByCode.get(normalizeCode(event.code));
        if (!owner) {
          reject(event.id, "unknown_code", `no participant has the referral code "${event.code}"`);
          break;
        }
        const keys = [
          ...(event.visitorId === undefined ? [] : [`v:${event.visitorId}`]),
          ...(event.ipHash === undefined ? [] : [`i:${event.ipHash}`]),
        ];
        if (
          keys.some((k) =>
            isFlooding(recentClicks.get(k) ?? [], event.occurredAtMs, rules.maxClicksPerHour),
          )
        ) {
          const message = floodingReason(rules.maxClicksPerHour);
          facts.flags.push({
            rule: "click_flooding",
            participantId: owner.participantId,
            eventId: event.id,
            orderId: null,
            reason: message,
            key: `click_flooding:${keys[0] ?? event.id}:${hourOf(event.occurredAtMs)}`,
          });
          processed(event, { fraud: { rule: "click_flooding", message } });
          break;
        }
        for (const k of keys)
          recentClicks.set(k, [...(recentClicks.get(k) ?? []), event.occurredAtMs]);
        facts.clicks.push({
          eventId: event.id,
          ipHash: event.ipHash ?? null,
          participantId: owner.participantId,
          code: normalizeCode(event.code),
          visitorId: event.visitorId ?? null,
          occurredAtMs: event.occurredAtMs,
        });
        if (event.visitorId !== undefined) {
          const seen = clicksByVisitor.get(event.visitorId) ?? [];
          clicksByVisitor.set(event.visitorId, [
            ...seen,
            { participantId: owner.participantId, occurredAtMs: event.occurredAtMs },
          ]);
        }
        processed(event, { attributedTo: owner.participantId, attribution: { source: "code" } });
        break;
      }
      case "signup":
      case "lead": {
        const attribution = attributeOrder({
          candidates: candidatesOf(event, named, boundKeys(event.customer)),
          customer: { id: event.customer?.id ?? null, email: event.customer?.email ?? null },
          paysCommission: rules.plan !== null,
        });
        if (attribution.participantId === null) {
          processed(event, { attribution: unattributed(attribution) });
          break;
        }
        const referrer = loaded(attribution.participantId);
        bind(event, event.customer, referrer.participantId);
        const kind = event.type;
        const attributed = {
          attributedTo: referrer.participantId,
          attribution: { source: attribution.source },
        };
        const keys = conversionKeys(event.id, customerKeys(event.customer));
        const first = keys
          .map((k) => conversions.get(memoryKey(kind, k)))
          .find((m) => m !== undefined);
        if (first) {
          processed(event, {
            ...attributed,
            conversion: {
              kind,
              paid: false,
              reason: "converted_before",
              message: convertedBefore(kind, first),
            },
          });
          break;
        }
        for (const k of keys)
          conversions.set(memoryKey(kind, k), {
            eventId: event.id,
            participantId: referrer.participantId,
          });
        const amountMinor = conversionAmount(rules.plan, kind);
        const commissions =
          rules.plan && amountMinor !== null
            ? calculateConversionCommissions({
                amountMinor,
                plan: rules.plan,
                referrer,
                upline: uplineOf(referrer, event.occurredAtMs),
              })
            : { lines: [], skipped: [] };
        // The caps count a conversion like an order: perOrder bounds its
        // lines, and it spends the month's budgets.
        const afterCaps = capped(commissions.lines, event.occurredAtMs);
        const totals = totalByEarner(afterCaps.lines);
        const review =
          totals.length > 0 ? screenConversion(event.ipHash, referrer.ipHashes ?? []) : null;
        facts.conversions.push({
          eventId: event.id,
          kind,
          participantId: referrer.participantId,
          keys,
          occurredAtMs: event.occurredAtMs,
          availableAtMs:
            review || totals.length === 0
              ? null
              : Math.max(event.occurredAtMs, rules.nowMs) + rules.holdDays * 86_400_000,
        });
        // The conversion's id stands for an order wherever a hold is kept:
        // its release, its review, its ledger entries.
        bookCommissions(event.id, referrer.participantId, totals, review);
        const tracked = track(
          { kind, participantId: referrer.participantId, atMs: event.occurredAtMs },
          event.id,
        );
        processed(event, {
          ...goalFields(tracked),
          ...attributed,
          commissions: totals.map((t) => ({
            participantId: t.participantId,
            level: t.level,
            amount: t.amountMinor,
          })),
          ...(commissions.skipped.length > 0 ? { skippedLevels: commissions.skipped } : {}),
          ...(afterCaps.cuts.length > 0 ? { cuts: afterCaps.cuts } : {}),
          ...(review ? { fraud: review } : {}),
          conversion:
            totals.length > 0
              ? { kind, paid: true }
              : amountMinor === null || amountMinor === 0
                ? {
                    kind,
                    paid: false,
                    reason: "not_paid_by_plan",
                    message: `the program's plan pays nothing for a ${kind} (commission.${kind === "signup" ? "perSignup" : "perLead"})`,
                  }
                : {
                    kind,
                    paid: false,
                    reason: "nothing_due",
                    message: "nothing was left to pay: skippedLevels and cuts say why",
                  },
        });
        break;
      }
      case "order": {
        if (event.currency !== undefined && event.currency !== rules.currency) {
          reject(
            event.id,
            "currency_mismatch",
            `the order is in ${event.currency} but the program pays in ${rules.currency}; send amounts in ${rules.currency}`,
          );
          break;
        }
        const customer = { id: event.customer?.id ?? null, email: event.customer?.email ?? null };
        const attribution = attributeOrder({
          candidates: candidatesOf(event, named, [
            ...boundKeys(event.customer),
            ...subscriptionKeys(event),
          ]),
          customer,
          paysCommission: rules.plan !== null,
        });
        const value = valueOrder(
          event.items.map((i) => ({
            sku: i.sku,
            quantity: i.quantity,
            unitAmountMinor: i.unitAmount,
          })),
          event.discount ?? 0,
        );
        const order = (
          commissionLines: readonly CommissionLine[],
          earners: (string | null)[],
          cuts: readonly Cut[],
          availableAtMs: number | null,
        ) => {
          facts.orders.push({
            orderId: event.id,
            participantId: attribution.participantId,
            attribution:
              attribution.participantId === null ? attribution.reason : attribution.source,
            customerId: customer.id,
            customerEmail: customer.email,
            currency: rules.currency,
            items: event.items,
            grossMinor: value.grossMinor,
            discountMinor: value.grossMinor - value.commissionableMinor,
            commissionableMinor: value.commissionableMinor,
            shippingMinor: event.shipping ?? 0,
            taxMinor: event.tax ?? 0,
            occurredAtMs: event.occurredAtMs,
            commissionLines,
            earners,
            cuts,
            availableAtMs,
          });
          let current: OrderState = {
            orderId: event.id,
            participantId: attribution.participantId,
            occurredAtMs: event.occurredAtMs,
            items: event.items,
            lineBasesMinor: value.lineBasesMinor,
            totalMinor: value.commissionableMinor + (event.shipping ?? 0) + (event.tax ?? 0),
            commissionLines,
            earners: earners.map((e) => e ?? ""),
            refundedQuantities: event.items.map(() => 0),
            refundedAmountMinor: 0,
            releasedLevels: [],
          };
          // Refunds that arrived first are applied now, as far as the order allows.
          for (const early of waiting.get(event.id) ?? []) {
            const plan = planRefund(current, clipToLeft(current, requestOf(early)));
            if (!plan.ok) continue;
            reverse(early.refundId, current, plan.reversals);
            const next = withRefund(current, plan);
            const returned = refundActivity(current, next, plan.quantities);
            if (returned) track(returned, early.refundId);
            current = next;
            const applied = {
              quantities: plan.quantities,
              amountMinor: plan.amountMinor,
              valueMinor: plan.valueMinor,
            };
            const fresh = facts.refunds.find((r) => r.refundId === early.refundId);
            if (fresh) facts.refunds[facts.refunds.indexOf(fresh)] = { ...fresh, applied };
            else
              facts.appliedWaiting.push({
                refundId: early.refundId,
                orderId: event.id,
                items: early.items,
                amountMinor: early.amountMinor,
                occurredAtMs: event.occurredAtMs,
                applied,
              });
          }
          waiting.delete(event.id);
          orders.set(event.id, current);
        };
        /** The seller's progress, and their sponsor's when this is the seller's first sale. */
        const trackSale = (seller: ParticipantState) => {
          const sale = track(
            {
              kind: "order",
              participantId: seller.participantId,
              atMs: event.occurredAtMs,
              items: event.items.map((item, i) => ({
                sku: item.sku,
                quantity: item.quantity,
                valueMinor: value.lineBasesMinor[i] ?? 0,
              })),
            },
            event.id,
          );
          const previous = lastOrder.has(seller.participantId)
            ? lastOrder.get(seller.participantId)
            : (seller.lastOrderAtMs ?? null);
          lastOrder.set(seller.participantId, Math.max(previous ?? 0, event.occurredAtMs));
          const sponsor = seller.ancestors[0];
          if (previous !== null || sponsor === undefined) return sale;
          const referral = track(
            { kind: "referral", participantId: sponsor, atMs: event.occurredAtMs },
            event.id,
          );
          return {
            grants: [...sale.grants, ...referral.grants],
            late: [...sale.late, ...referral.late],
          };
        };
        if (attribution.participantId === null) {
          order([], [], [], null);
          processed(event, { attribution: unattributed(attribution) });
          break;
        }
        const seller = loaded(attribution.participantId);
        bind(event, event.customer, seller.participantId);
        bindSubscription(event, seller.participantId);
        // Kept only where a rule reads it: upline qualification.
        if (qualification)
          personal.set(seller.participantId, [
            ...(personal.get(seller.participantId) ?? []),
            event.occurredAtMs,
          ]);
        const commissions = rules.plan
          ? calculateOrderCommissions({
              items: event.items.map((i) => ({
                sku: i.sku,
                quantity: i.quantity,
                unitAmountMinor: i.unitAmount,
              })),
              discountMinor: event.discount ?? 0,
              plan: rules.plan,
              seller,
              upline: uplineOf(seller, event.occurredAtMs),
            })
          : { lines: [], skipped: [], cut: null };
        const afterCaps = capped(commissions.lines, event.occurredAtMs);
        const lines = afterCaps.lines;
        const cuts = [...(commissions.cut ? [commissions.cut] : []), ...afterCaps.cuts];
        const totals = totalByEarner(lines);
        const earners: (string | null)[] = [];
        for (const t of totals) earners[t.level - 1] = t.participantId;
        const review = screenOrder(event, seller);
        // The hold runs from the order or from booking, whichever is later, so
        // an order imported late still waits its full hold for refunds.
        // Commissions held for review have no end to their hold: only an
        // admin's approval releases them.
        order(
          lines,
          Array.from(earners, (e) => e ?? null),
          cuts,
          review || totals.length === 0
            ? null
            : Math.max(event.occurredAtMs, rules.nowMs) + rules.holdDays * 86_400_000,
        );
        // Kept only where a rule reads it: refund abuse.
        if (rules.refundAbuse)
          refundHistory.set(seller.participantId, [
            false,
            ...(refundHistory.get(seller.participantId) ?? []),
          ]);
        bookCommissions(event.id, seller.participantId, totals, review);
        const tracked = trackSale(seller);
        processed(event, {
          ...goalFields(tracked),
          attributedTo: seller.participantId,
          attribution: { source: attribution.source },
          commissions: totals.map((t) => ({
            participantId: t.participantId,
            level: t.level,
            amount: t.amountMinor,
          })),
          ...(commissions.skipped.length > 0 ? { skippedLevels: commissions.skipped } : {}),
          ...(cuts.length > 0 ? { cuts } : {}),
          ...(review && totals.length > 0 ? { fraud: review } : {}),
        });
        break;
      }
      case "refund": {
        const target = orders.get(event.orderId);
        const named = batchTypes.get(event.orderId) ?? state.otherEvents.get(event.orderId);
        if (!target && named !== undefined && named !== "order") {
          reject(
            event.id,
            "invalid_event",
            `orderId "${event.orderId}" names a ${named} event, not an order; a refund names the id of the order it refunds`,
          );
          break;
        }
        if (!target) {
          // Webhooks arrive out of order: the refund waits for its order.
          const early = { refundId: event.id, items: event.items, amountMinor: event.amount };
          waiting.set(event.orderId, [...(waiting.get(event.orderId) ?? []), early]);
          facts.refunds.push({
            ...early,
            orderId: event.orderId,
            occurredAtMs: event.occurredAtMs,
            applied: null,
          });
          processed(event, {
            refund: { orderId: event.orderId, state: "waiting_for_order", valueMinor: 0 },
          });
          break;
        }
        const plan = planRefund(
          target,
          requestOf({ items: event.items, amountMinor: event.amount }),
        );
        if (!plan.ok) {
          reject(event.id, plan.code, plan.message);
          break;
        }
        reverse(event.id, target, plan.reversals);
        const next = withRefund(target, plan);
        const returned = refundActivity(target, next, plan.quantities);
        const tracked = returned ? track(returned, event.id) : { grants: [], late: [] };
        orders.set(event.orderId, next);
        facts.refunds.push({
          refundId: event.id,
          orderId: event.orderId,
          items: event.items,
          amountMinor: event.amount,
          occurredAtMs: event.occurredAtMs,
          applied: {
            quantities: plan.quantities,
            amountMinor: plan.amountMinor,
            valueMinor: plan.valueMinor,
          },
        });
        processed(event, {
          ...goalFields(tracked),
          attributedTo: target.participantId,
          commissions: plan.reversals.map((r) => ({
            participantId: r.participantId,
            level: r.level,
            amount: -r.amountMinor,
          })),
          refund: { orderId: event.orderId, state: "applied", valueMinor: plan.valueMinor },
        });
        break;
      }
      case "review": {
        // In a loyalty program the customer is the participant: a review
        // without one counts for the participant whose external id is the customer's.
        const reviewer =
          named ??
          (event.customer?.id === undefined
            ? undefined
            : state.participantsByRef.get(event.customer.id));
        if (!reviewer) {
          processed(event);
          break;
        }
        const tracked = track(
          { kind: "review", participantId: reviewer.participantId, atMs: event.occurredAtMs },
          event.id,
        );
        processed(event, {
          ...goalFields(tracked),
          attributedTo: reviewer.participantId,
          attribution: { source: "participant" },
        });
        break;
      }
      case "custom": {
        // As a review: without a participant, the customer whose id is a
        // participant's external id.
        const who =
          named ??
          (event.customer?.id === undefined
            ? undefined
            : state.participantsByRef.get(event.customer.id));
        if (!who) {
          processed(event);
          break;
        }
        const tracked = track(
          {
            kind: "custom",
            participantId: who.participantId,
            atMs: event.occurredAtMs,
            name: event.name,
          },
          event.id,
        );
        processed(event, {
          ...goalFields(tracked),
          attributedTo: who.participantId,
          attribution: { source: "participant" },
        });
        break;
      }
    }
  }
  for (const [participantId, atMs] of lastOrder) facts.lastOrders.push({ participantId, atMs });
  const orderStates: OrderState[] = [];
  for (const [, order] of orders.changes()) if (order) orderStates.push(order);
  return { ...facts, progress: tracker.progress(), grants: tracker.grants(), orderStates };
}

/** A refund's own fields as what it asks of its order: an amount, units, or everything left. */
function requestOf(refund: {
  readonly items: readonly RefundItem[] | undefined;
  readonly amountMinor: number | undefined;
}): RefundRequest {
  return refund.amountMinor === undefined ? refund.items : { amountMinor: refund.amountMinor };
}

/** The binding key of an order's subscription, kept beside customers' (`subscription:sub_123`). */
export function subscriptionKeys(order: { type: string; subscription?: string }): string[] {
  return order.type === "order" && order.subscription !== undefined
    ? [`subscription:${order.subscription}`]
    : [];
}

/** A customer is recognised by id and by email, whichever later orders carry. */
export function customerKeys(customer: { id?: string; email?: string } | undefined): string[] {
  const keys: string[] = [];
  if (customer?.id !== undefined) keys.push(`id:${customer.id}`);
  if (customer?.email !== undefined) keys.push(`email:${customer.email.trim().toLowerCase()}`);
  return keys;
}

/** Why no one was attributed, as an outcome says it. */
function unattributed(attribution: {
  readonly source: AttributionSource | null;
  readonly reason?: string;
  readonly message?: string;
}): NonNullable<ProcessedOutcome["attribution"]> {
  return { source: attribution.source, reason: attribution.reason, message: attribution.message };
}
