import type { BatchFacts } from "../domain/process-events.ts";
import type { IdSource } from "../domain/ids.ts";
import type { Click } from "../domain/attribution.ts";
import type { Queryable } from "./db.ts";

/** Writes what a batch of events derived, each kind of fact in one statement. */
export async function writeFacts(
  db: Queryable,
  programId: string,
  facts: BatchFacts,
  ids: IdSource,
  at: Date,
): Promise<void> {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (facts.clicks.length > 0) {
    await db.query(
      `insert into clicks (program_id, id, participant_id, code, visitor_id, event_id, occurred_at)
       select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])`,
      [
        programId,
        facts.clicks.map(() => ids.next("clk")),
        facts.clicks.map((c) => c.participantId),
        facts.clicks.map((c) => c.code),
        facts.clicks.map((c) => c.visitorId),
        facts.clicks.map((c) => c.eventId),
        facts.clicks.map((c) => iso(c.occurredAtMs)),
      ],
    );
  }
  if (facts.bindings.length > 0) {
    await db.query(
      `insert into customer_bindings (program_id, customer_key, participant_id, event_id, bound_at)
       select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[])
       on conflict (program_id, customer_key) do nothing`,
      [
        programId,
        facts.bindings.map((b) => b.customerKey),
        facts.bindings.map((b) => b.participantId),
        facts.bindings.map((b) => b.eventId),
        facts.bindings.map((b) => iso(b.boundAtMs)),
      ],
    );
  }
  if (facts.orders.length > 0) {
    const o = facts.orders;
    await db.query(
      `insert into orders (program_id, order_id, participant_id, attribution, customer_id, customer_email,
         currency, items, gross_minor, discount_minor, commissionable_minor, occurred_at)
       select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::jsonb[], $9::bigint[], $10::bigint[], $11::bigint[], $12::timestamptz[])`,
      [
        programId,
        o.map((x) => x.orderId),
        o.map((x) => x.participantId),
        o.map((x) => x.attribution),
        o.map((x) => x.customerId),
        o.map((x) => x.customerEmail),
        o.map((x) => x.currency),
        o.map((x) => JSON.stringify(x.items)),
        o.map((x) => x.grossMinor),
        o.map((x) => x.discountMinor),
        o.map((x) => x.commissionableMinor),
        o.map((x) => iso(x.occurredAtMs)),
      ],
    );
  }
  if (facts.commissionLines.length > 0) {
    const l = facts.commissionLines;
    await db.query(
      `insert into commission_lines (program_id, event_id, level, line_no, participant_id, sku, quantity,
         base_minor, rate, amount_minor)
       select $1, * from unnest($2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::int[],
         $8::bigint[], $9::text[], $10::bigint[])`,
      [
        programId,
        l.map((x) => x.eventId),
        l.map((x) => x.level),
        l.map((x) => x.lineNo),
        l.map((x) => x.participantId),
        l.map((x) => x.sku),
        l.map((x) => x.quantity),
        l.map((x) => x.baseMinor),
        l.map((x) => x.rate),
        l.map((x) => x.amountMinor),
      ],
    );
  }
  await bookTransfers(db, programId, facts.transfers, ids, at);
}

/**
 * Books each transfer as two entries that sum to zero: the participant's
 * account gains what the program's account gives.
 */
export async function bookTransfers(
  db: Queryable,
  programId: string,
  transfers: BatchFacts["transfers"],
  ids: IdSource,
  at: Date,
): Promise<void> {
  if (transfers.length === 0) return;
  const entries = transfers.flatMap((t) => {
    const transferId = ids.next("trf");
    return (["participant", "program"] as const).map((account) => ({
      ...t,
      id: ids.next("led"),
      transferId,
      account,
      amountMinor: account === "participant" ? t.amountMinor : -t.amountMinor,
    }));
  });
  await db.query(
    `insert into ledger_entries (program_id, id, transfer_id, account, participant_id, asset, bucket,
       amount_minor, cause_type, cause_key, event_id, level, created_at)
     select $1, *, $13::timestamptz from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::int[])`,
    [
      programId,
      entries.map((e) => e.id),
      entries.map((e) => e.transferId),
      entries.map((e) => e.account),
      entries.map((e) => e.participantId),
      entries.map((e) => e.asset),
      entries.map((e) => e.bucket),
      entries.map((e) => e.amountMinor),
      entries.map((e) => e.causeType),
      entries.map((e) => e.causeKey),
      entries.map((e) => e.eventId),
      entries.map((e) => e.level),
      at.toISOString(),
    ],
  );
}

export async function loadClicks(
  db: Queryable,
  programId: string,
  visitorIds: string[],
  sinceMs: number,
): Promise<Map<string, Click[]>> {
  const byVisitor = new Map<string, Click[]>();
  if (visitorIds.length === 0) return byVisitor;
  const rows = await db.query<{ visitor_id: string; participant_id: string; occurred_at: Date }>(
    `select visitor_id, participant_id, occurred_at from clicks
     where program_id = $1 and visitor_id = any($2::text[]) and occurred_at >= $3`,
    [programId, visitorIds, new Date(sinceMs).toISOString()],
  );
  for (const r of rows) {
    const list = byVisitor.get(r.visitor_id) ?? [];
    list.push({ participantId: r.participant_id, occurredAtMs: r.occurred_at.getTime() });
    byVisitor.set(r.visitor_id, list);
  }
  return byVisitor;
}

export async function loadBindings(
  db: Queryable,
  programId: string,
  keys: string[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db.query<{ customer_key: string; participant_id: string }>(
    `select customer_key, participant_id from customer_bindings
     where program_id = $1 and customer_key = any($2::text[])`,
    [programId, keys],
  );
  return new Map(rows.map((r) => [r.customer_key, r.participant_id]));
}

export async function insertClick(
  db: Queryable,
  programId: string,
  click: { id: string; participantId: string; code: string; visitorId: string; occurredAt: Date },
): Promise<void> {
  await db.query(
    `insert into clicks (program_id, id, participant_id, code, visitor_id, occurred_at)
     values ($1, $2, $3, $4, $5, $6)`,
    [
      programId,
      click.id,
      click.participantId,
      click.code,
      click.visitorId,
      click.occurredAt.toISOString(),
    ],
  );
}
