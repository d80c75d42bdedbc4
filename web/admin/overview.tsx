import { useQuery } from "@tanstack/react-query";
import { Suspense, lazy, useEffect, useState, type ReactNode } from "react";
import { ok, type Schema } from "../shared/api.ts";
import { formatDate, formatMoney, formatNumber } from "../shared/format.ts";
import {
  PRESETS,
  addDays,
  daysIn,
  localDateOf,
  localMidnightIso,
  presetRange,
  todayIn,
  type Preset,
} from "./dates.ts";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import { SetupLink } from "./setup.tsx";
import {
  Card,
  Empty,
  ErrorMessage,
  Field,
  LoadFailure,
  Loading,
  TableScroll,
  inputClass,
  PillChoice,
} from "./ui.tsx";

type Summary = Schema<"Summary">;
type Figures = Schema<"SummaryFigures">;

// Recharts is about half of what the Overview would load: the chart comes in
// its own chunk, asked for as the screen opens so that it arrives alongside
// the figures, which never wait for it.
const loadSalesChart = () => import("./sales-chart.tsx");
const SalesChart = lazy(() => loadSalesChart().then((m) => ({ default: m.SalesChart })));

const levelName = (level: number) =>
  level === 1 ? "Seller" : level === 2 ? "Sponsor" : `Upline ${level - 1}`;

/** Which way is good for a figure: more sales are, more refunds are not; commissions are neither. */
type Better = "up" | "down" | "neither";

/**
 * A figure against the period before: an arrow and the word for its
 * direction, the change in percent (points, for a rate), and what it was, so
 * the colour is never the only sign of which way it went.
 */
function Change({
  now,
  before,
  better,
  show,
  points = false,
}: {
  now: number;
  before: number;
  better: Better;
  show: (value: number) => string;
  points?: boolean;
}) {
  const was = <span className="text-slate-600"> (was {show(before)})</span>;
  if (now === before)
    return (
      <p className="text-xs text-slate-600">
        <span aria-hidden>= </span>No change{was}
      </p>
    );
  const up = now > before;
  const size = points
    ? `${formatNumber(Math.round(Math.abs(now - before) * 100) / 100)} pts`
    : before === 0
      ? null
      : `${formatNumber(Math.round((Math.abs(now - before) * 1000) / Math.abs(before)) / 10)}%`;
  const tone =
    better === "neither"
      ? "text-slate-700"
      : up === (better === "up")
        ? "text-emerald-800"
        : "text-red-700";
  return (
    <p className={`text-xs ${tone}`}>
      <span aria-hidden>{up ? "▲ " : "▼ "}</span>
      {up ? "Up" : "Down"}
      {size === null ? " from none" : ` ${size}`}
      {was}
    </p>
  );
}

function Figure({
  label,
  value,
  detail,
  change,
}: {
  label: string;
  value: string;
  detail?: string;
  change: ReactNode;
}) {
  const id = `figure-${label.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <div
      role="group"
      aria-labelledby={id}
      className="min-w-0 rounded-lg border border-slate-200 bg-white p-3"
    >
      <p id={id} className="text-xs text-slate-600">
        {label}
      </p>
      <p className="text-lg font-semibold">{value}</p>
      {detail && <p className="text-xs text-slate-600">{detail}</p>}
      {change}
    </div>
  );
}

export function Overview({ program }: { program: Program }) {
  const today = todayIn(program.timezone);
  const [preset, setPreset] = useState<Preset | "custom">("last30");
  const [range, setRange] = useState(() => presetRange("last30", today));
  const { from, to } = range;
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
  useEffect(() => {
    // Failing here, the chunk fails again when the chart renders, and its frame says so.
    loadSalesChart().catch(() => undefined);
  }, []);
  const choose = (next: Preset) => {
    setPreset(next);
    setRange(presetRange(next, today));
  };
  const s = summary.data;
  const presetLabel = PRESETS.find(([key]) => key === preset)?.[1] ?? "Custom range";
  return (
    <div className="flex min-w-0 flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 className="text-xl font-semibold">Overview</h2>
        <form className="flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()}>
          <Field id="from" label="From">
            <input
              id="from"
              type="date"
              className={inputClass}
              value={from}
              max={to}
              onChange={(e) => {
                setPreset("custom");
                setRange({ from: e.target.value, to });
              }}
            />
          </Field>
          <Field id="to" label="To">
            <input
              id="to"
              type="date"
              className={inputClass}
              value={to}
              min={from}
              onChange={(e) => {
                setPreset("custom");
                setRange({ from, to: e.target.value });
              }}
            />
          </Field>
        </form>
      </div>
      <PillChoice label="Period" choices={PRESETS} chosen={preset} onChoose={choose} />
      <SetupLink program={program} />
      <p className="text-xs text-slate-600">
        Days in {program.timezone}; amounts in {program.currency}.
      </p>
      {!valid && <ErrorMessage error={new Error("Choose a From date on or before the To date.")} />}
      {summary.isLoading && <Loading what="the summary" />}
      <ErrorMessage error={summary.error} />
      <p aria-live="polite" className="text-sm text-slate-700">
        {s && valid ? periodSentence(presetLabel, from, to, s, program.timezone) : ""}
      </p>
      {s && <FigureCards summary={s} money={money} />}
      <Card title="Day by day">
        {series.error ? (
          <ErrorMessage error={series.error} />
        ) : series.data &&
          series.data.days.every((d) => d.clicks === 0 && d.orders === 0 && d.commissions === 0) ? (
          <Empty>No clicks, orders or commissions in this range.</Empty>
        ) : series.data || series.isLoading ? (
          // The chart's height is held while its days or its code are on the
          // way, so nothing below it moves when it draws.
          <div className="h-64">
            {series.data ? (
              <LoadFailure what="The chart">
                <Suspense fallback={<Loading what="the chart" />}>
                  <SalesChart
                    days={series.data.days}
                    currency={program.currency}
                    timeZone={program.timezone}
                  />
                </Suspense>
              </LoadFailure>
            ) : (
              <Loading what="the chart" />
            )}
          </div>
        ) : null}
      </Card>
      {s && (
        <div className="grid min-w-0 grid-cols-1 gap-4 lg:grid-cols-2">
          <Card title="How conversions came">
            <SourcesTable summary={s} money={money} />
          </Card>
          <Card title="By upline level">
            {s.byLevel.length === 0 ? (
              <Empty>No commissions in this range.</Empty>
            ) : (
              <TableScroll label="Sales and commissions by upline level">
                <table className="w-full text-sm">
                  <thead>
                    <tr className="text-left text-slate-600">
                      <th className="py-1 pr-3">Level</th>
                      <th className="py-1 pr-3 text-right">Sales</th>
                      <th className="py-1 pr-3 text-right">Commissions</th>
                      <th className="py-1 text-right">Participants paid</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.byLevel.map((l) => (
                      <tr key={l.level} className="border-t">
                        <th scope="row" className="py-1 pr-3 text-left font-normal">
                          {levelName(l.level)}
                        </th>
                        <td className="py-1 pr-3 text-right">{money(l.sales)}</td>
                        <td className="py-1 pr-3 text-right">{money(l.commissions)}</td>
                        <td className="py-1 text-right">{formatNumber(l.participants)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
          </Card>
          <Card title="Goals">
            <GoalsTable summary={s} money={money} />
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

function periodSentence(
  label: string,
  from: string,
  to: string,
  summary: Summary,
  timeZone: string,
): string {
  const day = (date: string) => formatDate(localMidnightIso(date, timeZone), timeZone);
  const span = (a: string, b: string) => (a === b ? day(a) : `${day(a)} to ${day(b)}`);
  const shown = `${label}: ${span(from, to)}.`;
  const previous = summary.previous;
  if (!previous) return shown;
  // The comparison's `to` is exclusive: its last day is the one before it.
  const before = span(
    localDateOf(previous.from, timeZone),
    addDays(localDateOf(previous.to, timeZone), -1),
  );
  const days = daysIn(from, to);
  return `${shown} Compared with the ${days === 1 ? "day" : `${days} days`} before, ${before}.`;
}

function FigureCards({ summary, money }: { summary: Summary; money: (minor: number) => string }) {
  const was: Figures | null = summary.previous;
  const links = summary.conversionBySource.links;
  const percent = (value: number) => `${formatNumber(value)}%`;
  // Each card is its figure over the period, shown as `show` shows it, and
  // against the period before when there is one.
  const figures: {
    label: string;
    pick: (f: Figures) => number;
    better: Better;
    show: (value: number) => string;
    points?: boolean;
    detail?: string;
  }[] = [
    { label: "Sales", pick: (f) => f.sales, better: "up", show: money },
    { label: "Orders", pick: (f) => f.orders, better: "up", show: formatNumber },
    { label: "Clicks", pick: (f) => f.clicks, better: "up", show: formatNumber },
    { label: "Signups", pick: (f) => f.signups, better: "up", show: formatNumber },
    { label: "Leads", pick: (f) => f.leads, better: "up", show: formatNumber },
    {
      label: "Conversion",
      pick: (f) => f.conversionRate,
      better: "up",
      show: percent,
      points: true,
      detail: `${formatNumber(links.orders)} ${links.orders === 1 ? "order" : "orders"} through a link, of ${formatNumber(links.clicks)} ${links.clicks === 1 ? "click" : "clicks"}`,
    },
    {
      label: "Refunds",
      pick: (f) => f.refunds,
      better: "down",
      show: money,
      detail: `${formatNumber(summary.refundCount)} ${summary.refundCount === 1 ? "refund" : "refunds"}`,
    },
    { label: "Commissions", pick: (f) => f.commissions, better: "neither", show: money },
    {
      label: "Active participants",
      pick: (f) => f.activeParticipants,
      better: "up",
      show: formatNumber,
    },
  ];
  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
      {figures.map(({ label, pick, better, show, points = false, detail }) => (
        <Figure
          key={label}
          label={label}
          value={show(pick(summary))}
          detail={detail}
          change={
            was ? (
              <Change
                now={pick(summary)}
                before={pick(was)}
                better={better}
                show={show}
                points={points}
              />
            ) : null
          }
        />
      ))}
    </div>
  );
}

function SourcesTable({ summary, money }: { summary: Summary; money: (minor: number) => string }) {
  const { links, codes, direct } = summary.conversionBySource;
  const rows = [
    ["Referral links", links, `${formatNumber(links.conversionRate)}%`],
    ["Codes", codes, "not from a click"],
    ["Direct (named or bound customer)", direct, "not from a click"],
  ] as const;
  return (
    <TableScroll label="Conversions by how they came">
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-slate-600">
            <th className="py-1 pr-3">Source</th>
            <th className="py-1 pr-3 text-right">Signups</th>
            <th className="py-1 pr-3 text-right">Leads</th>
            <th className="py-1 pr-3 text-right">Orders</th>
            <th className="py-1 pr-3 text-right">Sales</th>
            <th className="py-1 text-right">Conversion</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, figures, conversion]) => (
            <tr key={label} className="border-t">
              <th scope="row" className="py-1 pr-3 text-left font-normal">
                {label}
              </th>
              <td className="py-1 pr-3 text-right">{formatNumber(figures.signups)}</td>
              <td className="py-1 pr-3 text-right">{formatNumber(figures.leads)}</td>
              <td className="py-1 pr-3 text-right">{formatNumber(figures.orders)}</td>
              <td className="py-1 pr-3 text-right">{money(figures.sales)}</td>
              <td className="py-1 text-right">{conversion}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function GoalsTable({ summary, money }: { summary: Summary; money: (minor: number) => string }) {
  if (summary.goals.length === 0) return <Empty>No goals running.</Empty>;
  const paid = ({ cash, points, products }: Summary["goals"][number]["rewardsPaid"]) => {
    const parts = [
      cash > 0 ? money(cash) : null,
      points > 0 ? `${formatNumber(points)} points` : null,
      products > 0 ? `${formatNumber(products)} ${products === 1 ? "product" : "products"}` : null,
    ].filter((part) => part !== null);
    return parts.length === 0 ? "Nothing yet" : parts.join(", ");
  };
  return (
    <TableScroll label="Goals: progress and rewards">
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-slate-600">
            <th className="py-1 pr-3">Goal</th>
            <th className="py-1 pr-3 text-right">Progressing</th>
            <th className="py-1 pr-3 text-right">Reached</th>
            <th className="py-1 pr-3">By step</th>
            <th className="py-1">Rewards paid</th>
          </tr>
        </thead>
        <tbody>
          {summary.goals.map((g) => (
            <tr key={g.goalId} className="border-t align-top">
              <th scope="row" className="py-1 pr-3 text-left font-normal">
                <Link to={`/goals/${g.goalId}`} className="text-emerald-800 underline">
                  {g.name}
                </Link>
              </th>
              <td className="py-1 pr-3 text-right">{formatNumber(g.participantsProgressing)}</td>
              <td className="py-1 pr-3 text-right">{formatNumber(g.participantsReached)}</td>
              <td className="py-1 pr-3 whitespace-nowrap">
                {g.byStep
                  .map((step) => `Step ${step.step}: ${formatNumber(step.reached)}`)
                  .join(", ")}
              </td>
              <td className="py-1">{paid(g.rewardsPaid)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
