import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { ApiError, ok, type ApiErrorBody, type Schema } from "../shared/api.ts";
import { formatDateTime } from "../shared/format.ts";
import { api, session, type Program } from "./session.ts";
import {
  Button,
  Card,
  ConfirmDialog,
  Empty,
  ErrorMessage,
  Field,
  Loading,
  inputClass,
  invalid,
} from "./ui.tsx";

type Creative = Schema<"Creative">;

/** The API's limit, so the form can say it before a large file is sent. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const ACCEPTED = "image/png,image/jpeg,image/gif,image/webp,application/pdf";

/** The API's message for one field, from `error.details[].path`. */
function fieldError(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.messageFor(path);
}

/** The whole message for a field the API refused outright (a file's type, its size). */
function fileError(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.status === 413 || error.body.code === "unsupported_file_type") return error.message;
  return error.messageFor("file");
}

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;

/**
 * Sends the form as multipart/form-data, which the typed client does not
 * build: the browser writes the boundary, and the file's bytes go as they are.
 */
async function uploadCreative(programId: string, form: FormData): Promise<Creative> {
  const response = await fetch(`/v1/programs/${encodeURIComponent(programId)}/creatives`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.key() ?? ""}` },
    body: form,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.ok) return body as Creative;
  const error = (body as { error?: ApiErrorBody } | undefined)?.error;
  throw new ApiError(
    response.status,
    error ?? {
      code: "http_error",
      message: `${response.status} ${response.statusText}`,
      details: [],
    },
  );
}

/**
 * The program's creatives: banners and PDFs uploaded here, text snippets
 * written here, each listed with a preview and deleted after a confirmation.
 * Participants find them in their portal with their own link filled in.
 */
export function Creatives({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const path = { programId: program.id };
  const list = useQuery({
    queryKey: ["creatives", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/creatives", { params: { path, query: { limit: 500 } } }),
      ),
  });
  const [notice, setNotice] = useState("");
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["creatives", program.id] });
  const remove = async (creative: Creative) => {
    await ok(
      api.DELETE("/v1/programs/{programId}/creatives/{creativeId}", {
        params: { path: { programId: program.id, creativeId: creative.id } },
      }),
    );
    setNotice(`${creative.name} deleted.`);
    await refresh();
  };
  const heading = useRef<HTMLHeadingElement>(null);
  return (
    <div className="flex flex-col gap-4">
      <h2 ref={heading} tabIndex={-1} className="text-xl font-semibold">
        Creatives
      </h2>
      <p className="text-sm text-slate-700">
        Banners, PDFs and text snippets your participants use to promote {program.name}. In their
        portal each one comes with their own link and code.
      </p>
      <p role="status" className="text-sm text-emerald-800">
        {notice}
      </p>
      <div className="grid gap-4 md:grid-cols-2">
        <UploadForm
          program={program}
          onAdded={async (creative) => {
            setNotice(`${creative.name} added.`);
            await refresh();
          }}
        />
        <TextForm
          program={program}
          onAdded={async (creative) => {
            setNotice(`${creative.name} added.`);
            await refresh();
          }}
        />
      </div>
      <Card title="Library">
        {list.isPending ? (
          <Loading what="the creatives" />
        ) : list.error ? (
          <ErrorMessage error={list.error} />
        ) : list.data.items.length === 0 ? (
          <Empty>No creatives yet. Upload a banner or write a snippet above.</Empty>
        ) : (
          <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-label="Creatives">
            {list.data.items.map((creative) => (
              <li
                key={creative.id}
                className="flex flex-col gap-2 rounded border border-slate-200 p-3"
                data-testid="creative"
              >
                <Preview creative={creative} />
                <div className="flex flex-wrap items-baseline justify-between gap-2">
                  <h4 className="font-medium break-words">{creative.name}</h4>
                  <span className="text-xs text-slate-600">
                    {creative.kind === "text"
                      ? "Text"
                      : `${creative.kind === "pdf" ? "PDF" : "Image"}, ${sizeText(creative.size ?? 0)}`}
                  </span>
                </div>
                <p className="text-xs text-slate-600">
                  Added {formatDateTime(creative.createdAt, program.timezone)}
                </p>
                {creative.url && (
                  <a
                    href={creative.url}
                    target="_blank"
                    rel="noreferrer"
                    className="text-sm break-all text-emerald-800 underline"
                  >
                    Open the file<span className="sr-only"> {creative.name}</span>
                  </a>
                )}
                <div>
                  <ConfirmDialog
                    trigger={
                      <Button variant="danger">
                        Delete<span className="sr-only"> {creative.name}</span>
                      </Button>
                    }
                    title={`Delete ${creative.name}?`}
                    description={
                      creative.kind === "text"
                        ? "Participants will no longer see this snippet in their portal."
                        : "The file is removed: pages that embed it will show a broken image or link, and participants will no longer see it in their portal."
                    }
                    confirmLabel="Delete"
                    onConfirm={() => remove(creative)}
                    focusAfter={() => heading.current}
                  />
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function Preview({ creative }: { creative: Creative }) {
  if (creative.kind === "image" && creative.url)
    return (
      <img
        src={creative.url}
        alt={`Preview of ${creative.name}`}
        className="h-32 w-full rounded bg-slate-50 object-contain"
      />
    );
  if (creative.kind === "pdf")
    return (
      <div className="flex h-32 items-center justify-center rounded bg-slate-50 text-slate-700">
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-12 w-12" fill="none">
          <path
            d="M6 2h9l5 5v15H6z M15 2v5h5"
            stroke="currentColor"
            strokeWidth="1.5"
            strokeLinejoin="round"
          />
          <text x="8" y="18" fontSize="5" fill="currentColor" fontFamily="sans-serif">
            PDF
          </text>
        </svg>
        <span className="sr-only">PDF document</span>
      </div>
    );
  return (
    <pre className="max-h-32 overflow-y-auto rounded bg-slate-50 p-2 text-sm whitespace-pre-wrap">
      {creative.text}
    </pre>
  );
}

function UploadForm({
  program,
  onAdded,
}: {
  program: Program;
  onAdded: (creative: Creative) => Promise<void>;
}) {
  const [name, setName] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [tooLarge, setTooLarge] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    mutationFn: () => {
      const form = new FormData();
      form.set("name", name);
      if (file) form.set("file", file);
      return uploadCreative(program.id, form);
    },
    onSuccess: async (creative) => {
      setName("");
      setFile(null);
      if (fileInput.current) fileInput.current.value = "";
      await onAdded(creative);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    upload.mutate();
  };
  const nameError = fieldError(upload.error, "name");
  const fileProblem = tooLarge
    ? `The file is larger than ${sizeText(MAX_FILE_BYTES)}; a creative may be at most 10 MB.`
    : fileError(upload.error);
  const other = upload.error && !nameError && !fileProblem ? upload.error : null;
  return (
    <Card title="Upload a banner or PDF">
      <form className="flex flex-col gap-3" aria-label="Upload a file" onSubmit={submit}>
        <Field id="creative-file-name" label="Name" error={nameError}>
          <input
            id="creative-file-name"
            className={inputClass}
            required
            maxLength={200}
            value={name}
            onChange={(e) => {
              upload.reset();
              setName(e.target.value);
            }}
            {...invalid("creative-file-name", nameError)}
          />
        </Field>
        <Field
          id="creative-file"
          label="File"
          hint="PNG, JPEG, GIF, WebP or PDF, at most 10 MB. SVG is not taken: it can carry script."
          error={fileProblem}
        >
          <input
            id="creative-file"
            ref={fileInput}
            type="file"
            accept={ACCEPTED}
            required
            className="text-sm file:mr-3 file:rounded file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium hover:file:bg-slate-100"
            onChange={(e) => {
              upload.reset();
              const chosen = e.target.files?.[0] ?? null;
              setFile(chosen);
              setTooLarge(chosen !== null && chosen.size > MAX_FILE_BYTES);
            }}
            {...invalid("creative-file", fileProblem)}
          />
        </Field>
        <ErrorMessage error={other} />
        <div>
          <Button type="submit" disabled={upload.isPending || tooLarge}>
            {upload.isPending ? "Uploading…" : "Upload"}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function TextForm({
  program,
  onAdded,
}: {
  program: Program;
  onAdded: (creative: Creative) => Promise<void>;
}) {
  const [name, setName] = useState("");
  const [text, setText] = useState("");
  const add = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/creatives", {
          params: { path: { programId: program.id } },
          body: { name, text },
        }),
      ) as Promise<Creative>,
    onSuccess: async (creative) => {
      setName("");
      setText("");
      await onAdded(creative);
    },
  });
  const nameError = fieldError(add.error, "name");
  const textError =
    add.error instanceof ApiError && add.error.body.code === "unknown_placeholder"
      ? add.error.message
      : fieldError(add.error, "text");
  const other = add.error && !nameError && !textError ? add.error : null;
  return (
    <Card title="Add a text snippet">
      <form
        className="flex flex-col gap-3"
        aria-label="Add a text snippet"
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate();
        }}
      >
        <Field id="creative-text-name" label="Name" error={nameError}>
          <input
            id="creative-text-name"
            className={inputClass}
            required
            maxLength={200}
            value={name}
            onChange={(e) => {
              add.reset();
              setName(e.target.value);
            }}
            {...invalid("creative-text-name", nameError)}
          />
        </Field>
        <Field
          id="creative-text"
          label="Text"
          hint="Write {link} where the participant's own referral link goes and {code} for their code; each participant sees theirs filled in."
          error={textError}
        >
          <textarea
            id="creative-text"
            className={`${inputClass} min-h-28`}
            required
            value={text}
            onChange={(e) => {
              add.reset();
              setText(e.target.value);
            }}
            {...invalid("creative-text", textError)}
          />
        </Field>
        <ErrorMessage error={other} />
        <div>
          <Button type="submit" disabled={add.isPending}>
            {add.isPending ? "Adding…" : "Add snippet"}
          </Button>
        </div>
      </form>
    </Card>
  );
}
