import { setImmediate as yieldToOthers } from "node:timers/promises";
import type { EventInput, ReceivedEvent } from "../domain/events.ts";
import type { ActiveGoal } from "../domain/goal-progress.ts";
import { creditedPrograms, windowByKey } from "../domain/goals.ts";
import { monthOf } from "../domain/periods.ts";
import { processEvents, type BatchFacts, type ProgramRules } from "../domain/process-events.ts";
import type { ProgramInput } from "../domain/program.ts";
import type {
  SimulationDraft,
  SimulationProgress,
  SimulationResult,
} from "../domain/simulation.ts";
import {
  compareTallies,
  emptyTally,
  figuresOf,
  tallyCommission,
  tallyGrant,
  type Person,
  type Tally,
} from "../domain/simulation-tally.ts";
import { bookedTally, eventlessGrants } from "../store/booked-figures.ts";
import { programVersions, type ProgramVersion } from "../store/program-versions.ts";
import { allParticipants } from "../store/participants.ts";
import type { ProgramRecord } from "../store/programs.ts";
import {
  countReplayEvents,
  replayLimit,
  goalHistory,
  refundedOrderIds,
  replayMemberships,
  replayPages,
  replayTargets,
  type GoalHistory,
  type ReplayRow,
} from "../store/replay-events.ts";
import { programRules } from "./program-rules.ts";
import { toReceived } from "./received.ts";
import { ReplayState } from "./replay-state.ts";
import type { Services } from "./services.ts";

export interface SimulateOptions {
  /** Called after each page of events, and once at the end. */
  readonly onProgress?: (progress: SimulationProgress) => void | Promise<void>;
  readonly signal?: AbortSignal;
  /** Events read per query (tests make it small to cross pages). */
  readonly pageSize?: number;
}

const PAGE = 5000;
const DAY_MS = 86_400_000;
/** How far before the event being replayed a later one may still be dated, for what is dropped. */
const LATE_MARGIN_MS = 30 * DAY_MS;

/**
 * Replays the program's stored events through the draft, in memory, and
 * compares what it pays in [from, to) with what was booked. Writes nothing.
 *
 * The whole history is replayed, in the order it was processed, up to the
 * processing of the period's last event (or the period's goal windows
 * closing, if later): events dated in the period go through the draft (its
 * settings; its goals in place of the goals they stand for, the others as
 * they were then), all others through the settings and goals in force when
 * each was processed
 * (program_versions, goal_versions). So the state the period's events meet
 * is rebuilt exactly as it was (goal progress, cap use, clicks, bindings,
 * what earlier refunds took, an order dated later that was processed first).
 * Each batch is one call of the same processEvents, against state the replay
 * keeps as the store keeps its tables.
 */
export async function simulate(
  services: Services,
  program: ProgramRecord,
  draft: SimulationDraft,
  options: SimulateOptions = {},
): Promise<SimulationResult> {
  const db = services.db;
  const versions = await programVersions(db, program.id);
  const history = await goalHistory(db, program.id);
  const settings = settingsOverTime(program, versions, draft.program);
  const goals = goalsOverTime(history, draft);
  const everyRules = settings.everyRules();
  const graceMs = Math.max(...everyRules.map((r) => r.goalGraceMs));
  const untilMs = await replayLimit(db, program.id, draft.toMs, graceMs);
  const total = await countReplayEvents(db, program.id, untilMs);
  const refunded = await refundedOrderIds(db, program.id, untilMs);
  const people = await allParticipants(db, program.id);
  const targets = await replayTargets(db, program.id);

  const allGoals = [...goals.everyGoal(), ...draft.goals];
  const memberships = await replayMemberships(db, [
    ...new Set(allGoals.flatMap((g) => creditedPrograms(g.goal))),
  ]);
  const state = new ReplayState(
    people,
    {
      refundedOrders: refunded,
      memberships,
      cookieMs: Math.max(...everyRules.map((r) => r.cookieDays)) * DAY_MS,
      qualificationMs: Math.max(
        0,
        ...everyRules.map((r) => (r.plan?.uplineQualification?.days ?? 0) * DAY_MS),
      ),
      graceMs,
      refundHistory: Math.max(0, ...everyRules.map((r) => r.refundAbuse?.orders ?? 0)),
      monthlyCaps: everyRules.some(
        (r) => r.caps.perParticipantMonthlyMinor !== null || r.caps.programMonthlyMinor !== null,
      ),
    },
    targets,
  );
  const timezone = draft.program.timezone;
  const simulated = emptyTally();
  const inPeriod = (atMs: number) => atMs >= draft.fromMs && atMs < draft.toMs;
  /** Closing grants count when their window ended in (from, to]: the period's own windows. */
  const windowInPeriod = (endMs: number) => endMs > draft.fromMs && endMs <= draft.toMs;
  const closer = (endMs: number) => {
    if (windowInPeriod(endMs) || endMs > draft.toMs) {
      const graceMs = settings.draftRules.goalGraceMs;
      return { goals: goals.inPeriod(endMs + graceMs), graceMs };
    }
    const graceMs = settings.at(endMs).goalGraceMs;
    return { goals: goals.at(endMs + graceMs), graceMs };
  };
  const close = (nowMs: number, maxEndMs: number) => {
    const made = state.closeWindows(nowMs, closer, maxEndMs, services.voucherCode);
    for (const g of made.grants) {
      const end = made.ends.get(g.windowKey);
      if (end !== undefined && windowInPeriod(end)) tallyGrant(simulated, g);
    }
  };

  /** The first moment after `firstMs` that a batch starting then must not reach (see batchesOf). */
  const boundaryAfter = (firstMs: number, inDraft: boolean): number => {
    const rules = inDraft ? settings.draftRules : settings.at(firstMs);
    const grace = rules.goalGraceMs;
    let until = monthOf(firstMs - grace, rules.timezone).endMs + grace;
    for (const g of inDraft ? goals.inPeriod(firstMs) : goals.at(firstMs))
      if (g.goal.window.type === "fixed") {
        const ends = Date.parse(g.goal.window.end) + grace;
        if (ends > firstMs) until = Math.min(until, ends);
      }
    if (!inDraft)
      until = Math.min(until, settings.changeAfter(firstMs), goals.changeAfter(firstMs));
    return until;
  };

  // A goal's change grants at once what its new version gives (changeGoal).
  // The real changes are replayed where they happened, and count when that
  // is in the period, but for changes of the goals the draft stands for
  // there; the draft's own changes of live goals are made as the period
  // begins, and count in it.
  const inside = (atMs: number) => atMs >= draft.fromMs && atMs < draft.toMs;
  const changes = history
    .flatMap((h) =>
      h.versions.slice(1).map((v) => ({
        atMs: v.fromMs,
        goal: { id: h.id, version: v.version, goal: v.goal },
      })),
    )
    .filter((c) => !(inside(c.atMs) && goals.drafted(c.goal.id)))
    .sort((a, b) => a.atMs - b.atMs);
  let changesMade = 0;
  let draftChanged = false;
  const changeGoals = (untilMs: number, periodBegins: boolean) => {
    for (; changesMade < changes.length; changesMade++) {
      const c = changes[changesMade];
      if (!c || c.atMs > untilMs) break;
      state.setTimezone(settings.at(c.atMs).timezone);
      const grants = state.grantChanged(c.goal, c.atMs, services.voucherCode);
      if (inside(c.atMs)) for (const grant of grants) tallyGrant(simulated, grant);
    }
    if (draftChanged || !periodBegins) return;
    draftChanged = true;
    state.setTimezone(settings.draftRules.timezone);
    for (const g of draft.goals)
      if (goals.live.some((l) => l.id === g.id))
        for (const grant of state.grantChanged(g, draft.fromMs, services.voucherCode))
          tallyGrant(simulated, grant);
  };

  // The books are read while the replay runs: on PostgreSQL, on the server's own core.
  const booked = bookedTally(db, program.id, {
    fromMs: draft.fromMs,
    toMs: draft.toMs,
    timezone,
  });
  booked.catch(() => undefined);

  let replayed = 0;
  let sincePrune = 0;
  for await (const page of replayPages(db, program.id, untilMs, options.pageSize ?? PAGE)) {
    if (options.signal?.aborted) throw new Error("the simulation was stopped");
    for (const group of batchesOf(page, inPeriod, boundaryAfter)) {
      const nowMs = group.nowMs;
      close(group.firstMs, Number.POSITIVE_INFINITY);
      changeGoals(group.firstMs, group.draft || group.firstMs >= draft.fromMs);
      const rules = group.draft ? settings.draftRules : settings.at(nowMs);
      state.setTimezone(rules.timezone);
      const events = group.rows.map(received);
      const facts = processEvents(
        { ...rules, nowMs },
        state.batchState(
          group.draft ? goals.inPeriod(group.firstMs) : goals.at(group.firstMs),
          rules,
        ),
        events,
        services.voucherCode,
      );
      tallyFacts(simulated, facts, events, state.waitingSince, timezone, inPeriod);
      state.apply(facts, events);
    }
    replayed += page.length;
    sincePrune += page.length;
    const last = page[page.length - 1];
    if (sincePrune >= 50_000 && last) {
      state.prune(last.occurredAtMs - LATE_MARGIN_MS);
      sincePrune = 0;
    }
    await options.onProgress?.({ replayed, total: Math.max(total, replayed) });
    // A long replay leaves room between pages for the server's other work.
    await yieldToOthers();
  }
  // Changes of goals the period holds after its last event are made too.
  changeGoals(draft.toMs, true);
  // Windows of the period that have closed by now are closed, as the job has closed them.
  close(services.now().getTime(), draft.toMs);

  const actual = await booked;
  for (const g of await eventlessGrants(db, program.id)) {
    const goal = history
      .find((h) => h.id === g.goalId)
      ?.versions.find((v) => v.version === g.goalVersion)?.goal;
    if (!goal) continue;
    if (goal.evaluate === "immediately") {
      // Granted at once by a change of the goal: in the period it was made in.
      if (g.grantedAtMs >= draft.fromMs && g.grantedAtMs < draft.toMs) tallyGrant(actual, g);
      continue;
    }
    const end = windowByKey(goal.window, g.windowKey, program.timezone)?.endMs ?? null;
    if (end !== null && windowInPeriod(end)) tallyGrant(actual, g);
  }

  const names = new Map<string, Person>(
    people.map((p) => [p.id, { externalId: p.externalId, name: p.name }]),
  );
  const goalNames = new Map<string, string>();
  for (const h of history) {
    const latest = h.versions.at(-1);
    if (latest) goalNames.set(h.id, latest.goal.name);
  }
  for (const g of draft.goals) goalNames.set(g.id, g.goal.name);
  const figures = {
    actual: figuresOf(actual, names, goalNames),
    simulated: figuresOf(simulated, names, goalNames),
  };
  await options.onProgress?.({ replayed, total: replayed });
  return {
    currency: program.currency,
    ...figures,
    delta: compareTallies(actual, simulated, figures, names, goalNames),
    notes: notesOf(versions, history, draft, [...goals.live, ...draft.goals]),
  };
}

/**
 * Stored payloads passed eventSchema on the way in, and it changes nothing
 * it accepts (no defaults, no transforms), so they are taken as they are:
 * checking a million of them again would be a tenth of the replay.
 */
function received(row: ReplayRow): ReceivedEvent {
  return toReceived(row.payload as EventInput, row.occurredAtMs);
}

/**
 * A page cut into batches that each give what the engine gave, however the
 * engine's own batches fell (the domain is indifferent to batching; a
 * property test holds it to that). What a batch cannot span is a moment
 * where the answer depends on the time of processing: where settings or
 * goals changed, and where a goal window's grace ends (after it, events in
 * the window are late and the window is closed). An event dated in the
 * period goes through the draft, any other through the settings of its
 * time, so the two never share a batch either.
 */
function* batchesOf(
  page: readonly ReplayRow[],
  inPeriod: (atMs: number) => boolean,
  boundaryAfter: (firstMs: number, draft: boolean) => number,
): Generator<{ nowMs: number; firstMs: number; draft: boolean; rows: ReplayRow[] }> {
  let current: {
    nowMs: number;
    firstMs: number;
    draft: boolean;
    rows: ReplayRow[];
    until: number;
  } | null = null;
  for (const row of page) {
    const draft = inPeriod(row.occurredAtMs);
    if (current && current.draft === draft && row.processedAtMs < current.until) {
      current.rows.push(row);
      current.nowMs = Math.max(current.nowMs, row.processedAtMs);
      continue;
    }
    if (current) yield current;
    current = {
      nowMs: row.processedAtMs,
      firstMs: row.processedAtMs,
      draft,
      rows: [row],
      until: boundaryAfter(row.processedAtMs, draft),
    };
  }
  if (current) yield current;
}

/**
 * Adds what a batch booked to the tally, as bookedTally reads it from the
 * ledger: each commission or refund journal by the date of its own event
 * (a refund that waited for its order, by the refund's), grants by their
 * event's, sales by the order's and the refund's.
 */
function tallyFacts(
  tally: Tally,
  facts: BatchFacts,
  events: readonly ReceivedEvent[],
  waitingSince: ReadonlyMap<string, number>,
  timezone: string,
  inPeriod: (atMs: number) => boolean,
): void {
  const occurred = new Map(events.map((e) => [e.id, e.occurredAtMs]));
  const dateOf = (eventId: string | null) =>
    eventId === null ? undefined : (occurred.get(eventId) ?? waitingSince.get(eventId));
  for (const j of facts.journals) {
    if (j.asset !== "cash" || (j.causeType !== "commission" && j.causeType !== "refund")) continue;
    const atMs = dateOf(j.eventId);
    if (atMs === undefined || !inPeriod(atMs)) continue;
    const month = monthOf(atMs, timezone).key;
    for (const leg of j.legs)
      tallyCommission(tally, {
        participantId: leg.participantId,
        level: leg.level,
        amountMinor: leg.amountMinor,
        month,
      });
  }
  for (const g of facts.grants) {
    const atMs = dateOf(g.eventId);
    if (atMs !== undefined && inPeriod(atMs)) tallyGrant(tally, g);
  }
  for (const o of facts.orders) if (inPeriod(o.occurredAtMs)) tally.sales += o.commissionableMinor;
  for (const r of [...facts.refunds, ...facts.appliedWaiting]) {
    if (r.applied === null) continue;
    const atMs = dateOf(r.refundId) ?? r.occurredAtMs;
    if (inPeriod(atMs)) tally.sales -= r.applied.valueMinor;
  }
}

/** The program's rules over time: each stored version, and the draft. */
function settingsOverTime(
  program: ProgramRecord,
  versions: readonly ProgramVersion[],
  draft: ProgramInput,
) {
  const rulesOf = (config: ProgramInput): ProgramRules =>
    programRules(
      {
        ...program,
        name: config.name,
        currency: config.currency,
        timezone: config.timezone,
        config,
      },
      new Date(0),
    );
  const known =
    versions.length > 0
      ? versions.map((v) => ({ fromMs: v.validFromMs, rules: rulesOf(v.config) }))
      : [{ fromMs: Number.NEGATIVE_INFINITY, rules: rulesOf(program.config) }];
  const draftRules = rulesOf(draft);
  return {
    draftRules,
    /** The rules in force at `atMs`: the latest version that began by then. */
    at(atMs: number): ProgramRules {
      let found = known[0];
      for (const v of known) if (v.fromMs <= atMs) found = v;
      return (found ?? known[0])!.rules;
    },
    everyRules: () => [...known.map((k) => k.rules), draftRules],
    /** When the settings next changed after `atMs`; Infinity when they did not. */
    changeAfter(atMs: number): number {
      for (const v of known) if (v.fromMs > atMs) return v.fromMs;
      return Number.POSITIVE_INFINITY;
    },
  };
}

/** The goals in force over time, and the draft's goals for the period. */
function goalsOverTime(history: readonly GoalHistory[], draft: SimulationDraft) {
  const versionAt = (h: GoalHistory, atMs: number) => {
    let found = h.versions[0];
    for (const v of h.versions) if (v.fromMs <= atMs) found = v;
    return found;
  };
  const live: ActiveGoal[] = history.flatMap((h) => {
    const latest = h.versions.at(-1);
    return h.endedAtMs === null && latest
      ? [{ id: h.id, version: latest.version, goal: latest.goal }]
      : [];
  });
  const drafted = new Set(draft.goals.map((g) => g.id));
  // The goal set changes only where a goal begins, changes or ends.
  const changes = [
    ...new Set(
      history.flatMap((h) => [
        h.createdAtMs,
        ...(h.endedAtMs === null ? [] : [h.endedAtMs]),
        ...h.versions.map((v) => v.fromMs),
      ]),
    ),
  ].sort((a, b) => a - b);
  const cache = new Map<string, ActiveGoal[]>();
  /** The goals in force at `atMs`; in the period, with the draft's in place of theirs. */
  const at = (atMs: number, inPeriod: boolean): ActiveGoal[] => {
    let segment = -1;
    for (let i = 0; i < changes.length && (changes[i] ?? 0) <= atMs; i++) segment = i;
    const key = `${inPeriod}|${segment}`;
    let goals = cache.get(key);
    if (!goals) {
      const then = history.flatMap((h) => {
        if (h.createdAtMs > atMs || (h.endedAtMs !== null && h.endedAtMs <= atMs)) return [];
        const v = versionAt(h, atMs);
        return v ? [{ id: h.id, version: v.version, goal: v.goal }] : [];
      });
      goals = !inPeriod
        ? then
        : [...(draft.replaceGoals ? [] : then.filter((g) => !drafted.has(g.id))), ...draft.goals];
      cache.set(key, goals);
    }
    return goals;
  };
  return {
    live,
    /** Whether a change of goal `id` is the draft's to make in the period. */
    drafted: (id: string) => draft.replaceGoals || drafted.has(id),
    at: (atMs: number) => at(atMs, false),
    inPeriod: (atMs: number) => at(atMs, true),
    /** When the goals next changed after `atMs`; Infinity when they did not. */
    changeAfter(atMs: number): number {
      for (const c of changes) if (c > atMs) return c;
      return Number.POSITIVE_INFINITY;
    },
    everyGoal: () =>
      history.flatMap((h) =>
        h.versions.map((v) => ({ id: h.id, version: v.version, goal: v.goal })),
      ),
  };
}

/** What the replay could not take as it was, in words for the brand. */
function notesOf(
  versions: readonly ProgramVersion[],
  history: readonly GoalHistory[],
  draft: SimulationDraft,
  periodGoals: readonly ActiveGoal[],
): string[] {
  const notes: string[] = [];
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const inside = (ms: number) => ms > draft.fromMs && ms < draft.toMs;
  const changed = versions.filter((v) => inside(v.validFromMs));
  if (changed.length > 0)
    notes.push(
      `the program's settings changed inside the period (${changed.map((v) => day(v.validFromMs)).join(", ")}); the draft applies throughout, so even an unchanged draft differs from what was booked before the change`,
    );
  const drafted = new Set(draft.goals.map((g) => g.id));
  const goalChanges = history.filter(
    (h) =>
      (draft.replaceGoals || drafted.has(h.id)) &&
      (inside(h.createdAtMs) ||
        (h.endedAtMs !== null && inside(h.endedAtMs)) ||
        h.versions.some((v) => inside(v.fromMs))),
  );
  if (goalChanges.length > 0)
    notes.push(
      `goals the draft stands for began, changed or ended inside the period (${goalChanges.map((h) => h.id).join(", ")}); the draft's goals apply throughout`,
    );
  if (periodGoals.some((g) => g.goal.metric === "inactivity_days"))
    notes.push("inactivity goals are not replayed: their grants are in neither side");
  notes.push(
    "participants are replayed with their status, level and sponsor as they are now; levels that goals granted change as the replay grants them",
  );
  return notes;
}
