/** The wire shapes the portal reads (see API.md, Reading and /v1/me). */

export interface Me {
  id: string;
  externalId: string;
  name: string | null;
  email: string | null;
  referralCode: string;
  referralLink: string;
}

export interface ProgramInfo {
  id: string;
  name: string;
  currency: string;
  timezone: string;
}

export type { Balances, Progress, ProgressStep as Step } from "../shared/progress.ts";

export interface LedgerEntry {
  id: string;
  asset: "cash" | "points" | "product";
  amount: number;
  status: string;
  createdAt: string;
  cause: { type: string; eventId: string | null; orderId?: string | null; level: number | null };
  product?: { sku: string | null; voucherCode: string | null };
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface DownlineMember {
  id: string;
  externalId: string;
  name: string | null;
  status: string;
  depth: number;
  orders: number;
  sales: number;
}

export interface Leaderboard {
  period: { key: string; start: string; end: string };
  currency: string;
  ranked: number;
  you: { rank: number | null; sales: number; orders: number };
  top: { rank: number; externalId: string; name: string | null; sales: number; you: boolean }[];
}
