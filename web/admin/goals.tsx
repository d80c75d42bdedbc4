import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, ok, type RequestBody, type Schema } from "../shared/api.ts";
import { currencyDigits, formatDate, formatMoney, formatNumber } from "../shared/format.ts";
import { localDateOf } from "./dates.ts";
import { BASE, usePath } from "./router.tsx";
import { api, type Program } from "./session.ts";
import {
  Button,
  Checkbox,
  ConfirmDialog,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  TableScroll,
  inputClass,
  invalid,
} from "./ui.tsx";
import { changesOf, type WhatIfDraft } from "./what-if-draft.ts";
import { WhatIf, useWhatIfPlace } from "./what-if.tsx";

/** Conversions counted once per customer, and custom events counted by name. */
type ConversionMetric = "signup_count" | "lead_count" | "custom_count";
/** A goal's filter: the SKUs sales and orders count, or the name custom_count counts. */
type GoalFilter = { skus?: string[]; name?: string };
type Goal = Omit<Schema<"Goal">, "metric" | "filter"> & {
  metric: Schema<"Goal">["metric"] | ConversionMetric;
  filter?: GoalFilter;
};
type GoalBody = Omit<RequestBody<"/v1/programs/{programId}/goals", "post">, "metric" | "filter"> & {
  metric: Goal["metric"];
  filter?: GoalFilter;
};
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
  ["signup_count", "Signups (once per customer)"],
  ["lead_count", "Leads (once per customer)"],
  ["custom_count", "Custom events by name"],
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

type SimpleReward = Extract<Reward, { type: string }>;
/** A reward row's choice: "none" is a level with no reward of its own, or no default. */
type RewardChoice = RewardType | "none";

/** A reward as the form holds it: text, as typed, until it is sent. */
interface RewardDraft {
  type: RewardChoice;
  /** Points, cash (major units), percent, SKU or level, by reward type. */
  amount: string;
  /** The `per` of a points_per reward. */
  per: string;
  /** Another program the reward credits: kept as it was, so a save changes nothing. */
  program?: string | undefined;
}

/** A step as the form holds it. */
interface StepDraft {
  value: string;
  /** Whether the reward depends on the participant's level. */
  byLevel: boolean;
  /** The reward, when it is the same for everyone. */
  reward: RewardDraft;
  /** By level key: each level's own reward ("none" takes the default). */
  levels: Record<string, RewardDraft>;
  /** The reward for any level without its own ("none": nothing). */
  fallback: RewardDraft;
  /** The by-level reward's own `program`, kept as it was. */
  program?: string | undefined;
}

interface Draft {
  name: string;
  metric: Metric;
  skus: string;
  /** The custom events' name a custom_count goal counts. */
  eventName: string;
  windowType: "lifetime" | "fixed" | "monthly" | "quarterly";
  start: string;
  end: string;
  targetType: "fixed" | "per_participant";
  steps: StepDraft[];
  evaluate: "immediately" | "at_window_end";
  returns: "ignore" | "subtract";
  showInWidget: boolean;
}

const blankReward = (type: RewardChoice = "points"): RewardDraft => ({
  type,
  amount: "",
  per: "",
});

const emptyStep = (): StepDraft => ({
  value: "",
  byLevel: false,
  reward: blankReward(),
  levels: {},
  fallback: blankReward("none"),
});

const newDraft = (): Draft => ({
  name: "",
  metric: "sales_amount",
  skus: "",
  eventName: "",
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

/**
 * The reward the API is sent. Blank numbers go as missing (the API says "is
 * required" for them), so the casts only carry that gap past the types.
 */
function rewardOf(
  draft: RewardDraft & { type: RewardType },
  money: boolean,
  currency: string,
): SimpleReward {
  const program = draft.program === undefined ? {} : { program: draft.program };
  switch (draft.type) {
    case "points":
      return { type: "points", points: toNumber(draft.amount) as number, ...program };
    case "cash":
      return { type: "cash", amount: toMinor(draft.amount, currency) as number, ...program };
    case "percent_of_value":
      return { type: "percent_of_value", percent: toNumber(draft.amount) as number, ...program };
    case "points_per":
      return {
        type: "points_per",
        points: toNumber(draft.amount) as number,
        per: (money ? toMinor(draft.per, currency) : toNumber(draft.per)) as number,
        ...program,
      };
    case "free_product":
      return { type: "free_product", sku: draft.amount.trim(), ...program };
    case "level":
      return { type: "level", level: draft.amount.trim(), ...program };
  }
}

const chosen = (draft: RewardDraft): draft is RewardDraft & { type: RewardType } =>
  draft.type !== "none";

function stepRewardOf(step: StepDraft, money: boolean, currency: string): Reward {
  if (!step.byLevel)
    return rewardOf(
      chosen(step.reward) ? step.reward : { ...step.reward, type: "points" },
      money,
      currency,
    );
  const byLevel: Record<string, SimpleReward> = {};
  for (const [level, reward] of Object.entries(step.levels))
    if (chosen(reward)) byLevel[level] = rewardOf(reward, money, currency);
  return {
    byLevel,
    ...(chosen(step.fallback) ? { default: rewardOf(step.fallback, money, currency) } : {}),
    ...(step.program === undefined ? {} : { program: step.program }),
  };
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
    ...(draft.metric === "custom_count"
      ? draft.eventName.trim() === ""
        ? {}
        : { filter: { name: draft.eventName.trim() } }
      : skus.length > 0
        ? { filter: { skus } }
        : {}),
    window:
      draft.windowType === "fixed"
        ? // The API reads a date as its midnight in the program's time zone.
          { type: "fixed", start: draft.start, end: draft.end }
        : { type: draft.windowType },
    target: { type: draft.targetType },
    steps: draft.steps.map((s) => {
      const reward = stepRewardOf(s, money, program.currency);
      if (draft.targetType === "per_participant") return { percent: toNumber(s.value), reward };
      return { threshold: money ? toMinor(s.value, program.currency) : toNumber(s.value), reward };
    }),
    evaluate: draft.evaluate,
    returns: draft.returns,
    showInWidget: draft.showInWidget,
  };
}

function rewardDraftOf(r: SimpleReward, money: boolean, currency: string): RewardDraft {
  const kept = { program: r.program };
  switch (r.type) {
    case "points":
      return { type: r.type, amount: String(r.points), per: "", ...kept };
    case "cash":
      return { type: r.type, amount: toMajor(r.amount, currency), per: "", ...kept };
    case "percent_of_value":
      return { type: r.type, amount: String(r.percent), per: "", ...kept };
    case "points_per":
      return {
        type: r.type,
        amount: String(r.points),
        per: money ? toMajor(r.per, currency) : String(r.per),
        ...kept,
      };
    case "free_product":
      return { type: r.type, amount: r.sku, per: "", ...kept };
    case "level":
      return { type: r.type, amount: r.level, per: "", ...kept };
  }
}

function draftOf(goal: Goal, program: Program): Draft {
  const money = MONEY_METRICS.has(goal.metric);
  const currency = program.currency;
  return {
    name: goal.name,
    metric: goal.metric,
    skus: goal.filter?.skus?.join(", ") ?? "",
    eventName: goal.filter?.name ?? "",
    windowType: goal.window.type,
    start: goal.window.type === "fixed" ? localDateOf(goal.window.start, program.timezone) : "",
    end: goal.window.type === "fixed" ? localDateOf(goal.window.end, program.timezone) : "",
    targetType: goal.target.type,
    steps: goal.steps.map((s): StepDraft => {
      const value =
        goal.target.type === "per_participant"
          ? String(s.percent ?? "")
          : s.threshold === undefined
            ? ""
            : money
              ? toMajor(s.threshold, currency)
              : String(s.threshold);
      const r = s.reward;
      if ("byLevel" in r)
        return {
          value,
          byLevel: true,
          reward: r.default ? rewardDraftOf(r.default, money, currency) : blankReward(),
          levels: Object.fromEntries(
            Object.entries(r.byLevel).map(([level, inner]) => [
              level,
              rewardDraftOf(inner, money, currency),
            ]),
          ),
          fallback: r.default ? rewardDraftOf(r.default, money, currency) : blankReward("none"),
          program: r.program,
        };
      return { ...emptyStep(), value, reward: rewardDraftOf(r, money, currency) };
    }),
    evaluate: goal.evaluate,
    returns: goal.returns,
    showInWidget: goal.showInWidget,
  };
}

function describeSimple(reward: RewardDraft, money: boolean, currency: string): string {
  const blank = (text: string) => (text.trim() === "" ? "…" : text);
  switch (reward.type) {
    case "none":
      return "nothing";
    case "points":
      return `${blank(reward.amount)} points`;
    case "cash":
      return reward.amount.trim() === ""
        ? "… cash"
        : formatMoney(toMinor(reward.amount, currency) ?? 0, currency);
    case "percent_of_value":
      return `${blank(reward.amount)}% of the value`;
    case "points_per":
      return `${blank(reward.amount)} points per ${
        money && reward.per.trim() !== ""
          ? formatMoney(toMinor(reward.per, currency) ?? 0, currency)
          : blank(reward.per)
      }`;
    case "free_product":
      return `free ${blank(reward.amount)}`;
    case "level":
      return `level ${blank(reward.amount)}`;
  }
}

function describeReward(step: StepDraft, program: Program, money: boolean): string {
  if (!step.byLevel) return describeSimple(step.reward, money, program.currency);
  const names = new Map((program.levels ?? []).map((l) => [l.key, l.name]));
  const parts = Object.entries(step.levels)
    .filter(([, reward]) => chosen(reward))
    .map(
      ([level, reward]) =>
        `${names.get(level) ?? level}: ${describeSimple(reward, money, program.currency)}`,
    );
  parts.push(`others: ${describeSimple(step.fallback, money, program.currency)}`);
  return parts.join("; ");
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
          const outOfOrder =
            i > 0 && s.value.trim() !== "" && (values[i] ?? 0) <= (values[i - 1] ?? 0);
          return (
            <li key={i} className="flex items-center gap-3">
              <span
                aria-hidden
                className={`flex h-7 w-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold text-white ${outOfOrder ? "bg-red-600" : "bg-emerald-700"}`}
              >
                {i + 1}
              </span>
              <span className="text-sm">
                At {at(s.value)}: {describeReward(s, program, money)}
                {outOfOrder && <span className="text-red-700"> (not above step {i})</span>}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** Which field a reward's amount fills, and how it is labelled, by reward type. */
function amountField(type: RewardType, currency: string): { key: string; label: string } {
  switch (type) {
    case "points":
    case "points_per":
      return { key: "points", label: "points" };
    case "cash":
      return { key: "amount", label: `cash (${currency})` };
    case "percent_of_value":
      return { key: "percent", label: "percent" };
    case "free_product":
      return { key: "sku", label: "SKU" };
    case "level":
      return { key: "level", label: "level" };
  }
}

/**
 * The API's message for a field, as a sentence beginning with the field's
 * name where the message starts with its verb ("must not be empty").
 */
function sentence(label: string, message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  return /^(?:must|is|has|does)\b/.test(message) ? `${label} ${message}` : message;
}

const SELECT_OPTIONS = (none: string | null) =>
  none === null ? REWARDS : ([["none", none], ...REWARDS] as const);

/**
 * One reward's controls: its type, its amount and, for points per amount, the
 * per. `label` names the reward ("Step 1", "Step 1 Gold"), and each control's
 * label starts with it. `none` names the choice of no reward of its own.
 */
function RewardControls({
  id,
  label,
  reward,
  onChange,
  money,
  currency,
  none,
  messageFor,
  select,
  layout,
}: {
  id: string;
  label: string;
  reward: RewardDraft;
  onChange: (change: Partial<RewardDraft>) => void;
  money: boolean;
  currency: string;
  none: string | null;
  /** The API's message at a path below this reward (`""` for the reward itself). */
  messageFor: (below: string) => string | undefined;
  select: (
    id: string,
    value: string,
    onChange: (v: string) => void,
    options: readonly (readonly [string, string])[],
    error?: string,
    label?: string,
  ) => ReactNode;
  /** Fields with visible labels, or table cells labelled by their column. */
  layout: "fields" | "cells";
}) {
  const typeLabel = `${label} reward`;
  const typeControl = select(
    `${id}-type`,
    reward.type,
    (v) => onChange({ type: v as RewardChoice }),
    SELECT_OPTIONS(none),
    undefined,
    layout === "cells" ? typeLabel : undefined,
  );
  const field = chosen(reward) ? amountField(reward.type, currency) : undefined;
  const amountLabel = field ? `${label} ${field.label}` : "";
  const amountError = field
    ? sentence(amountLabel, messageFor(`.${field.key}`) ?? messageFor(""))
    : undefined;
  const perLabel = money ? `${label} per (${currency})` : `${label} per`;
  const perError = sentence(perLabel, messageFor(".per"));
  const numeric = reward.type !== "free_product" && reward.type !== "level";
  const amountControl = field && (
    <input
      id={`${id}-amount`}
      className={inputClass}
      {...(numeric ? { type: "number", min: "0", step: "any", inputMode: "decimal" as const } : {})}
      {...(layout === "cells" ? { "aria-label": amountLabel } : {})}
      value={reward.amount}
      onChange={(e) => onChange({ amount: e.target.value })}
      {...invalid(`${id}-amount`, amountError)}
    />
  );
  const perControl = reward.type === "points_per" && (
    <input
      id={`${id}-per`}
      type="number"
      min="0"
      step="any"
      inputMode="decimal"
      className={inputClass}
      {...(layout === "cells" ? { "aria-label": perLabel } : {})}
      value={reward.per}
      onChange={(e) => onChange({ per: e.target.value })}
      {...invalid(`${id}-per`, perError)}
    />
  );
  const cellError = (control: string, error: string | undefined) =>
    error && (
      <p id={`${id}-${control}-error`} className="mt-1 text-sm text-red-700">
        {error}
      </p>
    );
  if (layout === "cells")
    return (
      <>
        <td className="p-1 align-top">{typeControl}</td>
        <td className="p-1 align-top">
          {amountControl}
          {cellError("amount", amountError)}
        </td>
        <td className="p-1 align-top">
          {perControl}
          {cellError("per", perError)}
        </td>
      </>
    );
  return (
    <>
      <Field id={`${id}-type`} label={typeLabel}>
        {typeControl}
      </Field>
      {field && (
        <Field id={`${id}-amount`} label={amountLabel} error={amountError}>
          {amountControl}
        </Field>
      )}
      {perControl && (
        <Field id={`${id}-per`} label={perLabel} error={perError}>
          {perControl}
        </Field>
      )}
    </>
  );
}

function GoalForm({
  program,
  goal,
  onDone,
}: {
  program: Program;
  goal?: Goal | undefined;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => (goal ? draftOf(goal, program) : newDraft()));
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening the form (from the list or by its address) puts the reader at its heading.
  useEffect(() => heading.current?.focus(), []);
  const save = useMutation({
    mutationFn: (body: GoalBody) =>
      goal
        ? ok(
            api.PATCH("/v1/programs/{programId}/goals/{goalId}", {
              params: { path: { programId: program.id, goalId: goal.id } },
              // An edit leaves the filter off when the form has none, so PATCH must say so.
              body: { ...body, filter: body.filter ?? null } as RequestBody<
                "/v1/programs/{programId}/goals/{goalId}",
                "patch"
              >,
            }),
          )
        : ok(
            api.POST("/v1/programs/{programId}/goals", {
              params: { path: { programId: program.id } },
              // The conversion metrics are newer than the generated request type; the API checks them.
              body: body as RequestBody<"/v1/programs/{programId}/goals", "post">,
            }),
          ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["goals", program.id] }),
  });
  const error = save.error instanceof ApiError ? save.error : undefined;
  const messageFor = (path: string) => error?.messageFor(path);
  const said = (label: string, ...paths: string[]) => {
    for (const path of paths) {
      const message = messageFor(path);
      if (message !== undefined) return sentence(label, message);
    }
    return undefined;
  };
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const setStep = (i: number, change: (step: StepDraft) => Partial<StepDraft>) =>
    setDraft((d) => ({
      ...d,
      steps: d.steps.map((s, j) => (j === i ? { ...s, ...change(s) } : s)),
    }));
  const money = MONEY_METRICS.has(draft.metric);
  const levels = program.levels ?? [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(bodyOf(draft, program), { onSuccess: onDone });
  };
  const title = goal ? `Edit goal: ${goal.name}` : "New goal";
  // What if? takes the body the form would send; with the goal's id it stands for an edit of it.
  const body = bodyOf(draft, program);
  const whatIfDraft: WhatIfDraft = {
    program: {},
    goals: [goal ? { ...body, id: goal.id } : body],
    replaceGoals: false,
  };
  const [whatIf, setWhatIf, whatIfButton] = useWhatIfPlace();
  const saveSimulated = async (simulated: WhatIfDraft) => {
    const [simulatedGoal] = simulated.goals;
    if (!simulatedGoal) return;
    // The id only tells the simulation which goal the body edits; the route names it.
    const sent = Object.fromEntries(Object.entries(simulatedGoal).filter(([k]) => k !== "id"));
    const saved = (await save.mutateAsync(sent as GoalBody)) as Goal;
    if (goal) {
      setDraft(draftOf(saved, program));
      setWhatIf("closed");
      return;
    }
    // A new goal saved: its own form, at its own address, shows what was saved.
    window.history.replaceState(window.history.state, "", `${BASE}${LIST_PATH}/${saved.id}`);
    window.dispatchEvent(new PopStateEvent("popstate"));
  };
  const select = (
    id: string,
    value: string,
    onChange: (v: string) => void,
    options: readonly (readonly [string, string])[],
    error?: string,
    label?: string,
  ) => (
    <select
      id={id}
      className={inputClass}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      {...(label ? { "aria-label": label } : {})}
      {...invalid(id, error)}
    >
      {options.map(([key, text]) => (
        <option key={key} value={key}>
          {text}
        </option>
      ))}
    </select>
  );
  const nameError = said("Name", "name");
  const metricError = said("Metric", "metric");
  const skusError = said("SKU filter", "filter.skus", "filter");
  const eventNameError = said("Custom event name", "filter.name", "filter");
  const windowError = said("Window", "window", "window.type");
  const targetError = said("Target type", "target", "target.type");
  const startError = said("Start date", "window.start");
  const endError = said("End date", "window.end");
  const evaluateError = said("Evaluate", "evaluate");
  const returnsError = said("Returns", "returns");
  const form = (
    <div hidden={whatIf === "shown"} className="grid gap-4 lg:grid-cols-[1fr_20rem]">
      <form
        onSubmit={submit}
        aria-label={title}
        className="flex min-w-0 flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4"
        noValidate
      >
        <h3 ref={heading} tabIndex={-1} className="text-lg font-semibold focus:outline-none">
          {title}
        </h3>
        {error && (
          <p
            role="alert"
            className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
          >
            The goal was not saved: {error.message}
          </p>
        )}
        {save.error && !error && <ErrorMessage error={save.error} />}
        <Field id="goal-name" label="Name" error={nameError}>
          <input
            id="goal-name"
            className={inputClass}
            value={draft.name}
            onChange={(e) => set("name", e.target.value)}
            {...invalid("goal-name", nameError)}
          />
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="goal-metric" label="Metric" error={metricError}>
            {select(
              "goal-metric",
              draft.metric,
              (v) => set("metric", v as Metric),
              METRICS,
              metricError,
            )}
          </Field>
          {draft.metric === "custom_count" ? (
            <Field
              id="goal-event-name"
              label="Custom event name"
              hint="The name of the custom events to count, such as webinar_attended"
              error={eventNameError}
            >
              <input
                id="goal-event-name"
                className={inputClass}
                value={draft.eventName}
                onChange={(e) => set("eventName", e.target.value)}
                {...invalid("goal-event-name", eventNameError)}
              />
            </Field>
          ) : (
            <Field
              id="goal-skus"
              label="SKU filter"
              hint="Comma-separated SKUs; blank counts every product"
              error={skusError}
            >
              <input
                id="goal-skus"
                className={inputClass}
                value={draft.skus}
                onChange={(e) => set("skus", e.target.value)}
                {...invalid("goal-skus", skusError)}
              />
            </Field>
          )}
          <Field id="goal-window" label="Window" error={windowError}>
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
              windowError,
            )}
          </Field>
          <Field id="goal-target" label="Target type" error={targetError}>
            {select(
              "goal-target",
              draft.targetType,
              (v) => set("targetType", v as Draft["targetType"]),
              [
                ["fixed", "Fixed thresholds"],
                ["per_participant", "Percent of each participant's target"],
              ],
              targetError,
            )}
          </Field>
          {draft.windowType === "fixed" && (
            <>
              <Field
                id="goal-start"
                label="Start date"
                hint={`From midnight, ${program.timezone}`}
                error={startError}
              >
                <input
                  id="goal-start"
                  type="date"
                  className={inputClass}
                  value={draft.start}
                  onChange={(e) => set("start", e.target.value)}
                  {...invalid("goal-start", startError)}
                />
              </Field>
              <Field
                id="goal-end"
                label="End date"
                hint="Not included: the window closes at its midnight"
                error={endError}
              >
                <input
                  id="goal-end"
                  type="date"
                  className={inputClass}
                  value={draft.end}
                  onChange={(e) => set("end", e.target.value)}
                  {...invalid("goal-end", endError)}
                />
              </Field>
            </>
          )}
        </div>
        <fieldset className="flex min-w-0 flex-col gap-3">
          <legend className="mb-2 text-sm font-semibold">Steps</legend>
          {messageFor("steps") && <p className="text-sm text-red-700">{said("Steps", "steps")}</p>}
          {draft.steps.map((step, i) => {
            const n = i + 1;
            const valueKey = draft.targetType === "per_participant" ? "percent" : "threshold";
            const valueLabel =
              draft.targetType === "per_participant"
                ? `Step ${n} percent of target`
                : money
                  ? `Step ${n} threshold (${program.currency})`
                  : `Step ${n} threshold`;
            const valueError = said(valueLabel, `steps.${i}.${valueKey}`);
            const rewardPath = `steps.${i}.reward`;
            // Levels the goal names that the program no longer has still show, so nothing is lost.
            const rows = [
              ...levels.map((l) => ({ key: l.key, name: l.name })),
              ...Object.keys(step.levels)
                .filter((key) => !levels.some((l) => l.key === key))
                .map((key) => ({ key, name: key })),
            ];
            const byLevelError = said(`Step ${n} reward`, `${rewardPath}.byLevel`, rewardPath);
            return (
              <div
                key={i}
                role="group"
                aria-label={`Step ${n}`}
                className="flex min-w-0 flex-col gap-3 rounded border border-slate-200 p-3"
              >
                <div className="grid gap-3 sm:grid-cols-3">
                  <Field id={`step-${i}-value`} label={valueLabel} error={valueError}>
                    <input
                      id={`step-${i}-value`}
                      type="number"
                      min="0"
                      step="any"
                      inputMode="decimal"
                      className={inputClass}
                      value={step.value}
                      onChange={(e) => setStep(i, () => ({ value: e.target.value }))}
                      {...invalid(`step-${i}-value`, valueError)}
                    />
                  </Field>
                  {!step.byLevel && (
                    <RewardControls
                      id={`step-${i}-reward`}
                      label={`Step ${n}`}
                      reward={step.reward}
                      onChange={(change) =>
                        setStep(i, (s) => ({ reward: { ...s.reward, ...change } }))
                      }
                      money={money}
                      currency={program.currency}
                      none={null}
                      messageFor={(below) => messageFor(`${rewardPath}${below}`)}
                      select={select}
                      layout="fields"
                    />
                  )}
                </div>
                {(levels.length > 0 || step.byLevel) && (
                  <Checkbox
                    id={`step-${i}-by-level`}
                    label={`Step ${n}: a reward for each level`}
                    checked={step.byLevel}
                    onChange={(checked) =>
                      setStep(i, (s) =>
                        checked
                          ? {
                              byLevel: true,
                              // Everyone gets the reward already typed until a level gets its own.
                              fallback: Object.values(s.levels).length > 0 ? s.fallback : s.reward,
                            }
                          : { byLevel: false },
                      )
                    }
                  />
                )}
                {step.byLevel && (
                  <div className="flex min-w-0 flex-col gap-1">
                    {byLevelError && <p className="text-sm text-red-700">{byLevelError}</p>}
                    <TableScroll label={`Step ${n} rewards by level`}>
                      <table className="w-full min-w-[34rem] text-left text-sm">
                        <caption className="sr-only">Step {n} rewards by level</caption>
                        <thead>
                          <tr className="text-xs text-slate-600">
                            <th scope="col" className="p-1 font-medium">
                              Level
                            </th>
                            <th scope="col" className="p-1 font-medium">
                              Reward
                            </th>
                            <th scope="col" className="p-1 font-medium">
                              Amount
                            </th>
                            <th scope="col" className="p-1 font-medium">
                              Per
                            </th>
                          </tr>
                        </thead>
                        <tbody>
                          {rows.map((level) => (
                            <tr key={level.key} className="border-t border-slate-100">
                              <th scope="row" className="p-1 align-top font-normal">
                                <span className="block pt-1.5">{level.name}</span>
                              </th>
                              <RewardControls
                                id={`step-${i}-level-${level.key}`}
                                label={`Step ${n} ${level.name}`}
                                reward={step.levels[level.key] ?? blankReward("none")}
                                onChange={(change) =>
                                  setStep(i, (s) => ({
                                    levels: {
                                      ...s.levels,
                                      [level.key]: {
                                        ...(s.levels[level.key] ?? blankReward("none")),
                                        ...change,
                                      },
                                    },
                                  }))
                                }
                                money={money}
                                currency={program.currency}
                                none="Same as other levels"
                                messageFor={(below) =>
                                  messageFor(`${rewardPath}.byLevel.${level.key}${below}`)
                                }
                                select={select}
                                layout="cells"
                              />
                            </tr>
                          ))}
                          <tr className="border-t border-slate-100">
                            <th scope="row" className="p-1 align-top font-normal">
                              <span className="block pt-1.5">Other levels</span>
                            </th>
                            <RewardControls
                              id={`step-${i}-default`}
                              label={`Step ${n} other levels`}
                              reward={step.fallback}
                              onChange={(change) =>
                                setStep(i, (s) => ({ fallback: { ...s.fallback, ...change } }))
                              }
                              money={money}
                              currency={program.currency}
                              none="Nothing"
                              messageFor={(below) => messageFor(`${rewardPath}.default${below}`)}
                              select={select}
                              layout="cells"
                            />
                          </tr>
                        </tbody>
                      </table>
                    </TableScroll>
                  </div>
                )}
                {draft.steps.length > 1 && (
                  <div>
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
          <Field id="goal-evaluate" label="Evaluate" error={evaluateError}>
            {select(
              "goal-evaluate",
              draft.evaluate,
              (v) => set("evaluate", v as Draft["evaluate"]),
              [
                ["immediately", "Immediately, as each step is crossed"],
                ["at_window_end", "At the window's end, highest step reached"],
              ],
              evaluateError,
            )}
          </Field>
          <Field id="goal-returns" label="Returns" error={returnsError}>
            {select(
              "goal-returns",
              draft.returns,
              (v) => set("returns", v as Draft["returns"]),
              [
                ["ignore", "Ignore: refunds never lower progress"],
                ["subtract", "Subtract refunds from progress"],
              ],
              returnsError,
            )}
          </Field>
        </div>
        <Checkbox
          id="goal-widget"
          label="Show in widget"
          checked={draft.showInWidget}
          onChange={(checked) => set("showInWidget", checked)}
          error={said("Show in widget", "showInWidget")}
        />
        <div className="flex gap-2">
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? "Saving…" : goal ? "Save changes" : "Create goal"}
          </Button>
          <Button variant="secondary" ref={whatIfButton} onClick={() => setWhatIf("shown")}>
            What if?
          </Button>
          <Button variant="secondary" onClick={onDone}>
            Cancel
          </Button>
        </div>
      </form>
      <div className="min-w-0">
        <Preview draft={draft} program={program} />
      </div>
    </div>
  );
  return (
    <>
      {whatIf !== "closed" && (
        <WhatIf
          program={program}
          draft={whatIfDraft}
          changes={
            goal
              ? changesOf(
                  bodyOf(draftOf(goal, program), program),
                  body,
                  program.currency,
                  false,
                  MONEY_METRICS.has(body.metric) ? ["threshold", "per"] : [],
                )
              : [`a new goal “${body.name}”, with ${body.steps.length} step(s)`]
          }
          hidden={whatIf !== "shown"}
          subject={goal ? `the goal “${goal.name}”` : "a new goal"}
          onSave={saveSimulated}
          onBack={() => setWhatIf("behind")}
        />
      )}
      {form}
    </>
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

/** The list's address, and each form's below it: /goals/new, /goals/{goalId}. */
const LIST_PATH = "/goals";

/**
 * Opens a form at its own address, marked as reached from the list, so
 * leaving it can go back in history rather than stack another list on top.
 */
function openForm(path: string): void {
  window.history.pushState({ fromGoalList: true }, "", `${BASE}${path}`);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

function closeForm(): void {
  const state: unknown = window.history.state;
  if (typeof state === "object" && state !== null && "fromGoalList" in state) {
    window.history.back();
    return;
  }
  // Opened by its address (a reload, a bookmark): the list takes its place.
  window.history.replaceState(null, "", `${BASE}${LIST_PATH}`);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** The form for one goal, read by its id so an address opens it after a reload. */
function EditGoal({ program, goalId }: { program: Program; goalId: string }) {
  const goal = useQuery({
    queryKey: ["goals", program.id, goalId],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/goals/{goalId}", {
          params: { path: { programId: program.id, goalId } },
        }),
      ),
  });
  if (goal.isPending) return <Loading what="the goal" />;
  if (goal.error)
    return (
      <div className="flex flex-col gap-3">
        <ErrorMessage error={goal.error} />
        <div>
          <Button variant="secondary" onClick={closeForm}>
            Back to goals
          </Button>
        </div>
      </div>
    );
  return <GoalForm program={program} goal={goal.data} onDone={closeForm} />;
}

export function Goals({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const [, , formId] = usePath().split("/");
  const newGoal = useRef<HTMLButtonElement>(null);
  const goals = useQuery({
    queryKey: ["goals", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/goals", {
          params: { path: { programId: program.id }, query: { limit: 500 } },
        }),
      ),
    enabled: formId === undefined,
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
  if (formId)
    return (
      <div className="flex flex-col gap-4">
        <h2 className="text-xl font-semibold">Goals</h2>
        {formId === "new" ? (
          <GoalForm program={program} onDone={closeForm} />
        ) : (
          <EditGoal key={formId} program={program} goalId={decodeURIComponent(formId)} />
        )}
      </div>
    );
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center justify-between">
        <h2 className="text-xl font-semibold">Goals</h2>
        <Button ref={newGoal} onClick={() => openForm(`${LIST_PATH}/new`)}>
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
              <div className="min-w-0">
                <p className="font-medium break-words">{g.name}</p>
                <p className="text-xs text-slate-500">
                  {METRICS.find(([k]) => k === g.metric)?.[1] ?? g.metric} ·{" "}
                  {windowText(g, program)} · {g.steps.length} step{g.steps.length === 1 ? "" : "s"}{" "}
                  · version {g.version}
                </p>
              </div>
              <div className="flex gap-2">
                <Button
                  variant="secondary"
                  onClick={() => openForm(`${LIST_PATH}/${encodeURIComponent(g.id)}`)}
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
