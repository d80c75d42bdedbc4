import { StrictMode, useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError, createClient, ok, type Schema } from "../shared/api.ts";
import { textOn } from "../shared/contrast.ts";
import { BrandHeader } from "../shared/brand-header.tsx";
import "../shared/styles.css";

type Form = Schema<"ApplicationForm">;
type Submitted = Schema<"SubmittedApplication">;

/**
 * The public apply page, /apply/{programId}: anyone may apply to a program
 * whose enrolment is open or by approval. A referral link's `?via=CODE`
 * names the recruiter; without one, the referral cookie a /r/ link set is
 * sent with the application and names them.
 */
const client = createClient(() => null);

const programIdOf = (): string | null => {
  const id = window.location.pathname.split("/")[2] ?? "";
  return /^prg_[A-Za-z0-9]{1,64}$/.test(id) ? id : null;
};

const viaOf = (): string => new URLSearchParams(window.location.search).get("via")?.trim() ?? "";

type Loaded =
  { kind: "loading" } | { kind: "missing" } | { kind: "failed" } | { kind: "ready"; form: Form };

const formOf = (programId: string): Promise<Form> =>
  ok(client.GET("/v1/programs/{programId}/application-form", { params: { path: { programId } } }));

function App() {
  const programId = programIdOf();
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  useEffect(() => {
    if (programId === null) {
      setLoaded({ kind: "missing" });
      return;
    }
    formOf(programId).then(
      (form) => setLoaded({ kind: "ready", form }),
      (error: unknown) =>
        setLoaded({
          kind: error instanceof ApiError && error.status === 404 ? "missing" : "failed",
        }),
    );
  }, [programId]);
  if (loaded.kind === "loading")
    return (
      <Page>
        <p role="status" className="text-slate-700">
          Loading the application form…
        </p>
      </Page>
    );
  if (loaded.kind === "missing")
    return (
      <Page>
        <h1 className="text-2xl font-semibold">There is no such program</h1>
        <p className="mt-2 text-slate-700">
          This apply link names no program. Check the link you were given, or ask whoever sent it.
        </p>
      </Page>
    );
  if (loaded.kind === "failed")
    return (
      <Page>
        <h1 className="text-2xl font-semibold">The form could not be loaded</h1>
        <p role="alert" className="mt-2 text-slate-700">
          Laurel could not be reached. Check your connection and reload the page.
        </p>
      </Page>
    );
  const { form } = loaded;
  return (
    <Page>
      <BrandHeader
        heading={`Apply to ${form.name}`}
        title={`Apply to ${form.name}`}
        branding={form.branding}
        className="mb-6"
      />
      {form.enrolment === "closed" ? (
        <main>
          <h2 className="text-xl font-semibold">{form.name} does not take applications</h2>
          <p className="mt-2 text-slate-700">
            Members join {form.name} by invitation from the brand. If you were told to apply here,
            ask the brand for an invitation instead.
          </p>
        </main>
      ) : (
        <main>
          <ApplyForm
            form={form}
            // Terms published while the page was open: show the new ones, keeping what was typed.
            onTermsChanged={() =>
              formOf(form.programId).then((fresh) => setLoaded({ kind: "ready", form: fresh }))
            }
          />
        </main>
      )}
    </Page>
  );
}

function Page({ children }: { children: ReactNode }) {
  return <div className="mx-auto max-w-2xl p-4 sm:p-6">{children}</div>;
}

const inputClass =
  "mt-1 block min-h-11 w-full rounded-md border border-slate-500 bg-white px-3 py-2 text-slate-900 focus-visible:outline-2 focus-visible:outline-emerald-700";

/** The API's message for a field, from the paths its details name (`socials.1` is socials). */
function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const errors: Record<string, string> = {};
  for (const d of error.body.details) {
    const field = d.path?.split(".")[0];
    if (field && d.message && !(field in errors)) errors[field] = d.message;
  }
  return errors;
}

/** What an error means to an applicant, in words for them rather than for a developer. */
function problemOf(error: unknown, form: Form): string {
  if (!(error instanceof ApiError))
    return "Laurel could not be reached. Check your connection and try again.";
  if (error.status === 409) return error.message;
  if (error.status === 429) return "Too many applications from here: wait a minute and try again.";
  if (error.status === 403) return `${form.name} does not take applications any more.`;
  if (error.body.details.length > 0)
    return "Some answers need another look: see the fields marked below.";
  return error.message;
}

function TextField(props: {
  id: string;
  label: string;
  hint?: string;
  error: string | undefined;
  children: (aria: Record<string, string | boolean>) => ReactNode;
}) {
  const described = [
    props.hint ? `${props.id}-hint` : null,
    props.error ? `${props.id}-error` : null,
  ].filter((x) => x !== null);
  const aria: Record<string, string | boolean> = {};
  if (described.length > 0) aria["aria-describedby"] = described.join(" ");
  if (props.error) aria["aria-invalid"] = true;
  return (
    <div className="mt-4">
      <label htmlFor={props.id} className="block font-medium text-slate-900">
        {props.label}
      </label>
      {props.hint && (
        <p id={`${props.id}-hint`} className="text-sm text-slate-600">
          {props.hint}
        </p>
      )}
      {props.children(aria)}
      {props.error && (
        <p id={`${props.id}-error`} className="mt-1 text-sm text-red-800">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A refusal for terms other than the ones in force: the brand published a version meanwhile. */
const termsChangedIn = (error: unknown): boolean =>
  error instanceof ApiError &&
  error.status === 422 &&
  error.body.details.some((d) => d.path === "acceptTerms");

function ApplyForm({ form, onTermsChanged }: { form: Form; onTermsChanged: () => Promise<void> }) {
  const id = useId();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [website, setWebsite] = useState("");
  const [socials, setSocials] = useState("");
  const [message, setMessage] = useState("");
  const [sponsor, setSponsor] = useState(viaOf);
  const [accepted, setAccepted] = useState(false);
  const [termsChanged, setTermsChanged] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<Submitted | null>(null);
  const errors = fieldErrors(error);
  const color = form.branding.color;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    setError(null);
    const optional = (value: string) => (value.trim() === "" ? undefined : value.trim());
    ok(
      client.POST("/v1/programs/{programId}/applications", {
        params: { path: { programId: form.programId } },
        body: {
          name: name.trim(),
          email: email.trim(),
          website: optional(website),
          socials: socials
            .split("\n")
            .map((s) => s.trim())
            .filter((s) => s !== ""),
          message: optional(message),
          sponsor: optional(sponsor),
          acceptTerms: form.terms && accepted ? form.terms.version : undefined,
        },
      }),
    ).then(
      (submitted) => {
        setDone(submitted);
        setSending(false);
      },
      (caught: unknown) => {
        // Accepted (or absent) terms refused mean they changed under the applicant: the
        // page reads them again, and asks for the new ones rather than the old ones again.
        if (termsChangedIn(caught) && (accepted || !form.terms)) {
          setAccepted(false);
          setTermsChanged(true);
          void onTermsChanged().catch(() => undefined);
        }
        setError(caught);
        setSending(false);
      },
    );
  };

  if (done)
    return (
      <section
        aria-labelledby={`${id}-done`}
        className="rounded-lg border border-slate-200 bg-white p-4"
      >
        <h2
          id={`${id}-done`}
          className="text-xl font-semibold"
          tabIndex={-1}
          ref={(h) => h?.focus()}
        >
          {done.status === "active"
            ? `Welcome to ${form.name}!`
            : "Thank you, your application is in"}
        </h2>
        {done.status === "active" ? (
          <p className="mt-2 text-slate-700">
            You are a member now.{" "}
            <a href={done.portalUrl} className="font-medium text-emerald-800 underline">
              Sign in to the {form.name} portal
            </a>{" "}
            with {done.email ?? "your email"} to find your referral link.
          </p>
        ) : (
          <p className="mt-2 text-slate-700">
            {form.decisionMailed
              ? `${form.name} will look at it and we’ll email you at ${done.email ?? "your address"} once it is decided.`
              : `${form.name} will look at it and let you know once it is decided.`}
          </p>
        )}
      </section>
    );

  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-xl font-semibold">
        Your application
      </h2>
      <p className="mt-1 text-slate-700">
        {form.enrolment === "open"
          ? `Fill this in to join ${form.name} at once.`
          : form.decisionMailed
            ? `${form.name} reads every application and emails you the decision.`
            : `${form.name} reads every application and lets you know the decision.`}
      </p>
      <TextField id={`${id}-name`} label="Name" error={errors.name}>
        {(aria) => (
          <input
            id={`${id}-name`}
            name="name"
            required
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            className={inputClass}
            {...aria}
          />
        )}
      </TextField>
      <TextField id={`${id}-email`} label="Email" error={errors.email}>
        {(aria) => (
          <input
            id={`${id}-email`}
            name="email"
            type="email"
            required
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            className={inputClass}
            {...aria}
          />
        )}
      </TextField>
      <TextField
        id={`${id}-website`}
        label="Website (optional)"
        hint="Your site, blog or shop, such as https://ana.example"
        error={errors.website}
      >
        {(aria) => (
          <input
            id={`${id}-website`}
            name="website"
            inputMode="url"
            autoComplete="url"
            value={website}
            onChange={(e) => setWebsite(e.target.value)}
            className={inputClass}
            {...aria}
          />
        )}
      </TextField>
      <TextField
        id={`${id}-socials`}
        label="Social profiles (optional)"
        hint="One per line: a link or a handle"
        error={errors.socials}
      >
        {(aria) => (
          <textarea
            id={`${id}-socials`}
            name="socials"
            rows={3}
            value={socials}
            onChange={(e) => setSocials(e.target.value)}
            className={inputClass}
            {...aria}
          />
        )}
      </TextField>
      <TextField
        id={`${id}-message`}
        label="Message (optional)"
        hint={`Anything ${form.name} should know about you`}
        error={errors.message}
      >
        {(aria) => (
          <textarea
            id={`${id}-message`}
            name="message"
            rows={4}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            className={inputClass}
            {...aria}
          />
        )}
      </TextField>
      <TextField
        id={`${id}-sponsor`}
        label="Referral code (optional)"
        hint="The code of the member who told you about the program, if any"
        error={errors.sponsor}
      >
        {(aria) => (
          <input
            id={`${id}-sponsor`}
            name="sponsor"
            autoComplete="off"
            value={sponsor}
            onChange={(e) => setSponsor(e.target.value)}
            className={inputClass}
            {...aria}
          />
        )}
      </TextField>
      {form.terms && (
        <section aria-labelledby={`${id}-terms`} className="mt-6">
          <h3 id={`${id}-terms`} className="font-semibold">
            Terms (version {form.terms.version})
          </h3>
          <div
            tabIndex={0}
            role="region"
            aria-label={`${form.name}'s terms`}
            className="terms mt-2 max-h-64 overflow-y-auto rounded-md border border-slate-300 bg-white p-3 text-sm text-slate-800 [&_a]:underline [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:font-semibold [&_li]:ml-5 [&_ol]:list-decimal [&_p]:my-2 [&_ul]:list-disc"
            // The server renders the brand's Markdown with raw HTML off, so this is markup it made.
            dangerouslySetInnerHTML={{ __html: form.terms.html }}
          />
          <div className="mt-3 flex items-start gap-2">
            <input
              id={`${id}-accept`}
              type="checkbox"
              checked={accepted}
              onChange={(e) => {
                setAccepted(e.target.checked);
                // Ticked for the new version, the refusal of the old one no longer applies.
                if (termsChanged) setError(null);
              }}
              className="mt-1 h-5 w-5"
              {...(errors.acceptTerms
                ? { "aria-invalid": true, "aria-describedby": `${id}-accept-error` }
                : {})}
            />
            <label htmlFor={`${id}-accept`}>I have read and accept {form.name}&rsquo;s terms</label>
          </div>
          {errors.acceptTerms && (
            <p id={`${id}-accept-error`} className="mt-1 text-sm text-red-800">
              {accepted
                ? errors.acceptTerms
                : termsChanged
                  ? `${form.name} published new terms while you were reading: read version ${form.terms.version} above and accept it to apply.`
                  : "Accept the terms to apply: tick the box above once you have read them."}
            </p>
          )}
        </section>
      )}
      {error !== null && (
        <p role="alert" className="mt-4 rounded border border-red-300 bg-red-50 p-3 text-red-800">
          {problemOf(error, form)}
        </p>
      )}
      <button
        type="submit"
        disabled={sending}
        className="mt-6 min-h-11 rounded-md px-4 py-2 font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 disabled:opacity-60"
        style={
          color
            ? { backgroundColor: color, color: textOn(color) }
            : { backgroundColor: "#047857", color: "#ffffff" }
        }
      >
        {sending ? "Sending…" : "Apply"}
      </button>
    </form>
  );
}

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
