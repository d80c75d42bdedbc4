import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatMoney } from "../shared/format.ts";

/** One month of commissions, booked and simulated, in minor units. */
export interface MonthPair {
  month: string;
  actual: number;
  simulated: number;
}

/**
 * The What if? screen's commissions by month, booked beside simulated.
 * Recharts is most of the screen's script, so this module is imported lazily
 * and fills whatever fixed-size frame the screen gives it.
 */
export function WhatIfChart({ months, currency }: { months: MonthPair[]; currency: string }) {
  const money = (minor: number) => formatMoney(minor, currency);
  return (
    <div className="h-full" role="img" aria-label="Commissions by month, actual and simulated">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={months} margin={{ left: 8, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="month" fontSize={12} />
          <YAxis tickFormatter={(v: number) => money(v)} fontSize={12} width={80} />
          <Tooltip formatter={(value) => money(Number(value))} />
          <Legend />
          <Bar dataKey="actual" name="Actual" fill="#64748b" />
          <Bar dataKey="simulated" name="Simulated" fill="#047857" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
