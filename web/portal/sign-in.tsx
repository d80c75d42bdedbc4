import { useId, useState, type FormEvent } from "react";
import { ApiError, createClient, ok } from "../shared/api.ts";
import { buttonClass } from "./ui.tsx";

/**
 * The program the portal belongs to, when the page knows it: `?program=` in
 * the portal's address (the brand links to `/portal?program=prg_…`).
 */
export function programIdFromAddress(): string | null {
  const id = new URLSearchParams(window.location.search).get("program");
  return id !== null && /^prg_[A-Za-z0-9]{1,64}$/.test(id) ? id : null;
}

type Sending =
  { kind: "idle" } | { kind: "sending" } | { kind: "sent" } | { kind: "failed"; message: string };

/**
 * Asks for a sign-in link by email. The server answers the same whoever
 * asks, so the page says only that a member gets a link, never whether this
 * address is one.
 */
export function EmailSignIn({ programId }: { programId: string }) {
  const [email, setEmail] = useState("");
  const [sending, setSending] = useState<Sending>({ kind: "idle" });
  const inputId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSending({ kind: "sending" });
    void ok(
      createClient(() => null).POST("/v1/programs/{programId}/portal/sign-in", {
        params: { path: { programId } },
        body: { email: email.trim() },
      }),
    ).then(
      () => setSending({ kind: "sent" }),
      (error: unknown) =>
        setSending({
          kind: "failed",
          message:
            error instanceof ApiError && error.status === 429
              ? "Too many requests from here: wait a minute and try again."
              : error instanceof ApiError && error.status === 400
                ? "That does not look like an email address."
                : "Laurel could not be reached. Check your connection and try again.",
        }),
    );
  };
  return (
    <form
      onSubmit={submit}
      aria-label="Sign in by email"
      className="mt-4 rounded-lg border border-slate-200 bg-white p-4"
    >
      <label htmlFor={inputId} className="block text-sm font-medium text-slate-900">
        Email
      </label>
      <input
        id={inputId}
        type="email"
        name="email"
        required
        autoComplete="email"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        className="mt-1 block min-h-11 w-full rounded-md border border-slate-400 px-3 text-slate-900"
      />
      <button type="submit" disabled={sending.kind === "sending"} className={buttonClass}>
        Email me a sign-in link
      </button>
      {sending.kind === "sent" ? (
        <p role="status" className="mt-2 text-slate-700">
          If that email belongs to a member, a link is on its way.
        </p>
      ) : sending.kind === "failed" ? (
        <p role="alert" className="mt-2 text-red-800">
          {sending.message}
        </p>
      ) : null}
    </form>
  );
}
