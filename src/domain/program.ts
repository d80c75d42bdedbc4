import { z } from "zod";
import { parsePercent, type Percent } from "./money.ts";

/**
 * A program's settings as the API takes them and the database stores them.
 * The same schema reads stored JSON back, so what was accepted once is read
 * the same way forever.
 */
export const percentValue = z.union([z.number(), z.string()]).refine((v) => {
  const p = parsePercent(v);
  return p !== null && Number(p.digits) <= 100 * 10 ** p.scale;
}, "must be a decimal percentage from 0 to 100 with at most 6 decimal places");

export const rateSchema = z.union([
  z.strictObject({ percent: percentValue }),
  z.strictObject({ flat: z.number().int().nonnegative().describe("minor units") }),
]);

const key = z.string().min(1).max(100);
const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, "must be a three-letter ISO 4217 code such as USD");

export const timezoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as America/New_York");

export const commissionSchema = z.strictObject({
  rate: rateSchema.optional(),
  byLevel: z.record(key, rateSchema).optional(),
  bySku: z.record(key, rateSchema).optional(),
  upline: z.array(rateSchema).max(10, "at most 10 upline levels are paid").optional(),
  uplineBasis: z.enum(["order", "commission"]).optional(),
  uplineQualification: z
    .strictObject({
      minPersonalOrders: z.number().int().nonnegative(),
      days: z.number().int().positive(),
    })
    .optional(),
  holdDays: z.number().int().nonnegative().optional(),
  caps: z
    .strictObject({
      perOrder: z.number().int().nonnegative().optional(),
      perParticipantMonthly: z.number().int().nonnegative().optional(),
      programMonthly: z.number().int().nonnegative().optional(),
    })
    .optional(),
  maxTotalPercent: percentValue.optional(),
  /** What a signup pays its referrer, once per customer; the upline is paid its rates of this amount. */
  perSignup: z
    .strictObject({ flat: z.number().int().nonnegative().describe("minor units") })
    .optional()
    .describe("a flat amount paid for each referred customer's signup, once per customer"),
  /** What a lead pays its referrer, once per customer. */
  perLead: z
    .strictObject({ flat: z.number().int().nonnegative().describe("minor units") })
    .optional()
    .describe("a flat amount paid for each referred customer's lead, once per customer"),
});

export const attributionSchema = z.strictObject({
  cookieDays: z.number().int().positive().max(3650).optional(),
  model: z.enum(["last_click", "first_click"]).optional(),
  bindCustomer: z.boolean().optional(),
});

export const levelSchema = z.strictObject({ key, name: z.string().min(1).max(200) });

export const fraudSchema = z.strictObject({
  /** Clicks beyond this many per visitor or IP in an hour are not counted. */
  maxClicksPerHour: z.number().int().positive().optional(),
  /** Hold a seller's new commissions for review when too many of their recent orders were refunded. */
  refundAbuse: z
    .strictObject({
      orders: z.number().int().positive().max(1000),
      maxRefundPercent: percentValue,
    })
    .optional(),
});

const programFields = {
  name: z.string().min(1).max(200),
  currency: currencySchema,
  timezone: timezoneSchema,
  attribution: attributionSchema.optional(),
  commission: commissionSchema.optional(),
  landingUrl: z.url({ protocol: /^https?$/ }).optional(),
  levels: z.array(levelSchema).max(100).optional(),
  payouts: z.strictObject({ minimum: z.number().int().nonnegative() }).optional(),
  fraud: fraudSchema.optional(),
  /** How the portal, the widget and the apply page look: the brand's own logo and colour. */
  branding: z
    .strictObject({
      logoUrl: z
        .url({ protocol: /^https?$/ })
        .max(2000)
        .optional()
        .describe("an http(s) URL of the logo image shown in the portal and widget"),
      color: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour as #RRGGBB, such as #0f766e")
        .optional()
        .describe("the accent colour of the portal and widget"),
    })
    .optional(),
  widget: z
    .strictObject({
      enrol: z
        .boolean()
        .describe("customers signed in to the shop may join the program from the widget"),
    })
    .optional(),
  /**
   * Which transactional mails the program sends (with mail configured). Each
   * is on unless set to false, so a program made before a mail existed sends
   * it without being changed.
   */
  notifications: z
    .strictObject({
      rewardGranted: z.boolean().optional().describe("mail a participant each reward granted"),
      payoutSent: z.boolean().optional().describe("mail each participant a payout pays"),
      applicationDecided: z
        .boolean()
        .optional()
        .describe("mail an applicant when their application is approved or rejected"),
    })
    .optional()
    .describe("transactional mails the program sends; each is on unless set to false"),
  /**
   * Who may join: `closed` (default) only through the API, `approval` by
   * applying on the public apply page and being approved, `open` by applying
   * and being active at once.
   */
  enrolment: z
    .enum(["open", "approval", "closed"])
    .optional()
    .describe("how people join: open, approval (apply and be approved) or closed (default)"),
  /** How long after a goal window closes an event dated inside it still counts (default 0). */
  goalGraceHours: z
    .number()
    .int()
    .nonnegative()
    .max(24 * 366)
    .optional(),
};

export const programInputSchema = z
  .strictObject({ ...programFields, timezone: timezoneSchema.default("UTC") })
  .superRefine(checkLevelsConsistent);

export type ProgramInput = z.infer<typeof programInputSchema>;
export type RateInput = z.infer<typeof rateSchema>;
export type CommissionInput = z.infer<typeof commissionSchema>;

/** Cross-field rules: level keys are unique and every level a rate names exists. */
export function checkLevelsConsistent(
  program: Pick<ProgramInput, "levels" | "commission">,
  ctx: z.RefinementCtx,
): void {
  const keys = (program.levels ?? []).map((l) => l.key);
  keys.forEach((k, i) => {
    if (keys.indexOf(k) !== i)
      ctx.addIssue({
        code: "custom",
        path: ["levels", i, "key"],
        message: `level "${k}" appears twice`,
      });
  });
  for (const level of Object.keys(program.commission?.byLevel ?? {})) {
    if (!keys.includes(level))
      ctx.addIssue({
        code: "custom",
        path: ["commission", "byLevel", level],
        message: `level "${level}" is not one of the program's levels (${keys.join(", ") || "none defined"})`,
      });
  }
}

/** A rate ready for arithmetic. */
export type Rate = { kind: "percent"; percent: Percent } | { kind: "flat"; amountMinor: number };

export function toRate(input: RateInput): Rate {
  if ("flat" in input) return { kind: "flat", amountMinor: input.flat };
  const percent = parsePercent(input.percent);
  // The schema refused anything parsePercent cannot read.
  if (percent === null) throw new Error(`unreadable stored percent ${String(input.percent)}`);
  return { kind: "percent", percent };
}

export interface CommissionPlan {
  readonly rate: Rate | null;
  readonly byLevel: ReadonlyMap<string, Rate>;
  readonly bySku: ReadonlyMap<string, Rate>;
  readonly upline: readonly Rate[];
  readonly uplineBasis: "order" | "commission";
  readonly maxTotalPercent: Percent | null;
  readonly uplineQualification: {
    readonly minPersonalOrders: number;
    readonly days: number;
  } | null;
  /** Flat amounts a signup and a lead pay their referrer, once per customer; null pays nothing. */
  readonly perSignup: Rate | null;
  readonly perLead: Rate | null;
}

export function toCommissionPlan(input: CommissionInput | undefined): CommissionPlan | null {
  if (!input) return null;
  const mapRates = (rates: Record<string, RateInput> | undefined) =>
    new Map(Object.entries(rates ?? {}).map(([k, r]) => [k, toRate(r)]));
  return {
    rate: input.rate ? toRate(input.rate) : null,
    byLevel: mapRates(input.byLevel),
    bySku: mapRates(input.bySku),
    upline: (input.upline ?? []).map(toRate),
    uplineBasis: input.uplineBasis ?? "order",
    maxTotalPercent:
      input.maxTotalPercent === undefined ? null : parsePercent(input.maxTotalPercent),
    uplineQualification: input.uplineQualification ?? null,
    perSignup: input.perSignup ? toRate(input.perSignup) : null,
    perLead: input.perLead ? toRate(input.perLead) : null,
  };
}

export const DEFAULT_COOKIE_DAYS = 30;
/** More clicks than this from one visitor or IP in an hour is flooding. */
export const DEFAULT_MAX_CLICKS_PER_HOUR = 20;

export type Enrolment = NonNullable<ProgramInput["enrolment"]>;

/** How people join the program; a program that never said is closed. */
export const enrolmentOf = (config: Pick<ProgramInput, "enrolment">): Enrolment =>
  config.enrolment ?? "closed";

export type NotificationKind = keyof NonNullable<ProgramInput["notifications"]>;

/** Whether the program sends a kind of transactional mail: on unless turned off. */
export const notificationOn = (
  config: Pick<ProgramInput, "notifications">,
  kind: NotificationKind,
): boolean => config.notifications?.[kind] !== false;
