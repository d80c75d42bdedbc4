import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { Schema } from "../shared/api.ts";
import { formatDate, formatMoney, formatNumber } from "../shared/format.ts";
import { localMidnightIso } from "./dates.ts";

type Day = Schema<"TimeSeries">["days"][number];

/**
 * The Overview's day-by-day lines. Recharts is most of the Overview's
 * script, so this module is imported lazily: the figures and tables paint
 * without it, and it fills whatever fixed-size frame the Overview gives it.
 */
export function SalesChart({
  days,
  currency,
  timeZone,
}: {
  days: Day[];
  currency: string;
  timeZone: string;
}) {
  const money = (minor: number) => formatMoney(minor, currency);
  // A chart day is a local date: its midnight in the zone formats back to that same day.
  const dayLabel = (day: string) =>
    formatDate(localMidnightIso(day, timeZone), timeZone).replace(/,? \d{4}$/, "");
  return (
    <div className="h-full" role="img" aria-label="Sales and commissions per day">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={days} margin={{ left: 8, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" tickFormatter={dayLabel} fontSize={12} />
          <YAxis yAxisId="money" tickFormatter={(v: number) => money(v)} fontSize={12} width={80} />
          <YAxis yAxisId="count" orientation="right" allowDecimals={false} fontSize={12} />
          <Tooltip
            labelFormatter={(day) => dayLabel(String(day))}
            formatter={(value, name) =>
              name === "Sales" || name === "Commissions"
                ? money(Number(value))
                : formatNumber(Number(value))
            }
          />
          <Legend />
          <Line yAxisId="money" dataKey="sales" name="Sales" stroke="#047857" dot={false} />
          <Line
            yAxisId="money"
            dataKey="commissions"
            name="Commissions"
            stroke="#b45309"
            dot={false}
          />
          <Line yAxisId="count" dataKey="orders" name="Orders" stroke="#1d4ed8" dot={false} />
          <Line yAxisId="count" dataKey="clicks" name="Clicks" stroke="#64748b" dot={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
