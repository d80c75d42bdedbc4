import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { StrictMode, useCallback, useEffect, useState, type FormEvent } from "react";
import { createRoot } from "react-dom/client";
import "../shared/styles.css";
import { ApiError, ok } from "../shared/api.ts";
import { Broadcasts } from "./broadcasts.tsx";
import { Goals } from "./goals.tsx";
import { Integrations } from "./integrations.tsx";
import { Overview } from "./overview.tsx";
import { ParticipantDetail, Participants } from "./participants.tsx";
import { Fraud, Payouts } from "./money.tsx";
import { ProgramSettings } from "./program.tsx";
import { Targets } from "./targets.tsx";
import { Webhooks } from "./webhooks.tsx";
import { Link, navigate, usePath } from "./router.tsx";
import { api, onKeyRefused, session, type Program } from "./session.ts";
import { Button, ErrorMessage, Field, Loading, inputClass, invalid } from "./ui.tsx";

const queryClient = new QueryClient({
  defaultOptions: {
    // A 4xx will not fix itself by asking again.
    queries: {
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

function SignIn({ onSignedIn, notice }: { onSignedIn: () => void; notice: string | null }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    session.signIn(key.trim());
    try {
      // Any admin route proves the key; the program list is needed next anyway.
      await ok(api.GET("/v1/programs", { params: { query: { limit: 1 } } }));
      onSignedIn();
    } catch (caught) {
      session.signOut();
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const message = error instanceof Error ? error.message : undefined;
  return (
    <main className="mx-auto mt-16 max-w-sm p-4">
      <h1 className="mb-6 text-2xl font-semibold">Laurel Admin</h1>
      {notice && (
        <p role="alert" className="mb-4 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm">
          You were signed out: {notice}
        </p>
      )}
      <form onSubmit={submit} className="flex flex-col gap-4 rounded-lg border bg-white p-4">
        <Field id="admin-key" label="Admin key" error={message}>
          <input
            id="admin-key"
            type="password"
            autoComplete="off"
            required
            value={key}
            onChange={(e) => setKey(e.target.value)}
            className={inputClass}
            {...invalid("admin-key", message)}
          />
        </Field>
        <Button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </main>
  );
}

const SECTIONS = [
  { path: "/overview", label: "Overview" },
  { path: "/goals", label: "Goals" },
  { path: "/targets", label: "Targets" },
  { path: "/participants", label: "Participants" },
  { path: "/fraud", label: "Fraud review" },
  { path: "/payouts", label: "Payouts" },
  { path: "/integrations", label: "Integrations" },
  { path: "/webhooks", label: "Webhooks" },
  { path: "/broadcasts", label: "Broadcasts" },
  { path: "/program", label: "Program" },
] as const;

function Console({ onSignOut }: { onSignOut: () => void }) {
  const path = usePath();
  const [programId, setProgramId] = useState(session.program());
  const programs = useQuery({
    queryKey: ["programs"],
    queryFn: () => ok(api.GET("/v1/programs", { params: { query: { limit: 500 } } })),
  });
  const list = programs.data?.items ?? [];
  const program = list.find((p) => p.id === programId) ?? list[0];
  const choose = (id: string) => {
    session.setProgram(id);
    setProgramId(id);
  };
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 p-3">
          <h1 className="text-lg font-semibold">Laurel Admin</h1>
          <div className="flex min-w-0 flex-1 items-center gap-2">
            <label htmlFor="program" className="text-sm">
              Program
            </label>
            <select
              id="program"
              className={`${inputClass} max-w-xs`}
              value={program?.id ?? ""}
              onChange={(e) => choose(e.target.value)}
              disabled={list.length === 0}
            >
              {list.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <Button variant="secondary" onClick={onSignOut}>
            Sign out
          </Button>
        </div>
        <nav aria-label="Sections" className="mx-auto max-w-6xl overflow-x-auto px-3">
          <ul className="flex gap-1">
            {SECTIONS.map((s) => {
              const current = path === s.path || path.startsWith(`${s.path}/`);
              return (
                <li key={s.path}>
                  <Link
                    to={s.path}
                    aria-current={current ? "page" : undefined}
                    className={`block whitespace-nowrap border-b-2 px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-emerald-700 ${current ? "border-emerald-700 font-semibold" : "border-transparent text-slate-600 hover:text-slate-900"}`}
                  >
                    {s.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      </header>
      <main className="mx-auto max-w-6xl p-3 sm:p-6">
        {programs.isPending ? (
          <Loading what="programs" />
        ) : programs.error ? (
          <ErrorMessage error={programs.error} />
        ) : !program ? (
          <p>This brand has no programs yet: create one with POST /v1/programs.</p>
        ) : (
          <Section path={path} program={program} />
        )}
      </main>
    </div>
  );
}

function Section({ path, program }: { path: string; program: Program }) {
  const [, section, id] = path.split("/");
  switch (section) {
    case "goals":
      return <Goals key={program.id} program={program} />;
    case "targets":
      return <Targets key={program.id} program={program} />;
    case "participants":
      return id ? (
        <ParticipantDetail key={`${program.id}/${id}`} program={program} participantId={id} />
      ) : (
        <Participants key={program.id} program={program} />
      );
    case "fraud":
      return <Fraud key={program.id} program={program} />;
    case "payouts":
      return <Payouts key={program.id} program={program} />;
    case "integrations":
      return <Integrations key={program.id} program={program} />;
    case "webhooks":
      return <Webhooks key={program.id} program={program} />;
    case "broadcasts":
      return <Broadcasts key={program.id} program={program} />;
    case "program":
      return <ProgramSettings key={program.id} program={program} />;
    default:
      return <Overview key={program.id} program={program} />;
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(() => session.key() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback((why: string | null) => {
    session.signOut();
    queryClient.clear();
    setNotice(why);
    setSignedIn(false);
    navigate("/");
  }, []);
  // A key revoked while the console is open: every screen would fail one by one otherwise.
  useEffect(() => (signedIn ? onKeyRefused(signOut) : undefined), [signedIn, signOut]);
  if (!signedIn)
    return (
      <SignIn
        notice={notice}
        onSignedIn={() => {
          setNotice(null);
          setSignedIn(true);
        }}
      />
    );
  return <Console onSignOut={() => signOut(null)} />;
}

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
