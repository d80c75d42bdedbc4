import {
  useInfiniteQuery,
  type QueryKey,
  type UseInfiniteQueryResult,
} from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { formatNumber } from "../shared/format.ts";
import { Button, Empty, ErrorMessage, Loading } from "./ui.tsx";

/** One page of a cursor-paged collection, as every list route answers it. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** What one page's request sends: the page size, and the cursor past the first page. */
export interface PageQuery {
  limit: number;
  cursor?: string;
}

const PAGE_SIZE = 20;

/** A cursor-paged collection, newest first, loaded a page at a time. */
export function usePagedQuery<T>(
  queryKey: QueryKey,
  fetchPage: (query: PageQuery) => Promise<Page<T>>,
) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) =>
      fetchPage({ limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
}

// Logged things happen seconds apart, so their times show the seconds too.
export function formatWithSeconds(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: "medium",
    timeStyle: "medium",
    timeZone,
  }).format(new Date(iso));
}

/**
 * A recent-first log with its own heading: when it was last checked, Refresh,
 * Show more, and the empty state. Each row is a focusable list item, so a
 * newly loaded page can take focus at its first row.
 */
export function PagedList<T extends { id: string }>({
  query,
  title,
  headingLevel,
  what,
  buttonsLabel,
  timeZone,
  empty,
  notices,
  onRefresh,
  renderRow,
}: {
  query: UseInfiniteQueryResult<{ pages: Page<T>[] }>;
  title: string;
  /** The heading's level under the section the list belongs to. */
  headingLevel: "h4" | "h5";
  /** What is loading, in the loading message. */
  what: string;
  /** Told to screen readers after Refresh and Show more, to say which list they act on. */
  buttonsLabel: string;
  timeZone: string;
  empty: ReactNode;
  /** What the rows' own actions say, shown between the heading and the list. */
  notices?: ReactNode;
  onRefresh?: () => void;
  renderRow: (row: T) => ReactNode;
}) {
  const list = useRef<HTMLOListElement>(null);
  // Once the next page is in, focus goes to its first row, so a keyboard
  // user reads on from there rather than from a button that may be gone.
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const rows = query.data?.pages.flatMap((page) => page.items) ?? [];
  useEffect(() => {
    if (focusRow === null || rows.length <= focusRow) return;
    list.current?.querySelectorAll<HTMLLIElement>(":scope > li")[focusRow]?.focus();
    setFocusRow(null);
  }, [focusRow, rows.length]);
  const refreshing = query.isRefetching && !query.isFetchingNextPage;
  const headingId = useId();
  const Heading = headingLevel;
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Heading id={headingId} className="text-sm font-semibold text-slate-700">
          {title}
        </Heading>
        <div className="flex items-center gap-2">
          <p role="status" className="text-xs text-slate-500">
            {query.dataUpdatedAt > 0 &&
              !refreshing &&
              `Checked ${formatWithSeconds(new Date(query.dataUpdatedAt).toISOString(), timeZone)}`}
          </p>
          <Button
            variant="secondary"
            // aria-disabled, not disabled: a disabled button drops keyboard focus.
            aria-disabled={query.isFetching}
            onClick={() => {
              if (query.isFetching) return;
              onRefresh?.();
              void query.refetch();
            }}
          >
            {refreshing ? "Refreshing…" : "Refresh"}
            <span className="sr-only"> {buttonsLabel}</span>
          </Button>
        </div>
      </div>
      {notices}
      {query.isPending ? (
        <Loading what={what} />
      ) : query.error && rows.length === 0 ? (
        <ErrorMessage error={query.error} />
      ) : rows.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        <>
          <ol
            ref={list}
            aria-labelledby={headingId}
            className="flex flex-col divide-y divide-slate-200 rounded border border-slate-200"
          >
            {rows.map((row) => (
              <li
                key={row.id}
                tabIndex={-1}
                className="flex flex-col gap-1 p-3 text-sm focus:outline-2 focus:outline-emerald-700"
              >
                {renderRow(row)}
              </li>
            ))}
          </ol>
          {query.error && <ErrorMessage error={query.error} />}
          <div className="flex flex-wrap items-center gap-3">
            {query.hasNextPage && (
              <Button
                variant="secondary"
                aria-disabled={query.isFetchingNextPage}
                onClick={() => {
                  if (query.isFetchingNextPage) return;
                  setFocusRow(rows.length);
                  void query.fetchNextPage();
                }}
              >
                {query.isFetchingNextPage ? "Loading…" : "Show more"}
                <span className="sr-only"> {buttonsLabel}</span>
              </Button>
            )}
            <span className="text-xs text-slate-500">
              {formatNumber(rows.length)} shown, newest first
            </span>
          </div>
        </>
      )}
    </div>
  );
}
