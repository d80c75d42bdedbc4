import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiError, ok, type Schema } from "../shared/api.ts";
import { formatDateTime, formatNumber } from "../shared/format.ts";
import { api, type Program } from "./session.ts";
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

type Terms = Schema<"Terms">;

/** The same limit the API keeps, so the counter warns before publishing fails. */
const MAX_TERMS_LENGTH = 100_000;

const participants = (n: number) =>
  `${formatNumber(n)} ${n === 1 ? "participant" : "participants"}`;

/** `value`, once it has stopped changing for `ms`: a preview per pause, not per key. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function bodyError(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.body.details.find((d) => d.path === "body")?.message;
}

/**
 * The program's terms: the version in force, with when it was published and
 * how many accepted it; an editor with a preview as participants will read
 * it; and every earlier version. Publishing asks first, since every
 * participant is then asked to accept the new version.
 */
export function TermsEditor({ program }: { program: Program }) {
  const queryClient = useQueryClient();
  const path = { programId: program.id };
  const current = useQuery({
    queryKey: ["terms", program.id],
    // No terms yet is a 404: for this screen, an empty editor.
    queryFn: async (): Promise<Terms | null> => {
      try {
        return await ok(api.GET("/v1/programs/{programId}/terms", { params: { path } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
  const versions = useQuery({
    queryKey: ["terms-versions", program.id],
    queryFn: () =>
      ok(
        api.GET("/v1/programs/{programId}/terms/versions", {
          params: { path, query: { limit: 100 } },
        }),
      ),
  });
  // Null until the admin types: the editor starts from the version in force.
  const [draft, setDraft] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const body = draft ?? current.data?.body ?? "";
  const settled = useSettled(body, 400);
  const preview = useQuery({
    queryKey: ["terms-preview", program.id, settled],
    queryFn: () =>
      ok(
        api.POST("/v1/programs/{programId}/terms/preview", {
          params: { path },
          body: { body: settled },
        }),
      ),
    enabled: settled.trim() !== "" && settled.length <= MAX_TERMS_LENGTH,
  });
  const publish = useMutation({
    mutationFn: (text: string) =>
      ok(api.PUT("/v1/programs/{programId}/terms", { params: { path }, body: { body: text } })),
    onSuccess: async (published) => {
      setDraft(null);
      setNotice(
        `Version ${published.version} published. Participants will be asked to accept it in their portal.`,
      );
      queryClient.setQueryData(["terms", program.id], published);
      await queryClient.invalidateQueries({ queryKey: ["terms-versions", program.id] });
    },
  });
  if (current.isPending) return <Loading what="the terms" />;
  if (current.error) return <ErrorMessage error={current.error} />;
  const inForce = current.data;
  const unchanged = inForce !== null && body === inForce.body;
  const empty = body.trim() === "";
  const nextVersion = (inForce?.version ?? 0) + 1;
  const error = bodyError(publish.error);
  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">Terms</h2>
      <p role="status" className="text-sm text-emerald-800">
        {notice}
      </p>
      <Card title="In force">
        {inForce === null ? (
          <Empty>
            No terms yet: participants are not asked to accept any. Write them below and publish
            version 1.
          </Empty>
        ) : (
          <p className="text-sm" data-testid="terms-in-force">
            Version <strong>{inForce.version}</strong>, published{" "}
            {formatDateTime(inForce.updatedAt, program.timezone)}. Accepted by{" "}
            <strong>{participants(inForce.acceptedBy)}</strong>.
          </p>
        )}
      </Card>
      <Card title={inForce === null ? "Write the terms" : "Edit the terms"}>
        <form
          className="flex flex-col gap-3"
          aria-label="Terms editor"
          onSubmit={(event) => event.preventDefault()}
        >
          <Field
            id="terms-body"
            label="Terms (Markdown)"
            hint={`Markdown: # headings, **bold**, *italic*, [links](https://…), lists. HTML is shown as text. ${formatNumber(body.length)} of ${formatNumber(MAX_TERMS_LENGTH)} characters.`}
            error={error}
          >
            <textarea
              id="terms-body"
              className={`${inputClass} min-h-64 font-mono`}
              value={body}
              onChange={(e) => {
                setNotice("");
                publish.reset();
                setDraft(e.target.value);
              }}
              {...invalid("terms-body", error)}
            />
          </Field>
          {publish.error && !error && <ErrorMessage error={publish.error} />}
          <div className="flex flex-wrap items-center gap-2">
            {unchanged || empty || body.length > MAX_TERMS_LENGTH ? (
              <>
                <Button variant="primary" disabled aria-describedby="terms-publish-why">
                  Publish new version
                </Button>
                <p id="terms-publish-why" className="text-sm text-slate-700">
                  {empty
                    ? "Write the terms to publish them."
                    : unchanged
                      ? `No changes: this is version ${inForce.version}.`
                      : `The terms are longer than ${formatNumber(MAX_TERMS_LENGTH)} characters.`}
                </p>
              </>
            ) : (
              <ConfirmDialog
                trigger={<Button variant="primary">Publish new version</Button>}
                title={`Publish version ${nextVersion}?`}
                description={
                  inForce === null
                    ? "Every participant will be asked to accept these terms in their portal."
                    : `Version ${nextVersion} replaces version ${inForce.version}. Every participant, including the ${participants(inForce.acceptedBy)} who accepted version ${inForce.version}, will be asked to accept the new terms again in their portal.`
                }
                confirmLabel={`Publish version ${nextVersion}`}
                onConfirm={() => publish.mutateAsync(body)}
              />
            )}
            {draft !== null && inForce !== null && !unchanged && (
              <Button variant="secondary" onClick={() => setDraft(null)}>
                Discard changes
              </Button>
            )}
          </div>
        </form>
      </Card>
      <Card title="Preview">
        {empty ? (
          <Empty>The preview shows the terms as participants will read them.</Empty>
        ) : preview.error ? (
          <ErrorMessage error={preview.error} />
        ) : preview.data === undefined ? (
          <Loading what="the preview" />
        ) : (
          <div
            className="max-h-96 overflow-y-auto rounded border border-slate-200 p-3 text-sm [&_a]:text-emerald-800 [&_a]:underline [&_h1]:mb-2 [&_h1]:text-xl [&_h1]:font-semibold [&_h2]:mb-2 [&_h2]:text-lg [&_h2]:font-semibold [&_h3]:font-semibold [&_li]:ml-5 [&_ol]:mb-2 [&_ol]:list-decimal [&_p]:mb-2 [&_ul]:mb-2 [&_ul]:list-disc"
            tabIndex={0}
            role="region"
            aria-label="The terms as participants will read them"
            // Rendered by the API with raw HTML off: the text holds no markup of its own.
            dangerouslySetInnerHTML={{ __html: preview.data.bodyHtml }}
          />
        )}
      </Card>
      <Card title="Versions">
        {versions.isPending ? (
          <Loading what="the versions" />
        ) : versions.error ? (
          <ErrorMessage error={versions.error} />
        ) : versions.data.items.length === 0 ? (
          <Empty>No version published yet.</Empty>
        ) : (
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="border-b border-slate-200">
                <th className="py-1">Version</th>
                <th className="py-1">Published</th>
                <th className="py-1 text-right">Accepted by</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.items.map((v) => (
                <tr key={v.version} className="border-b border-slate-100">
                  <td className="py-1">
                    {v.version}
                    {v.version === inForce?.version ? " (in force)" : ""}
                  </td>
                  <td className="py-1">{formatDateTime(v.updatedAt, program.timezone)}</td>
                  <td className="py-1 text-right">{participants(v.acceptedBy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
