import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, ok, type RequestBody, type Schema } from "../shared/api.ts";
import { LevelsEditor } from "./levels-editor.tsx";
import { api, type Program } from "./session.ts";
import { UplineRows } from "./upline-rows.tsx";
import { Button, Field, inputClass, invalid } from "./ui.tsx";

/** Offered first; any other three-letter ISO 4217 code may be typed. */
export const COMMON_CURRENCIES = [
  "USD",
  "EUR",
  "GBP",
  "CAD",
  "AUD",
  "NZD",
  "JPY",
  "CHF",
  "SEK",
  "NOK",
  "DKK",
  "PLN",
  "CZK",
  "INR",
  "SGD",
  "HKD",
  "BRL",
  "MXN",
  "ZAR",
] as const;

/** The zone this browser is in, which is most often the brand's own. */
export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * Every zone the browser knows, with UTC and `current` among them even where
 * the browser's list leaves them out, so a stored zone is always selectable.
 */
function timeZonesWith(current: string): string[] {
  return [...new Set([...Intl.supportedValuesOf("timeZone"), "UTC", current])].sort();
}

/** A currency code: the common ones offered as the admin types, any other taken as typed. */
export function CurrencyField({
  id,
  value,
  onChange,
  error,
  hint,
  disabled = false,
}: {
  id: string;
  value: string;
  onChange: (code: string) => void;
  error: string | undefined;
  hint?: string;
  disabled?: boolean;
}) {
  return (
    <Field
      id={id}
      label="Currency"
      error={error}
      hint={hint ?? "A three-letter ISO 4217 code: pick one or type another"}
    >
      <input
        id={id}
        list={`${id}-codes`}
        className={inputClass}
        value={value}
        maxLength={3}
        autoComplete="off"
        spellCheck={false}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value.toUpperCase())}
        {...invalid(id, error)}
      />
      <datalist id={`${id}-codes`}>
        {COMMON_CURRENCIES.map((code) => (
          <option key={code} value={code} />
        ))}
      </datalist>
    </Field>
  );
}

export function TimeZoneField({
  id,
  value,
  onChange,
  error,
}: {
  id: string;
  value: string;
  onChange: (zone: string) => void;
  error: string | undefined;
}) {
  const [zones] = useState(() => timeZonesWith(value));
  return (
    <Field
      id={id}
      label="Time zone"
      error={error}
      hint="Days, months and goal windows start at midnight here"
    >
      <select
        id={id}
        className={inputClass}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...invalid(id, error)}
      >
        {zones.map((zone) => (
          <option key={zone} value={zone}>
            {zone.replaceAll("_", " ")}
          </option>
        ))}
      </select>
    </Field>
  );
}

interface Draft {
  name: string;
  currency: string;
  timezone: string;
  landingUrl: string;
  rate: string;
  upline: string[];
  levels: { key: string; name: string }[];
}

type ProgramBody = RequestBody<"/v1/programs", "post">;
type Percent = number | string;

// Text that is not a plain number goes to the API as typed, so its message
// names the field instead of the form guessing at the rule.
export function percentOut(value: string): Percent {
  const t = value.trim();
  const n = Number(t);
  return t !== "" && String(n) === t ? n : t;
}

/** The program the draft describes; blank optional fields are left out. */
function bodyOf(draft: Draft): ProgramBody {
  const rate = draft.rate.trim();
  const commission = {
    ...(rate === "" ? {} : { rate: { percent: percentOut(rate) } }),
    ...(draft.upline.length > 0
      ? { upline: draft.upline.map((r) => ({ percent: percentOut(r) })) }
      : {}),
  };
  return {
    name: draft.name.trim(),
    currency: draft.currency.trim(),
    timezone: draft.timezone,
    ...(draft.landingUrl.trim() === "" ? {} : { landingUrl: draft.landingUrl.trim() }),
    ...(Object.keys(commission).length > 0 ? { commission } : {}),
    ...(draft.levels.length > 0
      ? { levels: draft.levels.map((l) => ({ key: l.key.trim(), name: l.name.trim() })) }
      : {}),
  };
}

const errorClass = "text-sm text-red-700";

/**
 * A new program: its name, money, time zone, landing page and a first plan.
 * Each API message shows beside its field; `onCreated` hears of the program
 * once the header's list holds it, so the console can open it at once.
 */
export function CreateProgram({
  first,
  onCreated,
}: {
  /** The brand has no program yet: the form is the whole page and says so. */
  first: boolean;
  onCreated: (program: Program) => void;
}) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => ({
    name: "",
    currency: "USD",
    timezone: browserTimeZone(),
    landingUrl: "",
    rate: "",
    upline: [],
    levels: [],
  }));
  const formRef = useRef<HTMLFormElement>(null);
  const create = useMutation({
    mutationFn: (body: ProgramBody) => ok(api.POST("/v1/programs", { body })),
    onSuccess: async (program) => {
      // The header picks the program from this list: it must be there before the console opens it.
      queryClient.setQueryData<Schema<"ProgramCollection">>(["programs"], (list) =>
        list ? { ...list, items: [...list.items, program] } : { items: [program], next: null },
      );
      onCreated(program);
      await queryClient.invalidateQueries({ queryKey: ["programs"] });
    },
  });
  const error = create.error instanceof ApiError ? create.error : undefined;
  const messageFor = (path: string) => error?.messageFor(path);
  // After a refusal, the first field the API named takes focus, so its message is read out.
  useEffect(() => {
    if (!error) return;
    const named = formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']");
    (named ?? formRef.current?.querySelector<HTMLElement>("[role='alert']"))?.focus();
  }, [error]);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(bodyOf(draft));
  };
  const text = (
    id: string,
    label: string,
    key: "name" | "landingUrl" | "rate",
    message: string | undefined,
    props: Record<string, string>,
    hint?: string,
  ) => (
    <Field id={id} label={label} error={message} {...(hint ? { hint } : {})}>
      <input
        id={id}
        className={inputClass}
        {...props}
        value={draft[key]}
        onChange={(e) => set(key, e.target.value)}
        {...invalid(id, message)}
      />
    </Field>
  );
  return (
    <section
      aria-labelledby="create-program-title"
      className="mx-auto flex max-w-2xl flex-col gap-4"
    >
      <div>
        <h2 id="create-program-title" className="text-xl font-semibold">
          {first ? "Create your first program" : "New program"}
        </h2>
        <p className="text-sm text-slate-600">
          {first
            ? "This brand has no programs yet. A program has its own currency, participants, commission plan and goals; "
            : "Another program of this brand, with its own currency, participants, commission plan and goals; "}
          everything here can be changed later on the Program screen.
        </p>
      </div>
      <form
        ref={formRef}
        onSubmit={submit}
        noValidate
        aria-label="New program"
        className="flex flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4"
      >
        {error && (
          <p
            role="alert"
            tabIndex={-1}
            className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
          >
            The program was not created: {error.message}
          </p>
        )}
        {create.error && !error && (
          <p
            role="alert"
            className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
          >
            The program was not created: {create.error.message}
          </p>
        )}
        {text("new-program-name", "Name", "name", messageFor("name"), { autoComplete: "off" })}
        <div className="grid gap-4 sm:grid-cols-2">
          <CurrencyField
            id="new-program-currency"
            value={draft.currency}
            onChange={(code) => set("currency", code)}
            error={messageFor("currency")}
          />
          <TimeZoneField
            id="new-program-timezone"
            value={draft.timezone}
            onChange={(zone) => set("timezone", zone)}
            error={messageFor("timezone")}
          />
        </div>
        {text(
          "new-program-landing-url",
          "Landing URL",
          "landingUrl",
          messageFor("landingUrl"),
          { type: "url", inputMode: "url", placeholder: "https://shop.example.com/" },
          "Where referral links send visitors; blank keeps them on Laurel's page",
        )}
        {text(
          "new-program-rate",
          "Commission rate (%)",
          "rate",
          messageFor("commission.rate.percent") ?? messageFor("commission.rate"),
          { type: "number", min: "0", max: "100", step: "any", inputMode: "decimal" },
          "Percent of each referred order paid to the seller; blank for none yet",
        )}

        <fieldset className="flex min-w-0 flex-col gap-2">
          <legend className="mb-1 text-sm font-medium">Upline levels</legend>
          <p className="text-xs text-slate-500">
            Percent of the order paid to the seller's sponsor (level 1), that sponsor's sponsor
            (level 2), and so on.
          </p>
          {messageFor("commission.upline") && (
            <p className={errorClass}>{messageFor("commission.upline")}</p>
          )}
          <UplineRows
            rows={draft.upline}
            onChange={(upline) => set("upline", upline)}
            blank=""
            inputId={(i) => `new-program-upline-${i}`}
            errorOf={(_, i) =>
              messageFor(`commission.upline.${i}.percent`) ?? messageFor(`commission.upline.${i}`)
            }
            inputs={(rate, i, setRate, message) => {
              const id = `new-program-upline-${i}`;
              return (
                <>
                  <label htmlFor={id} className="w-36 shrink-0 text-sm">
                    Upline level {i + 1} (%)
                  </label>
                  <input
                    id={id}
                    className={inputClass}
                    type="number"
                    min="0"
                    max="100"
                    step="any"
                    inputMode="decimal"
                    value={rate}
                    onChange={(e) => setRate(e.target.value)}
                    {...invalid(id, message)}
                  />
                </>
              );
            }}
          />
        </fieldset>

        <fieldset className="flex min-w-0 flex-col gap-2">
          <legend className="mb-1 text-sm font-medium">Levels</legend>
          <p className="text-xs text-slate-500">
            Ranks participants can hold, such as Silver and Gold; a level can have its own rate.
          </p>
          {messageFor("levels") && <p className={errorClass}>{messageFor("levels")}</p>}
          <LevelsEditor
            idPrefix="new-program-level"
            levels={draft.levels}
            onChange={(levels) => set("levels", levels)}
            messageFor={messageFor}
            placeholders={{ key: "gold", name: "Gold" }}
          />
        </fieldset>

        <div>
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create program"}
          </Button>
        </div>
      </form>
    </section>
  );
}
