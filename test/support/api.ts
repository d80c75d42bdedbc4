// Shared harness for the HTTP API tests: one migrated database and one app per
// test file and backend, two brands with an admin key each, and small helpers
// that keep the tests reading like the contract in API.md.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect } from "vitest";
import { newApp } from "../../src/api/app.ts";
import type { RateLimits } from "../../src/api/rate-limits.ts";
import { createAdminKey } from "../../src/cli/bootstrap.ts";
import { createServices, type MailSetting, type Services } from "../../src/engine/services.ts";
import type { Database, Queryable } from "../../src/store/db.ts";
import { openMigrated, type Backend } from "./backends.ts";
import { Conformance, type ConformanceDocument } from "./conformance.ts";

/** Where the test server says it is reached; referral links start with it. */
export const PUBLIC_URL = "https://laurel.test";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Reply<T = unknown> {
  status: number;
  /** The parsed JSON body; undefined when the response is not JSON. */
  body: T;
  text: string;
  headers: Record<string, string | string[] | number | undefined>;
}

/**
 * A body sent as it is, with its own content type, instead of as JSON, and
 * any headers of its own: a store's webhook with its signature.
 */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly payload: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

export const csvBody = (text: string): RawBody => new RawBody("text/csv", text);

export interface Api {
  readonly db: Database;
  readonly services: Services;
  readonly app: FastifyInstance;
  /** Admin key of the brand the tests act as. */
  readonly key: string;
  /** Admin key of another brand, which must never see the first brand's data. */
  readonly otherKey: string;
  /**
   * Sends a request: `body` as JSON, or a RawBody as it is. `key` defaults to
   * the first brand's admin key; `null` sends no Authorization header at all.
   */
  call<T = unknown>(
    method: Method,
    url: string,
    body?: unknown,
    key?: string | null,
  ): Promise<Reply<T>>;
  /** Creates (or reuses) a brand and returns a new admin key for it. */
  adminKeyFor(brandName: string): Promise<string>;
}

/** Options of the app under test; `now` fixes its clock (the wall clock by default). */
export interface ApiOptions {
  now?: () => Date;
  rateLimits?: RateLimits;
  /**
   * Check every response `call` gets against the OpenAPI document the app
   * serves, failing the call on any difference (on unless turned off).
   */
  conformance?: boolean;
  /** The SMTP server mail goes to; without one nothing is mailed. */
  mail?: MailSetting;
  /** Webhooks may go to http:// and loopback receivers (LAUREL_WEBHOOKS_ALLOW_PRIVATE). */
  allowPrivateWebhooks?: boolean;
}

const conformances = new WeakMap<FastifyInstance, Promise<Conformance>>();

/** The app's own document, read once per app, as a checker of its responses. */
export function conformanceOf(app: FastifyInstance): Promise<Conformance> {
  let checker = conformances.get(app);
  if (!checker) {
    checker = app
      .inject({ method: "GET", url: "/openapi.json" })
      .then((reply) => new Conformance(reply.json<ConformanceDocument>()));
    conformances.set(app, checker);
  }
  return checker;
}

/** Opens the database, builds the app and creates two brands. */
export async function openApi(
  backend: Backend,
  options: ApiOptions = {},
): Promise<Api & { close(): Promise<void> }> {
  const db = await openMigrated(backend);
  try {
    const services = createServices(db, {
      publicUrl: PUBLIC_URL,
      now: options.now,
      mail: options.mail,
      allowPrivateWebhooks: options.allowPrivateWebhooks,
    });
    const app = await newApp(services, { rateLimits: options.rateLimits });
    const { secret: key } = await createAdminKey(services, "brand-a");
    const { secret: otherKey } = await createAdminKey(services, "brand-b");
    return {
      db,
      services,
      app,
      key,
      otherKey,
      call: async <T>(method: Method, url: string, body?: unknown, auth?: string | null) => {
        const bearer = auth === undefined ? key : auth;
        const headers: Record<string, string> = {};
        if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
        if (body !== undefined)
          headers["content-type"] = body instanceof RawBody ? body.contentType : "application/json";
        if (body instanceof RawBody) Object.assign(headers, body.headers);
        const payload = body instanceof RawBody ? body.payload : JSON.stringify(body);
        const response = await app.inject({
          method,
          url,
          headers,
          ...(body === undefined ? {} : { payload }),
        });
        const contentType = String(response.headers["content-type"] ?? "");
        if (options.conformance !== false) {
          const problem = (await conformanceOf(app)).problem({
            method,
            url,
            status: response.statusCode,
            contentType,
            text: response.body,
          });
          if (problem !== null) throw new Error(problem);
        }
        const isJson = contentType.includes("json");
        return {
          status: response.statusCode,
          body: (isJson && response.body !== "" ? JSON.parse(response.body) : undefined) as T,
          text: response.body,
          headers: response.headers,
        };
      },
      adminKeyFor: async (brandName) => (await createAdminKey(services, brandName)).secret,
      close: async () => {
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Registers beforeAll/afterAll in the calling describe block: the database is
 * opened once per file and backend. Tests isolate themselves by creating
 * programs of their own rather than databases.
 */
export function useApi(backend: Backend, options: ApiOptions = {}): Api {
  let opened: (Api & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    opened = await openApi(backend, options);
  });
  afterAll(async () => {
    await opened?.close();
  });
  const ready = (): Api => {
    if (!opened) throw new Error("the API was used before beforeAll opened it");
    return opened;
  };
  return deferredApi(ready);
}

/** An Api whose every member asks `ready` for the opened one, so hooks can open it later. */
export function deferredApi(ready: () => Api): Api {
  return {
    get db() {
      return ready().db;
    },
    get services() {
      return ready().services;
    },
    get app() {
      return ready().app;
    },
    get key() {
      return ready().key;
    },
    get otherKey() {
      return ready().otherKey;
    },
    call: <T>(method: Method, url: string, body?: unknown, key?: string | null) =>
      ready().call<T>(method, url, body, key),
    adminKeyFor: (brandName) => ready().adminKeyFor(brandName),
  };
}

export const TABLES = [
  "brands",
  "api_keys",
  "programs",
  "participants",
  "events",
  "clicks",
  "customer_bindings",
  "orders",
  "refunds",
  "ledger_entries",
  "participant_targets",
  "target_imports",
  "integrations",
  "integration_deliveries",
  "mail_outbox",
  "outbox_events",
  "webhook_endpoints",
  "webhook_deliveries",
  "program_terms",
  "terms_acceptances",
] as const;

export type Table = (typeof TABLES)[number];

/** Rows in `table`, or only those of one program when `programId` is given. */
export async function countRows(db: Queryable, table: Table, programId?: string): Promise<number> {
  if (!TABLES.includes(table)) throw new Error(`unknown table ${String(table)}`);
  const [row] =
    programId === undefined
      ? await db.query<{ n: number }>(`select count(*)::int as n from ${table}`)
      : await db.query<{ n: number }>(
          `select count(*)::int as n from ${table} where program_id = $1`,
          [programId],
        );
  return row?.n ?? 0;
}

/** Row counts of every table: equal snapshots before and after mean nothing was written. */
export async function snapshot(db: Queryable): Promise<Record<Table, number>> {
  const counts = await Promise.all(TABLES.map((t) => countRows(db, t)));
  return Object.fromEntries(TABLES.map((t, i) => [t, counts[i] ?? 0])) as Record<Table, number>;
}

/** Asserts the status, showing the body when it is not the expected one. */
export function expectStatus(reply: Reply, status: number): void {
  expect({ status: reply.status, body: reply.body }).toMatchObject({ status });
}

/** Asserts an error response of exactly the shape API.md promises. */
export function expectError(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, body: reply.body }).toEqual({
    status,
    body: {
      error: {
        code,
        message: expect.stringMatching(/\S/),
        details: expect.any(Array),
        requestId: expect.stringMatching(/\S/),
      },
    },
  });
}

/** The one element of a list, failing the test when there is not exactly one. */
export function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  const [item] = list;
  if (item === undefined) throw new Error("expected one element");
  return item;
}

// ---------------------------------------------------------------------------
// The wire shapes the tests read (the minimum of API.md; more fields may come).
// ---------------------------------------------------------------------------

export interface ErrorBody {
  error: { code: string; message: string; details: { path?: string; message?: string }[] };
}

export interface Collection<T> {
  items: T[];
  next: string | null;
}

export interface RateBody {
  percent?: number | string;
  flat?: number;
}

export interface ProgramBody {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  attribution?: { cookieDays?: number; model?: string; bindCustomer?: boolean };
  commission?: { rate?: RateBody; upline?: RateBody[]; byLevel?: Record<string, RateBody> };
  landingUrl?: string;
  levels?: { key: string; name: string }[];
  [field: string]: unknown;
}

export interface ParticipantBody {
  id: string;
  externalId: string;
  email: string | null;
  name: string | null;
  level: string | null;
  sponsorId: string | null;
  referralCode: string;
  referralLink: string;
  status: string;
  depth?: number;
}

export interface CommissionBody {
  participantId: string;
  level: number;
  amount: number;
}

export interface EventResultBody {
  id: string | null;
  status: "processed" | "duplicate" | "rejected";
  attributedTo?: string | null;
  attribution?: { source: string | null; reason?: string; message?: string } | null;
  commissions?: CommissionBody[];
  grants?: unknown[];
  refund?: { orderId: string; state: "applied" | "waiting_for_order"; valueMinor: number };
  skippedLevels?: { level: number; participantId: string; reason: string; message: string }[];
  cuts?: { rule: string; participantId?: string; beforeMinor: number; afterMinor: number }[];
  error?: { code: string; message: string; details?: unknown[] };
}

export interface EventsBody {
  results: EventResultBody[];
}

export interface BalancesBody {
  points: { pending: number; available: number };
  cash: { currency: string; pending: number; available: number; paid: number };
}

export interface LedgerEntryBody {
  id: string;
  asset: "cash" | "points";
  amount: number;
  status: string;
  createdAt: string;
  cause: { type: string; eventId: string | null; goalId?: string | null; level: number | null };
}

// ---------------------------------------------------------------------------
// Fixtures through the API itself.
// ---------------------------------------------------------------------------

/** A program of the first brand: USD, 10% to the seller, 3% to the sponsor. */
export async function createProgram(
  api: Api,
  fields: Record<string, unknown> = {},
  key?: string,
): Promise<ProgramBody> {
  const reply = await api.call<ProgramBody>(
    "POST",
    "/v1/programs",
    {
      name: "Ambassadors",
      currency: "USD",
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }] },
      ...fields,
    },
    key,
  );
  expectStatus(reply, 201);
  return reply.body;
}

export async function createParticipant(
  api: Api,
  programId: string,
  fields: Record<string, unknown> & { externalId: string },
  key?: string,
): Promise<ParticipantBody> {
  const reply = await api.call<ParticipantBody>(
    "POST",
    `/v1/programs/${programId}/participants`,
    fields,
    key,
  );
  expectStatus(reply, 201);
  return reply.body;
}

/** Sends one event or a batch to a program and returns the reply. */
export function sendEvents(
  api: Api,
  programId: string,
  body: unknown,
  key?: string,
): Promise<Reply<EventsBody>> {
  return api.call<EventsBody>("POST", `/v1/programs/${programId}/events`, body, key);
}

/** An order event with one SHIRT line of `quantity × unitAmount`; fields override. */
export function order(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "order",
    id,
    occurredAt: "2026-11-20T10:00:00Z",
    items: [{ sku: "SHIRT", quantity: 2, unitAmount: 2500 }],
    currency: "USD",
    ...fields,
  };
}
