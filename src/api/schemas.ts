import { z } from "zod";
import {
  clickEventSchema,
  customEventSchema,
  eventSchema,
  orderEventSchema,
  refundEventSchema,
  reviewEventSchema,
  signupEventSchema,
  leadEventSchema,
} from "../domain/events.ts";
import {
  goalSchema,
  rewardSchema,
  simpleRewardSchema,
  stepSchema,
  windowSchema,
} from "../domain/goals.ts";
import {
  attributionSchema,
  commissionSchema as commissionPlanSchema,
  levelSchema,
  percentValue,
  programInputSchema,
  rateSchema,
} from "../domain/program.ts";
import { ERROR_CODES } from "./errors.ts";

/**
 * The shapes the API answers with, as zod schemas: the OpenAPI document is
 * built from them, and the API tests check every response against that
 * document, so a handler and its schema cannot drift apart unnoticed. Shapes
 * with an `id` become named components (`#/components/schemas/<id>`).
 */

/**
 * Names for the domain's schemas that requests and responses share, so the
 * document holds each once. The domain's own metadata (descriptions) stays.
 */
const DOMAIN_NAMES: readonly [z.ZodType, string][] = [
  [rateSchema, "Rate"],
  [commissionPlanSchema, "CommissionPlan"],
  [attributionSchema, "Attribution"],
  [levelSchema, "Level"],
  [windowSchema, "GoalWindow"],
  [simpleRewardSchema, "SimpleReward"],
  [rewardSchema, "Reward"],
  [stepSchema, "Step"],
  [eventSchema, "Event"],
  [orderEventSchema, "OrderEvent"],
  [refundEventSchema, "RefundEvent"],
  [reviewEventSchema, "ReviewEvent"],
  [clickEventSchema, "ClickEvent"],
  [signupEventSchema, "SignupEvent"],
  [leadEventSchema, "LeadEvent"],
  [customEventSchema, "CustomEvent"],
];
for (const [schema, id] of DOMAIN_NAMES)
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id });

/** An instant as the API writes it: `Date.toISOString()`, always UTC. */
const timestamp = z.iso.datetime();
const minor = z.number().int();
const count = z.number().int().nonnegative();

const cursor = z
  .string()
  .nullable()
  .describe("Pass as `?cursor=` to read the next page; null on the last page");

/** `{"items": [...], "next": cursor | null}`, named `<id>`: every list answers one. */
export function collectionOf(item: z.ZodType, id: string, description: string) {
  return z.strictObject({ items: z.array(item), next: cursor }).meta({ id, description });
}

export const errorSchema = z
  .strictObject({
    error: z.strictObject({
      code: z
        .enum(ERROR_CODES)
        .describe("What went wrong, from a closed list a client can switch on"),
      message: z.string().describe("What is wrong and how to fix it, in a sentence"),
      details: z
        .array(z.unknown())
        .describe("Per-field problems, such as {path, message}; empty when there are none"),
      requestId: z.string().describe("The request's id, as in the Request-Id header"),
    }),
  })
  .meta({ id: "Error", description: "Every error answer, whatever the status" });

// ----------------------------------------------------------------- programs

export const programSchema = z
  .strictObject({
    id: z.string(),
    ...programInputSchema.shape,
    timezone: z.string().describe("IANA time zone; period boundaries are its local midnight"),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Program", description: "A program's settings, as created and last changed" });

export const programCollection = collectionOf(
  programSchema,
  "ProgramCollection",
  "Programs in id order",
);

// ------------------------------------------------------------- participants

export const participantStatus = z.enum(["applied", "active", "suspended", "rejected"]);

export const participantSchema = z
  .strictObject({
    id: z.string(),
    programId: z.string(),
    externalId: z.string().describe("The brand's own id for the participant"),
    email: z.email().nullable(),
    name: z.string().nullable(),
    level: z.string().nullable().describe("The key of one of the program's levels"),
    status: participantStatus,
    sponsorId: z.string().nullable().describe("The participant directly above, if any"),
    referralCode: z.string(),
    referralLink: z.url().describe("LAUREL_PUBLIC_URL/r/<referralCode>"),
    termsVersion: z
      .number()
      .int()
      .nullable()
      .describe("The latest version of the program's terms they accepted; null until they accept"),
    termsAcceptedAt: timestamp.nullable().describe("When they accepted termsVersion"),
    createdAt: timestamp,
  })
  .meta({ id: "Participant", description: "A person's membership in one program" });

export const participantCollection = collectionOf(
  participantSchema,
  "ParticipantCollection",
  "Participants in id order",
);

export const applicationSchema = z
  .strictObject({
    website: z.string().nullable().describe("The applicant's website, as they wrote it"),
    socials: z.array(z.string()).describe("Their social profiles, as they wrote them"),
    message: z.string().nullable().describe("What they wrote to the brand"),
    sponsor: z
      .strictObject({ id: z.string(), externalId: z.string(), name: z.string().nullable() })
      .nullable()
      .describe("Who recruited them: the participant whose referral code they came with"),
    ipCountry: z
      .string()
      .nullable()
      .describe(
        "The country the application came from, as a trusted proxy in front of Laurel " +
          "(Cloudflare's CF-IPCountry) said; null without one",
      ),
    appliedAt: timestamp,
    decision: z.enum(["approved", "rejected"]).nullable(),
    decidedAt: timestamp.nullable(),
    reason: z.string().nullable().describe("Why it was rejected, as the brand wrote it"),
    matches: z
      .array(
        z.strictObject({
          participantId: z.string(),
          programId: z.string(),
          programName: z.string(),
          externalId: z.string(),
          name: z.string().nullable(),
          status: participantStatus,
          sameProgram: z.boolean(),
          on: z.array(z.enum(["email", "website"])).describe("What they share with the applicant"),
          blocked: z.boolean().describe("They are suspended or rejected"),
        }),
      )
      .describe(
        "Other participants, of this program or any of the brand's, with the same email or " +
          "website host: someone who already belongs, or one the brand turned away, first",
      ),
  })
  .meta({
    id: "Application",
    description:
      "What an applicant sent from the apply page, what was decided, and who they resemble",
  });

export const downlinePage = z
  .strictObject({
    items: z
      .array(participantSchema.extend({ depth: z.number().int().positive() }))
      .describe("Participants in id order, each with how many levels below it is"),
    next: z.string().nullable().describe("The cursor of the next page; null on the last page"),
    total: count
      .optional()
      .describe("With depth=1 only: how many direct recruits there are across all pages"),
  })
  .meta({ id: "DownlinePage", description: "A page of the participants below one participant" });

export const participantTokenSchema = z
  .strictObject({
    token: z.string().describe("Shown once: a participant token, which reads only /v1/me"),
    participantId: z.string(),
  })
  .meta({ id: "ParticipantToken" });

// ------------------------------------------------------------------- ledger

export const balancesSchema = z
  .strictObject({
    points: z.strictObject({ pending: minor, available: minor }),
    cash: z.strictObject({
      currency: z.string(),
      pending: minor.describe("Minor units still in their hold period"),
      available: minor.describe("Minor units the next payout pays"),
      paid: minor.describe("Minor units paid out so far"),
    }),
  })
  .meta({ id: "Balances", description: "Sums of the participant's ledger entries, per bucket" });

export const ledgerEntrySchema = z
  .strictObject({
    id: z.string(),
    asset: z.enum(["cash", "points", "product"]),
    amount: minor.describe(
      "Minor units of cash, points, or units of a product; negative takes back",
    ),
    status: z.enum(["pending", "available", "paid", "reversed"]),
    createdAt: timestamp.describe("When Laurel booked the entry"),
    occurredAt: timestamp.describe(
      "When what caused it happened: the order, the refund or the event of a reward; the booking otherwise",
    ),
    transferId: z.string().describe("The balanced transfer the entry is one leg of"),
    held: z
      .boolean()
      .describe(
        "A commission whose order is held for fraud review: it stays pending until decided",
      ),
    flagId: z.string().nullable().describe("With held: the open fraud flag holding it"),
    cause: z.strictObject({
      type: z.enum(["commission", "refund", "release", "payout", "review", "reward", "adjustment"]),
      goalName: z.string().nullable().optional().describe("With a goal: its name"),
      reason: z.string().optional().describe("With an adjustment: why it was made"),
      by: z.string().optional().describe("With an adjustment: who made it"),
      eventId: z.string().nullable().describe("The brand's own id of the event that caused it"),
      orderId: z.string().nullable(),
      goalId: z.string().nullable(),
      level: z
        .number()
        .int()
        .nullable()
        .describe("1 for the seller's own commission, 2 for their sponsor's, and so on"),
      payoutId: z.string().nullable().optional().describe("With a payout: the payout"),
      goalVersion: z.number().int().nullable().optional().describe("With a reward"),
      step: z.number().int().nullable().optional().describe("With a reward: the goal step"),
      window: z
        .string()
        .nullable()
        .optional()
        .describe("With a reward: the goal window it was granted in"),
    }),
    product: z
      .strictObject({ sku: z.string().nullable(), voucherCode: z.string().nullable() })
      .optional()
      .describe("With a product: the free product and its voucher code"),
  })
  .meta({ id: "LedgerEntry", description: "One leg of a ledger transfer on the participant" });

export const ledgerCollection = collectionOf(
  ledgerEntrySchema,
  "LedgerEntryCollection",
  "Ledger entries, newest first unless asked for oldest first",
);

// ------------------------------------------------------------------- events

const creditedProgram = z.string().optional().describe("The other program the reward credits");

export const grantedRewardSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("points"), points: count, program: creditedProgram }),
    z.strictObject({ type: z.literal("cash"), amount: count, program: creditedProgram }),
    z.strictObject({
      type: z.literal("free_product"),
      sku: z.string(),
      voucherCode: z.string(),
      program: creditedProgram,
    }),
    z.strictObject({ type: z.literal("level"), level: z.string(), program: creditedProgram }),
  ])
  .meta({ id: "GrantedReward", description: "A reward as granted, resolved for the participant" });

export const grantSchema = z
  .strictObject({
    goalId: z.string(),
    step: z.number().int().positive(),
    participantId: z.string(),
    window: z.string().describe("lifetime, fixed, 2026-11, 2026-Q4, or an inactivity spell"),
    reward: grantedRewardSchema,
    notCredited: z
      .string()
      .optional()
      .describe("Why a reward for another program could not be credited there"),
  })
  .meta({ id: "Grant", description: "One goal step granted to one participant in one window" });

const commissionSchema = z.strictObject({
  participantId: z.string(),
  level: z.number().int().positive().describe("1 is the seller, 2 the seller's sponsor, ..."),
  amount: minor,
});

const eventErrorSchema = z.strictObject({
  code: z.string(),
  message: z.string(),
  details: z.array(z.unknown()).optional(),
});

const outcomeFields = {
  id: z.string().describe("The brand's own id of the event"),
  type: z.enum(["order", "refund", "review", "click", "signup", "lead", "custom"]),
  attributedTo: z.string().nullable(),
  attribution: z
    .strictObject({
      source: z.enum(["participant", "code", "click", "customer"]).nullable(),
      reason: z.string().optional(),
      message: z.string().optional(),
    })
    .nullable(),
  commissions: z.array(commissionSchema),
  grants: z.array(grantSchema),
  late: z
    .array(z.strictObject({ goalId: z.string(), window: z.string(), message: z.string() }))
    .optional()
    .describe("Goal windows that had closed before the event arrived: not counted"),
  skippedLevels: z
    .array(
      z.strictObject({
        level: z.number().int(),
        participantId: z.string(),
        reason: z.string(),
        message: z.string(),
      }),
    )
    .optional(),
  cuts: z
    .array(
      z.strictObject({
        rule: z.enum([
          "max_total_percent",
          "per_order",
          "per_participant_monthly",
          "program_monthly",
        ]),
        participantId: z.string().optional(),
        beforeMinor: minor,
        afterMinor: minor,
      }),
    )
    .optional()
    .describe("What maxTotalPercent and the caps took off"),
  fraud: z
    .strictObject({
      rule: z.enum(["click_flooding", "refund_abuse", "self_referral_ip"]),
      message: z.string(),
    })
    .optional(),
  conversion: z
    .strictObject({
      kind: z.enum(["signup", "lead"]),
      paid: z.boolean().describe("Whether it booked commission; a customer's first one only can"),
      reason: z.enum(["converted_before", "not_paid_by_plan", "nothing_due"]).optional(),
      message: z.string().optional(),
    })
    .optional()
    .describe(
      "With an attributed signup or lead: paid and counted once per customer per kind, or why not",
    ),
  refund: z
    .strictObject({
      orderId: z.string(),
      state: z.enum(["applied", "waiting_for_order"]),
      valueMinor: minor.describe("The commissionable value returned"),
    })
    .optional(),
};

export const eventResultSchema = z
  .discriminatedUnion("status", [
    z.strictObject({ ...outcomeFields, status: z.literal("processed") }),
    z.strictObject({ ...outcomeFields, status: z.literal("duplicate") }),
    z.strictObject({
      id: z.string().nullable(),
      status: z.literal("rejected"),
      error: eventErrorSchema,
    }),
  ])
  .meta({
    id: "EventResult",
    description:
      "What became of one event: processed now, a duplicate answering its first outcome, or rejected with why",
  });

export const eventResultsSchema = z
  .strictObject({
    results: z.array(eventResultSchema).describe("One per event, in the order sent"),
  })
  .meta({ id: "EventResults" });

// -------------------------------------------------------------------- fraud

export const flagSchema = z
  .strictObject({
    id: z.string(),
    rule: z.enum(["click_flooding", "refund_abuse", "self_referral_ip"]),
    ruleName: z.string().describe("The rule in words: Click flooding, Refund abuse, …"),
    participantId: z.string(),
    participant: z
      .strictObject({
        externalId: z.string(),
        name: z.string().nullable(),
        consoleUrl: z.url().describe("The participant in the admin console"),
      })
      .describe("Who the flag is about"),
    eventId: z.string(),
    orderId: z.string().nullable(),
    reason: z.string(),
    status: z.enum(["open", "approved", "rejected"]),
    currency: z.string(),
    held: minor.describe(
      "The commissions the flag holds: while open, what is still pending of its order; once " +
        "decided, what approval released or rejection reversed; 0 for a flag on no order " +
        "(click flooding), which holds nothing",
    ),
    commissions: z
      .array(
        z.strictObject({
          participantId: z.string(),
          externalId: z.string(),
          name: z.string().nullable(),
          level: z.number().int().describe("1 for the seller, 2 for their sponsor, …"),
          amount: minor,
        }),
      )
      .describe("Who the held commissions are for, and how much each"),
    createdAt: timestamp,
    decidedAt: timestamp.nullable(),
  })
  .meta({ id: "Flag", description: "Something fraud screening wants an admin to look at" });

export const flagCollection = collectionOf(flagSchema, "FlagCollection", "Flags in id order");

export const flagReviewSchema = z
  .strictObject({ flags: z.array(flagSchema).describe("Every flag decided, in the order sent") })
  .meta({ id: "FlagReview", description: "Flags decided together, all or none" });

// -------------------------------------------------------------------- goals

export const goalResponseSchema = z
  .strictObject({
    id: z.string(),
    programId: z.string(),
    version: z.number().int().positive(),
    ...goalSchema.shape,
    createdAt: timestamp,
    updatedAt: timestamp,
    endedAt: timestamp.nullable(),
  })
  .meta({ id: "Goal", description: "A goal at its current version, with every field filled in" });

export const goalCollection = collectionOf(
  goalResponseSchema,
  "GoalCollection",
  "Goals in id order",
);

export const changedGoalSchema = z
  .strictObject({
    ...goalResponseSchema.shape,
    grants: z
      .array(grantSchema)
      .describe("Steps the new version grants at once to participants it now finds past them"),
  })
  .meta({ id: "ChangedGoal" });

export const grantedCountSchema = z
  .strictObject({ granted: count.describe("Steps granted by this run") })
  .meta({ id: "GrantedCount" });

export const releasedCountSchema = z
  .strictObject({ released: count.describe("Commissions whose hold ended and became available") })
  .meta({ id: "ReleasedCount" });

const stepViewFields = {
  step: z.number().int().positive(),
  threshold: z
    .number()
    .int()
    .nullable()
    .describe("Null with a per-participant target and no target"),
  percent: percentValue.optional(),
  reward: rewardSchema,
  granted: z.boolean().describe("Whether the step's reward was granted in this window"),
};

export const progressSchema = z
  .strictObject({
    goalId: z.string(),
    name: z.string(),
    metric: goalSchema.shape.metric,
    unit: z.enum(["money", "count", "points", "days"]),
    version: z.number().int().positive(),
    evaluate: goalSchema.shape.evaluate,
    window: z.strictObject({
      key: z.string(),
      start: timestamp.nullable(),
      end: timestamp.nullable(),
    }),
    value: z.number().int(),
    target: z.number().int().nullable().describe("The whole target, in the metric's unit"),
    percent: z.number().int().nullable(),
    band: z.enum(["red", "orange", "green"]).nullable(),
    stepsReached: z.array(z.strictObject(stepViewFields)),
    nextStep: z.strictObject({ ...stepViewFields, remaining: z.number().int() }).nullable(),
  })
  .meta({
    id: "Progress",
    description: "One goal's progress: band red below 90%, orange from 90% to 99%, green at 100%",
  });

export const progressListSchema = z.array(progressSchema).describe("One entry per goal");

// ------------------------------------------------------------------ payouts

const payoutFields = {
  id: z.string(),
  programId: z.string(),
  currency: z.string(),
  total: minor,
  createdAt: timestamp,
  status: z
    .enum(["created", "exported", "paid"])
    .describe(
      "created, then exported when its CSV is first downloaded, then paid when marked so; never back",
    ),
  exportedAt: timestamp.nullable().describe("When its CSV was first downloaded"),
  paidAt: timestamp.nullable().describe("When it was marked paid"),
  paymentReference: z
    .string()
    .nullable()
    .describe("The payout provider's reference, given when it was marked paid"),
};

export const payoutSummarySchema = z.strictObject(payoutFields).meta({ id: "PayoutSummary" });

export const payoutSchema = z
  .strictObject({
    ...payoutFields,
    lines: z.array(
      z.strictObject({
        participantId: z.string(),
        externalId: z.string(),
        name: z.string().nullable().describe("The participant's name when paid"),
        email: z.email().nullable(),
        amount: minor,
        reference: z.string().describe("A reference unique to the line, for the payout provider"),
      }),
    ),
  })
  .meta({ id: "Payout", description: "A batch paying available cash balances, with its lines" });

export const payoutCollection = collectionOf(
  payoutSummarySchema,
  "PayoutCollection",
  "Payouts, newest first, without their lines",
);

export const payoutPreviewSchema = z
  .strictObject({
    currency: z.string(),
    total: minor.describe("What a payout made now would pay in all"),
    count: count.describe("How many participants it would pay"),
    minimum: minor.describe("The program's payout minimum"),
    belowMinimum: count.describe(
      "Active participants with available cash above zero but under the minimum, not paid",
    ),
    lines: z.array(
      z.strictObject({
        participantId: z.string(),
        externalId: z.string(),
        name: z.string().nullable(),
        email: z.email().nullable(),
        amount: minor,
      }),
    ),
  })
  .meta({
    id: "PayoutPreview",
    description: "What a payout made now would pay, to whom, by external id; nothing is written",
  });

// ------------------------------------------------------------------ reports

// The summary's shape is in summary-schema.ts.

export const timeSeriesSchema = z
  .strictObject({
    from: timestamp,
    to: timestamp,
    currency: z.string(),
    timezone: z.string(),
    days: z.array(
      z.strictObject({
        day: z.iso.date().describe("The local day, YYYY-MM-DD in the program's time zone"),
        clicks: count,
        orders: count.describe("Attributed orders"),
        sales: minor.describe("Commissionable value of the attributed orders"),
        commissions: minor.describe(
          "Commissions on the period's orders, less what the period's refunds took back",
        ),
      }),
    ),
  })
  .meta({ id: "TimeSeries" });

// ------------------------------------------------------------------ targets

export const targetImportSchema = z
  .strictObject({
    importId: z.string(),
    rows: count,
    duplicate: z.boolean().describe("The same file was imported before; nothing changed"),
    grants: z
      .array(grantSchema)
      .describe("Steps granted at once to participants whose new target they already reach"),
  })
  .meta({ id: "TargetImport" });

export const targetCollection = collectionOf(
  z.strictObject({
    goalId: z.string(),
    period: z.string().describe("YYYY-MM or YYYY-Qn"),
    target: z.number().int().positive(),
  }),
  "TargetCollection",
  "Targets by goal and period",
);

// ------------------------------------------------------------ the portal

export const sessionSchema = z
  .strictObject({
    sessionToken: z.string().describe("Reads what the participant token does, until expiresAt"),
    expiresAt: timestamp,
    programId: z.string(),
    participantId: z.string(),
  })
  .meta({ id: "PortalSession" });

/** The program's look as the portal and the widget show it; each part absent until set. */
export const brandingViewSchema = z
  .strictObject({
    logoUrl: z.string().optional().describe("An http(s) URL of the program's logo image"),
    color: z.string().optional().describe("The program's accent colour, #RRGGBB"),
  })
  .meta({ id: "Branding" });

export const memberProgramSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    currency: z.string(),
    timezone: z.string(),
    branding: brandingViewSchema,
  })
  .meta({ id: "MemberProgram" });

export const downlineSalesSchema = z
  .strictObject({
    currency: z.string(),
    items: z.array(
      z.strictObject({
        id: z.string(),
        externalId: z.string(),
        name: z.string().nullable(),
        status: participantStatus,
        sponsorId: z.string().nullable(),
        depth: z.number().int().positive(),
        orders: count,
        sales: minor.describe("Commissionable value of the member's attributed orders, all time"),
      }),
    ),
    next: cursor,
  })
  .meta({ id: "DownlineSales" });

export const leaderboardSchema = z
  .strictObject({
    period: z.strictObject({ key: z.string(), start: timestamp, end: timestamp }),
    currency: z.string(),
    ranked: count.describe("How many participants have sales this month"),
    you: z.strictObject({
      rank: z.number().int().positive().nullable(),
      sales: minor,
      orders: count,
    }),
    top: z.array(
      z.strictObject({
        rank: z.number().int().positive(),
        externalId: z.string(),
        name: z.string().nullable(),
        sales: minor,
        you: z.boolean(),
      }),
    ),
  })
  .meta({ id: "Leaderboard" });

// ------------------------------------------------------------------- widget

export const widgetSecretSchema = z
  .strictObject({
    programId: z.string(),
    secret: z.string().describe("Shown once: the shop's server signs customer tokens with it"),
    createdAt: timestamp,
    algorithm: z.literal("HS256"),
  })
  .meta({ id: "WidgetSecret" });

export const widgetSecretStatusSchema = z
  .strictObject({ programId: z.string(), exists: z.boolean(), createdAt: timestamp.nullable() })
  .meta({ id: "WidgetSecretStatus" });

export const customerViewSchema = z
  .strictObject({
    programId: z.string(),
    name: z.string(),
    currency: z.string(),
    customer: z.strictObject({
      externalId: z.string(),
      member: z.boolean(),
      canJoin: z.boolean().describe("Not a member, and the program lets customers join"),
      referralLink: z
        .string()
        .nullable()
        .describe("The member's referral link to share; null for a customer who is not a member"),
    }),
    branding: brandingViewSchema,
    items: z.array(progressSchema),
    next: z.null(),
  })
  .meta({ id: "CustomerView", description: "What the widget shows a signed-in customer" });

export const milestonesSchema = z
  .strictObject({
    programId: z.string(),
    name: z.string(),
    currency: z.string(),
    branding: brandingViewSchema,
    milestones: z.array(
      z.strictObject({
        goalId: z.string(),
        name: z.string(),
        description: z.string().optional(),
        metric: goalSchema.shape.metric,
        window: windowSchema,
        steps: z.array(z.strictObject({ step: z.number().int().positive(), ...stepSchema.shape })),
      }),
    ),
  })
  .meta({ id: "Milestones", description: "The ladders a storefront shows" });

// --------------------------------------------------------------- operations

export const healthSchema = z.strictObject({ status: z.literal("ok") }).meta({ id: "Health" });
export const readySchema = z.strictObject({ status: z.literal("ok") }).meta({ id: "Ready" });
