import * as TabsPrimitive from "@radix-ui/react-tabs";
import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ok, type Schema } from "../shared/api.ts";
import type { Band } from "../shared/band.ts";
import { formatDateTime, formatMoney, formatNumber, remainingText } from "../shared/format.ts";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import { Button, Card, Empty, ErrorMessage, Field, Loading, inputClass } from "./ui.tsx";

type Participant = Schema<"Participant">;
type ParticipantStatus = Participant["status"];

const BAND_COLOUR: Record<Band, string> = {
  red: "bg-red-600",
  orange: "bg-orange-500",
  green: "bg-green-600",
};

const name = (p: Participant) => p.name ?? p.externalId;

export function Participants({ program }: { program: Program }) {
  const [q, setQ] = useState("");
  const [level, setLevel] = useState("");
  const [status, setStatus] = useState<ParticipantStatus | "">("");
  const found = useQuery({
    queryKey: ["participants", program.id, q.trim(), level, status],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/participants/search", {
          params: {
            path: { programId: program.id },
            query: {
              limit: 100,
              ...(q.trim() ? { q: q.trim() } : {}),
              ...(level ? { level } : {}),
              ...(status ? { status } : {}),
            },
          },
        }),
      ),
  });
  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">Participants</h2>
      <form
        role="search"
        onSubmit={(e) => e.preventDefault()}
        className="grid gap-3 sm:grid-cols-3"
      >
        <Field id="participant-q" label="Search">
          <input
            id="participant-q"
            type="search"
            placeholder="Name, email, id or code"
            className={inputClass}
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
        </Field>
        <Field id="participant-level" label="Level">
          <select
            id="participant-level"
            className={inputClass}
            value={level}
            onChange={(e) => setLevel(e.target.value)}
          >
            <option value="">Any level</option>
            {(program.levels ?? []).map((l) => (
              <option key={l.key} value={l.key}>
                {l.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="participant-status" label="Status">
          <select
            id="participant-status"
            className={inputClass}
            value={status}
            onChange={(e) => setStatus(e.target.value as ParticipantStatus | "")}
          >
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="applied">Applied</option>
            <option value="suspended">Suspended</option>
          </select>
        </Field>
      </form>
      {found.isPending ? (
        <Loading what="participants" />
      ) : found.error ? (
        <ErrorMessage error={found.error} />
      ) : found.data.items.length === 0 ? (
        <Empty>No participants match.</Empty>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left text-slate-500">
                <th className="p-2">Participant</th>
                <th className="p-2">External id</th>
                <th className="p-2">Level</th>
                <th className="p-2">Status</th>
              </tr>
            </thead>
            <tbody>
              {found.data.items.map((p) => (
                <tr key={p.id} className="border-t">
                  <td className="p-2">
                    <Link to={`/participants/${p.id}`} className="text-emerald-800 underline">
                      {name(p)}
                    </Link>
                  </td>
                  <td className="p-2">{p.externalId}</td>
                  <td className="p-2">{p.level ?? "—"}</td>
                  <td className="p-2">{p.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {found.data.next && (
            <p className="p-2 text-xs text-slate-500">
              Showing the first 100; narrow the search to see others.
            </p>
          )}
        </div>
      )}
    </div>
  );
}

function ProgressBar({ item, currency }: { item: Schema<"Progress">; currency: string }) {
  const percent = item.percent ?? 0;
  const shown = (v: number) => (item.unit === "money" ? formatMoney(v, currency) : formatNumber(v));
  return (
    <div className="flex flex-col gap-1">
      <div className="flex justify-between text-sm">
        <span id={`goal-${item.goalId}`}>{item.name}</span>
        <span>
          {shown(item.value)}
          {item.target !== null && ` of ${shown(item.target)}`}
        </span>
      </div>
      <div
        role="progressbar"
        aria-labelledby={`goal-${item.goalId}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(100, Math.round(percent))}
        aria-valuetext={`${formatNumber(percent)}%`}
        className="h-3 overflow-hidden rounded bg-slate-200"
      >
        <div
          className={`h-full ${BAND_COLOUR[item.band ?? "red"]}`}
          style={{ width: `${Math.min(100, percent)}%` }}
        />
      </div>
      {item.nextStep && (
        <p className="text-xs text-slate-500">
          {remainingText(item.nextStep.remaining, item.unit, currency, item.metric)} to the next
          step
        </p>
      )}
    </div>
  );
}

/**
 * Recruits fetched and rendered per request. A sponsor can have thousands of
 * direct recruits; rendering them all at once freezes the page for seconds.
 */
const DOWNLINE_PAGE = 100;

function Downline({
  program,
  participantId,
  sponsorName,
}: {
  program: Program;
  participantId: string;
  sponsorName?: string;
}) {
  const children = useInfiniteQuery({
    queryKey: ["downline", program.id, participantId, DOWNLINE_PAGE],
    queryFn: ({ pageParam }) => {
      // One level at a time: the listing then also says how many recruits there are in all.
      const query = { depth: 1, limit: DOWNLINE_PAGE, ...(pageParam ? { cursor: pageParam } : {}) };
      return ok(
        api.GET("/v1/programs/{programId}/participants/{participantId}/downline", {
          params: { path: { programId: program.id, participantId }, query },
        }),
      );
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const list = useRef<HTMLUListElement>(null);
  // Where focus goes once the next page is in: the first new row, so a keyboard
  // user carries on from there, and is not left on a button that may vanish.
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const rows = children.data?.pages.flatMap((page) => page.items) ?? [];
  useEffect(() => {
    if (focusRow === null || rows.length <= focusRow) return;
    list.current
      ?.querySelectorAll<HTMLButtonElement>(":scope > li > div > button")
      [focusRow]?.focus();
    setFocusRow(null);
  }, [focusRow, rows.length]);
  if (children.isPending) return <Loading what="the downline" />;
  if (children.error && rows.length === 0) return <ErrorMessage error={children.error} />;
  if (rows.length === 0) return <p className="text-sm text-slate-500">No recruits.</p>;
  const total = children.data?.pages.at(-1)?.total ?? rows.length;
  const more = `Show more (${formatNumber(Math.max(0, total - rows.length))} left)`;
  return (
    <div className="flex flex-col gap-2">
      <ul
        ref={list}
        role="group"
        className="ml-4 flex flex-col gap-1 border-l border-slate-200 pl-3"
      >
        {rows.map((p) => (
          <DownlineNode key={p.id} program={program} participant={p} />
        ))}
      </ul>
      {children.error && <ErrorMessage error={children.error} />}
      {children.hasNextPage && (
        <div className="ml-4 flex items-center gap-3 pl-3">
          <Button
            variant="secondary"
            // aria-disabled, not disabled: a disabled button drops keyboard focus.
            aria-disabled={children.isFetchingNextPage}
            aria-label={sponsorName ? `${more} under ${sponsorName}` : undefined}
            onClick={() => {
              if (children.isFetchingNextPage) return;
              setFocusRow(rows.length);
              void children.fetchNextPage();
            }}
          >
            {more}
          </Button>
          <span className="text-xs text-slate-500">
            {formatNumber(rows.length)} of {formatNumber(total)} shown
          </span>
        </div>
      )}
    </div>
  );
}

function DownlineNode({ program, participant }: { program: Program; participant: Participant }) {
  const [open, setOpen] = useState(false);
  return (
    <li>
      <div className="flex items-center gap-2 text-sm">
        <button
          type="button"
          aria-expanded={open}
          aria-label={`${open ? "Collapse" : "Expand"} ${name(participant)}`}
          onClick={() => setOpen((o) => !o)}
          className="h-6 w-6 rounded border border-slate-300 text-xs focus-visible:outline-2 focus-visible:outline-emerald-700"
        >
          {open ? "−" : "+"}
        </button>
        <Link to={`/participants/${participant.id}`} className="text-emerald-800 underline">
          {name(participant)}
        </Link>
        <span className="text-xs text-slate-500">{participant.level ?? ""}</span>
      </div>
      {open && (
        <Downline
          program={program}
          participantId={participant.id}
          sponsorName={name(participant)}
        />
      )}
    </li>
  );
}

const DETAIL_TABS = [
  ["progress", "Goal progress"],
  ["ledger", "Ledger"],
  ["downline", "Downline"],
] as const;

const tabClass =
  "-mb-px whitespace-nowrap border-b-2 border-transparent px-3 py-2 text-sm text-slate-600 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-emerald-700 data-[state=active]:border-emerald-700 data-[state=active]:font-semibold data-[state=active]:text-slate-900";

// The panel takes focus after its tab, so it needs a visible focus ring of its own.
const panelClass = "rounded-lg focus-visible:outline-2 focus-visible:outline-emerald-700";

export function ParticipantDetail({
  program,
  participantId,
}: {
  program: Program;
  participantId: string;
}) {
  const path = { programId: program.id, participantId };
  const base = [program.id, participantId];
  const participant = useQuery({
    queryKey: ["participant", ...base],
    queryFn: () =>
      ok(api.GET("/v1/programs/{programId}/participants/{participantId}", { params: { path } })),
  });
  const balances = useQuery({
    queryKey: ["balances", ...base],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/participants/{participantId}/balances", {
          params: { path },
        }),
      ),
  });
  const progress = useQuery({
    queryKey: ["progress", ...base],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/participants/{participantId}/progress", {
          params: { path },
        }),
      ),
  });
  const ledger = useQuery({
    queryKey: ["ledger", ...base],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/participants/{participantId}/ledger", {
          params: { path, query: { limit: 500 } },
        }),
      ),
  });
  const viewAs = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/participants/{participantId}/tokens", {
          params: { path },
        }),
      ),
    onSuccess: ({ token }, _vars, context) => {
      const tab = context as Window | null;
      const url = `/portal#token=${encodeURIComponent(token)}`;
      if (tab) tab.location.href = url;
      else window.open(url, "_blank", "noopener");
    },
    onError: (_error, _vars, context) => (context as Window | null)?.close(),
    // Opened at the click, before the request, so no popup blocker takes it for an ad.
    onMutate: () => {
      const tab = window.open("about:blank", "_blank");
      // The portal has no business with the console's window.
      if (tab) tab.opener = null;
      return tab;
    },
  });
  const money = (minor: number) => formatMoney(minor, program.currency);
  if (participant.isPending) return <Loading what="the participant" />;
  if (participant.error) return <ErrorMessage error={participant.error} />;
  const p = participant.data;
  const b = balances.data;
  return (
    <div className="flex flex-col gap-4">
      <p>
        <Link to="/participants" className="text-sm text-emerald-800 underline">
          ← All participants
        </Link>
      </p>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h2 className="text-xl font-semibold">{name(p)}</h2>
          <p className="text-sm text-slate-600">
            {p.externalId} · {p.email ?? "no email"} · level {p.level ?? "none"} · {p.status} · code{" "}
            {p.referralCode}
          </p>
        </div>
        <Button onClick={() => viewAs.mutate()} disabled={viewAs.isPending}>
          View as participant
        </Button>
      </div>
      <ErrorMessage error={viewAs.error} />
      {balances.error && <ErrorMessage error={balances.error} />}
      {b && (
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5">
          {(
            [
              ["Cash pending", money(b.cash.pending)],
              ["Cash available", money(b.cash.available)],
              ["Cash paid", money(b.cash.paid)],
              ["Points pending", formatNumber(b.points.pending)],
              ["Points available", formatNumber(b.points.available)],
            ] as const
          ).map(([label, value]) => (
            <div key={label} className="rounded-lg border border-slate-200 bg-white p-3">
              <dt className="text-xs text-slate-500">{label}</dt>
              <dd className="font-semibold">{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <TabsPrimitive.Root defaultValue="progress" className="flex flex-col gap-3">
        <TabsPrimitive.List
          aria-label="Participant details"
          className="flex gap-1 overflow-x-auto border-b border-slate-200"
        >
          {DETAIL_TABS.map(([value, label]) => (
            <TabsPrimitive.Trigger key={value} value={value} className={tabClass}>
              {label}
            </TabsPrimitive.Trigger>
          ))}
        </TabsPrimitive.List>
        <TabsPrimitive.Content value="progress" className={panelClass}>
          <Card title="Goal progress">
            {progress.isPending ? (
              <Loading what="progress" />
            ) : progress.error ? (
              <ErrorMessage error={progress.error} />
            ) : progress.data.length === 0 ? (
              <Empty>No goals apply to this participant now.</Empty>
            ) : (
              <div className="flex flex-col gap-4">
                {progress.data.map((item) => (
                  <ProgressBar key={item.goalId} item={item} currency={program.currency} />
                ))}
              </div>
            )}
          </Card>
        </TabsPrimitive.Content>
        <TabsPrimitive.Content value="ledger" className={panelClass}>
          <Card title="Ledger">
            {ledger.isPending ? (
              <Loading what="the ledger" />
            ) : ledger.error ? (
              <ErrorMessage error={ledger.error} />
            ) : ledger.data.items.length === 0 ? (
              <Empty>No entries yet.</Empty>
            ) : (
              <div className="overflow-x-auto">
                <table className="w-full text-sm">
                  <thead>
                    <tr className="text-left text-slate-500">
                      <th className="py-1 pr-2">When</th>
                      <th className="py-1 pr-2">Cause</th>
                      <th className="py-1 pr-2">Status</th>
                      <th className="py-1 text-right">Amount</th>
                    </tr>
                  </thead>
                  <tbody>
                    {ledger.data.items.map((e) => (
                      <tr key={e.id} className="border-t">
                        <td className="py-1 pr-2">
                          {formatDateTime(e.createdAt, program.timezone)}
                        </td>
                        <td className="py-1 pr-2">
                          {e.cause.type}
                          {e.cause.eventId && ` · event ${e.cause.eventId}`}
                          {e.cause.level !== null &&
                            e.cause.level !== undefined &&
                            ` · level ${e.cause.level}`}
                          {e.cause.goalId && ` · goal ${e.cause.goalId}`}
                        </td>
                        <td className="py-1 pr-2">{e.status}</td>
                        <td className="py-1 text-right">
                          {e.asset === "cash"
                            ? money(e.amount)
                            : `${formatNumber(e.amount)} ${e.asset === "points" ? "points" : "units"}`}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </TabsPrimitive.Content>
        <TabsPrimitive.Content value="downline" className={panelClass}>
          <Card title="Downline">
            <Downline program={program} participantId={p.id} />
          </Card>
        </TabsPrimitive.Content>
      </TabsPrimitive.Root>
    </div>
  );
}
