import { useMutation, useQuery } from "@tanstack/react-query";
import { Suspense, lazy, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError, ok, type Schema } from "../shared/api.ts";
import { formatDate, formatMoney, formatNumber } from "../shared/format.ts";
import { localMidnightIso, todayIn } from "./dates.ts";
import { api, type Program } from "./session.ts";
import {
  Button,
  Card,
  ConfirmDialog,
  Empty,
  ErrorMessage,
  Field,
  LoadFailure,
  Loading,
  TableScroll,
  inputClass,
  PillChoice,
} from "./ui.tsx";
import type { MonthPair } from "./what-if-chart.tsx";
import {
  PERIODS,
  canonical,
  periodInstants,
  periodRange,
  type Period,
  type WhatIfDraft,
} from "./what-if-draft.ts";

const loadChart = () => import("./what-if-chart.tsx");
const WhatIfChart = lazy(() => loadChart().then((m) => ({ default: m.WhatIfChart })));

type Figures = Schema<"SimulationFigures">;
type Delta = Schema<"SimulationDelta">;
type Mover = Delta["gainers"][number];
type Earning = Figures["topEarners"][number];

const signed = (n: number, show: (n: number) => string) => (n > 0 ? `+${show(n)}` : show(n));

function percentText(share: string | null): string {
  return share === null ? "No sales" : `${share}%`;
}

function pointsText(change: string | null): string {
  if (change === null) return "—";
  return `${change.startsWith("-") ? change : `+${change}`} pts`;
}

const levelName = (level: number) =>
  level === 1 ? "Seller" : level === 2 ? "Sponsor" : `Upline ${level - 1}`;

const who = (p: { name: string | null; externalId: string }) => p.name ?? p.externalId;

const cellClass = "py-1 pr-3 text-right tabular-nums";
const headClass = "py-1 pr-3 text-right font-medium";

/** One figure on both sides and the change, in a card of its own. */
function Compare({
  label,
  actual,
  simulated,
  change,
}: {
  label: string;
  actual: string;
  simulated: string;
  change: string;
}) {
  const id = `what-if-${label.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <section
      aria-labelledby={id}
      className="min-w-0 rounded-lg border border-slate-200 bg-white p-3"
    >
      <h4 id={id} className="text-xs font-semibold text-slate-700">
        {label}
      </h4>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 text-sm">
        <dt className="text-slate-600">Actual</dt>
        <dd className="text-right tabular-nums">{actual}</dd>
        <dt className="text-slate-600">Simulated</dt>
        <dd className="text-right font-semibold tabular-nums">{simulated}</dd>
        <dt className="text-slate-600">Change</dt>
        <dd className="text-right tabular-nums">{change}</dd>
      </dl>
    </section>
  );
}

/** Rows keyed by `key` from both sides, in first-seen order, with what each side had. */
function paired<T>(
  actual: readonly T[],
  simulated: readonly T[],
  key: (row: T) => string,
): { key: string; actual: T | undefined; simulated: T | undefined }[] {
  const rows = new Map<string, { key: string; actual: T | undefined; simulated: T | undefined }>();
  for (const row of actual)
    rows.set(key(row), { key: key(row), actual: row, simulated: undefined });
  for (const row of simulated) {
    const found = rows.get(key(row));
    if (found) found.simulated = row;
    else rows.set(key(row), { key: key(row), actual: undefined, simulated: row });
  }
  return [...rows.values()];
}

function MoversTable({
  label,
  movers,
  money,
}: {
  label: string;
  movers: Mover[];
  money: (minor: number) => string;
}) {
  if (movers.length === 0) return <Empty>No one.</Empty>;
  return (
    <TableScroll label={label}>
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-slate-600">
            <th className="py-1 pr-3 font-medium">Participant</th>
            <th className={headClass}>Actual</th>
            <th className={headClass}>Simulated</th>
            <th className={headClass}>Change</th>
          </tr>
        </thead>
        <tbody>
          {movers.map((m) => (
            <tr key={m.participantId} className="border-t">
              <th scope="row" className="py-1 pr-3 text-left font-normal break-words">
                {who(m)}
              </th>
              <td className={cellClass}>{money(m.actual)}</td>
              <td className={cellClass}>{money(m.simulated)}</td>
              <td className={cellClass}>{signed(m.change, money)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function EarnersTable({
  label,
  earners,
  money,
}: {
  label: string;
  earners: Earning[];
  money: (minor: number) => string;
}) {
  if (earners.length === 0) return <Empty>No one earned in this period.</Empty>;
  return (
    <TableScroll label={label}>
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-slate-600">
            <th className="py-1 pr-3 font-medium">Participant</th>
            <th className={headClass}>Commissions</th>
            <th className={headClass}>Cash</th>
            <th className={headClass}>Points</th>
            <th className={headClass}>Total</th>
          </tr>
        </thead>
        <tbody>
          {earners.map((e) => (
            <tr key={e.participantId} className="border-t">
              <th scope="row" className="py-1 pr-3 text-left font-normal break-words">
                {who(e)}
              </th>
              <td className={cellClass}>{money(e.commissions)}</td>
              <td className={cellClass}>{money(e.cash)}</td>
              <td className={cellClass}>{formatNumber(e.points)}</td>
              <td className={cellClass}>{money(e.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** The result of a finished simulation: both sides and the change, figure by figure. */
function Outcome({
  actual,
  simulated,
  delta,
  notes,
  currency,
}: {
  actual: Figures;
  simulated: Figures;
  delta: Delta;
  notes: string[];
  currency: string;
}) {
  const money = (minor: number) => formatMoney(minor, currency);
  const count = (n: number) => formatNumber(n);
  const months: MonthPair[] = paired(
    actual.commissionsByMonth,
    simulated.commissionsByMonth,
    (m) => m.month,
  )
    .map((m) => ({
      month: m.key,
      actual: m.actual?.amount ?? 0,
      simulated: m.simulated?.amount ?? 0,
    }))
    .sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  const levels = paired(actual.commissionsByLevel, simulated.commissionsByLevel, (l) =>
    String(l.level),
  ).sort((a, b) => Number(a.key) - Number(b.key));
  const steps = paired(
    actual.rewardsByGoal,
    simulated.rewardsByGoal,
    (r) => `${r.goalId}/${r.step}`,
  );
  return (
    <div className="flex min-w-0 flex-col gap-4">
      <div className="grid min-w-0 grid-cols-2 gap-3 lg:grid-cols-3">
        <Compare
          label="Commissions"
          actual={money(actual.commissions)}
          simulated={money(simulated.commissions)}
          change={signed(delta.commissions, money)}
        />
        <Compare
          label="Cash rewards"
          actual={money(actual.rewards.cash)}
          simulated={money(simulated.rewards.cash)}
          change={signed(delta.rewards.cash, money)}
        />
        <Compare
          label="Points rewarded"
          actual={count(actual.rewards.points)}
          simulated={count(simulated.rewards.points)}
          change={signed(delta.rewards.points, count)}
        />
        <Compare
          label="Free products"
          actual={count(actual.rewards.products)}
          simulated={count(simulated.rewards.products)}
          change={signed(delta.rewards.products, count)}
        />
        <Compare
          label="Participants paid"
          actual={count(actual.participantsPaid)}
          simulated={count(simulated.participantsPaid)}
          change={signed(delta.participantsPaid, count)}
        />
        <Compare
          label="Cost share of sales"
          actual={percentText(actual.costShare)}
          simulated={percentText(simulated.costShare)}
          change={pointsText(delta.costShare)}
        />
      </div>
      <p className="text-xs text-slate-600">
        Sales in the period: {money(actual.sales)}. Cost share is commissions and cash rewards as a
        percentage of sales.
      </p>

      <Card title="Commissions by month">
        {months.length === 0 ? (
          <Empty>No commissions in this period, on either side.</Empty>
        ) : (
          <>
            <div className="h-64">
              <LoadFailure what="The chart">
                <Suspense fallback={<Loading what="the chart" />}>
                  <WhatIfChart months={months} currency={currency} />
                </Suspense>
              </LoadFailure>
            </div>
            <details className="mt-2 text-sm">
              <summary className="cursor-pointer text-slate-700">The chart's figures</summary>
              <TableScroll label="Commissions by month, actual and simulated">
                <table className="w-full text-sm">
                  <thead>
                    <tr className="text-left text-slate-600">
                      <th className="py-1 pr-3 font-medium">Month</th>
                      <th className={headClass}>Actual</th>
                      <th className={headClass}>Simulated</th>
                      <th className={headClass}>Change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {months.map((m) => (
                      <tr key={m.month} className="border-t">
                        <th scope="row" className="py-1 pr-3 text-left font-normal">
                          {m.month}
                        </th>
                        <td className={cellClass}>{money(m.actual)}</td>
                        <td className={cellClass}>{money(m.simulated)}</td>
                        <td className={cellClass}>{signed(m.simulated - m.actual, money)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            </details>
          </>
        )}
      </Card>

      <div className="grid min-w-0 grid-cols-1 gap-4 lg:grid-cols-2">
        <Card title="Commissions by level">
          {levels.length === 0 ? (
            <Empty>No commissions in this period, on either side.</Empty>
          ) : (
            <TableScroll label="Commissions by level, actual and simulated">
              <table className="w-full text-sm">
                <thead>
                  <tr className="text-left text-slate-600">
                    <th className="py-1 pr-3 font-medium">Level</th>
                    <th className={headClass}>Actual</th>
                    <th className={headClass}>Simulated</th>
                    <th className={headClass}>Change</th>
                  </tr>
                </thead>
                <tbody>
                  {levels.map((l) => {
                    const a = l.actual?.amount ?? 0;
                    const s = l.simulated?.amount ?? 0;
                    return (
                      <tr key={l.key} className="border-t">
                        <th scope="row" className="py-1 pr-3 text-left font-normal">
                          {levelName(Number(l.key))}
                        </th>
                        <td className={cellClass}>{money(a)}</td>
                        <td className={cellClass}>{money(s)}</td>
                        <td className={cellClass}>{signed(s - a, money)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableScroll>
          )}
        </Card>

        <Card title="Rewards by goal step">
          {steps.length === 0 ? (
            <Empty>No goal granted a reward in this period, on either side.</Empty>
          ) : (
            <TableScroll label="Rewards by goal step, actual and simulated">
              <table className="w-full text-sm">
                <thead>
                  <tr className="text-left text-slate-600">
                    <th className="py-1 pr-3 font-medium">Goal step</th>
                    <th className="py-1 pr-3 font-medium">Side</th>
                    <th className={headClass}>Grants</th>
                    <th className={headClass}>Cash</th>
                    <th className={headClass}>Points</th>
                    <th className={headClass}>Products</th>
                  </tr>
                </thead>
                <tbody>
                  {steps.map((row) => {
                    const named = row.actual ?? row.simulated;
                    const title = named ? `${named.goalName}, step ${named.step}` : row.key;
                    return (["Actual", "Simulated"] as const).map((side, i) => {
                      const r = side === "Actual" ? row.actual : row.simulated;
                      return (
                        <tr key={`${row.key}/${side}`} className={i === 0 ? "border-t" : ""}>
                          {i === 0 && (
                            <th
                              scope="rowgroup"
                              rowSpan={2}
                              className="py-1 pr-3 text-left align-top font-normal break-words"
                            >
                              {title}
                            </th>
                          )}
                          <td className="py-1 pr-3 text-slate-600">{side}</td>
                          <td className={cellClass}>{count(r?.grants ?? 0)}</td>
                          <td className={cellClass}>{money(r?.cash ?? 0)}</td>
                          <td className={cellClass}>{count(r?.points ?? 0)}</td>
                          <td className={cellClass}>{count(r?.products ?? 0)}</td>
                        </tr>
                      );
                    });
                  })}
                </tbody>
              </table>
            </TableScroll>
          )}
        </Card>

        <Card title="Who gains most">
          <MoversTable label="Who gains most" movers={delta.gainers} money={money} />
        </Card>
        <Card title="Who loses most">
          <MoversTable label="Who loses most" movers={delta.losers} money={money} />
        </Card>
        <Card title="Top earners, actual">
          <EarnersTable label="Top earners, actual" earners={actual.topEarners} money={money} />
        </Card>
        <Card title="Top earners, simulated">
          <EarnersTable
            label="Top earners, simulated"
            earners={simulated.topEarners}
            money={money}
          />
        </Card>
      </div>

      {notes.length > 0 && (
        <Card title="What the replay could not reproduce">
          <ul className="list-disc pl-5 text-sm text-slate-700">
            {notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

/** A run as it was started: what it replays, so saving applies exactly that. */
interface Run {
  id: string;
  draft: WhatIfDraft;
  changes: readonly string[];
  range: { from: string; to: string };
}

/**
 * Where a form's What if? stands: closed, shown over the form, or behind
 * it (mounted, its result kept, while the form is shown again). Back from
 * it, focus returns to the button that opened it.
 */
export function useWhatIfPlace() {
  const [place, setPlace] = useState<"closed" | "shown" | "behind">("closed");
  const button = useRef<HTMLButtonElement>(null);
  const wasShown = useRef(false);
  useEffect(() => {
    if (wasShown.current && place !== "shown") button.current?.focus();
    wasShown.current = place === "shown";
  }, [place]);
  return [place, setPlace, button] as const;
}

/**
 * The What if? screen: the form's unsaved values replayed through a period
 * of the program's real history, actual against simulated, and a save of
 * exactly what was simulated. It stays mounted while the form is shown
 * again, so its result is still there, marked out of date once the form's
 * values are no longer the ones it ran with.
 */
export function WhatIf({
  program,
  draft,
  changes,
  hidden,
  subject,
  onSave,
  onBack,
}: {
  program: Program;
  /** What the form's values are now, as the simulation takes them. */
  draft: WhatIfDraft;
  /** The form's change in words, a line each, for the save's confirmation. */
  changes: readonly string[];
  hidden: boolean;
  /** What is being changed: "the program", "the goal “First sale”". */
  subject: string;
  /** Applies a draft that was simulated; the form then shows the saved values. */
  onSave: (draft: WhatIfDraft) => Promise<void>;
  onBack: () => void;
}) {
  const today = todayIn(program.timezone);
  const [period, setPeriod] = useState<Period | "custom">("last90");
  const [range, setRange] = useState(() => periodRange("last90", today));
  const [run, setRun] = useState<Run | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!hidden) heading.current?.focus();
  }, [hidden]);
  useEffect(() => {
    // Failing here, the chunk fails again when the chart renders, and its frame says so.
    loadChart().catch(() => undefined);
  }, []);
  const start = useMutation({
    mutationFn: async (next: Omit<Run, "id">) => {
      const created = await ok(
        api.POST("/v1/programs/{programId}/simulations", {
          params: { path: { programId: program.id } },
          body: {
            ...periodInstants(next.range, program.timezone, Date.now()),
            program: next.draft.program,
            goals: [...next.draft.goals],
            replaceGoals: next.draft.replaceGoals,
          },
        }),
      );
      return { ...next, id: created.id };
    },
    onSuccess: (started) => setRun(started),
  });
  const result = useQuery({
    queryKey: ["simulation", program.id, run?.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/simulations/{simulationId}", {
          params: { path: { programId: program.id, simulationId: run?.id ?? "" } },
        }),
      ),
    enabled: run !== null,
    // Asked every second while it runs; a finished one never changes.
    refetchInterval: (query) =>
      query.state.error || (query.state.data && query.state.data.status !== "running")
        ? false
        : 1000,
    staleTime: Infinity,
  });
  const valid = range.from !== "" && range.to !== "" && range.from <= range.to;
  const dayText = (day: string) =>
    formatDate(localMidnightIso(day, program.timezone), program.timezone);
  const stale = run !== null && canonical(run.draft) !== canonical(draft);
  const sim = result.data;
  const outcome =
    sim?.status === "done" && sim.actual && sim.simulated && sim.delta
      ? { actual: sim.actual, simulated: sim.simulated, delta: sim.delta }
      : undefined;
  const startError = start.error instanceof ApiError ? start.error : undefined;
  // Each field's message by its path, unless the error's own message says it already.
  const unsaid = (startError?.body.details ?? [])
    .flatMap((d) => (d.message ? [d.path ? `${d.path}: ${d.message}` : d.message] : []))
    .filter((line) => !startError?.message.includes(line));
  const choose = (next: Period) => {
    setPeriod(next);
    setRange(periodRange(next, today));
  };
  const runIt = () => {
    if (!valid) return;
    start.mutate({ draft, changes, range });
  };

  return (
    <section
      hidden={hidden}
      aria-labelledby="what-if-heading"
      className="flex min-w-0 flex-col gap-4"
    >
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h3
          id="what-if-heading"
          ref={heading}
          tabIndex={-1}
          className="text-lg font-semibold focus:outline-none"
        >
          What if?
        </h3>
        <Button variant="secondary" onClick={onBack}>
          Back to the form
        </Button>
      </div>
      <p className="text-sm text-slate-700">
        Replays the program's real events in a period through {subject} as the form has it now,
        unsaved, and sets what it would have paid beside what was paid. Nothing is booked.
      </p>
      {changes.length === 0 ? (
        <p className="text-sm text-slate-600">
          The form has no changes: a run replays the program as it is, so both sides should agree.
        </p>
      ) : (
        <div className="text-sm">
          <p className="font-medium">The change the form holds:</p>
          <ul className="list-disc pl-5 text-slate-700">
            {changes.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      )}

      <form
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
        aria-label="Simulation period"
        onSubmit={(e) => {
          e.preventDefault();
          runIt();
        }}
      >
        <PillChoice label="Period" choices={PERIODS} chosen={period} onChoose={choose} />
        <div className="flex flex-wrap items-end gap-3">
          <Field id="what-if-from" label="From">
            <input
              id="what-if-from"
              type="date"
              className={inputClass}
              value={range.from}
              max={range.to}
              onChange={(e) => {
                setPeriod("custom");
                setRange({ from: e.target.value, to: range.to });
              }}
            />
          </Field>
          <Field id="what-if-to" label="To">
            <input
              id="what-if-to"
              type="date"
              className={inputClass}
              value={range.to}
              min={range.from}
              onChange={(e) => {
                setPeriod("custom");
                setRange({ from: range.from, to: e.target.value });
              }}
            />
          </Field>
          <Button type="submit" disabled={!valid || start.isPending}>
            {start.isPending ? "Starting…" : "Run"}
          </Button>
        </div>
        <p className="text-xs text-slate-600">
          Days in {program.timezone}, both included.
          {!valid && " Choose a From date on or before the To date."}
        </p>
      </form>
      {startError ? (
        <div
          role="alert"
          className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
        >
          <p>The simulation did not start: {startError.message}</p>
          {unsaid.length > 0 && (
            <ul className="list-disc pl-5">
              {unsaid.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        <ErrorMessage error={start.error} />
      )}

      {run && (
        <section aria-labelledby="what-if-result" className="flex min-w-0 flex-col gap-4">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <h4 id="what-if-result" className="text-base font-semibold">
              {dayText(run.range.from)} to {dayText(run.range.to)}: actual against simulated
            </h4>
            {outcome && (
              <ConfirmDialog
                title="Save this change?"
                description={
                  <>
                    <span className="block">
                      Saving applies exactly what was simulated to {subject}:
                    </span>
                    {run.changes.length === 0 ? (
                      <span className="block">nothing changes.</span>
                    ) : (
                      run.changes.map((line) => (
                        <span key={line} className="block">
                          • {line}
                        </span>
                      ))
                    )}
                    <span className="mt-2 block">It applies from the next event on.</span>
                  </>
                }
                confirmLabel="Save this change"
                cancelLabel="Not yet"
                onConfirm={() => onSave(run.draft)}
                trigger={<Button disabled={stale}>Save this change</Button>}
              />
            )}
          </div>
          {stale && (
            <p
              role="status"
              className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900"
            >
              The form was changed after this run, so this result is out of date. Run again to
              simulate what the form holds now, then save.
            </p>
          )}
          {result.error ? (
            <ErrorMessage error={result.error} />
          ) : !sim ? (
            <Loading what="the simulation" />
          ) : sim.status === "running" ? (
            <Progress replayed={sim.events.replayed} total={sim.events.total} />
          ) : sim.status === "failed" ? (
            <ErrorMessage
              error={new Error(`The simulation failed: ${sim.error ?? "no reason given"}`)}
            />
          ) : outcome ? (
            <>
              <p role="status" className="text-sm text-slate-700">
                Done: {formatNumber(sim.events.total)} events replayed.
              </p>
              <Outcome
                {...outcome}
                notes={sim.notes ?? []}
                currency={sim.currency ?? program.currency}
              />
            </>
          ) : (
            <ErrorMessage error={new Error("The simulation finished without a result.")} />
          )}
        </section>
      )}
    </section>
  );
}

function Progress({ replayed, total }: { replayed: number; total: number }): ReactNode {
  const text = `${formatNumber(replayed)} of ${formatNumber(total)} events replayed`;
  const share = total === 0 ? 0 : Math.min(100, (replayed / total) * 100);
  return (
    <div className="flex flex-col gap-1">
      <div
        role="progressbar"
        aria-label="Events replayed"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={replayed}
        aria-valuetext={text}
        className="h-3 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className="h-full bg-emerald-700" style={{ width: `${share}%` }} />
      </div>
      <p aria-live="polite" className="text-sm text-slate-700">
        {text}
      </p>
    </div>
  );
}
