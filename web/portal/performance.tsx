import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ok, type Client, type Schema } from "../shared/api.ts";
import { showsOnWhite } from "../shared/contrast.ts";
import { formatMoney, formatNumber } from "../shared/format.ts";
import { addDays, dayLabel, monthLabel, previousMonthStart, todayIn } from "./dates.ts";
import { QueryState, Section } from "./ui.tsx";

/** Figures change as orders arrive, but not by the second. */
const STATS_MS = 10_000;

const PERIODS = {
  last30: "Last 30 days",
  thisMonth: "This month",
  lastMonth: "Last month",
  thisYear: "This year",
  all: "All time",
  custom: "Custom range",
} as const;
type PeriodKey = keyof typeof PERIODS;

interface Range {
  from?: string;
  to?: string;
}

/** A chart of more days than this shows months, not weeks. */
const WEEKLY_DAYS = 92;

/** The local dates a period spans in the program's time zone; the API's default is the last 30 days. */
function rangeOf(period: PeriodKey, timeZone: string, custom: Required<Range>): Range {
  const today = todayIn(timeZone);
  const monthStart = `${today.slice(0, 8)}01`;
  switch (period) {
    case "last30":
      return {};
    case "thisMonth":
      return { from: monthStart, to: today };
    case "lastMonth":
      return { from: previousMonthStart(today), to: addDays(monthStart, -1) };
    case "thisYear":
      return { from: `${today.slice(0, 4)}-01-01`, to: today };
    case "all":
      // The earliest date the API takes; the chart starts at the first earning anyway.
      return { from: "1970-01-01", to: today };
    case "custom":
      return custom;
  }
}

function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

interface Props {
  client: Client;
  program: Schema<"MemberProgram">;
}

/** The participant's own figures and earnings chart for a period they choose. */
export function Performance({ client, program }: Props) {
  const [period, setPeriod] = useState<PeriodKey>("last30");
  const [custom, setCustom] = useState<Required<Range>>(() => {
    const today = todayIn(program.timezone);
    return { from: addDays(today, -29), to: today };
  });
  const selectId = useId();
  const fromId = useId();
  const toId = useId();
  const range = rangeOf(period, program.timezone, custom);
  // A custom range is asked for only once both dates are there and in order.
  const backwards = period === "custom" && custom.from > custom.to;
  const complete = period !== "custom" || (custom.from !== "" && custom.to !== "" && !backwards);
  const long =
    period === "all" ||
    period === "thisYear" ||
    (period === "custom" && complete && daysBetween(custom.from, custom.to) > WEEKLY_DAYS);
  const interval = long ? "month" : "week";
  const label = period === "custom" ? `${custom.from} to ${custom.to}` : PERIODS[period];
  const stats = useQuery({
    queryKey: ["stats", period, range.from, range.to],
    queryFn: () => ok(client.GET("/v1/me", { params: { query: range } })),
    refetchInterval: STATS_MS,
    enabled: complete,
  });
  const earnings = useQuery({
    queryKey: ["earnings", period, range.from, range.to, interval],
    queryFn: () => ok(client.GET("/v1/me/earnings", { params: { query: { ...range, interval } } })),
    refetchInterval: STATS_MS,
    enabled: complete,
  });
  const dateClass =
    "min-h-11 rounded-md border border-slate-400 bg-white px-2 text-slate-900 focus-visible:outline-2 focus-visible:outline-blue-700";
  return (
    <Section id="performance" title="Your performance">
      <div className="mb-4 flex flex-wrap items-center gap-2">
        <label htmlFor={selectId} className="text-sm font-medium text-slate-800">
          Period
        </label>
        <select
          id={selectId}
          value={period}
          onChange={(e) => setPeriod(e.currentTarget.value as PeriodKey)}
          className={dateClass}
        >
          {Object.entries(PERIODS).map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
        {period === "custom" && (
          <>
            <label htmlFor={fromId} className="text-sm font-medium text-slate-800">
              From
            </label>
            <input
              id={fromId}
              type="date"
              value={custom.from}
              max={custom.to || undefined}
              onChange={(e) => setCustom({ ...custom, from: e.currentTarget.value })}
              className={dateClass}
            />
            <label htmlFor={toId} className="text-sm font-medium text-slate-800">
              To
            </label>
            <input
              id={toId}
              type="date"
              value={custom.to}
              min={custom.from || undefined}
              onChange={(e) => setCustom({ ...custom, to: e.currentTarget.value })}
              className={dateClass}
            />
          </>
        )}
      </div>
      {!complete ? (
        <p role="alert" className="text-red-800">
          {backwards
            ? "The start date comes after the end date: pick a start on or before the end."
            : "Pick both a start and an end date."}
        </p>
      ) : (
        <>
          <QueryState what="your figures" {...stats} retry={() => void stats.refetch()}>
            {() =>
              stats.data ? (
                <>
                  <Figures stats={stats.data.stats} program={program} />
                  <SourceTable stats={stats.data.stats} program={program} />
                </>
              ) : null
            }
          </QueryState>
          <h3 className="mt-5 mb-2 font-medium text-slate-900">
            Cash earned per {interval === "week" ? "week" : "month"}
          </h3>
          <QueryState what="your earnings" {...earnings} retry={() => void earnings.refetch()}>
            {() =>
              earnings.data ? (
                <EarningsChart series={earnings.data} program={program} label={label} />
              ) : null
            }
          </QueryState>
        </>
      )}
    </Section>
  );
}

function Figures({
  stats,
  program,
}: {
  stats: Schema<"ParticipantStats">;
  program: Props["program"];
}) {
  const money = (n: number) => formatMoney(n, stats.currency || program.currency);
  const figures: [key: string, label: string, value: string][] = [
    ["clicks", "Clicks", formatNumber(stats.clicks)],
    ["signups", "Signups", formatNumber(stats.signups)],
    ["leads", "Leads", formatNumber(stats.leads)],
    ["orders", "Orders", formatNumber(stats.orders)],
    ["sales", "Sales", money(stats.sales)],
    ["conversionRate", "Conversion rate", `${formatNumber(stats.conversionRate)}%`],
    ["earnings", "Earnings", money(stats.earnings)],
  ];
  return (
    <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4 xl:grid-cols-7">
      {figures.map(([key, label, value]) => (
        <div key={key} className="rounded-md bg-slate-100 p-2">
          <dt className="text-sm text-slate-700">{label}</dt>
          <dd className="text-lg font-semibold break-words text-slate-900" data-stat={key}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A cell with no figure: a dash to the eye, words to a screen reader. */
function NoFigure() {
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="sr-only">not counted</span>
    </>
  );
}

type SourceRow = Schema<"ParticipantStats">["bySource"]["direct"] & {
  key: string;
  source: string;
  /** Null where clicks do not apply: a code typed, a participant named. */
  clicks: number | null;
  rate: number | null;
};

/** What each link, each code and everything else brought in the period. */
function SourceTable({
  stats,
  program,
}: {
  stats: Schema<"ParticipantStats">;
  program: Props["program"];
}) {
  const money = (n: number) => formatMoney(n, stats.currency || program.currency);
  const { links, codes, direct } = stats.bySource;
  const rows: SourceRow[] = [
    ...links.map((link) => ({
      ...link,
      key: `link:${link.code}`,
      source: `Link ${link.code}`,
      rate: link.conversionRate,
    })),
    ...codes.map((code) => ({
      ...code,
      key: `code:${code.code}`,
      source: `Code ${code.code} typed at checkout`,
      clicks: null,
      rate: null,
    })),
    {
      ...direct,
      key: "direct",
      source: "Named you or a returning customer",
      clicks: null,
      rate: null,
    },
  ];
  const cell = "px-2 py-1 text-right tabular-nums";
  const captionId = useId();
  // Positioned, so the screen-reader-only words in its cells scroll with it
  // instead of widening the page.
  return (
    <div
      className="relative mt-4 overflow-x-auto focus-visible:outline-2 focus-visible:outline-blue-700"
      role="region"
      aria-labelledby={captionId}
      tabIndex={0}
    >
      <table className="w-full min-w-[36rem] text-sm text-slate-900">
        <caption id={captionId} className="mb-1 text-left font-medium text-slate-900">
          Where your conversions came from
        </caption>
        <thead className="border-b border-slate-300 text-slate-700">
          <tr>
            <th scope="col" className="px-2 py-1 text-left font-medium">
              Source
            </th>
            {["Clicks", "Signups", "Leads", "Orders", "Sales", "Conversion"].map((h) => (
              <th key={h} scope="col" className="px-2 py-1 text-right font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200">
          {rows.map((row) => (
            <tr key={row.key} data-source={row.key}>
              <th scope="row" className="px-2 py-1 text-left font-normal break-all">
                {row.source}
              </th>
              <td className={cell}>
                {row.clicks === null ? <NoFigure /> : formatNumber(row.clicks)}
              </td>
              <td className={cell}>{formatNumber(row.signups)}</td>
              <td className={cell}>{formatNumber(row.leads)}</td>
              <td className={cell}>{formatNumber(row.orders)}</td>
              <td className={cell}>{money(row.sales)}</td>
              <td className={cell}>
                {row.rate === null ? <NoFigure /> : `${formatNumber(row.rate)}%`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EarningsChart({
  series,
  program,
  label,
}: {
  series: Schema<"EarningsSeries">;
  program: Props["program"];
  label: string;
}) {
  const money = (n: number) => formatMoney(n, series.currency || program.currency);
  const bucketLabel = (start: string) =>
    series.interval === "month" ? monthLabel(start) : `Week of ${dayLabel(start, true)}`;
  const tick = (start: string) =>
    series.interval === "month" ? monthLabel(start) : dayLabel(start);
  const total = series.items.reduce((sum, b) => sum + b.amount, 0);
  if (series.items.every((b) => b.amount === 0))
    return (
      <p className="text-slate-600" data-chart="empty">
        No cash earned in this period yet.
      </p>
    );
  // The brand's colour where it shows on white; a dark slate otherwise.
  const color = program.branding.color;
  const fill = color && showsOnWhite(color) ? color : "#334155";
  return (
    <figure>
      <div
        className="h-56 w-full"
        role="img"
        aria-label={`Cash earned per ${series.interval}, ${label.toLowerCase()}: ${money(total)} in all`}
        data-chart="earnings"
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={series.items} margin={{ left: 4, right: 4, top: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="start" tickFormatter={tick} fontSize={12} minTickGap={12} />
            <YAxis tickFormatter={(v: number) => money(v)} fontSize={12} width={72} />
            <Tooltip
              labelFormatter={(start) => bucketLabel(String(start))}
              formatter={(value) => [money(Number(value)), "Earned"]}
            />
            <Bar dataKey="amount" name="Earned" fill={fill} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      {/* The chart's figures for screen readers, which cannot read bars. */}
      <table className="sr-only">
        <caption>Cash earned per {series.interval}</caption>
        <thead>
          <tr>
            <th scope="col">{series.interval === "month" ? "Month" : "Week"}</th>
            <th scope="col">Earned</th>
          </tr>
        </thead>
        <tbody>
          {series.items.map((b) => (
            <tr key={b.start} data-bucket={b.start}>
              <th scope="row">{bucketLabel(b.start)}</th>
              <td>{money(b.amount)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

const PAYOUT_STATUS: Record<Schema<"MyPayout">["status"], string> = {
  created: "Being prepared",
  exported: "On its way",
  paid: "Paid",
};

/** The payouts that paid the participant, newest first. */
export function PayoutHistory({ client, program }: Props) {
  const query = useQuery({
    queryKey: ["payouts"],
    queryFn: () => ok(client.GET("/v1/me/payouts", { params: { query: { limit: 100 } } })),
    refetchInterval: STATS_MS * 3,
  });
  return (
    <Section id="payouts" title="Payouts">
      <QueryState what="your payouts" {...query} retry={() => void query.refetch()}>
        {() => {
          const payouts = query.data?.items ?? [];
          if (payouts.length === 0)
            return (
              <p className="text-slate-600">
                No payouts yet: available cash is paid out in the program's next payout.
              </p>
            );
          return (
            <ul className="divide-y divide-slate-200">
              {payouts.map((p) => (
                <li
                  key={p.id}
                  data-payout={p.id}
                  className="flex flex-wrap justify-between gap-x-3 py-2"
                >
                  <div className="min-w-0">
                    <p className="text-slate-900">
                      {new Intl.DateTimeFormat(undefined, {
                        dateStyle: "medium",
                        timeZone: program.timezone,
                      }).format(new Date(p.createdAt))}
                    </p>
                    <p className="text-sm break-all text-slate-700">
                      <span data-payout-status={p.status}>{PAYOUT_STATUS[p.status]}</span> ·
                      Reference {p.reference}
                    </p>
                  </div>
                  <p className="font-medium text-slate-900">
                    {formatMoney(p.amount, p.currency || program.currency)}
                  </p>
                </li>
              ))}
            </ul>
          );
        }}
      </QueryState>
    </Section>
  );
}
