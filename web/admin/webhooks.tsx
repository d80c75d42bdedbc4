import * as DialogPrimitive from "@radix-ui/react-dialog";
import { useMutation, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { ApiError, ok, type Schema } from "../shared/api.ts";
import { formatDateTime, formatNumber } from "../shared/format.ts";
import { MailStatusNotice, useBrand } from "./mail-status.tsx";
import { PagedList, formatWithSeconds, usePagedQuery } from "./paged-list.tsx";
import { api, type Program } from "./session.ts";
import {
  Badge,
  Button,
  ConfirmDialog,
  CopyField,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  inputClass,
  invalid,
  type BadgeTone,
} from "./ui.tsx";

type Endpoint = Schema<"WebhookEndpoint">;
type EndpointList = Schema<"WebhookEndpointCollection">;
type WebhookDelivery = Schema<"WebhookDelivery">;
type DeliveryPages = InfiniteData<Schema<"WebhookDeliveryCollection">, string | null>;
type EventType = Endpoint["events"][number];

/**
 * Every event type the API tells, in the document's order, with what it
 * means. A Record over the document's own union, so a type added to or
 * dropped from the API's schema fails `tsc -p web` until it is listed here.
 */
const EVENT_MEANINGS: Record<EventType, string> = {
  "commission.created": "a commission is earned",
  "commission.reversed": "a commission is taken back, by a refund or a rejected review",
  "reward.granted": "a goal's reward is granted (with the voucher code of a free product)",
  "participant.created": "a participant joins",
  "participant.updated": "a participant's level or status changes",
  "application.submitted": "someone applies to join",
  "payout.created": "a payout is made",
  "fraud_flag.raised": "a fraud flag is raised",
};
const EVENT_TYPES = Object.keys(EVENT_MEANINGS) as EventType[];

const ENDPOINTS_KEY = ["webhook-endpoints"];
const deliveriesKey = (endpointId: string) => ["webhook-deliveries", endpointId];

/** A secret the API has just answered, kept only while this screen is open. */
interface Revealed {
  endpointId: string;
  secret: string;
  why: "created" | "rotated";
}

/** The endpoint as it is listed: the secret is never kept beside it. */
function withoutSecret(endpoint: Endpoint & { secret?: string }): Endpoint {
  const { secret: _secret, ...listed } = endpoint;
  return listed;
}

export function Webhooks({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const endpoints = useQuery({
    queryKey: ENDPOINTS_KEY,
    queryFn: () => ok(api.GET("/v1/webhook-endpoints", { params: { query: { limit: 500 } } })),
  });
  // The same query as the header's program picker, so its answer is shared.
  const programs = useQuery({
    queryKey: ["programs"],
    queryFn: () => ok(api.GET("/v1/programs", { params: { query: { limit: 500 } } })),
  });
  const programName = (id: string | null) =>
    id === null
      ? "All programs"
      : (programs.data?.items.find((p) => p.id === id)?.name ?? `Program ${id}`);
  // Held in this component's state only: leaving the screen unmounts it, and
  // the secret with it. Nothing else in the page or its caches keeps a copy.
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const [notice, setNotice] = useState("");
  const listHeading = useRef<HTMLHeadingElement>(null);

  const replaceEndpoint = (changed: Endpoint) =>
    queryClient.setQueryData<EndpointList>(ENDPOINTS_KEY, (list) =>
      list ? { ...list, items: list.items.map((e) => (e.id === changed.id ? changed : e)) } : list,
    );

  return (
    <div className="flex flex-col gap-4">
      <div>
        <h2 className="text-xl font-semibold">Webhooks</h2>
        <p className="text-sm text-slate-600">
          Laurel tells your backend what happens (commissions, rewards, participants, payouts, fraud
          flags) by POSTing each event to your endpoints, signed as Standard Webhooks with the
          endpoint's secret. A delivery that is not answered with a 2xx is retried for 3 days; an
          endpoint whose deliveries all fail for 3 days is disabled.
        </p>
      </div>
      <p role="status" className="text-sm text-emerald-800">
        {notice}
      </p>
      <AlertEmail />
      <AddEndpoint
        program={program}
        onCreated={(created, secret) => {
          queryClient.setQueryData<EndpointList>(ENDPOINTS_KEY, (list) => ({
            items: [
              ...(list?.items ?? []).filter((e) => e.id !== created.id),
              withoutSecret(created),
            ],
            next: list?.next ?? null,
          }));
          setRevealed({ endpointId: created.id, secret, why: "created" });
          setNotice(`The endpoint ${created.url} is added. Copy its signing secret now.`);
        }}
      />
      <section aria-labelledby="webhook-endpoints-heading" className="flex flex-col gap-3">
        <h3
          id="webhook-endpoints-heading"
          ref={listHeading}
          tabIndex={-1}
          className="text-lg font-semibold focus:outline-none"
        >
          Endpoints
        </h3>
        {endpoints.isPending ? (
          <Loading what="webhook endpoints" />
        ) : endpoints.error ? (
          <ErrorMessage error={endpoints.error} />
        ) : endpoints.data.items.length === 0 ? (
          <Empty>No endpoints yet: add one above, and Laurel starts telling it what happens.</Empty>
        ) : (
          <>
            {endpoints.data.items.map((endpoint) => (
              <EndpointCard
                key={endpoint.id}
                endpoint={endpoint}
                program={program}
                programName={programName(endpoint.programId)}
                revealed={revealed?.endpointId === endpoint.id ? revealed : null}
                onRevealed={setRevealed}
                onForget={() => setRevealed(null)}
                onChanged={replaceEndpoint}
                onDeleted={() => {
                  if (revealed?.endpointId === endpoint.id) setRevealed(null);
                  setNotice(`The endpoint ${endpoint.url} is deleted: nothing more is sent to it.`);
                  queryClient.setQueryData<EndpointList>(ENDPOINTS_KEY, (list) =>
                    list
                      ? { ...list, items: list.items.filter((e) => e.id !== endpoint.id) }
                      : list,
                  );
                  queryClient.removeQueries({ queryKey: deliveriesKey(endpoint.id) });
                }}
                focusAfterDelete={() => listHeading.current}
              />
            ))}
            {endpoints.data.next !== null && (
              <p className="text-sm text-slate-600">
                The first {formatNumber(endpoints.data.items.length)} endpoints are shown.
              </p>
            )}
          </>
        )}
      </section>
    </div>
  );
}

/** The event types as checkboxes, each with what it means, and the API's message for the list. */
function EventChoices({
  idPrefix,
  chosen,
  onChange,
  error,
}: {
  idPrefix: string;
  chosen: readonly EventType[];
  onChange: (chosen: EventType[]) => void;
  error: string | undefined;
}) {
  const errorId = `${idPrefix}-events-error`;
  const toggle = (type: EventType, on: boolean) =>
    // Kept in the list's order, so the first one (a test event's type) is predictable.
    onChange(EVENT_TYPES.filter((t) => (t === type ? on : chosen.includes(t))));
  return (
    <fieldset className="flex flex-col gap-1.5" {...(error ? { "aria-describedby": errorId } : {})}>
      <legend className="mb-1 text-sm font-medium">Events</legend>
      {EVENT_TYPES.map((type) => {
        const id = `${idPrefix}-event-${type.replace(/\W/g, "-")}`;
        return (
          <div key={type} className="flex items-start gap-2 text-sm">
            <input
              id={id}
              type="checkbox"
              checked={chosen.includes(type)}
              onChange={(e) => toggle(type, e.target.checked)}
              aria-describedby={`${id}-meaning`}
              className="mt-0.5 h-4 w-4 shrink-0"
            />
            <label htmlFor={id} className="font-mono break-all">
              {type}
            </label>
            <span id={`${id}-meaning`} className="text-slate-600">
              {EVENT_MEANINGS[type]}
            </span>
          </div>
        );
      })}
      {error && (
        <p id={errorId} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function UrlField({
  id,
  value,
  onChange,
  error,
  autoFocus,
}: {
  id: string;
  value: string;
  onChange: (url: string) => void;
  error: string | undefined;
  autoFocus?: boolean;
}) {
  return (
    <Field
      id={id}
      label="URL"
      hint="https:// on a name that resolves to public addresses only"
      error={error}
    >
      <input
        id={id}
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://api.your-shop.example/laurel/webhooks"
        autoFocus={autoFocus}
        className={inputClass}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...invalid(id, error)}
      />
    </Field>
  );
}

function AddEndpoint({
  program,
  onCreated,
}: {
  program: Program;
  onCreated: (created: Schema<"NewWebhookEndpoint">, secret: string) => void;
}) {
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<EventType[]>([]);
  const [scope, setScope] = useState<"program" | "all">("program");
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/webhook-endpoints", {
          body: {
            url: url.trim(),
            events,
            ...(scope === "program" ? { programId: program.id } : {}),
          },
        }),
      ),
    // The answer holds the secret: the mutation cache must not keep it once
    // the form is gone.
    gcTime: 0,
    onSuccess: (created) => {
      setUrl("");
      setEvents([]);
      onCreated(created, created.secret);
      // The answer's secret has been handed on; the mutation forgets it now.
      create.reset();
    },
  });
  const error = create.error instanceof ApiError ? create.error : undefined;
  const urlError = error?.messageFor("url");
  const eventsError = error?.messageFor("events");
  const programError = error?.messageFor("programId");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section
      aria-labelledby="add-endpoint-heading"
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 id="add-endpoint-heading" className="mb-3 text-lg font-semibold">
        Add an endpoint
      </h3>
      <form onSubmit={submit} noValidate className="flex flex-col gap-4">
        {error && (
          <p
            role="alert"
            className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
          >
            The endpoint was not added: {error.message}
          </p>
        )}
        {create.error && !error && <ErrorMessage error={create.error} />}
        <UrlField id="new-endpoint-url" value={url} onChange={setUrl} error={urlError} />
        <EventChoices
          idPrefix="new-endpoint"
          chosen={events}
          onChange={setEvents}
          error={eventsError}
        />
        <fieldset
          className="flex flex-col gap-1.5 text-sm"
          {...(programError ? { "aria-describedby": "new-endpoint-program-error" } : {})}
        >
          <legend className="mb-1 font-medium">Program</legend>
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="new-endpoint-program"
              checked={scope === "program"}
              onChange={() => setScope("program")}
              className="h-4 w-4"
            />
            {program.name} only
          </label>
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="new-endpoint-program"
              checked={scope === "all"}
              onChange={() => setScope("all")}
              className="h-4 w-4"
            />
            All programs, those added later included
          </label>
          {programError && (
            <p id="new-endpoint-program-error" className="text-red-700">
              {programError}
            </p>
          )}
        </fieldset>
        <div>
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? "Adding…" : "Add endpoint"}
          </Button>
        </div>
      </form>
    </section>
  );
}

function EndpointCard({
  endpoint,
  program,
  programName,
  revealed,
  onRevealed,
  onForget,
  onChanged,
  onDeleted,
  focusAfterDelete,
}: {
  endpoint: Endpoint;
  program: Program;
  programName: string;
  revealed: Revealed | null;
  onRevealed: (revealed: Revealed) => void;
  onForget: () => void;
  onChanged: (changed: Endpoint) => void;
  onDeleted: () => void;
  focusAfterDelete: () => HTMLElement | null;
}) {
  const queryClient = useQueryClient();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState("");
  // Where focus goes once the form that had it is gone.
  const [focusTo, setFocusTo] = useState<"edit" | null>(null);
  useEffect(() => {
    if (focusTo === "edit" && !editing) editButton.current?.focus();
    else return;
    setFocusTo(null);
  }, [focusTo, editing]);

  const toggle = useMutation({
    mutationFn: (disabled: boolean) =>
      ok(
        api.PATCH("/v1/webhook-endpoints/{endpointId}", {
          params: { path: { endpointId: endpoint.id } },
          body: { disabled },
        }),
      ),
    onSuccess: (changed) => {
      onChanged(changed);
      setNotice(
        changed.disabled
          ? "Disabled: nothing is sent to it until it is enabled again."
          : "Enabled: its deliveries go out again.",
      );
    },
  });
  const sendTest = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/webhook-endpoints/{endpointId}/test", {
          params: { path: { endpointId: endpoint.id } },
        }),
      ),
    onSuccess: (delivery) => {
      setNotice(
        `Test event queued: a ${delivery.type} event, ${delivery.eventId}, as delivery ${delivery.id}` +
          (endpoint.disabled
            ? ", which waits until the endpoint is enabled."
            : ", due now. Refresh the deliveries to follow it."),
      );
      void queryClient.invalidateQueries({ queryKey: deliveriesKey(endpoint.id) });
    },
  });
  const remove = useMutation({
    mutationFn: () =>
      ok(
        api.DELETE("/v1/webhook-endpoints/{endpointId}", {
          params: { path: { endpointId: endpoint.id } },
        }),
      ),
    onSuccess: onDeleted,
  });
  const actionError = toggle.error ?? sendTest.error;

  return (
    <section
      aria-labelledby={headingId}
      className="flex min-w-0 flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4"
    >
      <div className="flex flex-wrap items-center gap-2">
        <h4
          id={headingId}
          ref={heading}
          tabIndex={-1}
          className="min-w-0 font-mono text-base font-semibold break-all focus:outline-none"
        >
          {endpoint.url}
        </h4>
        <Badge tone={endpoint.disabled ? "bad" : "good"}>
          {endpoint.disabled ? "Disabled" : "Enabled"}
        </Badge>
      </div>
      <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-slate-600">Events</dt>
        <dd className="break-all">
          {endpoint.events.map((type, i) => (
            <span key={type}>
              {i > 0 && ", "}
              <code>{type}</code>
            </span>
          ))}
        </dd>
        <dt className="text-slate-600">Program</dt>
        <dd>{programName}</dd>
        <dt className="text-slate-600">Created</dt>
        <dd>
          <time dateTime={endpoint.createdAt}>
            {formatDateTime(endpoint.createdAt, program.timezone)}
          </time>
        </dd>
        {endpoint.failingSince && (
          <>
            <dt className="text-slate-600">Failing since</dt>
            <dd className="text-red-800">
              <time dateTime={endpoint.failingSince}>
                {formatDateTime(endpoint.failingSince, program.timezone)}
              </time>
            </dd>
          </>
        )}
        {endpoint.disabled && (
          <>
            <dt className="text-slate-600">Why disabled</dt>
            <dd className="text-red-800">
              {endpoint.disabledReason
                ? `Laurel disabled it: ${endpoint.disabledReason}`
                : "disabled by the brand: nothing is sent until it is enabled again"}
            </dd>
          </>
        )}
      </dl>
      {revealed && <SecretReveal key={revealed.secret} revealed={revealed} onForget={onForget} />}
      <p role="status" className="text-sm text-emerald-800">
        {notice}
      </p>
      <ErrorMessage error={actionError} />
      {editing ? (
        <EditEndpoint
          endpoint={endpoint}
          onSaved={(changed) => {
            onChanged(changed);
            setEditing(false);
            setNotice("The URL and events are saved.");
            setFocusTo("edit");
          }}
          onCancel={() => {
            setEditing(false);
            setFocusTo("edit");
          }}
        />
      ) : (
        <div className="flex flex-wrap gap-2">
          <Button
            ref={editButton}
            variant="secondary"
            onClick={() => {
              setNotice("");
              setEditing(true);
            }}
          >
            Edit<span className="sr-only"> {endpoint.url}</span>
          </Button>
          <Button
            variant="secondary"
            aria-disabled={toggle.isPending}
            onClick={() => {
              if (toggle.isPending) return;
              toggle.mutate(!endpoint.disabled);
            }}
          >
            {endpoint.disabled ? "Enable" : "Disable"}
            <span className="sr-only"> {endpoint.url}</span>
          </Button>
          <Button
            variant="secondary"
            aria-disabled={sendTest.isPending}
            onClick={() => {
              if (sendTest.isPending) return;
              setNotice("");
              sendTest.mutate();
            }}
          >
            {sendTest.isPending ? "Sending…" : "Send test event"}
            <span className="sr-only"> to {endpoint.url}</span>
          </Button>
          <RotateSecret
            endpoint={endpoint}
            onRotated={(secret) => {
              onRevealed({ endpointId: endpoint.id, secret, why: "rotated" });
              setNotice("The secret is rotated: deliveries are signed with the new one only.");
            }}
          />
          <ConfirmDialog
            title="Delete this endpoint?"
            description={
              <>
                Nothing more is sent to <span className="break-all">{endpoint.url}</span>, not even
                the deliveries still pending, and its deliveries log goes too. This cannot be
                undone.
              </>
            }
            confirmLabel="Delete"
            onConfirm={() => remove.mutateAsync()}
            focusAfter={focusAfterDelete}
            trigger={
              <Button variant="danger">
                Delete<span className="sr-only"> {endpoint.url}</span>
              </Button>
            }
          />
        </div>
      )}
      <Deliveries endpoint={endpoint} program={program} />
    </section>
  );
}

function EditEndpoint({
  endpoint,
  onSaved,
  onCancel,
}: {
  endpoint: Endpoint;
  onSaved: (changed: Endpoint) => void;
  onCancel: () => void;
}) {
  const [url, setUrl] = useState(endpoint.url);
  const [events, setEvents] = useState<EventType[]>(endpoint.events);
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH("/v1/webhook-endpoints/{endpointId}", {
          params: { path: { endpointId: endpoint.id } },
          body: { url: url.trim(), events },
        }),
      ),
    onSuccess: onSaved,
  });
  const error = save.error instanceof ApiError ? save.error : undefined;
  const urlError = error?.messageFor("url");
  const eventsError = error?.messageFor("events");
  const idPrefix = `edit-${endpoint.id}`;
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        save.mutate();
      }}
      noValidate
      aria-label="Edit the URL and events"
      className="flex flex-col gap-3 rounded border border-slate-200 bg-slate-50 p-3"
    >
      {error && (
        <p
          role="alert"
          className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800"
        >
          Not saved: {error.message}
        </p>
      )}
      {save.error && !error && <ErrorMessage error={save.error} />}
      {/* Opened by the admin's own click on Edit, so focus belongs here. */}
      <UrlField id={`${idPrefix}-url`} value={url} onChange={setUrl} error={urlError} autoFocus />
      <EventChoices idPrefix={idPrefix} chosen={events} onChange={setEvents} error={eventsError} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/**
 * Rotation behind a confirmation. Not the shared ConfirmDialog: that one
 * hands focus back to its trigger, and here it belongs on the new secret,
 * which is what the admin has to act on next.
 */
function RotateSecret({
  endpoint,
  onRotated,
}: {
  endpoint: Endpoint;
  onRotated: (secret: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const rotated = useRef(false);
  const rotate = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/webhook-endpoints/{endpointId}/rotate-secret", {
          params: { path: { endpointId: endpoint.id } },
        }),
      ),
    gcTime: 0,
  });
  const change = (next: boolean) => {
    // Closing mid-request would hide whether the secret changed.
    if (rotate.isPending) return;
    setOpen(next);
    rotate.reset();
  };
  const confirm = async () => {
    try {
      const { secret } = await rotate.mutateAsync();
      rotated.current = true;
      onRotated(secret);
      setOpen(false);
      rotate.reset();
    } catch {
      // The dialog stays open with the failure shown, to decide again.
    }
  };
  return (
    <DialogPrimitive.Root open={open} onOpenChange={change}>
      <DialogPrimitive.Trigger asChild>
        <Button variant="secondary">
          Rotate secret<span className="sr-only"> of {endpoint.url}</span>
        </Button>
      </DialogPrimitive.Trigger>
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
        <DialogPrimitive.Content
          onCloseAutoFocus={(event) => {
            if (!rotated.current) return;
            rotated.current = false;
            const field = document.getElementById(secretFieldId(endpoint.id));
            if (!field) return;
            event.preventDefault();
            field.focus();
          }}
          className="fixed top-1/2 left-1/2 z-50 flex w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 flex-col gap-4 rounded-lg bg-white p-5 shadow-xl focus:outline-none"
        >
          <DialogPrimitive.Title className="text-lg font-semibold">
            Rotate the signing secret?
          </DialogPrimitive.Title>
          <DialogPrimitive.Description className="text-sm text-slate-700">
            Laurel makes a new secret and signs every delivery with it from now on, retries of
            earlier events included. The old secret stops at once, so deliveries fail to verify
            until the receiver has the new one.
          </DialogPrimitive.Description>
          <ErrorMessage error={rotate.error} />
          {/* Cancel comes first so it, not the action, takes the first focus. */}
          <div className="flex flex-wrap justify-end gap-2">
            <DialogPrimitive.Close asChild>
              <Button variant="secondary" disabled={rotate.isPending}>
                Cancel
              </Button>
            </DialogPrimitive.Close>
            <Button variant="danger" onClick={() => void confirm()} disabled={rotate.isPending}>
              {rotate.isPending ? "Working…" : "Rotate secret"}
            </Button>
          </div>
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  );
}

const secretFieldId = (endpointId: string) => `secret-${endpointId}`;

/**
 * A secret the API answered once: read-only, with a Copy button and a
 * confirmation screen readers hear. It takes focus when it appears, since
 * copying it is the one thing left to do.
 */
function SecretReveal({ revealed, onForget }: { revealed: Revealed; onForget: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const id = secretFieldId(revealed.endpointId);
  useEffect(() => {
    input.current?.focus();
  }, []);
  return (
    <div className="flex flex-col gap-2 rounded border border-amber-300 bg-amber-50 p-3">
      <p className="text-sm font-medium">
        {revealed.why === "created"
          ? "The endpoint's signing secret. Copy it now: you won't see it again."
          : "The new signing secret. Copy it now: you won't see it again."}
      </p>
      <CopyField
        id={id}
        label="Signing secret"
        copyLabel="signing secret"
        what="secret"
        value={revealed.secret}
        inputRef={input}
      />
      <p className="text-sm text-slate-700">
        Give it to the receiver to verify each delivery's <code>webhook-signature</code>. Laurel
        never shows it again, here or through the API; leaving this screen forgets it. Lost, it can
        only be replaced with Rotate secret.
      </p>
      <div>
        <Button variant="secondary" onClick={onForget}>
          I have copied it: hide the secret
        </Button>
      </div>
    </div>
  );
}

const STATUS_LOOK: Record<WebhookDelivery["status"], { label: string; tone: BadgeTone }> = {
  pending: { label: "Pending", tone: "warning" },
  delivered: { label: "Delivered", tone: "good" },
  failed: { label: "Failed", tone: "bad" },
};

function Deliveries({ endpoint, program }: { endpoint: Endpoint; program: Program }) {
  const queryClient = useQueryClient();
  const deliveries = usePagedQuery(deliveriesKey(endpoint.id), (query) =>
    ok(
      api.GET("/v1/webhook-endpoints/{endpointId}/deliveries", {
        params: { path: { endpointId: endpoint.id }, query },
      }),
    ),
  );
  const [said, setSaid] = useState("");
  const retry = useMutation({
    mutationFn: (deliveryId: string) =>
      ok(
        api.POST("/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/retry", {
          params: { path: { endpointId: endpoint.id, deliveryId } },
        }),
      ),
    onSuccess: (retried) => {
      queryClient.setQueryData<DeliveryPages>(deliveriesKey(endpoint.id), (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((page) => ({
                ...page,
                items: page.items.map((d) => (d.id === retried.id ? retried : d)),
              })),
            }
          : data,
      );
      setSaid(
        `Delivery of ${retried.eventId} queued again` +
          (endpoint.disabled ? ": it waits until the endpoint is enabled." : ", due now."),
      );
    },
  });
  return (
    <PagedList
      query={deliveries}
      title="Recent deliveries"
      headingLevel="h5"
      what="deliveries"
      buttonsLabel={`deliveries to ${endpoint.url}`}
      timeZone={program.timezone}
      empty="No deliveries yet: Send test event, or wait for the next event of a type it takes, then Refresh."
      onRefresh={() => setSaid("")}
      notices={
        <>
          <p role="status" className="text-sm text-emerald-800">
            {said}
          </p>
          <ErrorMessage error={retry.error} />
        </>
      }
      renderRow={(d) => (
        <DeliveryRow
          delivery={d}
          timeZone={program.timezone}
          retrying={retry.isPending && retry.variables === d.id}
          onRetry={() => {
            if (retry.isPending) return;
            setSaid("");
            retry.mutate(d.id);
          }}
        />
      )}
    />
  );
}

function DeliveryRow({
  delivery,
  timeZone,
  retrying,
  onRetry,
}: {
  delivery: WebhookDelivery;
  timeZone: string;
  retrying: boolean;
  onRetry: () => void;
}) {
  const status = STATUS_LOOK[delivery.status];
  return (
    <>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <Badge tone={status.tone}>{status.label}</Badge>
        <code className="break-all">{delivery.type}</code>
        <code className="break-all text-slate-600">{delivery.eventId}</code>
        <time dateTime={delivery.createdAt} className="text-slate-600">
          {formatWithSeconds(delivery.createdAt, timeZone)}
        </time>
      </div>
      <dl className="flex flex-wrap gap-x-4 gap-y-1">
        <div className="flex gap-1">
          <dt className="text-slate-600">Attempts</dt>
          <dd>{formatNumber(delivery.attempts)}</dd>
        </div>
        <div className="flex gap-1">
          <dt className="text-slate-600">Last status</dt>
          <dd>{delivery.lastStatusCode ?? "none"}</dd>
        </div>
        {delivery.nextAttemptAt && (
          <div className="flex gap-1">
            <dt className="text-slate-600">Next attempt</dt>
            <dd>
              <time dateTime={delivery.nextAttemptAt}>
                {formatWithSeconds(delivery.nextAttemptAt, timeZone)}
              </time>
            </dd>
          </div>
        )}
        {delivery.deliveredAt && (
          <div className="flex gap-1">
            <dt className="text-slate-600">Delivered at</dt>
            <dd>
              <time dateTime={delivery.deliveredAt}>
                {formatWithSeconds(delivery.deliveredAt, timeZone)}
              </time>
            </dd>
          </div>
        )}
      </dl>
      {delivery.lastError && (
        <p className="whitespace-pre-wrap break-words text-red-800">
          <span className="font-medium">Last error: </span>
          {delivery.lastError}
        </p>
      )}
      {/* A pending delivery not tried yet is due now anyway; one waiting after a
          failed attempt may be sent at once instead of at its next attempt. */}
      {(delivery.status !== "pending" || delivery.attempts > 0) && (
        <div>
          <Button variant="secondary" aria-disabled={retrying} onClick={onRetry}>
            {retrying ? "Retrying…" : "Retry"}
            <span className="sr-only"> delivery of {delivery.eventId}</span>
          </Button>
        </div>
      )}
    </>
  );
}

/**
 * The brand's contact email, which Laurel mails when it disables an endpoint
 * that kept failing. Empty clears it; the API's message shows beside the field.
 */
function AlertEmail() {
  const queryClient = useQueryClient();
  const brand = useBrand();
  const [draft, setDraft] = useState<string | null>(null);
  const [saved, setSaved] = useState("");
  const value = draft ?? brand.data?.contactEmail ?? "";
  const save = useMutation({
    mutationFn: (contactEmail: string | null) =>
      ok(api.PATCH("/v1/brand", { body: { contactEmail } })),
    onSuccess: (changed) => {
      queryClient.setQueryData(["brand"], changed);
      setDraft(null);
      setSaved(
        changed.contactEmail === null
          ? "No one is mailed when an endpoint is disabled."
          : `${changed.contactEmail} is mailed when an endpoint is disabled.`,
      );
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved("");
    save.mutate(value.trim() === "" ? null : value.trim());
  };
  const error = save.error instanceof ApiError ? save.error : null;
  const fieldError = error?.messageFor("contactEmail");
  return (
    <section
      aria-labelledby="alert-email-heading"
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 id="alert-email-heading" className="mb-3 text-sm font-semibold text-slate-700">
        Alerts
      </h3>
      {brand.isPending ? (
        <Loading what="the brand's settings" />
      ) : brand.error ? (
        <ErrorMessage error={brand.error} />
      ) : (
        <form
          onSubmit={onSubmit}
          className="flex flex-col gap-3"
          aria-label="Alert email"
          noValidate
        >
          <MailStatusNotice>The alert email is sent only once mail is set up.</MailStatusNotice>
          <Field
            id="alert-email"
            label="Alert email when an endpoint is disabled"
            hint="Laurel writes here when an endpoint has failed for 3 days and it stops sending to it. Leave empty to mail no one."
            error={fieldError}
          >
            <input
              id="alert-email"
              type="email"
              autoComplete="email"
              className={inputClass}
              value={value}
              onChange={(e) => {
                setDraft(e.target.value);
                setSaved("");
              }}
              {...invalid("alert-email", fieldError)}
            />
          </Field>
          {error && !fieldError && <ErrorMessage error={error} />}
          <div>
            <Button type="submit" variant="secondary" disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save alert email"}
            </Button>
          </div>
          <p role="status" className="text-sm text-emerald-800">
            {saved}
          </p>
        </form>
      )}
    </section>
  );
}
