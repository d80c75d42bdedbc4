import type { ConversionMemory } from "../domain/conversions.ts";
import { memoryKey, type ConversionKind } from "../domain/conversions.ts";
import type { ConversionFact } from "../domain/process-events.ts";
import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";
import { batchKeys, JOB_PROGRAM } from "./job-watermarks.ts";

/**
 * By memoryKey(kind, key): the first attributed conversion remembered under
 * each of `keys` (`kind|customer key`). Searched by program, kind and key,
 * the program and keys hidden from the planner (job-watermarks.ts says why).
 */
export async function loadConversionMemory(
  db: Queryable,
  programId: string,
  keys: readonly { kind: ConversionKind; key: string }[],
): Promise<Map<string, ConversionMemory>> {
  if (keys.length === 0) return new Map();
  const rows = await db.query<{
    kind: ConversionKind;
    customer_key: string;
    event_id: string;
    participant_id: string;
  }>(
    `select c.kind, c.customer_key, c.event_id, c.participant_id
     from unnest(${batchKeys(2)}, ${batchKeys(3)}) as k(kind, customer_key)
     join conversion_customers c on c.program_id = ${JOB_PROGRAM}
       and c.kind = k.kind and c.customer_key = k.customer_key`,
    [programId, keys.map((k) => k.kind), keys.map((k) => k.key)],
  );
  return new Map(
    rows.map((r) => [
      memoryKey(r.kind, r.customer_key),
      { eventId: r.event_id, participantId: r.participant_id },
    ]),
  );
}

/**
 * Remembers each first conversion and each of its keys. No conflict is
 * expected: the batch held the keys' locks while it read them. One that
 * still arrives fails the batch, which then writes nothing, rather than
 * pay a customer's conversion twice.
 */
export async function insertConversions(
  db: Queryable,
  programId: string,
  conversions: readonly ConversionFact[],
): Promise<void> {
  const iso = (ms: number) => new Date(ms).toISOString();
  await bulkInsert(
    db,
    "conversions",
    programId,
    {
      event_id: "text",
      kind: "text",
      participant_id: "text",
      occurred_at: "timestamptz",
      available_at: "timestamptz",
    },
    conversions.map((c) => ({
      event_id: c.eventId,
      kind: c.kind,
      participant_id: c.participantId,
      occurred_at: iso(c.occurredAtMs),
      available_at: c.availableAtMs === null ? null : iso(c.availableAtMs),
    })),
  );
  await bulkInsert(
    db,
    "conversion_customers",
    programId,
    {
      kind: "text",
      customer_key: "text",
      event_id: "text",
      participant_id: "text",
      occurred_at: "timestamptz",
    },
    conversions.flatMap((c) =>
      c.keys.map((key) => ({
        kind: c.kind,
        customer_key: key,
        event_id: c.eventId,
        participant_id: c.participantId,
        occurred_at: iso(c.occurredAtMs),
      })),
    ),
  );
}
