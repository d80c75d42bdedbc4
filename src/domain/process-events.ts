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
  type ParticipantStatus,
} from "./commissions.ts";
import { normalizeCode, type ReceivedEvent } from "./events.ts";
import type { CommissionPlan } from "./program.ts";

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
}

export interface ProgramRules {
  readonly currency: string;
  readonly plan: CommissionPlan | null;
  readonly cookieDays: number;
  readonly clickModel: "last_click" | "first_click";
  readonly bindCustomer: boolean;
}

export interface BatchState {
  /** By participant id: everyone the batch names, and their sponsors. */
  readonly participants: ReadonlyMap<string, ParticipantState>;
  /** By external id or participant id, as an event's `participant` names them. */
  readonly participantsByRef: ReadonlyMap<string, ParticipantState>;
  /** By normalized referral code. */
  readonly participantsByCode: ReadonlyMap<string, ParticipantState>;
  readonly clicksByVisitor: ReadonlyMap<string, readonly Click[]>;
  /** By customer key (see customerKeys). */
  readonly bindings: ReadonlyMap<string, string>;
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
  readonly grants: readonly unknown[];
  readonly skippedLevels?: readonly { level: number; participantId: string; reason: string }[];
  readonly cut?: { rule: string; beforeMinor: number; afterMinor: number };
}

export type EventOutcome =
  | ProcessedOutcome
  | { readonly id: string; readonly status: "rejected"; readonly error: EventError };

export interface ClickFact {
  readonly eventId: string;
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
  readonly occurredAtMs: number;
  /** Per item per paid level: what a refund reverses in proportion. */
  readonly commissionLines: readonly CommissionLine[];
}

/**
 * One balanced movement of money or points with one cause: amounts into
 * participants' accounts (the legs), which the store balances with one entry
 * on the program's account.
 */
export interface JournalFact {
  readonly asset: "cash" | "points";
  readonly bucket: "pending" | "available" | "paid" | "reversed";
  readonly causeType: "commission";
  /** Unique per program: the same cause is never booked twice. */
  readonly causeKey: string;
  readonly eventId: string;
  readonly legs: readonly { participantId: string; amountMinor: number; level: number | null }[];
}

export interface BatchFacts {
  readonly outcomes: readonly EventOutcome[];
  readonly clicks: readonly ClickFact[];
  readonly bindings: readonly BindingFact[];
  readonly orders: readonly OrderFact[];
  readonly journals: readonly JournalFact[];
}

export function processEvents(
  rules: ProgramRules,
  state: BatchState,
  events: readonly ReceivedEvent[],
): BatchFacts {
  const clicksByVisitor = new Map(state.clicksByVisitor);
  const bindings = new Map(state.bindings);
  const facts = {
    outcomes: [] as EventOutcome[],
    clicks: [] as ClickFact[],
    bindings: [] as BindingFact[],
    orders: [] as OrderFact[],
    journals: [] as JournalFact[],
  };
  const reject = (id: string, code: string, message: string) =>
    facts.outcomes.push({ id, status: "rejected", error: { code, message } });
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
  const bind = (
    event: ReceivedEvent,
    customer: { id?: string; email?: string } | undefined,
    participantId: string,
  ) => {
    if (!rules.bindCustomer) return;
    for (const key of customerKeys(customer)) {
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
        facts.clicks.push({
          eventId: event.id,
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
      case "signup": {
        const referrer =
          named ??
          (event.code ? state.participantsByCode.get(normalizeCode(event.code)) : undefined);
        if (referrer) bind(event, event.customer, referrer.participantId);
        processed(event, {
          attributedTo: referrer?.participantId ?? null,
          attribution: referrer ? { source: named ? "participant" : "code" } : null,
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
        const click = event.visitorId
          ? pickClick(
              clicksByVisitor.get(event.visitorId) ?? [],
              event.occurredAtMs,
              rules.cookieDays,
              rules.clickModel,
            )
          : null;
        const boundTo = customerKeys(event.customer)
          .map((k) => bindings.get(k))
          .find((p) => p !== undefined);
        const candidates: Partial<Record<AttributionSource, Candidate>> = {
          participant: named,
          code: event.code ? state.participantsByCode.get(normalizeCode(event.code)) : undefined,
          click: click ? state.participants.get(click.participantId) : undefined,
          customer: boundTo ? state.participants.get(boundTo) : undefined,
        };
        const attribution = attributeOrder({
          candidates,
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
        const order = (commissionLines: readonly CommissionLine[]) =>
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
            occurredAtMs: event.occurredAtMs,
            commissionLines,
          });
        if (attribution.participantId === null) {
          order([]);
          processed(event, {
            attribution: {
              source: attribution.source,
              reason: attribution.reason,
              message: attribution.message,
            },
          });
          break;
        }
        const seller = state.participants.get(attribution.participantId);
        if (!seller)
          throw new Error(`attributed participant ${attribution.participantId} was not loaded`);
        bind(event, event.customer, seller.participantId);
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
              upline: seller.ancestors.flatMap((id) => state.participants.get(id) ?? []),
            })
          : { lines: [], skipped: [], cut: null };
        order(commissions.lines);
        const totals = totalByEarner(commissions.lines);
        if (totals.length > 0)
          facts.journals.push({
            asset: "cash",
            bucket: "pending",
            causeType: "commission",
            causeKey: `commission:${event.id}`,
            eventId: event.id,
            legs: totals.map((t) => ({
              participantId: t.participantId,
              amountMinor: t.amountMinor,
              level: t.level,
            })),
          });
        processed(event, {
          attributedTo: seller.participantId,
          attribution: { source: attribution.source },
          commissions: totals.map((t) => ({
            participantId: t.participantId,
            level: t.level,
            amount: t.amountMinor,
          })),
          ...(commissions.skipped.length > 0 ? { skippedLevels: commissions.skipped } : {}),
          ...(commissions.cut ? { cut: commissions.cut } : {}),
        });
        break;
      }
      case "refund":
      case "review":
      case "custom":
        processed(
          event,
          named
            ? { attributedTo: named.participantId, attribution: { source: "participant" } }
            : {},
        );
        break;
    }
  }
  return facts;
}

/** A customer is recognised by id and by email, whichever later orders carry. */
export function customerKeys(customer: { id?: string; email?: string } | undefined): string[] {
  const keys: string[] = [];
  if (customer?.id !== undefined) keys.push(`id:${customer.id}`);
  if (customer?.email !== undefined) keys.push(`email:${customer.email.trim().toLowerCase()}`);
  return keys;
}
