import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { ApiError, ok, type RequestBody, type Schema } from "../shared/api.ts";
import { currencyDigits, formatDate, formatMoney, formatNumber } from "../shared/format.ts";
import { localDateOf } from "./dates.ts";
import { api, type Program } from "./session.ts";
import {
  Button,
  Checkbox,
  ConfirmDialog,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  inputClass,
  invalid,
} from "./ui.tsx";

type Goal = Schema<"Goal">;
type GoalBody = RequestBody<"/v1/programs/{programId}/goals", "post">;
type Metric = Goal["metric"];
type Reward = GoalBody["steps"][number]["reward"];

const METRICS = [
  ["sales_amount", "Sales amount"],
  ["order_count", "Order count"],
  ["sku_amount", "SKU amount"],
  ["sku_quantity", "SKU quantity"],
  ["points_earned", "Points earned"],
  ["review_count", "Review count"],
  ["referral_count", "Referrals with a sale"],
  ["inactivity_days", "Days inactive"],
] as const satisfies readonly (readonly [Metric, string])[];
const MONEY_METRICS = new Set<string>(["sales_amount", "sku_amount"] satisfies Metric[]);

const REWARDS = [
  ["points", "Points"],
  ["cash", "Cash"],
  ["percent_of_value", "Percent of value"],
  ["points_per", "Points per amount"],
  ["free_product", "Free product"],
  ["level", "Level"],
] as const satisfies readonly (readonly [Extract<Reward, { type: string }>["type"], string])[];
type RewardType = (typeof REWARDS)[number][0];

/** A step as the form holds it: text, as typed, until it is sent. */
interface StepDraft {
  value: string;
  rewardType: RewardType;
  /** Points, cash (major units), percent, SKU or level, by reward type. */
  reward: string;
  /** The `per` of a points_per reward. */
  per: string;
}

interface Draft {
  name: string;
  metric: Metric;
  skus: string;
  windowType: "lifetime" | "fixed" | "monthly" | "quarterly";
  start: string;
  end: string;
  targetType: "fixed" | "per_participant";
  steps: StepDraft[];
  evaluate: "immediately" | "at_window_end";
  returns: "ignore" | "subtract";
  showInWidget: boolean;
}

const emptyStep = (): StepDraft => ({ value: "", rewardType: "points", reward: "", per: "" });

const newDraft = (): Draft => ({
  name: "",
  metric: "sales_amount",
  skus: "",
  windowType: "lifetime",
  start: "",
  end: "",
  targetType: "fixed",
  steps: [emptyStep()],
  evaluate: "immediately",
  returns: "ignore",
  showInWidget: true,
});

/** Major units typed in a form to the API's minor units; blank stays blank so the API names it. */
function toMinor(text: string, currency: string): number | undefined {
  if (text.trim() === "") return undefined;
  return Math.round(Number(text) * 10 ** currencyDigits(currency));
}

const toMajor = (minor: number, currency: string) => String(minor / 10 ** currencyDigits(currency));

const toNumber = (text: string) => (text.trim() === "" ? undefined : Number(text));

function rewardOf(step: StepDraft, money: boolean, currency: string): Reward {
  switch (step.rewardType) {
    case "points":
      return { type: "points", points: toNumber(step.reward) as number };
    case "cash":
      return { type: "cash", amount: toMinor(step.reward, currency) as number };
    case "percent_of_value":
      return { type: "percent_of_value", percent: toNumber(step.reward) as number };
    case "points_per":
      return {
        type: "points_per",
        points: toNumber(step.reward) as number,
        per: (money ? toMinor(step.per, currency) : toNumber(step.per)) as number,
      };
    case "free_product":
      return { type: "free_product", sku: step.reward.trim() };
    case "level":
      return { type: "level", level: step.reward.trim() };
  }
}

function bodyOf(draft: Draft, program: Program): GoalBody {
  const money = MONEY_METRICS.has(draft.metric);
  const skus = draft.skus
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    name: draft.name,
    metric: draft.metric,
    ...(skus.length > 0 ? { filter: { skus } } : {}),
    window:
      draft.windowType === "fixed"
        ? // The API reads a date as its midnight in the program's time zone.
          { type: "fixed", start: draft.start, end: draft.end }
        : { type: draft.windowType },
    target: { type: draft.targetType },
    steps: draft.steps.map((s) => {
      const reward = rewardOf(s, money, program.currency);
      if (draft.targetType === "per_participant") return { percent: toNumber(s.value), reward };
      return { threshold: money ? toMinor(s.value, program.currency) : toNumber(s.value), reward };
    }),
    evaluate: draft.evaluate,
    returns: draft.returns,
    showInWidget: draft.showInWidget,
  };
}

function draftOf(goal: Goal, program: Program): Draft {
  const money = MONEY_METRICS.has(goal.metric);
  return {
    name: goal.name,
    metric: goal.metric,
    skus: goal.filter?.skus.join(", ") ?? "",
    windowType: goal.window.type,
    start: goal.window.type === "fixed" ? localDateOf(goal.window.start, program.timezone) : "",
    end: goal.window.type === "fixed" ? localDateOf(goal.window.end, program.timezone) : "",
    targetType: goal.target.type,
    steps: goal.steps.map((s) => {
      const value =
        goal.target.type === "per_participant"
          ? String(s.percent ?? "")
          : s.threshold === undefined
            ? ""
            : money
              ? toMajor(s.threshold, program.currency)
              : String(s.threshold);
      const r = s.reward;
      if ("byLevel" in r) return { ...emptyStep(), value };
      switch (r.type) {
        case "points":
          return { value, rewardType: r.type, reward: String(r.points), per: "" };
        case "cash":
          return {
            value,
            rewardType: r.type,
            reward: toMajor(r.amount, program.currency),
            per: "",
          };
        case "percent_of_value":
          return { value, rewardType: r.type, reward: String(r.percent), per: "" };
        case "points_per":
          return {
            value,
            rewardType: r.type,
            reward: String(r.points),
            per: money ? toMajor(r.per, program.currency) : String(r.per),
          };
        case "free_product":
          return { value, rewardType: r.type, reward: r.sku, per: "" };
        case "level":
          return { value, rewardType: r.type, reward: r.level, per: "" };
      }
    }),
    evaluate: goal.evaluate,
    returns: goal.returns,
    showInWidget: goal.showInWidget,
  };
}

function describeReward(step: StepDraft, money: boolean, currency: string): string {
  const blank = (text: string) => (text.trim() === "" ? "…" : text);
  switch (step.rewardType) {
    case "points":
      return `${blank(step.reward)} points`;
    case "cash":
      return step.reward.trim() === ""
        ? "… cash"
        : formatMoney(toMinor(step.reward, currency) ?? 0, currency);
    case "percent_of_value":
      return `${blank(step.reward)}% of the value`;
    case "points_per":
      return `${blank(step.reward)} points per ${
        money && step.per.trim() !== ""
          ? formatMoney(toMinor(step.per, currency) ?? 0, currency)
          : blank(step.per)
      }`;
    case "free_product":
      return `free ${blank(step.reward)}`;
    case "level":
      return `level ${blank(step.reward)}`;
  }
}

function Preview({ draft, program }: { draft: Draft; program: Program }) {
  const money = MONEY_METRICS.has(draft.metric);
  const metric = METRICS.find(([key]) => key === draft.metric)?.[1] ?? draft.metric;
  const at = (value: string) => {
    if (value.trim() === "") return "…";
    if (draft.targetType === "per_participant") return `${value}% of target`;
    return money
      ? formatMoney(toMinor(value, program.currency) ?? 0, program.currency)
      : formatNumber(Number(value));
  };
  const values = draft.steps.map((s) => Number(s.value));
  return (
    <section
      aria-label="Ladder preview"
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 className="mb-2 text-sm font-semibold">Preview: {draft.name || "New goal"}</h3>
      <p className="mb-3 text-xs text-slate-500">{metric}</p>
      <ol className="flex flex-col gap-2">
        {draft.steps.map((s, i) => {
          const outOfOrder = i > 0 && s.value.trim() !== "" && values[i]! <= values[i - 1]!;
          return (
            <li key={i} className="flex items-center gap-3">
              <span
                aria-hidden
                className={`flex h-7 w-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold text-white ${outOfOrder ? "bg-red-600" : "bg-emerald-700"}`}
              >
                {i + 1}
              </span>
              <span className="text-sm">
                At {at(s.value)}: {describeReward(s, money, program.currency)}
                {outOfOrder && <span className="text-red-700"> (not above step {i})</span>}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function GoalForm({
  program,
  goal,
  onDone,
}: {
  program: Program;
  goal?: Goal;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => (goal ? draftOf(goal, program) : newDraft()));
  const save = useMutation({
    mutationFn: (body: GoalBody) =>
      goal
        ? ok(
            api.PATCH("/v1/programs/{programId}/goals/{goalId}", {
              params: { path: { programId: program.id, goalId: goal.id } },
              // An edit leaves the filter off when the form has none, so PATCH must say so.
              body: { ...body, filter: body.filter ?? null },
            }),
          )
        : ok(
            api.POST("/v1/programs/{programId}/goals", {
              params: { path: { programId: program.id } },
              body,
            }),
          ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["goals", program.id] });
      onDone();
    },
  });
  const error = save.error instanceof ApiError ? save.error : undefined;
  const messageFor = (path: string) => error?.messageFor(path);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const setStep = (i: number, change: Partial<StepDraft>) =>
    setDraft((d) => ({ ...d, steps: d.steps.map((s, j) => (j === i ? { ...s, ...change } : s)) }));
  const money = MONEY_METRICS.has(draft.metric);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(bodyOf(draft, program));
  };
  const heading = goal ? `Edit goal: ${goal.name}` : "New goal";
  const select = (
    id: string,
    value: string,
    onChange: (v: string) => void,
    options: readonly (readonly [string, string])[],
    error?: string,
  ) => (
    <select
      id={id}
      className={inputClass}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      {...invalid(id, error)}
    >
      {options.map(([key, label]) => (
        <option key={key} value={key}>
          {label}
        </option>
      ))}
    </select>
  );
  return (
    <div className="grid gap-4 lg:grid-cols-[1fr_20rem]">
      <form
        onSubmit={submit}
        aria-label={heading}
        className="flex flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4"
        noValidate
      >
        <h3 className="text-lg font-semibold">{heading}</h3>
        {error && (
          <p
            role="alert"
            className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
          >
            The goal was not saved: {error.message}
          </p>
        )}
        {save.error && !error && <ErrorMessage error={save.error} />}
        <Field id="goal-name" label="Name" error={messageFor("name")}>
          <input
            id="goal-name"
            className={inputClass}
            value={draft.name}
            onChange={(e) => set("name", e.target.value)}
            {...invalid("goal-name", messageFor("name"))}
          />
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="goal-metric" label="Metric" error={messageFor("metric")}>
            {select(
              "goal-metric",
              draft.metric,
              (v) => set("metric", v as Metric),
              METRICS,
              messageFor("metric"),
            )}
          </Field>
          <Field
            id="goal-skus"
            label="SKU filter"
            hint="Comma-separated SKUs; blank counts every product"
            error={messageFor("filter.skus") ?? messageFor("filter")}
          >
            <input
              id="goal-skus"
              className={inputClass}
              value={draft.skus}
              onChange={(e) => set("skus", e.target.value)}
            />
          </Field>
          <Field
            id="goal-window"
            label="Window"
            error={messageFor("window") ?? messageFor("window.type")}
          >
            {select(
              "goal-window",
              draft.windowType,
              (v) => set("windowType", v as Draft["windowType"]),
              [
                ["lifetime", "Lifetime"],
                ["fixed", "Fixed dates"],
                ["monthly", "Monthly"],
                ["quarterly", "Quarterly"],
              ],
            )}
          </Field>
          <Field
            id="goal-target"
            label="Target type"
            error={messageFor("target") ?? messageFor("target.type")}
          >
            {select(
              "goal-target",
              draft.targetType,
              (v) => set("targetType", v as Draft["targetType"]),
              [
                ["fixed", "Fixed thresholds"],
                ["per_participant", "Percent of each participant's target"],
              ],
            )}
          </Field>
          {draft.windowType === "fixed" && (
            <>
              <Field
                id="goal-start"
                label="Start date"
                hint={`From midnight, ${program.timezone}`}
                error={messageFor("window.start")}
              >
                <input
                  id="goal-start"
                  type="date"
                  className={inputClass}
                  value={draft.start}
                  onChange={(e) => set("start", e.target.value)}
                  {...invalid("goal-start", messageFor("window.start"))}
                />
              </Field>
              <Field
                id="goal-end"
                label="End date"
                hint="Not included: the window closes at its midnight"
                error={messageFor("window.end")}
              >
                <input
                  id="goal-end"
                  type="date"
                  className={inputClass}
                  value={draft.end}
                  onChange={(e) => set("end", e.target.value)}
                  {...invalid("goal-end", messageFor("window.end"))}
                />
              </Field>
            </>
          )}
        </div>
        <fieldset className="flex flex-col gap-3">
          <legend className="mb-2 text-sm font-semibold">Steps</legend>
          {messageFor("steps") && <p className="text-sm text-red-700">{messageFor("steps")}</p>}
          {draft.steps.map((step, i) => {
            const n = i + 1;
            const valueKey = draft.targetType === "per_participant" ? "percent" : "threshold";
            const valueLabel =
              draft.targetType === "per_participant"
                ? `Step ${n} percent of target`
                : money
                  ? `Step ${n} threshold (${program.currency})`
                  : `Step ${n} threshold`;
            const valueError = messageFor(`steps.${i}.${valueKey}`);
            const rewardFields: Record<RewardType, [string, string]> = {
              points: ["points", `Step ${n} points`],
              cash: ["amount", `Step ${n} cash (${program.currency})`],
              percent_of_value: ["percent", `Step ${n} percent`],
              points_per: ["points", `Step ${n} points`],
              free_product: ["sku", `Step ${n} SKU`],
              level: ["level", `Step ${n} level`],
            };
            const rewardField = rewardFields[step.rewardType];
            const rewardError =
              messageFor(`steps.${i}.reward.${rewardField[0]}`) ?? messageFor(`steps.${i}.reward`);
            const perError = messageFor(`steps.${i}.reward.per`);
            return (
              <div
                key={i}
                role="group"
                aria-label={`Step ${n}`}
                className="grid gap-3 rounded border border-slate-200 p-3 sm:grid-cols-3"
              >
                <Field id={`step-${i}-value`} label={valueLabel} error={valueError}>
                  <input
                    id={`step-${i}-value`}
                    type="number"
                    min="0"
                    step="any"
                    inputMode="decimal"
                    className={inputClass}
                    value={step.value}
                    onChange={(e) => setStep(i, { value: e.target.value })}
                    {...invalid(`step-${i}-value`, valueError)}
                  />
                </Field>
                <Field id={`step-${i}-reward-type`} label={`Step ${n} reward`}>
                  {select(
                    `step-${i}-reward-type`,
                    step.rewardType,
                    (v) => setStep(i, { rewardType: v as RewardType }),
                    REWARDS,
                  )}
                </Field>
                <Field id={`step-${i}-reward`} label={rewardField[1]} error={rewardError}>
                  <input
                    id={`step-${i}-reward`}
                    className={inputClass}
                    {...(step.rewardType === "free_product" || step.rewardType === "level"
                      ? {}
                      : { type: "number", min: "0", step: "any", inputMode: "decimal" as const })}
                    value={step.reward}
                    onChange={(e) => setStep(i, { reward: e.target.value })}
                    {...invalid(`step-${i}-reward`, rewardError)}
                  />
                </Field>
                {step.rewardType === "points_per" && (
                  <Field
                    id={`step-${i}-per`}
                    label={money ? `Step ${n} per (${program.currency})` : `Step ${n} per`}
                    error={perError}
                  >
                    <input
                      id={`step-${i}-per`}
                      type="number"
                      min="0"
                      step="any"
                      className={inputClass}
                      value={step.per}
                      onChange={(e) => setStep(i, { per: e.target.value })}
                      {...invalid(`step-${i}-per`, perError)}
                    />
                  </Field>
                )}
                {draft.steps.length > 1 && (
                  <div className="flex items-end">
                    <Button
                      variant="secondary"
                      onClick={() =>
                        setDraft((d) => ({ ...d, steps: d.steps.filter((_, j) => j !== i) }))
                      }
                    >
                      Remove step {n}
                    </Button>
                  </div>
                )}
              </div>
            );
          })}
          <div>
            <Button
              variant="secondary"
              onClick={() => setDraft((d) => ({ ...d, steps: [...d.steps, emptyStep()] }))}
            >
              Add step
            </Button>
          </div>
        </fieldset>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="goal-evaluate" label="Evaluate" error={messageFor("evaluate")}>
            {select(
              "goal-evaluate",
              draft.evaluate,
              (v) => set("evaluate", v as Draft["evaluate"]),
              [
                ["immediately", "Immediately, as each step is crossed"],
                ["at_window_end", "At the window's end, highest step reached"],
              ],
            )}
          </Field>
          <Field id="goal-returns" label="Returns" error={messageFor("returns")}>
            {select("goal-returns", draft.returns, (v) => set("returns", v as Draft["returns"]), [
              ["ignore", "Ignore: refunds never lower progress"],
              ["subtract", "Subtract refunds from progress"],
            ])}
          </Field>
        </div>
        <Checkbox
          id="goal-widget"
          label="Show in widget"
          checked={draft.showInWidget}
          onChange={(checked) => set("showInWidget", checked)}
          error={messageFor("showInWidget")}
        />
        <div className="flex gap-2">
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? "Saving…" : goal ? "Save changes" : "Create goal"}
          </Button>
          <Button variant="secondary" onClick={onDone}>
            Cancel
          </Button>
        </div>
      </form>
      <div>
        <Preview draft={draft} program={program} />
      </div>
    </div>
  );
}

function windowText(goal: Goal, program: Program): string {
  switch (goal.window.type) {
    case "fixed":
      return `${formatDate(goal.window.start, program.timezone)} – ${formatDate(goal.window.end, program.timezone)} (end excluded)`;
    case "lifetime":
      return "Lifetime";
    case "monthly":
      return "Monthly";
    case "quarterly":
      return "Quarterly";
  }
}

export function Goals({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Goal | "new" | null>(null);
  const newGoal = useRef<HTMLButtonElement>(null);
  const goals = useQuery({
    queryKey: ["goals", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/goals", {
          params: { path: { programId: program.id }, query: { limit: 500 } },
        }),
      ),
  });
  const end = useMutation({
    mutationFn: (goalId: string) =>
      ok(
        api.DELETE("/v1/programs/{programId}/goals/{goalId}", {
          params: { path: { programId: program.id, goalId } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["goals", program.id] }),
  });
  if (editing)
    return (
      <div className="flex flex-col gap-4">
        <h2 className="text-xl font-semibold">Goals</h2>
        <GoalForm
          program={program}
          goal={editing === "new" ? undefined : editing}
          onDone={() => setEditing(null)}
        />
      </div>
    );
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center justify-between">
        <h2 className="text-xl font-semibold">Goals</h2>
        <Button ref={newGoal} onClick={() => setEditing("new")}>
          New goal
        </Button>
      </div>
      {goals.isPending ? (
        <Loading what="goals" />
      ) : goals.error ? (
        <ErrorMessage error={goals.error} />
      ) : goals.data.items.length === 0 ? (
        <Empty>No goals yet. Create one to reward participants as they climb a ladder.</Empty>
      ) : (
        <ul className="flex flex-col gap-3" aria-label="Goals">
          {goals.data.items.map((g) => (
            <li
              key={g.id}
              className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white p-3"
            >
              <div>
                <p className="font-medium">{g.name}</p>
                <p className="text-xs text-slate-500">
                  {METRICS.find(([k]) => k === g.metric)?.[1] ?? g.metric} ·{" "}
                  {windowText(g, program)} · {g.steps.length} step{g.steps.length === 1 ? "" : "s"}{" "}
                  · version {g.version}
                </p>
              </div>
              <div className="flex gap-2">
                <Button
                  variant="secondary"
                  onClick={() => setEditing(g)}
                  aria-label={`Edit ${g.name}`}
                >
                  Edit
                </Button>
                <ConfirmDialog
                  title={`End ${g.name}?`}
                  description="Participants stop progressing towards it, and an ended goal can no longer be changed: going on would take a new goal."
                  confirmLabel="End goal"
                  cancelLabel="Keep goal"
                  onConfirm={() => end.mutateAsync(g.id)}
                  focusAfter={() => newGoal.current}
                  trigger={
                    <Button variant="secondary" aria-label={`End ${g.name}`}>
                      End
                    </Button>
                  }
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
