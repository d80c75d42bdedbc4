import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import {
  StrictMode,
  Suspense,
  lazy,
  useCallback,
  useEffect,
  useState,
  type FormEvent,
} from "react";
import { createRoot } from "react-dom/client";
import "../shared/styles.css";
import { ApiError, ok } from "../shared/api.ts";
import { Link, navigate, usePath } from "./router.tsx";
import { api, onKeyRefused, session, type Program } from "./session.ts";
import { Button, ErrorMessage, Field, LoadFailure, Loading, inputClass, invalid } from "./ui.tsx";

// Each screen is its own chunk, fetched when first opened: the sign-in screen
// and the console's frame load none of them, nor Recharts.
const Applications = lazy(() =>
  import("./applications.tsx").then((m) => ({ default: m.Applications })),
);
const WaitingCount = lazy(() =>
  import("./applications.tsx").then((m) => ({ default: m.WaitingCount })),
);
const Broadcasts = lazy(() => import("./broadcasts.tsx").then((m) => ({ default: m.Broadcasts })));
const Goals = lazy(() => import("./goals.tsx").then((m) => ({ default: m.Goals })));
const Integrations = lazy(() =>
  import("./integrations.tsx").then((m) => ({ default: m.Integrations })),
);
const Overview = lazy(() => import("./overview.tsx").then((m) => ({ default: m.Overview })));
const Participants = lazy(() =>
  import("./participants.tsx").then((m) => ({ default: m.Participants })),
);
const ParticipantDetail = lazy(() =>
  import("./participants.tsx").then((m) => ({ default: m.ParticipantDetail })),
);
const Fraud = lazy(() => import("./money.tsx").then((m) => ({ default: m.Fraud })));
const Payouts = lazy(() => import("./money.tsx").then((m) => ({ default: m.Payouts })));
const ProgramSettings = lazy(() =>
  import("./program.tsx").then((m) => ({ default: m.ProgramSettings })),
);
const Targets = lazy(() => import("./targets.tsx").then((m) => ({ default: m.Targets })));
const TermsEditor = lazy(() => import("./terms.tsx").then((m) => ({ default: m.TermsEditor })));
const Creatives = lazy(() => import("./creatives.tsx").then((m) => ({ default: m.Creatives })));
const Webhooks = lazy(() => import("./webhooks.tsx").then((m) => ({ default: m.Webhooks })));
const CreateProgram = lazy(() =>
  import("./create-program.tsx").then((m) => ({ default: m.CreateProgram })),
);
const Setup = lazy(() => import("./setup.tsx").then((m) => ({ default: m.Setup })));

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
  { path: "/applications", label: "Applications" },
  { path: "/fraud", label: "Fraud review" },
  { path: "/payouts", label: "Payouts" },
  { path: "/integrations", label: "Integrations" },
  { path: "/webhooks", label: "Webhooks" },
  { path: "/broadcasts", label: "Broadcasts" },
  { path: "/creatives", label: "Creatives" },
  { path: "/terms", label: "Terms" },
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
        {/* On a phone the program picker takes a row of its own below the title
            and Sign out, so a program's name stays readable. */}
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 p-3">
          <h1 className="text-lg font-semibold">Laurel Admin</h1>
          <div className="order-last flex min-w-0 basis-full flex-wrap items-center gap-x-2 gap-y-1 sm:order-none sm:basis-auto sm:flex-1 sm:flex-nowrap">
            <label htmlFor="program" className="text-sm">
              Program
            </label>
            <select
              id="program"
              className={`${inputClass} min-w-0 flex-[1_1_14rem] sm:max-w-xs`}
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
            <Link
              to="/programs/new"
              className="text-sm font-medium whitespace-nowrap text-emerald-800 underline"
            >
              New program
            </Link>
          </div>
          <Button variant="secondary" onClick={onSignOut} className="ml-auto sm:ml-0">
            Sign out
          </Button>
        </div>
        {/* The sections wrap onto more rows where they do not fit: none is cut off or hidden. */}
        <nav aria-label="Sections" className="mx-auto max-w-6xl px-1 sm:px-3">
          <ul className="flex flex-wrap gap-x-1">
            {SECTIONS.map((s) => {
              const current = path === s.path || path.startsWith(`${s.path}/`);
              return (
                <li key={s.path}>
                  <Link
                    to={s.path}
                    aria-current={current ? "page" : undefined}
                    className={`block whitespace-nowrap border-b-2 px-2 py-2 text-sm sm:px-3 focus-visible:outline-2 focus-visible:outline-emerald-700 ${current ? "border-emerald-700 font-semibold" : "border-transparent text-slate-600 hover:text-slate-900"}`}
                  >
                    {s.label}
                    {s.path === "/applications" && program && (
                      // The count of applications waiting comes with the queue's chunk.
                      <Suspense fallback={null}>
                        <WaitingCount programId={program.id} />
                      </Suspense>
                    )}
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
        ) : !program || path === "/programs/new" ? (
          <Suspense fallback={<Loading what="the form" />}>
            <CreateProgram
              first={!program}
              onCreated={(created) => {
                choose(created.id);
                navigate("/setup");
              }}
            />
          </Suspense>
        ) : (
          // Keyed by section, not path: moving within a screen (/broadcasts/new to
          // /broadcasts) keeps its state; moving to another section tries to load again.
          <LoadFailure key={path.split("/")[1]} what="This screen">
            <Suspense fallback={<Loading what="the screen" />}>
              <Section path={path} program={program} />
            </Suspense>
          </LoadFailure>
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
    case "applications":
      return <Applications key={program.id} program={program} />;
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
    case "creatives":
      return <Creatives key={program.id} program={program} />;
    case "terms":
      return <TermsEditor key={program.id} program={program} />;
    case "program":
      return <ProgramSettings key={program.id} program={program} />;
    case "setup":
      return <Setup key={program.id} program={program} />;
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
