import type { BatchFacts, JournalFact, WaitingRefund } from "../domain/process-events.ts";
import { valueOrder } from "../domain/commissions.ts";
import type { OrderState } from "../domain/refunds.ts";
import type { IdSource } from "../domain/ids.ts";
import type { Click } from "../domain/attribution.ts";
import { bulkInsert } from "./bulk-insert.ts";
import { insertFlags } from "./flags.ts";
import { insertConversions } from "./conversions.ts";
import { insertGrants, updateLastOrders, updateLevels, writeProgress } from "./progress.ts";
import type { Queryable } from "./db.ts";
import { batchKeys, JOB_PROGRAM, PROBE_EACH } from "./job-watermarks.ts";

/**
 * Writes what a batch of events derived, each kind of fact in one statement.
 * Returns the ids of the flags written, by key.
 */
export async function writeFacts(
  db: Queryable,
  programId: string,
  facts: BatchFacts,
  ids: IdSource,
  at: Date,
): Promise<{ flagIds: Map<string, string> }> {
  const iso = (ms: number) => new Date(ms).toISOString();
  await bulkInsert(
    db,
    "clicks",
    programId,
    {
      id: "text",
      participant_id: "text",
      code: "text",
      visitor_id: "text",
      ip_hash: "text",
      event_id: "text",
      occurred_at: "timestamptz",
    },
    facts.clicks.map((c) => ({
      id: ids.next("clk"),
      participant_id: c.participantId,
      code: c.code,
      visitor_id: c.visitorId,
      ip_hash: c.ipHash,
      event_id: c.eventId,
      occurred_at: iso(c.occurredAtMs),
    })),
  );
  await bulkInsert(
    db,
    "customer_bindings",
    programId,
    { customer_key: "text", participant_id: "text", event_id: "text", bound_at: "timestamptz" },
    facts.bindings.map((b) => ({
      customer_key: b.customerKey,
      participant_id: b.participantId,
      event_id: b.eventId,
      bound_at: iso(b.boundAtMs),
    })),
    "on conflict (program_id, customer_key) do nothing",
  );
  await bulkInsert(
    db,
    "orders",
    programId,
    {
      order_id: "text",
      participant_id: "text",
      attribution: "text",
      customer_id: "text",
      customer_email: "text",
      currency: "text",
      items: "jsonb",
      gross_minor: "bigint",
      discount_minor: "bigint",
      commissionable_minor: "bigint",
      shipping_minor: "bigint",
      tax_minor: "bigint",
      occurred_at: "timestamptz",
      commission_lines: "jsonb",
      commission_earners: "text[]",
      cuts: "jsonb",
      available_at: "timestamptz",
    },
    facts.orders.map((o) => ({
      order_id: o.orderId,
      participant_id: o.participantId,
      attribution: o.attribution,
      customer_id: o.customerId,
      customer_email: o.customerEmail,
      currency: o.currency,
      items: o.items,
      gross_minor: o.grossMinor,
      discount_minor: o.discountMinor,
      commissionable_minor: o.commissionableMinor,
      shipping_minor: o.shippingMinor,
      tax_minor: o.taxMinor,
      occurred_at: iso(o.occurredAtMs),
      // Compact on purpose: [level, item index or -1 for a per-order amount,
      // amount]. The earner of each level is on the ledger entry; the rest of a
      // line is derivable from the order, and full lines tripled the cost of
      // storing an order.
      commission_lines: o.commissionLines.map((l) => [l.level, l.itemIndex ?? -1, l.amountMinor]),
      commission_earners: o.earners,
      cuts: o.cuts,
      available_at: o.availableAtMs === null ? null : iso(o.availableAtMs),
    })),
  );
  await insertConversions(db, programId, facts.conversions);
  await bulkInsert(
    db,
    "refunds",
    programId,
    {
      refund_id: "text",
      order_id: "text",
      items: "jsonb",
      amount_minor: "bigint",
      occurred_at: "timestamptz",
      state: "text",
      quantities: "jsonb",
      applied_amount_minor: "bigint",
      value_minor: "bigint",
    },
    facts.refunds.map((r) => ({
      refund_id: r.refundId,
      order_id: r.orderId,
      items: r.items ?? null,
      amount_minor: r.amountMinor ?? null,
      occurred_at: iso(r.occurredAtMs),
      state: r.applied ? "applied" : "waiting",
      quantities: r.applied?.quantities ?? null,
      applied_amount_minor: r.applied?.amountMinor ?? 0,
      value_minor: r.applied?.valueMinor ?? 0,
    })),
  );
  if (facts.appliedWaiting.length > 0) {
    await db.query(
      `update refunds r set state = 'applied', quantities = a.quantities,
         applied_amount_minor = a.applied_amount_minor, value_minor = a.value_minor
       from json_to_recordset($2::json)
         as a(refund_id text, quantities jsonb, applied_amount_minor bigint, value_minor bigint)
       where r.program_id = $1 and r.refund_id = a.refund_id and r.state = 'waiting'`,
      [
        programId,
        JSON.stringify(
          facts.appliedWaiting.map((r) => ({
            refund_id: r.refundId,
            quantities: r.applied?.quantities ?? null,
            applied_amount_minor: r.applied?.amountMinor ?? 0,
            value_minor: r.applied?.valueMinor ?? 0,
          })),
        ),
      ],
    );
  }
  const flagIds = await insertFlags(db, programId, facts.flags, ids, at);
  await insertGrants(db, programId, facts.grants, at);
  await writeProgress(db, programId, facts.progress, at);
  await updateLastOrders(db, programId, facts.lastOrders, at);
  await updateLevels(db, programId, facts.levelChanges);
  await bookJournals(db, programId, facts.journals, ids, at);
  return { flagIds };
}

/**
 * The stored orders `orderIds` name, with what earlier refunds returned per
 * item and of the total: searched by program and order id, both hidden from
 * the planner (job-watermarks.ts says why).
 */
export async function loadOrders(
  db: Queryable,
  programId: string,
  orderIds: string[],
): Promise<Map<string, OrderState>> {
  if (orderIds.length === 0) return new Map();
  const rows = await db.query<{
    order_id: string;
    participant_id: string | null;
    occurred_at: Date;
    items: { sku: string; quantity: number; unitAmount: number }[];
    discount_minor: number;
    shipping_minor: number;
    tax_minor: number;
    commission_lines: [number, number, number][];
    commission_earners: (string | null)[];
    refunded: (number[] | null)[];
    refunded_amount_minor: number;
    released: number[];
  }>(
    `select o.order_id, o.participant_id, o.occurred_at, o.items, o.discount_minor,
       o.shipping_minor, o.tax_minor, o.commission_lines, o.commission_earners,
       coalesce(array_agg(r.quantities) filter (where r.state = 'applied'), '{}') as refunded,
       coalesce(sum(r.applied_amount_minor) filter (where r.state = 'applied'), 0)::bigint
         as refunded_amount_minor,
       array(select h.level from hold_releases h
             where h.program_id = o.program_id and h.order_id = o.order_id) as released
     from orders o left join refunds r on r.program_id = o.program_id and r.order_id = o.order_id
       and r.program_id = ${JOB_PROGRAM} and r.order_id = any(${batchKeys(2)})
     where o.program_id = ${JOB_PROGRAM} and o.order_id = any(${batchKeys(2)})
     group by o.program_id, o.order_id`,
    [programId, orderIds],
  );
  return new Map(
    rows.map((o) => {
      const items = o.items.map((i) => ({
        sku: i.sku,
        quantity: i.quantity,
        unitAmountMinor: i.unitAmount,
      }));
      const value = valueOrder(items, o.discount_minor);
      const state: OrderState = {
        orderId: o.order_id,
        participantId: o.participant_id,
        occurredAtMs: o.occurred_at.getTime(),
        items,
        lineBasesMinor: value.lineBasesMinor,
        totalMinor: value.commissionableMinor + o.shipping_minor + o.tax_minor,
        commissionLines: o.commission_lines.map(([level, item, amountMinor]) => ({
          level,
          itemIndex: item < 0 ? null : item,
          amountMinor,
        })),
        earners: o.commission_earners.map((e) => e ?? ""),
        refundedQuantities: items.map((_, i) =>
          o.refunded.reduce((sum, q) => sum + (q?.[i] ?? 0), 0),
        ),
        refundedAmountMinor: o.refunded_amount_minor,
        releasedLevels: o.released,
      };
      return [o.order_id, state];
    }),
  );
}

/**
 * By event id: the type of each of `eventIds` stored as something other than
 * an order. Searched by program and id, both hidden from the planner
 * (job-watermarks.ts says why).
 */
export async function loadOtherEventTypes(
  db: Queryable,
  programId: string,
  eventIds: string[],
): Promise<Map<string, string>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db.query<{ event_id: string; type: string }>(
    `select event_id, type from events
     where program_id = ${JOB_PROGRAM} and event_id = any(${batchKeys(2)}) and type <> 'order'`,
    [programId, eventIds],
  );
  return new Map(rows.map((r) => [r.event_id, r.type]));
}

/**
 * Refunds stored while waiting for the orders `orderIds` name, oldest first:
 * looked up order by order (PROBE_EACH), since the index of waiting refunds
 * is small enough that, searched for all the keys at once, the planner
 * preferred to read all of the program's.
 */
export async function loadWaitingRefunds(
  db: Queryable,
  programId: string,
  orderIds: string[],
): Promise<Map<string, WaitingRefund[]>> {
  const waiting = new Map<string, WaitingRefund[]>();
  if (orderIds.length === 0) return waiting;
  const rows = await db.query<{
    refund_id: string;
    order_id: string;
    items: { sku: string; quantity: number }[] | null;
    amount_minor: number | null;
  }>(
    `select r.refund_id, r.order_id, r.items, r.amount_minor
     from unnest(${batchKeys(2)}) as k(order_id)
     cross join lateral (
       select refund_id, order_id, items, amount_minor, occurred_at from refunds
       where program_id = ${JOB_PROGRAM} and order_id = k.order_id and state = 'waiting'
       ${PROBE_EACH}) r
     order by r.occurred_at, r.refund_id`,
    [programId, orderIds],
  );
  for (const r of rows)
    waiting.set(r.order_id, [
      ...(waiting.get(r.order_id) ?? []),
      {
        refundId: r.refund_id,
        items: r.items ?? undefined,
        amountMinor: r.amount_minor ?? undefined,
      },
    ]);
  return waiting;
}

/**
 * Books each journal as one transfer: an entry per leg on the participants'
 * accounts and one on the program's account that balances them, so every
 * transfer's entries sum to zero. A leg's cause key adds its level, so the
 * unique index refuses a second booking of any leg.
 */
export async function bookJournals(
  db: Queryable,
  programId: string,
  journals: BatchFacts["journals"],
  ids: IdSource,
  at: Date,
): Promise<void> {
  // A goal reward may credit another program of the brand: its entries carry that program.
  const byProgram = new Map<string, JournalFact[]>();
  for (const j of journals) {
    const target = j.programId ?? programId;
    const list = byProgram.get(target);
    if (list) list.push(j);
    else byProgram.set(target, [j]);
  }
  for (const [target, list] of byProgram) await bookProgramJournals(db, target, list, ids, at);
}

async function bookProgramJournals(
  db: Queryable,
  programId: string,
  journals: readonly JournalFact[],
  ids: IdSource,
  at: Date,
): Promise<void> {
  const createdAt = at.toISOString();
  await bulkInsert(
    db,
    "ledger_entries",
    programId,
    {
      id: "text",
      transfer_id: "text",
      account: "text",
      participant_id: "text",
      asset: "text",
      bucket: "text",
      amount_minor: "bigint",
      cause_type: "text",
      cause_key: "text",
      event_id: "text",
      order_id: "text",
      level: "int",
      goal_id: "text",
      goal_version: "int",
      step: "int",
      sku: "text",
      voucher_code: "text",
      created_at: "timestamptz",
    },
    journals.flatMap((j) => {
      const transferId = ids.next("trf");
      const entry = (
        account: "participant" | "program",
        leg: JournalFact["legs"][number] | null,
        amountMinor: number,
      ) => ({
        id: ids.next("led"),
        transfer_id: transferId,
        account,
        participant_id: leg?.participantId ?? null,
        asset: j.asset,
        bucket: leg?.bucket ?? j.bucket,
        amount_minor: amountMinor,
        cause_type: j.causeType,
        cause_key: leg?.level == null ? j.causeKey : `${j.causeKey}:${leg.level}`,
        event_id: j.eventId,
        order_id: j.orderId,
        level: leg?.level ?? null,
        goal_id: j.goal?.goalId ?? null,
        goal_version: j.goal?.version ?? null,
        step: j.goal?.step ?? null,
        sku: j.product?.sku ?? null,
        voucher_code: j.product?.voucherCode ?? null,
        created_at: createdAt,
      });
      const total = j.legs.reduce((sum, leg) => sum + leg.amountMinor, 0);
      // Legs that only move money between a participant's buckets balance
      // among themselves; the program's account is in it only when it pays.
      return [
        ...j.legs.map((leg) => entry("participant", leg, leg.amountMinor)),
        ...(total === 0 ? [] : [entry("program", null, -total)]),
      ];
    }),
  );
}

/**
 * The clicks of `visitorIds` since `sinceMs`, by visitor: searched by the
 * program and the visitors, both hidden from the planner (job-watermarks.ts).
 * Shown them, it searched by the program and the time alone, every click of
 * the program in the cookie window.
 */
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
     where program_id = ${JOB_PROGRAM} and visitor_id = any(${batchKeys(2)}) and occurred_at >= $3`,
    [programId, visitorIds, new Date(sinceMs).toISOString()],
  );
  for (const r of rows) {
    const list = byVisitor.get(r.visitor_id) ?? [];
    list.push({ participantId: r.participant_id, occurredAtMs: r.occurred_at.getTime() });
    byVisitor.set(r.visitor_id, list);
  }
  return byVisitor;
}

/**
 * The participant each of the customer keys `keys` is bound to: searched by
 * program and key, both hidden from the planner (job-watermarks.ts).
 */
export async function loadBindings(
  db: Queryable,
  programId: string,
  keys: string[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db.query<{ customer_key: string; participant_id: string }>(
    `select customer_key, participant_id from customer_bindings
     where program_id = ${JOB_PROGRAM} and customer_key = any(${batchKeys(2)})`,
    [programId, keys],
  );
  return new Map(rows.map((r) => [r.customer_key, r.participant_id]));
}

export async function insertClick(
  db: Queryable,
  programId: string,
  click: {
    id: string;
    participantId: string;
    code: string;
    visitorId: string;
    ipHash: string | null;
    occurredAt: Date;
  },
): Promise<void> {
  await db.query(
    `insert into clicks (program_id, id, participant_id, code, visitor_id, ip_hash, occurred_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      programId,
      click.id,
      click.participantId,
      click.code,
      click.visitorId,
      click.ipHash,
      click.occurredAt.toISOString(),
    ],
  );
}

/**
 * When each of `participantIds` made their own attributed orders, within the
 * window: looked up participant by participant (PROBE_EACH), with the program
 * hidden from the planner. Searched for all of them at once, a program newer
 * than the statistics had its orders of the window read by time, everyone's.
 */
export async function loadPersonalOrders(
  db: Queryable,
  programId: string,
  participantIds: string[],
  window: { sinceMs: number; untilMs: number },
): Promise<Map<string, number[]>> {
  const byParticipant = new Map<string, number[]>();
  if (participantIds.length === 0) return byParticipant;
  const rows = await db.query<{ participant_id: string; occurred_at: Date }>(
    `select k.participant_id, o.occurred_at
     from unnest(${batchKeys(2)}) as k(participant_id)
     cross join lateral (
       select occurred_at from orders
       where program_id = ${JOB_PROGRAM} and participant_id = k.participant_id
         and occurred_at > $3 and occurred_at <= $4 ${PROBE_EACH}) o`,
    [
      programId,
      participantIds,
      new Date(window.sinceMs).toISOString(),
      new Date(window.untilMs).toISOString(),
    ],
  );
  for (const r of rows)
    byParticipant.set(r.participant_id, [
      ...(byParticipant.get(r.participant_id) ?? []),
      r.occurred_at.getTime(),
    ]);
  return byParticipant;
}

/**
 * Commission booked for the orders and conversions of one month: per
 * participant, and in all. The month's orders and conversions are found by
 * the program (hidden from the planner, job-watermarks.ts says why) and time,
 * and each one's entries by its own key (PROBE_EACH): joined, the planner
 * read every commission entry of the program to pick out the month's. A
 * conversion's entries carry its event id as their order id.
 */
export async function commissionsBookedBetween(
  db: Queryable,
  programId: string,
  month: { startMs: number; endMs: number },
): Promise<{ byParticipant: Map<string, number>; programMinor: number }> {
  const rows = await db.query<{ participant_id: string; total: number }>(
    `select l.participant_id, sum(l.amount_minor)::bigint as total
     from (select o.program_id, o.order_id from orders o
           where o.program_id = ${JOB_PROGRAM} and o.occurred_at >= $2 and o.occurred_at < $3
           union all
           select c.program_id, c.event_id from conversions c
           where c.program_id = ${JOB_PROGRAM} and c.occurred_at >= $2 and c.occurred_at < $3) o
     cross join lateral (
       select l.participant_id, l.amount_minor from ledger_entries l
       where l.program_id = o.program_id and l.order_id = o.order_id
         and l.cause_type = 'commission' and l.account = 'participant' ${PROBE_EACH}) l
     group by l.participant_id`,
    [programId, new Date(month.startMs).toISOString(), new Date(month.endMs).toISOString()],
  );
  return {
    byParticipant: new Map(rows.map((r) => [r.participant_id, r.total])),
    programMinor: rows.reduce((sum, r) => sum + r.total, 0),
  };
}

/**
 * Times of the hour's clicks before `untilMs`, by `v:<visitor>` and
 * `i:<ip hash>`: looked up key by key (PROBE_EACH), with the program and the
 * hour hidden from the planner. Shown an hour after the last of its
 * statistics, it took the hour to hold no clicks and searched by the program
 * and the hour alone, every click of the program's hour for each key.
 */
export async function loadRecentClicks(
  db: Queryable,
  programId: string,
  keys: { visitorIds: string[]; ipHashes: string[] },
  window: { sinceMs: number; untilMs: number },
): Promise<Map<string, number[]>> {
  const recent = new Map<string, number[]>();
  if (keys.visitorIds.length === 0 && keys.ipHashes.length === 0) return recent;
  const probe = (column: string, array: string) =>
    `select '${column === "visitor_id" ? "v" : "i"}:' || k.key as key, c.occurred_at
     from unnest(${array}) as k(key)
     cross join lateral (
       select occurred_at from clicks
       where program_id = ${JOB_PROGRAM} and ${column} = k.key
         and occurred_at > (select $4::timestamptz) and occurred_at <= (select $5::timestamptz)
         ${PROBE_EACH}) c`;
  const rows = await db.query<{ key: string; occurred_at: Date }>(
    `${probe("visitor_id", batchKeys(2))} union all ${probe("ip_hash", batchKeys(3))}`,
    [
      programId,
      keys.visitorIds,
      keys.ipHashes,
      new Date(window.sinceMs).toISOString(),
      new Date(window.untilMs).toISOString(),
    ],
  );
  for (const r of rows) recent.set(r.key, [...(recent.get(r.key) ?? []), r.occurred_at.getTime()]);
  return recent;
}

/**
 * For each participant, whether each of their latest `orders` attributed
 * orders was refunded, newest first: each one's orders in time order, with
 * the program hidden from the planner (job-watermarks.ts). Shown a program
 * newer than its statistics, it read the program's orders newest first,
 * everyone's, to find each participant's.
 */
export async function loadRefundHistory(
  db: Queryable,
  programId: string,
  participantIds: string[],
  orders: number,
): Promise<Map<string, boolean[]>> {
  const history = new Map<string, boolean[]>();
  if (participantIds.length === 0) return history;
  const rows = await db.query<{ participant_id: string; refunded: boolean }>(
    `select p.id as participant_id, recent.refunded
     from unnest($2::text[]) as p(id)
     cross join lateral (
       select exists (select 1 from refunds r where r.program_id = o.program_id and r.order_id = o.order_id
                      and r.state = 'applied') as refunded, o.occurred_at, o.order_id
       from orders o where o.program_id = ${JOB_PROGRAM} and o.participant_id = p.id
       order by o.occurred_at desc, o.order_id desc limit $3) recent
     order by p.id, recent.occurred_at desc, recent.order_id desc`,
    [programId, participantIds, orders],
  );
  for (const r of rows)
    history.set(r.participant_id, [...(history.get(r.participant_id) ?? []), r.refunded]);
  return history;
}
