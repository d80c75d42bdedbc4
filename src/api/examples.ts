import type { ErrorCode } from "./errors.ts";

/**
 * Realistic bodies for the OpenAPI document: one story (Ana sells shirts for
 * the Ambassadors program, sponsored by Bruno) told through every route.
 * test/api/openapi.test.ts checks each example against its own schema.
 */

const PROGRAM = "prg_01JD2Q8K4M7X9T3B5N6W2R8Y4C";
const OTHER_PROGRAM = "prg_01JD2Q9A1B3C5D7E9F1G3H5J7K";
const ANA = "par_01JD2QA1B2C3D4E5F6G7H8J9K0";
const BRUNO = "par_01JD2Q9Z8Y7X6W5V4T3S2R1Q0P";
const CARLA = "par_01JD2QC4D6F8H0J2K4M6N8P0R2";
const GOAL = "gol_01JD2QD5E7F9G1H3J5K7M9N1P3";
const FLAG = "flg_01JD3B2C4D6E8F0G2H4J6K8M0N";
const PAYOUT = "pay_01JD4C1D3E5F7G9H1J3K5M7N9P";
const BASE = "https://laurel.example.com";

const CREATED = "2026-11-02T14:05:09.512Z";
const CHANGED = "2026-11-10T09:30:00.000Z";

export const programInputExample = {
  name: "Ambassadors",
  currency: "USD",
  timezone: "America/New_York",
  attribution: { cookieDays: 30, model: "last_click" },
  commission: {
    rate: { percent: 10 },
    byLevel: { gold: { percent: 12 } },
    bySku: { SHIRT: { percent: 20 } },
    upline: [{ percent: 3 }, { percent: 1 }],
    holdDays: 30,
    uplineBasis: "order",
    caps: { perOrder: 10000, perParticipantMonthly: 500000 },
  },
  landingUrl: "https://shop.example.com/",
  levels: [
    { key: "bronze", name: "Bronze" },
    { key: "silver", name: "Silver" },
    { key: "gold", name: "Gold" },
  ],
  payouts: { minimum: 5000 },
};

export const programExample = {
  ...programInputExample,
  id: PROGRAM,
  createdAt: CREATED,
  updatedAt: CREATED,
};

export const programPatchExample = {
  commission: { rate: { percent: 12 } },
  payouts: { minimum: 2500 },
  notifications: { payoutSent: false },
};

export const patchedProgramExample = {
  ...programExample,
  commission: { ...programInputExample.commission, rate: { percent: 12 } },
  payouts: { minimum: 2500 },
  notifications: { payoutSent: false },
  updatedAt: CHANGED,
};

export const participantInputExample = {
  externalId: "amb-42",
  email: "ana@example.com",
  name: "Ana Souza",
  level: "silver",
  sponsor: "amb-7",
};

export const participantExample = {
  id: ANA,
  programId: PROGRAM,
  externalId: "amb-42",
  email: "ana@example.com",
  name: "Ana Souza",
  level: "silver",
  status: "active",
  sponsorId: BRUNO,
  referralCode: "ANA42",
  referralLink: `${BASE}/r/ANA42`,
  termsVersion: 2,
  termsAcceptedAt: CHANGED,
  createdAt: CREATED,
};

export const participantPatchExample = { level: "gold" };

const recruitExample = {
  id: CARLA,
  programId: PROGRAM,
  externalId: "amb-57",
  email: "carla@example.com",
  name: "Carla Dias",
  level: "bronze",
  status: "active",
  sponsorId: ANA,
  referralCode: "CARLA57",
  referralLink: `${BASE}/r/CARLA57`,
  termsVersion: null,
  termsAcceptedAt: null,
  createdAt: CHANGED,
};

export const downlineExample = { items: [{ ...recruitExample, depth: 1 }], next: null, total: 1 };

export const participantTokenExample = {
  token: "lrl_part_q3W9xZ2vK7mB4nT8rY1cL6pD0sF5gH2jA9eU3iO7wQ4",
  participantId: ANA,
};

export const balancesExample = {
  points: { pending: 0, available: 120 },
  cash: { currency: "USD", pending: 450, available: 12500, paid: 30000 },
};

export const ledgerExample = {
  items: [
    {
      id: "led_01JD3A5B7C9D1E3F5G7H9J1K3M",
      asset: "cash",
      amount: 450,
      status: "pending",
      createdAt: CHANGED,
      occurredAt: "2026-11-20T10:00:00.000Z",
      transferId: "trf_01JD3A5B7C9D1E3F5G7H9J1K3N",
      held: false,
      flagId: null,
      cause: {
        type: "commission",
        eventId: "order-1001",
        orderId: "order-1001",
        goalId: null,
        level: 1,
      },
    },
  ],
  next: null,
};

export const orderEventExample = {
  type: "order",
  id: "order-1001",
  occurredAt: "2026-11-20T10:00:00Z",
  customer: { id: "c-9", email: "c9@example.com" },
  code: "ANA42",
  visitorId: "v-123",
  items: [{ sku: "HAT", quantity: 2, unitAmount: 2500 }],
  discount: 500,
  shipping: 800,
  tax: 400,
  currency: "USD",
};

export const eventResultsExample = {
  results: [
    {
      id: "order-1001",
      status: "processed",
      type: "order",
      attributedTo: ANA,
      attribution: { source: "code" },
      commissions: [
        { participantId: ANA, level: 1, amount: 450 },
        { participantId: BRUNO, level: 2, amount: 135 },
      ],
      grants: [],
    },
  ],
};

const flagExample = {
  id: FLAG,
  rule: "refund_abuse",
  ruleName: "Refund abuse",
  participantId: ANA,
  participant: {
    externalId: "amb-42",
    name: "Ana Souza",
    consoleUrl: `${BASE}/admin/participants/${ANA}`,
  },
  eventId: "order-1042",
  orderId: "order-1042",
  reason:
    "4 of the seller's last 10 orders were refunded, more than the program's 30%; the order's commissions are held for review",
  status: "open",
  currency: "USD",
  held: 585,
  commissions: [
    { participantId: ANA, externalId: "amb-42", name: "Ana Souza", level: 1, amount: 450 },
    { participantId: BRUNO, externalId: "amb-7", name: "Bruno Lima", level: 2, amount: 135 },
  ],
  createdAt: CHANGED,
  decidedAt: null,
};

export const flagCollectionExample = { items: [flagExample], next: null };
export const approvedFlagExample = { ...flagExample, status: "approved", decidedAt: CHANGED };
export const rejectedFlagExample = { ...flagExample, status: "rejected", decidedAt: CHANGED };
export const flagReviewExample = { flags: [approvedFlagExample] };

const stepReward = { type: "percent_of_value", percent: 5 };

export const goalInputExample = {
  name: "Reach $500",
  metric: "sales_amount",
  window: { type: "lifetime" },
  target: { type: "fixed" },
  steps: [{ threshold: 50000, reward: stepReward }],
  evaluate: "immediately",
  returns: "ignore",
  showInWidget: true,
};

export const goalExample = {
  id: GOAL,
  programId: PROGRAM,
  version: 1,
  ...goalInputExample,
  createdAt: CREATED,
  updatedAt: CREATED,
  endedAt: null,
};

export const goalPatchExample = {
  steps: [
    { threshold: 50000, reward: stepReward },
    { threshold: 100000, reward: { type: "cash", amount: 5000 } },
  ],
};

export const changedGoalExample = {
  ...goalExample,
  ...goalPatchExample,
  version: 2,
  updatedAt: CHANGED,
  grants: [],
};

export const endedGoalExample = { ...goalExample, updatedAt: CHANGED, endedAt: CHANGED };

export const grantedCountExample = { granted: 3 };
export const releasedCountExample = { released: 12 };

const progressExample = {
  goalId: GOAL,
  name: "Reach $500",
  metric: "sales_amount",
  unit: "money",
  version: 1,
  evaluate: "immediately",
  window: { key: "lifetime", start: null, end: null },
  value: 42000,
  target: 50000,
  percent: 84,
  band: "red",
  stepsReached: [],
  nextStep: { step: 1, threshold: 50000, reward: stepReward, granted: false, remaining: 8000 },
};

export const progressListExample = [progressExample];

const payoutStatus = {
  status: "created",
  exportedAt: null,
  paidAt: null,
  paymentReference: null,
};

export const payoutExample = {
  id: PAYOUT,
  programId: PROGRAM,
  currency: "USD",
  total: 17500,
  createdAt: CHANGED,
  ...payoutStatus,
  lines: [
    {
      participantId: ANA,
      externalId: "amb-42",
      name: "Ana Souza",
      email: "ana@example.com",
      amount: 12500,
      reference: `${PAYOUT}-1`,
    },
    {
      participantId: BRUNO,
      externalId: "amb-7",
      name: "Bruno Lima",
      email: "bruno@example.com",
      amount: 5000,
      reference: `${PAYOUT}-2`,
    },
  ],
};

export const payoutCollectionExample = {
  items: [
    {
      id: PAYOUT,
      programId: PROGRAM,
      currency: "USD",
      total: 17500,
      createdAt: CHANGED,
      status: "paid",
      exportedAt: CHANGED,
      paidAt: CHANGED,
      paymentReference: "wise-batch-2211",
    },
  ],
  next: null,
};

export const paidPayoutExample = {
  ...payoutExample,
  status: "paid",
  exportedAt: CHANGED,
  paidAt: CHANGED,
  paymentReference: "wise-batch-2211",
};

export const payoutPreviewExample = {
  currency: "USD",
  total: 17500,
  count: 2,
  minimum: 2500,
  belowMinimum: 1,
  lines: payoutExample.lines.map((l) => ({
    participantId: l.participantId,
    externalId: l.externalId,
    name: l.name,
    email: l.email,
    amount: l.amount,
  })),
};

export const payoutCsvExample =
  "participant_id,external_id,email,amount,currency,reference\r\n" +
  `${ANA},amb-42,ana@example.com,125.00,USD,${PAYOUT}-1\r\n` +
  `${BRUNO},amb-7,bruno@example.com,50.00,USD,${PAYOUT}-2\r\n`;

export const timeSeriesExample = {
  from: "2026-11-18T05:00:00.000Z",
  to: "2026-11-20T05:00:00.000Z",
  currency: "USD",
  timezone: "America/New_York",
  days: [
    { day: "2026-11-18", clicks: 31, orders: 2, sales: 9000, commissions: 900 },
    { day: "2026-11-19", clicks: 27, orders: 0, sales: 0, commissions: 0 },
  ],
};

export const targetsCsvExample =
  "participant,goal,period,target\n" +
  `amb-42,${GOAL},2026-11,500000\n` +
  `amb-43,${GOAL},2026-Q4,120\n`;

export const targetImportExample = {
  importId: "tgi_01JD2QE6F8G0H2J4K6M8N0P2Q4",
  rows: 2,
  duplicate: false,
  grants: [],
};

export const targetCollectionExample = {
  items: [{ goalId: GOAL, period: "2026-11", target: 500000 }],
  next: null,
};

export const sessionExample = {
  sessionToken: "lrl_sess_N4b8Vq2Xk6Zt0Pw3Yr7Lm1Cs5Df9Gh2Jk6Qa0We4Rt8",
  expiresAt: "2026-11-20T18:00:00.000Z",
  programId: PROGRAM,
  participantId: ANA,
};

export const memberProgramExample = {
  id: PROGRAM,
  name: "Ambassadors",
  currency: "USD",
  timezone: "America/New_York",
  branding: { logoUrl: "https://shop.example.com/logo.png", color: "#0f766e" },
};

export const downlineSalesExample = {
  currency: "USD",
  items: [
    {
      id: CARLA,
      externalId: "amb-57",
      name: "Carla Dias",
      status: "active",
      sponsorId: ANA,
      depth: 1,
      orders: 4,
      sales: 18000,
    },
  ],
  next: null,
};

export const leaderboardExample = {
  period: { key: "2026-11", start: "2026-11-01T04:00:00.000Z", end: "2026-12-01T05:00:00.000Z" },
  currency: "USD",
  ranked: 14,
  you: { rank: 2, sales: 42000, orders: 5 },
  top: [
    { rank: 1, externalId: "amb-7", name: "Bruno Lima", sales: 61000, you: false },
    { rank: 2, externalId: "amb-42", name: "Ana Souza", sales: 42000, you: true },
  ],
};

export const widgetSecretExample = {
  programId: PROGRAM,
  secret: "lrl_widget_T5y9Ub3Nc7Xe1Qa6Wm0Rk4Js8Hd2Fg5Lp9Vz3Bx7",
  createdAt: CREATED,
  algorithm: "HS256",
};

export const widgetSecretStatusExample = { programId: PROGRAM, exists: true, createdAt: CREATED };

export const customerViewExample = {
  programId: PROGRAM,
  name: "Ambassadors",
  currency: "USD",
  customer: {
    externalId: "customer-981",
    member: true,
    canJoin: false,
    referralLink: `${BASE}/r/SAM981`,
  },
  branding: { logoUrl: "https://shop.example.com/logo.png", color: "#0f766e" },
  items: [progressExample],
  next: null,
};

export const milestonesExample = {
  programId: PROGRAM,
  name: "Ambassadors",
  currency: "USD",
  branding: { logoUrl: "https://shop.example.com/logo.png", color: "#0f766e" },
  milestones: [
    {
      goalId: GOAL,
      name: "Reach $500",
      metric: "sales_amount",
      window: { type: "lifetime" },
      steps: [{ step: 1, threshold: 50000, reward: stepReward }],
    },
  ],
};

export const healthExample = { status: "ok" };
export const readyExample = { status: "ok" };

/** One error per status, as the document's example for it. */
export const errorExamples: Readonly<
  Record<number, { code: ErrorCode; message: string; details?: unknown[] } | undefined>
> = {
  400: {
    code: "invalid_request",
    message: "the request body is not valid: currency: must be text",
    details: [{ path: "currency", message: "must be text" }],
  },
  401: { code: "unauthorized", message: "send your key as `Authorization: Bearer <key>`" },
  403: {
    code: "forbidden",
    message: "this route needs an admin key; a participant token can read only /v1/me",
  },
  404: { code: "not_found", message: `program ${OTHER_PROGRAM} was not found` },
  409: {
    code: "conflict",
    message:
      'an event with id "order-1001" was already received with different content; send a new id for a new event',
  },
  413: { code: "malformed_request", message: "the body is too large; send at most 10 MB" },
  414: {
    code: "malformed_request",
    message: "a segment of the path is longer than 500 characters; ids and codes are shorter",
  },
  415: {
    code: "malformed_request",
    message: "the body's Content-Type is not one this route takes; send application/json",
  },
  422: {
    code: "validation_failed",
    message:
      "the request body is not valid: steps.1.threshold: steps must strictly increase: step 2's threshold (50000) is not greater than step 1's (50000)",
    details: [
      {
        path: "steps.1.threshold",
        message:
          "steps must strictly increase: step 2's threshold (50000) is not greater than step 1's (50000)",
      },
    ],
  },
  429: {
    code: "rate_limited",
    message: "too many requests: at most 3000 a minute; retry in 12 seconds",
  },
  503: { code: "not_ready", message: "the database does not answer; try again shortly" },
};
