import * as DialogPrimitive from "@radix-ui/react-dialog";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type FormEvent } from "react";
import { ApiError, ok, type Schema } from "../shared/api.ts";
import { formatDateTime } from "../shared/format.ts";
import { DecisionMailNotice } from "./mail-status.tsx";
import { Link } from "./router.tsx";
import { api, type Program } from "./session.ts";
import {
  Badge,
  Button,
  Card,
  CopyField,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  inputClass,
  invalid,
} from "./ui.tsx";

type Applicant = Schema<"ParticipantListItem">;
type Application = Schema<"Application">;
type Decided = Schema<"DecidedApplication">;

/** The most applicants the queue shows at once; deciding some brings the next ones in. */
const QUEUE_SIZE = 100;

const waitingKey = (programId: string) => ["applications-waiting", programId];
const queueKey = (programId: string) => ["applications", programId];

/** How many applications wait, for the count beside the console's Applications link. */
export function useWaitingApplications(programId: string) {
  return useQuery({
    queryKey: waitingKey(programId),
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/applications/waiting", {
          params: { path: { programId } },
        }),
      ),
    staleTime: 30_000,
  });
}

/** The nav's count: nothing while unknown or zero, so the link reads plainly then. */
export function WaitingCount({ programId }: { programId: string }) {
  const waiting = useWaitingApplications(programId).data?.waiting ?? 0;
  if (waiting === 0) return null;
  return (
    <span className="ml-1 rounded-full bg-amber-100 px-1.5 text-xs font-semibold text-amber-900">
      <span className="sr-only">, </span>
      {waiting}
      <span className="sr-only"> waiting</span>
    </span>
  );
}

/**
 * The approval queue: everyone who applied and waits for a decision, with
 * what they sent, who recruited them, where they applied from, and anyone
 * they resemble, blocked matches first and marked. Approve makes them active
 * (and mails them a sign-in link when mail is on); Reject asks for the reason.
 */
export function Applications({ program }: { program: Program }) {
  const queue = useQuery({
    queryKey: queueKey(program.id),
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/participants", {
          params: {
            path: { programId: program.id },
            query: { status: "applied", sort: "joinedAt", limit: QUEUE_SIZE },
          },
        }),
      ),
  });
  const [decided, setDecided] = useState<{ applicant: Decided; words: string } | null>(null);
  const enrolment = program.enrolment ?? "closed";
  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">Applications</h2>
      <ApplyLink program={program} enrolment={enrolment} />
      <DecisionMailNotice program={program} />
      {decided && <DecidedNotice decided={decided} />}
      {queue.isPending ? (
        <Loading what="applications" />
      ) : queue.error ? (
        <ErrorMessage error={queue.error} />
      ) : queue.data.items.length === 0 ? (
        <Empty>No applications wait for a decision.</Empty>
      ) : (
        <>
          {queue.data.next !== null && <MoreWaiting programId={program.id} />}
          <ul className="flex flex-col gap-3" aria-label="Applications waiting">
            {queue.data.items.map((a) => (
              <li key={a.id}>
                <ApplicantCard program={program} applicant={a} onDecided={setDecided} />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** Says the queue shows its first QUEUE_SIZE, when more than that wait. */
function MoreWaiting({ programId }: { programId: string }) {
  const waiting = useWaitingApplications(programId).data?.waiting;
  return (
    <p className="text-sm text-slate-700">
      These are the {QUEUE_SIZE} who applied first
      {waiting === undefined ? "" : ` of ${waiting.toLocaleString()} waiting`}; deciding them brings
      the next ones in.
    </p>
  );
}

function ApplyLink({ program, enrolment }: { program: Program; enrolment: string }) {
  const ref = useRef<HTMLInputElement>(null);
  const link = `${window.location.origin}/apply/${encodeURIComponent(program.id)}`;
  return (
    <Card title="The apply page">
      <CopyField
        id="apply-link"
        label="Apply page link"
        copyLabel="the apply page link"
        what="link"
        value={link}
        inputRef={ref}
      />
      <p className="text-sm text-slate-700">
        {enrolment === "approval"
          ? "Applicants wait here for your decision. A member's recruits apply with ?via= and their referral code."
          : enrolment === "open"
            ? "Enrolment is open: applicants become active at once, without waiting here."
            : "Enrolment is closed: the apply page says the program does not take applications."}{" "}
        <Link to="/program" className="font-medium text-emerald-800 underline">
          Change who may join in the program's settings
        </Link>
      </p>
    </Card>
  );
}

function DecidedNotice({ decided }: { decided: { applicant: Decided; words: string } }) {
  const ref = useRef<HTMLInputElement>(null);
  const link = decided.applicant.signInLink;
  return (
    <div role="status" className="rounded border border-emerald-300 bg-emerald-50 p-3 text-sm">
      <p>{decided.words}</p>
      {link && (
        <div className="mt-2">
          <CopyField
            id="sign-in-link"
            label="Their portal sign-in link (for them alone: it opens their portal every time)"
            copyLabel="the sign-in link"
            what="link"
            value={link}
            inputRef={ref}
          />
        </div>
      )}
    </div>
  );
}

const nameOf = (a: { name: string | null; externalId: string }) => a.name ?? a.externalId;

function ApplicantCard({
  program,
  applicant,
  onDecided,
}: {
  program: Program;
  applicant: Applicant;
  onDecided: (decided: { applicant: Decided; words: string }) => void;
}) {
  const queryClient = useQueryClient();
  const application = applicant.application;
  const headingId = useId();
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: queueKey(program.id) });
    await queryClient.invalidateQueries({ queryKey: waitingKey(program.id) });
    await queryClient.invalidateQueries({ queryKey: ["participants"] });
  };
  const approve = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/participants/{participantId}/approve", {
          params: { path: { programId: program.id, participantId: applicant.id } },
        }),
      ),
    onSuccess: async (approved) => {
      onDecided({ applicant: approved, words: `${nameOf(applicant)} is approved and active.` });
      await refresh();
    },
  });
  return (
    <article
      aria-labelledby={headingId}
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 id={headingId} className="font-semibold">
        {nameOf(applicant)} <span className="font-normal text-slate-600">({applicant.email})</span>
      </h3>
      {application ? (
        <Screening program={program} application={application} />
      ) : (
        <p className="text-sm text-slate-600">
          Added with the applied status, not through the apply page.
        </p>
      )}
      <ErrorMessage error={approve.error} />
      <div className="mt-3 flex flex-wrap gap-2">
        <Button onClick={() => approve.mutate()} disabled={approve.isPending}>
          {approve.isPending ? "Approving…" : "Approve"}
          <span className="sr-only"> {nameOf(applicant)}</span>
        </Button>
        <RejectDialog
          program={program}
          applicant={applicant}
          onRejected={async (rejected) => {
            onDecided({ applicant: rejected, words: `${nameOf(applicant)} is rejected.` });
            await refresh();
          }}
        />
      </div>
    </article>
  );
}

function Screening({ program, application }: { program: Program; application: Application }) {
  return (
    <dl className="mt-2 grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]">
      <dt className="font-medium text-slate-700">Applied</dt>
      <dd>{formatDateTime(application.appliedAt, program.timezone)}</dd>
      <dt className="font-medium text-slate-700">Website</dt>
      <dd className="break-words">{application.website ?? "None given"}</dd>
      <dt className="font-medium text-slate-700">Social profiles</dt>
      <dd className="break-words">
        {application.socials.length === 0 ? "None given" : application.socials.join(", ")}
      </dd>
      <dt className="font-medium text-slate-700">Message</dt>
      <dd className="break-words whitespace-pre-line">{application.message ?? "None"}</dd>
      <dt className="font-medium text-slate-700">Recruited by</dt>
      <dd>
        {application.sponsor ? (
          <Link
            to={`/participants/${application.sponsor.id}`}
            className="text-emerald-800 underline"
          >
            {nameOf(application.sponsor)}
          </Link>
        ) : (
          "No one"
        )}
      </dd>
      <dt className="font-medium text-slate-700">Country</dt>
      <dd>{application.ipCountry ?? "Unknown"}</dd>
      <dt className="font-medium text-slate-700">Matches</dt>
      <dd>
        {application.matches.length === 0 ? (
          "No one else shares their email or website"
        ) : (
          <ul className="flex flex-col gap-1">
            {application.matches.map((m) => (
              <li
                key={`${m.programId}/${m.participantId}`}
                className={m.blocked ? "rounded bg-red-50 px-2 py-1" : ""}
              >
                <Badge tone={m.blocked ? "bad" : "warning"}>
                  {m.blocked ? `Blocked: ${m.status}` : "Already belongs"}
                </Badge>{" "}
                {m.sameProgram ? (
                  <Link to={`/participants/${m.participantId}`} className="underline">
                    {nameOf(m)}
                  </Link>
                ) : (
                  nameOf(m)
                )}{" "}
                in {m.programName}, same {m.on.join(" and ")}
              </li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}

function RejectDialog({
  program,
  applicant,
  onRejected,
}: {
  program: Program;
  applicant: Applicant;
  onRejected: (rejected: Decided) => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const reasonId = useId();
  const reject = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/participants/{participantId}/reject", {
          params: { path: { programId: program.id, participantId: applicant.id } },
          body: { reason: reason.trim() },
        }),
      ),
    onSuccess: async (rejected) => {
      setOpen(false);
      await onRejected(rejected);
    },
  });
  const error = reject.error instanceof ApiError ? reject.error.messageFor("reason") : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    reject.mutate();
  };
  return (
    <DialogPrimitive.Root
      open={open}
      onOpenChange={(next) => {
        if (reject.isPending) return;
        setOpen(next);
        reject.reset();
      }}
    >
      <DialogPrimitive.Trigger asChild>
        <Button variant="danger">
          Reject<span className="sr-only"> {nameOf(applicant)}</span>
        </Button>
      </DialogPrimitive.Trigger>
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
        <DialogPrimitive.Content className="fixed top-1/2 left-1/2 z-50 flex w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 flex-col gap-4 rounded-lg bg-white p-5 shadow-xl focus:outline-none">
          <DialogPrimitive.Title className="text-lg font-semibold">
            Reject {nameOf(applicant)}?
          </DialogPrimitive.Title>
          <DialogPrimitive.Description className="text-sm text-slate-700">
            They are mailed that the application was not accepted, without your reason, which stays
            in your records.
          </DialogPrimitive.Description>
          <form onSubmit={submit} className="flex flex-col gap-4">
            <Field id={reasonId} label="Reason" error={error}>
              <textarea
                id={reasonId}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                rows={3}
                required
                className={inputClass}
                {...invalid(reasonId, error)}
              />
            </Field>
            {!error && <ErrorMessage error={reject.error} />}
            <div className="flex flex-wrap justify-end gap-2">
              <DialogPrimitive.Close asChild>
                <Button variant="secondary" disabled={reject.isPending}>
                  Cancel
                </Button>
              </DialogPrimitive.Close>
              <Button type="submit" variant="danger" disabled={reject.isPending}>
                {reject.isPending ? "Rejecting…" : "Reject application"}
              </Button>
            </div>
          </form>
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  );
}
