import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ok, type Client, type Schema } from "../shared/api.ts";
import { bandOf, type Band } from "../shared/band.ts";
import {
  formatDate,
  formatDateTime,
  formatMoney,
  formatNumber,
  remainingText,
} from "../shared/format.ts";
import { buttonClass, QueryState, Section } from "./ui.tsx";

/** Often enough that a new sale shows within five seconds of its event. */
const LIVE_MS = 2_500;
const SLOW_MS = 15_000;

interface Props {
  client: Client;
  program: Schema<"MemberProgram">;
}

/** Fill colours with at least 3:1 contrast against the white track. */
const BAND_FILL: Record<Band, string> = {
  red: "bg-red-600",
  orange: "bg-orange-600",
  green: "bg-green-700",
};
const BAND_WORDS: Record<Band, string> = {
  red: "Under 90%",
  orange: "Almost there",
  green: "Complete",
};

export function Goals({ client, program }: Props) {
  const query = useQuery({
    queryKey: ["progress"],
    queryFn: () => ok(client.GET("/v1/me/progress")),
    refetchInterval: LIVE_MS,
  });
  return (
    <Section id="goals" title="Your goals">
      <QueryState what="your goals" {...query} retry={() => void query.refetch()}>
        {() =>
          query.data && query.data.length > 0 ? (
            <ul className="space-y-5">
              {query.data.map((p) => (
                <GoalBar key={p.goalId} progress={p} program={program} />
              ))}
            </ul>
          ) : (
            <p className="text-slate-600">There are no goals in this program yet.</p>
          )
        }
      </QueryState>
    </Section>
  );
}

function GoalBar({
  progress: p,
  program,
}: {
  progress: Schema<"Progress">;
  program: Props["program"];
}) {
  const percent = p.percent ?? 0;
  const band: Band = p.band ?? bandOf(percent);
  const shown = Math.min(100, Math.max(0, Math.floor(percent)));
  const amount = (n: number) =>
    p.unit === "money" ? formatMoney(n, program.currency) : formatNumber(n);
  const remaining = p.nextStep
    ? remainingText(p.nextStep.remaining, p.unit, program.currency, p.metric)
    : null;
  const labelId = `goal-${p.goalId}-name`;
  const detailId = `goal-${p.goalId}-detail`;
  return (
    <li data-goal={p.goalId} data-band={band}>
      <div className="flex flex-wrap items-baseline justify-between gap-x-3">
        <h3 id={labelId} className="font-medium text-slate-900">
          {p.name}
        </h3>
        <span className="text-sm text-slate-700">
          {amount(p.value)}
          {p.target === null ? "" : ` of ${amount(p.target)}`}
          {p.percent === null ? "" : ` · ${percentText(p.percent)}`}
        </span>
      </div>
      <div
        role="progressbar"
        aria-labelledby={labelId}
        aria-describedby={detailId}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={shown}
        aria-valuetext={`${shown}%${remaining ? `, ${remaining}` : ""}`}
        data-band={band}
        className="mt-2 h-4 w-full overflow-hidden rounded-full border border-slate-300 bg-white"
      >
        <div className={`h-full ${BAND_FILL[band]}`} style={{ width: `${shown}%` }} />
      </div>
      <p id={detailId} className="mt-1 text-sm text-slate-700">
        <span className="font-medium">{BAND_WORDS[band]}.</span>{" "}
        {p.stepsReached.length > 0
          ? `Steps reached: ${p.stepsReached.map((s) => s.step).join(", ")}. `
          : "No step reached yet. "}
        {p.nextStep && remaining
          ? `Next: step ${p.nextStep.step}${
              p.nextStep.threshold === null ? "" : ` at ${amount(p.nextStep.threshold)}`
            }, ${remaining}.`
          : "Every step reached."}
        {p.window.end
          ? // Windows are half-open: the last day is the one before the end instant.
            ` Last day: ${formatDate(new Date(Date.parse(p.window.end) - 1).toISOString(), program.timezone)}.`
          : ""}
      </p>
    </li>
  );
}

/** Past the target a goal is done: 2,613% reads as "100% · complete", never more. */
export function percentText(percent: number): string {
  return percent >= 100 ? "100% · complete" : `${formatNumber(Math.max(0, Math.floor(percent)))}%`;
}

export function BalancesCard({ client, program }: Props) {
  const query = useQuery({
    queryKey: ["balances"],
    queryFn: () => ok(client.GET("/v1/me/balances")),
    refetchInterval: LIVE_MS,
  });
  return (
    <Section id="balances" title="Your balances">
      <QueryState what="your balances" {...query} retry={() => void query.refetch()}>
        {() => {
          const b = query.data;
          if (!b) return null;
          const money = (n: number) => formatMoney(n, b.cash.currency || program.currency);
          const rows: [string, string][] = [
            ["Pending", money(b.cash.pending)],
            ["Available", money(b.cash.available)],
            ["Paid", money(b.cash.paid)],
          ];
          return (
            <>
              <dl className="grid grid-cols-3 gap-2">
                {rows.map(([label, value]) => (
                  <div key={label} className="rounded-md bg-slate-100 p-2">
                    <dt className="text-sm text-slate-700">{label}</dt>
                    <dd className="font-semibold break-words text-slate-900" data-balance={label}>
                      {value}
                    </dd>
                  </div>
                ))}
              </dl>
              {b.points.pending + b.points.available > 0 && (
                <p className="mt-2 text-sm text-slate-700">
                  Points: {formatNumber(b.points.available)} available,{" "}
                  {formatNumber(b.points.pending)} pending.
                </p>
              )}
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}

const CAUSES: Record<string, string> = {
  commission: "Commission",
  reward: "Goal reward",
  refund: "Refund",
  payout: "Payout",
  release: "Hold released",
  review: "Review decision",
  adjustment: "Adjustment",
};

function causeText(e: Schema<"LedgerEntry">): string {
  const base = CAUSES[e.cause.type] ?? e.cause.type;
  const level = e.cause.level !== null && e.cause.level > 1 ? ` (level ${e.cause.level})` : "";
  const ref = e.cause.orderId ? ` · order ${e.cause.orderId}` : "";
  return `${base}${level}${ref}`;
}

/** The newest entries shown before "Show all"; a long history would bury the rest of the page. */
const LEDGER_PREVIEW = 10;

export function LedgerList({ client, program }: Props) {
  const [all, setAll] = useState(false);
  const query = useQuery({
    queryKey: ["ledger"],
    queryFn: () => ok(client.GET("/v1/me/ledger", { params: { query: { limit: 500 } } })),
    refetchInterval: LIVE_MS * 2,
  });
  return (
    <Section id="ledger" title="Activity">
      <QueryState what="your activity" {...query} retry={() => void query.refetch()}>
        {() => {
          // Newest first, as the API answers: what just happened is what people look for.
          const entries = query.data?.items ?? [];
          if (entries.length === 0)
            return <p className="text-slate-600">Nothing yet: your commissions will show here.</p>;
          const shown = all ? entries : entries.slice(0, LEDGER_PREVIEW);
          return (
            <>
              <ul id="ledger-entries" className="divide-y divide-slate-200">
                {shown.map((e) => (
                  <li key={e.id} className="flex flex-wrap justify-between gap-x-3 py-2">
                    <div className="min-w-0">
                      <p className="break-words text-slate-900">{causeText(e)}</p>
                      <p className="text-sm text-slate-700">
                        {formatDateTime(e.occurredAt, program.timezone)} · {e.status}
                      </p>
                    </div>
                    <p
                      className={`font-medium ${e.amount < 0 ? "text-red-800" : "text-slate-900"}`}
                    >
                      {e.asset === "cash"
                        ? formatMoney(e.amount, program.currency)
                        : e.asset === "points"
                          ? `${formatNumber(e.amount)} points`
                          : `${formatNumber(e.amount)} × ${e.product?.sku ?? "product"}`}
                    </p>
                  </li>
                ))}
              </ul>
              {entries.length > LEDGER_PREVIEW && (
                <button
                  type="button"
                  aria-controls="ledger-entries"
                  aria-expanded={all}
                  onClick={() => setAll(!all)}
                  className={buttonClass}
                >
                  {all
                    ? "Show the latest only"
                    : `Show all ${formatNumber(entries.length)} entries`}
                </button>
              )}
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}

export function Referral({ me }: { me: Schema<"Me"> }) {
  return (
    <Section id="referral" title="Share your link">
      <div className="space-y-3">
        <CopyField id="referral-link" label="Referral link" value={me.referralLink} />
        <CopyField id="referral-code" label="Referral code" value={me.referralCode} />
        {me.recruitmentLink !== null && (
          <>
            <CopyField id="recruitment-link" label="Recruitment link" value={me.recruitmentLink} />
            <p className="text-sm text-slate-700" data-recruitment-note>
              People who join through your recruitment link sell as your team. You earn on their
              sales; recruiting pays nothing by itself.
            </p>
          </>
        )}
      </div>
    </Section>
  );
}

function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const [said, setSaid] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid(`${label} copied.`);
    } catch {
      // Without clipboard access the text is selected, so a keyboard copy works.
      (document.getElementById(id) as HTMLInputElement | null)?.select();
      setSaid("Could not copy: the text is selected, press Ctrl+C or ⌘C.");
    }
  };
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="mt-1 flex gap-2">
        <input
          id={id}
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className="min-h-11 min-w-0 flex-1 rounded-md border border-slate-400 px-2 text-slate-900 focus-visible:outline-2 focus-visible:outline-blue-700"
        />
        <button
          type="button"
          onClick={() => void copy()}
          className={buttonClass.replace("mt-2 ", "")}
        >
          Copy<span className="sr-only"> {label.toLowerCase()}</span>
        </button>
      </div>
      <p role="status" aria-live="polite" className="mt-1 min-h-5 text-sm text-green-800">
        {said}
      </p>
    </div>
  );
}

export function Downline({ client, program }: Props) {
  const query = useQuery({
    queryKey: ["downline"],
    queryFn: () => ok(client.GET("/v1/me/downline", { params: { query: { limit: 500 } } })),
    refetchInterval: SLOW_MS,
  });
  return (
    <Section id="downline" title="Your team">
      <QueryState what="your team" {...query} retry={() => void query.refetch()}>
        {() => {
          const members = query.data?.items ?? [];
          if (members.length === 0)
            return (
              <p className="text-slate-600">
                No one has joined through you yet. Share your link to build your team.
              </p>
            );
          return (
            <ul className="divide-y divide-slate-200">
              {members.map((m) => (
                <li key={m.id} className="flex flex-wrap justify-between gap-x-3 py-2">
                  <div className="min-w-0">
                    <p className="break-words text-slate-900">{m.name ?? m.externalId}</p>
                    <p className="text-sm text-slate-700">
                      {m.depth === 1 ? "Direct recruit" : `Level ${m.depth}`} ·{" "}
                      {formatNumber(m.orders)} order{m.orders === 1 ? "" : "s"}
                      {m.status === "active" ? "" : ` · ${m.status}`}
                    </p>
                  </div>
                  <p className="font-medium text-slate-900">
                    <span className="sr-only">Sales: </span>
                    {formatMoney(m.sales, program.currency)}
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

export function LeaderboardCard({ client, program }: Props) {
  const query = useQuery({
    queryKey: ["leaderboard"],
    queryFn: () => ok(client.GET("/v1/me/leaderboard")),
    refetchInterval: SLOW_MS,
  });
  return (
    <Section id="leaderboard" title="Leaderboard">
      <QueryState what="the leaderboard" {...query} retry={() => void query.refetch()}>
        {() => {
          const board = query.data;
          if (!board) return null;
          const month = new Intl.DateTimeFormat(undefined, {
            month: "long",
            year: "numeric",
            timeZone: program.timezone,
          }).format(new Date(board.period.start));
          return (
            <>
              <p className="text-slate-900" data-rank={board.you.rank ?? ""}>
                {board.you.rank === null
                  ? `No sales yet in ${month}: your first one puts you on the board.`
                  : `You are number ${formatNumber(board.you.rank)} of ${formatNumber(board.ranked)} in ${month}, with ${formatMoney(board.you.sales, program.currency)} in sales.`}
              </p>
              {board.top.length > 0 && (
                <ol className="mt-3 divide-y divide-slate-200">
                  {board.top.map((row) => (
                    <li
                      key={row.rank}
                      className={`flex justify-between gap-3 py-2 ${row.you ? "font-semibold" : ""}`}
                    >
                      <span className="min-w-0 break-words">
                        {row.rank}. {row.name ?? row.externalId}
                        {row.you ? " (you)" : ""}
                      </span>
                      <span>{formatMoney(row.sales, program.currency)}</span>
                    </li>
                  ))}
                </ol>
              )}
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}
