import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
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
import { ok } from "../shared/api.ts";
import { formatDate, formatMoney, formatNumber } from "../shared/format.ts";
import { addDays, localMidnightIso, todayIn } from "./dates.ts";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import { SetupLink } from "./setup.tsx";
import { Card, Empty, ErrorMessage, Field, Loading, inputClass } from "./ui.tsx";

const levelName = (level: number) =>
  level === 1 ? "Seller" : level === 2 ? "Sponsor" : `Upline ${level - 1}`;

export function Overview({ program }: { program: Program }) {
  const today = todayIn(program.timezone);
  const [from, setFrom] = useState(addDays(today, -29));
  const [to, setTo] = useState(today);
  const params = { path: { programId: program.id }, query: { from, to } };
  const valid = from !== "" && to !== "" && from <= to;
  const summary = useQuery({
    queryKey: ["summary", program.id, from, to],
    queryFn: () => ok(api.GET("/v1/programs/{programId}/reports/summary", { params })),
    enabled: valid,
  });
  const series = useQuery({
    queryKey: ["timeseries", program.id, from, to],
    queryFn: () => ok(api.GET("/v1/programs/{programId}/reports/timeseries", { params })),
    enabled: valid,
  });
  const money = (minor: number) => formatMoney(minor, program.currency);
  // A chart day is a local date: its midnight in the zone formats back to that same day.
  const dayLabel = (day: string) =>
    formatDate(localMidnightIso(day, program.timezone), program.timezone).replace(/,? \d{4}$/, "");
  const s = summary.data;
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 className="text-xl font-semibold">Overview</h2>
        <form className="flex flex-wrap gap-3" onSubmit={(e) => e.preventDefault()}>
          <Field id="from" label="From">
            <input
              id="from"
              type="date"
              className={inputClass}
              value={from}
              max={to}
              onChange={(e) => setFrom(e.target.value)}
            />
          </Field>
          <Field id="to" label="To">
            <input
              id="to"
              type="date"
              className={inputClass}
              value={to}
              min={from}
              onChange={(e) => setTo(e.target.value)}
            />
          </Field>
        </form>
      </div>
      <SetupLink program={program} />
      <p className="text-xs text-slate-500">
        Days in {program.timezone}; amounts in {program.currency}.
      </p>
      {!valid && <ErrorMessage error={new Error("Choose a From date on or before the To date.")} />}
      {summary.isLoading && <Loading what="the summary" />}
      <ErrorMessage error={summary.error} />
      {s && (
        <>
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
            {(
              [
                ["Clicks", formatNumber(s.clicks)],
                ["Orders", formatNumber(s.orders)],
                ["Conversion rate", `${formatNumber(s.conversionRate)}%`],
                ["Sales", money(s.sales)],
                ["Commissions", money(s.commissions)],
                ["Active participants", formatNumber(s.activeParticipants)],
              ] as const
            ).map(([label, value]) => (
              <div key={label} className="rounded-lg border border-slate-200 bg-white p-3">
                <dt className="text-xs text-slate-500">{label}</dt>
                <dd className="text-lg font-semibold" aria-label={label}>
                  {value}
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
      <Card title="Day by day">
        {series.isLoading ? (
          <Loading what="the chart" />
        ) : series.error ? (
          <ErrorMessage error={series.error} />
        ) : series.data &&
          series.data.days.every((d) => d.clicks === 0 && d.orders === 0 && d.commissions === 0) ? (
          <Empty>No clicks, orders or commissions in this range.</Empty>
        ) : series.data ? (
          <div className="h-64" role="img" aria-label="Sales and commissions per day">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={series.data.days} margin={{ left: 8, right: 8 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" tickFormatter={dayLabel} fontSize={12} />
                <YAxis
                  yAxisId="money"
                  tickFormatter={(v: number) => money(v)}
                  fontSize={12}
                  width={80}
                />
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
        ) : null}
      </Card>
      {s && (
        <div className="grid gap-4 lg:grid-cols-2">
          <Card title="Commissions by upline level">
            {s.commissionsByLevel.length === 0 ? (
              <Empty>No commissions in this range.</Empty>
            ) : (
              <table className="w-full text-sm">
                <thead>
                  <tr className="text-left text-slate-500">
                    <th className="py-1">Level</th>
                    <th className="py-1 text-right">Amount</th>
                  </tr>
                </thead>
                <tbody>
                  {s.commissionsByLevel.map((l) => (
                    <tr key={l.level} className="border-t">
                      <td className="py-1">{levelName(l.level)}</td>
                      <td className="py-1 text-right">{money(l.amount)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          <Card title="Top performers">
            {s.topPerformers.length === 0 ? (
              <Empty>No attributed sales in this range.</Empty>
            ) : (
              <div className="overflow-x-auto">
                <table className="w-full text-sm">
                  <thead>
                    <tr className="text-left text-slate-500">
                      <th className="py-1">Participant</th>
                      <th className="py-1 text-right">Orders</th>
                      <th className="py-1 text-right">Sales</th>
                      <th className="py-1 text-right">Commissions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.topPerformers.map((p) => (
                      <tr key={p.participantId} className="border-t">
                        <td className="py-1">
                          <Link
                            to={`/participants/${p.participantId}`}
                            className="text-emerald-800 underline"
                          >
                            {p.name ?? p.externalId}
                          </Link>
                        </td>
                        <td className="py-1 text-right">{formatNumber(p.orders)}</td>
                        <td className="py-1 text-right">{money(p.sales)}</td>
                        <td className="py-1 text-right">{money(p.commissions)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </div>
      )}
    </div>
  );
}
