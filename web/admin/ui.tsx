import * as DialogPrimitive from "@radix-ui/react-dialog";
import * as LabelPrimitive from "@radix-ui/react-label";
import {
  Component,
  useEffect,
  useId,
  useRef,
  useState,
  type ComponentProps,
  type ReactElement,
  type ReactNode,
  type RefObject,
} from "react";
import { ApiError } from "../shared/api.ts";

export function Button({
  variant = "primary",
  className = "",
  ...rest
}: ComponentProps<"button"> & { variant?: "primary" | "secondary" | "danger" }) {
  const look =
    variant === "primary"
      ? "bg-emerald-700 text-white hover:bg-emerald-800"
      : variant === "danger"
        ? "bg-red-700 text-white hover:bg-red-800"
        : "border border-slate-300 bg-white text-slate-900 hover:bg-slate-100";
  return (
    <button
      type="button"
      {...rest}
      className={`rounded px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700 disabled:opacity-50 ${look} ${className}`}
    />
  );
}

/** A checkbox with its label beside it, and the API's message for it below, if any. */
export function Checkbox({
  id,
  label,
  checked,
  onChange,
  error,
}: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: string | undefined;
}) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        className="h-4 w-4"
        {...invalid(id, error)}
      />
      <label htmlFor={id} className="text-sm">
        {label}
      </label>
      {error && (
        <p id={`${id}-error`} className="w-full text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

export const inputClass =
  "w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-emerald-700";

/** A label, its control and the API's message for it, tied together for screen readers. */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-1">
      <LabelPrimitive.Root htmlFor={id} className="text-sm font-medium">
        {label}
      </LabelPrimitive.Root>
      {children}
      {hint && <p className="text-xs text-slate-500">{hint}</p>}
      {error && (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

/** Props that mark a control invalid and point it at its message. */
export const invalid = (id: string, error: string | undefined) =>
  error ? { "aria-invalid": true as const, "aria-describedby": `${id}-error` } : {};

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    error instanceof ApiError ? error.message : error instanceof Error ? error.message : "Failed";
  return (
    <p role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800">
      {message}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="text-sm text-slate-500">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <p className="rounded border border-dashed border-slate-300 p-4 text-sm text-slate-600">
      {children}
    </p>
  );
}

export function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="rounded-lg border border-slate-200 bg-white p-4">
      <h3 className="mb-3 text-sm font-semibold text-slate-700">{title}</h3>
      {children}
    </section>
  );
}

/**
 * Asks before an action that cannot be taken back. The dialog stays open while
 * the action runs and shows its failure, so the admin sees what went wrong
 * before deciding again; focus goes back to the trigger when it closes.
 */
export function ConfirmDialog({
  trigger,
  title,
  description,
  confirmLabel,
  cancelLabel = "Cancel",
  onConfirm,
  focusAfter,
}: {
  /** A button; it must pass its ref on so focus can return to it. */
  trigger: ReactElement;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => Promise<unknown>;
  /** Where focus goes when the action took the trigger away with what it acted on. */
  focusAfter?: () => HTMLElement | null | undefined;
}) {
  const triggerRef = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const change = (next: boolean) => {
    // Closing mid-request would hide whether the action happened.
    if (pending) return;
    setOpen(next);
    setError(null);
  };
  const confirm = async () => {
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      setOpen(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setPending(false);
    }
  };
  return (
    <DialogPrimitive.Root open={open} onOpenChange={change}>
      <DialogPrimitive.Trigger asChild ref={triggerRef}>
        {trigger}
      </DialogPrimitive.Trigger>
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
        <DialogPrimitive.Content
          onCloseAutoFocus={(event) => {
            if (triggerRef.current?.isConnected || !focusAfter) return;
            event.preventDefault();
            focusAfter()?.focus();
          }}
          className="fixed top-1/2 left-1/2 z-50 flex w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 flex-col gap-4 rounded-lg bg-white p-5 shadow-xl focus:outline-none"
        >
          <DialogPrimitive.Title className="text-lg font-semibold">{title}</DialogPrimitive.Title>
          <DialogPrimitive.Description className="text-sm text-slate-700">
            {description}
          </DialogPrimitive.Description>
          <ErrorMessage error={error} />
          {/* Cancel comes first so it, not the destructive button, takes the first focus. */}
          <div className="flex flex-wrap justify-end gap-2">
            <DialogPrimitive.Close asChild>
              <Button variant="secondary" disabled={pending}>
                {cancelLabel}
              </Button>
            </DialogPrimitive.Close>
            <Button variant="danger" onClick={() => void confirm()} disabled={pending}>
              {pending ? "Working…" : confirmLabel}
            </Button>
          </div>
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  );
}

const BADGE_LOOK = {
  good: "bg-emerald-100 text-emerald-900",
  neutral: "bg-slate-100 text-slate-700",
  warning: "bg-amber-100 text-amber-900",
  bad: "bg-red-100 text-red-800",
} as const;

export type BadgeTone = keyof typeof BADGE_LOOK;

/** A short state in a coloured pill; the words carry the meaning, the colour only repeats it. */
export function Badge({ tone, children }: { tone: BadgeTone; children: ReactNode }) {
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${BADGE_LOOK[tone]}`}>
      {children}
    </span>
  );
}

/** A read-only value with a Copy button, and a confirmation screen readers hear. */
export function CopyField({
  id,
  label,
  copyLabel,
  what,
  value,
  inputRef,
}: {
  id: string;
  label: string;
  /** Told to screen readers after Copy, to say what is copied. */
  copyLabel: string;
  /** What the value is, in the message when the clipboard is out of reach. */
  what: string;
  value: string;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const [said, setSaid] = useState("");
  useEffect(() => {
    if (said === "") return;
    const timer = setTimeout(() => setSaid(""), 5000);
    return () => clearTimeout(timer);
  }, [said]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid("Copied");
    } catch {
      // Without clipboard access the text is selected, so a keyboard copy works.
      inputRef.current?.select();
      setSaid(`Could not copy: the ${what} is selected, press Ctrl+C or ⌘C.`);
    }
  };
  return (
    <Field id={id} label={label}>
      <div className="flex gap-2">
        <input
          id={id}
          ref={inputRef}
          readOnly
          autoComplete="off"
          spellCheck={false}
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className={`${inputClass} min-w-0 flex-1 font-mono`}
        />
        <Button variant="secondary" onClick={() => void copy()}>
          Copy<span className="sr-only"> {copyLabel}</span>
        </Button>
      </div>
      <p role="status" aria-live="polite" className="min-h-5 text-sm text-emerald-800">
        {said}
      </p>
    </Field>
  );
}

/** A row of toggle pills of which the chosen one is pressed (none, for a choice not among them). */
export function PillChoice<K extends string>({
  label,
  choices,
  chosen,
  onChoose,
}: {
  label: string;
  choices: readonly (readonly [K, string])[];
  chosen: string;
  onChoose: (key: K) => void;
}) {
  return (
    <div role="group" aria-label={label} className="flex flex-wrap gap-2">
      {choices.map(([key, text]) => (
        <button
          key={key}
          type="button"
          aria-pressed={chosen === key}
          onClick={() => onChoose(key)}
          className={`rounded-full border px-3 py-1 text-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700 ${
            chosen === key
              ? "border-emerald-800 bg-emerald-800 text-white"
              : "border-slate-300 bg-white text-slate-900 hover:bg-slate-100"
          }`}
        >
          {text}
        </button>
      ))}
    </div>
  );
}

/**
 * A wide table's box: it scrolls sideways inside itself, so the page never
 * does, with a shade on each side that has more to see and a hint, tied to
 * the box for screen readers, while anything is out of view. The box takes
 * keyboard focus then, so arrow keys scroll it.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  const hintId = useId();
  const box = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState({ left: false, right: false });
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => {
      // A pixel of slack: zoomed pages report fractional widths.
      const left = element.scrollLeft > 1;
      const right = element.scrollLeft + element.clientWidth < element.scrollWidth - 1;
      setMore((was) => (was.left === left && was.right === right ? was : { left, right }));
    };
    measure();
    element.addEventListener("scroll", measure, { passive: true });
    const resized = new ResizeObserver(measure);
    resized.observe(element);
    for (const child of element.children) resized.observe(child);
    return () => {
      element.removeEventListener("scroll", measure);
      resized.disconnect();
    };
  }, []);
  const scrolls = more.left || more.right;
  const shade = "pointer-events-none absolute inset-y-0 w-6 from-slate-900/15 to-transparent";
  return (
    <div className="min-w-0">
      <div className="relative">
        <div
          ref={box}
          role="region"
          aria-label={label}
          aria-describedby={scrolls ? hintId : undefined}
          tabIndex={scrolls ? 0 : undefined}
          data-scrolls={scrolls ? "true" : undefined}
          className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-emerald-700"
        >
          {children}
        </div>
        {more.left && <div aria-hidden className={`${shade} left-0 bg-linear-to-r`} />}
        {more.right && <div aria-hidden className={`${shade} right-0 bg-linear-to-l`} />}
      </div>
      {scrolls && (
        <p id={hintId} className="mt-1 text-xs text-slate-500">
          <span aria-hidden>↔ </span>Scroll sideways to see every column.
        </p>
      )}
    </div>
  );
}

/**
 * Keeps what could not load (a screen's or a chart's chunk refused, the
 * network gone) to its own frame, with what to do, instead of React
 * unmounting the whole console. Give it a `key` that changes with what it
 * holds, so moving on tries again.
 */
export class LoadFailure extends Component<
  { what: string; children: ReactNode },
  { failed: boolean }
> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override render() {
    return this.state.failed ? (
      <ErrorMessage
        error={new Error(`${this.props.what} could not load. Reload the page to try again.`)}
      />
    ) : (
      this.props.children
    );
  }
}
