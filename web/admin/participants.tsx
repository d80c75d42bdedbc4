import * as TabsPrimitive from "@radix-ui/react-tabs";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ok, type Schema } from "../shared/api.ts";
import type { Band } from "../shared/band.ts";
import {
  currencyDigits,
  formatDate,
  formatDateTime,
  formatMoney,
  formatNumber,
  remainingText,
} from "../shared/format.ts";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  TableScroll,
  inputClass,
} from "./ui.tsx";

type Participant = Schema<"Participant">;
type ParticipantStatus = Participant["status"];

const BAND_COLOUR: Record<Band, string> = {
  red: "bg-red-600",
  orange: "bg-orange-500",
  green: "bg-green-600",
};

const name = (p: Participant) => p.name ?? p.externalId;

/** A participant's name, or their id without one, linking to their page. */
function ParticipantLink({
  participant,
}: {
  participant: { id: string; name: string | null; externalId: string };
}) {
  return (
    <Link to={`/participants/${participant.id}`} className="text-emerald-800 underline">
      {participant.name ?? participant.externalId}
    </Link>
  );
}

/** The program's levels to pick from, `blank` naming the empty choice ("" for it). */
function LevelSelect({
  id,
  program,
  value,
  onChange,
  blank,
}: {
  id: string;
  program: Program;
  value: string;
  onChange: (level: string) => void;
  blank: string;
}) {
  return (
    <Field id={id} label="Level">
      <select
        id={id}
        className={inputClass}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">{blank}</option>
        {(program.levels ?? []).map((l) => (
          <option key={l.key} value={l.key}>
            {l.name}
          </option>
        ))}
      </select>
    </Field>
  );
}

/**
 * A participant's statuses, as the filter and the status form both offer them;
 * with `blank`, an empty choice of that name comes first and `S` includes "".
 */
function StatusSelect<S extends ParticipantStatus | "">({
  id,
  value,
  onChange,
  blank,
}: {
  id: string;
  value: S;
  onChange: (status: S) => void;
  blank?: string;
}) {
  return (
    <Field id={id} label="Status">
      <select
        id={id}
        className={inputClass}
        value={value}
        onChange={(e) => onChange(e.target.value as S)}
      >
        {blank !== undefined && <option value="">{blank}</option>}
        <option value="active">Active</option>
        <option value="applied">Applied</option>
        <option value="suspended">Suspended</option>
        <option value="rejected">Rejected</option>
      </select>
    </Field>
  );
}

type Listed = Schema<"ParticipantListItem">;
type SortKey = "name" | "sales" | "earnings" | "balance" | "joinedAt";
type Sort = SortKey | `-${SortKey}`;

/** Participants fetched per page of the list. */
const LIST_PAGE = 50;

/** The filters and sort the list and its export share, as the API takes them. */
function listQuery(q: string, level: string, status: ParticipantStatus | "", sort: Sort) {
  return {
    sort,
    ...(q.trim() ? { q: q.trim() } : {}),
    ...(level ? { level } : {}),
    ...(status ? { status } : {}),
  };
}

/** The export needs the admin key, which a plain link cannot send: fetch it, then save it. */
async function downloadParticipants(program: Program, query: ReturnType<typeof listQuery>) {
  const csv = await ok(
    api.GET("/v1/programs/{programId}/participants/export.csv", {
      params: { path: { programId: program.id }, query },
      parseAs: "blob",
    }),
  );
  const url = URL.createObjectURL(csv);
  const link = document.createElement("a");
  link.href = url;
  link.download = `participants-${program.id}.csv`;
  link.click();
  URL.revokeObjectURL(url);
}

function SortHeader({
  label,
  column,
  sort,
  onSort,
  numeric = false,
}: {
  label: string;
  column: SortKey;
  sort: Sort;
  onSort: (next: Sort) => void;
  numeric?: boolean;
}) {
  const active = sort === column || sort === `-${column}`;
  const descending = sort === `-${column}`;
  // Figures sort biggest first on the first click; names and dates from the start.
  const first: Sort = numeric ? `-${column}` : column;
  const next: Sort = !active ? first : descending ? column : `-${column}`;
  return (
    <th
      scope="col"
      aria-sort={active ? (descending ? "descending" : "ascending") : "none"}
      className={`p-2 whitespace-nowrap ${numeric ? "text-right" : ""}`}
    >
      <button
        type="button"
        onClick={() => onSort(next)}
        className="inline-flex items-center gap-1 rounded font-medium text-slate-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-emerald-700"
      >
        {label}
        <span aria-hidden="true">{active ? (descending ? "▼" : "▲") : "↕"}</span>
      </button>
    </th>
  );
}

export function Participants({ program }: { program: Program }) {
  const [q, setQ] = useState("");
  const [level, setLevel] = useState("");
  const [status, setStatus] = useState<ParticipantStatus | "">("");
  const [sort, setSort] = useState<Sort>("name");
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  const query = listQuery(q, level, status, sort);
  const found = useInfiniteQuery({
    queryKey: ["participants", program.id, query],
    queryFn: ({ pageParam }) =>
      ok(
        api.GET("/v1/programs/{programId}/participants", {
          params: {
            path: { programId: program.id },
            query: { ...query, limit: LIST_PAGE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const rows = found.data?.pages.flatMap((page) => page.items) ?? [];
  const tbody = useRef<HTMLTableSectionElement>(null);
  // After Show more, focus goes to the first new row's link, so a keyboard user carries on there.
  const [focusRow, setFocusRow] = useState<number | null>(null);
  useEffect(() => {
    if (focusRow === null || rows.length <= focusRow) return;
    tbody.current?.querySelectorAll<HTMLAnchorElement>("tr > td:first-child a")[focusRow]?.focus();
    setFocusRow(null);
  }, [focusRow, rows.length]);
  const money = (minor: number) => formatMoney(minor, program.currency);
  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      await downloadParticipants(program, query);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  };
  return (
    <div className="flex min-w-0 flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-semibold">Participants</h2>
        <Button variant="secondary" onClick={() => void exportCsv()} disabled={exporting}>
          {exporting ? "Exporting…" : "Export CSV"}
        </Button>
      </div>
      <ErrorMessage error={exportError} />
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
        <LevelSelect
          id="participant-level"
          program={program}
          value={level}
          onChange={setLevel}
          blank="Any level"
        />
        <StatusSelect
          id="participant-status"
          value={status}
          onChange={setStatus}
          blank="Any status"
        />
      </form>
      {found.isPending ? (
        <Loading what="participants" />
      ) : found.error && rows.length === 0 ? (
        <ErrorMessage error={found.error} />
      ) : rows.length === 0 ? (
        <Empty>No participants match.</Empty>
      ) : (
        <>
          <TableScroll label="Participants">
            <table className="w-full text-sm">
              <thead>
                <tr className="text-left text-slate-500">
                  <SortHeader label="Participant" column="name" sort={sort} onSort={setSort} />
                  <th scope="col" className="p-2">
                    Level
                  </th>
                  <th scope="col" className="p-2">
                    Status
                  </th>
                  <th scope="col" className="p-2">
                    Sponsor
                  </th>
                  <SortHeader label="Sales" column="sales" sort={sort} onSort={setSort} numeric />
                  <th scope="col" className="p-2 text-right">
                    Orders
                  </th>
                  <SortHeader
                    label="Earnings"
                    column="earnings"
                    sort={sort}
                    onSort={setSort}
                    numeric
                  />
                  <SortHeader
                    label="Balance"
                    column="balance"
                    sort={sort}
                    onSort={setSort}
                    numeric
                  />
                  <th scope="col" className="p-2 text-right">
                    Points
                  </th>
                  <SortHeader label="Joined" column="joinedAt" sort={sort} onSort={setSort} />
                </tr>
              </thead>
              <tbody ref={tbody}>
                {rows.map((p) => (
                  <ListedRow key={p.id} p={p} program={program} money={money} />
                ))}
              </tbody>
            </table>
          </TableScroll>
          {found.error && <ErrorMessage error={found.error} />}
          <div className="flex flex-wrap items-center gap-3">
            <p role="status" aria-live="polite" className="text-sm text-slate-600">
              {formatNumber(rows.length)} shown{found.hasNextPage ? "; more below" : ""}
            </p>
            {found.hasNextPage && (
              <Button
                variant="secondary"
                // aria-disabled, not disabled: a disabled button drops keyboard focus.
                aria-disabled={found.isFetchingNextPage}
                onClick={() => {
                  if (found.isFetchingNextPage) return;
                  setFocusRow(rows.length);
                  void found.fetchNextPage();
                }}
              >
                {found.isFetchingNextPage ? "Loading…" : "Show more"}
              </Button>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function ListedRow({
  p,
  program,
  money,
}: {
  p: Listed;
  program: Program;
  money: (minor: number) => string;
}) {
  return (
    <tr className="border-t">
      <td className="p-2">
        <ParticipantLink participant={p} />
        <span className="block text-xs text-slate-500">{p.externalId}</span>
      </td>
      <td className="p-2">{p.levelName ?? "—"}</td>
      <td className="p-2">{p.status}</td>
      <td className="p-2">{p.sponsor ? <ParticipantLink participant={p.sponsor} /> : "—"}</td>
      <td className="p-2 text-right whitespace-nowrap">{money(p.stats.sales)}</td>
      <td className="p-2 text-right">{formatNumber(p.stats.orders)}</td>
      <td className="p-2 text-right whitespace-nowrap">{money(p.stats.earnings)}</td>
      <td className="p-2 text-right whitespace-nowrap">{money(p.stats.balance)}</td>
      <td className="p-2 text-right">{formatNumber(p.stats.points)}</td>
      <td className="p-2 whitespace-nowrap">{formatDate(p.stats.joinedAt, program.timezone)}</td>
    </tr>
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
        <ParticipantLink participant={participant} />
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
            {p.externalId} · {p.email ?? "no email"} · level {levelName(program, p.level)} ·{" "}
            {p.status} · code {p.referralCode}
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
      <Figures program={program} participant={p} />
      <Actions program={program} participant={p} />
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
                      <th scope="col" className="py-1 pr-2">
                        When
                      </th>
                      <th scope="col" className="py-1 pr-2">
                        Cause
                      </th>
                      <th scope="col" className="py-1 pr-2">
                        Status
                      </th>
                      <th scope="col" className="py-1 text-right">
                        Amount
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {ledger.data.items.map((e) => (
                      <tr key={e.id} className="border-t align-top">
                        <td className="py-1 pr-2 whitespace-nowrap">
                          {formatDateTime(e.occurredAt, program.timezone)}
                          {e.occurredAt.slice(0, 16) !== e.createdAt.slice(0, 16) && (
                            <span className="block text-xs text-slate-500">
                              booked {formatDateTime(e.createdAt, program.timezone)}
                            </span>
                          )}
                        </td>
                        <td className="py-1 pr-2">{causeText(e)}</td>
                        <td className="py-1 pr-2">
                          <span className="flex flex-wrap items-center gap-1">
                            {e.status}
                            {e.held && (
                              <Badge tone="warning">
                                held for review
                                <span className="sr-only"> by flag {e.flagId}</span>
                              </Badge>
                            )}
                          </span>
                        </td>
                        <td className="py-1 text-right whitespace-nowrap">
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

type LedgerEntry = Schema<"LedgerEntry">;

const levelName = (program: Program, level: string | null) =>
  level === null ? "none" : ((program.levels ?? []).find((l) => l.key === level)?.name ?? level);

/** What caused an entry, in words: the goal by name, the event, the level, an adjustment's reason. */
function causeText(e: LedgerEntry): string {
  const c = e.cause;
  const parts: string[] = [c.type];
  if (c.goalId) parts.push(`goal ${c.goalName ?? c.goalId}`);
  if (c.step !== null && c.step !== undefined) parts.push(`step ${c.step}`);
  if (c.eventId) parts.push(`event ${c.eventId}`);
  if (c.level !== null && c.level !== undefined) parts.push(`level ${c.level}`);
  if (c.type === "adjustment") parts.push(`“${c.reason ?? ""}” by ${c.by ?? "admin"}`);
  return parts.join(" · ");
}

/** The participant's figures, as the list shows them. */
function Figures({ program, participant }: { program: Program; participant: Participant }) {
  const listed = useQuery({
    queryKey: ["participant-figures", program.id, participant.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/participants", {
          params: {
            path: { programId: program.id },
            query: { externalId: participant.externalId },
          },
        }),
      ),
  });
  const item = listed.data?.items[0];
  if (listed.error) return <ErrorMessage error={listed.error} />;
  if (!item) return null;
  const money = (minor: number) => formatMoney(minor, program.currency);
  return (
    <section aria-labelledby="figures-title" className="flex flex-col gap-2">
      <h3 id="figures-title" className="text-sm font-semibold text-slate-700">
        Figures
      </h3>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {(
          [
            ["Sales", money(item.stats.sales)],
            ["Orders", formatNumber(item.stats.orders)],
            ["Earnings", money(item.stats.earnings)],
            ["Joined", formatDate(item.stats.joinedAt, program.timezone)],
          ] as const
        ).map(([label, value]) => (
          <div key={label} className="rounded-lg border border-slate-200 bg-white p-3">
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd className="font-semibold">{value}</dd>
          </div>
        ))}
        <div className="rounded-lg border border-slate-200 bg-white p-3">
          <dt className="text-xs text-slate-500">Sponsor</dt>
          <dd className="font-semibold">
            {item.sponsor ? <ParticipantLink participant={item.sponsor} /> : "none"}
          </dd>
        </div>
      </dl>
    </section>
  );
}

/** Level, status, sponsor and manual adjustments, each saying what it did where screen readers hear it. */
function Actions({ program, participant }: { program: Program; participant: Participant }) {
  const queryClient = useQueryClient();
  const [said, setSaid] = useState("");
  const refresh = async () => {
    for (const key of ["participant", "balances", "ledger", "participant-figures", "participants"])
      await queryClient.invalidateQueries({ queryKey: [key] });
  };
  const done = async (message: string) => {
    await refresh();
    setSaid(message);
  };
  return (
    <Card title="Actions">
      <div className="grid gap-6 lg:grid-cols-2">
        <ChangeFields program={program} participant={participant} done={done} />
        <AdjustmentForm program={program} participant={participant} done={done} />
      </div>
      <p role="status" aria-live="polite" className="mt-3 min-h-5 text-sm text-emerald-800">
        {said}
      </p>
    </Card>
  );
}

function ChangeFields({
  program,
  participant,
  done,
}: {
  program: Program;
  participant: Participant;
  done: (message: string) => Promise<void>;
}) {
  const [level, setLevel] = useState(participant.level ?? "");
  const [status, setStatus] = useState<ParticipantStatus>(participant.status);
  const [sponsor, setSponsor] = useState("");
  const patch = useMutation({
    mutationFn: (body: { level?: string | null; status?: ParticipantStatus; sponsor?: string }) =>
      ok(
        api.PATCH("/v1/programs/{programId}/participants/{participantId}", {
          params: { path: { programId: program.id, participantId: participant.id } },
          body,
        }),
      ),
  });
  const save = async (
    body: { level?: string | null; status?: ParticipantStatus; sponsor?: string },
    message: string,
  ) => {
    try {
      await patch.mutateAsync(body);
      await done(message);
    } catch {
      // The error shows below, from the mutation.
    }
  };
  return (
    <div className="flex flex-col gap-4">
      <form
        aria-label="Level and status"
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          void save(
            { level: level === "" ? null : level, status },
            `Saved: level ${levelName(program, level === "" ? null : level)}, status ${status}.`,
          );
        }}
      >
        <LevelSelect
          id="action-level"
          program={program}
          value={level}
          onChange={setLevel}
          blank="No level"
        />
        <StatusSelect id="action-status" value={status} onChange={setStatus} />
        <Button type="submit" disabled={patch.isPending}>
          Save level and status
        </Button>
      </form>
      <form
        aria-label="Sponsor"
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (sponsor.trim() === "") return;
          void save(
            { sponsor: sponsor.trim() },
            `Sponsor changed to ${sponsor.trim()}; the downline moved along.`,
          ).then(() => setSponsor(""));
        }}
      >
        <Field id="action-sponsor" label="New sponsor (external id or referral code)">
          <input
            id="action-sponsor"
            className={inputClass}
            value={sponsor}
            onChange={(e) => setSponsor(e.target.value)}
          />
        </Field>
        <Button type="submit" variant="secondary" disabled={patch.isPending}>
          Change sponsor
        </Button>
      </form>
      <ErrorMessage error={patch.error} />
    </div>
  );
}

/** Reads "12.50" (or "-3") as minor units of the currency; null when it is not an amount. */
function minorOf(text: string, digits: number): number | null {
  const match = /^([+-]?)(\d+)(?:[.,](\d+))?$/.exec(text.trim());
  if (!match) return null;
  const [, sign = "", whole = "0", fraction = ""] = match;
  if (fraction.length > digits) return null;
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  if (!Number.isSafeInteger(minor)) return null;
  return sign === "-" ? -minor : minor;
}

function AdjustmentForm({
  program,
  participant,
  done,
}: {
  program: Program;
  participant: Participant;
  done: (message: string) => Promise<void>;
}) {
  const [asset, setAsset] = useState<"cash" | "points">("cash");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState("");
  // One key per adjustment written, so a retried request cannot book it twice.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const digits = currencyDigits(program.currency);
  const minor = asset === "cash" ? minorOf(amount, digits) : minorOf(amount, 0);
  const shown =
    minor === null
      ? ""
      : asset === "cash"
        ? formatMoney(minor, program.currency)
        : `${formatNumber(minor)} points`;
  const check = (): string => {
    if (minor === null || minor === 0)
      return asset === "cash"
        ? `Enter an amount such as 12.50 or -3 (at most ${digits} decimals), not 0.`
        : "Enter a whole number of points, such as 100 or -20, not 0.";
    if (reason.trim() === "") return "Say why the balance is corrected.";
    return "";
  };
  const submit = async () => {
    if (minor === null) return;
    await ok(
      api.POST("/v1/programs/{programId}/participants/{participantId}/adjustments", {
        params: {
          path: { programId: program.id, participantId: participant.id },
          header: { "Idempotency-Key": idempotencyKey },
        },
        body: { asset, amount: minor, reason: reason.trim(), by: "console" },
      }),
    );
    setAmount("");
    setReason("");
    setIdempotencyKey(crypto.randomUUID());
    await done(`Adjustment booked: ${shown} for ${participant.name ?? participant.externalId}.`);
  };
  const problemId = "adjustment-problem";
  return (
    <form
      aria-label="Manual adjustment"
      className="flex flex-col gap-3"
      onSubmit={(e) => e.preventDefault()}
    >
      <h4 className="text-sm font-semibold text-slate-700">Manual adjustment</h4>
      <div className="flex flex-wrap items-end gap-3">
        <Field id="adjust-asset" label="Asset">
          <select
            id="adjust-asset"
            className={inputClass}
            value={asset}
            onChange={(e) => setAsset(e.target.value as "cash" | "points")}
          >
            <option value="cash">Cash ({program.currency})</option>
            <option value="points">Points</option>
          </select>
        </Field>
        <Field id="adjust-amount" label="Amount (negative takes away)">
          <input
            id="adjust-amount"
            inputMode="decimal"
            className={inputClass}
            value={amount}
            aria-describedby={problem ? problemId : undefined}
            onChange={(e) => setAmount(e.target.value)}
          />
        </Field>
      </div>
      <Field id="adjust-reason" label="Reason">
        <textarea
          id="adjust-reason"
          rows={2}
          className={inputClass}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </Field>
      {problem && (
        <p id={problemId} role="alert" className="text-sm text-red-800">
          {problem}
        </p>
      )}
      <div>
        {check() === "" ? (
          <ConfirmDialog
            trigger={<Button onClick={() => setProblem("")}>Book adjustment</Button>}
            title="Book this adjustment?"
            description={`${shown} to ${participant.name ?? participant.externalId}'s available ${asset}, because: ${reason.trim()}. It is a ledger entry of its own and cannot be removed, only corrected by another.`}
            confirmLabel="Book adjustment"
            onConfirm={submit}
          />
        ) : (
          <Button onClick={() => setProblem(check())}>Book adjustment</Button>
        )}
      </div>
    </form>
  );
}
