import { z } from "zod";

/** The report summary's shape and its example, next to nothing else of the API's shapes. */

const timestamp = z.iso.datetime();
const minor = z.number().int();
const count = z.number().int().nonnegative();
const rate = z.number().describe("A percentage with 2 decimals; 0 without clicks");

const performerSchema = z.strictObject({
  participantId: z.string(),
  externalId: z.string(),
  name: z.string().nullable(),
  sales: minor,
  commissions: minor,
  orders: count,
});

const sourceSchema = z.strictObject({
  orders: count.describe("Attributed orders that came this way"),
  sales: minor.describe("Their commissionable value"),
  signups: count.describe("Attributed signups that came this way"),
  leads: count.describe("Attributed leads that came this way"),
});

const goalFiguresSchema = z
  .strictObject({
    goalId: z.string(),
    name: z.string(),
    participantsProgressing: count.describe(
      "Participants with progress in a window of the goal that the period touches " +
        "(a lifetime goal's: all of it); those who reached a step included",
    ),
    participantsReached: count.describe("Participants granted any step in the period"),
    byStep: z
      .array(z.strictObject({ step: z.number().int().positive(), reached: count }))
      .describe("Every step, first to last: the participants granted it in the period"),
    rewardsPaid: z
      .strictObject({
        cash: minor.describe("Cash rewards, in minor units of the program's currency"),
        points: count,
        products: count.describe("Free products granted, one voucher each"),
      })
      .describe("What the period's grants paid into this program (not rewards credited elsewhere)"),
  })
  .meta({ id: "SummaryGoal" });

const summaryFields = {
  from: timestamp.describe("The period's start, inclusive"),
  to: timestamp.describe("The period's end, exclusive"),
  currency: z.string(),
  clicks: count,
  orders: count.describe("Attributed orders"),
  signups: count.describe("Signups attributed to a participant"),
  leads: count.describe("Leads attributed to a participant"),
  conversionRate: rate.describe(
    "Orders that came through a referral link's click / clicks, in percent with 2 decimals; " +
      "0 without clicks. Orders by code or named outright are not conversions of a click",
  ),
  conversionBySource: z
    .strictObject({
      links: sourceSchema
        .extend({ clicks: count, conversionRate: rate.describe("orders / clicks in percent") })
        .describe("Through a referral link: the visitor's click chose the participant"),
      codes: sourceSchema.describe("Through a referral code on the order"),
      direct: sourceSchema.describe(
        "Named on the order (`participant`), or a customer or subscription bound to a participant",
      ),
    })
    .describe(
      "Attributed orders, signups and leads by what attributed them; the three add up to " +
        "orders, sales, signups and leads",
    ),
  sales: minor.describe("Commissionable value of the attributed orders"),
  refunds: minor.describe("Value of the refunds applied to attributed orders"),
  refundCount: count.describe("How many refunds of attributed orders were applied"),
  commissions: minor.describe(
    "Commissions on the period's orders, less what the period's refunds took back",
  ),
  commissionsByLevel: z.array(z.strictObject({ level: z.number().int(), amount: minor })),
  byLevel: z
    .array(
      z.strictObject({
        level: z.number().int().positive().describe("1 the seller, 2 their sponsor, and so on"),
        commissions: minor.describe("Net, as in commissionsByLevel"),
        sales: minor.describe("Commissionable value of the period's orders that paid this level"),
        participants: count.describe("Participants the period's orders paid at this level"),
      }),
    )
    .describe("Per upline level, shallowest first"),
  activeParticipants: count.describe("Participants with an attributed order"),
  topPerformers: z.array(performerSchema).describe("The 10 best by sales"),
  topPerformersByCommission: z.array(performerSchema).describe("The 10 best by net commissions"),
  goals: z.array(goalFiguresSchema).describe("Every goal not ended, oldest first, over the period"),
};

const previousSummarySchema = z
  .strictObject(summaryFields)
  .meta({ id: "SummaryFigures", description: "The summary's figures over one period" });

export const summarySchema = z
  .strictObject({
    ...summaryFields,
    previous: previousSummarySchema
      .nullable()
      .describe(
        "The same figures over the period of the same length just before (as many local days " +
          "when from and to are dates); null with compare=none",
      ),
  })
  .meta({ id: "Summary" });

const ANA = "par_01JD2QA1B2C3D4E5F6G7H8J9K0";
const GOAL = "gol_01JD2QD5E7F9G1H3J5K7M9N1P3";

const performers = [
  {
    participantId: ANA,
    externalId: "amb-42",
    name: "Ana Souza",
    sales: 420000,
    commissions: 42000,
    orders: 31,
  },
];

const currentExample = {
  from: "2026-10-21T04:00:00.000Z",
  to: "2026-11-20T05:00:00.000Z",
  currency: "USD",
  clicks: 812,
  orders: 46,
  signups: 64,
  leads: 21,
  conversionRate: 3.69,
  conversionBySource: {
    links: { clicks: 812, orders: 30, sales: 400000, signups: 40, leads: 15, conversionRate: 3.69 },
    codes: { orders: 12, sales: 170000, signups: 20, leads: 4 },
    direct: { orders: 4, sales: 40000, signups: 4, leads: 2 },
  },
  sales: 610000,
  refunds: 25000,
  refundCount: 2,
  commissions: 63250,
  commissionsByLevel: [
    { level: 1, amount: 58500 },
    { level: 2, amount: 4750 },
  ],
  byLevel: [
    { level: 1, commissions: 58500, sales: 610000, participants: 9 },
    { level: 2, commissions: 4750, sales: 190000, participants: 3 },
  ],
  activeParticipants: 9,
  topPerformers: performers,
  topPerformersByCommission: performers,
  goals: [
    {
      goalId: GOAL,
      name: "Sell 5,000 this month",
      participantsProgressing: 9,
      participantsReached: 3,
      byStep: [
        { step: 1, reached: 3 },
        { step: 2, reached: 1 },
      ],
      rewardsPaid: { cash: 15000, points: 0, products: 0 },
    },
  ],
};

export const summaryExample = {
  ...currentExample,
  previous: {
    ...currentExample,
    from: "2026-09-21T04:00:00.000Z",
    to: "2026-10-21T04:00:00.000Z",
    clicks: 640,
    orders: 38,
    signups: 51,
    leads: 17,
    conversionRate: 3.59,
    conversionBySource: {
      links: {
        clicks: 640,
        orders: 23,
        sales: 310000,
        signups: 30,
        leads: 12,
        conversionRate: 3.59,
      },
      codes: { orders: 11, sales: 150000, signups: 18, leads: 3 },
      direct: { orders: 4, sales: 45000, signups: 3, leads: 2 },
    },
    sales: 505000,
    refunds: 0,
    refundCount: 0,
    commissions: 52400,
    commissionsByLevel: [
      { level: 1, amount: 48000 },
      { level: 2, amount: 4400 },
    ],
    byLevel: [
      { level: 1, commissions: 48000, sales: 505000, participants: 8 },
      { level: 2, commissions: 4400, sales: 146000, participants: 3 },
    ],
    activeParticipants: 8,
  },
};
