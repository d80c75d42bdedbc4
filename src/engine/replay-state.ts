import type { Click } from "../domain/attribution.ts";
import type { MonthUsage } from "../domain/caps.ts";
import { memoryKey, type ConversionMemory } from "../domain/conversions.ts";
import type { ReceivedEvent } from "../domain/events.ts";
import { normalizeCode } from "../domain/events.ts";
import { settleGrant } from "../domain/goal-grants.ts";
import {
  closingGrant,
  dueGrants,
  type ActiveGoal,
  type GoalState,
  type GrantFact,
} from "../domain/goal-progress.ts";
import { windowAt, windowByKey } from "../domain/goals.ts";
import type { Lookup } from "../domain/overlay.ts";
import { monthOf } from "../domain/periods.ts";
import type {
  BatchFacts,
  BatchState,
  LevelChangeFact,
  ParticipantState,
  ProgramRules,
  WaitingRefund,
} from "../domain/process-events.ts";
import type { OrderState } from "../domain/refunds.ts";
import type { ParticipantRecord } from "../store/participants.ts";
import { participantState } from "./process-batch.ts";

/**
 * The state a replay keeps in memory, shaped as the store's tables are and
 * changed by a batch's facts as writeFacts changes them, so that each batch
 * of the replay reads what the engine's next batch would have read. It keeps
 * only what a later event can still read: orders that a refund names, clicks
 * within the cookie window, the last hour's click times, goal windows that
 * have not closed; everything else grows with participants and customers,
 * not with events.
 */
export class ReplayState {
  readonly participants = new Map<string, ParticipantState>();
  private readonly byRef = new Map<string, ParticipantState>();
  private readonly byCode = new Map<string, ParticipantState>();
  private readonly clicksByVisitor = new Map<string, Click[]>();
  private readonly bindings = new Map<string, string>();
  private readonly conversions = new Map<string, ConversionMemory>();
  private readonly orders = new Map<string, OrderState>();
  private readonly waiting = new Map<string, WaitingRefund[]>();
  /** By refund id: when each refund that waited for its order happened. */
  readonly waitingSince = new Map<string, number>();
  private readonly otherEvents = new Map<string, string>();
  private readonly personal = new Map<string, number[]>();
  private readonly monthUsage = new Map<
    string,
    { byParticipant: Map<string, number>; programMinor: number }
  >();
  private readonly recentClicks = new Map<string, number[]>();
  /** By seller: their latest orders, newest first, and whether each was refunded. */
  private readonly sellerOrders = new Map<
    string,
    { orderId: string; atMs: number; refunded: boolean }[]
  >();
  /** By window key, by participant, by goal: values, steps granted, targets. */
  private readonly progress = new Map<string, Map<string, Map<string, number>>>();
  private readonly granted = new Map<string, Map<string, Map<string, readonly number[]>>>();
  private readonly targets = new Map<string, Map<string, Map<string, number>>>();
  /** By window key: when the window ends (null for lifetime); and the windows closed. */
  private readonly windowEnds = new Map<string, number | null>();
  private readonly closed = new Set<string>();

  constructor(
    people: readonly ParticipantRecord[],
    private readonly keep: {
      /** The ids refunds name: the only orders kept. */
      readonly refundedOrders: ReadonlySet<string>;
      readonly memberships: ReadonlyMap<string, string>;
      /** The longest cookie window, upline qualification and goal grace of any settings replayed. */
      readonly cookieMs: number;
      readonly qualificationMs: number;
      readonly graceMs: number;
      /** The most orders any refund-abuse rule looks back at (0: none). */
      readonly refundHistory: number;
      readonly monthlyCaps: boolean;
    },
    targets: readonly { goalId: string; participantId: string; period: string; target: number }[],
  ) {
    for (const p of people) {
      // The history starts before anyone's first sale.
      const state = { ...participantState(p), lastOrderAtMs: null };
      this.put(state);
      const code = normalizeCode(p.referralCode);
      this.codes.set(p.id, code);
      this.byCode.set(code, state);
    }
    for (const t of targets)
      nested(this.targets, t.period, t.participantId).set(t.goalId, t.target);
  }

  private put(p: ParticipantState): void {
    this.participants.set(p.participantId, p);
    this.byRef.set(p.participantId, p);
    this.byRef.set(p.externalId, p);
  }

  private replace(participantId: string, change: Partial<ParticipantState>): void {
    const before = this.participants.get(participantId);
    if (!before) return;
    const after = { ...before, ...change };
    this.participants.set(participantId, after);
    this.byRef.set(participantId, after);
    this.byRef.set(after.externalId, after);
    const code = this.codes.get(participantId);
    if (code !== undefined) this.byCode.set(code, after);
  }

  /** By participant id: their normalized referral code. */
  private readonly codes = new Map<string, string>();

  /** What a batch of the replay reads: the whole state, through lookups. */
  batchState(goals: readonly ActiveGoal[], rules: ProgramRules): BatchState {
    const history = rules.refundAbuse?.orders ?? 0;
    const goalState: GoalState = {
      goals,
      progress: bySlot(this.progress),
      granted: bySlot(this.granted),
      targets: bySlot(this.targets),
    };
    return {
      participants: this.participants,
      participantsByRef: this.byRef,
      participantsByCode: this.byCode,
      clicksByVisitor: this.clicksByVisitor,
      bindings: this.bindings,
      conversions: this.conversions,
      orders: this.orders,
      waitingRefunds: this.waiting,
      otherEvents: this.otherEvents,
      personalOrders: this.personal,
      monthUsage: this.monthUsage as Lookup<string, MonthUsage>,
      recentClicks: this.recentClicks,
      refundHistory: {
        get: (seller) =>
          this.sellerOrders
            .get(seller)
            ?.slice(0, history)
            .map((o) => o.refunded),
        has: (seller) => this.sellerOrders.has(seller),
      },
      goals: goalState,
      memberships: this.keep.memberships,
    };
  }

  /** Writes a batch's facts into the state, as store/facts.writeFacts writes them to the tables. */
  apply(facts: BatchFacts, events: readonly ReceivedEvent[]): void {
    const k = this.keep;
    for (const e of events) if (k.refundedOrders.has(e.id)) this.otherEvents.set(e.id, e.type);
    for (const c of facts.clicks) {
      if (c.visitorId !== null) {
        const clicks = this.clicksByVisitor.get(c.visitorId) ?? [];
        clicks.push({ participantId: c.participantId, occurredAtMs: c.occurredAtMs });
        this.clicksByVisitor.set(c.visitorId, clicks);
        push(this.recentClicks, `v:${c.visitorId}`, c.occurredAtMs);
      }
      if (c.ipHash !== null) push(this.recentClicks, `i:${c.ipHash}`, c.occurredAtMs);
    }
    for (const b of facts.bindings)
      if (!this.bindings.has(b.customerKey)) this.bindings.set(b.customerKey, b.participantId);
    for (const c of facts.conversions)
      for (const key of c.keys) {
        const at = memoryKey(c.kind, key);
        if (!this.conversions.has(at))
          this.conversions.set(at, { eventId: c.eventId, participantId: c.participantId });
      }
    const occurred = new Map<string, number>();
    for (const o of facts.orders) {
      occurred.set(o.orderId, o.occurredAtMs);
      // The refunds that waited for it are applied, or can never be.
      for (const w of this.waiting.get(o.orderId) ?? []) this.waitingSince.delete(w.refundId);
      this.waiting.delete(o.orderId);
      if (o.participantId === null) continue;
      if (k.qualificationMs > 0) push(this.personal, o.participantId, o.occurredAtMs);
      if (k.refundHistory > 0) {
        const list = this.sellerOrders.get(o.participantId) ?? [];
        list.push({ orderId: o.orderId, atMs: o.occurredAtMs, refunded: false });
        list.sort((a, b) => b.atMs - a.atMs || (a.orderId < b.orderId ? 1 : -1));
        if (list.length > k.refundHistory) list.length = k.refundHistory;
        this.sellerOrders.set(o.participantId, list);
      }
    }
    for (const c of facts.conversions) occurred.set(c.eventId, c.occurredAtMs);
    for (const order of facts.orderStates)
      if (k.refundedOrders.has(order.orderId)) this.orders.set(order.orderId, order);
    for (const r of facts.refunds)
      if (r.applied === null) {
        push(this.waiting, r.orderId, {
          refundId: r.refundId,
          items: r.items,
          amountMinor: r.amountMinor,
        });
        this.waitingSince.set(r.refundId, r.occurredAtMs);
      }
    if (k.refundHistory > 0)
      for (const r of [...facts.refunds, ...facts.appliedWaiting]) {
        if (r.applied === null) continue;
        // Every refunded order is kept, so its seller is known.
        const seller = this.orders.get(r.orderId)?.participantId;
        const hit = seller
          ? this.sellerOrders.get(seller)?.find((o) => o.orderId === r.orderId)
          : undefined;
        if (hit) hit.refunded = true;
      }
    if (k.monthlyCaps)
      for (const j of facts.journals) {
        if (j.causeType !== "commission" || j.eventId === null) continue;
        const atMs = occurred.get(j.eventId);
        if (atMs === undefined) continue;
        const month = this.monthKey(atMs);
        let usage = this.monthUsage.get(month);
        if (!usage)
          this.monthUsage.set(month, (usage = { byParticipant: new Map(), programMinor: 0 }));
        for (const leg of j.legs) {
          usage.byParticipant.set(
            leg.participantId,
            (usage.byParticipant.get(leg.participantId) ?? 0) + leg.amountMinor,
          );
          usage.programMinor += leg.amountMinor;
        }
      }
    for (const p of facts.progress) {
      nested(this.progress, p.window.key, p.participantId).set(p.goalId, p.value);
      if (!this.windowEnds.has(p.window.key)) this.windowEnds.set(p.window.key, p.window.endMs);
    }
    this.grant(facts.grants);
    this.levels(facts.levelChanges);
    for (const l of facts.lastOrders) {
      const before = this.participants.get(l.participantId)?.lastOrderAtMs ?? null;
      if (before === null || l.atMs > before)
        this.replace(l.participantId, { lastOrderAtMs: l.atMs });
    }
  }

  private timezone = "UTC";
  /** The time zone months are counted in (the program's, as the replay goes). */
  setTimezone(timezone: string): void {
    this.timezone = timezone;
  }
  private monthKey(atMs: number): string {
    return monthOf(atMs, this.timezone).key;
  }

  private grant(grants: readonly GrantFact[]): void {
    for (const g of grants) {
      const steps = nested(this.granted, g.windowKey, g.participantId);
      steps.set(g.goalId, [...(steps.get(g.goalId) ?? []), g.step]);
    }
  }

  private levels(changes: readonly LevelChangeFact[]): void {
    for (const c of changes)
      if (c.programId === null) this.replace(c.participantId, { level: c.level });
  }

  /**
   * Closes every goal window that ended, grace included, by `nowMs` (and by
   * `maxEndMs`): the `at_window_end` goals `closer` gives for the window's
   * end grant the highest step each participant reached, as the
   * close-goal-windows job does. Then the window is dropped: nothing later
   * can count in it.
   */
  closeWindows(
    nowMs: number,
    closer: (endMs: number) => { goals: readonly ActiveGoal[]; graceMs: number },
    maxEndMs: number,
    voucherCode: () => string,
  ): { grants: GrantFact[]; ends: Map<string, number> } {
    const made: GrantFact[] = [];
    const ends = new Map<string, number>();
    const due: [string, number][] = [];
    for (const [key, end] of this.windowEnds) {
      if (end === null || end > maxEndMs || this.closed.has(key)) continue;
      if (end + closer(end).graceMs <= nowMs) due.push([key, end]);
    }
    due.sort(([, a], [, b]) => a - b);
    for (const [key, end] of due) {
      this.closed.add(key);
      ends.set(key, end);
      const people = this.progress.get(key);
      const grants: GrantFact[] = [];
      for (const goal of closer(end).goals) {
        if (goal.goal.evaluate !== "at_window_end") continue;
        const span = windowByKey(goal.goal.window, key, this.timezone);
        if (!span || span.endMs !== end) continue;
        for (const [participantId, values] of people ?? []) {
          const value = values.get(goal.id);
          if (value === undefined) continue;
          const grant = closingGrant(
            goal,
            { participantId, level: this.participants.get(participantId)?.level ?? null },
            key,
            value,
            this.targets.get(key)?.get(participantId)?.get(goal.id) ?? null,
            this.granted.get(key)?.get(participantId)?.get(goal.id) ?? [],
            voucherCode,
          );
          if (grant) grants.push(grant);
        }
      }
      this.settle(grants);
      made.push(...grants);
    }
    this.forget(nowMs);
    return { grants: made, ends };
  }

  /**
   * Grants at once what a changed goal's new version gives to those who
   * already reach its steps in the window open at `atMs`, as a PATCH of the
   * goal does (engine/goals.changeGoal, `immediately` goals only).
   */
  grantChanged(goal: ActiveGoal, atMs: number, voucherCode: () => string): GrantFact[] {
    if (goal.goal.evaluate !== "immediately" || goal.goal.metric === "inactivity_days") return [];
    const span = windowAt(goal.goal.window, atMs, this.timezone);
    if (!span) return [];
    const grants: GrantFact[] = [];
    for (const [participantId, values] of this.progress.get(span.key) ?? []) {
      const value = values.get(goal.id);
      if (value === undefined) continue;
      grants.push(
        ...dueGrants(
          goal,
          { participantId, level: this.participants.get(participantId)?.level ?? null },
          span.key,
          value,
          this.targets.get(span.key)?.get(participantId)?.get(goal.id) ?? null,
          this.granted.get(span.key)?.get(participantId)?.get(goal.id) ?? [],
          null,
          voucherCode,
        ),
      );
    }
    this.settle(grants);
    return grants;
  }

  /** Records grants made outside a batch, and the levels they change. */
  private settle(grants: readonly GrantFact[]): void {
    this.grant(grants);
    this.levels(
      grants.flatMap((g) => {
        const settled = settleGrant(
          g,
          this.participants.get(g.participantId)?.externalId,
          this.keep.memberships,
        );
        return settled.levelChange ? [settled.levelChange] : [];
      }),
    );
  }

  /** Drops what no later event can read: closed windows, clicks out of every cookie window, old click times. */
  private forget(nowMs: number): void {
    for (const [key, end] of this.windowEnds)
      if (end !== null && end + this.keep.graceMs < nowMs && this.closed.has(key)) {
        this.progress.delete(key);
        this.granted.delete(key);
        this.windowEnds.delete(key);
      }
  }

  /**
   * Drops clicks older than any cookie window reaching back from `earliestMs`
   * (the earliest event still to come can be dated no earlier), and click
   * times over an hour old.
   */
  prune(earliestMs: number): void {
    const cookieFloor = earliestMs - this.keep.cookieMs;
    for (const [visitor, clicks] of this.clicksByVisitor) {
      const kept = clicks.filter((c) => c.occurredAtMs >= cookieFloor);
      if (kept.length === 0) this.clicksByVisitor.delete(visitor);
      else if (kept.length < clicks.length) this.clicksByVisitor.set(visitor, kept);
    }
    const hourFloor = earliestMs - 3_600_000;
    for (const [key, times] of this.recentClicks) {
      const kept = times.filter((t) => t >= hourFloor);
      if (kept.length === 0) this.recentClicks.delete(key);
      else if (kept.length < times.length) this.recentClicks.set(key, kept);
    }
    if (this.keep.qualificationMs > 0) {
      const floor = earliestMs - this.keep.qualificationMs;
      for (const [id, times] of this.personal) {
        const kept = times.filter((t) => t > floor);
        if (kept.length === 0) this.personal.delete(id);
        else if (kept.length < times.length) this.personal.set(id, kept);
      }
    }
  }
}

function nested<V>(
  map: Map<string, Map<string, Map<string, V>>>,
  outer: string,
  inner: string,
): Map<string, V> {
  let byInner = map.get(outer);
  if (!byInner) map.set(outer, (byInner = new Map()));
  let values = byInner.get(inner);
  if (!values) byInner.set(inner, (values = new Map()));
  return values;
}

/** A window-first map read by slotKey (`participant|window`), as the goal tracker reads state. */
function bySlot<V>(
  map: Map<string, Map<string, Map<string, V>>>,
): Lookup<string, ReadonlyMap<string, V>> {
  const get = (slot: string) => {
    const bar = slot.indexOf("|");
    return map.get(slot.slice(bar + 1))?.get(slot.slice(0, bar));
  };
  return { get, has: (slot: string) => get(slot) !== undefined };
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
