import { eventSchema, normalizeCode, type ReceivedEvent } from "../domain/events.ts";
import {
  customerKeys,
  subscriptionKeys,
  processEvents,
  type BatchState,
  type EventOutcome,
  type ParticipantState,
  type ProgramRules,
} from "../domain/process-events.ts";
import type { OrderState } from "../domain/refunds.ts";
import type { Queryable } from "../store/db.ts";
import { lockOrders, lockParticipants, lockProgram } from "../store/locks.ts";
import { claimPending, deleteEvents, markProcessed } from "../store/events.ts";
import {
  loadBindings,
  loadClicks,
  loadOrders,
  loadPersonalOrders,
  loadRecentClicks,
  loadRefundHistory,
  loadWaitingRefunds,
  loadOtherEventTypes,
  writeFacts,
} from "../store/facts.ts";
import { loadConversionMemory } from "../store/conversions.ts";
import { conversionKeys, conversionLockKey, type ConversionKind } from "../domain/conversions.ts";
import {
  loadParticipants,
  loadParticipantsByIds,
  type ParticipantRecord,
} from "../store/participants.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { programRules } from "./program-rules.ts";
import { toReceived } from "./received.ts";
import type { MonthUsage } from "../domain/caps.ts";
import { monthOf } from "../domain/periods.ts";
import { commissionsBookedBetween } from "../store/facts.ts";
import type { Services } from "./services.ts";
import type { ActiveGoal } from "../domain/goal-progress.ts";
import { creditedPrograms, windowAt, type GoalWindowSpan } from "../domain/goals.ts";
import { listGoals } from "../store/goals.ts";
import { loadGoalState, loadMemberships } from "../store/progress.ts";
import { outboxOfFacts, type ParticipantFields } from "../domain/outbox-of-facts.ts";
import { tell } from "../store/outbox.ts";
import { mailRewardsGranted, uncreditedGrants } from "./notification-mails.ts";
import { tellLevelsChangedElsewhere } from "./goal-grants.ts";

/**
 * Decides and writes what a batch of events derives, inside the caller's
 * transaction: load the state the events touch, lock the participants, let
 * the domain decide, write the facts. Returns one outcome per event.
 */
export async function applyEvents(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  events: readonly ReceivedEvent[],
): Promise<EventOutcome[]> {
  if (events.length === 0) return [];
  const rules = programRules(program, services.now());
  const goals = await activeGoals(tx, program.id);
  const { records, ...loaded } = await loadBatchState(tx, program.id, events, rules, goals);
  if (rules.caps.programMonthlyMinor !== null) await lockProgram(tx, program.id, "monthlyBudget");
  const participantIds = [...loaded.participants.keys()];
  await lockParticipants(tx, program.id, participantIds);
  // Read after the locks: what this month already booked, and each goal's
  // progress and grants, must include every batch that committed before this
  // one for the same people.
  const windows = goalWindows(goals, events, loaded.orders, rules.timezone);
  const credited = [...new Set(goals.flatMap((g) => creditedPrograms(g.goal)))];
  // One after the other: a transaction is one connection, which runs one query at a time.
  const monthUsage = await loadMonthUsage(tx, program.id, events, rules);
  const goalState = await loadGoalState(tx, program.id, goals, participantIds, windows);
  const memberships = await loadMemberships(
    tx,
    credited,
    [...loaded.participants.values()].map((p) => p.externalId),
  );
  const state = { ...loaded, monthUsage, goals: goalState, memberships };
  const facts = processEvents(rules, state, events, services.voucherCode);
  const at = services.now();
  // Before the facts write the levels: it reads the other programs' memberships as they were.
  await tellLevelsChangedElsewhere(tx, services, facts.levelChanges, at);
  const { flagIds } = await writeFacts(tx, program.id, facts, services.ids, at);
  await tell(
    tx,
    program.id,
    outboxOfFacts(facts, {
      currency: rules.currency,
      nowMs: rules.nowMs,
      publicUrl: services.publicUrl,
      externalIds: new Map(
        [...loaded.participants.values()].map((p) => [p.participantId, p.externalId]),
      ),
      goalNames: new Map(goals.map((g) => [g.id, g.goal.name])),
      flagIds,
      participants: records,
    }),
    services.ids,
    at,
  );
  await mailRewardsGranted(tx, services, program, facts.grants, {
    goals,
    known: records,
    uncredited: uncreditedGrants(
      facts.outcomes.flatMap((o) => (o.status === "processed" ? o.grants : [])),
    ),
  });
  return [...facts.outcomes];
}

/**
 * Processes events that wait in the inbox (stored, not yet processed), oldest
 * first, in one transaction: claimed under row locks, applied, and marked
 * processed or, if rejected, removed. `eventIds` limits the batch; null takes
 * the oldest pending ones.
 */
export async function processBatch(
  services: Services,
  program: ProgramRecord,
  eventIds: string[] | null,
  limit = 1000,
): Promise<EventOutcome[]> {
  const batch = await services.db.transaction(async (tx) => {
    const claimed = await claimPending(tx, program.id, eventIds, limit);
    // Stored payloads passed this schema on the way in.
    const events = claimed.map((row) =>
      toReceived(eventSchema.parse(row.payload), row.occurredAt.getTime()),
    );
    const outcomes = await applyEvents(tx, services, program, events);
    const rejected = outcomes.filter((o) => o.status === "rejected").map((o) => o.id);
    await deleteEvents(tx, program.id, rejected);
    await markProcessed(
      tx,
      program.id,
      outcomes.filter((o) => o.status === "processed"),
      services.now(),
    );
    return outcomes;
  });
  services.metrics.eventsProcessed(batch.filter((o) => o.status === "processed").length);
  return batch;
}

async function loadBatchState(
  tx: Queryable,
  programId: string,
  events: readonly ReceivedEvent[],
  { cookieDays, bindCustomer, plan, refundAbuse }: ProgramRules,
  goals: readonly ActiveGoal[],
): Promise<
  Omit<BatchState, "monthUsage" | "goals" | "memberships" | "orders"> & {
    orders: ReadonlyMap<string, OrderState>;
    /** By participant id, as stored before the batch: what a level change is told from. */
    records: Map<string, ParticipantFields>;
  }
> {
  const refs = new Set<string>();
  const codes = new Set<string>();
  const visitors = new Set<string>();
  const customers = new Set<string>();
  // Subscriptions are bound whatever the program says of customers.
  const subscriptions = new Set<string>();
  const refunded = new Set<string>();
  const orderIds = new Set<string>();
  const converted = new Map<string, { kind: ConversionKind; key: string }>();
  let earliestMs = Number.POSITIVE_INFINITY;
  let latestMs = Number.NEGATIVE_INFINITY;
  const qualification = plan?.uplineQualification ?? null;
  const clickVisitors = new Set<string>();
  const clickIps = new Set<string>();
  let firstClickMs = Number.POSITIVE_INFINITY;
  let lastClickMs = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    if (e.type === "refund") refunded.add(e.orderId);
    if (e.type === "click") {
      if (e.visitorId !== undefined) clickVisitors.add(e.visitorId);
      if (e.ipHash !== undefined) clickIps.add(e.ipHash);
      firstClickMs = Math.min(firstClickMs, e.occurredAtMs);
      lastClickMs = Math.max(lastClickMs, e.occurredAtMs);
    }
    if ("participant" in e && e.participant !== undefined) refs.add(e.participant);
    // A review without a participant counts for the customer's own membership.
    if (
      (e.type === "review" || e.type === "custom") &&
      e.participant === undefined &&
      e.customer?.id !== undefined
    )
      refs.add(e.customer.id);
    if (e.type === "signup" || e.type === "lead")
      for (const key of conversionKeys(e.id, customerKeys(e.customer)))
        converted.set(conversionLockKey(e.type, key), { kind: e.type, key });
    if ("code" in e && e.code !== undefined) codes.add(normalizeCode(e.code));
    // Orders and conversions are attributed alike: by click and by bound customer too.
    if (e.type === "order" || e.type === "signup" || e.type === "lead") {
      if (e.visitorId !== undefined) visitors.add(e.visitorId);
      for (const k of customerKeys(e.customer)) customers.add(k);
      for (const k of subscriptionKeys(e)) subscriptions.add(k);
      if (e.type === "order") orderIds.add(e.id);
      earliestMs = Math.min(earliestMs, e.occurredAtMs);
      latestMs = Math.max(latestMs, e.occurredAtMs);
    }
  }
  // An order and its refunds are serialized: two refunds of one order must not
  // both see it unrefunded, and a refund must not miss its order arriving at
  // the same moment (or it would wait forever). Reads come after the lock, so
  // they see what the transaction that held it committed.
  // A customer's conversions of one kind are serialized the same way, so two
  // batches cannot both find the customer unconverted and both pay.
  await lockOrders(tx, programId, [...orderIds, ...refunded, ...converted.keys()]);
  // One after the other: a transaction is one connection, which runs one query at a time.
  const direct = await loadParticipants(tx, programId, { refs: [...refs], codes: [...codes] });
  const clicksByVisitor = await loadClicks(
    tx,
    programId,
    [...visitors],
    earliestMs - cookieDays * 86_400_000,
  );
  const bindings = await loadBindings(tx, programId, [
    ...(bindCustomer ? customers : []),
    ...subscriptions,
  ]);
  const orders = await loadOrders(tx, programId, [...refunded]);
  const conversions = await loadConversionMemory(tx, programId, [...converted.values()]);
  const waitingRefunds = await loadWaitingRefunds(tx, programId, [...orderIds]);
  const otherEvents = await loadOtherEventTypes(
    tx,
    programId,
    [...refunded].filter((id) => !orders.has(id)),
  );
  const recentClicks = await loadRecentClicks(
    tx,
    programId,
    { visitorIds: [...clickVisitors], ipHashes: [...clickIps] },
    { sinceMs: firstClickMs - 3_600_000, untilMs: lastClickMs },
  );
  const participants = new Map(direct.map((p) => [p.id, participantState(p)]));
  const records = new Map(direct.map((p) => [p.id, fieldsOf(p)]));
  // Clicks, bound customers and the sponsors of everyone found so far name
  // participants by id; one more query brings them all.
  const more = new Set<string>();
  for (const clicks of clicksByVisitor.values()) for (const c of clicks) more.add(c.participantId);
  for (const id of bindings.values()) more.add(id);
  // A refund lowers its seller's goal progress, which must be read under their lock.
  for (const o of orders.values()) if (o.participantId !== null) more.add(o.participantId);
  const referrers = [...more].filter((id) => !participants.has(id));
  if (referrers.length > 0) {
    for (const p of await loadParticipantsByIds(tx, programId, referrers)) {
      participants.set(p.id, participantState(p));
      records.set(p.id, fieldsOf(p));
    }
  }
  // Only the sponsors the plan pays are read (and so locked): a chain deeper
  // than the upline costs nothing more.
  // referral_count goals count a recruit's first sale for their sponsor, who
  // must then be read (and locked) even when the plan pays no upline.
  const countsReferrals = goals.some((g) => g.goal.metric === "referral_count");
  const paidLevels = Math.max(plan?.upline.length ?? 0, countsReferrals ? 1 : 0);
  const ancestors = new Set<string>();
  for (const p of [...participants.values()])
    for (const a of p.ancestors.slice(0, paidLevels)) if (!participants.has(a)) ancestors.add(a);
  if (ancestors.size > 0) {
    for (const p of await loadParticipantsByIds(tx, programId, [...ancestors])) {
      participants.set(p.id, participantState(p));
      records.set(p.id, fieldsOf(p));
    }
  }
  const byRef = new Map<string, ParticipantState>();
  const byCode = new Map<string, ParticipantState>();
  for (const p of direct) {
    const state = participants.get(p.id);
    if (!state) continue;
    byRef.set(p.id, state);
    byRef.set(p.externalId, state);
    byCode.set(p.referralCode, state);
  }
  const personalOrders = qualification
    ? await loadPersonalOrders(tx, programId, [...ancestorsOfAll(participants, paidLevels)], {
        sinceMs: earliestMs - qualification.days * 86_400_000,
        untilMs: latestMs,
      })
    : new Map<string, number[]>();
  const refundHistory = refundAbuse
    ? await loadRefundHistory(tx, programId, [...participants.keys()], refundAbuse.orders)
    : new Map<string, boolean[]>();
  return {
    records,
    recentClicks,
    refundHistory,
    personalOrders,
    participants,
    participantsByRef: byRef,
    participantsByCode: byCode,
    clicksByVisitor,
    bindings,
    conversions,
    orders,
    waitingRefunds,
    otherEvents,
  };
}

/**
 * Serializes work per participant: two batches touching the same people take
 * the same locks in the same (sorted) order, so they queue instead of racing.
 */
async function loadMonthUsage(
  tx: Queryable,
  programId: string,
  events: readonly ReceivedEvent[],
  rules: ProgramRules,
): Promise<Map<string, MonthUsage>> {
  const usage = new Map<string, MonthUsage>();
  if (rules.caps.perParticipantMonthlyMinor === null && rules.caps.programMonthlyMinor === null)
    return usage;
  for (const e of events) {
    if (e.type !== "order" && e.type !== "signup" && e.type !== "lead") continue;
    const month = monthOf(e.occurredAtMs, rules.timezone);
    if (!usage.has(month.key))
      usage.set(month.key, await commissionsBookedBetween(tx, programId, month));
  }
  return usage;
}

function ancestorsOfAll(
  participants: ReadonlyMap<string, ParticipantState>,
  levels: number,
): Set<string> {
  const ids = new Set<string>();
  for (const p of participants.values()) for (const a of p.ancestors.slice(0, levels)) ids.add(a);
  return ids;
}

/** A stored participant as the domain reads them. */
export function participantState(p: ParticipantRecord): ParticipantState {
  return {
    participantId: p.id,
    externalId: p.externalId,
    email: p.email,
    level: p.level,
    status: p.status,
    ancestors: p.ancestors,
    ipHashes: p.ipHashes,
    lastOrderAtMs: p.lastOrderAt?.getTime() ?? null,
  };
}

function fieldsOf(p: ParticipantRecord): ParticipantFields {
  return { ...p, createdAtMs: p.createdAt.getTime() };
}

/** The goals that count and grant now: every goal not ended, at its current version. */
async function activeGoals(tx: Queryable, programId: string): Promise<ActiveGoal[]> {
  return (await listGoals(tx, programId)).map((g) => ({
    id: g.id,
    version: g.version,
    goal: g.goal,
  }));
}

/**
 * The windows a batch can touch: for every goal, the window of each event,
 * and of each refunded order (a refund counts against its order's window).
 */
function goalWindows(
  goals: readonly ActiveGoal[],
  events: readonly ReceivedEvent[],
  orders: ReadonlyMap<string, { occurredAtMs: number }>,
  timezone: string,
): GoalWindowSpan[] {
  if (goals.length === 0) return [];
  const times = new Set<number>(events.map((e) => e.occurredAtMs));
  for (const o of orders.values()) times.add(o.occurredAtMs);
  // Goals share windows: every monthly goal has the same months.
  const kinds = new Map(goals.map((g) => [JSON.stringify(g.goal.window), g.goal.window]));
  const spans = new Set<GoalWindowSpan>();
  for (const window of kinds.values())
    for (const t of times) {
      const span = windowAt(window, t, timezone);
      if (span) spans.add(span);
    }
  return [...spans];
}
