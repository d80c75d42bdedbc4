import { useMutation, useQuery, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, ok, type Schema } from "../shared/api.ts";
import { formatMoney } from "../shared/format.ts";
import { MailStatusNotice, useMailConfigured } from "./mail-status.tsx";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import {
  Badge,
  Button,
  ConfirmDialog,
  CopyField,
  ErrorMessage,
  Field,
  inputClass,
  invalid,
} from "./ui.tsx";

type Participant = Schema<"Participant">;

/** Where shops load Laurel's scripts from: the server this console is served by. */
const laurelOrigin = () => window.location.origin;

export const trackingSnippet = (programId: string) =>
  `<script src="${laurelOrigin()}/track.js?program=${programId}" defer></script>`;

export const widgetSnippet = (programId: string) =>
  `<script src="${laurelOrigin()}/widget.js" data-program="${programId}" data-customer-token="CUSTOMER_TOKEN"></script>`;

/** Far enough back to hold any click a program can have recorded, however it was dated. */
const SINCE_EVER = "2000-01-01";

/**
 * What each step's "done" is read from, all real data: the program's stores,
 * clicks, widget secret, plan and participants. Shared with the Overview's
 * link, so both ask once between them.
 */
function useSetupQueries(program: Program) {
  const path = { programId: program.id };
  const integrations = useQuery({
    queryKey: ["integrations", program.id],
    queryFn: () => ok(api.GET("/v1/programs/{programId}/integrations", { params: { path } })),
  });
  const clicks = useQuery({
    queryKey: ["setup-clicks", program.id],
    queryFn: async () =>
      (
        await ok(
          api.GET("/v1/programs/{programId}/reports/summary", {
            params: { path, query: { from: SINCE_EVER } },
          }),
        )
      ).clicks,
  });
  const widgetSecret = useQuery({
    queryKey: ["widget-secret", program.id],
    queryFn: () => ok(api.GET("/v1/programs/{programId}/widget-secret", { params: { path } })),
  });
  const participants = useQuery({
    queryKey: ["setup-participants", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/participants", {
          params: { path, query: { limit: 1 } },
        }),
      ),
  });
  return { integrations, clicks, widgetSecret, participants };
}

/** Whether the plan pays anyone: a base rate, or a rate for some level or product. */
const hasRate = (program: Program) =>
  program.commission?.rate !== undefined ||
  Object.keys(program.commission?.byLevel ?? {}).length > 0 ||
  Object.keys(program.commission?.bySku ?? {}).length > 0;

/** Each step done, not done, or unknown while its data loads (undefined). */
function stepsDone(program: Program, q: ReturnType<typeof useSetupQueries>) {
  return {
    store: q.integrations.data && q.integrations.data.items.length > 0,
    tracking: q.clicks.data === undefined ? undefined : q.clicks.data > 0,
    widget: q.widgetSecret.data?.exists,
    plan: hasRate(program),
    participants: q.participants.data && q.participants.data.items.length > 0,
  };
}

function progressOf(done: ReturnType<typeof stepsDone>) {
  const states = Object.values(done);
  return {
    known: states.every((s) => s !== undefined),
    count: states.filter((s) => s === true).length,
    total: states.length,
  };
}

/**
 * A way back to the checklist from the Overview while any step is left;
 * nothing while the steps load or once all are done.
 */
export function SetupLink({ program }: { program: Program }) {
  const progress = progressOf(stepsDone(program, useSetupQueries(program)));
  if (!progress.known || progress.count === progress.total) return null;
  return (
    <p className="rounded border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
      {progress.count} of {progress.total} setup steps done.{" "}
      <Link to="/setup" className="font-medium underline">
        Continue setting up {program.name}
      </Link>
    </p>
  );
}

function Step({
  n,
  title,
  done,
  children,
}: {
  n: number;
  title: string;
  done: boolean | undefined;
  children: ReactNode;
}) {
  const headingId = useId();
  return (
    <li>
      <section
        aria-labelledby={headingId}
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h3 id={headingId} className="text-base font-semibold">
            {n}. {title}
          </h3>
          {done === undefined ? (
            <Badge tone="neutral">Checking…</Badge>
          ) : done ? (
            <Badge tone="good">Done</Badge>
          ) : (
            <Badge tone="warning">Not done yet</Badge>
          )}
        </div>
        {children}
      </section>
    </li>
  );
}

/** A query's failure, said where its step is, so the rest of the list still reads. */
function Failed({ query }: { query: UseQueryResult<unknown> }) {
  return <ErrorMessage error={query.error} />;
}

export function Setup({ program }: { program: Program }) {
  const queries = useSetupQueries(program);
  const done = stepsDone(program, queries);
  const progress = progressOf(done);
  const connected = queries.integrations.data?.items.map((i) => providerName(i.provider)) ?? [];
  return (
    <div className="flex flex-col gap-4">
      <div>
        <h2 className="text-xl font-semibold">Set up {program.name}</h2>
        <p className="text-sm text-slate-600" aria-live="polite">
          {progress.known
            ? progress.count === progress.total
              ? "Every step is done: orders are credited, the widget can show progress, and participants can sign in."
              : `${progress.count} of ${progress.total} steps done.`
            : "Checking what is set up…"}
        </p>
      </div>
      <ol className="flex flex-col gap-4">
        <Step n={1} title="Connect your store" done={done.store}>
          <p className="text-sm">
            {connected.length > 0
              ? `Connected: ${connected.join(", ")}. Orders and refunds arrive through its webhooks.`
              : "Connect Shopify, Stripe or WooCommerce with the store's signing secret, so its orders and refunds reach Laurel by webhook."}
          </p>
          <Failed query={queries.integrations} />
          <p>
            <Link to="/integrations" className="text-sm font-medium text-emerald-800 underline">
              Open Integrations
            </Link>
          </p>
        </Step>

        <Step n={2} title="Add the tracking script" done={done.tracking}>
          <TrackingStep program={program} clicks={queries.clicks.data} />
          <Failed query={queries.clicks} />
        </Step>

        <Step n={3} title="Embed the widget" done={done.widget}>
          <WidgetStep program={program} status={queries.widgetSecret.data} />
          <Failed query={queries.widgetSecret} />
        </Step>

        <Step n={4} title="Set the commission plan" done={done.plan}>
          <p className="text-sm">
            {program.commission?.rate
              ? `Sellers earn ${rateText(program.commission.rate, program.currency)} ${"percent" in program.commission.rate ? "of each referred order" : "for each referred order"}.`
              : hasRate(program)
                ? "Sellers earn the rates set by level or by product."
                : "No commission rate is set yet, so referred orders earn nothing."}
          </p>
          <p>
            <Link to="/program" className="text-sm font-medium text-emerald-800 underline">
              Open the Program screen
            </Link>
          </p>
        </Step>

        <Step n={5} title="Invite your first participants" done={done.participants}>
          <InviteStep program={program} />
          <Failed query={queries.participants} />
        </Step>
      </ol>
    </div>
  );
}

const providerName = (provider: string) =>
  provider === "woocommerce" ? "WooCommerce" : provider.charAt(0).toUpperCase() + provider.slice(1);

function rateText(rate: NonNullable<NonNullable<Program["commission"]>["rate"]>, currency: string) {
  return "percent" in rate ? `${rate.percent}%` : formatMoney(rate.flat, currency);
}

function TrackingStep({ program, clicks }: { program: Program; clicks: number | undefined }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <p className="text-sm">
        Put this in every page of the shop, just before <code>&lt;/head&gt;</code> (on Shopify, in{" "}
        <code>layout/theme.liquid</code>). A visitor a referral link brings is remembered in a
        cookie on the shop's own domain, and their order is credited to the referrer.
      </p>
      <CopyField
        id="tracking-snippet"
        label="Tracking script"
        copyLabel="tracking script"
        what="script tag"
        value={trackingSnippet(program.id)}
        inputRef={input}
      />
      <p className="text-sm text-slate-600">
        {clicks !== undefined && clicks > 0
          ? `${clicks} ${clicks === 1 ? "click" : "clicks"} recorded so far.`
          : "Done when the first click is recorded: a visitor following a participant's referral link."}
      </p>
    </>
  );
}

type SecretStatus = Schema<"WidgetSecretStatus">;

function WidgetStep({ program, status }: { program: Program; status: SecretStatus | undefined }) {
  const queryClient = useQueryClient();
  const snippetInput = useRef<HTMLInputElement>(null);
  // The secret lives here only, and is gone when the screen is left.
  const [secret, setSecret] = useState<string | null>(null);
  const make = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/widget-secret", {
          params: { path: { programId: program.id } },
        }),
      ),
    // The answer holds the secret: the mutation cache must not keep it.
    gcTime: 0,
    onSuccess: (made) => {
      setSecret(made.secret);
      make.reset();
      queryClient.setQueryData<SecretStatus>(["widget-secret", program.id], {
        programId: program.id,
        exists: true,
        createdAt: made.createdAt,
      });
    },
  });
  return (
    <>
      <p className="text-sm">
        Put this in the shop's pages, before <code>&lt;/body&gt;</code>. In place of{" "}
        <code>CUSTOMER_TOKEN</code> the shop's server writes a token for the signed-in customer,
        signed with the widget secret below; without the attribute, the widget shows the program's
        rewards to anyone.
      </p>
      <CopyField
        id="widget-snippet"
        label="Widget script"
        copyLabel="widget script"
        what="script tag"
        value={widgetSnippet(program.id)}
        inputRef={snippetInput}
      />
      {secret !== null ? (
        <SecretReveal secret={secret} onForget={() => setSecret(null)} />
      ) : status === undefined ? null : status.exists ? (
        <div className="flex flex-col gap-2">
          <p className="text-sm text-slate-600">
            The program has a widget secret
            {status.createdAt ? ` since ${new Date(status.createdAt).toLocaleString()}` : ""}. It is
            never shown again; a new one replaces it.
          </p>
          <div>
            <ConfirmDialog
              trigger={<Button variant="secondary">Rotate widget secret</Button>}
              title="Rotate the widget secret?"
              description="Laurel makes a new secret and checks customer tokens with it alone from now on: tokens the shop's server signs with the old one stop working until it has the new one."
              confirmLabel="Rotate widget secret"
              onConfirm={() => make.mutateAsync()}
              focusAfter={() => document.getElementById("widget-secret")}
            />
          </div>
        </div>
      ) : (
        <div className="flex flex-col gap-2">
          <p className="text-sm text-slate-600">
            Customer tokens are signed with the program's widget secret, which it does not have yet.
          </p>
          <ErrorMessage error={make.error} />
          <div>
            <Button onClick={() => make.mutate()} disabled={make.isPending}>
              {make.isPending ? "Creating…" : "Create widget secret"}
            </Button>
          </div>
        </div>
      )}
    </>
  );
}

/** The secret the API answered once, with Copy, and where it belongs. */
function SecretReveal({ secret, onForget }: { secret: string; onForget: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
  }, []);
  return (
    <div className="flex flex-col gap-2 rounded border border-amber-300 bg-amber-50 p-3">
      <p className="text-sm font-medium">
        The program's widget secret. Copy it now: you won't see it again.
      </p>
      <CopyField
        id="widget-secret"
        label="Widget secret"
        copyLabel="widget secret"
        what="secret"
        value={secret}
        inputRef={input}
      />
      <p className="text-sm text-slate-700">
        It goes on the shop's server only, as a setting such as <code>LAUREL_WIDGET_SECRET</code>,
        never in a page. With it the server signs each signed-in customer's token: an HS256 JWT
        whose <code>sub</code> is the customer's id in the shop and whose <code>exp</code> is at
        most 15 minutes ahead. Leaving this screen forgets it; lost, it can only be replaced.
      </p>
      <div>
        <Button variant="secondary" onClick={onForget}>
          I have copied it: hide the secret
        </Button>
      </div>
    </div>
  );
}

interface Invitee {
  name: string;
  email: string;
  level: string;
}

function InviteStep({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Invitee>({ name: "", email: "", level: "" });
  const [invited, setInvited] = useState<Participant | null>(null);
  const invite = useMutation({
    mutationFn: (who: Invitee) =>
      ok(
        api.POST("/v1/programs/{programId}/participants", {
          params: { path: { programId: program.id } },
          body: {
            // The email is who they are to Laurel until the shop names them otherwise.
            externalId: who.email.trim(),
            email: who.email.trim(),
            ...(who.name.trim() === "" ? {} : { name: who.name.trim() }),
            ...(who.level === "" ? {} : { level: who.level }),
          },
        }),
      ),
    onSuccess: async (participant) => {
      setInvited(participant);
      setDraft({ name: "", email: "", level: "" });
      await queryClient.invalidateQueries({ queryKey: ["setup-participants", program.id] });
      await queryClient.invalidateQueries({ queryKey: ["participants", program.id] });
    },
  });
  const error = invite.error instanceof ApiError ? invite.error : undefined;
  // The email is sent twice: as the externalId and as the email; either path is the email's fault.
  const emailError = error?.messageFor("email") ?? error?.messageFor("externalId");
  const nameError = error?.messageFor("name");
  const levelError = error?.messageFor("level");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setInvited(null);
    invite.mutate(draft);
  };
  const levels = program.levels ?? [];
  return (
    <>
      <p className="text-sm">
        Add someone who will share the program, then give them a link that signs them in to the
        portal, where they find their referral link and progress.
      </p>
      <form
        onSubmit={submit}
        noValidate
        aria-label="Invite a participant"
        className="flex flex-col gap-3"
      >
        {error && !emailError && !nameError && !levelError && <ErrorMessage error={error} />}
        <div className="grid gap-3 sm:grid-cols-3">
          <Field id="invite-name" label="Name" error={nameError}>
            <input
              id="invite-name"
              className={inputClass}
              autoComplete="off"
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              {...invalid("invite-name", nameError)}
            />
          </Field>
          <Field
            id="invite-email"
            label="Email"
            error={emailError}
            hint="Also their id in Laurel (externalId)"
          >
            <input
              id="invite-email"
              type="email"
              autoComplete="off"
              className={inputClass}
              value={draft.email}
              onChange={(e) => setDraft({ ...draft, email: e.target.value })}
              {...invalid("invite-email", emailError)}
            />
          </Field>
          <Field id="invite-level" label="Level (optional)" error={levelError}>
            <select
              id="invite-level"
              className={inputClass}
              value={draft.level}
              disabled={levels.length === 0}
              onChange={(e) => setDraft({ ...draft, level: e.target.value })}
              {...invalid("invite-level", levelError)}
            >
              <option value="">{levels.length === 0 ? "No levels defined" : "No level"}</option>
              {levels.map((l) => (
                <option key={l.key} value={l.key}>
                  {l.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div>
          <Button type="submit" disabled={invite.isPending}>
            {invite.isPending ? "Adding…" : "Add participant"}
          </Button>
        </div>
      </form>
      <p role="status" className="text-sm text-emerald-800">
        {invited ? `${invited.name ?? invited.externalId} is a participant now.` : ""}
      </p>
      {invited && <SignInLink key={invited.id} program={program} participant={invited} />}
    </>
  );
}

/** A portal link for one participant, made on request: each is a credential of its own. */
function SignInLink({ program, participant }: { program: Program; participant: Participant }) {
  const input = useRef<HTMLInputElement>(null);
  const mailConfigured = useMailConfigured();
  const who = participant.name ?? participant.externalId;
  const mint = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/participants/{participantId}/tokens", {
          params: { path: { programId: program.id, participantId: participant.id } },
        }),
      ),
    gcTime: 0,
  });
  const link = mint.data
    ? `${laurelOrigin()}/portal#token=${encodeURIComponent(mint.data.token)}`
    : null;
  useEffect(() => {
    if (link) input.current?.focus();
  }, [link]);
  const portal = `${laurelOrigin()}/portal?program=${program.id}`;
  return (
    <div className="flex flex-col gap-2 rounded border border-slate-200 bg-slate-50 p-3">
      {link ? (
        <>
          <CopyField
            id="portal-link"
            label={`Portal sign-in link for ${who}`}
            copyLabel="portal sign-in link"
            what="link"
            value={link}
            inputRef={input}
          />
          <p className="text-sm text-slate-700">
            Send it to {who} yourself: anyone with the link signs in as them, so share it with them
            alone.
          </p>
        </>
      ) : (
        <>
          <ErrorMessage error={mint.error} />
          <div>
            <Button variant="secondary" onClick={() => mint.mutate()} disabled={mint.isPending}>
              {mint.isPending ? "Making the link…" : `Make a portal sign-in link for ${who}`}
            </Button>
          </div>
        </>
      )}
      {mailConfigured === true && (
        <p className="text-sm text-slate-700">
          Mail reaches {participant.email}: Laurel sends no invitation itself, but {who} gets reward
          and payout mails, and can ask for a sign-in link by email at{" "}
          <span className="font-mono break-all">{portal}</span>.
        </p>
      )}
      <MailStatusNotice>
        No mail reaches {who}, not even a sign-in link they ask for: the link above is how they get
        in.
      </MailStatusNotice>
    </div>
  );
}
