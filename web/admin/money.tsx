import * as DialogPrimitive from "@radix-ui/react-dialog";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { ok, type Schema } from "../shared/api.ts";
import { formatDateTime, formatMoney } from "../shared/format.ts";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import {
  Badge,
  Button,
  ConfirmDialog,
  Empty,
  ErrorMessage,
  Field,
  inputClass,
  Loading,
  type BadgeTone,
} from "./ui.tsx";

type Flag = Schema<"Flag">;
type FlagStatus = Flag["status"];

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** Who a row is about: the name when there is one, else the brand's own id. */
const nameOf = (p: { name: string | null; externalId: string }) => p.name ?? p.externalId;

/** A participant's name, linking to their page. */
function ParticipantLink({ id, name }: { id: string; name: string }) {
  return (
    <Link to={`/participants/${id}`} className="underline">
      {name}
    </Link>
  );
}

/** A flag whose order still has commissions held: only those can be released or reversed. */
const holdsMoney = (f: Flag) => f.status === "open" && f.orderId !== null && f.held > 0;

/** What became of a decided flag, in the verbs the screen offers. */
function outcomeOf(f: Flag): { words: string; tone: BadgeTone } {
  if (f.status === "open") return { words: "Open", tone: "warning" };
  if (f.held === 0) return { words: "Dismissed", tone: "neutral" };
  return f.status === "approved"
    ? { words: "Released", tone: "good" }
    : { words: "Reversed as fraud", tone: "bad" };
}

function levelWords(level: number): string {
  return level === 1 ? "own sale" : `sponsor, level ${level}`;
}

export function Fraud({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<FlagStatus>("open");
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [told, setTold] = useState("");
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
  const money = (minor: number) => formatMoney(minor, program.currency);
  const settled = async (message: string) => {
    setSelected(new Set());
    setTold(message);
    // Balances and the ledger move with a decision; the participant screens read them again.
    await Promise.all(
      ["flags", "balances", "ledger", "payout-preview"].map((key) =>
        queryClient.invalidateQueries({ queryKey: [key] }),
      ),
    );
  };
  const decide = useMutation({
    mutationFn: ({ flag, verb }: { flag: Flag; verb: "approve" | "reject" }) =>
      ok(
        api.POST(`/v1/programs/{programId}/flags/{flagId}/${verb}`, {
          params: { path: { programId: program.id, flagId: flag.id } },
        }),
      ),
    onSuccess: (flag) => {
      const who = nameOf(flag.participant);
      return settled(
        flag.held === 0
          ? `Dismissed the ${flag.ruleName.toLowerCase()} flag on ${who}.`
          : flag.status === "approved"
            ? `Released ${money(flag.held)} of commission held by the flag on ${who}.`
            : `Reversed ${money(flag.held)} of commission as fraud for the flag on ${who}.`,
      );
    },
  });
  const review = useMutation({
    mutationFn: ({ flagIds, decision }: { flagIds: string[]; decision: "release" | "reverse" }) =>
      ok(
        api.POST("/v1/programs/{programId}/flags/review", {
          params: { path: { programId: program.id } },
          body: { flagIds, decision },
        }),
      ),
    onSuccess: (answer, { decision }) => {
      const total = answer.flags.reduce((sum, f) => sum + f.held, 0);
      return settled(
        decision === "release"
          ? `Released ${money(total)} of commission held by ${plural(answer.flags.length, "flag")}.`
          : `Reversed ${money(total)} of commission as fraud for ${plural(answer.flags.length, "flag")}.`,
      );
    },
  });
  const items = flags.data?.items ?? [];
  const selectable = items.filter(holdsMoney);
  const chosen = selectable.filter((f) => selected.has(f.id));
  const chosenTotal = chosen.reduce((sum, f) => sum + f.held, 0);
  const toggle = (id: string, on: boolean) =>
    setSelected((before) => {
      const next = new Set(before);
      if (on) next.add(id);
      else next.delete(id);
      return next;
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
            onChange={(e) => {
              setStatus(e.target.value as FlagStatus);
              setSelected(new Set());
            }}
            className="rounded border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="open">Open</option>
            <option value="approved">Released or dismissed</option>
            <option value="rejected">Reversed as fraud</option>
          </select>
        </div>
      </div>
      <p role="status" aria-live="polite" className="text-sm text-emerald-800">
        {told}
      </p>
      <ErrorMessage error={decide.error} />
      {status === "open" && selectable.length > 0 && (
        <section
          aria-label="Selected flags"
          className="flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 bg-slate-50 p-3 text-sm"
        >
          <p>
            {chosen.length === 0
              ? "Select flags to release or reverse them together."
              : `${plural(chosen.length, "flag")} selected, holding ${money(chosenTotal)}.`}
          </p>
          <Button
            variant="secondary"
            onClick={() =>
              setSelected(
                chosen.length === selectable.length
                  ? new Set()
                  : new Set(selectable.map((f) => f.id)),
              )
            }
          >
            {chosen.length === selectable.length ? "Select none" : "Select all"}
          </Button>
          {chosen.length > 0 && (
            <>
              <ConfirmDialog
                title={`Release ${money(chosenTotal)} of commission?`}
                description={`The commissions held by ${plural(chosen.length, "flag")} become available to pay. This cannot be undone.`}
                confirmLabel="Release commissions"
                onConfirm={() =>
                  review.mutateAsync({ flagIds: chosen.map((f) => f.id), decision: "release" })
                }
                focusAfter={() => statusSelect.current}
                trigger={<Button>Release selected</Button>}
              />
              <ConfirmDialog
                title={`Reverse ${money(chosenTotal)} of commission as fraud?`}
                description={`The commissions held by ${plural(chosen.length, "flag")} are reversed and will never be paid. This cannot be undone.`}
                confirmLabel="Reverse as fraud"
                onConfirm={() =>
                  review.mutateAsync({ flagIds: chosen.map((f) => f.id), decision: "reverse" })
                }
                focusAfter={() => statusSelect.current}
                trigger={<Button variant="danger">Reverse selected as fraud</Button>}
              />
            </>
          )}
        </section>
      )}
      {flags.isPending ? (
        <Loading what="flags" />
      ) : flags.error ? (
        <ErrorMessage error={flags.error} />
      ) : items.length === 0 ? (
        <Empty>
          {status === "open"
            ? "No open flags."
            : status === "approved"
              ? "No flags released or dismissed."
              : "No flags reversed as fraud."}
        </Empty>
      ) : (
        <ul aria-label="Flags" className="flex flex-col gap-3">
          {items.map((f) => (
            <FlagItem
              key={f.id}
              flag={f}
              program={program}
              selected={selected.has(f.id)}
              onSelect={(on) => toggle(f.id, on)}
              busy={decide.isPending || review.isPending}
              onDecide={(verb) => decide.mutateAsync({ flag: f, verb })}
              focusAfter={() => statusSelect.current}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function FlagItem({
  flag: f,
  program,
  selected,
  onSelect,
  busy,
  onDecide,
  focusAfter,
}: {
  flag: Flag;
  program: Program;
  selected: boolean;
  onSelect: (on: boolean) => void;
  busy: boolean;
  onDecide: (verb: "approve" | "reject") => Promise<unknown>;
  focusAfter: () => HTMLElement | null;
}) {
  const money = (minor: number) => formatMoney(minor, f.currency);
  const who = nameOf(f.participant);
  const outcome = outcomeOf(f);
  const headingId = useId();
  const checkId = useId();
  return (
    <li
      aria-labelledby={headingId}
      className="flex flex-col gap-2 rounded-lg border border-slate-200 bg-white p-3 text-sm"
    >
      <div className="flex flex-wrap items-center gap-2">
        {holdsMoney(f) && (
          <input
            id={checkId}
            type="checkbox"
            checked={selected}
            onChange={(e) => onSelect(e.target.checked)}
            aria-label={`Select the flag on ${who}, order ${f.orderId ?? ""}`}
            className="h-4 w-4"
          />
        )}
        <h3 id={headingId} className="font-semibold">
          {f.ruleName}: {who}
        </h3>
        <Badge tone={outcome.tone}>{outcome.words}</Badge>
      </div>
      <p>
        About <ParticipantLink id={f.participantId} name={who} /> ({f.participant.externalId}).{" "}
        {f.reason}
      </p>
      <p className="text-xs text-slate-500">
        Raised {formatDateTime(f.createdAt, program.timezone)}
        {f.orderId && ` · order ${f.orderId}`}
        {f.decidedAt && ` · decided ${formatDateTime(f.decidedAt, program.timezone)}`}
      </p>
      {f.orderId === null ? (
        <p>Holds nothing: no commission waits on this flag.</p>
      ) : f.commissions.length === 0 ? (
        <p>Holds nothing: the order has no commission left pending.</p>
      ) : (
        <div>
          <p>
            {f.status === "open" ? "Holds" : outcome.words === "Released" ? "Released" : "Reversed"}{" "}
            <strong>{money(f.held)}</strong> of commission:
          </p>
          <ul aria-label={`Commissions held by the flag on ${who}`} className="ml-4 list-disc">
            {f.commissions.map((c) => (
              <li key={`${c.participantId}-${c.level}`}>
                <ParticipantLink id={c.participantId} name={nameOf(c)} /> ({levelWords(c.level)}):{" "}
                {money(c.amount)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {f.status === "open" && (
        <div className="flex flex-wrap gap-2">
          {holdsMoney(f) ? (
            <>
              <ConfirmDialog
                title={`Release ${money(f.held)} to ${who}?`}
                description="The held commissions become available to pay, as if the order had never been flagged. This cannot be undone."
                confirmLabel="Release commission"
                onConfirm={() => onDecide("approve")}
                focusAfter={focusAfter}
                trigger={
                  <Button
                    disabled={busy}
                    aria-label={`Release commission of order ${f.orderId ?? ""} for ${who}`}
                  >
                    Release commission
                  </Button>
                }
              />
              <ConfirmDialog
                title={`Reverse ${money(f.held)} as fraud?`}
                description={`The commissions of order ${f.orderId} are reversed and will never be paid. This cannot be undone.`}
                confirmLabel="Reverse as fraud"
                onConfirm={() => onDecide("reject")}
                focusAfter={focusAfter}
                trigger={
                  <Button
                    variant="danger"
                    disabled={busy}
                    aria-label={`Reverse as fraud: order ${f.orderId ?? ""} for ${who}`}
                  >
                    Reverse as fraud
                  </Button>
                }
              />
            </>
          ) : (
            <Button
              variant="secondary"
              disabled={busy}
              onClick={() => void onDecide("approve").catch(() => undefined)}
              aria-label={`Dismiss the ${f.ruleName.toLowerCase()} flag on ${who}`}
            >
              Dismiss
            </Button>
          )}
        </div>
      )}
    </li>
  );
}

type PayoutSummary = Schema<"PayoutSummary">;
type Preview = Schema<"PayoutPreview">;

const PAYOUT_STATUS: Record<PayoutSummary["status"], { words: string; tone: BadgeTone }> = {
  created: { words: "Created", tone: "warning" },
  exported: { words: "Exported", tone: "neutral" },
  paid: { words: "Paid", tone: "good" },
};

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
  const [told, setTold] = useState("");
  const listHeading = useRef<HTMLHeadingElement>(null);
  const preview = useQuery({
    queryKey: ["payout-preview", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/payouts/preview", {
          params: { path: { programId: program.id } },
        }),
      ),
  });
  const payouts = useQuery({
    queryKey: ["payouts", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/payouts", {
          params: { path: { programId: program.id }, query: { limit: 500 } },
        }),
      ),
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["payout-preview", program.id] }),
      queryClient.invalidateQueries({ queryKey: ["payouts", program.id] }),
    ]);
  const create = useMutation({
    // What the admin saw is what is paid: the server refuses anything else.
    mutationFn: (seen: Preview) =>
      ok(
        api.POST("/v1/programs/{programId}/payouts", {
          params: { path: { programId: program.id } },
          body: {
            expect: {
              total: seen.total,
              count: seen.count,
              lines: seen.lines.map((l) => ({ participantId: l.participantId, amount: l.amount })),
            },
          },
        }),
      ),
    onSuccess: async (payout) => {
      setTold(
        `Payout ${payout.id} created: ${formatMoney(payout.total, payout.currency)} to ${plural(payout.lines.length, "participant")}. Export its CSV for your payout provider, then mark it paid.`,
      );
      await refresh();
    },
    // The preview changed under the admin: show what is due now, beside the refusal.
    onError: () => refresh(),
  });
  const exportCsv = useMutation({
    mutationFn: (p: PayoutSummary) => download(program, p),
    onSuccess: () => refresh(),
  });
  const money = (minor: number) => formatMoney(minor, program.currency);
  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">Payouts</h2>
      <p role="status" aria-live="polite" className="text-sm text-emerald-800">
        {told}
      </p>
      <section
        aria-labelledby="due-heading"
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <h3 id="due-heading" className="font-semibold">
          Due now
        </h3>
        {preview.isPending ? (
          <Loading what="what is due" />
        ) : preview.error ? (
          <ErrorMessage error={preview.error} />
        ) : (
          <DueNow
            preview={preview.data}
            money={money}
            onPay={() => create.mutateAsync(preview.data)}
            focusAfter={() => listHeading.current}
          />
        )}
      </section>
      <section aria-labelledby="made-heading" className="flex flex-col gap-3">
        <h3 id="made-heading" ref={listHeading} tabIndex={-1} className="font-semibold">
          Payouts made
        </h3>
        <ErrorMessage error={exportCsv.error} />
        {payouts.isPending ? (
          <Loading what="payouts" />
        ) : payouts.error ? (
          <ErrorMessage error={payouts.error} />
        ) : payouts.data.items.length === 0 ? (
          <Empty>No payouts yet.</Empty>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="w-full text-sm" aria-label="Payouts made, newest first">
              <thead>
                <tr className="text-left text-slate-500">
                  <th className="p-2">Created</th>
                  <th className="p-2">Payout</th>
                  <th className="p-2">Status</th>
                  <th className="p-2 text-right">Total</th>
                  <th className="p-2">
                    <span className="sr-only">Actions</span>
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
                    onPaid={async (paid) => {
                      setTold(
                        `Payout ${paid.id} marked paid${paid.paymentReference ? ` (reference ${paid.paymentReference})` : ""}.`,
                      );
                      await refresh();
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** Who a payout made now would pay, with the one button that pays exactly that. */
function DueNow({
  preview,
  money,
  onPay,
  focusAfter,
}: {
  preview: Preview;
  money: (minor: number) => string;
  onPay: () => Promise<unknown>;
  focusAfter: () => HTMLElement | null;
}) {
  const under =
    preview.belowMinimum > 0
      ? ` ${plural(preview.belowMinimum, "more balance")} ${preview.belowMinimum === 1 ? "is" : "are"} under the minimum of ${money(preview.minimum)} and wait for the next payout.`
      : "";
  if (preview.count === 0)
    return (
      <p className="text-sm">
        Nothing is due: no payout will be made.
        {under}
      </p>
    );
  return (
    <>
      <p className="text-sm">
        A payout now pays <strong>{money(preview.total)}</strong> to{" "}
        {plural(preview.count, "participant")}.{under}
      </p>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" aria-label="Due now">
          <thead>
            <tr className="text-left text-slate-500">
              <th className="p-2">Participant</th>
              <th className="p-2">Email</th>
              <th className="p-2 text-right">Amount</th>
            </tr>
          </thead>
          <tbody>
            {preview.lines.map((l) => (
              <tr key={l.participantId} className="border-t">
                <td className="p-2">
                  <ParticipantLink id={l.participantId} name={nameOf(l)} />
                  {l.name && <span className="text-xs text-slate-500"> ({l.externalId})</span>}
                </td>
                <td className="p-2">{l.email ?? "—"}</td>
                <td className="p-2 text-right">{money(l.amount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr className="border-t font-semibold">
              <th scope="row" className="p-2 text-left" colSpan={2}>
                Total
              </th>
              <td className="p-2 text-right">{money(preview.total)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <div>
        <ConfirmDialog
          title="Create a payout?"
          description={`It pays ${money(preview.total)} to ${plural(preview.count, "participant")}, exactly as listed, and moves it from available to paid. It cannot be undone.`}
          confirmLabel={`Pay ${money(preview.total)}`}
          onConfirm={onPay}
          focusAfter={focusAfter}
          trigger={<Button>Create payout</Button>}
        />
      </div>
    </>
  );
}

/** A payout, and on request who it paid: the lines are fetched when first shown. */
function PayoutRow({
  program,
  payout,
  onExport,
  onPaid,
}: {
  program: Program;
  payout: PayoutSummary;
  onExport: () => void;
  onPaid: (paid: Schema<"Payout">) => Promise<unknown>;
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
  const status = PAYOUT_STATUS[payout.status];
  return (
    <>
      <tr className="border-t">
        <td className="p-2">{formatDateTime(payout.createdAt, program.timezone)}</td>
        <td className="p-2 font-mono text-xs">{payout.id}</td>
        <td className="p-2">
          <Badge tone={status.tone}>{status.words}</Badge>
          {payout.paidAt && (
            <span className="block text-xs text-slate-500">
              {formatDateTime(payout.paidAt, program.timezone)}
              {payout.paymentReference && ` · ${payout.paymentReference}`}
            </span>
          )}
        </td>
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
          <Button variant="secondary" onClick={onExport} aria-label={`Export CSV of ${payout.id}`}>
            Export CSV
          </Button>
          {payout.status !== "paid" && (
            <MarkPaidDialog program={program} payout={payout} onPaid={onPaid} />
          )}
        </td>
      </tr>
      {open && (
        <tr id={linesId}>
          <td colSpan={5} className="bg-slate-50 p-2">
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
                    <th className="p-1">Reference</th>
                    <th className="p-1 text-right">Amount</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.data.lines.map((line) => (
                    <tr key={line.participantId} className="border-t">
                      <td className="p-1">
                        <ParticipantLink id={line.participantId} name={nameOf(line)} />
                      </td>
                      <td className="p-1 font-mono text-xs">{line.reference}</td>
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

/**
 * Marks a payout paid once the provider has paid it, with its reference: a
 * dialog of its own, since it asks for a value, and stays open on a failure.
 */
function MarkPaidDialog({
  program,
  payout,
  onPaid,
}: {
  program: Program;
  payout: PayoutSummary;
  onPaid: (paid: Schema<"Payout">) => Promise<unknown>;
}) {
  const [open, setOpen] = useState(false);
  const [reference, setReference] = useState("");
  const fieldId = useId();
  const mark = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/payouts/{payoutId}/mark-paid", {
          params: { path: { programId: program.id, payoutId: payout.id } },
          body: reference.trim() === "" ? {} : { reference: reference.trim() },
        }),
      ),
    onSuccess: async (paid) => {
      setOpen(false);
      await onPaid(paid);
    },
  });
  return (
    <DialogPrimitive.Root
      open={open}
      onOpenChange={(next) => {
        if (mark.isPending) return;
        setOpen(next);
        mark.reset();
      }}
    >
      <DialogPrimitive.Trigger asChild>
        <Button variant="secondary" aria-label={`Mark as paid: ${payout.id}`}>
          Mark as paid
        </Button>
      </DialogPrimitive.Trigger>
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
        <DialogPrimitive.Content className="fixed top-1/2 left-1/2 z-50 flex w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 flex-col gap-4 rounded-lg bg-white p-5 shadow-xl focus:outline-none">
          <DialogPrimitive.Title className="text-lg font-semibold">
            Mark {payout.id} as paid?
          </DialogPrimitive.Title>
          <DialogPrimitive.Description className="text-sm text-slate-700">
            Say so once your payout provider has paid its{" "}
            {formatMoney(payout.total, payout.currency)}. A paid payout stays paid.
          </DialogPrimitive.Description>
          <form
            className="flex flex-col gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              mark.mutate();
            }}
          >
            <Field id={fieldId} label="Provider's reference (optional)">
              <input
                id={fieldId}
                value={reference}
                onChange={(e) => setReference(e.target.value)}
                maxLength={200}
                className={inputClass}
              />
            </Field>
            <ErrorMessage error={mark.error} />
            <div className="flex flex-wrap justify-end gap-2">
              <DialogPrimitive.Close asChild>
                <Button variant="secondary" disabled={mark.isPending}>
                  Cancel
                </Button>
              </DialogPrimitive.Close>
              <Button type="submit" disabled={mark.isPending}>
                {mark.isPending ? "Working…" : "Mark as paid"}
              </Button>
            </div>
          </form>
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  );
}
