import { z } from "zod";
import type { Services } from "../../engine/services.ts";
import { insertKey } from "../../store/brands.ts";
import { balancesOf, listLedger, type LedgerEntryRow } from "../../store/ledger.ts";
import {
  adjustBalance,
  changeParticipant,
  enrollParticipant,
  type ParticipantRefusal,
} from "../../engine/participants.ts";
import { screeningsOf } from "../../engine/applications.ts";
import { countRecruits, findParticipant, listDownline } from "../../store/participants.ts";
import {
  isSortValue,
  listParticipantsWithStats,
  type ParticipantListing,
  type ParticipantSortKey,
  type ParticipantWithStats,
} from "../../store/participant-search.ts";
import type { ProgramRecord } from "../../store/programs.ts";
import { sendCsv } from "../csv.ts";
import { currencyExponent } from "../../domain/currency.ts";
import { newSecret } from "../auth.ts";
import { ApiError, notFound, retryOnUniqueViolation } from "../errors.ts";
import type { Caller } from "../auth.ts";
import {
  balancesExample,
  downlineExample,
  ledgerExample,
  participantExample,
  participantInputExample,
  participantPatchExample,
  participantTokenExample,
} from "../examples.ts";
import { presentApplication, presentParticipant } from "../present.ts";
import {
  applicationSchema,
  balancesSchema,
  collectionOf,
  downlinePage,
  ledgerCollection,
  ledgerEntrySchema,
  participantSchema,
  participantTokenSchema,
} from "../schemas.ts";
import { collection, DEFAULT_LIMIT, MAX_LIMIT, pageOf, pageQuery, route } from "../route.ts";
import { loadProgram } from "./programs.ts";

export const participantParams = z.object({ programId: z.string(), participantId: z.string() });
const status = z.enum(["applied", "active", "suspended", "rejected"]);
const codeSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{3,40}$/, "must be 3 to 40 letters, digits, '-' or '_'");

const participantInput = z.strictObject({
  externalId: z.string().min(1).max(200),
  email: z.email().optional(),
  name: z.string().min(1).max(200).optional(),
  level: z.string().min(1).optional(),
  sponsor: z.string().min(1).optional(),
  referralCode: codeSchema.optional(),
  status: status.optional(),
  /** IP addresses the participant uses; kept only as hashes, to spot self-referral. */
  ips: z.array(z.string().min(1).max(100)).max(50).optional(),
});

const participantPatch = z.strictObject({
  email: z.email().nullable().optional(),
  name: z.string().min(1).max(200).nullable().optional(),
  level: z.string().min(1).nullable().optional(),
  status: status.optional(),
  sponsor: z.string().min(1).nullable().optional(),
  ips: z.array(z.string().min(1).max(100)).max(50).optional(),
});

const sortParam = z
  .enum([
    "sales",
    "-sales",
    "earnings",
    "-earnings",
    "balance",
    "-balance",
    "joinedAt",
    "-joinedAt",
    "name",
    "-name",
  ])
  .optional()
  .describe("What to sort by, `-` first for descending; id order when absent");

const listFilters = {
  externalId: z.string().optional().describe("The one participant with this external id"),
  sort: sortParam,
  status: status.optional().describe("Only participants of this status"),
  level: z.string().min(1).max(200).optional().describe("Only participants of this level key"),
  q: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Part of an external id, name, email or referral code, any case"),
};

export const ledgerQuery = pageQuery.extend({
  order: z
    .enum(["newest", "oldest"])
    .optional()
    .describe("newest (the default) or oldest first; a cursor pages on in the order it came from"),
});

const money = z.number().int();

const participantListItem = participantSchema
  .extend({
    levelName: z.string().nullable().describe("The name of the participant's level"),
    sponsor: z
      .strictObject({ id: z.string(), externalId: z.string(), name: z.string().nullable() })
      .nullable()
      .describe("The participant directly above, if any"),
    stats: z.strictObject({
      sales: money.describe("Attributed orders' commissionable value, minor units"),
      orders: z.number().int().nonnegative().describe("Attributed orders"),
      earnings: money.describe(
        "Cash booked by commissions and cash rewards, less refunds and rejected reviews, minor units",
      ),
      balance: money.describe("Available cash, minor units: what the next payout pays"),
      points: money.describe("Available points"),
      joinedAt: z.iso.datetime().describe("When the participant was added (createdAt)"),
    }),
    application: applicationSchema
      .nullable()
      .describe("What they sent when they applied, with its screening; null if they never applied"),
  })
  .meta({ id: "ParticipantListItem", description: "A participant as the list shows them" });

const participantListPage = collectionOf(
  participantListItem,
  "ParticipantListPage",
  "Participants with their figures, in the order asked for",
);

const participantListItemExample = {
  ...participantExample,
  levelName: "Gold",
  sponsor: { id: "par_01JD3A5B7C9D1E3F5G7H9J1K3P", externalId: "amb-7", name: "Bea" },
  stats: {
    sales: 125000,
    orders: 14,
    earnings: 12500,
    balance: 4200,
    points: 300,
    joinedAt: participantExample.createdAt,
  },
  application: null,
};

const participantsCsvExample =
  "participant_id,external_id,name,email,level,level_name,status,sponsor_id,sponsor_external_id," +
  "sponsor_name,sales,orders,earnings,balance,points,joined_at,referral_code\r\n" +
  "par_01JD3A5B7C9D1E3F5G7H9J1K3M,amb-42,Ana,a@example.com,gold,Gold,active," +
  "par_01JD3A5B7C9D1E3F5G7H9J1K3P,amb-7,Bea,1250.00,14,125.00,42.00,300," +
  "2026-11-10T09:30:00.000Z,ANA42\r\n";

const adjustmentInput = z.strictObject({
  asset: z.enum(["cash", "points"]),
  amount: z
    .number()
    .int()
    .min(-Number.MAX_SAFE_INTEGER)
    .max(Number.MAX_SAFE_INTEGER)
    .refine((n) => n !== 0, "must not be 0")
    .describe("Signed: minor units of cash, or points; negative takes away"),
  reason: z.string().trim().min(1, "say why the balance is corrected").max(500),
  by: z.string().trim().min(1).max(200).optional().describe('Who makes it; "admin" when absent'),
});

const adjustmentInputExample = {
  asset: "cash",
  amount: -1500,
  reason: "Order 1001 was paid twice by the old system",
  by: "ops@brand.example",
};

const adjustmentSchema = z
  .strictObject({
    transferId: z
      .string()
      .describe("The transfer that booked it; its entry's cause is the adjustment"),
    asset: z.enum(["cash", "points"]),
    amount: money,
    reason: z.string(),
    by: z.string(),
    balances: balancesSchema,
  })
  .meta({ id: "Adjustment", description: "A manual correction of a balance, as booked" });

const adjustmentExample = {
  transferId: "trf_01JD3A5B7C9D1E3F5G7H9J1K3N",
  ...adjustmentInputExample,
  balances: balancesExample,
};

/** Rows per statement while an export streams. */
const EXPORT_PAGE = 1000;

type ListFilters = {
  externalId?: string | undefined;
  sort?: z.infer<typeof sortParam>;
  status?: z.infer<typeof status> | undefined;
  level?: string | undefined;
  q?: string | undefined;
};

function sortOf(sort: ListFilters["sort"]): ParticipantListing["sort"] {
  if (sort === undefined) return undefined;
  const descending = sort.startsWith("-");
  return { key: (descending ? sort.slice(1) : sort) as ParticipantSortKey, descending };
}

/**
 * A sorted list's cursor holds the sort it was made for, the last row's sort
 * value and its id; the id order's holds the id alone, as every list's does.
 */
function cursorKey(sort: ListFilters["sort"], row: ParticipantWithStats): string {
  return sort === undefined ? row.id : JSON.stringify([sort, row.sortValue, row.id]);
}

function listingOf(
  query: ListFilters,
  page: { after: string | null; limit: number },
): ParticipantListing {
  return {
    q: query.q,
    level: query.level,
    status: query.status,
    externalId: query.externalId,
    sort: sortOf(query.sort),
    after: positionOf(query.sort, page.after),
    limit: page.limit + 1,
  };
}

function positionOf(sort: ListFilters["sort"], after: string | null): ParticipantListing["after"] {
  if (after === null) return null;
  if (sort === undefined) return { value: null, id: after };
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(after);
  } catch {
    parsed = null;
  }
  const key = sortOf(sort)?.key;
  const read = z.tuple([z.literal(sort), z.string(), z.string()]).safeParse(parsed);
  if (!read.success || key === undefined || !isSortValue(key, read.data[1]))
    throw new ApiError(
      "invalid_request",
      `cursor is not the \`next\` of a page sorted by ${sort}; keep the sort a cursor came with, or start again without one`,
      [{ path: "cursor", message: "not a cursor of this sort" }],
    );
  return { value: read.data[1], id: read.data[2] };
}

function presentListed(p: ParticipantWithStats, program: ProgramRecord, publicUrl: string) {
  return {
    ...presentParticipant(p, publicUrl),
    levelName: levelNameOf(program, p.level),
    sponsor:
      p.sponsorId === null
        ? null
        : { id: p.sponsorId, externalId: p.sponsorExternalId ?? "", name: p.sponsorName },
    stats: {
      sales: p.sales,
      orders: p.orders,
      earnings: p.earnings,
      balance: p.balance,
      points: p.points,
      joinedAt: p.createdAt.toISOString(),
    },
  };
}

function levelNameOf(program: ProgramRecord, level: string | null): string | null {
  if (level === null) return null;
  return (program.config.levels ?? []).find((l) => l.key === level)?.name ?? level;
}

/** Every row of the export, read a page at a time as the client takes them. */
async function* exportRows(
  services: Services,
  program: ProgramRecord,
  first: ParticipantListing,
  sort: ListFilters["sort"],
) {
  let listing = first;
  for (;;) {
    const rows = await listParticipantsWithStats(services.db, program.id, listing);
    const page = rows.slice(0, EXPORT_PAGE);
    for (const p of page)
      yield [
        p.id,
        p.externalId,
        p.name,
        p.email,
        p.level,
        levelNameOf(program, p.level),
        p.status,
        p.sponsorId,
        p.sponsorExternalId,
        p.sponsorName,
        p.sales,
        String(p.orders),
        p.earnings,
        p.balance,
        String(p.points),
        p.createdAt.toISOString(),
        p.referralCode,
      ];
    const last = page[page.length - 1];
    if (rows.length <= EXPORT_PAGE || last === undefined) return;
    listing = { ...listing, after: { value: last.sortValue, id: last.id } };
    // Id order pages on the id alone, as positionOf reads it.
    if (sort === undefined) listing = { ...listing, after: { value: null, id: last.id } };
  }
}

const downlineQuery = z.object({
  depth: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .optional()
    .describe("How many levels down to list, 3 when absent; 1 lists direct recruits"),
  limit: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(`Participants per page, ${DEFAULT_LIMIT} when absent and at most ${MAX_LIMIT}`),
  cursor: z
    .string()
    .optional()
    .describe("The `next` of the previous page; the first page when absent"),
});

export async function loadParticipant(
  services: Services,
  brandId: string,
  programId: string,
  participantId: string,
) {
  const program = await loadProgram(services, brandId, programId);
  const participant = await findParticipant(services.db, program.id, participantId);
  if (!participant) throw notFound(`participant ${participantId}`);
  return { program, participant };
}

/** The program and participant an admin route's path names, in the caller's brand. */
export function loadNamedParticipant(
  services: Services,
  caller: { brandId: string },
  params: { programId: string; participantId: string },
) {
  return loadParticipant(services, caller.brandId, params.programId, params.participantId);
}

/** The token holder's program and membership, for the /v1/me routes. */
export function loadTokenHolder(
  services: Services,
  caller: Extract<Caller, { kind: "participant" }>,
) {
  return loadParticipant(services, caller.brandId, caller.programId, caller.participantId);
}

export function refused(refusal: ParticipantRefusal): ApiError {
  return new ApiError(refusal.code, refusal.message, refusal.details);
}

export const participantRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants",
    operationId: "createParticipant",
    summary: "Add a participant",
    description:
      "Adds a participant under their sponsor (another participant's externalId or referral " +
      "code). Adding the same externalId again with the same fields answers 200 with the " +
      "participant; with other fields, a 409. An unknown sponsor or level, or a sponsor cycle, is a 422.",
    tag: "Participants",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: participantInput,
    bodyExample: participantInputExample,
    status: 201,
    otherStatuses: [{ status: 200, description: "The participant existed already, the same" }],
    response: participantSchema,
    responseExample: participantExample,
    errors: [409],
    handler: async ({ services, caller, params, body, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      // Two concurrent creates of the same participant (or code) collide on a
      // unique index; tried again, the loser finds the winner's row and answers
      // as for any existing participant: 200 if the same, 409 if not.
      const result = await retryOnUniqueViolation(() => enrollParticipant(services, program, body));
      if (!result.ok) throw refused(result);
      if (!result.created) reply.code(200);
      return presentParticipant(result.participant, services.publicUrl);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants",
    operationId: "listParticipants",
    summary: "List participants with their figures, filtered and sorted, or find one by externalId",
    description:
      "The program's participants a page at a time, each with its level's name, its sponsor and " +
      "its figures (sales, orders, earnings, available balance, points, joining time). In id " +
      "order unless `sort` names sales, earnings, balance, joinedAt or name (`-` before it for " +
      "descending); the cursor keeps its place in that order while participants are added. " +
      "`status`, `level` and `q` (part of an external id, name, email or referral code, any " +
      "case) filter; with `externalId`, the one participant that has it (or none).",
    tag: "Participants",
    auth: "admin",
    response: participantListPage,
    responseExample: { items: [participantListItemExample], next: null },
    params: z.object({ programId: z.string() }),
    query: pageQuery.extend(listFilters),
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const listing = listingOf(query, page);
      const rows = await listParticipantsWithStats(services.db, program.id, listing);
      const screenings = await screeningsOf(services.db, program, rows.slice(0, page.limit));
      return collection(
        rows,
        page.limit,
        (p) => cursorKey(query.sort, p),
        (p) => ({
          ...presentListed(p, program, services.publicUrl),
          application: presentApplication(screenings.get(p.id)),
        }),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/export.csv",
    operationId: "exportParticipantsCsv",
    summary: "Every participant the filters match, as CSV, in the list's order",
    description:
      "The same filters and sort as the list, every row, streamed. Columns: participant_id, " +
      "external_id, name, email, level, level_name, status, sponsor_id, sponsor_external_id, " +
      "sponsor_name, sales, orders, earnings, balance (money in major units of the program's " +
      "currency, such as 5.00), points, joined_at (ISO 8601, UTC), referral_code. A field a " +
      "spreadsheet would run as a formula is written as text.",
    tag: "Participants",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    query: z.object(listFilters),
    response: {
      mediaType: "text/csv",
      schema: z.string().describe("RFC 4180 CSV, UTF-8, with a header row"),
    },
    responseExample: participantsCsvExample,
    responseHeaders: {
      "Content-Disposition": 'attachment; filename="participants-<programId>.csv"',
    },
    handler: async ({ services, caller, params, query, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const digits = currencyExponent(program.currency) ?? 2;
      const columns = [
        { header: "participant_id" },
        { header: "external_id" },
        { header: "name" },
        { header: "email" },
        { header: "level" },
        { header: "level_name" },
        { header: "status" },
        { header: "sponsor_id" },
        { header: "sponsor_external_id" },
        { header: "sponsor_name" },
        { header: "sales", fractionDigits: digits },
        { header: "orders" },
        { header: "earnings", fractionDigits: digits },
        { header: "balance", fractionDigits: digits },
        { header: "points" },
        { header: "joined_at" },
        { header: "referral_code" },
      ];
      const first = listingOf(query, { after: null, limit: EXPORT_PAGE });
      return sendCsv(
        reply,
        `participants-${program.id}.csv`,
        columns,
        exportRows(services, program, first, query.sort),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}",
    operationId: "getParticipant",
    summary: "Read a participant",
    description: "One participant of the program, by Laurel's id.",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    response: participantSchema,
    responseExample: participantExample,
    handler: async ({ services, caller, params }) => {
      const { participant } = await loadNamedParticipant(services, caller, params);
      return presentParticipant(participant, services.publicUrl);
    },
  }),
  route({
    method: "PATCH",
    url: "/v1/programs/{programId}/participants/{participantId}",
    operationId: "updateParticipant",
    summary: "Change a participant's level, status, contact or sponsor",
    description:
      "Changes the fields given; null clears email, name, level or sponsor. A new sponsor moves " +
      "the participant's whole downline with them, and may not be one of their own recruits (422).",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    body: participantPatch,
    bodyExample: participantPatchExample,
    response: participantSchema,
    responseExample: { ...participantExample, level: "gold" },
    handler: async ({ services, caller, params, body }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const result = await changeParticipant(services, program, participant, body);
      if (!result.ok) throw refused(result);
      const updated = result.participant;
      if (!updated) throw notFound(`participant ${params.participantId}`);
      return presentParticipant(updated, services.publicUrl);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/downline",
    operationId: "listDownline",
    summary: "Everyone below a participant, up to `depth` levels, a page at a time",
    description:
      "The participants below one participant, down to `depth` levels (3 when absent), in id " +
      "order, each with its depth; with depth=1 also `total`, how many direct recruits there are.",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    query: downlineQuery,
    response: downlinePage,
    responseExample: downlineExample,
    handler: async ({ services, caller, params, query }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const page = pageOf(query);
      const depth = query.depth ?? 3;
      const rows = await listDownline(services.db, program.id, participant.id, {
        depth,
        after: page.after,
        limit: page.limit + 1,
      });
      const listed = collection(
        rows,
        page.limit,
        (p) => p.id,
        (p) => ({ ...presentParticipant(p, services.publicUrl), depth: p.depth }),
      );
      // A sponsor can have thousands of direct recruits; the count lets a
      // client say how many are left without fetching them.
      if (depth !== 1) return listed;
      return { ...listed, total: await countRecruits(services.db, program.id, participant.id) };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/balances",
    operationId: "getBalances",
    summary: "A participant's balances, summed from the ledger",
    description:
      "Points pending and available; cash pending (in its hold period), available (paid by the " +
      "next payout) and paid, in the program's currency.",
    tag: "Ledger",
    auth: "admin",
    params: participantParams,
    response: balancesSchema,
    responseExample: balancesExample,
    handler: async ({ services, caller, params }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      return balancesOf(services.db, program.id, participant.id, program.currency);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/ledger",
    operationId: "listLedgerEntries",
    summary: "A participant's ledger entries, newest first",
    description:
      "Every entry on the participant's accounts, newest first (`order=oldest` for oldest " +
      "first), each naming its cause: the event, the goal step and the goal's name, the " +
      "commission level, the payout or the adjustment with its reason; with when it was booked " +
      "(`createdAt`) and when its cause happened (`occurredAt`), and `held` with the flag's id " +
      "for a commission held for fraud review.",
    tag: "Ledger",
    auth: "admin",
    params: participantParams,
    query: ledgerQuery,
    response: ledgerCollection,
    responseExample: ledgerExample,
    handler: async ({ services, caller, params, query }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      return ledgerPage(services, program.id, participant.id, query);
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants/{participantId}/adjustments",
    operationId: "createAdjustment",
    summary: "Correct a participant's balance by hand, with a reason",
    description:
      "Adds (or, negative, takes) cash in minor units or points to the participant's available " +
      "balance, as a ledger transfer of its own, balanced against the program's account, whose " +
      'cause is the adjustment with its reason and who made it (`by`, "admin" when absent). ' +
      "Taking more than is available is a 422.",
    tag: "Ledger",
    auth: "admin",
    params: participantParams,
    body: adjustmentInput,
    bodyExample: adjustmentInputExample,
    status: 201,
    response: adjustmentSchema,
    responseExample: adjustmentExample,
    handler: async ({ services, caller, params, body }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const by = body.by ?? "admin";
      const result = await adjustBalance(services, program, participant, { ...body, by });
      if (!result.ok) throw refused(result);
      return {
        transferId: result.transferId,
        asset: body.asset,
        amount: body.amount,
        reason: body.reason,
        by,
        balances: await balancesOf(services.db, program.id, participant.id, program.currency),
      };
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants/{participantId}/tokens",
    operationId: "createParticipantToken",
    summary: "Issue a participant token, which reads only /v1/me",
    description:
      "A new token for the participant, shown once: with it the participant (or a portal link) " +
      "reads only their own data under /v1/me.",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    status: 201,
    response: participantTokenSchema,
    responseExample: participantTokenExample,
    handler: async ({ services, caller, params }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const { secret, hash } = newSecret("lrl_part");
      await insertKey(services.db, {
        id: services.ids.next("tok"),
        hash,
        brandId: caller.brandId,
        kind: "participant",
        programId: program.id,
        participantId: participant.id,
      });
      return { token: secret, participantId: participant.id };
    },
  }),
];

export async function ledgerPage(
  services: Services,
  programId: string,
  participantId: string,
  query: {
    cursor?: string | undefined;
    limit?: number | undefined;
    order?: "newest" | "oldest" | undefined;
  },
) {
  const page = pageOf(query);
  const rows = await listLedger(services.db, programId, participantId, {
    after: page.after,
    limit: page.limit + 1,
    oldestFirst: query.order === "oldest",
  });
  return collection(rows, page.limit, (e) => e.id, presentLedgerEntry);
}

export function presentLedgerEntry(e: LedgerEntryRow) {
  return {
    id: e.id,
    asset: e.asset,
    amount: e.amount,
    status: e.status,
    createdAt: e.createdAt.toISOString(),
    occurredAt: e.occurredAt.toISOString(),
    transferId: e.transferId,
    held: e.heldByFlag !== null,
    flagId: e.heldByFlag,
    cause: {
      type: e.causeType,
      eventId: e.eventId,
      orderId: e.orderId,
      goalId: e.goalId,
      ...(e.goalId !== null ? { goalName: e.goalName } : {}),
      level: e.level,
      ...(e.causeType === "adjustment"
        ? { reason: e.adjustmentReason ?? "", by: e.adjustedBy ?? "" }
        : {}),
      // A payout's entries name the payout (their key is payout:<id>:<participant>).
      ...(e.causeType === "payout" ? { payoutId: e.causeKey.split(":")[1] ?? null } : {}),
      ...(e.causeType === "reward"
        ? { goalVersion: e.goalVersion, step: e.step, window: rewardWindow(e.causeKey) }
        : {}),
    },
    ...(e.asset === "product" ? { product: { sku: e.sku, voucherCode: e.voucherCode } } : {}),
  };
}

/** A reward's key is reward:<goal>:<participant>:<window>:<step>; the window may hold colons. */
function rewardWindow(causeKey: string): string | null {
  const parts = causeKey.split(":");
  return parts.length >= 5 ? parts.slice(3, -1).join(":") : null;
}
