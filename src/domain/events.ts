import { z } from "zod";
import { saneInstant } from "./instants.ts";

/**
 * The largest amount, in minor units, that an order's line, its items'
 * sum or any of its charges may reach: past 2^53 - 1 a JavaScript number can
 * no longer count every minor unit, so a booking would be silently rounded.
 */
export const MAX_AMOUNT_MINOR = Number.MAX_SAFE_INTEGER;

/** The events a brand sends, as the API takes them. */
const eventId = z.string().min(1).max(200);
const occurredAt = saneInstant().optional();
const minor = z.number().int().nonnegative().max(MAX_AMOUNT_MINOR);
const customer = z
  .strictObject({ id: z.string().min(1).max(200).optional(), email: z.email().optional() })
  .optional();
const ref = z.string().min(1).max(200);

export const orderItemSchema = z.strictObject({
  sku: z.string().min(1).max(200),
  quantity: z.number().int().positive().max(MAX_AMOUNT_MINOR),
  unitAmount: minor,
});

export const orderEventSchema = z
  .strictObject({
    type: z.literal("order"),
    id: eventId,
    occurredAt,
    customer,
    participant: ref.optional(),
    code: ref.optional(),
    visitorId: ref.optional(),
    /**
     * The recurring billing this order is one payment of: every order of a
     * subscription pays whoever its first attributed order paid, so
     * recurring commissions need no referral on each renewal.
     */
    subscription: ref.optional(),
    /** The buyer's IP address; only its hash is compared with participants'. */
    ip: z.string().min(1).max(100).optional(),
    items: z.array(orderItemSchema).min(1, "an order needs at least one item").max(1000),
    discount: minor.optional(),
    shipping: minor.optional(),
    tax: minor.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be a three-letter ISO 4217 code")
      .optional(),
  })
  .superRefine((order, context) => {
    const tooLarge = (path: (string | number)[], what: string) =>
      context.addIssue({
        code: "custom",
        path,
        message: `${what} is more than ${MAX_AMOUNT_MINOR} minor units, the most an amount can be counted exactly`,
      });
    let itemsMinor = 0;
    for (const [index, item] of order.items.entries()) {
      const lineMinor = item.quantity * item.unitAmount;
      if (lineMinor > MAX_AMOUNT_MINOR) return tooLarge(["items", index], "quantity × unitAmount");
      itemsMinor += lineMinor;
      if (itemsMinor > MAX_AMOUNT_MINOR) return tooLarge(["items", index], "the items' sum");
    }
    const charges = (order.shipping ?? 0) + (order.tax ?? 0);
    if (itemsMinor + charges > MAX_AMOUNT_MINOR)
      return tooLarge(["shipping"], "the order's total with shipping and tax");
  });

export const refundEventSchema = z
  .strictObject({
    type: z.literal("refund"),
    id: eventId,
    occurredAt,
    orderId: eventId,
    items: z
      .array(
        z.strictObject({ sku: z.string().min(1).max(200), quantity: z.number().int().positive() }),
      )
      .min(1)
      .optional()
      .describe("The units returned; without items or amount, everything left of the order"),
    amount: z
      .number()
      .int()
      .positive("a refund by amount returns at least one minor unit")
      .max(MAX_AMOUNT_MINOR)
      .optional()
      .describe(
        "Minor units refunded of the order's total as charged (items less discount, plus " +
          "shipping and tax): every commission line is reversed in the same share, and no units " +
          "come back",
      ),
  })
  .superRefine((refund, context) => {
    // Two forms of one refund that could disagree are a malformed event, like
    // a field of the wrong type, not a value to weigh.
    if (refund.items !== undefined && refund.amount !== undefined)
      context.addIssue({
        code: "invalid_type",
        expected: "undefined",
        input: refund.amount,
        path: ["amount"],
        message: "a refund names items or an amount, not both; send one or the other",
      });
  });

export const reviewEventSchema = z.strictObject({
  type: z.literal("review"),
  id: eventId,
  occurredAt,
  customer,
  participant: ref.optional(),
});

export const clickEventSchema = z.strictObject({
  type: z.literal("click"),
  id: eventId,
  occurredAt,
  code: ref,
  visitorId: ref.optional(),
  ip: z.string().min(1).max(100).optional(),
});

/**
 * A conversion short of an order: attributed like an order (participant,
 * code, the visitor's referral click, the bound customer), and paid by the
 * plan's perSignup or perLead once per customer.
 */
const conversionFields = {
  id: eventId,
  occurredAt,
  customer,
  code: ref.optional(),
  participant: ref.optional(),
  visitorId: ref.optional(),
  /** The customer's IP address; only its hash is compared with participants'. */
  ip: z.string().min(1).max(100).optional(),
};

export const signupEventSchema = z.strictObject({
  type: z.literal("signup"),
  ...conversionFields,
});

export const leadEventSchema = z.strictObject({
  type: z.literal("lead"),
  ...conversionFields,
});

export const customEventSchema = z.strictObject({
  type: z.literal("custom"),
  id: eventId,
  occurredAt,
  name: z.string().min(1).max(200),
  participant: ref.optional(),
  customer,
  value: z.number().int().optional(),
});

export const eventSchema = z.discriminatedUnion("type", [
  orderEventSchema,
  refundEventSchema,
  reviewEventSchema,
  clickEventSchema,
  signupEventSchema,
  leadEventSchema,
  customEventSchema,
]);

export type EventInput = z.infer<typeof eventSchema>;
export type OrderEvent = z.infer<typeof orderEventSchema>;
export type ConversionEvent = z.infer<typeof signupEventSchema> | z.infer<typeof leadEventSchema>;

/**
 * An accepted event with the time it counts from (`occurredAt`, or when it
 * was received) and, when it carried an IP address, that address's hash.
 */
export type ReceivedEvent = EventInput & {
  readonly occurredAtMs: number;
  readonly ipHash?: string;
};

export const MAX_EVENTS_PER_REQUEST = 1000;

/** Codes are matched without regard to case, as shoppers type them. */
export const normalizeCode = (code: string): string => code.trim().toUpperCase();
