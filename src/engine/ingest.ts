import { z } from "zod";
import { eventSchema, type EventInput } from "../domain/events.ts";
import { findUnsafeText, unsafeTextRefusal } from "../domain/safe-text.ts";
import type { EventError, EventOutcome } from "../domain/process-events.ts";
import { findEvents, insertInbox, type InboxRow } from "../store/events.ts";
import { lockEvents } from "../store/locks.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { contentHash } from "./content-hash.ts";
import { applyEvents, processBatch } from "./process-batch.ts";
import { payloadOf, toReceived } from "./received.ts";
import type { Services } from "./services.ts";

export type EventResult =
  | (Extract<EventOutcome, { status: "processed" }> | DuplicateResult)
  | { id: string | null; status: "rejected"; error: EventError };

type DuplicateResult = Omit<Extract<EventOutcome, { status: "processed" }>, "status"> & {
  status: "duplicate";
};

/**
 * Takes a request's events through the inbox and the processor, and answers
 * one result per event in the order sent. Invalid events are rejected alone;
 * a redelivered id answers `duplicate` with its first outcome; the same id
 * with other content is a `conflict`.
 */
export async function ingestEvents(
  services: Services,
  program: ProgramRecord,
  raw: unknown[],
): Promise<EventResult[]> {
  const results: (EventResult | null)[] = raw.map(() => null);
  const accepted = new Map<string, { index: number; event: EventInput; hash: string }>();
  const repeats: { index: number; id: string; hash: string }[] = [];
  const receivedAt = services.now();

  raw.forEach((item, index) => {
    // A string no database can store fails its own event, not the whole batch.
    const unsafe = findUnsafeText(item);
    if (unsafe) {
      results[index] = {
        id: idOf(item),
        status: "rejected",
        error: { code: "invalid_event", ...unsafeTextRefusal(unsafe, "the event") },
      };
      return;
    }
    const parsed = eventSchema.safeParse(item);
    if (!parsed.success) {
      results[index] = { id: idOf(item), status: "rejected", error: invalidEvent(parsed.error) };
      return;
    }
    const event = parsed.data;
    const hash = contentHash(event);
    if (accepted.has(event.id)) repeats.push({ index, id: event.id, hash });
    else accepted.set(event.id, { index, event, hash });
  });

  const incoming = [...accepted.values()].map(({ event, hash }) => ({
    event: toReceived(
      event,
      event.occurredAt ? Date.parse(event.occurredAt) : receivedAt.getTime(),
    ),
    hash,
  }));
  const ids = incoming.map((r) => r.event.id);

  // One transaction stores the new events with their outcomes and everything
  // they derive. Events already stored answer with what was stored.
  const { outcomes, stored } = await services.db.transaction(async (tx) => {
    await lockEvents(tx, program.id, ids);
    const stored = new Map((await findEvents(tx, program.id, ids)).map((s) => [s.eventId, s]));
    const fresh = incoming.filter((r) => !stored.has(r.event.id));
    const outcomes = new Map(
      (
        await applyEvents(
          tx,
          services,
          program,
          fresh.map((r) => r.event),
        )
      ).map((o) => [o.id, o]),
    );
    const rows: InboxRow[] = [];
    for (const { event, hash } of fresh) {
      const outcome = outcomes.get(event.id);
      // A rejected event is not stored, so the brand can fix it and send the same id again.
      if (outcome?.status !== "processed") continue;
      rows.push({
        eventId: event.id,
        type: event.type,
        payload: payloadOf(event),
        contentHash: hash,
        occurredAt: new Date(event.occurredAtMs),
        outcome,
      });
    }
    await insertInbox(tx, program.id, rows, services.now());
    return { outcomes, stored };
  });
  services.metrics.eventsProcessed(
    [...outcomes.values()].filter((o) => o.status === "processed").length,
  );

  // Stored but still waiting (an import, or a run that stopped midway): process them now.
  const waiting = [...stored.values()].filter((s) => s.status === "pending").map((s) => s.eventId);
  if (waiting.length > 0) {
    await processBatch(services, program, waiting, waiting.length);
    for (const s of await findEvents(services.db, program.id, waiting)) stored.set(s.eventId, s);
  }

  for (const { index, event, hash } of accepted.values()) {
    const own = outcomes.get(event.id);
    if (own) {
      results[index] = own;
      continue;
    }
    const s = stored.get(event.id);
    results[index] =
      s === undefined || s.outcome === null
        ? // Stored then rejected by a concurrent request: nothing of it remains.
          {
            id: event.id,
            status: "rejected",
            error: {
              code: "rejected",
              message: "the event was rejected; fix it and send it again",
            },
          }
        : s.contentHash !== hash
          ? conflict(event.id)
          : asDuplicate(s.outcome);
  }
  for (const { index, id, hash } of repeats) {
    const first = accepted.get(id);
    const firstResult = first ? results[first.index] : null;
    results[index] =
      first?.hash !== hash
        ? conflict(id)
        : firstResult && firstResult.status !== "rejected"
          ? asDuplicate(firstResult)
          : (firstResult ?? null);
  }
  return results.map(
    (r, i) =>
      r ?? {
        id: idOf(raw[i]),
        status: "rejected",
        error: { code: "rejected", message: "not processed" },
      },
  );
}

function asDuplicate(outcome: EventOutcome | EventResult): EventResult {
  if (outcome.status === "rejected") return outcome;
  return { ...outcome, status: "duplicate" };
}

function conflict(id: string): EventResult {
  return {
    id,
    status: "rejected",
    error: {
      code: "conflict",
      message: `an event with id "${id}" was already received with different content; send a new id for a new event`,
    },
  };
}

function idOf(item: unknown): string | null {
  const id = z.object({ id: z.string() }).safeParse(item);
  return id.success ? id.data.id : null;
}

export function invalidEvent(error: z.ZodError): EventError {
  return {
    code: "invalid_event",
    message: `the event is not valid: ${error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ")}`,
    details: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  };
}
