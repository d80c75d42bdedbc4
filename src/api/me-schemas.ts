import { z } from "zod";
import { participantSchema } from "./schemas.ts";

const timestamp = z.iso.datetime();
const minor = z.number().int();
const count = z.number().int().nonnegative();

/** The participant's own traffic and earnings over a period, for the portal. */
export const participantStatsSchema = z
  .strictObject({
    from: timestamp.describe("The period's start, inclusive"),
    to: timestamp.describe("The period's end, exclusive"),
    currency: z.string(),
    clicks: count.describe("Clicks on the participant's referral link"),
    signups: count.describe("Signups attributed to the participant"),
    orders: count.describe("Orders attributed to the participant"),
    sales: minor.describe("Commissionable value of those orders"),
    conversionRate: z.number().describe("orders / clicks in percent, 2 decimals; 0 without clicks"),
    earnings: minor.describe(
      "Cash earned: commissions and cash rewards, less refunds and rejected reviews, at the time of the event that caused each",
    ),
  })
  .meta({ id: "ParticipantStats" });

export const meSchema = participantSchema
  .extend({ stats: participantStatsSchema })
  .meta({ id: "Me", description: "The token holder's membership, with their stats for a period" });

export const earningsSeriesSchema = z
  .strictObject({
    from: timestamp.describe("The period's start, inclusive"),
    to: timestamp.describe("The period's end, exclusive"),
    currency: z.string(),
    interval: z.enum(["week", "month"]),
    items: z.array(
      z.strictObject({
        start: z.iso
          .date()
          .describe("The local date the week (Monday) or month starts, in the program's time zone"),
        amount: minor.describe("Cash earned in it, as the stats count earnings"),
      }),
    ),
  })
  .meta({ id: "EarningsSeries" });

export const myPayoutSchema = z
  .strictObject({
    id: z.string(),
    createdAt: timestamp,
    amount: minor.describe("What the payout paid this participant"),
    currency: z.string(),
    reference: z.string().describe("The reference the payout file gives the payment"),
    status: z
      .enum(["created", "exported", "paid"])
      .describe("created, exported (its file downloaded), then paid once the provider paid it"),
  })
  .meta({ id: "MyPayout" });

export const myPayoutCollection = z
  .strictObject({
    items: z.array(myPayoutSchema),
    next: z
      .string()
      .nullable()
      .describe("Pass as `?cursor=` to read the next page; null on the last page"),
  })
  .meta({
    id: "MyPayoutCollection",
    description: "The payouts that paid the participant, newest first",
  });
