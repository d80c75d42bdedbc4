import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { ok, type Schema } from "../shared/api.ts";
import { formatDateTime, formatMoney } from "../shared/format.ts";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import { Button, ConfirmDialog, Empty, ErrorMessage, Loading } from "./ui.tsx";

type FlagStatus = Schema<"Flag">["status"];

export function Fraud({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<FlagStatus>("open");
  const statusSelect = useRef<HTMLSelectElement>(null);
  const flags = useQuery({
    queryKey: ["flags", program.id, status],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/flags", {
          params: { path: { programId: program.id }, query: { status, limit: 500 } },
        }),
      ),
  });
  const decide = useMutation({
    mutationFn: ({ flagId, verb }: { flagId: string; verb: "approve" | "reject" }) =>
      ok(
        api.POST(`/v1/programs/{programId}/flags/{flagId}/${verb}`, {
          params: { path: { programId: program.id, flagId } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["flags", program.id] }),
  });
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 className="text-xl font-semibold">Fraud review</h2>
        <div className="flex flex-col gap-1">
          <label htmlFor="flag-status" className="text-sm font-medium">
            Show
          </label>
          <select
            id="flag-status"
            ref={statusSelect}
            value={status}
            onChange={(e) => setStatus(e.target.value as typeof status)}
            className="rounded border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="open">Open</option>
            <option value="approved">Approved</option>
            <option value="rejected">Rejected</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={decide.error} />
      {flags.isPending ? (
        <Loading what="flags" />
      ) : flags.error ? (
        <ErrorMessage error={flags.error} />
      ) : flags.data.items.length === 0 ? (
        <Empty>No {status} flags.</Empty>
      ) : (
        <ul aria-label="Flags" className="flex flex-col gap-3">
          {flags.data.items.map((f) => (
            <li
              key={f.id}
              className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white p-3"
            >
              <div className="text-sm">
                <p className="font-medium">{f.rule.replaceAll("_", " ")}</p>
                <p>{f.reason}</p>
                <p className="text-xs text-slate-500">
                  {formatDateTime(f.createdAt, program.timezone)}
                  {f.orderId && ` · order ${f.orderId}`}
                  {f.eventId && ` · event ${f.eventId}`}
                </p>
              </div>
              {f.status === "open" && (
                <div className="flex gap-2">
                  <Button
                    onClick={() => decide.mutate({ flagId: f.id, verb: "approve" })}
                    disabled={decide.isPending}
                    aria-label={`Approve flag ${f.id}`}
                  >
                    Approve
                  </Button>
                  <ConfirmDialog
                    title={`Reject the ${f.rule.replaceAll("_", " ")} flag?`}
                    description="Rejecting it reverses the commissions of an order it holds, and cannot be undone."
                    confirmLabel="Reject flag"
                    onConfirm={() => decide.mutateAsync({ flagId: f.id, verb: "reject" })}
                    focusAfter={() => statusSelect.current}
                    trigger={
                      <Button
                        variant="danger"
                        disabled={decide.isPending}
                        aria-label={`Reject flag ${f.id}`}
                      >
                        Reject
                      </Button>
                    }
                  />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

type PayoutSummary = Schema<"PayoutSummary">;

/** The export needs the admin key, which a plain link cannot send: fetch it, then save it. */
async function download(program: Program, payout: PayoutSummary): Promise<void> {
  const csv = await ok(
    api.GET("/v1/programs/{programId}/payouts/{payoutId}/export.csv", {
      params: { path: { programId: program.id, payoutId: payout.id } },
      parseAs: "blob",
    }),
  );
  const url = URL.createObjectURL(csv);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${payout.id}.csv`;
  link.click();
  URL.revokeObjectURL(url);
}

export function Payouts({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const payouts = useQuery({
    queryKey: ["payouts", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/payouts", {
          params: { path: { programId: program.id }, query: { limit: 500 } },
        }),
      ),
  });
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/payouts", {
          params: { path: { programId: program.id } },
          body: {},
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["payouts", program.id] }),
  });
  const exportCsv = useMutation({ mutationFn: (p: PayoutSummary) => download(program, p) });
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-semibold">Payouts</h2>
        <ConfirmDialog
          title="Create a payout?"
          description="The payout pays every available cash balance at or over the program minimum. It cannot be undone."
          confirmLabel="Create payout"
          onConfirm={() => create.mutateAsync()}
          trigger={<Button>Create payout</Button>}
        />
      </div>
      <p className="text-sm text-slate-600">
        A payout pays every available cash balance at or over the program minimum.
      </p>
      {create.data && (
        <p role="status" className="rounded border border-emerald-300 bg-emerald-50 p-3 text-sm">
          {create.data.lines.length > 0
            ? `Payout ${create.data.id}: ${formatMoney(create.data.total, create.data.currency)} to ${create.data.lines.length} participant${create.data.lines.length === 1 ? "" : "s"}.`
            : "Nobody has an available balance at or over the minimum: the payout is empty."}
        </p>
      )}
      <ErrorMessage error={exportCsv.error} />
      {payouts.isPending ? (
        <Loading what="payouts" />
      ) : payouts.error ? (
        <ErrorMessage error={payouts.error} />
      ) : payouts.data.items.length === 0 ? (
        <Empty>No payouts yet.</Empty>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left text-slate-500">
                <th className="p-2">Created</th>
                <th className="p-2">Payout</th>
                <th className="p-2 text-right">Total</th>
                <th className="p-2">
                  <span className="sr-only">Export</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {payouts.data.items.map((p) => (
                <PayoutRow
                  key={p.id}
                  program={program}
                  payout={p}
                  onExport={() => exportCsv.mutate(p)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** A payout, and on request who it paid: the lines are fetched when first shown. */
function PayoutRow({
  program,
  payout,
  onExport,
}: {
  program: Program;
  payout: PayoutSummary;
  onExport: () => void;
}) {
  const [open, setOpen] = useState(false);
  const detail = useQuery({
    queryKey: ["payout", program.id, payout.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/payouts/{payoutId}", {
          params: { path: { programId: program.id, payoutId: payout.id } },
        }),
      ),
    enabled: open,
  });
  const linesId = `lines-${payout.id}`;
  return (
    <>
      <tr className="border-t">
        <td className="p-2">{formatDateTime(payout.createdAt, program.timezone)}</td>
        <td className="p-2 font-mono text-xs">{payout.id}</td>
        <td className="p-2 text-right">{formatMoney(payout.total, payout.currency)}</td>
        <td className="flex flex-wrap justify-end gap-2 p-2">
          <Button
            variant="secondary"
            aria-expanded={open}
            aria-controls={linesId}
            aria-label={`${open ? "Hide" : "Show"} lines of ${payout.id}`}
            onClick={() => setOpen(!open)}
          >
            {open ? "Hide lines" : "Show lines"}
          </Button>
          <Button
            variant="secondary"
            onClick={onExport}
            aria-label={`Download CSV of ${payout.id}`}
          >
            Download CSV
          </Button>
        </td>
      </tr>
      {open && (
        <tr id={linesId}>
          <td colSpan={4} className="bg-slate-50 p-2">
            {detail.isPending ? (
              <Loading what="the payout's lines" />
            ) : detail.error ? (
              <ErrorMessage error={detail.error} />
            ) : detail.data.lines.length === 0 ? (
              <Empty>This payout paid nobody.</Empty>
            ) : (
              <table className="w-full text-sm" aria-label={`Lines of ${payout.id}`}>
                <thead>
                  <tr className="text-left text-slate-500">
                    <th className="p-1">Participant</th>
                    <th className="p-1 text-right">Amount</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.data.lines.map((line) => (
                    <tr key={line.participantId} className="border-t">
                      <td className="p-1">
                        <Link to={`/participants/${line.participantId}`} className="underline">
                          {line.externalId}
                        </Link>
                      </td>
                      <td className="p-1 text-right">
                        {formatMoney(line.amount, payout.currency)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
