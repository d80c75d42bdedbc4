// The data the fuzzer's requests name: for each of the two brands a program
// with participants, goals, targets, events, flags, a payout, a widget
// secret and a webhook endpoint with a delivery, made through the API
// itself, so that path ids can be real ones of the brand, real ones of the
// other brand, or made up.
import { SignJWT } from "jose";
import { findWidgetSecret } from "../../src/store/widget-secrets.ts";
import { csvBody, type Api, type Reply } from "../support/api.ts";

/** Ids and values of one brand, by the name a path parameter or a field gives them. */
export interface Scope {
  readonly brand: "own" | "other";
  /**
   * Path parameter name (programId, participantId, goalId, payoutId, flagId,
   * code, endpointId, deliveryId) -> ids.
   */
  readonly ids: Readonly<Record<string, readonly string[]>>;
  /** Field or query parameter name -> values that exist, offered besides generated ones. */
  readonly values: Readonly<Record<string, readonly (string | number)[]>>;
  /** The program the participant credentials and the widget customer belong to. */
  readonly programId: string;
  /** Lines a targets file may hold: participant external id, goal id, period. */
  readonly targetRows: readonly (readonly [string, string, string])[];
}

/** What a request may authenticate with. */
export type CredentialName =
  "admin" | "participant" | "none" | "session" | "otherAdmin" | "customer";

export const CREDENTIALS: readonly CredentialName[] = [
  "admin",
  "participant",
  "none",
  "session",
  "otherAdmin",
  "customer",
];

export interface World {
  readonly own: Scope;
  readonly other: Scope;
  /** The Authorization header for a credential, or undefined for none. */
  authorization(credential: CredentialName): Promise<string | undefined>;
}

export async function buildWorld(api: Api, label: string): Promise<World> {
  const own = await buildScope(api, api.key, "own", label);
  const other = await buildScope(api, api.otherKey, "other", label);
  const ana = own.scope.ids.participantId?.[0];
  if (ana === undefined) throw new Error("the world has no participant");
  const token = await expectCreated<{ token: string }>(
    api.call("POST", `/v1/programs/${own.scope.programId}/participants/${ana}/tokens`),
  );
  const session = await expectCreated<{ sessionToken: string }>(
    api.call("POST", "/v1/sessions", undefined, token.token),
  );
  const anaExternalId = own.externalIds[0] ?? "ana";
  return {
    own: own.scope,
    other: other.scope,
    authorization: async (credential) => {
      switch (credential) {
        case "admin":
          return `Bearer ${api.key}`;
        case "otherAdmin":
          return `Bearer ${api.otherKey}`;
        case "participant":
          return `Bearer ${token.token}`;
        case "session":
          return `Bearer ${session.sessionToken}`;
        case "customer":
          return `Bearer ${await customerToken(api, own.scope.programId, anaExternalId)}`;
        case "none":
          return undefined;
      }
    },
  };
}

/**
 * A widget token for a member, signed with the program's current secret:
 * the fuzzer rotates the secret now and then, so it is read at each use.
 */
async function customerToken(api: Api, programId: string, externalId: string): Promise<string> {
  const stored = await findWidgetSecret(api.db, programId);
  if (!stored) return "no-widget-secret";
  const now = Math.floor(api.services.now().getTime() / 1000);
  return new SignJWT({ email: `${externalId}@example.com` })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(externalId)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(stored.secret));
}

async function expectCreated<T>(pending: Promise<Reply<unknown>>): Promise<T> {
  const reply = await pending;
  if (reply.status >= 300)
    throw new Error(`setting up the fuzz world failed: ${reply.status} ${reply.text}`);
  return reply.body as T;
}

interface Built {
  scope: Scope;
  externalIds: string[];
}

async function buildScope(
  api: Api,
  key: string,
  brand: Scope["brand"],
  label: string,
): Promise<Built> {
  const call = <T>(method: "GET" | "POST", url: string, body?: unknown) =>
    expectCreated<T>(api.call(method, url, body, key));
  const now = api.services.now();
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const at = (minutes: number) => new Date(hourAgo.getTime() + minutes * 60_000).toISOString();
  const month = now.toISOString().slice(0, 7);

  const program = await call<{ id: string }>("POST", "/v1/programs", {
    name: `Fuzz ${brand} ${label}`,
    currency: "USD",
    timezone: "America/New_York",
    attribution: { cookieDays: 30, bindCustomer: true },
    commission: {
      rate: { percent: 10 },
      byLevel: { gold: { percent: 12 } },
      bySku: { SHIRT: { percent: 20 } },
      upline: [{ percent: 3 }, { percent: 1 }],
      holdDays: 0,
      caps: { perOrder: 100_000 },
    },
    landingUrl: "https://shop.example.com/",
    levels: [
      { key: "bronze", name: "Bronze" },
      { key: "silver", name: "Silver" },
      { key: "gold", name: "Gold" },
    ],
    payouts: { minimum: 100 },
    fraud: { maxClicksPerHour: 1 },
    widget: { enrol: true },
  });
  const loyalty = await call<{ id: string }>("POST", "/v1/programs", {
    name: `Fuzz loyalty ${brand} ${label}`,
    currency: "EUR",
    timezone: "Europe/Paris",
  });
  const base = `/v1/programs/${program.id}`;

  const people = [
    { externalId: "ana", email: "ana@example.com", name: "Ana", level: "gold" },
    { externalId: "ben", email: "ben@example.com", level: "silver", sponsor: "ana" },
    { externalId: "cai", name: "Cai", sponsor: "ben", ips: ["203.0.113.7"] },
    { externalId: "dee", status: "suspended" },
  ];
  const participants: { id: string; externalId: string; referralCode: string }[] = [];
  for (const person of people)
    participants.push(await call("POST", `${base}/participants`, person));
  await call("POST", `/v1/programs/${loyalty.id}/participants`, { externalId: "ana" });

  const goals: { id: string }[] = [];
  for (const goal of [
    {
      name: "Reach $500",
      metric: "sales_amount",
      window: { type: "lifetime" },
      target: { type: "fixed" },
      steps: [
        { threshold: 5_000, reward: { type: "percent_of_value", percent: 5 } },
        { threshold: 50_000, reward: { type: "points", points: 100 } },
      ],
      showInWidget: true,
    },
    {
      name: "Monthly orders",
      metric: "order_count",
      window: { type: "monthly" },
      target: { type: "fixed" },
      steps: [{ threshold: 2, reward: { type: "points", points: 20, program: loyalty.id } }],
      evaluate: "at_window_end",
    },
    {
      name: "Monthly target",
      metric: "sales_amount",
      window: { type: "monthly" },
      target: { type: "per_participant" },
      steps: [{ percent: 100, reward: { type: "cash", amount: 1_000 } }],
      returns: "subtract",
    },
    {
      name: "We miss you",
      metric: "inactivity_days",
      steps: [{ threshold: 30, reward: { type: "points", points: 20 } }],
    },
  ])
    goals.push(await call("POST", `${base}/goals`, goal));
  const targetGoal = goals[2]?.id ?? "";
  const targetRows: [string, string, string][] = participants.map((p) => [
    p.externalId,
    targetGoal,
    month,
  ]);
  await call(
    "POST",
    `${base}/targets`,
    csvBody(
      `participant,goal,period,target\n${targetRows.map((row) => `${row.join(",")},50000`).join("\n")}\n`,
    ),
  );

  const [ana, ben, cai] = participants;
  if (!ana || !ben || !cai) throw new Error("the world lost a participant");
  const item = (sku: string, quantity: number, unitAmount: number) => ({
    sku,
    quantity,
    unitAmount,
  });
  const events = [
    // A visitor's second click within the hour raises a click-flooding flag:
    // flags enough for both the approve and the reject operation to decide some.
    ...[ana, ben, cai, ana, ben, cai].flatMap((p, i) =>
      [0, 1].map((n) => ({
        type: "click",
        id: `clk-${i}-${n}`,
        code: p.referralCode,
        visitorId: `v-${i}`,
        occurredAt: at(i),
      })),
    ),
    {
      type: "order",
      id: "o-1",
      occurredAt: at(5),
      customer: { id: "c-1", email: "c1@example.com" },
      participant: "cai",
      items: [item("SHIRT", 2, 2_500), item("HAT", 1, 1_500)],
      discount: 500,
      shipping: 800,
      tax: 400,
      currency: "USD",
    },
    {
      type: "order",
      id: "o-2",
      occurredAt: at(6),
      customer: { id: "c-2" },
      visitorId: "v-0",
      items: [item("HAT", 4, 20_000)],
    },
    {
      type: "refund",
      id: "r-1",
      orderId: "o-1",
      occurredAt: at(7),
      items: [{ sku: "HAT", quantity: 1 }],
    },
    { type: "review", id: "rev-1", customer: { id: "c-1" }, occurredAt: at(8) },
    {
      type: "signup",
      id: "su-1",
      customer: { id: "c-3" },
      code: ben.referralCode,
      occurredAt: at(9),
    },
  ];
  await call("POST", `${base}/events`, { events });
  await call("POST", `${base}/holds/release`);
  const payout = await call<{ id: string }>("POST", `${base}/payouts`);
  await call("POST", `${base}/widget-secret`);
  const flags = await call<{ items: { id: string }[] }>("GET", `${base}/flags`);
  // A public address literal: no host name resolves without a network.
  const receiver = "https://93.184.215.14/laurel/webhooks";
  const endpoint = await call<{ id: string }>("POST", "/v1/webhook-endpoints", {
    url: receiver,
    events: ["commission.created", "reward.granted"],
    programId: program.id,
  });
  const delivery = await call<{ id: string }>("POST", `/v1/webhook-endpoints/${endpoint.id}/test`);

  const externalIds = participants.map((p) => p.externalId);
  const codes = participants.map((p) => p.referralCode);
  const goalIds = goals.map((g) => g.id);
  const participantIds = participants.map((p) => p.id);
  const flagIds = flags.items.map((f) => f.id);
  const cursors = [...participantIds, ...goalIds, payout.id, ...flagIds].map((id) =>
    Buffer.from(id).toString("base64url"),
  );
  return {
    externalIds,
    scope: {
      brand,
      programId: program.id,
      targetRows,
      ids: {
        programId: [program.id, loyalty.id],
        participantId: participantIds,
        goalId: goalIds,
        payoutId: [payout.id],
        flagId: flagIds,
        code: codes,
        endpointId: [endpoint.id],
        deliveryId: [delivery.id],
      },
      values: {
        participant: [...externalIds, ...codes],
        sponsor: [...externalIds, ...codes],
        // Fresh ones too, so creates create (and then answer 200 or 409 to the same again).
        externalId: [...externalIds, "fresh-1", "fresh-2", "fresh-3"],
        code: codes,
        referralCode: codes,
        orderId: ["o-1", "o-2"],
        id: events.map((e) => e.id),
        visitorId: ["v-0", "v-1"],
        sku: ["SHIRT", "HAT"],
        skus: ["SHIRT", "HAT"],
        currency: ["USD"],
        level: ["bronze", "silver", "gold"],
        program: [program.id, loyalty.id],
        programId: [program.id, loyalty.id],
        participantId: participantIds,
        goalId: goalIds,
        timezone: ["America/New_York", "Europe/Paris", "UTC", "Asia/Kolkata"],
        period: [month, `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5)) / 3)}`],
        url: [receiver],
        cursor: cursors,
        q: ["an", "a", ...externalIds],
        email: ["ana@example.com", "ben@example.com"],
        // Everyday figures, for fields whose documented schema is looser than the rule.
        percent: [5, 10, 2.5, 12.5],
        threshold: [1, 2, 1_000, 50_000],
        points: [10, 100],
        amount: [500, 2_500],
        per: [100, 10_000],
        minimum: [0, 100],
        holdDays: [0, 30],
        cookieDays: [30],
        quantity: [1, 2],
        unitAmount: [2_500, 10_000],
      },
    },
  };
}
