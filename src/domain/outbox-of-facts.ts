import type { ParticipantStatus } from "./commissions.ts";
import type { GrantFact } from "./goal-progress.ts";
import type { OutboxEvent } from "./outbox-events.ts";
import type { BatchFacts, FlagFact, LevelChangeFact } from "./process-events.ts";

/**
 * What the outbox tells of written facts: plain data, the same for every
 * path that writes them (event batches, goal jobs, admin changes), so a
 * receiver sees one shape whatever caused it. Money is in minor units with
 * its currency; ids are Laurel's, with the brand's own where at hand.
 */

/** A participant as the API presents one, the fields a webhook carries. */
export interface ParticipantFields {
  readonly id: string;
  readonly programId: string;
  readonly externalId: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly level: string | null;
  readonly status: ParticipantStatus;
  readonly sponsorId: string | null;
  readonly referralCode: string;
  readonly createdAtMs: number;
}

/** What grants and the level changes they make are told with. */
export interface GrantContext {
  /** Where Laurel is reached from outside: a participant's referral link starts with it. */
  readonly publicUrl: string;
  /** By participant id: the brand's own id, for everyone the facts were decided with. */
  readonly externalIds: ReadonlyMap<string, string>;
  /** By goal id. */
  readonly goalNames: ReadonlyMap<string, string>;
  /** By participant id, as they were before the facts: whose level a reward changes. */
  readonly participants: ReadonlyMap<string, ParticipantFields>;
}

export interface BatchContext extends GrantContext {
  readonly currency: string;
  /** The time of processing: a commission whose hold ends by then is available at once. */
  readonly nowMs: number;
  /** By flag key: the id of each flag written. A key raised before wrote nothing, and tells nothing. */
  readonly flagIds: ReadonlyMap<string, string>;
}

export type TellableFacts = Pick<
  BatchFacts,
  "orders" | "journals" | "grants" | "flags" | "levelChanges"
> &
  Partial<Pick<BatchFacts, "conversions">>;

/**
 * Every event a batch of facts tells, in order: commissions booked, then
 * reversed, rewards granted, levels changed, flags raised.
 */
export function outboxOfFacts(facts: TellableFacts, context: BatchContext): OutboxEvent[] {
  return [
    ...commissionsCreated(facts, context),
    ...commissionsReversed(facts, context),
    ...outboxOfGrants(facts, context),
    ...flagsRaised(facts.flags, context.flagIds),
  ];
}

/** What grants tell, wherever they are made: each reward, then each level it changes. */
export function outboxOfGrants(
  facts: Pick<BatchFacts, "grants" | "levelChanges">,
  context: GrantContext,
): OutboxEvent[] {
  return [...facts.grants.map((g) => rewardGranted(g, context)), ...levelsChanged(facts, context)];
}

/**
 * One `commission.created` per level paid on each order and each conversion
 * (signup, lead): the legs of its commission journal.
 */
function commissionsCreated(facts: TellableFacts, context: BatchContext): OutboxEvent[] {
  // A conversion's journal names its event id where an order's names the order.
  const orders = new Map<string, { availableAtMs: number | null }>([
    ...facts.orders.map((o) => [o.orderId, o] as const),
    ...(facts.conversions ?? []).map((c) => [c.eventId, c] as const),
  ]);
  return facts.journals
    .filter((j) => j.causeType === "commission")
    .flatMap((j) => {
      const availableAtMs = (j.orderId === null ? undefined : orders.get(j.orderId))?.availableAtMs;
      // Held for review, an order has no end to its hold; a hold of zero days is over at once.
      const held =
        availableAtMs === undefined || availableAtMs === null || availableAtMs > context.nowMs;
      return j.legs.map((leg) => ({
        type: "commission.created" as const,
        data: {
          eventId: j.eventId,
          participantId: leg.participantId,
          ...withExternalId(leg.participantId, context),
          level: leg.level,
          amount: leg.amountMinor,
          currency: context.currency,
          status: held ? "pending" : "available",
          ...(availableAtMs === undefined || availableAtMs === null
            ? {}
            : { availableAt: new Date(availableAtMs).toISOString() }),
        },
      }));
    });
}

/** One `commission.reversed` per level a refund takes back from, as a positive amount. */
function commissionsReversed(facts: TellableFacts, context: BatchContext): OutboxEvent[] {
  return facts.journals
    .filter((j) => j.causeType === "refund")
    .flatMap((j) =>
      j.legs.map((leg) => ({
        type: "commission.reversed" as const,
        data: {
          eventId: j.eventId,
          orderId: j.orderId,
          participantId: leg.participantId,
          level: leg.level,
          amount: -leg.amountMinor,
          currency: context.currency,
        },
      })),
    );
}

/** A goal step granted; a free product carries its voucher code. */
function rewardGranted(g: GrantFact, context: GrantContext): OutboxEvent {
  const goalName = context.goalNames.get(g.goalId);
  return {
    type: "reward.granted",
    data: {
      goalId: g.goalId,
      ...(goalName === undefined ? {} : { goalName }),
      step: g.step,
      participantId: g.participantId,
      ...withExternalId(g.participantId, context),
      reward: g.reward,
      ...(g.reward.type === "free_product" ? { voucherCode: g.reward.voucherCode } : {}),
      ...(g.eventId === null ? {} : { eventId: g.eventId }),
    },
  };
}

/**
 * A `participant.updated` per level a reward changes in this program. A
 * reward that sets a level in another program is told in that program
 * instead (`levelsChangedElsewhere`), where that membership's endpoints hear it.
 */
function levelsChanged(
  facts: Pick<BatchFacts, "levelChanges">,
  context: GrantContext,
): OutboxEvent[] {
  return levelSteps(
    facts.levelChanges.filter((c) => c.programId === null),
    context.participants,
    context.publicUrl,
  );
}

/**
 * The `participant.updated` of each level a reward sets in another program
 * (`{"type": "level", "program": …}`), by the program whose membership it
 * changes, to be told in that program just as a level change made there is.
 * `members` are those memberships as they were before the facts, by id; a
 * change whose member is not among them tells nothing.
 */
export function levelsChangedElsewhere(
  levelChanges: readonly LevelChangeFact[],
  members: ReadonlyMap<string, ParticipantFields>,
  publicUrl: string,
): Map<string, OutboxEvent[]> {
  const byProgram = new Map<string, LevelChangeFact[]>();
  for (const change of levelChanges)
    if (change.programId !== null)
      byProgram.set(change.programId, [...(byProgram.get(change.programId) ?? []), change]);
  return new Map(
    [...byProgram].map(([programId, changes]) => [
      programId,
      levelSteps(changes, members, publicUrl),
    ]),
  );
}

/**
 * One `participant.updated` per change that moves a participant's level. A
 * participant moved twice in one batch is told each step, from where the
 * previous one left them.
 */
function levelSteps(
  changes: readonly LevelChangeFact[],
  participants: ReadonlyMap<string, ParticipantFields>,
  publicUrl: string,
): OutboxEvent[] {
  const current = new Map<string, ParticipantFields>();
  const events: OutboxEvent[] = [];
  for (const change of changes) {
    const before = current.get(change.participantId) ?? participants.get(change.participantId);
    if (!before) continue;
    const after = { ...before, level: change.level };
    current.set(change.participantId, after);
    const told = participantUpdated(before, after, publicUrl);
    if (told) events.push(told);
  }
  return events;
}

/** A `fraud_flag.raised` for each flag written, once per key. */
export function flagsRaised(
  flags: readonly FlagFact[],
  flagIds: ReadonlyMap<string, string>,
): OutboxEvent[] {
  const told = new Set<string>();
  const events: OutboxEvent[] = [];
  for (const f of flags) {
    const flagId = flagIds.get(f.key);
    if (flagId === undefined || told.has(f.key)) continue;
    told.add(f.key);
    events.push({
      type: "fraud_flag.raised",
      data: {
        flagId,
        rule: f.rule,
        participantId: f.participantId,
        eventId: f.eventId,
        orderId: f.orderId,
        reason: f.reason,
      },
    });
  }
  return events;
}

/** A participant as the API presents one. */
export function participantData(p: ParticipantFields, publicUrl: string) {
  return {
    id: p.id,
    programId: p.programId,
    externalId: p.externalId,
    email: p.email,
    name: p.name,
    level: p.level,
    status: p.status,
    sponsorId: p.sponsorId,
    referralCode: p.referralCode,
    referralLink: `${publicUrl}/r/${encodeURIComponent(p.referralCode)}`,
    createdAt: new Date(p.createdAtMs).toISOString(),
  };
}

export function participantCreated(p: ParticipantFields, publicUrl: string): OutboxEvent {
  return { type: "participant.created", data: { participant: participantData(p, publicUrl) } };
}

/** What changed of a participant's level and status; null when neither did (a new email is not told). */
export function participantUpdated(
  before: ParticipantFields,
  after: ParticipantFields,
  publicUrl: string,
): OutboxEvent | null {
  const changes = {
    ...(before.level === after.level ? {} : { level: { from: before.level, to: after.level } }),
    ...(before.status === after.status
      ? {}
      : { status: { from: before.status, to: after.status } }),
  };
  if (Object.keys(changes).length === 0) return null;
  return {
    type: "participant.updated",
    data: { participant: participantData(after, publicUrl), changes },
  };
}

export function payoutCreated(payout: {
  readonly id: string;
  readonly totalMinor: number;
  readonly currency: string;
  readonly lines: number;
}): OutboxEvent {
  return {
    type: "payout.created",
    data: {
      payoutId: payout.id,
      total: payout.totalMinor,
      currency: payout.currency,
      lines: payout.lines,
    },
  };
}

function withExternalId(
  participantId: string,
  context: Pick<GrantContext, "externalIds">,
): { externalId?: string } {
  const externalId = context.externalIds.get(participantId);
  return externalId === undefined ? {} : { externalId };
}
