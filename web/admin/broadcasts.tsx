import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, ok, type Schema } from "../shared/api.ts";
import { formatDateTime } from "../shared/format.ts";
import { MailStatusNotice, useMailConfigured } from "./mail-status.tsx";
import { navigate, usePath } from "./router.tsx";
import { api, type Program } from "./session.ts";
import {
  Button,
  Card,
  Checkbox,
  ConfirmDialog,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  inputClass,
  invalid,
} from "./ui.tsx";

type Input = Schema<"BroadcastInput">;
type Status = NonNullable<NonNullable<Input["audience"]>["status"]>[number];

const STATUSES: { value: Status; label: string }[] = [
  { value: "active", label: "Active" },
  { value: "applied", label: "Applied" },
  { value: "suspended", label: "Suspended" },
];

/** The API's message for one field of the form, from `error.details[].path`. */
function fieldError(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.body.details.find((d) => d.path === path || d.path?.startsWith(`${path}.`))?.message;
}

/** Where the composer lives: a reload, or a link from another screen, opens it. */
const COMPOSE_PATH = "/broadcasts/new";

/** `?subject=&body=` of the address, which a link that announces a change fills in. */
function draftInAddress(): { subject?: string; body?: string } {
  const query = new URLSearchParams(window.location.search);
  const subject = query.get("subject");
  const body = query.get("body");
  return { ...(subject === null ? {} : { subject }), ...(body === null ? {} : { body }) };
}

/**
 * The broadcasts sent, newest first, and a composer at /broadcasts/new:
 * write a broadcast, preview it (the mail as rendered and how many it
 * reaches) and only then send it. Without mail configured the screen says
 * so, and nothing can be composed.
 */
export function Broadcasts({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const composing = usePath() === COMPOSE_PATH;
  const mailConfigured = useMailConfigured();
  const [subject, setSubject] = useState(() => (composing ? (draftInAddress().subject ?? "") : ""));
  const [body, setBody] = useState(() => (composing ? (draftInAddress().body ?? "") : ""));
  const [sentNotice, setSentNotice] = useState("");
  const composeButton = useRef<HTMLButtonElement>(null);
  // Opened by a link while this screen was already showing: take its draft too.
  const wasComposing = useRef(composing);
  useEffect(() => {
    if (composing && !wasComposing.current) {
      const draft = draftInAddress();
      if (draft.subject !== undefined) setSubject(draft.subject);
      if (draft.body !== undefined) setBody(draft.body);
    }
    if (!composing && wasComposing.current) composeButton.current?.focus();
    wasComposing.current = composing;
  }, [composing]);
  const [levels, setLevels] = useState<string[]>([]);
  const [statuses, setStatuses] = useState<Status[]>(["active"]);
  const input = (): Input => ({
    subject,
    body,
    audience: {
      ...(levels.length > 0 ? { levels } : {}),
      ...(statuses.length > 0 ? { status: statuses } : {}),
    },
  });
  const path = { programId: program.id };
  const preview = useMutation({
    mutationFn: (draft: Input) =>
      ok(
        api.POST("/v1/programs/{programId}/broadcasts/preview", { params: { path }, body: draft }),
      ),
  });
  const send = useMutation({
    mutationFn: (draft: Input) =>
      ok(api.POST("/v1/programs/{programId}/broadcasts", { params: { path }, body: draft })),
    onSuccess: async (accepted) => {
      setSubject("");
      setBody("");
      preview.reset();
      setSentNotice(
        `Sending to ${accepted.recipients} ${accepted.recipients === 1 ? "participant" : "participants"}.`,
      );
      navigate("/broadcasts");
      await queryClient.invalidateQueries({ queryKey: ["broadcasts", program.id] });
    },
  });
  const list = useQuery({
    queryKey: ["broadcasts", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/broadcasts", { params: { path, query: { limit: 50 } } }),
      ),
    // Counts move while a broadcast is sending.
    refetchInterval: (query) =>
      query.state.data?.items.some((b) => b.status === "sending") ? 5_000 : false,
  });
  // Any change to the draft makes the preview stale: Send needs a fresh one.
  const edit = (apply: () => void) => {
    apply();
    preview.reset();
  };
  const onPreview = (event: FormEvent) => {
    event.preventDefault();
    preview.mutate(input());
  };
  const error = preview.error ?? send.error;
  const toggle = <T,>(list: T[], value: T) =>
    list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
  const closeComposer = () => {
    preview.reset();
    send.reset();
    navigate("/broadcasts");
  };
  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">Broadcasts</h2>
      <MailStatusNotice>
        Broadcasts are mail, so none can be composed or sent until then.
      </MailStatusNotice>
      <p role="status" className="text-sm text-emerald-800">
        {sentNotice}
      </p>
      {!composing && (
        <div className="flex flex-wrap items-center gap-3">
          <Button
            ref={composeButton}
            variant="primary"
            aria-disabled={mailConfigured === false}
            aria-describedby={mailConfigured === false ? "compose-needs-mail" : undefined}
            onClick={() => {
              if (mailConfigured === false) return;
              setSentNotice("");
              navigate(COMPOSE_PATH);
            }}
            className={mailConfigured === false ? "cursor-not-allowed opacity-50" : ""}
          >
            New broadcast
          </Button>
          {mailConfigured === false && (
            <p id="compose-needs-mail" className="text-sm text-slate-700">
              Broadcasts need mail: start the server with LAUREL_SMTP_URL and LAUREL_MAIL_FROM to
              compose one.
            </p>
          )}
        </div>
      )}
      {composing && (
        <Card title="New broadcast">
          <form onSubmit={onPreview} className="flex flex-col gap-3" aria-label="New broadcast">
            <Field id="broadcast-subject" label="Subject" error={fieldError(error, "subject")}>
              <input
                id="broadcast-subject"
                className={inputClass}
                value={subject}
                required
                autoFocus
                maxLength={200}
                onChange={(e) => edit(() => setSubject(e.target.value))}
                {...invalid("broadcast-subject", fieldError(error, "subject"))}
              />
            </Field>
            <Field
              id="broadcast-body"
              label="Message"
              hint="Markdown: **bold**, *italic*, [links](https://…), lists. HTML is shown as text."
              error={fieldError(error, "body")}
            >
              <textarea
                id="broadcast-body"
                className={`${inputClass} min-h-40 font-mono`}
                value={body}
                required
                onChange={(e) => edit(() => setBody(e.target.value))}
                {...invalid("broadcast-body", fieldError(error, "body"))}
              />
            </Field>
            {(program.levels ?? []).length > 0 && (
              <fieldset className="flex flex-col gap-1">
                <legend className="text-sm font-medium">Levels (none checked: every level)</legend>
                {(program.levels ?? []).map((level) => (
                  <Checkbox
                    key={level.key}
                    id={`broadcast-level-${level.key}`}
                    label={level.name}
                    checked={levels.includes(level.key)}
                    onChange={() => edit(() => setLevels(toggle(levels, level.key)))}
                  />
                ))}
                {fieldError(error, "audience.levels") && (
                  <p className="text-sm text-red-700">{fieldError(error, "audience.levels")}</p>
                )}
              </fieldset>
            )}
            <fieldset className="flex flex-col gap-1">
              <legend className="text-sm font-medium">Status (none checked: every status)</legend>
              {STATUSES.map((s) => (
                <Checkbox
                  key={s.value}
                  id={`broadcast-status-${s.value}`}
                  label={s.label}
                  checked={statuses.includes(s.value)}
                  onChange={() => edit(() => setStatuses(toggle(statuses, s.value)))}
                />
              ))}
            </fieldset>
            <ErrorMessage error={error} />
            <div className="flex flex-wrap gap-2">
              <Button type="submit" variant="secondary" disabled={preview.isPending}>
                Preview
              </Button>
              {preview.data ? (
                <ConfirmDialog
                  trigger={<Button variant="primary">Send</Button>}
                  title="Send this broadcast?"
                  description={`It goes to ${preview.data.recipients} ${
                    preview.data.recipients === 1 ? "participant" : "participants"
                  } and cannot be taken back.`}
                  confirmLabel="Send"
                  onConfirm={() => send.mutateAsync(input())}
                />
              ) : (
                <Button variant="primary" disabled title="Preview the broadcast first">
                  Send
                </Button>
              )}
              <Button variant="secondary" onClick={closeComposer}>
                Cancel
              </Button>
            </div>
          </form>
        </Card>
      )}
      {composing && preview.data && <PreviewCard preview={preview.data} />}
      <Card title="Sent">
        {list.isPending ? (
          <Loading what="broadcasts" />
        ) : list.error ? (
          <ErrorMessage error={list.error} />
        ) : list.data.items.length === 0 ? (
          <Empty>No broadcasts yet.</Empty>
        ) : (
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="border-b border-slate-200">
                <th className="py-1">Subject</th>
                <th className="py-1">Written</th>
                <th className="py-1 text-right">Recipients</th>
                <th className="py-1 text-right">Sent</th>
                <th className="py-1 text-right">Failed</th>
                <th className="py-1">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((b) => (
                <tr key={b.id} className="border-b border-slate-100">
                  <td className="py-1">{b.subject}</td>
                  <td className="py-1">{formatDateTime(b.createdAt, program.timezone)}</td>
                  <td className="py-1 text-right">{b.recipients}</td>
                  <td className="py-1 text-right">{b.sent}</td>
                  <td className="py-1 text-right">{b.failed}</td>
                  <td className="py-1">{b.status === "sending" ? "Sending" : "Sent"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

function PreviewCard({ preview }: { preview: Schema<"BroadcastPreview"> }) {
  return (
    <Card title="Preview">
      <p className="text-sm">
        Goes to <strong>{preview.recipients}</strong>{" "}
        {preview.recipients === 1 ? "participant" : "participants"} with an email who have not
        unsubscribed.
      </p>
      <p className="text-sm">
        Subject: <strong>{preview.subject}</strong>
      </p>
      {/* The mail in a sandbox: nothing in it runs or reaches this page. */}
      <iframe
        title="The mail as rendered"
        sandbox=""
        srcDoc={preview.html}
        className="h-96 w-full rounded border border-slate-200 bg-white"
      />
    </Card>
  );
}
