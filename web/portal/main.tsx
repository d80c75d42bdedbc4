import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { StrictMode, useEffect, useMemo, useState, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError, createClient, ok, type Client } from "../shared/api.ts";
import "../shared/styles.css";
import {
  BalancesCard,
  Downline,
  Goals,
  LeaderboardCard,
  LedgerList,
  Referral,
} from "./sections.tsx";
import {
  forgetSession,
  resetStart,
  startSession,
  type PortalSession,
  type SessionProblem,
} from "./session.ts";
import { EmailSignIn, programIdFromAddress } from "./sign-in.tsx";
import { buttonClass, QueryState } from "./ui.tsx";

type State =
  | { kind: "starting" }
  | { kind: "problem"; problem: SessionProblem }
  | { kind: "ready"; session: PortalSession };

function App() {
  const [state, setState] = useState<State>({ kind: "starting" });
  // Known from the address, or from the session once one is open: an ended session can ask for a new link.
  const [programId, setProgramId] = useState<string | null>(programIdFromAddress);
  const start = () => {
    setState({ kind: "starting" });
    void startSession().then((result) => {
      if (typeof result !== "string") setProgramId(result.programId);
      setState(
        typeof result === "string"
          ? { kind: "problem", problem: result }
          : { kind: "ready", session: result },
      );
    });
  };
  useEffect(start, []);
  return (
    <Shell>
      {state.kind === "starting" ? (
        <p role="status" className="text-slate-700">
          Signing you in…
        </p>
      ) : state.kind === "problem" ? (
        <Problem
          problem={state.problem}
          programId={programId}
          retry={() => {
            resetStart();
            start();
          }}
        />
      ) : (
        <Portal
          session={state.session}
          onExpired={() => {
            forgetSession();
            setState({ kind: "problem", problem: "expired" });
          }}
        />
      )}
    </Shell>
  );
}

function Shell({ children }: { children: ReactNode }) {
  return (
    <div className="mx-auto max-w-3xl px-4 py-6">
      <header className="mb-4">
        <h1 className="text-2xl font-semibold text-slate-900">Laurel Portal</h1>
      </header>
      <main>{children}</main>
    </div>
  );
}

const PROBLEMS: Record<SessionProblem, { title: string; text: string }> = {
  bad_link: {
    title: "This link does not work",
    text: "The link is not valid or is no longer active. Ask the program team for a new portal link.",
  },
  no_link: {
    title: "Open your portal link",
    text: "This page opens from the personal link the program sent you. Use that link to sign in.",
  },
  expired: {
    title: "Your session has ended",
    text: "For your security, portal sessions end after a while. Open your portal link again to continue.",
  },
  unreachable: {
    title: "Laurel could not be reached",
    text: "Check your connection and try again.",
  },
};

function Problem({
  problem,
  programId,
  retry,
}: {
  problem: SessionProblem;
  programId: string | null;
  retry: () => void;
}) {
  const { title, text } = PROBLEMS[problem];
  return (
    <>
      <ProblemAlert problem={problem} title={title} text={text} retry={retry} />
      {programId !== null && problem !== "unreachable" && <EmailSignIn programId={programId} />}
    </>
  );
}

function ProblemAlert({
  problem,
  title,
  text,
  retry,
}: {
  problem: SessionProblem;
  title: string;
  text: string;
  retry: () => void;
}) {
  return (
    <div
      role="alert"
      className="rounded-lg border border-red-300 bg-red-50 p-4"
      data-problem={problem}
    >
      <h2 className="text-lg font-semibold text-red-900">{title}</h2>
      <p className="mt-1 text-red-900">{text}</p>
      {problem === "unreachable" && (
        <button type="button" onClick={retry} className={buttonClass}>
          Try again
        </button>
      )}
    </div>
  );
}

function Portal({ session, onExpired }: { session: PortalSession; onExpired: () => void }) {
  // Any 401 means the session is over: every section would say so otherwise.
  const client = useMemo<Client>(
    () => createClient(() => session.sessionToken, onExpired),
    [session, onExpired],
  );
  const queryClient = useMemo(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            retry: (count, error) =>
              !(error instanceof ApiError && error.status < 500) && count < 2,
          },
        },
      }),
    [],
  );
  useEffect(() => {
    const left = Date.parse(session.expiresAt) - Date.now();
    const timer = setTimeout(onExpired, Math.max(0, left));
    return () => clearTimeout(timer);
  }, [session, onExpired]);
  return (
    <QueryClientProvider client={queryClient}>
      <Dashboard client={client} />
    </QueryClientProvider>
  );
}

function Dashboard({ client }: { client: Client }) {
  const me = useQuery({ queryKey: ["me"], queryFn: () => ok(client.GET("/v1/me")) });
  const program = useQuery({
    queryKey: ["program"],
    queryFn: () => ok(client.GET("/v1/me/program")),
  });
  const pending = me.isPending || program.isPending;
  const error = me.error ?? program.error;
  return (
    <QueryState
      what="your portal"
      isPending={pending}
      error={error}
      retry={() => {
        void me.refetch();
        void program.refetch();
      }}
    >
      {() =>
        me.data && program.data ? (
          <div className="space-y-4">
            <p className="text-slate-700">
              Hello {me.data.name ?? me.data.externalId}, welcome to{" "}
              <span className="font-medium text-slate-900">{program.data.name}</span>.
            </p>
            <Goals client={client} program={program.data} />
            <BalancesCard client={client} program={program.data} />
            <Referral me={me.data} />
            <LeaderboardCard client={client} program={program.data} />
            <Downline client={client} program={program.data} />
            <LedgerList client={client} program={program.data} />
          </div>
        ) : null
      }
    </QueryState>
  );
}

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
