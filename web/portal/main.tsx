import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { StrictMode, useEffect, useMemo, useState, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError, createClient, ok, type Client, type Schema } from "../shared/api.ts";
import { BrandHeader } from "../shared/brand-header.tsx";
import "../shared/styles.css";
import { PayoutHistory, Performance } from "./performance.tsx";
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
import { TermsBanner } from "./terms.tsx";
import { Creatives } from "./creatives.tsx";
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
        <main>
          <PlainHeader />
          <p role="status" className="text-slate-700">
            Signing you in…
          </p>
        </main>
      ) : state.kind === "problem" ? (
        <main>
          <PlainHeader />
          <Problem
            problem={state.problem}
            programId={programId}
            retry={() => {
              resetStart();
              start();
            }}
          />
        </main>
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

/** The page around the sign-in screens, before the program (and so its brand) is known. */
function Shell({ children }: { children: ReactNode }) {
  return <div className="mx-auto max-w-6xl px-4 py-6">{children}</div>;
}

/** The heading of screens that come before a program is known. */
function PlainHeader() {
  return (
    <header className="mb-4">
      <h1 className="text-2xl font-semibold text-slate-900">Partner portal</h1>
    </header>
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
          <>
            <BrandHeader
              heading={program.data.name}
              title={`${program.data.name} portal`}
              branding={program.data.branding}
              className="mb-4"
            />
            <main className="space-y-4">
              <p className="text-slate-700">
                Hello {me.data.name ?? me.data.externalId}, welcome to{" "}
                <span className="font-medium text-slate-900">{program.data.name}</span>.
              </p>
              <TermsBanner client={client} program={program.data} />
              {/*
                On a wide screen the figures, goals and activity take two thirds
                and the rest a column beside them. On a phone the columns dissolve
                (display: contents) into one list in the order people look:
                figures, balances, goals, the link, then the long lists.
              */}
              <div className="flex flex-col gap-4 lg:grid lg:grid-cols-3 lg:items-start">
                <div className="contents lg:col-span-2 lg:block lg:min-w-0 lg:space-y-4">
                  <div className="order-1 min-w-0">
                    <Performance client={client} program={program.data} />
                  </div>
                  <div className="order-3 min-w-0">
                    <Goals client={client} program={program.data} />
                  </div>
                  <div className="order-5 min-w-0">
                    <LedgerList client={client} program={program.data} />
                  </div>
                </div>
                <div className="contents lg:block lg:min-w-0 lg:space-y-4">
                  <div className="order-2 min-w-0">
                    <BalancesCard client={client} program={program.data} />
                  </div>
                  <div className="order-4 min-w-0">
                    <Referral me={me.data} />
                  </div>
                  <div className="order-4 min-w-0">
                    <Creatives client={client} />
                  </div>
                  <div className="order-6 min-w-0">
                    <PayoutHistory client={client} program={program.data} />
                  </div>
                  <div className="order-7 min-w-0">
                    <LeaderboardCard client={client} program={program.data} />
                  </div>
                  <div className="order-8 min-w-0">
                    <Downline client={client} program={program.data} />
                  </div>
                </div>
              </div>
            </main>
          </>
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
