import { participantExample } from "./examples.ts";

const PAYOUT = "pay_01JD4C1D3E5F7G9H1J3K5M7N9P";
const EARLIER_PAYOUT = "pay_01JCQ7B2D4F6H8K0M2P4R6T8V0";

export const participantStatsExample = {
  from: "2026-10-24T04:00:00.000Z",
  to: "2026-11-23T05:00:00.000Z",
  currency: "USD",
  clicks: 240,
  signups: 12,
  leads: 5,
  orders: 18,
  sales: 162000,
  conversionRate: 7.5,
  earnings: 16200,
  bySource: {
    links: [
      {
        code: participantExample.referralCode,
        url: participantExample.referralLink,
        clicks: 240,
        signups: 9,
        leads: 5,
        orders: 12,
        sales: 108000,
        conversionRate: 5,
      },
    ],
    codes: [
      { code: participantExample.referralCode, signups: 3, leads: 0, orders: 5, sales: 45000 },
    ],
    direct: { signups: 0, leads: 0, orders: 1, sales: 9000 },
  },
};

// The public base the example's referral link is on.
const base = participantExample.referralLink.slice(
  0,
  participantExample.referralLink.indexOf("/r/"),
);

export const meExample = {
  ...participantExample,
  recruitmentLink: `${base}/apply/${participantExample.programId}?via=${participantExample.referralCode}`,
  stats: participantStatsExample,
};

export const earningsSeriesExample = {
  from: "2026-10-24T04:00:00.000Z",
  to: "2026-11-23T05:00:00.000Z",
  currency: "USD",
  interval: "week",
  items: [
    { start: "2026-10-19", amount: 1800 },
    { start: "2026-10-26", amount: 4200 },
    { start: "2026-11-02", amount: 0 },
    { start: "2026-11-09", amount: 6000 },
    { start: "2026-11-16", amount: 4200 },
  ],
};

export const myPayoutCollectionExample = {
  items: [
    {
      id: PAYOUT,
      createdAt: "2026-11-10T09:30:00.000Z",
      amount: 12500,
      currency: "USD",
      reference: `${PAYOUT}-1`,
      status: "exported",
    },
    {
      id: EARLIER_PAYOUT,
      createdAt: "2026-10-10T09:30:00.000Z",
      amount: 8000,
      currency: "USD",
      reference: `${EARLIER_PAYOUT}-3`,
      status: "paid",
    },
  ],
  next: null,
};
