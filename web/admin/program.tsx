import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, ok, type RequestBody } from "../shared/api.ts";
import { currencyDigits } from "../shared/format.ts";
import { announcementOf, announcementPath, type Announcement } from "./announce-pay-change.ts";
import { CurrencyField, TimeZoneField, percentOut } from "./create-program.tsx";
import { MailStatusNotice } from "./mail-status.tsx";
import { LevelsEditor } from "./levels-editor.tsx";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import { UplineRows } from "./upline-rows.tsx";
import { Button, Checkbox, ErrorMessage, Field, Loading, inputClass, invalid } from "./ui.tsx";
import { changesOf, type WhatIfDraft } from "./what-if-draft.ts";
import { WhatIf, useWhatIfPlace } from "./what-if.tsx";

const EDITED = [
  "name",
  "currency",
  "timezone",
  "landingUrl",
  "branding",
  "commission",
  "levels",
  "attribution",
  "payouts",
  "goalGraceHours",
  "widget",
  "fraud",
  "notifications",
] as const satisfies readonly (keyof Program)[];

type Enrolment = "closed" | "approval" | "open";
/** What a conversion pays, as the API states it (a flat amount in minor units). */
type ConversionPay = { flat: number };

/**
 * The part of a program this screen edits, as GET /v1/programs/{programId}
 * answers it, with how people join and what a signup or lead pays.
 */
type Settings = Omit<Pick<Program, (typeof EDITED)[number]>, "commission"> & {
  commission?: Commission;
  enrolment?: Enrolment;
};
type Commission = NonNullable<Program["commission"]> & {
  perSignup?: ConversionPay;
  perLead?: ConversionPay;
};
type Rate = NonNullable<Commission["rate"]>;

const ENROLMENTS: { value: Enrolment; label: string; help: string }[] = [
  { value: "closed", label: "Closed", help: "Only the brand adds participants" },
  {
    value: "approval",
    label: "By approval",
    help: "Anyone may apply; the brand approves or rejects each application",
  },
  { value: "open", label: "Open", help: "Anyone who signs up joins at once" },
];

type RateKind = "percent" | "flat";
/** A rate as typed: text until it is sent, so a half-typed value is not lost. */
interface RateDraft {
  kind: RateKind;
  value: string;
}
interface KeyedRateDraft extends RateDraft {
  key: string;
}

interface Draft {
  name: string;
  currency: string;
  timezone: string;
  landingUrl: string;
  logoUrl: string;
  color: string;
  rateKind: RateKind | "none";
  rate: string;
  byLevel: KeyedRateDraft[];
  bySku: KeyedRateDraft[];
  upline: RateDraft[];
  uplineBasis: "order" | "commission";
  minPersonalOrders: string;
  qualificationDays: string;
  holdDays: string;
  perOrder: string;
  perParticipantMonthly: string;
  programMonthly: string;
  maxTotalPercent: string;
  perSignup: string;
  perLead: string;
  enrolment: Enrolment;
  levels: { key: string; name: string }[];
  cookieDays: string;
  model: "last_click" | "first_click";
  bindCustomer: boolean;
  payoutMinimum: string;
  goalGraceHours: string;
  widgetEnrol: boolean;
  maxClicksPerHour: string;
  refundOrders: string;
  refundMaxPercent: string;
  rewardGranted: boolean;
  payoutSent: boolean;
  applicationDecided: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isRate = (value: unknown): value is Rate =>
  isObject(value) && ("percent" in value || "flat" in value);

const text = (value: number | string | undefined) => (value === undefined ? "" : String(value));

function majorText(minor: number | undefined, currency: string): string {
  return minor === undefined ? "" : String(minor / 10 ** currencyDigits(currency));
}

function rateDraftOf(rate: Rate, currency: string): RateDraft {
  return "flat" in rate
    ? { kind: "flat", value: majorText(rate.flat, currency) }
    : { kind: "percent", value: String(rate.percent) };
}

function draftOf(p: Settings): Draft {
  const currency = p.currency;
  const c: Commission = p.commission ?? {};
  const keyed = (rates: Record<string, Rate> | undefined) =>
    Object.entries(rates ?? {}).map(([key, r]) => ({ key, ...rateDraftOf(r, currency) }));
  const base = c.rate ? rateDraftOf(c.rate, currency) : undefined;
  return {
    name: p.name,
    currency: p.currency,
    timezone: p.timezone,
    landingUrl: p.landingUrl ?? "",
    logoUrl: p.branding?.logoUrl ?? "",
    color: p.branding?.color ?? "",
    rateKind: base?.kind ?? "none",
    rate: base?.value ?? "",
    byLevel: keyed(c.byLevel),
    bySku: keyed(c.bySku),
    upline: (c.upline ?? []).map((r) => rateDraftOf(r, currency)),
    uplineBasis: c.uplineBasis ?? "order",
    minPersonalOrders: text(c.uplineQualification?.minPersonalOrders),
    qualificationDays: text(c.uplineQualification?.days),
    holdDays: text(c.holdDays),
    perOrder: majorText(c.caps?.perOrder, currency),
    perParticipantMonthly: majorText(c.caps?.perParticipantMonthly, currency),
    programMonthly: majorText(c.caps?.programMonthly, currency),
    maxTotalPercent: text(c.maxTotalPercent),
    perSignup: majorText(c.perSignup?.flat, currency),
    perLead: majorText(c.perLead?.flat, currency),
    enrolment: p.enrolment ?? "closed",
    levels: (p.levels ?? []).map((l) => ({ ...l })),
    cookieDays: text(p.attribution?.cookieDays),
    model: p.attribution?.model ?? "last_click",
    bindCustomer: p.attribution?.bindCustomer ?? false,
    payoutMinimum: majorText(p.payouts?.minimum, currency),
    goalGraceHours: text(p.goalGraceHours),
    widgetEnrol: p.widget?.enrol ?? false,
    maxClicksPerHour: text(p.fraud?.maxClicksPerHour),
    refundOrders: text(p.fraud?.refundAbuse?.orders),
    refundMaxPercent: text(p.fraud?.refundAbuse?.maxRefundPercent),
    rewardGranted: notificationOn(p, "rewardGranted"),
    payoutSent: notificationOn(p, "payoutSent"),
    applicationDecided: notificationOn(p, "applicationDecided"),
  };
}

type NotificationKind = keyof NonNullable<Program["notifications"]>;
const notificationOn = (p: Settings, kind: NotificationKind) => p.notifications?.[kind] !== false;

/**
 * The currency amounts are typed in: the one being chosen once it is a code
 * Intl knows, so the figures on screen mean that currency; else the saved one.
 */
export function moneyCurrency(typed: string, saved: string): string {
  try {
    currencyDigits(typed);
    return /^[A-Z]{3}$/.test(typed) ? typed : saved;
  } catch {
    return saved;
  }
}

function numberOut(value: string): number | string | undefined {
  const t = value.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

function minorOut(value: string, currency: string): number | string | undefined {
  const n = numberOut(value);
  return typeof n === "number" ? Math.round(n * 10 ** currencyDigits(currency)) : n;
}

function rateOut(rate: RateDraft, currency: string): unknown {
  return rate.kind === "percent"
    ? { percent: percentOut(rate.value) }
    : { flat: minorOut(rate.value, currency) ?? "" };
}

/** A conversion's amount as typed, in the API's shape; blank pays nothing. */
function conversionPayOut(value: string, currency: string): unknown {
  const minor = minorOut(value, currency);
  return minor === undefined ? undefined : { flat: minor };
}

/** Drops unset values and empty objects, so "never set" and "set to nothing" compare equal. */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = prune(v);
    if (p === undefined || (isObject(p) && Object.keys(p).length === 0)) continue;
    out[k] = p;
  }
  return out;
}

/** The settings the draft describes, in the API's shape. */
function settingsOf(draft: Draft, base: Settings): Record<string, unknown> {
  const currency = moneyCurrency(draft.currency, base.currency);
  const keyed = (rows: KeyedRateDraft[]) =>
    Object.fromEntries(rows.map((r) => [r.key.trim(), rateOut(r, currency)]));
  const qualification =
    draft.minPersonalOrders.trim() === "" && draft.qualificationDays.trim() === ""
      ? undefined
      : {
          minPersonalOrders: numberOut(draft.minPersonalOrders),
          days: numberOut(draft.qualificationDays),
        };
  // A default the program never stated stays unstated, so saving changes nothing.
  const stated = <T,>(value: T, fallback: T, wasSet: boolean) =>
    value !== fallback || wasSet ? value : undefined;
  const refundAbuse =
    draft.refundOrders.trim() === "" && draft.refundMaxPercent.trim() === ""
      ? undefined
      : {
          orders: numberOut(draft.refundOrders),
          maxRefundPercent:
            draft.refundMaxPercent.trim() === "" ? undefined : percentOut(draft.refundMaxPercent),
        };
  // A switch left on where the program never said is left unsaid: on is the default.
  const notification = (kind: NotificationKind, on: boolean) =>
    on && base.notifications?.[kind] === undefined ? undefined : on;
  return prune({
    name: draft.name.trim(),
    currency: draft.currency.trim(),
    timezone: draft.timezone,
    landingUrl: draft.landingUrl.trim() === "" ? undefined : draft.landingUrl.trim(),
    branding: {
      logoUrl: draft.logoUrl.trim() === "" ? undefined : draft.logoUrl.trim(),
      color: draft.color.trim() === "" ? undefined : draft.color.trim(),
    },
    commission: {
      rate:
        draft.rateKind === "none"
          ? undefined
          : rateOut({ kind: draft.rateKind, value: draft.rate }, currency),
      byLevel: keyed(draft.byLevel),
      bySku: keyed(draft.bySku),
      upline: draft.upline.length > 0 ? draft.upline.map((r) => rateOut(r, currency)) : undefined,
      uplineBasis: stated(draft.uplineBasis, "order", base.commission?.uplineBasis !== undefined),
      uplineQualification: qualification,
      holdDays: numberOut(draft.holdDays),
      caps: {
        perOrder: minorOut(draft.perOrder, currency),
        perParticipantMonthly: minorOut(draft.perParticipantMonthly, currency),
        programMonthly: minorOut(draft.programMonthly, currency),
      },
      maxTotalPercent:
        draft.maxTotalPercent.trim() === "" ? undefined : percentOut(draft.maxTotalPercent),
      perSignup: conversionPayOut(draft.perSignup, currency),
      perLead: conversionPayOut(draft.perLead, currency),
    },
    enrolment: stated(draft.enrolment, "closed", base.enrolment !== undefined),
    levels:
      draft.levels.length > 0 || base.levels !== undefined
        ? draft.levels.map((l) => ({ key: l.key.trim(), name: l.name.trim() }))
        : undefined,
    attribution: {
      cookieDays: numberOut(draft.cookieDays),
      model: stated(draft.model, "last_click", base.attribution?.model !== undefined),
      bindCustomer: stated(draft.bindCustomer, false, base.attribution?.bindCustomer !== undefined),
    },
    payouts:
      draft.payoutMinimum.trim() === ""
        ? undefined
        : { minimum: minorOut(draft.payoutMinimum, currency) },
    goalGraceHours: numberOut(draft.goalGraceHours),
    widget:
      draft.widgetEnrol || base.widget !== undefined ? { enrol: draft.widgetEnrol } : undefined,
    fraud: { maxClicksPerHour: numberOut(draft.maxClicksPerHour), refundAbuse },
    notifications: {
      rewardGranted: notification("rewardGranted", draft.rewardGranted),
      payoutSent: notification("payoutSent", draft.payoutSent),
      applicationDecided: notification("applicationDecided", draft.applicationDecided),
    },
  }) as Record<string, unknown>;
}

/** A stored "10" and a typed 10 are the same percentage. */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  if (typeof a === "number" && typeof b === "string") return String(a) === b;
  if (typeof a === "string" && typeof b === "number") return a === String(b);
  return a === b;
}

/**
 * The JSON merge patch from `before` to `after`: only what changed, null for
 * what was removed. A rate is sent whole because the API replaces it whole,
 * and arrays are replaced because merge patch cannot edit them in place.
 */
function mergePatchOf(before: unknown, after: unknown): unknown {
  if (isObject(before) && isObject(after) && !isRate(before) && !isRate(after)) {
    const patch: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!(key in after)) patch[key] = null;
      else {
        const change = mergePatchOf(before[key], after[key]);
        if (change !== undefined) patch[key] = change;
      }
    }
    return Object.keys(patch).length > 0 ? patch : undefined;
  }
  return same(before, after) ? undefined : after;
}

function editedPart(program: Program): Settings {
  const enrolment = (program as { enrolment?: Enrolment }).enrolment;
  return {
    ...Object.fromEntries(
      EDITED.filter((k) => program[k] !== undefined).map((k) => [k, program[k]]),
    ),
    ...(enrolment === undefined ? {} : { enrolment }),
  } as Settings;
}

const errorClass = "text-sm text-red-700";

/** A section of the form: a fieldset, so its controls are announced under its name. */
function Group({
  legend,
  error,
  id,
  children,
}: {
  legend: string;
  error?: string | undefined;
  id: string;
  children: ReactNode;
}) {
  return (
    <fieldset className="flex min-w-0 flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4">
      <legend className="px-1 text-sm font-semibold text-slate-700">{legend}</legend>
      {error && (
        <p id={`${id}-error`} className={errorClass}>
          {error}
        </p>
      )}
      {children}
    </fieldset>
  );
}

function RateKindSelect({
  id,
  label,
  value,
  currency,
  onChange,
}: {
  id: string;
  label: string;
  value: RateKind;
  currency: string;
  onChange: (kind: RateKind) => void;
}) {
  return (
    <select
      id={id}
      aria-label={label}
      className={inputClass}
      value={value}
      onChange={(e) => onChange(e.target.value as RateKind)}
    >
      <option value="percent">Percent</option>
      <option value="flat">Flat ({currency})</option>
    </select>
  );
}

const numberProps = { type: "number", min: "0", step: "any", inputMode: "decimal" } as const;
const wholeProps = { type: "number", min: "0", step: "1", inputMode: "numeric" } as const;

/**
 * Rates keyed by a level or a SKU: one row each, with the API's message for a
 * row under it (an unknown level is the key's fault, a bad rate the value's).
 */
function KeyedRates({
  id,
  noun,
  path,
  rows,
  currency,
  messageFor,
  onChange,
  placeholder,
}: {
  id: string;
  noun: string;
  path: string;
  rows: KeyedRateDraft[];
  currency: string;
  messageFor: (path: string) => string | undefined;
  onChange: (rows: KeyedRateDraft[]) => void;
  placeholder: string;
}) {
  const setRow = (i: number, change: Partial<KeyedRateDraft>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const title = noun.charAt(0).toUpperCase() + noun.slice(1);
  return (
    <div className="flex flex-col gap-2">
      {rows.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full border-separate border-spacing-x-1 border-spacing-y-1 text-sm">
            <thead>
              <tr className="text-left text-xs text-slate-600">
                <th scope="col" className="font-medium">
                  {title}
                </th>
                <th scope="col" className="font-medium">
                  Type
                </th>
                <th scope="col" className="font-medium">
                  Rate
                </th>
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => {
                const n = i + 1;
                const at = `${path}.${row.key.trim()}`;
                const keyError = row.key.trim() === "" ? undefined : messageFor(at);
                const valueError =
                  row.key.trim() === "" ? undefined : messageFor(`${at}.${row.kind}`);
                const rowId = `${id}-${i}`;
                return [
                  <tr key={`${i}-row`}>
                    <td className="min-w-24">
                      <input
                        id={`${rowId}-key`}
                        aria-label={`${title} rate ${n} ${noun}`}
                        className={inputClass}
                        value={row.key}
                        placeholder={placeholder}
                        onChange={(e) => setRow(i, { key: e.target.value })}
                        {...invalid(`${rowId}-key`, keyError)}
                      />
                    </td>
                    <td className="w-28">
                      <RateKindSelect
                        id={`${rowId}-kind`}
                        label={`${title} rate ${n} type`}
                        value={row.kind}
                        currency={currency}
                        onChange={(kind) => setRow(i, { kind })}
                      />
                    </td>
                    <td className="w-24">
                      <input
                        id={`${rowId}-value`}
                        aria-label={`${title} rate ${n}`}
                        className={inputClass}
                        {...numberProps}
                        value={row.value}
                        onChange={(e) => setRow(i, { value: e.target.value })}
                        {...invalid(`${rowId}-value`, valueError)}
                      />
                    </td>
                    <td className="w-8">
                      <Button
                        variant="secondary"
                        className="px-2"
                        aria-label={`Remove ${noun} rate ${n}`}
                        onClick={() => onChange(rows.filter((_, j) => j !== i))}
                      >
                        ×
                      </Button>
                    </td>
                  </tr>,
                  (keyError || valueError) && (
                    <tr key={`${i}-error`}>
                      <td colSpan={4}>
                        {keyError && (
                          <p id={`${rowId}-key-error`} className={errorClass}>
                            {keyError}
                          </p>
                        )}
                        {valueError && (
                          <p id={`${rowId}-value-error`} className={errorClass}>
                            {valueError}
                          </p>
                        )}
                      </td>
                    </tr>
                  ),
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
      <div>
        <Button
          variant="secondary"
          onClick={() => onChange([...rows, { key: "", kind: "percent", value: "" }])}
        >
          Add {noun} rate
        </Button>
      </div>
    </div>
  );
}

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
/** What the colour picker shows while no colour is set: the console's own accent. */
const DEFAULT_COLOUR = "#047857";

/** Only an http(s) address is one the API takes, so only that is worth loading. */
const previewable = (url: string) => /^https?:\/\/\S+$/i.test(url.trim());

/**
 * The brand's look in the portal and the widget: a logo by its address, shown
 * here as it will load, and an accent colour typed as #RRGGBB or picked.
 */
function BrandingGroup({
  logoUrl,
  color,
  onLogoUrl,
  onColor,
  messageFor,
}: {
  logoUrl: string;
  color: string;
  onLogoUrl: (url: string) => void;
  onColor: (color: string) => void;
  messageFor: (path: string) => string | undefined;
}) {
  const [failed, setFailed] = useState<string | null>(null);
  const logoError = messageFor("branding.logoUrl");
  const colorError = messageFor("branding.color");
  const url = logoUrl.trim();
  return (
    <Group legend="Branding" id="branding" error={messageFor("branding")}>
      <div className="grid gap-4 sm:grid-cols-[1fr_auto] sm:items-start">
        <Field
          id="logo-url"
          label="Logo URL"
          error={logoError}
          hint="An http(s) address of the image the portal and the widget show; blank for none"
        >
          <input
            id="logo-url"
            type="url"
            inputMode="url"
            className={inputClass}
            placeholder="https://shop.example.com/logo.png"
            value={logoUrl}
            onChange={(e) => onLogoUrl(e.target.value)}
            {...invalid("logo-url", logoError)}
          />
        </Field>
        <div className="flex h-16 w-40 items-center justify-center rounded border border-dashed border-slate-300 bg-slate-50 p-1">
          {previewable(url) && failed !== url ? (
            <img
              key={url}
              src={url}
              alt="Logo preview"
              className="max-h-full max-w-full object-contain"
              onError={() => setFailed(url)}
            />
          ) : (
            <span className="text-center text-xs text-slate-500">
              {previewable(url) ? "The image could not be loaded from this address" : "No logo"}
            </span>
          )}
        </div>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <Field
          id="brand-color"
          label="Accent colour"
          error={colorError}
          hint="As #RRGGBB, such as #0f766e; blank for Laurel's own"
        >
          <input
            id="brand-color"
            className={`${inputClass} w-32 font-mono`}
            placeholder="#0f766e"
            spellCheck={false}
            autoComplete="off"
            value={color}
            onChange={(e) => onColor(e.target.value)}
            {...invalid("brand-color", colorError)}
          />
        </Field>
        <div className="flex flex-col gap-1">
          <label htmlFor="brand-color-picker" className="text-sm font-medium">
            Pick the colour
          </label>
          <input
            id="brand-color-picker"
            type="color"
            className="h-9 w-16 cursor-pointer rounded border border-slate-300 bg-white"
            value={HEX_COLOUR.test(color) ? color.toLowerCase() : DEFAULT_COLOUR}
            onChange={(e) => onColor(e.target.value)}
          />
        </div>
        {color !== "" && (
          <Button variant="secondary" onClick={() => onColor("")}>
            Clear colour
          </Button>
        )}
      </div>
    </Group>
  );
}

function ProgramForm({ initial, program }: { initial: Program; program: Program }) {
  const queryClient = useQueryClient();
  const [base, setBase] = useState<Settings>(() => editedPart(initial));
  const [draft, setDraft] = useState<Draft>(() => draftOf(base));
  const currency = moneyCurrency(draft.currency, base.currency);
  const [notice, setNotice] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const save = useMutation({
    mutationFn: (patch: unknown) =>
      ok(
        api.PATCH("/v1/programs/{programId}", {
          params: { path: { programId: program.id } },
          // A merge patch the form computed from two drafts: the API checks it, field by field.
          body: patch as RequestBody<"/v1/programs/{programId}", "patch">,
        }),
      ),
    onSuccess: async (updated) => {
      const settings = editedPart(updated);
      setAnnouncement(announcementOf(base, settings));
      setBase(settings);
      setDraft(draftOf(settings));
      setNotice("Program saved. New rates apply to the next event.");
      queryClient.setQueryData(["program", program.id], updated);
      // The header's list carries the levels other screens offer.
      await queryClient.invalidateQueries({ queryKey: ["programs"] });
    },
  });
  const error = save.error instanceof ApiError ? save.error : undefined;
  const messageFor = (path: string) => error?.messageFor(path);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setNotice(null);
    setAnnouncement(null);
    setDraft((d) => ({ ...d, [key]: value }));
  };
  // The PATCH the form would send now: what What if? simulates and then saves.
  const pending = mergePatchOf(prune(base), settingsOf(draft, base)) as
    Record<string, unknown> | undefined;
  const whatIfDraft: WhatIfDraft = { program: pending ?? {}, goals: [], replaceGoals: false };
  // Mounted from the first What if? until a save or a discard, so its result outlives a look back at the form.
  const [whatIf, setWhatIf, whatIfButton] = useWhatIfPlace();
  const saveSimulated = async (simulated: WhatIfDraft) => {
    setNotice(null);
    setAnnouncement(null);
    if (Object.keys(simulated.program).length === 0) setNotice("Nothing changed.");
    else await save.mutateAsync(simulated.program);
    setWhatIf("closed");
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const patch = pending;
    if (patch === undefined) {
      save.reset();
      setNotice("Nothing changed.");
      return;
    }
    setNotice(null);
    setAnnouncement(null);
    save.mutate(patch);
  };

  const rateError =
    draft.rateKind === "none"
      ? undefined
      : (messageFor(`commission.rate.${draft.rateKind}`) ?? messageFor("commission.rate"));
  /** A plain input with its label and the API's message for `path`. */
  const input = (
    id: string,
    label: string,
    key: keyof Draft,
    path: string,
    props: Record<string, string>,
    hint?: string,
  ) => {
    const message = messageFor(path);
    return (
      <Field id={id} label={label} error={message} {...(hint ? { hint } : {})}>
        <input
          id={id}
          className={inputClass}
          {...props}
          value={draft[key] as string}
          onChange={(e) => set(key, e.target.value)}
          {...invalid(id, message)}
        />
      </Field>
    );
  };
  const money = (id: string, label: string, key: keyof Draft, path: string, hint: string) =>
    input(id, label, key, path, numberProps, hint);

  const form = (
    <form
      onSubmit={submit}
      noValidate
      aria-label="Program settings"
      hidden={whatIf === "shown"}
      className="flex flex-col gap-4"
    >
      {error && (
        <p
          role="alert"
          className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
        >
          The program was not saved: {error.message}
        </p>
      )}
      {save.error && !error && <ErrorMessage error={save.error} />}

      <Group legend="Name, currency and time" id="general">
        {input("program-name", "Name", "name", "name", { autoComplete: "off" })}
        <div className="grid gap-4 sm:grid-cols-2">
          <CurrencyField
            id="program-currency"
            value={draft.currency}
            onChange={(code) => set("currency", code)}
            error={messageFor("currency")}
            hint="Can change only until the program records its first event; amounts on this screen keep their figures"
          />
          <TimeZoneField
            id="program-timezone"
            value={draft.timezone}
            onChange={(zone) => set("timezone", zone)}
            error={messageFor("timezone")}
          />
        </div>
        {input(
          "landing-url",
          "Landing URL",
          "landingUrl",
          "landingUrl",
          { type: "url", inputMode: "url", placeholder: "https://shop.example.com/" },
          "Where referral links send visitors; blank keeps them on Laurel's page",
        )}
      </Group>

      <BrandingGroup
        logoUrl={draft.logoUrl}
        color={draft.color}
        onLogoUrl={(url) => set("logoUrl", url)}
        onColor={(color) => set("color", color)}
        messageFor={messageFor}
      />

      <Group legend="Commission" id="commission" error={messageFor("commission")}>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="rate-kind" label="Base rate type">
            <select
              id="rate-kind"
              className={inputClass}
              value={draft.rateKind}
              onChange={(e) => set("rateKind", e.target.value as Draft["rateKind"])}
            >
              <option value="none">No base rate</option>
              <option value="percent">Percent of the order</option>
              <option value="flat">Flat amount ({currency})</option>
            </select>
          </Field>
          {draft.rateKind !== "none" && (
            <Field
              id="rate"
              label="Base rate"
              hint={draft.rateKind === "percent" ? "Percent, 0 to 100" : `${currency} per order`}
              error={rateError}
            >
              <input
                id="rate"
                className={inputClass}
                {...numberProps}
                value={draft.rate}
                onChange={(e) => set("rate", e.target.value)}
                {...invalid("rate", rateError)}
              />
            </Field>
          )}
        </div>

        <fieldset className="flex min-w-0 flex-col gap-2">
          <legend className="mb-1 text-sm font-medium">Rates by level</legend>
          <p className="text-xs text-slate-500">
            Replace the base rate for participants at a level.
          </p>
          <KeyedRates
            id="by-level"
            noun="level"
            path="commission.byLevel"
            placeholder={draft.levels[0]?.key || "gold"}
            rows={draft.byLevel}
            currency={currency}
            messageFor={messageFor}
            onChange={(rows) => set("byLevel", rows)}
          />
        </fieldset>

        <fieldset className="flex min-w-0 flex-col gap-2">
          <legend className="mb-1 text-sm font-medium">Rates by SKU</legend>
          <p className="text-xs text-slate-500">Replace the rate for a product's order lines.</p>
          <KeyedRates
            id="by-sku"
            noun="SKU"
            path="commission.bySku"
            placeholder="SKU"
            rows={draft.bySku}
            currency={currency}
            messageFor={messageFor}
            onChange={(rows) => set("bySku", rows)}
          />
        </fieldset>

        <fieldset className="flex min-w-0 flex-col gap-2">
          <legend className="mb-1 text-sm font-medium">Upline rates</legend>
          <p className="text-xs text-slate-500">
            Level 1 is the seller's sponsor, level 2 the sponsor's sponsor, and so on.
          </p>
          {messageFor("commission.upline") && (
            <p className={errorClass}>{messageFor("commission.upline")}</p>
          )}
          <UplineRows<RateDraft>
            rows={draft.upline}
            onChange={(upline) => set("upline", upline)}
            blank={{ kind: "percent", value: "" }}
            inputId={(i) => `upline-${i}`}
            errorOf={(rate, i) =>
              messageFor(`commission.upline.${i}.${rate.kind}`) ??
              messageFor(`commission.upline.${i}`)
            }
            inputs={(rate, i, setRate, valueError) => {
              const n = i + 1;
              return (
                <>
                  <span className="w-16 shrink-0 text-sm">Level {n}</span>
                  <div className="w-28 shrink-0">
                    <RateKindSelect
                      id={`upline-${i}-kind`}
                      label={`Upline level ${n} type`}
                      value={rate.kind}
                      currency={currency}
                      onChange={(kind) => setRate({ ...rate, kind })}
                    />
                  </div>
                  <input
                    id={`upline-${i}`}
                    aria-label={`Upline level ${n} rate`}
                    className={inputClass}
                    {...numberProps}
                    value={rate.value}
                    onChange={(e) => setRate({ ...rate, value: e.target.value })}
                    {...invalid(`upline-${i}`, valueError)}
                  />
                </>
              );
            }}
          />
        </fieldset>

        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            id="upline-basis"
            label="Upline basis"
            error={messageFor("commission.uplineBasis")}
          >
            <select
              id="upline-basis"
              className={inputClass}
              value={draft.uplineBasis}
              onChange={(e) => set("uplineBasis", e.target.value as Draft["uplineBasis"])}
            >
              <option value="order">Percent of the order</option>
              <option value="commission">Percent of the seller's commission</option>
            </select>
          </Field>
          {input(
            "hold-days",
            "Hold days",
            "holdDays",
            "commission.holdDays",
            wholeProps,
            "Days a commission waits before it can be paid",
          )}
          {input(
            "min-personal-orders",
            "Upline qualification: minimum personal orders",
            "minPersonalOrders",
            "commission.uplineQualification.minPersonalOrders",
            wholeProps,
          )}
          {input(
            "qualification-days",
            "Upline qualification: within days",
            "qualificationDays",
            "commission.uplineQualification.days",
            wholeProps,
            "Blank both to pay every sponsor",
          )}
          {money(
            "cap-per-order",
            `Cap per order (${currency})`,
            "perOrder",
            "commission.caps.perOrder",
            "Blank for no cap",
          )}
          {money(
            "cap-participant-monthly",
            `Cap per participant per month (${currency})`,
            "perParticipantMonthly",
            "commission.caps.perParticipantMonthly",
            "Blank for no cap",
          )}
          {money(
            "cap-program-monthly",
            `Cap for the program per month (${currency})`,
            "programMonthly",
            "commission.caps.programMonthly",
            "Blank for no cap",
          )}
          {input(
            "max-total-percent",
            "Max total percent",
            "maxTotalPercent",
            "commission.maxTotalPercent",
            numberProps,
            "Of an order, across the seller and their upline; not of signups and leads",
          )}
          {money(
            "pay-per-signup",
            `Pay per signup (${currency})`,
            "perSignup",
            "commission.perSignup.flat",
            "Once per referred customer, and the upline its rates of it; blank pays nothing",
          )}
          {money(
            "pay-per-lead",
            `Pay per lead (${currency})`,
            "perLead",
            "commission.perLead.flat",
            "Once per referred customer, and the upline its rates of it; blank pays nothing",
          )}
        </div>
      </Group>

      <Group legend="Enrolment" id="enrolment">
        <Field id="enrolment" label="How people join" error={messageFor("enrolment")}>
          <select
            id="enrolment"
            className={inputClass}
            value={draft.enrolment}
            onChange={(e) => set("enrolment", e.target.value as Enrolment)}
          >
            {ENROLMENTS.map((e) => (
              <option key={e.value} value={e.value}>
                {e.label}
              </option>
            ))}
          </select>
        </Field>
        <ul className="list-disc pl-5 text-sm text-slate-600">
          {ENROLMENTS.map((e) => (
            <li key={e.value}>
              <span className="font-medium">{e.label}</span>: {e.help}
            </li>
          ))}
        </ul>
      </Group>

      <Group legend="Levels" id="levels" error={messageFor("levels")}>
        <LevelsEditor
          idPrefix="level"
          levels={draft.levels}
          onChange={(levels) => set("levels", levels)}
          messageFor={messageFor}
        />
      </Group>

      <Group legend="Attribution" id="attribution" error={messageFor("attribution")}>
        <div className="grid gap-4 sm:grid-cols-2">
          {input(
            "cookie-days",
            "Cookie days",
            "cookieDays",
            "attribution.cookieDays",
            wholeProps,
            "How long a click counts; blank for 30",
          )}
          <Field
            id="attribution-model"
            label="Attribution model"
            error={messageFor("attribution.model")}
          >
            <select
              id="attribution-model"
              className={inputClass}
              value={draft.model}
              onChange={(e) => set("model", e.target.value as Draft["model"])}
            >
              <option value="last_click">Last click</option>
              <option value="first_click">First click</option>
            </select>
          </Field>
        </div>
        <Checkbox
          id="bind-customer"
          label="Bind customer: later orders from a referred customer credit the same participant"
          checked={draft.bindCustomer}
          onChange={(checked) => set("bindCustomer", checked)}
        />
      </Group>

      <Group legend="Payouts and goals" id="payouts">
        <div className="grid gap-4 sm:grid-cols-2">
          {money(
            "payout-minimum",
            `Payout minimum (${currency})`,
            "payoutMinimum",
            "payouts.minimum",
            "Balances below this wait for the next payout",
          )}
          {input(
            "goal-grace-hours",
            "Goal grace hours",
            "goalGraceHours",
            "goalGraceHours",
            wholeProps,
            "Late events dated inside a closed goal window still count for this long",
          )}
        </div>
        <Checkbox
          id="widget-enrol"
          label="Customers signed in to the shop can join the program from the storefront widget"
          checked={draft.widgetEnrol}
          onChange={(checked) => set("widgetEnrol", checked)}
          error={messageFor("widget.enrol")}
        />
      </Group>

      <Group legend="Fraud" id="fraud" error={messageFor("fraud")}>
        <div className="grid gap-4 sm:grid-cols-2">
          {input(
            "max-clicks-per-hour",
            "Most clicks counted per hour",
            "maxClicksPerHour",
            "fraud.maxClicksPerHour",
            wholeProps,
            "Per visitor or IP address; more are not counted. Blank for 20",
          )}
        </div>
        <fieldset className="flex min-w-0 flex-col gap-2">
          <legend className="mb-1 text-sm font-medium">Refund abuse</legend>
          <p className="text-xs text-slate-500">
            Hold a seller's new commissions for review when too many of their recent orders were
            refunded. Blank both to never hold them.
          </p>
          <div className="grid gap-4 sm:grid-cols-2">
            {input(
              "refund-orders",
              "Recent orders looked at",
              "refundOrders",
              "fraud.refundAbuse.orders",
              wholeProps,
              "1 to 1000",
            )}
            {input(
              "refund-max-percent",
              "Most refunded (%)",
              "refundMaxPercent",
              "fraud.refundAbuse.maxRefundPercent",
              numberProps,
              "Of those orders; above this, new commissions wait for review",
            )}
          </div>
        </fieldset>
      </Group>

      <Group legend="Notifications" id="notifications" error={messageFor("notifications")}>
        <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
          <div className="flex min-w-0 flex-1 flex-col gap-3">
            <Checkbox
              id="notify-reward-granted"
              label="Mail a participant each reward granted"
              checked={draft.rewardGranted}
              onChange={(checked) => set("rewardGranted", checked)}
              error={messageFor("notifications.rewardGranted")}
            />
            <Checkbox
              id="notify-payout-sent"
              label="Mail each participant a payout pays"
              checked={draft.payoutSent}
              onChange={(checked) => set("payoutSent", checked)}
              error={messageFor("notifications.payoutSent")}
            />
            <Checkbox
              id="notify-application-decided"
              label="Mail an applicant when their application is approved or rejected"
              checked={draft.applicationDecided}
              onChange={(checked) => set("applicationDecided", checked)}
              error={messageFor("notifications.applicationDecided")}
            />
          </div>
          <div className="sm:w-72">
            <MailStatusNotice>These switches take effect once mail is configured.</MailStatusNotice>
          </div>
        </div>
      </Group>

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save program"}
        </Button>
        <Button variant="secondary" ref={whatIfButton} onClick={() => setWhatIf("shown")}>
          What if?
        </Button>
        <Button
          variant="secondary"
          onClick={() => {
            save.reset();
            setNotice(null);
            setAnnouncement(null);
            setDraft(draftOf(base));
            setWhatIf("closed");
          }}
        >
          Discard changes
        </Button>
        <p role="status" className="text-sm text-emerald-800">
          {notice}
        </p>
        {announcement && (
          <Link
            to={announcementPath(announcement, base.name)}
            className="text-sm font-medium text-emerald-800 underline"
          >
            Announce this change to participants
          </Link>
        )}
      </div>
    </form>
  );
  return (
    <>
      {whatIf !== "closed" && (
        <WhatIf
          program={program}
          draft={whatIfDraft}
          changes={changesOf(prune(base), pending ?? {}, currency, true)}
          hidden={whatIf !== "shown"}
          subject="the program"
          onSave={saveSimulated}
          onBack={() => setWhatIf("behind")}
        />
      )}
      {form}
    </>
  );
}

export function ProgramSettings({ program }: { program: Program }) {
  const detail = useQuery({
    queryKey: ["program", program.id],
    queryFn: () =>
      ok(api.GET("/v1/programs/{programId}", { params: { path: { programId: program.id } } })),
    // The form keeps its own copy; a refetch must not overwrite what is being typed.
    staleTime: Infinity,
  });
  return (
    <div className="flex flex-col gap-4">
      <div>
        <h2 className="text-xl font-semibold">Program</h2>
        <p className="text-sm text-slate-600">
          {program.name} · {program.currency} · {program.timezone}
        </p>
      </div>
      {detail.isPending ? (
        <Loading what="program settings" />
      ) : detail.error ? (
        <ErrorMessage error={detail.error} />
      ) : (
        <ProgramForm initial={detail.data} program={program} />
      )}
    </div>
  );
}
