import { z } from "zod";
import { participantSchema } from "./schemas.ts";

const timestamp = z.iso.datetime();
const minor = z.number().int();
const count = z.number().int().nonnegative();

const conversionFields = {
  signups: count.describe("Signups attributed this way"),
  leads: count.describe("Leads attributed this way"),
  orders: count.describe("Orders attributed this way"),
  sales: minor.describe("Commissionable value of those orders"),
};

const linkFiguresSchema = z
  .strictObject({
    code: z.string().describe("The referral code the link carries"),
    url: z.url().describe("The link, as `referralLink`"),
    clicks: count.describe("Clicks on the link"),
    ...conversionFields,
    conversionRate: z.number().describe("orders / clicks in percent, 2 decimals; 0 without clicks"),
  })
  .describe("What a referral link brought: the conversions its clicks attributed");

const codeFiguresSchema = z
  .strictObject({ code: z.string().describe("The referral code"), ...conversionFields })
  .describe("What a referral code brought when it was typed at checkout or on a signup");

const bySourceSchema = z
  .strictObject({
    links: z
      .array(linkFiguresSchema)
      .describe("Per referral link (a participant has one today: their `referralLink`)"),
    codes: z
      .array(codeFiguresSchema)
      .describe("Per referral code (a participant has one today: their `referralCode`)"),
    direct: z
      .strictObject(conversionFields)
      .describe("Named outright (the event's `participant`), or from a customer bound to them"),
  })
  .describe(
    "The period's signups, leads, orders and sales by what attributed them to the " +
      "participant; links, codes and direct add up to the totals",
  );

/** The participant's own traffic and earnings over a period, for the portal. */
export const participantStatsSchema = z
  .strictObject({
    from: timestamp.describe("The period's start, inclusive"),
    to: timestamp.describe("The period's end, exclusive"),
    currency: z.string(),
    clicks: count.describe("Clicks on the participant's referral link"),
    signups: count.describe("Signups attributed to the participant"),
    leads: count.describe("Leads attributed to the participant"),
    orders: count.describe("Orders attributed to the participant"),
    sales: minor.describe("Commissionable value of those orders"),
    conversionRate: z.number().describe("orders / clicks in percent, 2 decimals; 0 without clicks"),
    earnings: minor.describe(
      "Cash earned: commissions and cash rewards, less refunds and rejected reviews, at the time of the event that caused each",
    ),
    bySource: bySourceSchema,
  })
  .meta({ id: "ParticipantStats" });

export const meSchema = participantSchema
  .extend({
    recruitmentLink: z
      .url()
      .nullable()
      .describe(
        "The program's application page with the participant as sponsor " +
          "(`/apply/{programId}?via={referralCode}`): recruits who join through it sit below " +
          "the participant, whose share of the recruits' own sales pays; recruiting pays nothing " +
          "by itself. Null while the program's enrolment is closed, as its page takes no one",
      ),
    stats: participantStatsSchema,
  })
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
