import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type DragEvent, type ReactNode, type RefObject } from "react";
import { ApiError, ok, rawBody, type Schema } from "../shared/api.ts";
import { formatDateTime, formatMoney, formatNumber } from "../shared/format.ts";
import { api, type Program } from "./session.ts";
import {
  Badge,
  Button,
  CopyField,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  inputClass,
} from "./ui.tsx";

type Goal = Schema<"Goal">;
type Preview = Schema<"TargetPreview">;
type PreviewRow = Preview["items"][number];
type Reward = PreviewRow["grants"][number]["reward"];

/** One of the screen's steps: a white panel named by its heading. */
function Panel({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section
      aria-labelledby={`${id}-heading`}
      className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 id={`${id}-heading`} className="text-sm font-semibold text-slate-700">
        {title}
      </h3>
      {children}
    </section>
  );
}

/**
 * Per-participant targets: pick a goal and a period, download a template,
 * choose a file, read what it would do (money in the goal's currency, rows
 * that would grant at once marked), then import it and see the targets set.
 * Targets are sent as the API takes every amount, in minor units; the page
 * says so and shows each money target as money, so 500 meant as $500 reads
 * as the $5.00 it is before anything is written.
 */
export function Targets({ program }: { program: Program }) {
  const goals = useQuery({
    queryKey: ["goals", program.id, "targets"],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/goals", {
          params: { path: { programId: program.id }, query: { limit: 500 } },
        }),
      ),
  });
  const targetGoals = (goals.data?.items ?? []).filter(
    (g) => g.target.type === "per_participant" && g.endedAt === null,
  );
  const [chosenGoal, setChosenGoal] = useState<string>("");
  const goal = targetGoals.find((g) => g.id === chosenGoal) ?? targetGoals[0];
  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">Targets</h2>
      <p className="text-sm text-slate-700">
        A targets file sets each participant's own target for a goal and a period. It has the header{" "}
        <code>participant,goal,period,target</code>: the participant's external id, the goal's id,
        the period as <code>YYYY-MM</code> or <code>YYYY-Qn</code>, and the target. Every row is
        imported, or none.
      </p>
      <p className="rounded border border-sky-300 bg-sky-50 p-3 text-sm text-sky-950">
        <strong>Money targets are in minor units</strong> (cents for {program.currency}
        {currencyNote(program.currency)}): a target of {formatMoney(50000, program.currency)} is
        written <code>50000</code>, not <code>500</code>. Counts (orders, units, reviews) are plain
        numbers.
      </p>
      {goals.isPending ? (
        <Loading what="goals" />
      ) : goals.error ? (
        <ErrorMessage error={goals.error} />
      ) : goal === undefined ? (
        <Empty>
          No goal takes imported targets yet. Create a goal with a per-participant target on the
          Goals screen first.
        </Empty>
      ) : (
        <TargetsOfGoal
          key={goal.id}
          program={program}
          goals={targetGoals}
          goal={goal}
          onGoal={setChosenGoal}
        />
      )}
    </div>
  );
}

/** Goals measured in the program's money, whose targets are minor units. */
const isMoney = (goal: Goal) => goal.metric === "sales_amount" || goal.metric === "sku_amount";

/** Minor units in words for currencies whose smallest unit is not a cent. */
function currencyNote(currency: string): string {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits;
  if (digits === 2) return "";
  if (digits === 0) return `, which has no smaller unit: 1 is ${formatMoney(1, currency)}`;
  return `, ${digits} decimal places`;
}

function TargetsOfGoal({
  program,
  goals,
  goal,
  onGoal,
}: {
  program: Program;
  goals: Goal[];
  goal: Goal;
  onGoal: (id: string) => void;
}) {
  const periods = periodsFor(goal, program.timezone);
  const [period, setPeriod] = useState(periods.current);
  const goalIdRef = useRef<HTMLInputElement>(null);
  const money = isMoney(goal);
  const exampleTarget = money ? 50000 : 40;
  return (
    <>
      <Panel id="targets-goal" title="Goal and period">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field id="targets-goal" label="Goal">
            <select
              id="targets-goal"
              value={goal.id}
              onChange={(e) => onGoal(e.target.value)}
              className={inputClass}
            >
              {goals.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name} ({g.id})
                </option>
              ))}
            </select>
          </Field>
          <Field id="targets-period" label="Period">
            <select
              id="targets-period"
              value={period}
              onChange={(e) => setPeriod(e.target.value)}
              className={inputClass}
            >
              {periods.options.map((p) => (
                <option key={p.key} value={p.key}>
                  {p.label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <CopyField
          id="targets-goal-id"
          label="Goal id (the file's goal column)"
          copyLabel="goal id"
          what="goal id"
          value={goal.id}
          inputRef={goalIdRef}
        />
        <p className="text-sm text-slate-700">
          {goal.name} measures {metricWords(goal.metric, program.currency)}
          {money ? " — write its targets in minor units" : ""}. An example line:
        </p>
        <pre className="overflow-x-auto rounded bg-slate-100 p-2 text-xs" aria-label="Example line">
          {`participant,goal,period,target\namb-42,${goal.id},${period},${exampleTarget}`}
        </pre>
        <p className="text-sm text-slate-600">
          {money
            ? `This sets amb-42's target to ${formatMoney(exampleTarget, program.currency)}.`
            : `This sets amb-42's target to ${formatNumber(exampleTarget)}.`}
        </p>
        <div>
          <TemplateButton program={program} goal={goal} period={period} />
        </div>
      </Panel>
      <ImportFile program={program} goal={goal} period={period} />
      <ImportedTargets program={program} goal={goal} period={period} />
    </>
  );
}

function TemplateButton({
  program,
  goal,
  period,
}: {
  program: Program;
  goal: Goal;
  period: string;
}) {
  const download = useMutation({
    mutationFn: async () => {
      const csv = await ok(
        api.GET("/v1/programs/{programId}/targets/template.csv", {
          params: { path: { programId: program.id }, query: { goalId: goal.id, period } },
          parseAs: "blob",
        }),
      );
      const url = URL.createObjectURL(csv);
      const link = document.createElement("a");
      link.href = url;
      link.download = `targets-${goal.id}-${period}.csv`;
      link.click();
      URL.revokeObjectURL(url);
    },
  });
  return (
    <div className="flex flex-col gap-2">
      <Button variant="secondary" onClick={() => download.mutate()} disabled={download.isPending}>
        Download template
      </Button>
      <p className="text-xs text-slate-500">
        A row for every active participant for this goal and period, with their current target or an
        empty one to fill in.
      </p>
      <ErrorMessage error={download.error} />
    </div>
  );
}

function ImportFile({ program, goal, period }: { program: Program; goal: Goal; period: string }) {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [told, setTold] = useState("");
  const previewHeading = useRef<HTMLHeadingElement>(null);
  const preview = useMutation({
    mutationFn: (text: string) =>
      ok(
        api.POST("/v1/programs/{programId}/targets/preview", {
          params: { path: { programId: program.id } },
          body: text,
          ...rawBody("text/csv"),
        }),
      ),
    onSuccess: () => setTimeout(() => previewHeading.current?.focus(), 0),
  });
  const upload = useMutation({
    mutationFn: (text: string) =>
      ok(
        api.POST("/v1/programs/{programId}/targets", {
          params: { path: { programId: program.id } },
          body: text,
          ...rawBody("text/csv"),
        }),
      ),
    onSuccess: async (answer) => {
      const grants = answer.grants.length;
      setTold(
        answer.duplicate
          ? `This file was already imported (${answer.rows} rows); nothing changed.`
          : `Imported ${answer.rows} target${answer.rows === 1 ? "" : "s"}` +
              (grants > 0
                ? `; ${grants} step${grants === 1 ? "" : "s"} granted at once.`
                : "; nothing was due at once."),
      );
      setFile(null);
      preview.reset();
      await queryClient.invalidateQueries({ queryKey: ["goal-targets", program.id] });
    },
  });
  const choose = async (chosen: File | undefined) => {
    setTold("");
    upload.reset();
    if (!chosen) {
      setFile(null);
      preview.reset();
      return;
    }
    const text = await chosen.text();
    setFile({ name: chosen.name, text });
    preview.mutate(text);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void choose(event.dataTransfer.files[0]);
  };
  const error = preview.error ?? upload.error;
  const rows = error instanceof ApiError ? badRows(error) : [];
  return (
    <Panel id="targets-file" title="Import a file">
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
        className={`rounded border-2 border-dashed p-4 ${dragging ? "border-emerald-600 bg-emerald-50" : "border-slate-300"}`}
      >
        <Field
          id="targets-file"
          label="Targets CSV file"
          hint="Choose a file or drop it here. Nothing is imported until you confirm."
        >
          <input
            id="targets-file"
            type="file"
            accept=".csv,text/csv"
            className={inputClass}
            onChange={(e) => void choose(e.target.files?.[0])}
          />
        </Field>
      </div>
      <p role="status" aria-live="polite" className="min-h-5 text-sm text-emerald-800">
        {told}
      </p>
      {preview.isPending && <Loading what="the preview" />}
      {rows.length > 0 ? <BadRows rows={rows} /> : <ErrorMessage error={error} />}
      {preview.data && file && (
        <PreviewTable
          program={program}
          preview={preview.data}
          headingRef={previewHeading}
          fileName={file.name}
          selected={{ goal, period }}
          action={
            <Button onClick={() => upload.mutate(file.text)} disabled={upload.isPending}>
              {upload.isPending
                ? "Importing…"
                : `Import ${preview.data.rows} target${preview.data.rows === 1 ? "" : "s"}`}
            </Button>
          }
        />
      )}
    </Panel>
  );
}

interface BadRow {
  line: number;
  field: string;
  message: string;
}

function badRows(error: ApiError): BadRow[] {
  return error.body.details
    .flatMap((d) =>
      d.line === undefined
        ? []
        : [{ line: d.line, field: d.field ?? "—", message: d.message ?? "" }],
    )
    .sort((a, b) => a.line - b.line);
}

function BadRows({ rows }: { rows: BadRow[] }) {
  return (
    <section aria-label="Rows to fix" className="rounded-lg border border-red-300 bg-red-50 p-4">
      <p role="alert" className="mb-2 text-sm font-medium text-red-800">
        Nothing was imported: fix {rows.length} row{rows.length === 1 ? "" : "s"} and choose the
        file again.
      </p>
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left">
            <th className="py-1">Line</th>
            <th className="py-1">Field</th>
            <th className="py-1">Problem</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d, i) => (
            <tr key={i} className="border-t border-red-200">
              <td className="py-1">Line {d.line}</td>
              <td className="py-1">{d.field}</td>
              <td className="py-1">{d.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A money target below this many minor units, against sales far above it, reads as major units. */
const SMALL_MONEY_TARGET = 1000;

/**
 * Money targets that look like major units: every money target in the file
 * is under 1,000 minor units ($10.00) while some participant has already sold
 * ten times their target.
 */
function looksLikeMajorUnits(items: readonly PreviewRow[]): boolean {
  const money = items.filter((i) => i.goal.currency !== null);
  return (
    money.length > 0 &&
    money.every((i) => i.target < SMALL_MONEY_TARGET) &&
    money.some((i) => i.value >= i.target * 10)
  );
}

function PreviewTable({
  program,
  preview,
  headingRef,
  fileName,
  selected,
  action,
}: {
  program: Program;
  preview: Preview;
  headingRef: RefObject<HTMLHeadingElement | null>;
  fileName: string;
  selected: { goal: Goal; period: string };
  action: ReactNode;
}) {
  const first = preview.items.find((i) => i.goal.currency !== null);
  const elsewhere = preview.items.filter(
    (i) => i.goal.id !== selected.goal.id || i.period !== selected.period,
  ).length;
  return (
    <div className="flex flex-col gap-3">
      <h4 ref={headingRef} tabIndex={-1} className="text-sm font-semibold focus:outline-none">
        Preview of {fileName}: {preview.rows} row{preview.rows === 1 ? "" : "s"}
      </h4>
      <p className="text-sm text-slate-700">
        {preview.new} new, {preview.replaced} replacing an earlier target, {preview.unchanged}{" "}
        unchanged.{" "}
        {preview.granting > 0
          ? `${preview.granting} row${preview.granting === 1 ? "" : "s"} would grant rewards at once (marked below).`
          : "No row grants anything at once."}
        {elsewhere > 0 &&
          ` ${elsewhere} row${elsewhere === 1 ? " is" : "s are"} for another goal or period than the one picked above.`}
      </p>
      {first && looksLikeMajorUnits(preview.items) && (
        <p
          role="alert"
          className="rounded border border-amber-400 bg-amber-50 p-3 text-sm text-amber-950"
        >
          {formatMoney(first.target, first.goal.currency ?? program.currency)} — is that what you
          meant? Targets are in cents: {formatMoney(50000, program.currency)} is 50000. Every money
          target in this file is under {formatMoney(SMALL_MONEY_TARGET, program.currency)} while
          sales are far above them; check the file before importing.
        </p>
      )}
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <caption className="sr-only">What importing each row would do now</caption>
          <thead>
            <tr className="text-left">
              <th className="py-1 pr-2">Line</th>
              <th className="py-1 pr-2">Participant</th>
              <th className="py-1 pr-2">Goal</th>
              <th className="py-1 pr-2">Period</th>
              <th className="py-1 pr-2">Target</th>
              <th className="py-1 pr-2">Change</th>
              <th className="py-1 pr-2">Now</th>
              <th className="py-1">Grants at once</th>
            </tr>
          </thead>
          <tbody>
            {preview.items.map((row) => (
              <tr
                key={row.line}
                className={`border-t border-slate-200 ${row.grants.length > 0 ? "bg-amber-50" : ""}`}
              >
                <td className="py-1 pr-2">{row.line}</td>
                <td className="py-1 pr-2">
                  {row.participant.name ?? row.participant.externalId}
                  <span className="block text-xs text-slate-600">{row.participant.externalId}</span>
                </td>
                <td className="py-1 pr-2">{row.goal.name}</td>
                <td className="py-1 pr-2">{row.period}</td>
                <td className="py-1 pr-2">
                  {amount(row, row.target)}
                  {row.goal.currency !== null && (
                    <span className="block text-xs text-slate-600">
                      {formatNumber(row.target)} minor units
                    </span>
                  )}
                </td>
                <td className="py-1 pr-2">{changeWords(row)}</td>
                <td className="py-1 pr-2">
                  {amount(row, row.value)} ({formatNumber(row.percent)}%)
                </td>
                <td className="py-1">
                  {row.grants.length === 0 ? (
                    "—"
                  ) : (
                    <>
                      <Badge tone="warning">Grants now</Badge>{" "}
                      {row.grants
                        .map((g) => `step ${g.step}: ${rewardWords(g.reward, program.currency)}`)
                        .join("; ")}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div>{action}</div>
    </div>
  );
}

/** A value in the row's goal unit: money in the goal's currency, else a plain number. */
function amount(row: PreviewRow, value: number): string {
  return row.goal.currency !== null ? formatMoney(value, row.goal.currency) : formatNumber(value);
}

function changeWords(row: PreviewRow): string {
  if (row.change === "new") return "New";
  if (row.change === "unchanged") return "Unchanged";
  return `Replaces ${amount(row, row.previousTarget ?? 0)}`;
}

function rewardWords(reward: Reward, currency: string): string {
  const where = reward.program === undefined ? "" : ` in ${reward.program}`;
  switch (reward.type) {
    case "points":
      return `${formatNumber(reward.points)} point${reward.points === 1 ? "" : "s"}${where}`;
    case "cash":
      return `${formatMoney(reward.amount, currency)} cash${where}`;
    case "free_product":
      return `a free ${reward.sku}${where}`;
    case "level":
      return `level ${reward.level}${where}`;
  }
}

function metricWords(metric: Goal["metric"], currency: string): string {
  switch (metric) {
    case "sales_amount":
      return `sales in ${currency}`;
    case "sku_amount":
      return `sales of some products in ${currency}`;
    case "sku_quantity":
      return "units sold";
    case "order_count":
      return "orders";
    case "points_earned":
      return "points earned";
    case "review_count":
      return "reviews";
    case "referral_count":
      return "recruits";
    case "inactivity_days":
      return "days without a sale";
    case "signup_count":
      return "signups";
    case "lead_count":
      return "leads";
    case "custom_count":
      return "custom events";
  }
}

function ImportedTargets({
  program,
  goal,
  period,
}: {
  program: Program;
  goal: Goal;
  period: string;
}) {
  const targets = useQuery({
    queryKey: ["goal-targets", program.id, goal.id, period],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/goals/{goalId}/targets", {
          params: {
            path: { programId: program.id, goalId: goal.id },
            query: { period, limit: 500 },
          },
        }),
      ),
  });
  const money = isMoney(goal);
  const show = (value: number) =>
    money ? formatMoney(value, program.currency) : formatNumber(value);
  return (
    <Panel id="targets-list" title={`Targets of ${goal.name} for ${period}`}>
      {targets.isPending ? (
        <Loading what="targets" />
      ) : targets.error ? (
        <ErrorMessage error={targets.error} />
      ) : targets.data.items.length === 0 ? (
        <Empty>No targets are set for {period} yet.</Empty>
      ) : (
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left">
              <th className="py-1 pr-2">Participant</th>
              <th className="py-1 pr-2">Target</th>
              <th className="py-1 pr-2">Now</th>
              <th className="py-1 pr-2">Percent</th>
              <th className="py-1">Imported</th>
            </tr>
          </thead>
          <tbody>
            {targets.data.items.map((t) => (
              <tr key={t.participantId} className="border-t border-slate-200">
                <td className="py-1 pr-2">
                  {t.name ?? t.externalId}
                  <span className="block text-xs text-slate-600">{t.externalId}</span>
                </td>
                <td className="py-1 pr-2">{show(t.target)}</td>
                <td className="py-1 pr-2">{show(t.value)}</td>
                <td className="py-1 pr-2">{formatNumber(t.percent)}%</td>
                <td className="py-1">{formatDateTime(t.importedAt, program.timezone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {targets.data?.next && (
        <p className="text-sm text-slate-600">Showing the first 500 targets.</p>
      )}
    </Panel>
  );
}

interface PeriodChoices {
  current: string;
  options: { key: string; label: string }[];
}

/**
 * Periods the goal's window takes, around today in the program's time zone:
 * months for a monthly goal, quarters for a quarterly one, both otherwise.
 */
function periodsFor(goal: Goal, timeZone: string): PeriodChoices {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
  }).formatToParts(new Date());
  const year = Number(parts.find((p) => p.type === "year")?.value);
  const month = Number(parts.find((p) => p.type === "month")?.value);
  const monthKey = (y: number, m: number) => `${y}-${String(m).padStart(2, "0")}`;
  const months = [-2, -1, 0, 1, 2, 3].map((offset) => {
    const index = year * 12 + (month - 1) + offset;
    const y = Math.floor(index / 12);
    const m = (index % 12) + 1;
    const label = new Intl.DateTimeFormat("en", {
      month: "long",
      year: "numeric",
      timeZone: "UTC",
    }).format(new Date(Date.UTC(y, m - 1, 1)));
    return { key: monthKey(y, m), label: `${label} (${monthKey(y, m)})` };
  });
  const quarter = Math.floor((month - 1) / 3);
  const quarters = [-1, 0, 1, 2].map((offset) => {
    const index = year * 4 + quarter + offset;
    const key = `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
    return { key, label: key };
  });
  const currentMonth = monthKey(year, month);
  const currentQuarter = `${year}-Q${quarter + 1}`;
  if (goal.window.type === "monthly") return { current: currentMonth, options: months };
  if (goal.window.type === "quarterly") return { current: currentQuarter, options: quarters };
  return { current: currentMonth, options: [...months, ...quarters] };
}
